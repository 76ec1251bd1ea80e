//! ICAO zone: the LDS1 eMRTD application `A0 00 00 02 47 10 01` (ICAO 9303-10
//! §3.6), selected by name only (no FID). EF.COM `011E` SFI `1E`, DG1 `0101`
//! SFI `01`, EF.SOD `011D` SFI `1D`, readable under secure messaging after
//! PACE with the MRZ (BAC comes later). Contents arrive later: empty now.

use alloc::vec;
use alloc::vec::Vec;

use card_os::apdu::CommandApdu;
use card_os::fs::Node;
use card_os::security::{AccessCondition, PacePassword};
use card_os::{Applet, CommandContext, Response, StatusWord};

use crate::layout;

pub const AID: &[u8] = &[0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];
pub const LABEL: &str = "ICAO eMRTD LDS1";
/// ICAO 9303-10 §4.6 table 39.
pub const FID_COM: u16 = 0x011E;
pub const SFI_COM: u8 = 0x1E;
pub const FID_DG1: u16 = 0x0101;
pub const SFI_DG1: u8 = 0x01;
pub const FID_SOD: u16 = 0x011D;
pub const SFI_SOD: u8 = 0x1D;

pub fn read_rule() -> AccessCondition {
    AccessCondition::secure_messaging(&[PacePassword::Mrz])
}

pub fn df() -> Node {
    let file = |fid, sfi| layout::ef(fid, Some(sfi), read_rule(), AccessCondition::Never, Vec::new());
    let children = vec![file(FID_COM, SFI_COM), file(FID_DG1, SFI_DG1), file(FID_SOD, SFI_SOD)];
    layout::application(None, AID, children)
}

pub struct IcaoApplet;

impl Applet for IcaoApplet {
    fn process(&self, _ctx: &mut CommandContext<'_, '_>, _cmd: &CommandApdu) -> Result<Response, StatusWord> {
        Err(StatusWord::InsNotSupported)
    }

    /// Only a session from PACE with the MRZ reaches the eMRTD application (chip.md).
    fn in_pace_scope(&self, password: PacePassword) -> bool {
        password == PacePassword::Mrz
    }
}
