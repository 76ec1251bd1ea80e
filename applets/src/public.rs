//! Public zone (`D1 58 00 00 01 02`, DF `DF02`): nine field EFs and a security
//! object, readable under secure messaging after PACE with CAN or MRZ, on
//! both interfaces (docs/spec/zones.md, docs/spec/public.md). The contents
//! are written at personalization: the field objects from
//! `public_fields::encode` and EF.SOD as signed by the issuer's document
//! signer outside the card.

use alloc::vec::Vec;

use card_os::apdu::CommandApdu;
use card_os::fs::Node;
use card_os::security::{AccessCondition, PacePassword, TerminalRight};
use card_os::{tlv, Applet, CommandContext, Response, StatusWord};

use crate::error::PersoError;
use crate::{layout, registry_update};
use crate::public_fields::{FIELD_COUNT, TAG_FIELD_BASE};

pub const AID: &[u8] = &[0xD1, 0x58, 0x00, 0x00, 0x01, 0x02];
pub const FID: u16 = 0xDF02;
pub const LABEL: &str = "Public data";
/// Field EFs `0101..=0109` with SFI `01..=09`.
pub const FIELD_FIDS: core::ops::RangeInclusive<u16> = 0x0101..=0x0109;
/// The zone's security object (CMS SignedData).
pub const FID_SOD: u16 = 0x0110;
pub const SFI_SOD: u8 = 0x10;

/// What personalization writes into the public zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicZoneInput {
    /// EF contents of fields 1..=9, in order (from `public_fields::encode`).
    pub fields: [Vec<u8>; FIELD_COUNT],
    /// EF.SOD bytes: CMS SignedData over the field hashes (docs/spec/security-object.md).
    pub security_object: Vec<u8>,
}

impl PublicZoneInput {
    /// Each field EF holds exactly one data object with tag `A0 | n`
    /// (docs/spec/public.md); EF.SOD is not empty. The card does not parse
    /// deeper: the encoder and the security object vouch for the content.
    fn check(&self) -> Result<(), PersoError> {
        for (index, content) in self.fields.iter().enumerate() {
            let n = index + 1;
            let expected_tag = u16::from(TAG_FIELD_BASE) + n as u16;
            match tlv::parse_all(content).as_deref() {
                Ok([object]) if object.tag == expected_tag => {}
                _ => {
                    return Err(PersoError::PublicField {
                        field: n,
                        rule: "must be exactly one BER-TLV data object with tag A0 + n (docs/spec/public.md)",
                    });
                }
            }
        }
        if self.security_object.is_empty() {
            return Err(PersoError::PublicSecurityObjectEmpty);
        }
        Ok(())
    }
}

/// SM after PACE with CAN or MRZ (the holder's and any reader's way in);
/// or, for a registry-office update, SM after PACE with PIN1 once a
/// privileged terminal (TA) and the chip (CA v2) are authenticated: the
/// office re-signs the security object over every field, so it must read
/// them in the session it writes in (docs/spec/eac.md §Registry-office updates).
pub fn read_rule() -> AccessCondition {
    AccessCondition::AnyOf(alloc::vec![
        AccessCondition::secure_messaging(&[PacePassword::Can, PacePassword::Mrz]),
        AccessCondition::AllOf(alloc::vec![
            AccessCondition::secure_messaging(&[PacePassword::Pin]),
            AccessCondition::TerminalRight(TerminalRight::RegistryOffice),
            AccessCondition::ChipAuthenticated,
        ]),
    ])
}

/// The zone's DF; its EFs are empty when `contents` is `None`.
pub fn df(contents: Option<&PublicZoneInput>) -> Result<Node, PersoError> {
    if let Some(contents) = contents {
        contents.check()?;
    }
    let mut children: Vec<Node> = FIELD_FIDS
        .zip(0..)
        .map(|(fid, index): (u16, usize)| {
            // The low byte of the FID is the SFI (01..=09).
            let sfi = fid.to_be_bytes()[1];
            let data = contents.and_then(|c| c.fields.get(index).cloned()).unwrap_or_default();
            layout::ef(fid, Some(sfi), read_rule(), AccessCondition::Never, data)
        })
        .collect();
    let sod = contents.map(|c| c.security_object.clone()).unwrap_or_default();
    children.push(layout::ef(FID_SOD, Some(SFI_SOD), read_rule(), AccessCondition::Never, sod));
    Ok(layout::application(Some(FID), AID, children))
}

pub struct PublicApplet;

impl Applet for PublicApplet {
    /// Registry-office updates of the household address and the
    /// military-service status (PUT DATA, docs/spec/eac.md).
    fn process(&self, ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
        registry_update::process(ctx, cmd, &registry_update::PUBLIC_ZONE)
    }

    fn supports_chaining(&self, ins: u8) -> bool {
        ins == registry_update::INS_PUT_DATA
    }

    /// Every PACE password keeps its session here; reading needs CAN or MRZ
    /// (the EF rules), the scope only decides whether the session survives.
    fn in_pace_scope(&self, _password: PacePassword) -> bool {
        true
    }
}
