//! Public zone (`D1 58 00 00 01 02`, DF `DF02`): nine field EFs and a security
//! object, readable under secure messaging after PACE with CAN or MRZ
//! (docs/spec/zones.md). The contents arrive with a later issue: the EFs are
//! empty now.

use alloc::vec::Vec;

use card_os::apdu::CommandApdu;
use card_os::fs::Node;
use card_os::security::{AccessCondition, PacePassword};
use card_os::{Applet, CommandContext, Response, StatusWord};

use crate::layout;

pub const AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x02];
pub const FID: u16 = 0xDF02;
pub const LABEL: &str = "Public data";
/// Field EFs `0101..=0109` with SFI `01..=09`.
pub const FIELD_FIDS: core::ops::RangeInclusive<u16> = 0x0101..=0x0109;
/// The zone's security object (CMS SignedData).
pub const FID_SOD: u16 = 0x0110;
pub const SFI_SOD: u8 = 0x10;

pub fn read_rule() -> AccessCondition {
    AccessCondition::secure_messaging(&[PacePassword::Can, PacePassword::Mrz])
}

pub fn df() -> Node {
    let mut children: Vec<Node> = FIELD_FIDS
        .map(|fid| {
            // The low byte of the FID is the SFI (01..=09).
            let sfi = fid.to_be_bytes()[1];
            layout::ef(fid, Some(sfi), read_rule(), AccessCondition::Never, Vec::new())
        })
        .collect();
    children.push(layout::ef(FID_SOD, Some(SFI_SOD), read_rule(), AccessCondition::Never, Vec::new()));
    layout::application(Some(FID), AID, children)
}

pub struct PublicApplet;

impl Applet for PublicApplet {
    fn process(&self, _ctx: &mut CommandContext<'_, '_>, _cmd: &CommandApdu) -> Result<Response, StatusWord> {
        Err(StatusWord::InsNotSupported)
    }
}
