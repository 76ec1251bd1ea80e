//! The command data of PACE: the MSE:Set AT data field (TR-03110-3 B.11.1,
//! ICAO 9303-11 §4.4.4.1) and the GENERAL AUTHENTICATE dynamic authentication
//! data `7C` (TR-03110-3 B.11.2, ICAO 9303-11 §4.4.4.2). Both ends encode and
//! decode them, so the terminal and the chip cannot disagree on a byte.

use alloc::vec::Vec;

use super::{PaceError, PaceProtocol};
use crate::protocol::kdf::PacePassword;
use crate::protocol::tlv;

/// MSE:Set AT for PACE: P1 = `C1` (set for mutual authentication), P2 = `A4`
/// (authentication template) (TR-03110-3 B.11.1).
pub const MSE_SET_AT_P1: u8 = 0xC1;
pub const MSE_SET_AT_P2: u8 = 0xA4;

/// Cryptographic mechanism reference: the protocol OID content.
const TAG_MECHANISM: u16 = 0x80;
/// Reference of a public key / secret key: the password reference.
const TAG_PASSWORD_REFERENCE: u16 = 0x83;
/// Reference of a private key: the domain parameter id (TR-03110-3 B.11.1).
const TAG_PRIVATE_KEY_REFERENCE: u16 = 0x84;
/// Auxiliary authenticated data (for age/validity/community id verification).
const TAG_AUXILIARY_DATA: u16 = 0x67;
/// Certificate Holder Authorization Template (TR-03110-3 C.1.5).
const TAG_CHAT: u16 = 0x7F4C;
/// Dynamic authentication data (ISO 7816-4 §7.5.2).
const TAG_DYNAMIC_AUTHENTICATION_DATA: u16 = 0x7C;

/// The data field of MSE:Set AT that starts PACE.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MseSetAt {
    pub protocol: PaceProtocol,
    pub password: PacePassword,
    /// DO'84': the standardized domain parameter id, when the chip offers more than one.
    pub domain_parameter_id: Option<u8>,
    /// DO'67': auxiliary data for the later Terminal Authentication (kept raw).
    pub auxiliary_data: Option<Vec<u8>>,
    /// DO'7F4C': the value of the CHAT (OID and discretionary data), kept raw.
    pub chat: Option<Vec<u8>>,
}

impl MseSetAt {
    /// Data field in the order of TR-03110-3 B.11.1: 80, 83, 84, 67, 7F4C.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        tlv::push(&mut out, TAG_MECHANISM, &self.protocol.oid_der_content());
        tlv::push(
            &mut out,
            TAG_PASSWORD_REFERENCE,
            &[self.password.reference()],
        );
        if let Some(id) = self.domain_parameter_id {
            tlv::push(&mut out, TAG_PRIVATE_KEY_REFERENCE, &[id]);
        }
        if let Some(aux) = &self.auxiliary_data {
            tlv::push(&mut out, TAG_AUXILIARY_DATA, aux);
        }
        if let Some(chat) = &self.chat {
            tlv::push(&mut out, TAG_CHAT, chat);
        }
        out
    }

    /// Decode the data field; 80 and 83 are required, each DO at most once,
    /// no other DOs.
    pub fn decode(data: &[u8]) -> Result<Self, PaceError> {
        let mut protocol = None;
        let mut password = None;
        let mut domain_parameter_id = None;
        let mut auxiliary_data = None;
        let mut chat = None;
        for object in tlv::parse_all(data)? {
            match object.tag {
                TAG_MECHANISM => set_once(
                    &mut protocol,
                    PaceProtocol::from_oid_der_content(object.value)?,
                    "MSE:Set AT DO'80'",
                )?,
                TAG_PASSWORD_REFERENCE => {
                    let reference =
                        single_byte(object.value, "MSE:Set AT DO'83' (password reference)")?;
                    let kind = PacePassword::from_reference(reference).ok_or(
                        PaceError::MalformedData {
                            field: "MSE:Set AT DO'83' (password reference)",
                            rule: "must be 1 (MRZ), 2 (CAN), 3 (PIN) or 4 (PUK)",
                        },
                    )?;
                    set_once(&mut password, kind, "MSE:Set AT DO'83'")?;
                }
                TAG_PRIVATE_KEY_REFERENCE => {
                    let id = single_byte(object.value, "MSE:Set AT DO'84' (domain parameter id)")?;
                    set_once(&mut domain_parameter_id, id, "MSE:Set AT DO'84'")?;
                }
                TAG_AUXILIARY_DATA => set_once(
                    &mut auxiliary_data,
                    object.value.to_vec(),
                    "MSE:Set AT DO'67'",
                )?,
                TAG_CHAT => set_once(&mut chat, object.value.to_vec(), "MSE:Set AT DO'7F4C'")?,
                _ => {
                    return Err(PaceError::MalformedData {
                        field: "MSE:Set AT data",
                        rule: "only DOs 80, 83, 84, 67 and 7F4C are allowed (TR-03110-3 B.11.1)",
                    });
                }
            }
        }
        Ok(MseSetAt {
            protocol: protocol.ok_or(PaceError::MalformedData {
                field: "MSE:Set AT DO'80'",
                rule: "the protocol OID is required",
            })?,
            password: password.ok_or(PaceError::MalformedData {
                field: "MSE:Set AT DO'83'",
                rule: "the password reference is required",
            })?,
            domain_parameter_id,
            auxiliary_data,
            chat,
        })
    }
}

/// The data objects inside `7C` (TR-03110-3 B.11.2 Table 33, ICAO 9303-11 §4.4.4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum GaTag {
    /// Encrypted nonce z (chip, step 1).
    EncryptedNonce = 0x80,
    /// Mapping data of the terminal: PK_map,PCD (step 2).
    MappingDataPcd = 0x81,
    /// Mapping data of the chip: PK_map,PICC (step 2).
    MappingDataPicc = 0x82,
    /// Ephemeral public key PK_PCD (step 3).
    EphemeralPublicKeyPcd = 0x83,
    /// Ephemeral public key PK_PICC (step 3).
    EphemeralPublicKeyPicc = 0x84,
    /// Authentication token T_PCD (step 4).
    AuthenticationTokenPcd = 0x85,
    /// Authentication token T_PICC (step 4).
    AuthenticationTokenPicc = 0x86,
    /// Most recent CVCA reference (step 4, when a CHAT was sent).
    CertificationAuthorityReference = 0x87,
    /// Previous CVCA reference (step 4, optional).
    PreviousCertificationAuthorityReference = 0x88,
    /// Encrypted chip authentication data A_IC (step 4 of PACE-CAM,
    /// ICAO 9303-11 §4.4.4.2, TR-03110-3 B.11.2).
    EncryptedChipAuthenticationData = 0x8A,
}

impl GaTag {
    const ALL: [GaTag; 10] = [
        GaTag::EncryptedNonce,
        GaTag::MappingDataPcd,
        GaTag::MappingDataPicc,
        GaTag::EphemeralPublicKeyPcd,
        GaTag::EphemeralPublicKeyPicc,
        GaTag::AuthenticationTokenPcd,
        GaTag::AuthenticationTokenPicc,
        GaTag::CertificationAuthorityReference,
        GaTag::PreviousCertificationAuthorityReference,
        GaTag::EncryptedChipAuthenticationData,
    ];

    fn index(self) -> usize {
        usize::from(self as u8 - GaTag::EncryptedNonce as u8)
    }

    fn name(self) -> &'static str {
        match self {
            GaTag::EncryptedNonce => "GENERAL AUTHENTICATE DO'80' (encrypted nonce)",
            GaTag::MappingDataPcd => "GENERAL AUTHENTICATE DO'81' (terminal mapping data)",
            GaTag::MappingDataPicc => "GENERAL AUTHENTICATE DO'82' (chip mapping data)",
            GaTag::EphemeralPublicKeyPcd => {
                "GENERAL AUTHENTICATE DO'83' (terminal ephemeral public key)"
            }
            GaTag::EphemeralPublicKeyPicc => {
                "GENERAL AUTHENTICATE DO'84' (chip ephemeral public key)"
            }
            GaTag::AuthenticationTokenPcd => "GENERAL AUTHENTICATE DO'85' (terminal token)",
            GaTag::AuthenticationTokenPicc => "GENERAL AUTHENTICATE DO'86' (chip token)",
            GaTag::CertificationAuthorityReference => "GENERAL AUTHENTICATE DO'87' (CAR)",
            GaTag::PreviousCertificationAuthorityReference => {
                "GENERAL AUTHENTICATE DO'88' (previous CAR)"
            }
            GaTag::EncryptedChipAuthenticationData => {
                "GENERAL AUTHENTICATE DO'8A' (encrypted chip authentication data)"
            }
        }
    }
}

/// The dynamic authentication data `7C { … }` of one GENERAL AUTHENTICATE
/// command or response. Empty for the step-1 command (`7C 00`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DynamicAuthenticationData {
    /// Indexed by tag − 0x80 (0x89 is never used).
    objects: [Option<Vec<u8>>; DATA_OBJECT_SLOTS],
}

/// Slots for the tags 0x80..=0x8A.
const DATA_OBJECT_SLOTS: usize = 11;

impl DynamicAuthenticationData {
    /// No data objects: the step-1 command `7C 00`.
    pub fn empty() -> Self {
        Self::default()
    }

    /// One data object.
    pub fn single(tag: GaTag, value: &[u8]) -> Self {
        Self::empty().with(tag, value)
    }

    /// Add (or replace) a data object.
    pub fn with(mut self, tag: GaTag, value: &[u8]) -> Self {
        self.objects[tag.index()] = Some(value.to_vec());
        self
    }

    pub fn get(&self, tag: GaTag) -> Option<&[u8]> {
        self.objects[tag.index()].as_deref()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.iter().all(Option::is_none)
    }

    /// The value of `tag`, which must be the only data object (the command
    /// shape of steps 2, 3 and 4, and the response shape of steps 1-3).
    pub fn only(&self, tag: GaTag) -> Result<&[u8], PaceError> {
        let others = GaTag::ALL
            .iter()
            .any(|&t| t != tag && self.get(t).is_some());
        match self.get(tag) {
            Some(value) if !others => Ok(value),
            _ => Err(PaceError::MalformedData {
                field: tag.name(),
                rule: "this GENERAL AUTHENTICATE step carries exactly this one data object",
            }),
        }
    }

    /// `7C L { DOs in tag order }`.
    pub fn encode(&self) -> Vec<u8> {
        let mut inner = Vec::new();
        for tag in GaTag::ALL {
            if let Some(value) = self.get(tag) {
                tlv::push(&mut inner, u16::from(tag as u8), value);
            }
        }
        tlv::build(TAG_DYNAMIC_AUTHENTICATION_DATA, &inner)
    }

    /// Decode `7C { … }` filling `data` exactly; each inner DO at most once.
    pub fn decode(data: &[u8]) -> Result<Self, PaceError> {
        let inner = tlv::parse_single(data, TAG_DYNAMIC_AUTHENTICATION_DATA)?.ok_or(
            PaceError::MalformedData {
                field: "GENERAL AUTHENTICATE data",
                rule: "must be exactly one DO'7C' (dynamic authentication data)",
            },
        )?;
        let mut out = Self::empty();
        for object in tlv::parse_all(inner)? {
            let tag = GaTag::ALL
                .into_iter()
                .find(|&t| u16::from(t as u8) == object.tag)
                .ok_or(PaceError::MalformedData {
                    field: "GENERAL AUTHENTICATE data",
                    rule: "DO'7C' may only hold DOs 80 to 88 and 8A (TR-03110-3 B.11.2)",
                })?;
            let slot = &mut out.objects[tag.index()];
            if slot.is_some() {
                return Err(PaceError::MalformedData {
                    field: tag.name(),
                    rule: "appears more than once",
                });
            }
            *slot = Some(object.value.to_vec());
        }
        Ok(out)
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, field: &'static str) -> Result<(), PaceError> {
    if slot.is_some() {
        return Err(PaceError::MalformedData {
            field,
            rule: "appears more than once",
        });
    }
    *slot = Some(value);
    Ok(())
}

fn single_byte(value: &[u8], field: &'static str) -> Result<u8, PaceError> {
    match value {
        [b] => Ok(*b),
        _ => Err(PaceError::MalformedData {
            field,
            rule: "must be one byte",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    /// ICAO 9303-11 Appendix G.1 MSE:Set AT data (with the parameter id 13).
    #[test]
    fn mse_set_at_matches_worked_example() {
        let mse = MseSetAt {
            protocol: PaceProtocol::EcdhGmAesCbcCmac128,
            password: PacePassword::Mrz,
            domain_parameter_id: Some(13),
            auxiliary_data: None,
            chat: None,
        };
        let bytes = h("800A04007F00070202040202 830101 84010D");
        assert_eq!(mse.encode(), bytes);
        assert_eq!(MseSetAt::decode(&bytes), Ok(mse));
    }

    #[test]
    fn mse_set_at_round_trips_chat_and_rejects_bad_input() {
        let mse = MseSetAt {
            protocol: PaceProtocol::EcdhGmAesCbcCmac256,
            password: PacePassword::Pin,
            domain_parameter_id: None,
            auxiliary_data: Some(h("7315060904007F00070301040153083139373030313031")),
            // id-AT (authentication terminal) with read rights.
            chat: Some(h("060904007F0007030102025305000000FF1F")),
        };
        assert_eq!(MseSetAt::decode(&mse.encode()), Ok(mse));
        assert!(MseSetAt::decode(&h("830101")).is_err(), "80 missing");
        assert!(
            MseSetAt::decode(&h("800A04007F00070202040202")).is_err(),
            "83 missing"
        );
        assert!(
            MseSetAt::decode(&h("800A04007F00070202040202 830105")).is_err(),
            "unknown password"
        );
        assert!(
            MseSetAt::decode(&h("800A04007F00070202040202 830101 830101")).is_err(),
            "duplicate"
        );
        assert!(
            MseSetAt::decode(&h("800A04007F00070202040202 830101 910100")).is_err(),
            "unknown DO"
        );
        assert_eq!(
            MseSetAt::decode(&h("800A04007F00070202040402 830101")).map(|m| m.protocol),
            Ok(PaceProtocol::EcdhImAesCbcCmac128),
            "integrated mapping is a known protocol (the chip checks it against its PACEInfos)"
        );
        assert_eq!(
            MseSetAt::decode(&h("800A04007F00070202040101 830101")),
            Err(PaceError::UnsupportedProtocol),
            "DH generic mapping"
        );
        assert!(
            MseSetAt::decode(&h("800A04007F000702020402")).is_err(),
            "truncated"
        );
    }

    /// ICAO 9303-11 Appendix G.1 GENERAL AUTHENTICATE data of steps 1 and 4.
    #[test]
    fn dynamic_authentication_data_matches_worked_example() {
        assert_eq!(DynamicAuthenticationData::empty().encode(), h("7C00"));
        let step1 = h("7C12 8010 95A3A016522EE98D01E76CB6B98B42C3");
        let decoded = DynamicAuthenticationData::decode(&step1).unwrap();
        assert_eq!(
            decoded.only(GaTag::EncryptedNonce).unwrap(),
            &h("95A3A016522EE98D01E76CB6B98B42C3")[..]
        );
        assert_eq!(decoded.encode(), step1);
        let step4 = h("7C0A 8508 C2B0BD78D94BA866");
        let t = DynamicAuthenticationData::single(
            GaTag::AuthenticationTokenPcd,
            &h("C2B0BD78D94BA866"),
        );
        assert_eq!(t.encode(), step4);
        assert!(
            DynamicAuthenticationData::decode(&h("7C00"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn dynamic_authentication_data_rejects_bad_shapes() {
        assert!(DynamicAuthenticationData::decode(&h("7D00")).is_err());
        assert!(
            DynamicAuthenticationData::decode(&h("7C00 00")).is_err(),
            "trailing bytes"
        );
        assert!(
            DynamicAuthenticationData::decode(&h("7C03 890100")).is_err(),
            "unknown DO"
        );
        assert!(
            DynamicAuthenticationData::decode(&h("7C03 8B0100")).is_err(),
            "unknown DO"
        );
        assert!(
            DynamicAuthenticationData::decode(&h("7C06 800100 800100")).is_err(),
            "duplicate"
        );
        let two = DynamicAuthenticationData::decode(&h("7C06 860100 870100")).unwrap();
        assert!(two.only(GaTag::AuthenticationTokenPicc).is_err());
        assert_eq!(
            two.get(GaTag::CertificationAuthorityReference),
            Some(&[0u8][..])
        );
        assert!(
            DynamicAuthenticationData::empty()
                .only(GaTag::MappingDataPcd)
                .is_err()
        );
    }
}
