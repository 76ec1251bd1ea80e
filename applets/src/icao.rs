//! ICAO zone: the LDS1 eMRTD application `A0 00 00 02 47 10 01` (ICAO 9303-10
//! §3.6), selected by name only (no FID); docs/spec/icao.md.
//!
//! | EF | FID | SFI |
//! |---|---|---|
//! | EF.COM | `011E` | `1E` |
//! | DG1 (MRZ) | `0101` | `01` |
//! | DG2 (face) | `0102` | `02` |
//! | DG14 (SecurityInfos) | `010E` | `0E` |
//! | DG15 (AA public key) | `010F` | `0F` |
//! | EF.SOD | `011D` | `1D` |
//!
//! Every EF is read under secure messaging after PACE with the MRZ or after
//! BAC; none is ever updated. BAC, Active Authentication and Chip
//! Authentication v1 are run by card-os (`card_os::bac`,
//! `card_os::active_auth`, `card_os::chip_auth`) while this application is
//! selected; this applet adds no command of its own.

pub mod face;
pub mod lds;
pub mod perso;

use alloc::vec::Vec;

use card_os::apdu::CommandApdu;
use card_os::fs::Node;
use card_os::security::{AccessCondition, PacePassword};
use card_os::{Applet, CommandContext, Response, StatusWord};

use crate::layout;
pub use face::FaceImage;
pub use perso::{CaStaticKey, IcaoFiles, IcaoZoneInput};

/// The eMRTD application identifier: the one card-os runs the ICAO protocols in.
pub const AID: &[u8] = card_os::bac::EMRTD_AID;
pub const LABEL: &str = "ICAO eMRTD LDS1";
/// ICAO 9303-10 §4.6 Table 39.
pub const FID_COM: u16 = 0x011E;
pub const SFI_COM: u8 = 0x1E;
pub const FID_DG1: u16 = 0x0101;
pub const SFI_DG1: u8 = 0x01;
pub const FID_DG2: u16 = 0x0102;
pub const SFI_DG2: u8 = 0x02;
pub const FID_DG14: u16 = 0x010E;
pub const SFI_DG14: u8 = 0x0E;
pub const FID_DG15: u16 = 0x010F;
pub const SFI_DG15: u8 = 0x0F;
pub const FID_SOD: u16 = 0x011D;
pub const SFI_SOD: u8 = 0x1D;

/// Secure messaging after PACE with the MRZ, or after BAC (chip.md: "BAC or PACE with MRZ").
pub fn read_rule() -> AccessCondition {
    AccessCondition::AnyOf(alloc::vec![
        AccessCondition::secure_messaging(&[PacePassword::Mrz]),
        AccessCondition::BasicAccessControl,
    ])
}

/// The zone's DF with `files` and `security_object` as EF contents.
pub fn df(files: &IcaoFiles, security_object: &[u8]) -> Node {
    let file = |fid, sfi, data: &[u8]| layout::ef(fid, Some(sfi), read_rule(), AccessCondition::Never, data.to_vec());
    let children: Vec<Node> = alloc::vec![
        file(FID_COM, SFI_COM, &files.com),
        file(FID_DG1, SFI_DG1, &files.dg1),
        file(FID_DG2, SFI_DG2, &files.dg2),
        file(FID_DG14, SFI_DG14, &files.dg14),
        file(FID_DG15, SFI_DG15, &files.dg15),
        file(FID_SOD, SFI_SOD, security_object),
    ];
    layout::application(None, AID, children)
}

pub struct IcaoApplet;

impl Applet for IcaoApplet {
    fn process(&self, _ctx: &mut CommandContext<'_, '_>, _cmd: &CommandApdu) -> Result<Response, StatusWord> {
        Err(StatusWord::InsNotSupported)
    }

    /// Only a session from PACE with the MRZ reaches the eMRTD application
    /// (chip.md); a BAC session is kept by card-os's own rule (docs/spec/icao.md).
    fn in_pace_scope(&self, password: PacePassword) -> bool {
        password == PacePassword::Mrz
    }
}
