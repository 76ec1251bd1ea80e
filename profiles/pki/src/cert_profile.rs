//! The X.509 v3 profile of every certificate the test PKIs issue (CSCA and
//! document signer, citizen root and citizen CA, user certificates), and
//! the steps of building one that do not depend on the signature algorithm.
//!
//! Extensions, in this order: authorityKeyIdentifier and
//! subjectKeyIdentifier (RFC 5280 §4.2.1.1, §4.2.1.2 method 1: SHA-1 of the
//! issuer's and of the subject's key), basicConstraints when the profile has
//! it (§4.2.1.9), keyUsage, always critical (§4.2.1.3; ICAO 9303-12 Table 6).

use spki::{EncodePublicKey, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::builder::CertificateBuilder;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::certificate::TbsCertificate;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, KeyUsages, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::PkiError;
use crate::error::build_error;

/// The criticality flag of an extension (RFC 5280 §4.2).
pub(crate) const CRITICAL: bool = true;
pub(crate) const NOT_CRITICAL: bool = false;

/// Subject, issuer and extensions of one certificate.
pub(crate) struct CertProfile {
    pub subject: Name,
    /// `None`: self-issued (the issuer is the subject; the signer's key is
    /// the subject's, so both key identifiers are the same).
    pub issuer: Option<Name>,
    /// basicConstraints with its criticality; `None`: no such extension.
    pub basic_constraints: Option<(bool, BasicConstraints)>,
    /// keyUsage (critical).
    pub key_usage: KeyUsage,
}

impl CertProfile {
    /// A CA certificate: basicConstraints cA TRUE with `path_len`, keyUsage
    /// keyCertSign and cRLSign, both critical (RFC 5280 §4.2.1.3, §4.2.1.9;
    /// ICAO 9303-12 §7.1.1.2).
    pub fn ca(subject: Name, issuer: Option<Name>, path_len: u8) -> CertProfile {
        CertProfile {
            subject,
            issuer,
            basic_constraints: Some((
                CRITICAL,
                BasicConstraints {
                    ca: true,
                    path_len_constraint: Some(path_len),
                },
            )),
            key_usage: KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        }
    }

    /// A builder of this profile's certificate over `subject_key`; `what`
    /// names the certificate in errors.
    pub fn builder(
        self,
        serial: SerialNumber,
        validity: Validity,
        subject_key: SubjectPublicKeyInfoOwned,
        what: &'static str,
    ) -> Result<CertificateBuilder<CertProfile>, PkiError> {
        CertificateBuilder::new(self, serial, validity, subject_key)
            .map_err(|e| build_error(what, e))
    }
}

impl BuilderProfile for CertProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(SubjectKeyIdentifier::try_from(issuer_spk)?.0),
            ..Default::default()
        };
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        // The `extensions` argument of to_extension only matters to
        // extensions that depend on others; none of these do.
        let subject = tbs.subject();
        let mut extensions = vec![
            (NOT_CRITICAL, &aki).to_extension(subject, &[])?,
            (NOT_CRITICAL, &ski).to_extension(subject, &[])?,
        ];
        if let Some((critical, bc)) = &self.basic_constraints {
            extensions.push((*critical, bc).to_extension(subject, &[])?);
        }
        extensions.push((CRITICAL, &self.key_usage).to_extension(subject, &[])?);
        Ok(extensions)
    }
}

/// The SubjectPublicKeyInfo of a public key (RFC 5280 §4.1.2.7).
pub(crate) fn spki_of(
    key: &impl EncodePublicKey,
    what: &'static str,
) -> Result<SubjectPublicKeyInfoOwned, PkiError> {
    SubjectPublicKeyInfoOwned::from_key(key).map_err(|e| build_error(what, e))
}
