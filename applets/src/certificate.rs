//! Certificate zone: the PKCS#15 application (ISO 7816-15) `A0 00 00 00 63 50
//! 4B 43 53 2D 31 35`, DF `5015`, with EF.ODF `5031` and EF.TokenInfo `5032`.
//! Their contents arrive with the certificate issue; until then both are empty
//! and their rule asks for secure messaging (PACE with CAN, MRZ or PIN1), which
//! cannot hold: selecting this zone ends any PACE session (docs/spec/pace.md).

use alloc::vec;
use alloc::vec::Vec;

use card_os::apdu::CommandApdu;
use card_os::fs::Node;
use card_os::security::{AccessCondition, PacePassword};
use card_os::{Applet, CommandContext, Response, StatusWord};

use crate::layout;

/// PKCS#15 application identifier (ISO 7816-15 §8.2: RID A000000063 + "PKCS-15").
pub const AID: &[u8] = &[0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35];
pub const FID: u16 = 0x5015;
pub const LABEL: &str = "Certificates";
pub const FID_ODF: u16 = 0x5031;
pub const FID_TOKEN_INFO: u16 = 0x5032;

pub fn read_rule() -> AccessCondition {
    AccessCondition::secure_messaging(&[PacePassword::Can, PacePassword::Mrz, PacePassword::Pin])
}

pub fn df() -> Node {
    let children = vec![
        layout::ef(FID_ODF, None, read_rule(), AccessCondition::Never, Vec::new()),
        layout::ef(FID_TOKEN_INFO, None, read_rule(), AccessCondition::Never, Vec::new()),
    ];
    layout::application(Some(FID), AID, children)
}

pub struct CertificateApplet;

/// Outside every PACE scope for now (the default of `Applet::in_pace_scope`):
/// selecting the zone ends a session; its own rules come with issue 5.
impl Applet for CertificateApplet {
    fn process(&self, _ctx: &mut CommandContext<'_, '_>, _cmd: &CommandApdu) -> Result<Response, StatusWord> {
        Err(StatusWord::InsNotSupported)
    }
}
