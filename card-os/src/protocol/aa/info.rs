//! DG15 and ActiveAuthenticationInfo (ICAO 9303-10 §4.7.15, ICAO 9303-11 §6.1
//! and §9.2.4).
//!
//! ```text
//! DG15 ::= [APPLICATION 15] SubjectPublicKeyInfo          -- tag 6F
//! SubjectPublicKeyInfo ::= SEQUENCE {                     -- RFC 5280 §4.1
//!     algorithm AlgorithmIdentifier,
//!     subjectPublicKey BIT STRING }
//!   RSA:   { rsaEncryption, NULL }, RSAPublicKey ::= SEQUENCE { n INTEGER, e INTEGER }
//!   ECDSA: { id-ecPublicKey, namedCurve secp384r1 }, uncompressed point
//! ActiveAuthenticationInfo ::= SEQUENCE {
//!     protocol id-AA (2.23.136.1.1.5), version INTEGER (1),
//!     signatureAlgorithm OBJECT IDENTIFIER }             -- in DG14 for ECDSA
//! ```
//!
//! ECDSA keys are written with the named curve (RFC 5480 §2.1.1); explicit
//! ECParameters are not decoded.

use alloc::vec::Vec;
use elliptic_curve::sec1::ToSec1Point;
use p384::ecdsa::VerifyingKey;
use rsa::BoxedUint;
use rsa::traits::PublicKeyParts;

use super::{AaError, AaPublicKey};
use crate::protocol::der::{self, DerError, TAG_NULL, TAG_SEQUENCE};
use crate::protocol::oid::ObjectIdentifier;
use crate::protocol::tlv;

/// DG15 is `[APPLICATION 15]` constructed (ICAO 9303-10 Table 39).
pub const DG15_TAG: u16 = 0x6F;
/// rsaEncryption (PKCS #1, RFC 8017 Appendix C).
const RSA_ENCRYPTION: [u32; 7] = [1, 2, 840, 113549, 1, 1, 1];
/// id-ecPublicKey (RFC 5480 §2.1.1).
const ID_EC_PUBLIC_KEY: [u32; 6] = [1, 2, 840, 10045, 2, 1];
/// secp384r1 = NIST P-384 (RFC 5480 §2.1.1.1).
const SECP384R1: [u32; 5] = [1, 3, 132, 0, 34];
/// id-AA (ICAO 9303-11 §9.2.4).
const ID_AA: [u32; 6] = [2, 23, 136, 1, 1, 5];
/// ecdsa-plain-SHA384 (BSI TR-03111 §5.2.1).
pub const ECDSA_PLAIN_SHA384: [u32; 11] = [0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 4];
/// ActiveAuthenticationInfo version (ICAO 9303-11 §9.2.4: "MUST be 1").
pub const AA_VERSION: u32 = 1;
/// The DER of NULL parameters.
const NULL_CONTENT: [u8; 0] = [];

fn oid(arcs: &[u32]) -> ObjectIdentifier {
    ObjectIdentifier::from_constant_arcs(arcs)
}

fn encoding(e: DerError) -> AaError {
    match e {
        DerError::Malformed { field, rule } => AaError::Encoding { field, rule },
        DerError::Tlv(_) => AaError::Encoding {
            field: "DG15",
            rule: "BER-TLV structure is broken",
        },
    }
}

/// The SubjectPublicKeyInfo of an Active Authentication key.
pub fn encode_subject_public_key_info(key: &AaPublicKey) -> Vec<u8> {
    let mut algorithm = Vec::new();
    let mut public_key = Vec::new();
    match key {
        AaPublicKey::Rsa(key) => {
            der::push_oid(&mut algorithm, &oid(&RSA_ENCRYPTION));
            tlv::push(&mut algorithm, TAG_NULL, &NULL_CONTENT);
            let mut rsa_key = Vec::new();
            der::push_unsigned_integer(&mut rsa_key, &key.n_bytes());
            der::push_unsigned_integer(&mut rsa_key, &key.e_bytes());
            public_key = tlv::build(TAG_SEQUENCE, &rsa_key);
        }
        AaPublicKey::EcdsaP384(key) => {
            der::push_oid(&mut algorithm, &oid(&ID_EC_PUBLIC_KEY));
            der::push_oid(&mut algorithm, &oid(&SECP384R1));
            public_key.extend_from_slice(key.as_affine().to_sec1_point(false).as_bytes());
        }
    }
    let mut spki = tlv::build(TAG_SEQUENCE, &algorithm);
    der::push_bit_string(&mut spki, &public_key);
    tlv::build(TAG_SEQUENCE, &spki)
}

/// Decode a SubjectPublicKeyInfo of an RSA or P-384 key.
pub fn decode_subject_public_key_info(data: &[u8]) -> Result<AaPublicKey, AaError> {
    let fields = der::sequence(data, "SubjectPublicKeyInfo").map_err(encoding)?;
    let [algorithm, public_key] = fields.as_slice() else {
        return Err(AaError::Encoding {
            field: "SubjectPublicKeyInfo",
            rule: "is algorithm and subjectPublicKey (RFC 5280 §4.1)",
        });
    };
    let algorithm = der::sequence_fields(algorithm, "AlgorithmIdentifier").map_err(encoding)?;
    let public_key = der::bit_string(public_key, "subjectPublicKey").map_err(encoding)?;
    let Some((id, parameters)) = algorithm.split_first() else {
        return Err(AaError::Encoding {
            field: "AlgorithmIdentifier",
            rule: "must name the algorithm",
        });
    };
    let id = der::oid(id, "AlgorithmIdentifier algorithm").map_err(encoding)?;
    if id == oid(&RSA_ENCRYPTION) {
        let fields = der::sequence(public_key, "RSAPublicKey").map_err(encoding)?;
        let [n, e] = fields.as_slice() else {
            return Err(AaError::Encoding {
                field: "RSAPublicKey",
                rule: "is modulus and publicExponent (RFC 8017 A.1.1)",
            });
        };
        let n = der::unsigned_integer(n, "RSAPublicKey modulus").map_err(encoding)?;
        let e = der::unsigned_integer(e, "RSAPublicKey publicExponent").map_err(encoding)?;
        let key = rsa::PublicKey::new(
            BoxedUint::from_be_slice_vartime(n),
            BoxedUint::from_be_slice_vartime(e),
        )
        .map_err(|_| AaError::UnsupportedModulus)?;
        return Ok(AaPublicKey::Rsa(key));
    }
    if id == oid(&ID_EC_PUBLIC_KEY) {
        let named_curve = match parameters {
            [curve] => der::oid(curve, "ECParameters namedCurve").map_err(encoding)?,
            _ => {
                return Err(AaError::Encoding {
                    field: "ECParameters",
                    rule: "only a namedCurve OID is supported",
                });
            }
        };
        if named_curve != oid(&SECP384R1) {
            return Err(AaError::Encoding {
                field: "ECParameters namedCurve",
                rule: "only secp384r1 (NIST P-384) is supported",
            });
        }
        let key = VerifyingKey::from_sec1_bytes(public_key).map_err(|_| AaError::Encoding {
            field: "subjectPublicKey",
            rule: "must be a point on NIST P-384",
        })?;
        return Ok(AaPublicKey::EcdsaP384(key));
    }
    Err(AaError::Encoding {
        field: "AlgorithmIdentifier algorithm",
        rule: "must be rsaEncryption or id-ecPublicKey",
    })
}

/// DG15 content: `6F L SubjectPublicKeyInfo`.
pub fn encode_dg15(key: &AaPublicKey) -> Vec<u8> {
    tlv::build(DG15_TAG, &encode_subject_public_key_info(key))
}

/// The public key of a DG15.
pub fn decode_dg15(data: &[u8]) -> Result<AaPublicKey, AaError> {
    let spki = tlv::parse_single(data, DG15_TAG)
        .map_err(|e| encoding(DerError::Tlv(e)))?
        .ok_or(AaError::Encoding {
            field: "DG15",
            rule: "must be one data object with tag 6F",
        })?;
    decode_subject_public_key_info(spki)
}

/// ActiveAuthenticationInfo, the DG14 SecurityInfo that names the ECDSA
/// signature algorithm (ICAO 9303-11 §9.2.4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActiveAuthenticationInfo {
    pub signature_algorithm: ObjectIdentifier,
}

impl ActiveAuthenticationInfo {
    /// ecdsa-plain-SHA384: this chip's ECDSA form.
    pub fn ecdsa_plain_sha384() -> Self {
        ActiveAuthenticationInfo {
            signature_algorithm: oid(&ECDSA_PLAIN_SHA384),
        }
    }

    /// id-AA, the protocol OID of this SecurityInfo.
    pub fn protocol() -> ObjectIdentifier {
        oid(&ID_AA)
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut inner = Vec::new();
        der::push_oid(&mut inner, &Self::protocol());
        der::push_u32(&mut inner, AA_VERSION);
        der::push_oid(&mut inner, &self.signature_algorithm);
        tlv::build(TAG_SEQUENCE, &inner)
    }

    /// Decode the fields after the protocol OID (already matched as id-AA).
    pub fn decode_fields(fields: &[tlv::DataObject<'_>]) -> Result<Self, DerError> {
        let [version, algorithm] = fields else {
            return Err(der::malformed(
                "ActiveAuthenticationInfo",
                "is protocol, version and signatureAlgorithm",
            ));
        };
        if der::integer_u32(version, "ActiveAuthenticationInfo version")? != AA_VERSION {
            return Err(der::malformed(
                "ActiveAuthenticationInfo version",
                "must be 1 (ICAO 9303-11 §9.2.4)",
            ));
        }
        Ok(ActiveAuthenticationInfo {
            signature_algorithm: der::oid(algorithm, "ActiveAuthenticationInfo signatureAlgorithm")?,
        })
    }
}
