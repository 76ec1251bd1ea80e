//! Certificate checks shared by trust loading and security-object
//! verification: the P-384 key neid signs with, CA flag,
//! validity period, and the issuer → subject link (RFC 5280 §6.1.3).

use der::{DateTime, Encode};
use ecdsa::signature::hazmat::PrehashVerifier;
use p384::ecdsa::{DerSignature, Signature, VerifyingKey};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};

use crate::hash::HashAlgorithm;
use crate::{PkiError, oid, signature};

/// Why an ECDSA signature check failed.
#[derive(Debug)]
pub(crate) enum SignatureCheck {
    /// The signature algorithm is not one this crate implements.
    Unsupported(PkiError),
    /// The signature is not a DER Ecdsa-Sig-Value or does not verify.
    Invalid,
}

/// The P-384 public key of a SubjectPublicKeyInfo (RFC 5480 §2: algorithm
/// id-ecPublicKey, parameters namedCurve secp384r1, key an uncompressed or
/// compressed SEC1 point).
pub(crate) fn p384_key(spki: &SubjectPublicKeyInfoOwned) -> Result<VerifyingKey, PkiError> {
    if spki.algorithm.oid != oid::ID_EC_PUBLIC_KEY {
        return Err(PkiError::UnsupportedAlgorithm {
            what: "public key algorithm",
            oid: spki.algorithm.oid.to_string(),
        });
    }
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<der::asn1::ObjectIdentifier>().ok())
        .ok_or_else(|| {
            PkiError::malformed(
                "EC public key: parameters must be a namedCurve OID (RFC 5480 §2.1.1)",
            )
        })?;
    if curve != oid::SECP384R1 {
        return Err(PkiError::UnsupportedAlgorithm {
            what: "elliptic curve",
            oid: curve.to_string(),
        });
    }
    let point = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| PkiError::malformed("EC public key: BIT STRING has unused bits"))?;
    VerifyingKey::from_sec1_bytes(point)
        .map_err(|_| PkiError::malformed("EC public key: not a valid P-384 point"))
}

/// The hash of an ECDSA signature algorithm (RFC 5758 §3.2: parameters MUST
/// be absent; NULL is tolerated as some encoders emit it).
fn ecdsa_hash(alg: &AlgorithmIdentifierOwned) -> Result<HashAlgorithm, PkiError> {
    if let Some(params) = &alg.parameters
        && !params.is_null()
    {
        return Err(PkiError::malformed(
            "ECDSA signature algorithm: parameters must be absent (RFC 5758 §3.2)",
        ));
    }
    match alg.oid {
        o if o == oid::ECDSA_WITH_SHA384 => Ok(HashAlgorithm::Sha384),
        o if o == oid::ECDSA_WITH_SHA256 => Ok(HashAlgorithm::Sha256),
        other => Err(PkiError::UnsupportedAlgorithm {
            what: "signature algorithm",
            oid: other.to_string(),
        }),
    }
}

/// Verify a DER-encoded ECDSA signature (`Ecdsa-Sig-Value`, RFC 5480 §2.2 /
/// RFC 5758 §3.2) over `message` with `key`, hashing with the algorithm
/// named by `alg`.
pub(crate) fn verify_ecdsa(
    key: &VerifyingKey,
    alg: &AlgorithmIdentifierOwned,
    message: &[u8],
    der_signature: &[u8],
) -> Result<(), SignatureCheck> {
    let hash = ecdsa_hash(alg).map_err(SignatureCheck::Unsupported)?;
    let signature = DerSignature::try_from(der_signature)
        .and_then(Signature::try_from)
        .map_err(|_| SignatureCheck::Invalid)?;
    key.verify_prehash(&hash.digest(message), &signature)
        .map_err(|_| SignatureCheck::Invalid)
}

/// Whether the certificate's basicConstraints says cA TRUE (RFC 5280 §4.2.1.9).
pub(crate) fn is_ca(cert: &Certificate) -> Result<bool, PkiError> {
    match cert.tbs_certificate().get_extension::<BasicConstraints>() {
        Ok(Some((_critical, bc))) => Ok(bc.ca),
        Ok(None) => Ok(false),
        Err(e) => Err(PkiError::malformed(format!(
            "basicConstraints extension: {e}"
        ))),
    }
}

/// Whether the keyUsage extension, if present, grants `usage`
/// (RFC 5280 §4.2.1.3: an absent extension restricts nothing).
pub(crate) fn allows(cert: &Certificate, usage: KeyUsages) -> Result<bool, PkiError> {
    match cert.tbs_certificate().get_extension::<KeyUsage>() {
        Ok(Some((_critical, ku))) => Ok(ku.0.contains(usage)),
        Ok(None) => Ok(true),
        Err(e) => Err(PkiError::malformed(format!("keyUsage extension: {e}"))),
    }
}

/// The subject as an RFC 4514 string, for messages and reports.
pub(crate) fn subject_of(cert: &Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

/// Refuse a certificate that is not valid at `at` (RFC 5280 §4.1.2.5:
/// notBefore and notAfter are inclusive).
pub(crate) fn check_validity(cert: &Certificate, at: DateTime) -> Result<(), PkiError> {
    let validity = cert.tbs_certificate().validity();
    let not_before = validity.not_before.to_date_time();
    let not_after = validity.not_after.to_date_time();
    if at < not_before || at > not_after {
        return Err(PkiError::NotValidAt {
            subject: subject_of(cert),
            at: at.to_string(),
            not_before: not_before.to_string(),
            not_after: not_after.to_string(),
        });
    }
    Ok(())
}

/// Check that `issuer` issued `cert`: names chain, `issuer` is a CA allowed
/// to sign certificates, and `cert`'s signature verifies with its key.
/// Returns the reason for a person when it did not.
pub(crate) fn check_issued_by(cert: &Certificate, issuer: &Certificate) -> Result<(), String> {
    let tbs = cert.tbs_certificate();
    if tbs.issuer() != issuer.tbs_certificate().subject() {
        return Err(format!(
            "issuer '{}' is not the anchor '{}'",
            tbs.issuer(),
            subject_of(issuer)
        ));
    }
    match is_ca(issuer) {
        Ok(true) => {}
        Ok(false) => {
            return Err(format!(
                "'{}' is not a CA (basicConstraints)",
                subject_of(issuer)
            ));
        }
        Err(e) => return Err(format!("'{}': {e}", subject_of(issuer))),
    }
    match allows(issuer, KeyUsages::KeyCertSign) {
        Ok(true) => {}
        Ok(false) => {
            return Err(format!(
                "'{}' keyUsage lacks keyCertSign (RFC 5280 §4.2.1.3)",
                subject_of(issuer)
            ));
        }
        Err(e) => return Err(format!("'{}': {e}", subject_of(issuer))),
    }
    let key = signature::public_key(issuer.tbs_certificate().subject_public_key_info())
        .map_err(|e| format!("anchor '{}' key: {e}", subject_of(issuer)))?;
    if cert.signature_algorithm() != tbs.signature() {
        return Err(
            "signatureAlgorithm differs from tbsCertificate.signature (RFC 5280 §4.1.1.2)".into(),
        );
    }
    let tbs_der = tbs
        .to_der()
        .map_err(|e| format!("cannot re-encode tbsCertificate: {e}"))?;
    let signature = cert
        .signature()
        .as_bytes()
        .ok_or_else(|| "certificate signature BIT STRING has unused bits".to_string())?;
    match signature::verify(&key, cert.signature_algorithm(), None, &tbs_der, signature) {
        Ok(()) => Ok(()),
        Err(signature::SignatureCheck::Unsupported(e)) => Err(e.to_string()),
        Err(signature::SignatureCheck::Invalid) => Err(format!(
            "signature of '{}' does not verify with the key of '{}'",
            subject_of(cert),
            subject_of(issuer)
        )),
    }
}
