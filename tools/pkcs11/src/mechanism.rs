//! The mechanisms of the module (PKCS#11 v2.40 Current Mechanisms §2.1
//! RSA, §2.3 EC) and how each maps onto a card algorithm
//! (certificate-zone.md §MSE:SET): which hash the module computes, whether
//! it wraps the hash in a DigestInfo, which parameters it accepts.

use cryptoki_sys::*;
use sha2::Digest;

use crate::der_fields::{PublicKey, ecdh_public_point};
use crate::token::{DecipherMechanism, SignMechanism};

/// RSA key size on the card (certificate-zone.md §Slots).
pub const RSA_KEY_BITS: CK_ULONG = 2048;
/// EC key size on the card: P-384.
pub const EC_KEY_BITS: CK_ULONG = 384;
/// PKCS#1 v1.5 type 1 padding needs 11 bytes (RFC 8017 §9.2 step 3).
const PKCS1_V15_OVERHEAD: usize = 11;

/// A mechanism with its parameter, decoded from CK_MECHANISM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mechanism {
    pub kind: CK_MECHANISM_TYPE,
    pub params: MechanismParams,
}

/// The parameter structures this module reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MechanismParams {
    None,
    /// CK_RSA_PKCS_PSS_PARAMS (§2.1.14).
    Pss {
        hash: CK_MECHANISM_TYPE,
        mgf: CK_ULONG,
        salt_len: CK_ULONG,
    },
    /// CK_RSA_PKCS_OAEP_PARAMS (§2.1.8).
    Oaep {
        hash: CK_MECHANISM_TYPE,
        mgf: CK_ULONG,
        source: CK_ULONG,
        source_data: Vec<u8>,
    },
    /// CK_ECDH1_DERIVE_PARAMS (§2.3.9).
    Ecdh {
        kdf: CK_ULONG,
        shared_data: Vec<u8>,
        public_data: Vec<u8>,
    },
    /// A parameter the mechanism does not take, or of the wrong size.
    Invalid,
}

/// The hashes the card's PSS and the module's hash-and-sign mechanisms use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlg {
    fn from_hash_mechanism(mechanism: CK_MECHANISM_TYPE) -> Option<Self> {
        match mechanism {
            CKM_SHA256 => Some(Self::Sha256),
            CKM_SHA384 => Some(Self::Sha384),
            CKM_SHA512 => Some(Self::Sha512),
            _ => None,
        }
    }

    pub fn output_len(self) -> usize {
        match self {
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    fn mgf1(self) -> CK_ULONG {
        match self {
            Self::Sha256 => CKG_MGF1_SHA256,
            Self::Sha384 => CKG_MGF1_SHA384,
            Self::Sha512 => CKG_MGF1_SHA512,
        }
    }

    fn pki(self) -> pki::HashAlgorithm {
        match self {
            Self::Sha256 => pki::HashAlgorithm::Sha256,
            Self::Sha384 => pki::HashAlgorithm::Sha384,
            Self::Sha512 => pki::HashAlgorithm::Sha512,
        }
    }

    /// DigestInfo ‖ hash (EMSA-PKCS1-v1_5 step 2, RFC 8017 §9.2).
    pub fn digest_info(self, hash: &[u8]) -> Vec<u8> {
        [terminal::digest_info::prefix(self.pki()), hash].concat()
    }

    pub fn hasher(self) -> Hasher {
        match self {
            Self::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Self::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            Self::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }
}

/// A running hash for the hash-and-sign mechanisms (C_SignUpdate).
#[derive(Clone, Debug)]
pub enum Hasher {
    Sha256(sha2::Sha256),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Self::Sha256(h) => h.update(data),
            Self::Sha384(h) => h.update(data),
            Self::Sha512(h) => h.update(data),
        }
    }

    pub fn finalize(self) -> Vec<u8> {
        match self {
            Self::Sha256(h) => h.finalize().to_vec(),
            Self::Sha384(h) => h.finalize().to_vec(),
            Self::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

/// What C_GetMechanismInfo reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MechanismInfo {
    pub min_key_bits: CK_ULONG,
    pub max_key_bits: CK_ULONG,
    pub flags: CK_FLAGS,
}

const RSA_SIGN: MechanismInfo =
    MechanismInfo { min_key_bits: RSA_KEY_BITS, max_key_bits: RSA_KEY_BITS, flags: CKF_HW | CKF_SIGN };
const EC_FLAGS: CK_FLAGS = CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS;
const EC_SIGN: MechanismInfo =
    MechanismInfo { min_key_bits: EC_KEY_BITS, max_key_bits: EC_KEY_BITS, flags: CKF_HW | CKF_SIGN | EC_FLAGS };

/// Every mechanism, in C_GetMechanismList order (pkcs11-tool takes the
/// first one with the wanted flag when no --mechanism is given).
pub const MECHANISMS: &[(CK_MECHANISM_TYPE, MechanismInfo)] = &[
    (
        CKM_RSA_PKCS,
        MechanismInfo {
            min_key_bits: RSA_KEY_BITS,
            max_key_bits: RSA_KEY_BITS,
            flags: CKF_HW | CKF_SIGN | CKF_DECRYPT,
        },
    ),
    (CKM_SHA256_RSA_PKCS, RSA_SIGN),
    (CKM_SHA384_RSA_PKCS, RSA_SIGN),
    (CKM_SHA512_RSA_PKCS, RSA_SIGN),
    (CKM_RSA_PKCS_PSS, RSA_SIGN),
    (CKM_SHA256_RSA_PKCS_PSS, RSA_SIGN),
    (CKM_SHA384_RSA_PKCS_PSS, RSA_SIGN),
    (CKM_SHA512_RSA_PKCS_PSS, RSA_SIGN),
    (
        CKM_RSA_PKCS_OAEP,
        MechanismInfo { min_key_bits: RSA_KEY_BITS, max_key_bits: RSA_KEY_BITS, flags: CKF_HW | CKF_DECRYPT },
    ),
    (CKM_ECDSA, EC_SIGN),
    (CKM_ECDSA_SHA256, EC_SIGN),
    (CKM_ECDSA_SHA384, EC_SIGN),
    (CKM_ECDSA_SHA512, EC_SIGN),
    (
        CKM_ECDH1_DERIVE,
        MechanismInfo { min_key_bits: EC_KEY_BITS, max_key_bits: EC_KEY_BITS, flags: CKF_HW | CKF_DERIVE | EC_FLAGS },
    ),
];

pub fn info(mechanism: CK_MECHANISM_TYPE) -> Option<MechanismInfo> {
    MECHANISMS.iter().find(|(m, _)| *m == mechanism).map(|(_, info)| *info)
}

/// The mechanisms a key may be used with (CKA_ALLOWED_MECHANISMS).
pub fn allowed_for(public: &PublicKey, sign: bool, decrypt: bool, derive: bool) -> Vec<CK_MECHANISM_TYPE> {
    MECHANISMS
        .iter()
        .filter(|(mechanism, info)| {
            let key_fits = match public {
                PublicKey::Rsa { .. } => !is_ec(*mechanism),
                PublicKey::Ec { .. } => is_ec(*mechanism),
            };
            let use_fits = (sign && info.flags & CKF_SIGN != 0)
                || (decrypt && info.flags & CKF_DECRYPT != 0)
                || (derive && info.flags & CKF_DERIVE != 0);
            key_fits && use_fits
        })
        .map(|(mechanism, _)| *mechanism)
        .collect()
}

fn is_ec(mechanism: CK_MECHANISM_TYPE) -> bool {
    matches!(mechanism, CKM_ECDSA | CKM_ECDSA_SHA256 | CKM_ECDSA_SHA384 | CKM_ECDSA_SHA512 | CKM_ECDH1_DERIVE)
}

/// How C_Sign turns the application's data into the card's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignPlan {
    pub card: SignMechanism,
    /// The module hashes the data first (hash-and-sign mechanisms).
    pub hash: Option<HashAlg>,
    /// Raw CKM_RSA_PKCS_PSS: the data must be a hash of this length.
    pub expected_len: Option<usize>,
    /// Signature length: RSA k, ECDSA 2 × field size.
    pub signature_len: usize,
    /// Largest card input (RSA PKCS#1 v1.5: k − 11; ECDSA: the field size, longer hashes are truncated).
    pub max_input: usize,
}

impl SignPlan {
    pub fn new(mechanism: &Mechanism, key: &PublicKey) -> Result<Self, CK_RV> {
        let signature_len = key.signature_len();
        let rsa = matches!(key, PublicKey::Rsa { .. });
        let (card, hash, expected_len) = match mechanism.kind {
            CKM_RSA_PKCS => (SignMechanism::RsaPkcs1, None, None),
            CKM_SHA256_RSA_PKCS => (SignMechanism::RsaPkcs1, Some(HashAlg::Sha256), None),
            CKM_SHA384_RSA_PKCS => (SignMechanism::RsaPkcs1, Some(HashAlg::Sha384), None),
            CKM_SHA512_RSA_PKCS => (SignMechanism::RsaPkcs1, Some(HashAlg::Sha512), None),
            CKM_RSA_PKCS_PSS => {
                let hash = pss_hash(&mechanism.params, None)?;
                (SignMechanism::RsaPss, None, Some(hash.output_len()))
            }
            CKM_SHA256_RSA_PKCS_PSS => {
                (SignMechanism::RsaPss, Some(pss_hash(&mechanism.params, Some(HashAlg::Sha256))?), None)
            }
            CKM_SHA384_RSA_PKCS_PSS => {
                (SignMechanism::RsaPss, Some(pss_hash(&mechanism.params, Some(HashAlg::Sha384))?), None)
            }
            CKM_SHA512_RSA_PKCS_PSS => {
                (SignMechanism::RsaPss, Some(pss_hash(&mechanism.params, Some(HashAlg::Sha512))?), None)
            }
            CKM_ECDSA => (SignMechanism::Ecdsa, None, None),
            CKM_ECDSA_SHA256 => (SignMechanism::Ecdsa, Some(HashAlg::Sha256), None),
            CKM_ECDSA_SHA384 => (SignMechanism::Ecdsa, Some(HashAlg::Sha384), None),
            CKM_ECDSA_SHA512 => (SignMechanism::Ecdsa, Some(HashAlg::Sha512), None),
            _ => return Err(CKR_MECHANISM_INVALID),
        };
        let needs_params = card == SignMechanism::RsaPss;
        if !needs_params && mechanism.params != MechanismParams::None {
            return Err(CKR_MECHANISM_PARAM_INVALID);
        }
        if rsa != (card != SignMechanism::Ecdsa) {
            return Err(CKR_KEY_TYPE_INCONSISTENT);
        }
        let max_input = match card {
            SignMechanism::RsaPkcs1 => signature_len.saturating_sub(PKCS1_V15_OVERHEAD),
            SignMechanism::RsaPss => HashAlg::Sha512.output_len(),
            SignMechanism::Ecdsa => signature_len / 2,
        };
        Ok(Self { card, hash, expected_len, signature_len, max_input })
    }

    /// The card input for `data` (already hashed when [`Self::hash`] is set).
    pub fn card_input(&self, data: Vec<u8>) -> Result<Vec<u8>, CK_RV> {
        let input = match (self.card, self.hash) {
            (SignMechanism::RsaPkcs1, Some(hash)) => hash.digest_info(&data),
            (SignMechanism::Ecdsa, _) if data.len() > self.max_input => {
                // FIPS 186-4 §6.4: only the leftmost field-size bits of the hash count.
                data[..self.max_input].to_vec()
            }
            _ => data,
        };
        if self.expected_len.is_some_and(|len| len != input.len()) {
            return Err(CKR_DATA_LEN_RANGE);
        }
        // The card signs 1 to max_input bytes (certificate-zone.md §MSE:SET).
        if input.is_empty() || input.len() > self.max_input {
            return Err(CKR_DATA_LEN_RANGE);
        }
        Ok(input)
    }
}

/// The card's PSS: MGF1 with the same hash, salt length = hash length.
fn pss_hash(params: &MechanismParams, fixed: Option<HashAlg>) -> Result<HashAlg, CK_RV> {
    match (params, fixed) {
        // Hash-and-sign PSS without parameters: the only variant the card has.
        (MechanismParams::None, Some(hash)) => Ok(hash),
        (MechanismParams::Pss { hash, mgf, salt_len }, fixed) => {
            let alg = HashAlg::from_hash_mechanism(*hash).ok_or(CKR_MECHANISM_PARAM_INVALID)?;
            let consistent = fixed.is_none_or(|f| f == alg)
                && *mgf == alg.mgf1()
                && usize::try_from(*salt_len).ok() == Some(alg.output_len());
            if consistent { Ok(alg) } else { Err(CKR_MECHANISM_PARAM_INVALID) }
        }
        _ => Err(CKR_MECHANISM_PARAM_INVALID),
    }
}

/// C_DecryptInit: the card algorithm for the mechanism.
pub fn decipher_mechanism(mechanism: &Mechanism, key: &PublicKey) -> Result<DecipherMechanism, CK_RV> {
    let card = match (&mechanism.kind, &mechanism.params) {
        (&CKM_RSA_PKCS, MechanismParams::None) => DecipherMechanism::RsaPkcs1,
        (&CKM_RSA_PKCS_OAEP, MechanismParams::Oaep { hash, mgf, source, source_data }) => {
            // The card's OAEP takes an empty label only (certificate-zone.md alg 1B/1C).
            let empty_label = (*source == 0 || *source == CKZ_DATA_SPECIFIED) && source_data.is_empty();
            match (*hash, *mgf) {
                (CKM_SHA_1, CKG_MGF1_SHA1) if empty_label => DecipherMechanism::RsaOaepSha1,
                (CKM_SHA256, CKG_MGF1_SHA256) if empty_label => DecipherMechanism::RsaOaepSha256,
                _ => return Err(CKR_MECHANISM_PARAM_INVALID),
            }
        }
        (&CKM_RSA_PKCS | &CKM_RSA_PKCS_OAEP, _) => return Err(CKR_MECHANISM_PARAM_INVALID),
        _ => return Err(CKR_MECHANISM_INVALID),
    };
    if !matches!(key, PublicKey::Rsa { .. }) {
        return Err(CKR_KEY_TYPE_INCONSISTENT);
    }
    Ok(card)
}

/// C_DeriveKey CKM_ECDH1_DERIVE: the other party's uncompressed point.
/// Only CKD_NULL without shared data (the card returns the raw x-coordinate).
pub fn ecdh_point(mechanism: &Mechanism, key: &PublicKey) -> Result<Vec<u8>, CK_RV> {
    if mechanism.kind != CKM_ECDH1_DERIVE {
        return Err(CKR_MECHANISM_INVALID);
    }
    let PublicKey::Ec { .. } = key else {
        return Err(CKR_KEY_TYPE_INCONSISTENT);
    };
    let MechanismParams::Ecdh { kdf, shared_data, public_data } = &mechanism.params else {
        return Err(CKR_MECHANISM_PARAM_INVALID);
    };
    if *kdf != CKD_NULL || !shared_data.is_empty() {
        return Err(CKR_MECHANISM_PARAM_INVALID);
    }
    ecdh_public_point(public_data, key.signature_len() / 2).ok_or(CKR_MECHANISM_PARAM_INVALID)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rsa_key() -> PublicKey {
        PublicKey::Rsa { modulus: vec![0xC5; 256], public_exponent: vec![1, 0, 1] }
    }

    fn ec_key() -> PublicKey {
        let mut point = vec![0x04];
        point.extend([1u8; 96]);
        PublicKey::Ec { params: vec![0x06, 0x05, 0x2B, 0x81, 0x04, 0x00, 0x22], point }
    }

    fn plain(kind: CK_MECHANISM_TYPE) -> Mechanism {
        Mechanism { kind, params: MechanismParams::None }
    }

    #[test]
    fn sha256_rsa_pkcs_signs_a_digest_info() {
        let plan = SignPlan::new(&plain(CKM_SHA256_RSA_PKCS), &rsa_key()).unwrap();
        assert_eq!(plan.hash, Some(HashAlg::Sha256));
        let mut hasher = HashAlg::Sha256.hasher();
        hasher.update(b"abc");
        let hash = hasher.finalize();
        // FIPS 180-2 B.1: SHA-256("abc").
        assert_eq!(hash[..4], [0xBA, 0x78, 0x16, 0xBF]);
        let input = plan.card_input(hash.clone()).unwrap();
        assert_eq!(input.len(), 51);
        // RFC 8017 §9.2 note 1: SHA-256 DigestInfo prefix.
        assert_eq!(hex::encode(&input[..19]), "3031300d060960864801650304020105000420");
        assert_eq!(&input[19..], hash.as_slice());
        assert_eq!(plan.signature_len, 256);
    }

    #[test]
    fn raw_rsa_pkcs_limits_input_to_k_minus_11() {
        let plan = SignPlan::new(&plain(CKM_RSA_PKCS), &rsa_key()).unwrap();
        assert!(plan.card_input(vec![0; 245]).is_ok());
        assert_eq!(plan.card_input(vec![0; 246]), Err(CKR_DATA_LEN_RANGE));
        assert_eq!(plan.card_input(Vec::new()), Err(CKR_DATA_LEN_RANGE));
    }

    #[test]
    fn pss_parameters_must_match_the_card() {
        let pss = |hash, mgf, salt_len| Mechanism {
            kind: CKM_RSA_PKCS_PSS,
            params: MechanismParams::Pss { hash, mgf, salt_len },
        };
        let plan = SignPlan::new(&pss(CKM_SHA384, CKG_MGF1_SHA384, 48), &rsa_key()).unwrap();
        assert_eq!(plan.card, SignMechanism::RsaPss);
        assert_eq!(plan.card_input(vec![0; 48]).unwrap().len(), 48);
        assert_eq!(plan.card_input(vec![0; 32]), Err(CKR_DATA_LEN_RANGE));
        for bad in [
            pss(CKM_SHA384, CKG_MGF1_SHA256, 48),
            pss(CKM_SHA384, CKG_MGF1_SHA384, 0),
            pss(CKM_SHA_1, CKG_MGF1_SHA1, 20),
        ] {
            assert_eq!(SignPlan::new(&bad, &rsa_key()), Err(CKR_MECHANISM_PARAM_INVALID));
        }
        assert_eq!(SignPlan::new(&plain(CKM_RSA_PKCS_PSS), &rsa_key()), Err(CKR_MECHANISM_PARAM_INVALID));
        let hashed = Mechanism {
            kind: CKM_SHA256_RSA_PKCS_PSS,
            params: MechanismParams::Pss { hash: CKM_SHA384, mgf: CKG_MGF1_SHA384, salt_len: 48 },
        };
        assert_eq!(SignPlan::new(&hashed, &rsa_key()), Err(CKR_MECHANISM_PARAM_INVALID));
        assert!(SignPlan::new(&plain(CKM_SHA256_RSA_PKCS_PSS), &rsa_key()).is_ok());
    }

    #[test]
    fn key_type_must_fit_the_mechanism() {
        assert_eq!(SignPlan::new(&plain(CKM_ECDSA), &rsa_key()), Err(CKR_KEY_TYPE_INCONSISTENT));
        assert_eq!(SignPlan::new(&plain(CKM_RSA_PKCS), &ec_key()), Err(CKR_KEY_TYPE_INCONSISTENT));
        assert_eq!(SignPlan::new(&plain(CKM_SHA_1), &ec_key()), Err(CKR_MECHANISM_INVALID));
        assert_eq!(decipher_mechanism(&plain(CKM_RSA_PKCS), &ec_key()), Err(CKR_KEY_TYPE_INCONSISTENT));
    }

    #[test]
    fn ecdsa_truncates_long_hashes_to_the_field_size() {
        let plan = SignPlan::new(&plain(CKM_ECDSA), &ec_key()).unwrap();
        assert_eq!(plan.signature_len, 96);
        assert_eq!(plan.card_input(vec![9; 64]).unwrap(), vec![9; 48]);
        assert_eq!(plan.card_input(vec![9; 20]).unwrap(), vec![9; 20]);
        assert_eq!(plan.card_input(Vec::new()), Err(CKR_DATA_LEN_RANGE));
    }

    #[test]
    fn oaep_takes_sha1_or_sha256_with_an_empty_label() {
        let oaep = |hash, mgf, source_data: Vec<u8>| Mechanism {
            kind: CKM_RSA_PKCS_OAEP,
            params: MechanismParams::Oaep { hash, mgf, source: CKZ_DATA_SPECIFIED, source_data },
        };
        assert_eq!(
            decipher_mechanism(&oaep(CKM_SHA_1, CKG_MGF1_SHA1, vec![]), &rsa_key()),
            Ok(DecipherMechanism::RsaOaepSha1)
        );
        assert_eq!(
            decipher_mechanism(&oaep(CKM_SHA256, CKG_MGF1_SHA256, vec![]), &rsa_key()),
            Ok(DecipherMechanism::RsaOaepSha256)
        );
        assert_eq!(
            decipher_mechanism(&oaep(CKM_SHA256, CKG_MGF1_SHA1, vec![]), &rsa_key()),
            Err(CKR_MECHANISM_PARAM_INVALID)
        );
        assert_eq!(
            decipher_mechanism(&oaep(CKM_SHA256, CKG_MGF1_SHA256, vec![1]), &rsa_key()),
            Err(CKR_MECHANISM_PARAM_INVALID)
        );
        assert_eq!(decipher_mechanism(&plain(CKM_RSA_PKCS_OAEP), &rsa_key()), Err(CKR_MECHANISM_PARAM_INVALID));
    }

    #[test]
    fn ecdh_needs_cdk_null_and_a_point() {
        let mut point = vec![0x04];
        point.extend([3u8; 96]);
        let ecdh = |kdf, shared_data: Vec<u8>, public_data: Vec<u8>| Mechanism {
            kind: CKM_ECDH1_DERIVE,
            params: MechanismParams::Ecdh { kdf, shared_data, public_data },
        };
        assert_eq!(ecdh_point(&ecdh(CKD_NULL, vec![], point.clone()), &ec_key()), Ok(point.clone()));
        assert_eq!(
            ecdh_point(&ecdh(CKD_SHA256_KDF, vec![], point.clone()), &ec_key()),
            Err(CKR_MECHANISM_PARAM_INVALID)
        );
        assert_eq!(ecdh_point(&ecdh(CKD_NULL, vec![1], point.clone()), &ec_key()), Err(CKR_MECHANISM_PARAM_INVALID));
        assert_eq!(
            ecdh_point(&ecdh(CKD_NULL, vec![], point[..49].to_vec()), &ec_key()),
            Err(CKR_MECHANISM_PARAM_INVALID)
        );
        assert_eq!(ecdh_point(&ecdh(CKD_NULL, vec![], point), &rsa_key()), Err(CKR_KEY_TYPE_INCONSISTENT));
    }

    #[test]
    fn allowed_mechanisms_follow_key_type_and_usage() {
        let sign = allowed_for(&rsa_key(), true, false, false);
        assert!(sign.contains(&CKM_RSA_PKCS) && sign.contains(&CKM_SHA256_RSA_PKCS_PSS));
        assert!(!sign.contains(&CKM_RSA_PKCS_OAEP) && !sign.contains(&CKM_ECDSA));
        let decrypt = allowed_for(&rsa_key(), false, true, false);
        assert_eq!(decrypt, vec![CKM_RSA_PKCS, CKM_RSA_PKCS_OAEP]);
        let ec = allowed_for(&ec_key(), true, false, true);
        assert_eq!(ec, vec![CKM_ECDSA, CKM_ECDSA_SHA256, CKM_ECDSA_SHA384, CKM_ECDSA_SHA512, CKM_ECDH1_DERIVE]);
    }
}
