//! The CV certificate (TR-03110-3 C.1, D.2):
//!
//! ```text
//! 7F21 { 7F4E { 5F29 CPI, 42 CAR, 7F49 key, 5F20 CHR, 7F4C CHAT,
//!               5F25 effective, 5F24 expiration, [65 extensions] },
//!        5F37 signature }
//! ```
//!
//! Parsing is strict: every data object in this order, shortest-form
//! lengths, nothing after the last object of any template.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::protocol::StandardizedDomainParameters;
use crate::protocol::tlv;

use super::chat::{CertificateRole, Chat};
use super::date::CvDate;
use super::error::{CvcError, Field};
use super::public_key::CvPublicKey;
use super::signature;
use super::tags::{self, Reader};

/// The only certificate profile identifier (TR-03110-3 C.1.1): version 1.
pub const PROFILE_IDENTIFIER_V1: u8 = 0x00;
/// CAR/CHR length bounds (TR-03110-3 A.6.1).
const REFERENCE_MIN_LEN: usize = 8;
const REFERENCE_MAX_LEN: usize = 16;
/// Country code and sequence number lengths in a reference (TR-03110-3 A.6.1).
const COUNTRY_CODE_LEN: usize = 2;
const SEQUENCE_NUMBER_LEN: usize = 5;

/// A certification authority / certificate holder reference: country code
/// (2 letters), holder mnemonic, sequence number (5 alphanumerics),
/// 8..16 characters in all (TR-03110-3 A.6.1), e.g. `TWCVCA00001`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CertificateReference(String);

impl CertificateReference {
    pub fn new(text: &str) -> Result<Self, CvcError> {
        Self::check(text.as_bytes(), Field::HolderReference)?;
        Ok(CertificateReference(String::from(text)))
    }

    fn check(bytes: &[u8], field: Field) -> Result<(), CvcError> {
        if !(REFERENCE_MIN_LEN..=REFERENCE_MAX_LEN).contains(&bytes.len()) {
            return Err(CvcError::ReferenceLength {
                field,
                len: bytes.len(),
            });
        }
        let (country, rest) = bytes.split_at(COUNTRY_CODE_LEN);
        let (mnemonic, sequence) = rest.split_at(rest.len() - SEQUENCE_NUMBER_LEN);
        let ok = country.iter().all(u8::is_ascii_uppercase)
            && mnemonic.iter().all(|b| (0x20..=0x7E).contains(b))
            && sequence.iter().all(u8::is_ascii_alphanumeric);
        if ok {
            Ok(())
        } else {
            Err(CvcError::ReferenceCharacters { field })
        }
    }

    fn decode(bytes: &[u8], field: Field) -> Result<Self, CvcError> {
        Self::check(bytes, field)?;
        // Checked printable ASCII above, so this is UTF-8.
        core::str::from_utf8(bytes)
            .map(|s| CertificateReference(String::from(s)))
            .map_err(|_| CvcError::ReferenceCharacters { field })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn country_code(&self) -> &str {
        &self.0[..COUNTRY_CODE_LEN]
    }
}

impl fmt::Display for CertificateReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The signed part of a CV certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificateBody {
    pub authority_reference: CertificateReference,
    pub public_key: CvPublicKey,
    pub holder_reference: CertificateReference,
    pub chat: Chat,
    pub effective_date: CvDate,
    pub expiration_date: CvDate,
    /// The value of DO'65' (certificate extensions), kept as received.
    pub extensions: Option<Vec<u8>>,
}

impl CertificateBody {
    pub fn role(&self) -> CertificateRole {
        self.chat.role()
    }

    /// Rules across fields: domain parameters exactly in CVCA certificates
    /// (TR-03110-3 D.3.3) and an ordered validity period.
    fn check(&self) -> Result<(), CvcError> {
        match (self.role(), self.public_key.domain_parameters) {
            (CertificateRole::Cvca, None) => return Err(CvcError::MissingDomainParameters),
            (CertificateRole::Cvca, Some(_)) | (_, None) => {}
            (_, Some(_)) => return Err(CvcError::UnexpectedDomainParameters),
        }
        if self.expiration_date < self.effective_date {
            return Err(CvcError::ValidityInverted);
        }
        Ok(())
    }

    /// The `7F4E` data object, as signed.
    pub fn encode(&self) -> Vec<u8> {
        let mut value = Vec::new();
        tlv::push(
            &mut value,
            tags::PROFILE_IDENTIFIER,
            &[PROFILE_IDENTIFIER_V1],
        );
        tlv::push(
            &mut value,
            tags::AUTHORITY_REFERENCE,
            self.authority_reference.0.as_bytes(),
        );
        value.extend(self.public_key.encode());
        tlv::push(
            &mut value,
            tags::HOLDER_REFERENCE,
            self.holder_reference.0.as_bytes(),
        );
        value.extend(self.chat.encode());
        tlv::push(
            &mut value,
            tags::EFFECTIVE_DATE,
            &self.effective_date.encode(),
        );
        tlv::push(
            &mut value,
            tags::EXPIRATION_DATE,
            &self.expiration_date.encode(),
        );
        if let Some(extensions) = &self.extensions {
            tlv::push(&mut value, tags::EXTENSIONS, extensions);
        }
        tlv::build(tags::CERTIFICATE_BODY, &value)
    }

    fn decode(value: &[u8]) -> Result<Self, CvcError> {
        let mut reader = Reader::new(value, Field::Body);
        let cpi = reader.take(tags::PROFILE_IDENTIFIER, Field::ProfileIdentifier)?;
        if cpi != [PROFILE_IDENTIFIER_V1] {
            return Err(CvcError::ProfileIdentifier);
        }
        let car = reader.take(tags::AUTHORITY_REFERENCE, Field::AuthorityReference)?;
        let authority_reference = CertificateReference::decode(car, Field::AuthorityReference)?;
        let public_key = CvPublicKey::decode(reader.take(tags::PUBLIC_KEY, Field::PublicKey)?)?;
        let chr = reader.take(tags::HOLDER_REFERENCE, Field::HolderReference)?;
        let holder_reference = CertificateReference::decode(chr, Field::HolderReference)?;
        let chat = Chat::decode_template(reader.take(tags::CHAT, Field::Chat)?)?;
        let date = |bytes: &[u8], field| {
            CvDate::decode(bytes).map_err(|error| CvcError::Date { field, error })
        };
        let effective_date = date(
            reader.take(tags::EFFECTIVE_DATE, Field::EffectiveDate)?,
            Field::EffectiveDate,
        )?;
        let expiration_date = date(
            reader.take(tags::EXPIRATION_DATE, Field::ExpirationDate)?,
            Field::ExpirationDate,
        )?;
        let extensions = reader.take_if(tags::EXTENSIONS, Field::Extensions)?;
        if let Some(extensions) = extensions {
            // Discretionary data templates (73 ...): well-formed BER-TLV.
            tlv::parse_all(extensions).map_err(|error| CvcError::Tlv {
                field: Field::Extensions,
                error,
            })?;
        }
        reader.finish()?;
        let body = CertificateBody {
            authority_reference,
            public_key,
            holder_reference,
            chat,
            effective_date,
            expiration_date,
            extensions: extensions.map(<[u8]>::to_vec),
        };
        body.check()?;
        Ok(body)
    }
}

/// A parsed (or freshly signed) CV certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CvCertificate {
    body: CertificateBody,
    /// The `7F4E` data object exactly as signed.
    body_encoding: Vec<u8>,
    /// Plain `r ‖ s`.
    signature: Vec<u8>,
}

impl CvCertificate {
    /// Sign `body` with the issuer's private key on the issuer's curve (the
    /// CVCA's domain parameters, which DVs and terminals inherit).
    pub fn sign(
        body: CertificateBody,
        issuer_curve: StandardizedDomainParameters,
        issuer_private_key: &[u8],
    ) -> Result<Self, CvcError> {
        body.check()?;
        if let Some(own) = body.public_key.domain_parameters {
            body.public_key.algorithm.check_curve(own)?;
            own.check_public_key(&body.public_key.point)
                .map_err(|_| CvcError::InvalidPublicKey)?;
        }
        let body_encoding = body.encode();
        let signature = signature::sign(issuer_curve, issuer_private_key, &body_encoding)?;
        Ok(CvCertificate {
            body,
            body_encoding,
            signature,
        })
    }

    /// Parse one certificate filling `bytes` exactly.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CvcError> {
        let mut outer = Reader::new(bytes, Field::Certificate);
        let certificate = outer.take(tags::CV_CERTIFICATE, Field::Certificate)?;
        outer.finish()?;
        let mut reader = Reader::new(certificate, Field::Certificate);
        let body_start = certificate;
        let body_value = reader.take(tags::CERTIFICATE_BODY, Field::Body)?;
        // The body's whole encoding is what the signature covers.
        let body_len = body_start.len() - reader.remaining();
        let body_encoding = body_start[..body_len].to_vec();
        let signature = reader.take(tags::SIGNATURE, Field::Signature)?;
        reader.finish()?;
        if signature.is_empty() || signature.len() % 2 != 0 {
            return Err(CvcError::SignatureLength {
                len: signature.len(),
            });
        }
        let body = CertificateBody::decode(body_value)?;
        Ok(CvCertificate {
            body,
            body_encoding,
            signature: signature.to_vec(),
        })
    }

    /// The `7F21` data object.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut value = self.body_encoding.clone();
        tlv::push(&mut value, tags::SIGNATURE, &self.signature);
        tlv::build(tags::CV_CERTIFICATE, &value)
    }

    pub fn body(&self) -> &CertificateBody {
        &self.body
    }

    /// The `7F4E` data object as signed (the input of VERIFY CERTIFICATE's
    /// signature check, and of PSO:VERIFY CERTIFICATE, ISO 7816-8 §5.3).
    pub fn body_encoding(&self) -> &[u8] {
        &self.body_encoding
    }

    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    pub fn role(&self) -> CertificateRole {
        self.body.role()
    }

    pub fn authority_reference(&self) -> &CertificateReference {
        &self.body.authority_reference
    }

    pub fn holder_reference(&self) -> &CertificateReference {
        &self.body.holder_reference
    }

    /// Check the signature under an issuer key on `issuer_curve`.
    pub fn verify_signature(
        &self,
        issuer_curve: StandardizedDomainParameters,
        issuer_point: &[u8],
    ) -> Result<(), CvcError> {
        signature::verify(
            issuer_curve,
            issuer_point,
            &self.body_encoding,
            &self.signature,
        )
    }
}
