//! Encrypted zone (`D1 58 00 00 01 03`, DF `DF03`): seven field EFs and a
//! security object. Reading a field needs, on the contact interface, secure
//! messaging after PACE with PIN1 and a Terminal Authentication right for that
//! field (TR-03110-3 effective CHAT); the security object needs PACE with PIN1.
//! Neither can be met before issues 3 and 4. The EFs are empty now.

use alloc::vec;
use alloc::vec::Vec;

use card_os::apdu::CommandApdu;
use card_os::fs::Node;
use card_os::security::{AccessCondition, PacePassword, TerminalRight};
use card_os::{Applet, CommandContext, Response, StatusWord};

use crate::layout;

pub const AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x03];
pub const FID: u16 = 0xDF03;
pub const LABEL: &str = "Encrypted data";
/// Field EFs `0101..=0107` with SFI `01..=07`.
pub const FIELD_FIDS: core::ops::RangeInclusive<u16> = 0x0101..=0x0107;
pub const FID_SOD: u16 = 0x0110;
pub const SFI_SOD: u8 = 0x10;

/// Contact only, SM after PACE with PIN1, and the TA right for field `n` (1..=7).
pub fn field_read_rule(n: u8) -> AccessCondition {
    AccessCondition::contact_only(AccessCondition::AllOf(vec![
        AccessCondition::secure_messaging(&[PacePassword::Pin]),
        AccessCondition::TerminalRight(TerminalRight::ReadEncryptedField(n)),
    ]))
}

pub fn sod_read_rule() -> AccessCondition {
    AccessCondition::contact_only(AccessCondition::secure_messaging(&[PacePassword::Pin]))
}

pub fn df() -> Node {
    let mut children: Vec<Node> = FIELD_FIDS
        .map(|fid| {
            let sfi = fid.to_be_bytes()[1];
            layout::ef(fid, Some(sfi), field_read_rule(sfi), AccessCondition::Never, Vec::new())
        })
        .collect();
    children.push(layout::ef(FID_SOD, Some(SFI_SOD), sod_read_rule(), AccessCondition::Never, Vec::new()));
    layout::application(Some(FID), AID, children)
}

pub struct EncryptedApplet;

impl Applet for EncryptedApplet {
    fn process(&self, _ctx: &mut CommandContext<'_, '_>, _cmd: &CommandApdu) -> Result<Response, StatusWord> {
        Err(StatusWord::InsNotSupported)
    }

    /// Only a session from PACE with PIN1 reaches the encrypted zone (chip.md).
    fn in_pace_scope(&self, password: PacePassword) -> bool {
        password == PacePassword::Pin
    }
}
