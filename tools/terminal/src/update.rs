//! Registry-office updates, terminal side (chip.md "Updates from the
//! registry office"; docs/spec/eac.md §Registry-office updates):
//! `PUT DATA 00 DA 00 00 {51 FID, 53 new field EF content, 77 new security
//! object}` inside an EAC session whose effective CHAT holds the field's
//! write right. The card verifies the security object with the
//! management-system key and the field's hash against it, then writes both
//! or nothing.
//!
//! The security object is passed as EF.SOD stores it: `77 L ContentInfo`
//! (security-object.md), which is itself the DO'77'.

use card_os::protocol::sm::Command;
use card_os::protocol::tlv;
use thiserror::Error;

use crate::card::{CLA_PLAIN, sw_meaning, transmit};
use crate::transport::{Transport, TransportError};

/// PUT DATA, even INS (ISO 7816-4 §11.4.6).
pub const INS_PUT_DATA: u8 = 0xDA;
/// DO'51': the FID of the field EF; DO'53': its new content (discretionary data).
const TAG_FILE_REFERENCE: u16 = 0x51;
const TAG_CONTENT: u16 = 0x53;
/// EF.SOD's own tag `77` ([APPLICATION 23], ICAO 9303-10 §4.6.2).
pub const TAG_SECURITY_OBJECT: u8 = 0x77;
const SW_OK: u16 = 0x9000;

#[derive(Debug, Error)]
pub enum UpdateError {
    #[error("PUT DATA (EF {fid:04X}): card answered {sw:04X} ({meaning}){hint}")]
    Card {
        fid: u16,
        sw: u16,
        meaning: &'static str,
        hint: &'static str,
    },
    #[error("PUT DATA: the security object must be EF.SOD bytes starting with tag 77")]
    SecurityObjectTag,
    #[error("{0}")]
    Transport(#[from] TransportError),
}

/// The data field `51 FID, 53 content, 77 …` (the SO already is the DO'77').
pub fn put_data_field(
    fid: u16,
    content: &[u8],
    security_object: &[u8],
) -> Result<Vec<u8>, UpdateError> {
    if security_object.first() != Some(&TAG_SECURITY_OBJECT) {
        return Err(UpdateError::SecurityObjectTag);
    }
    let mut data = tlv::build(TAG_FILE_REFERENCE, &fid.to_be_bytes());
    tlv::push(&mut data, TAG_CONTENT, content);
    data.extend_from_slice(security_object);
    Ok(data)
}

/// Send PUT DATA for one field and its zone's new security object (the
/// zone's application must be selected).
pub fn put_data(
    channel: &mut dyn Transport,
    fid: u16,
    content: &[u8],
    security_object: &[u8],
) -> Result<(), UpdateError> {
    let data = put_data_field(fid, content, security_object)?;
    let bytes = Command {
        cla: CLA_PLAIN,
        ins: INS_PUT_DATA,
        p1: 0,
        p2: 0,
        data,
        ne: None,
    }
    .to_bytes()
    .map_err(TransportError::SecureMessaging)?;
    let sw = transmit(channel, &bytes)?.sw;
    if sw == SW_OK {
        return Ok(());
    }
    let hint = match sw {
        0x6982 => {
            " — the terminal's effective CHAT lacks the field's write right, or CA v2 did not run"
        }
        0x6D00 => " — this card does not support registry-office updates",
        s if s >> 8 == 0x69 => {
            " — the card refused the security object's signature or the field's hash"
        }
        _ => "",
    };
    Err(UpdateError::Card {
        fid,
        sw,
        meaning: sw_meaning(sw),
        hint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_field_is_51_53_then_the_sod() {
        let data = put_data_field(0x0102, &[0xA2, 0x01, 0x00], &[0x77, 0x01, 0x30]).unwrap();
        assert_eq!(
            data,
            [
                0x51, 0x02, 0x01, 0x02, 0x53, 0x03, 0xA2, 0x01, 0x00, 0x77, 0x01, 0x30
            ]
        );
        assert!(matches!(
            put_data_field(1, &[], &[0x30]),
            Err(UpdateError::SecurityObjectTag)
        ));
    }
}
