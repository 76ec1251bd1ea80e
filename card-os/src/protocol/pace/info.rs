//! PACEInfo and EF.CardAccess (ICAO 9303-11 §9.2.1, TR-03110-3 A.1.1.1):
//!
//! ```text
//! SecurityInfos ::= SET OF SecurityInfo
//! PACEInfo ::= SEQUENCE {
//!     protocol    OBJECT IDENTIFIER (id-PACE-…),
//!     version     INTEGER,            -- MUST be 2
//!     parameterId INTEGER OPTIONAL }  -- standardized domain parameters
//! ```

use alloc::vec::Vec;

use super::{PaceError, PaceMapping, PaceProtocol};
use crate::protocol::oid::{OID_TAG, ObjectIdentifier};
use crate::protocol::tlv;

/// The only PACE version (ICAO 9303-11 §9.2.1: "version SHALL be 2").
pub const PACE_VERSION: u8 = 2;
const TAG_INTEGER: u16 = 0x02;
const TAG_SEQUENCE: u16 = 0x30;
const TAG_SET: u16 = 0x31;
/// b8 of the first INTEGER content byte: the value would be negative.
const INTEGER_SIGN: u8 = 0x80;

/// One PACEInfo of a protocol we speak (ECDH with AES, any mapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaceInfo {
    pub protocol: PaceProtocol,
    /// Standardized domain parameter id (12, 13, 15, 16 here).
    pub parameter_id: Option<u8>,
}

impl PaceInfo {
    /// DER of the SEQUENCE.
    pub fn encode(&self) -> Vec<u8> {
        let mut inner = Vec::new();
        tlv::push(&mut inner, OID_TAG, &self.protocol.oid_der_content());
        push_small_integer(&mut inner, PACE_VERSION);
        if let Some(id) = self.parameter_id {
            push_small_integer(&mut inner, id);
        }
        tlv::build(TAG_SEQUENCE, &inner)
    }
}

/// EF.CardAccess content: the DER SET OF the PACEInfos (elements sorted by
/// their encodings, X.690 §11.6).
pub fn encode_card_access(infos: &[PaceInfo]) -> Vec<u8> {
    let mut elements: Vec<Vec<u8>> = infos.iter().map(PaceInfo::encode).collect();
    elements.sort();
    let inner: Vec<u8> = elements.concat();
    tlv::build(TAG_SET, &inner)
}

/// The Generic Mapping PACEInfos of an EF.CardAccess (or any SecurityInfos),
/// the protocols the chip offers. SecurityInfos of other protocols (CA, TA,
/// PACEDomainParameterInfo, PACE variants the chip does not speak, and the
/// Integrated and Chip Authentication Mappings) are skipped; a PACEInfo of
/// ours with a version other than 2 or malformed DER is an error.
pub fn decode_card_access(data: &[u8]) -> Result<Vec<PaceInfo>, PaceError> {
    decode_pace_infos(data, |mapping| mapping == PaceMapping::Generic)
}

/// The PACEInfos of an EF.CardAccess in all three mappings a terminal runs:
/// id-PACE-ECDH-{GM,IM,CAM}-AES-CBC-CMAC-128/192/256 (ICAO 9303-11 §9.2.1),
/// in the file's order. Other SecurityInfos are skipped as in
/// [`decode_card_access`].
pub fn decode_card_access_all_mappings(data: &[u8]) -> Result<Vec<PaceInfo>, PaceError> {
    decode_pace_infos(data, |_| true)
}

fn decode_pace_infos(
    data: &[u8],
    accept: impl Fn(PaceMapping) -> bool,
) -> Result<Vec<PaceInfo>, PaceError> {
    let set = tlv::parse_single(data, TAG_SET)?.ok_or(malformed(
        "EF.CardAccess",
        "must be one DER SET OF SecurityInfo",
    ))?;
    let mut infos = Vec::new();
    for element in tlv::parse_all(set)? {
        if element.tag != TAG_SEQUENCE {
            return Err(malformed("SecurityInfo", "must be a SEQUENCE"));
        }
        let fields = tlv::parse_all(element.value)?;
        let Some(first) = fields.first() else {
            return Err(malformed(
                "SecurityInfo",
                "must start with the protocol OBJECT IDENTIFIER",
            ));
        };
        if first.tag != OID_TAG {
            return Err(malformed(
                "SecurityInfo",
                "must start with the protocol OBJECT IDENTIFIER",
            ));
        }
        let oid = ObjectIdentifier::from_der_content(first.value)
            .map_err(|_| malformed("SecurityInfo protocol", "malformed OBJECT IDENTIFIER"))?;
        let Ok(protocol) = PaceProtocol::from_oid(&oid) else {
            continue;
        };
        if !accept(protocol.mapping()) {
            continue;
        }
        let (version, parameter_id) = match &fields[1..] {
            [version] => (version, None),
            [version, parameter_id] => (version, Some(parameter_id)),
            _ => {
                return Err(malformed(
                    "PACEInfo",
                    "is protocol, version and an optional parameterId",
                ));
            }
        };
        if version.tag != TAG_INTEGER
            || small_integer(version.value, "PACEInfo version")? != PACE_VERSION
        {
            return Err(malformed(
                "PACEInfo version",
                "must be INTEGER 2 (ICAO 9303-11 §9.2.1)",
            ));
        }
        let parameter_id = match parameter_id {
            Some(p) if p.tag == TAG_INTEGER => {
                Some(small_integer(p.value, "PACEInfo parameterId")?)
            }
            Some(_) => return Err(malformed("PACEInfo parameterId", "must be an INTEGER")),
            None => None,
        };
        infos.push(PaceInfo {
            protocol,
            parameter_id,
        });
    }
    Ok(infos)
}

fn push_small_integer(out: &mut Vec<u8>, value: u8) {
    if value & INTEGER_SIGN != 0 {
        tlv::push(out, TAG_INTEGER, &[0x00, value]);
    } else {
        tlv::push(out, TAG_INTEGER, &[value]);
    }
}

/// A DER INTEGER in 0..=255 (minimal encoding, non-negative).
fn small_integer(content: &[u8], field: &'static str) -> Result<u8, PaceError> {
    match content {
        [v] if v & INTEGER_SIGN == 0 => Ok(*v),
        [0x00, v] if v & INTEGER_SIGN != 0 => Ok(*v),
        _ => Err(malformed(field, "must be a minimal DER INTEGER in 0..=255")),
    }
}

fn malformed(field: &'static str, rule: &'static str) -> PaceError {
    PaceError::MalformedData { field, rule }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    /// ICAO 9303-11 Appendix G.1: PACEInfo of the worked example.
    #[test]
    fn pace_info_matches_worked_example() {
        let info = PaceInfo {
            protocol: PaceProtocol::EcdhGmAesCbcCmac128,
            parameter_id: Some(13),
        };
        assert_eq!(
            info.encode(),
            h("3012060A 04007F00 07020204 02020201 0202010D")
        );
        let card_access = encode_card_access(&[info]);
        assert_eq!(
            card_access,
            h("3114 3012060A04007F0007020204020202010202010D")
        );
        assert_eq!(decode_card_access(&card_access).unwrap(), [info]);
    }

    #[test]
    fn card_access_skips_foreign_infos_and_sorts() {
        let a = PaceInfo {
            protocol: PaceProtocol::EcdhGmAesCbcCmac256,
            parameter_id: Some(15),
        };
        let b = PaceInfo {
            protocol: PaceProtocol::EcdhGmAesCbcCmac128,
            parameter_id: None,
        };
        let encoded = encode_card_access(&[a, b]);
        assert_eq!(
            decode_card_access(&encoded).unwrap(),
            [b, a],
            "DER SET OF order"
        );
        // A German eID EF.CardAccess-like set: PACE-ECDH-GM-AES-128 (id 13) and
        // a CA info 0.4.0.127.0.7.2.2.3.2.2 (skipped).
        let mixed = h(
            "3128 3012060A04007F0007020204020202010202010D 3012060A04007F0007020203020202010202010D",
        );
        let infos = decode_card_access(&mixed).unwrap();
        assert_eq!(
            infos,
            [PaceInfo {
                protocol: PaceProtocol::EcdhGmAesCbcCmac128,
                parameter_id: Some(13)
            }]
        );
    }

    /// A card offering GM, IM and CAM (plus a CA info): the chip's decoder
    /// keeps GM only, the terminal's sees all three in file order.
    #[test]
    fn card_access_all_mappings() {
        let card_access = h("3150 \
             3012060A04007F0007020204060202010202010D \
             3012060A04007F0007020204040202010202010D \
             3012060A04007F0007020203020202010202010D \
             3012060A04007F0007020204020402010202010F");
        let gm = PaceInfo {
            protocol: PaceProtocol::EcdhGmAesCbcCmac256,
            parameter_id: Some(15),
        };
        let im = PaceInfo {
            protocol: PaceProtocol::EcdhImAesCbcCmac128,
            parameter_id: Some(13),
        };
        let cam = PaceInfo {
            protocol: PaceProtocol::EcdhCamAesCbcCmac128,
            parameter_id: Some(13),
        };
        assert_eq!(decode_card_access(&card_access).unwrap(), [gm]);
        assert_eq!(
            decode_card_access_all_mappings(&card_access).unwrap(),
            [cam, im, gm]
        );
        // Version 1 of an IM info is an error for the terminal, skipped by the chip.
        let bad_im = h("3114 3012060A04007F0007020204040202010102010D");
        assert!(decode_card_access_all_mappings(&bad_im).is_err());
        assert_eq!(decode_card_access(&bad_im).unwrap(), []);
        let encoded = encode_card_access(&[im, gm, cam]);
        assert_eq!(
            decode_card_access_all_mappings(&encoded).unwrap(),
            [gm, im, cam],
            "DER order"
        );
    }

    #[test]
    fn card_access_rejects_malformed() {
        assert!(
            decode_card_access(&h("3012060A04007F0007020204020202010202010D")).is_err(),
            "not a SET"
        );
        assert!(
            decode_card_access(&h("3114 3012060A04007F0007020204020202010102010D")).is_err(),
            "version 1"
        );
        assert!(
            decode_card_access(&h("3103 020100")).is_err(),
            "element not a SEQUENCE"
        );
        assert!(decode_card_access(&h("3105 3003020102")).is_err(), "no OID");
        assert!(
            decode_card_access(&h("3110 300E060A04007F00070202040202 0400")).is_err(),
            "version not INTEGER"
        );
        assert!(
            decode_card_access(&h("3115 3013060A04007F00070202040202020102020200FF")).is_ok(),
            "id 255 is DER"
        );
        assert!(
            decode_card_access(&h("3115 3013060A04007F0007020204020202010202020001")).is_err(),
            "non-minimal"
        );
    }
}
