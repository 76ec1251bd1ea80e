//! Public keys and signature verification for Passive Authentication of any
//! ICAO 9303 eMRTD (ICAO 9303-12 §5.2 / §7: the CSCA, DS and SOD may use
//! ECDSA, RSASSA-PKCS1-v1_5 or RSASSA-PSS).
//!
//! * ECDSA over NIST P-256, P-384, brainpoolP256r1, brainpoolP384r1 (named
//!   curves only, RFC 5480 §2.1.1 / RFC 5639), with SHA-1/224/256/384/512;
//!   signatures are DER `Ecdsa-Sig-Value` (RFC 5480 §2.2).
//! * RSA (RFC 8017): `shaNWithRSAEncryption` PKCS#1 v1.5, `id-RSASSA-PSS`
//!   with its parameters (RFC 4055 §3.1), and bare `rsaEncryption` as a CMS
//!   signatureAlgorithm, whose hash is the SignerInfo digestAlgorithm
//!   (RFC 3370 §3.2).
//!
//! Signing is not here: neid itself signs with ECDSA P-384 only.

use der::Sequence;
use der::asn1::ObjectIdentifier;
use ecdsa::signature::hazmat::PrehashVerifier;
use rsa::pkcs1::DecodeRsaPublicKey;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::hash::HashAlgorithm;
use crate::{PkiError, oid};

/// Why a signature check failed.
#[derive(Debug)]
pub(crate) enum SignatureCheck {
    /// The signature algorithm is not one this crate implements, or does
    /// not fit the key.
    Unsupported(PkiError),
    /// The signature is malformed or does not verify.
    Invalid,
}

/// A verification key from a SubjectPublicKeyInfo.
#[derive(Debug, Clone)]
pub(crate) enum PublicKey {
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    BrainpoolP256r1(ecdsa::VerifyingKey<bp256::BrainpoolP256r1>),
    BrainpoolP384r1(ecdsa::VerifyingKey<bp384::BrainpoolP384r1>),
    Rsa(rsa::PublicKey),
}

/// How a signature algorithm identifier says to verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Ecdsa(HashAlgorithm),
    RsaPkcs1v15(HashAlgorithm),
    RsaPss {
        hash: HashAlgorithm,
        salt_len: usize,
    },
}

/// Parse the key of a SubjectPublicKeyInfo: id-ecPublicKey with a named
/// curve (RFC 5480 §2.1.1), or rsaEncryption / id-RSASSA-PSS with an
/// RSAPublicKey (RFC 8017 Appendix A.1.1, RFC 4055 §1.2).
pub(crate) fn public_key(spki: &SubjectPublicKeyInfoOwned) -> Result<PublicKey, PkiError> {
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| PkiError::malformed("subjectPublicKey BIT STRING has unused bits"))?;
    let algorithm = spki.algorithm.oid;
    if algorithm == oid::RSA_ENCRYPTION || algorithm == oid::ID_RSASSA_PSS {
        let key = rsa::PublicKey::from_pkcs1_der(bits).map_err(|e| {
            PkiError::malformed(format!("RSA public key: not a valid RSAPublicKey: {e}"))
        })?;
        return Ok(PublicKey::Rsa(key));
    }
    if algorithm != oid::ID_EC_PUBLIC_KEY {
        return Err(PkiError::UnsupportedAlgorithm {
            what: "public key algorithm",
            oid: algorithm.to_string(),
        });
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
        .ok_or_else(|| PkiError::UnsupportedAlgorithm {
            what: "EC domain parameters (only a namedCurve OID is read, RFC 5480 §2.1.1)",
            oid: "specifiedCurve/implicitCurve".into(),
        })?;
    let bad_point =
        |name: &str| PkiError::malformed(format!("EC public key: not a valid {name} point"));
    match curve {
        c if c == oid::SECP256R1 => p256::ecdsa::VerifyingKey::from_sec1_bytes(bits)
            .map(PublicKey::P256)
            .map_err(|_| bad_point("P-256")),
        c if c == oid::SECP384R1 => p384::ecdsa::VerifyingKey::from_sec1_bytes(bits)
            .map(PublicKey::P384)
            .map_err(|_| bad_point("P-384")),
        c if c == oid::BRAINPOOL_P256R1 => {
            ecdsa::VerifyingKey::<bp256::BrainpoolP256r1>::from_sec1_bytes(bits)
                .map(PublicKey::BrainpoolP256r1)
                .map_err(|_| bad_point("brainpoolP256r1"))
        }
        c if c == oid::BRAINPOOL_P384R1 => {
            ecdsa::VerifyingKey::<bp384::BrainpoolP384r1>::from_sec1_bytes(bits)
                .map(PublicKey::BrainpoolP384r1)
                .map_err(|_| bad_point("brainpoolP384r1"))
        }
        other => Err(PkiError::UnsupportedAlgorithm {
            what: "elliptic curve",
            oid: other.to_string(),
        }),
    }
}

/// `RSASSA-PSS-params` (RFC 4055 §3.1; all fields EXPLICIT with DEFAULTs).
#[derive(Debug, Clone, Sequence)]
struct RsaPssParams {
    #[asn1(context_specific = "0", optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", optional = "true")]
    mask_gen_algorithm: Option<AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", optional = "true")]
    salt_length: Option<u32>,
    #[asn1(context_specific = "3", optional = "true")]
    trailer_field: Option<u32>,
}

/// RFC 4055 §3.1 defaults: sha1, mgf1SHA1, salt 20, trailerField 1 (0xBC).
const PSS_DEFAULT_HASH: HashAlgorithm = HashAlgorithm::Sha1;
const PSS_DEFAULT_SALT_LENGTH: u32 = 20;
const PSS_TRAILER_FIELD_BC: u32 = 1;

fn unsupported(what: &'static str, oid: impl ToString) -> PkiError {
    PkiError::UnsupportedAlgorithm {
        what,
        oid: oid.to_string(),
    }
}

fn hash_of(alg: &AlgorithmIdentifierOwned, what: &'static str) -> Result<HashAlgorithm, PkiError> {
    HashAlgorithm::from_algorithm_identifier(alg, what)
}

/// Decode the RSASSA-PSS parameters. The `rsa` crate uses one digest for the
/// message and MGF1, so a different MGF1 hash is reported as unsupported.
fn pss_scheme(alg: &AlgorithmIdentifierOwned) -> Result<Scheme, PkiError> {
    let params = match &alg.parameters {
        Some(any) => any
            .decode_as::<RsaPssParams>()
            .map_err(|e| PkiError::malformed(format!("RSASSA-PSS-params: {e}")))?,
        None => {
            return Err(PkiError::malformed(
                "id-RSASSA-PSS signature algorithm without parameters (RFC 4055 §3.1 requires them)",
            ));
        }
    };
    let hash = match &params.hash_algorithm {
        Some(h) => hash_of(h, "RSASSA-PSS hashAlgorithm")?,
        None => PSS_DEFAULT_HASH,
    };
    let mgf_hash = match &params.mask_gen_algorithm {
        None => PSS_DEFAULT_HASH,
        Some(mgf) => {
            if mgf.oid != oid::ID_MGF1 {
                return Err(unsupported("RSASSA-PSS maskGenAlgorithm", mgf.oid));
            }
            let inner: AlgorithmIdentifierOwned = mgf
                .parameters
                .as_ref()
                .ok_or_else(|| {
                    PkiError::malformed("MGF1 without its hash parameter (RFC 8017 B.2.1)")
                })?
                .decode_as()
                .map_err(|e| PkiError::malformed(format!("MGF1 hash parameter: {e}")))?;
            hash_of(&inner, "RSASSA-PSS MGF1 hash")?
        }
    };
    if mgf_hash != hash {
        return Err(PkiError::UnsupportedAlgorithm {
            what: "RSASSA-PSS with an MGF1 hash differing from the message hash",
            oid: mgf_hash.oid().to_string(),
        });
    }
    if params.trailer_field.unwrap_or(PSS_TRAILER_FIELD_BC) != PSS_TRAILER_FIELD_BC {
        return Err(PkiError::malformed(
            "RSASSA-PSS trailerField must be 1 (RFC 4055 §3.1)",
        ));
    }
    let salt_len = params.salt_length.unwrap_or(PSS_DEFAULT_SALT_LENGTH) as usize;
    Ok(Scheme::RsaPss { hash, salt_len })
}

/// Read a signature AlgorithmIdentifier. `cms_digest` is the SignerInfo
/// digestAlgorithm, used when the algorithm is bare rsaEncryption.
fn scheme(
    alg: &AlgorithmIdentifierOwned,
    cms_digest: Option<HashAlgorithm>,
) -> Result<Scheme, PkiError> {
    let no_params = || -> Result<(), PkiError> {
        match &alg.parameters {
            Some(p) if !p.is_null() => Err(PkiError::malformed(format!(
                "signature algorithm {}: parameters must be absent or NULL (RFC 5758 §3.2, RFC 8017 A.2.4)",
                alg.oid
            ))),
            _ => Ok(()),
        }
    };
    let ecdsa = [
        (oid::ECDSA_WITH_SHA1, HashAlgorithm::Sha1),
        (oid::ECDSA_WITH_SHA224, HashAlgorithm::Sha224),
        (oid::ECDSA_WITH_SHA256, HashAlgorithm::Sha256),
        (oid::ECDSA_WITH_SHA384, HashAlgorithm::Sha384),
        (oid::ECDSA_WITH_SHA512, HashAlgorithm::Sha512),
    ];
    let rsa = [
        (oid::SHA1_WITH_RSA, HashAlgorithm::Sha1),
        (oid::SHA224_WITH_RSA, HashAlgorithm::Sha224),
        (oid::SHA256_WITH_RSA, HashAlgorithm::Sha256),
        (oid::SHA384_WITH_RSA, HashAlgorithm::Sha384),
        (oid::SHA512_WITH_RSA, HashAlgorithm::Sha512),
    ];
    if let Some((_, h)) = ecdsa.iter().find(|(o, _)| *o == alg.oid) {
        no_params()?;
        return Ok(Scheme::Ecdsa(*h));
    }
    if let Some((_, h)) = rsa.iter().find(|(o, _)| *o == alg.oid) {
        no_params()?;
        return Ok(Scheme::RsaPkcs1v15(*h));
    }
    if alg.oid == oid::ID_RSASSA_PSS {
        return pss_scheme(alg);
    }
    if alg.oid == oid::RSA_ENCRYPTION
        && let Some(h) = cms_digest
    {
        no_params()?;
        return Ok(Scheme::RsaPkcs1v15(h));
    }
    Err(unsupported("signature algorithm", alg.oid))
}

/// ECDSA over a prehash (the hash is truncated to the order's length by
/// the verifier, FIPS 186-5 §6.4.2); one expansion per curve type.
macro_rules! verify_ec {
    ($curve:ty, $key:expr, $prehash:expr, $der:expr) => {{
        let signature =
            ecdsa::Signature::<$curve>::from_der($der).map_err(|_| SignatureCheck::Invalid)?;
        $key.verify_prehash($prehash, &signature)
            .map_err(|_| SignatureCheck::Invalid)
    }};
}

fn verify_rsa_pkcs1v15(
    key: &rsa::PublicKey,
    hash: HashAlgorithm,
    digest: &[u8],
    signature: &[u8],
) -> rsa::Result<()> {
    use rsa::Pkcs1v15Sign;
    let scheme = match hash {
        HashAlgorithm::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
        HashAlgorithm::Sha224 => Pkcs1v15Sign::new::<sha2::Sha224>(),
        HashAlgorithm::Sha256 => Pkcs1v15Sign::new::<sha2::Sha256>(),
        HashAlgorithm::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
        HashAlgorithm::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
    };
    key.verify(scheme, digest, signature)
}

fn verify_rsa_pss(
    key: &rsa::PublicKey,
    hash: HashAlgorithm,
    salt_len: usize,
    digest: &[u8],
    signature: &[u8],
) -> rsa::Result<()> {
    use rsa::Pss;
    match hash {
        HashAlgorithm::Sha1 => key.verify(
            Pss::<sha1::Sha1>::new_with_salt(salt_len),
            digest,
            signature,
        ),
        HashAlgorithm::Sha224 => key.verify(
            Pss::<sha2::Sha224>::new_with_salt(salt_len),
            digest,
            signature,
        ),
        HashAlgorithm::Sha256 => key.verify(
            Pss::<sha2::Sha256>::new_with_salt(salt_len),
            digest,
            signature,
        ),
        HashAlgorithm::Sha384 => key.verify(
            Pss::<sha2::Sha384>::new_with_salt(salt_len),
            digest,
            signature,
        ),
        HashAlgorithm::Sha512 => key.verify(
            Pss::<sha2::Sha512>::new_with_salt(salt_len),
            digest,
            signature,
        ),
    }
}

/// Verify `signature` over `message` with `key` by the algorithm `alg`.
/// `cms_digest` is the SignerInfo digestAlgorithm when verifying a CMS
/// signature (needed for bare rsaEncryption), `None` for certificates.
pub(crate) fn verify(
    key: &PublicKey,
    alg: &AlgorithmIdentifierOwned,
    cms_digest: Option<HashAlgorithm>,
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignatureCheck> {
    let scheme = scheme(alg, cms_digest).map_err(SignatureCheck::Unsupported)?;
    let mismatch = || {
        SignatureCheck::Unsupported(PkiError::UnsupportedAlgorithm {
            what: "signature algorithm for this key type",
            oid: alg.oid.to_string(),
        })
    };
    match (scheme, key) {
        (Scheme::Ecdsa(h), PublicKey::P256(k)) => {
            verify_ec!(p256::NistP256, k, &h.digest(message), signature)
        }
        (Scheme::Ecdsa(h), PublicKey::P384(k)) => {
            verify_ec!(p384::NistP384, k, &h.digest(message), signature)
        }
        (Scheme::Ecdsa(h), PublicKey::BrainpoolP256r1(k)) => {
            verify_ec!(bp256::BrainpoolP256r1, k, &h.digest(message), signature)
        }
        (Scheme::Ecdsa(h), PublicKey::BrainpoolP384r1(k)) => {
            verify_ec!(bp384::BrainpoolP384r1, k, &h.digest(message), signature)
        }
        (Scheme::RsaPkcs1v15(h), PublicKey::Rsa(k)) => {
            verify_rsa_pkcs1v15(k, h, &h.digest(message), signature)
                .map_err(|_| SignatureCheck::Invalid)
        }
        (Scheme::RsaPss { hash, salt_len }, PublicKey::Rsa(k)) => {
            verify_rsa_pss(k, hash, salt_len, &hash.digest(message), signature)
                .map_err(|_| SignatureCheck::Invalid)
        }
        _ => Err(mismatch()),
    }
}
