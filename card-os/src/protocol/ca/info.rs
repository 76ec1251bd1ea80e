//! The Chip Authentication SecurityInfos of DG14 (ICAO 9303-11 §9.2.5-9.2.6,
//! TR-03110-3 A.1.1.2):
//!
//! ```text
//! DG14 ::= [APPLICATION 14] SecurityInfos                 -- tag 6E
//! SecurityInfos ::= SET OF SecurityInfo
//! ChipAuthenticationInfo ::= SEQUENCE {
//!     protocol OBJECT IDENTIFIER (id-CA-ECDH-…), version INTEGER (1), keyId INTEGER OPTIONAL }
//! ChipAuthenticationPublicKeyInfo ::= SEQUENCE {
//!     protocol id-PK-ECDH, chipAuthenticationPublicKey SubjectPublicKeyInfo,
//!     keyId INTEGER OPTIONAL }
//! ```
//!
//! The public key is written as `{ id-ecPublicKey, namedCurve }` with an
//! uncompressed point (RFC 5480 §2.1.1); decoding also accepts the TR-03110
//! form whose AlgorithmIdentifier parameters are the standardized domain
//! parameter id as an INTEGER (TR-03110-3 A.2.1.1). Explicit ECParameters
//! are not decoded.

use alloc::vec::Vec;

use super::{CaCipher, CaError};
use crate::protocol::aa::ActiveAuthenticationInfo;
use crate::protocol::der::{self, TAG_SEQUENCE};
use crate::protocol::oid::ObjectIdentifier;
use crate::protocol::pace::StandardizedDomainParameters;
use crate::protocol::tlv;

/// DG14 is `[APPLICATION 14]` constructed (ICAO 9303-10 Table 38).
pub const DG14_TAG: u16 = 0x6E;
/// id-CA-ECDH = bsi-de protocols(2) smartcard(2) id-CA(3) 2.
const ID_CA_ECDH: [u32; 10] = [0, 4, 0, 127, 0, 7, 2, 2, 3, 2];
/// id-PK-ECDH = bsi-de protocols(2) smartcard(2) id-PK(1) 2.
const ID_PK_ECDH: [u32; 10] = [0, 4, 0, 127, 0, 7, 2, 2, 1, 2];
/// standardizedDomainParameters = bsi-de algorithms(1) 2 (TR-03110-3 A.2.1.1).
const STANDARDIZED_DOMAIN_PARAMETERS: [u32; 8] = [0, 4, 0, 127, 0, 7, 1, 2];
/// id-ecPublicKey (RFC 5480 §2.1.1).
const ID_EC_PUBLIC_KEY: [u32; 6] = [1, 2, 840, 10045, 2, 1];
/// Named curves (RFC 5480 §2.1.1.1, RFC 5639 §4.1).
const SECP256R1: [u32; 7] = [1, 2, 840, 10045, 3, 1, 7];
const SECP384R1: [u32; 5] = [1, 3, 132, 0, 34];
const BRAINPOOL_P256R1: [u32; 10] = [1, 3, 36, 3, 3, 2, 8, 1, 1, 7];
const BRAINPOOL_P384R1: [u32; 10] = [1, 3, 36, 3, 3, 2, 8, 1, 1, 11];
/// CA version 1 (ICAO 9303-11 §9.2.5); TR-03110 CA v2 uses 2.
pub const CA_VERSION_1: u32 = 1;
const CA_VERSION_2: u32 = 2;

fn oid(arcs: &[u32]) -> ObjectIdentifier {
    ObjectIdentifier::from_constant_arcs(arcs)
}

fn cipher_arc(cipher: CaCipher) -> u32 {
    match cipher {
        CaCipher::Tdes => 1,
        CaCipher::Aes128 => 2,
        CaCipher::Aes192 => 3,
        CaCipher::Aes256 => 4,
    }
}

impl CaCipher {
    /// The protocol OID id-CA-ECDH-….
    pub fn oid(self) -> ObjectIdentifier {
        let mut arcs = [0u32; ID_CA_ECDH.len() + 1];
        arcs[..ID_CA_ECDH.len()].copy_from_slice(&ID_CA_ECDH);
        arcs[ID_CA_ECDH.len()] = cipher_arc(self);
        oid(&arcs)
    }

    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, CaError> {
        Self::ALL
            .into_iter()
            .find(|c| c.oid() == *oid)
            .ok_or(CaError::UnsupportedProtocol)
    }

    pub fn from_oid_der_content(content: &[u8]) -> Result<Self, CaError> {
        let oid =
            ObjectIdentifier::from_der_content(content).map_err(|_| CaError::UnsupportedProtocol)?;
        Self::from_oid(&oid)
    }
}

fn named_curve(domain: StandardizedDomainParameters) -> ObjectIdentifier {
    match domain {
        StandardizedDomainParameters::NistP256 => oid(&SECP256R1),
        StandardizedDomainParameters::BrainpoolP256r1 => oid(&BRAINPOOL_P256R1),
        StandardizedDomainParameters::NistP384 => oid(&SECP384R1),
        StandardizedDomainParameters::BrainpoolP384r1 => oid(&BRAINPOOL_P384R1),
    }
}

fn domain_for_curve(curve: &ObjectIdentifier) -> Result<StandardizedDomainParameters, CaError> {
    StandardizedDomainParameters::ALL
        .into_iter()
        .find(|d| named_curve(*d) == *curve)
        .ok_or(CaError::Malformed {
            field: "ChipAuthenticationPublicKeyInfo namedCurve",
            rule: "must be secp256r1, secp384r1, brainpoolP256r1 or brainpoolP384r1",
        })
}

/// ChipAuthenticationInfo: which CA protocol, and for which key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChipAuthenticationInfo {
    pub cipher: CaCipher,
    /// 1 for CA v1 (ICAO); 2 is accepted when decoding (TR-03110 CA v2).
    pub version: u32,
    pub key_id: Option<u32>,
}

impl ChipAuthenticationInfo {
    pub fn encode(&self) -> Vec<u8> {
        let mut inner = Vec::new();
        der::push_oid(&mut inner, &self.cipher.oid());
        der::push_u32(&mut inner, self.version);
        if let Some(id) = self.key_id {
            der::push_u32(&mut inner, id);
        }
        tlv::build(TAG_SEQUENCE, &inner)
    }

    fn decode_fields(cipher: CaCipher, fields: &[tlv::DataObject<'_>]) -> Result<Self, CaError> {
        let (version, key_id) = match fields {
            [version] => (version, None),
            [version, key_id] => (version, Some(key_id)),
            _ => {
                return Err(CaError::Malformed {
                    field: "ChipAuthenticationInfo",
                    rule: "is protocol, version and an optional keyId",
                });
            }
        };
        let version = der::integer_u32(version, "ChipAuthenticationInfo version")?;
        if version != CA_VERSION_1 && version != CA_VERSION_2 {
            return Err(CaError::Malformed {
                field: "ChipAuthenticationInfo version",
                rule: "must be 1 (ICAO 9303-11 §9.2.5) or 2 (TR-03110)",
            });
        }
        let key_id = key_id
            .map(|k| der::integer_u32(k, "ChipAuthenticationInfo keyId"))
            .transpose()?;
        Ok(ChipAuthenticationInfo {
            cipher,
            version,
            key_id,
        })
    }
}

/// ChipAuthenticationPublicKeyInfo: the chip's static ECDH public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipAuthenticationPublicKeyInfo {
    pub domain: StandardizedDomainParameters,
    /// Uncompressed point `04 ‖ x ‖ y`.
    pub public_key: Vec<u8>,
    pub key_id: Option<u32>,
}

impl ChipAuthenticationPublicKeyInfo {
    pub fn encode(&self) -> Vec<u8> {
        let mut algorithm = Vec::new();
        der::push_oid(&mut algorithm, &oid(&ID_EC_PUBLIC_KEY));
        der::push_oid(&mut algorithm, &named_curve(self.domain));
        let mut spki = tlv::build(TAG_SEQUENCE, &algorithm);
        der::push_bit_string(&mut spki, &self.public_key);
        let mut inner = Vec::new();
        der::push_oid(&mut inner, &oid(&ID_PK_ECDH));
        tlv::push(&mut inner, TAG_SEQUENCE, &spki);
        if let Some(id) = self.key_id {
            der::push_u32(&mut inner, id);
        }
        tlv::build(TAG_SEQUENCE, &inner)
    }

    fn decode_fields(fields: &[tlv::DataObject<'_>]) -> Result<Self, CaError> {
        let (spki, key_id) = match fields {
            [spki] => (spki, None),
            [spki, key_id] => (spki, Some(key_id)),
            _ => {
                return Err(CaError::Malformed {
                    field: "ChipAuthenticationPublicKeyInfo",
                    rule: "is protocol, chipAuthenticationPublicKey and an optional keyId",
                });
            }
        };
        let spki = der::sequence_fields(spki, "chipAuthenticationPublicKey")?;
        let [algorithm, public_key] = spki.as_slice() else {
            return Err(CaError::Malformed {
                field: "chipAuthenticationPublicKey",
                rule: "is algorithm and subjectPublicKey (RFC 5280 §4.1)",
            });
        };
        let algorithm = der::sequence_fields(algorithm, "chipAuthenticationPublicKey algorithm")?;
        let domain = match algorithm.as_slice() {
            [id, parameter] if parameter.tag == der::TAG_INTEGER => {
                let id = der::oid(id, "chipAuthenticationPublicKey algorithm")?;
                if id != oid(&ID_EC_PUBLIC_KEY)
                    && id != oid(&ID_PK_ECDH)
                    && id != oid(&STANDARDIZED_DOMAIN_PARAMETERS)
                {
                    return Err(CaError::UnsupportedProtocol);
                }
                let parameter_id = der::integer_u32(parameter, "standardized domain parameter id")?;
                let parameter_id = u8::try_from(parameter_id).map_err(|_| CaError::Malformed {
                    field: "standardized domain parameter id",
                    rule: "must be 12, 13, 15 or 16",
                })?;
                StandardizedDomainParameters::from_id(parameter_id)?
            }
            [id, curve] => {
                if der::oid(id, "chipAuthenticationPublicKey algorithm")? != oid(&ID_EC_PUBLIC_KEY) {
                    return Err(CaError::UnsupportedProtocol);
                }
                domain_for_curve(&der::oid(curve, "ECParameters namedCurve")?)?
            }
            _ => {
                return Err(CaError::Malformed {
                    field: "chipAuthenticationPublicKey algorithm",
                    rule: "must be id-ecPublicKey with a namedCurve or a standardized domain parameter id",
                });
            }
        };
        let public_key = der::bit_string(public_key, "chipAuthenticationPublicKey subjectPublicKey")?;
        domain.check_public_key(public_key)?;
        let key_id = key_id
            .map(|k| der::integer_u32(k, "ChipAuthenticationPublicKeyInfo keyId"))
            .transpose()?;
        Ok(ChipAuthenticationPublicKeyInfo {
            domain,
            public_key: public_key.to_vec(),
            key_id,
        })
    }
}

/// The SecurityInfos of DG14 this crate reads; others are kept raw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dg14 {
    pub chip_authentication: Vec<ChipAuthenticationInfo>,
    pub public_keys: Vec<ChipAuthenticationPublicKeyInfo>,
    pub active_authentication: Option<ActiveAuthenticationInfo>,
    /// Other SecurityInfos (PACEInfo, TerminalAuthenticationInfo, …) as DER.
    pub others: Vec<Vec<u8>>,
}

/// DG14 content: `6E L SET OF SecurityInfo` (elements in DER order).
pub fn encode_dg14(dg14: &Dg14) -> Vec<u8> {
    let mut elements: Vec<Vec<u8>> = Vec::new();
    elements.extend(dg14.chip_authentication.iter().map(ChipAuthenticationInfo::encode));
    elements.extend(dg14.public_keys.iter().map(ChipAuthenticationPublicKeyInfo::encode));
    elements.extend(dg14.active_authentication.iter().map(ActiveAuthenticationInfo::encode));
    elements.extend(dg14.others.iter().cloned());
    tlv::build(DG14_TAG, &der::set_of(elements))
}

/// Decode DG14 (with its `6E` tag) or a bare SecurityInfos SET (EF.CardSecurity
/// content after the signature is checked).
pub fn decode_dg14(data: &[u8]) -> Result<Dg14, CaError> {
    let set = match tlv::parse_single(data, DG14_TAG)? {
        Some(inner) => inner,
        None => data,
    };
    let elements = tlv::parse_single(set, der::TAG_SET)?.ok_or(CaError::Malformed {
        field: "DG14",
        rule: "must hold one DER SET OF SecurityInfo",
    })?;
    let mut dg14 = Dg14::default();
    for element in tlv::parse_all(elements)? {
        let fields = der::sequence_fields(&element, "SecurityInfo")?;
        let Some((protocol, rest)) = fields.split_first() else {
            return Err(CaError::Malformed {
                field: "SecurityInfo",
                rule: "must start with the protocol OBJECT IDENTIFIER",
            });
        };
        let protocol = der::oid(protocol, "SecurityInfo protocol")?;
        if let Ok(cipher) = CaCipher::from_oid(&protocol) {
            dg14.chip_authentication
                .push(ChipAuthenticationInfo::decode_fields(cipher, rest)?);
        } else if protocol == oid(&ID_PK_ECDH) {
            dg14.public_keys
                .push(ChipAuthenticationPublicKeyInfo::decode_fields(rest)?);
        } else if protocol == ActiveAuthenticationInfo::protocol() {
            dg14.active_authentication = Some(ActiveAuthenticationInfo::decode_fields(rest)?);
        } else {
            dg14.others.push(element.encoded.to_vec());
        }
    }
    Ok(dg14)
}

impl From<tlv::TlvError> for CaError {
    fn from(_: tlv::TlvError) -> Self {
        CaError::Malformed {
            field: "Chip Authentication data",
            rule: "BER-TLV structure is broken",
        }
    }
}
