//! The citizen certificate PKI of the certificate zone
//! (docs/spec/certificate-zone.md §Issuance, docs/spec/test-pki.md §Citizen CA):
//! an RSA-2048 root CA, the RSA-2048 intermediate "citizen CA" it certifies,
//! and the user certificates the citizen CA issues for keys generated on a
//! card.
//!
//! * [`init`] / [`load`]: the CA on disk (PEM and DER certificates, PKCS#8
//!   private keys); [`CitizenCa::generate`] in memory.
//! * [`CitizenCa::issue`]: a user certificate for a card key, from its
//!   SubjectPublicKeyInfo ([`rsa_spki`], [`p384_spki`]).
//!
//! Everything is signed with sha256WithRSAEncryption (RFC 8017 §9.2,
//! RFC 4055 §5). These are test keys: `neid pki citizen-ca` writes them
//! unencrypted.

mod generate;
mod store;
mod user;

use rsa::pkcs1v15::SigningKey;
use sha2::Sha256;
use x509_cert::Certificate;

use crate::cert;

pub use generate::{
    INTERMEDIATE_SUBJECT, INTERMEDIATE_VALIDITY_YEARS, ROOT_SUBJECT, ROOT_VALIDITY_YEARS,
    RSA_MODULUS_BITS,
};
pub use store::{
    CitizenCaPaths, INTERMEDIATE_CERT_DER, INTERMEDIATE_CERT_PEM, INTERMEDIATE_KEY, ROOT_CERT_DER,
    ROOT_CERT_PEM, ROOT_KEY, init, load,
};
pub use user::{
    CertifiedKey, Holder, UserCertificate, certificate_serial, check_user_fields, p384_spki,
    period_validity, rsa_spki,
};

/// The citizen CA as the issuer uses it: the root and intermediate
/// certificates (both written to the card) and the intermediate's private
/// key, which signs user certificates.
#[derive(Clone)]
pub struct CitizenCa {
    root: Certificate,
    intermediate: Certificate,
    key: SigningKey<Sha256>,
}

impl std::fmt::Debug for CitizenCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key is never printed.
        f.debug_struct("CitizenCa")
            .field("root", &cert::subject_of(&self.root))
            .field("intermediate", &cert::subject_of(&self.intermediate))
            .finish_non_exhaustive()
    }
}

impl CitizenCa {
    /// The root CA certificate (card EF `4431`).
    pub fn root(&self) -> &Certificate {
        &self.root
    }

    /// The citizen CA certificate (card EF `4432`), issuer of user certificates.
    pub fn intermediate(&self) -> &Certificate {
        &self.intermediate
    }
}

#[cfg(test)]
mod tests;
