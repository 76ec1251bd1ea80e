//! Why a CV certificate is refused: one variant per rule, each naming the
//! data object and the clause it breaks (TR-03110-3 C.1, D.2).

use core::fmt;

use crate::protocol::oid::OidError;
use crate::protocol::tlv::TlvError;

use super::chat::CertificateRole;
use super::date::DateError;

/// The data objects of a CV certificate (TR-03110-3 Table C.1, D.3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Certificate,
    Body,
    ProfileIdentifier,
    AuthorityReference,
    PublicKey,
    KeyAlgorithm,
    Prime,
    CoefficientA,
    CoefficientB,
    BasePoint,
    Order,
    PublicPoint,
    Cofactor,
    HolderReference,
    Chat,
    ChatRole,
    ChatRights,
    EffectiveDate,
    ExpirationDate,
    Extensions,
    Signature,
}

impl Field {
    /// Name and tag, as TR-03110-3 Table C.1 lists them.
    pub fn name(self) -> &'static str {
        match self {
            Field::Certificate => "CV certificate (7F21)",
            Field::Body => "certificate body (7F4E)",
            Field::ProfileIdentifier => "certificate profile identifier (5F29)",
            Field::AuthorityReference => "certification authority reference (42)",
            Field::PublicKey => "public key (7F49)",
            Field::KeyAlgorithm => "public key object identifier (06)",
            Field::Prime => "prime modulus p (81)",
            Field::CoefficientA => "first coefficient a (82)",
            Field::CoefficientB => "second coefficient b (83)",
            Field::BasePoint => "base point G (84)",
            Field::Order => "order of the base point r (85)",
            Field::PublicPoint => "public point Y (86)",
            Field::Cofactor => "cofactor f (87)",
            Field::HolderReference => "certificate holder reference (5F20)",
            Field::Chat => "certificate holder authorization template (7F4C)",
            Field::ChatRole => "CHAT terminal type object identifier (06)",
            Field::ChatRights => "CHAT discretionary data (53)",
            Field::EffectiveDate => "certificate effective date (5F25)",
            Field::ExpirationDate => "certificate expiration date (5F24)",
            Field::Extensions => "certificate extensions (65)",
            Field::Signature => "signature (5F37)",
        }
    }
}

/// A CV certificate is malformed, unsupported, or not acceptable to the chip.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CvcError {
    /// The data object is not well-formed BER-TLV.
    Tlv { field: Field, error: TlvError },
    /// The template ended where this data object is required.
    Missing { field: Field },
    /// Another tag stands where this data object is required (order is fixed).
    UnexpectedTag { field: Field, found: u16 },
    /// The length field is not in its shortest form (DER, TR-03110-3 D.2).
    NonMinimalLength { field: Field },
    /// Bytes follow the last data object of this template.
    TrailingBytes { field: Field },
    /// The certificate profile identifier is not `00` (TR-03110-3 C.1.1).
    ProfileIdentifier,
    /// CAR/CHR length outside 8..=16 characters (TR-03110-3 A.6.1).
    ReferenceLength { field: Field, len: usize },
    /// CAR/CHR: country code not two letters A-Z, sequence number not 5
    /// alphanumerics, or a character outside printable ASCII (TR-03110-3 A.6.1).
    ReferenceCharacters { field: Field },
    /// An object identifier does not decode.
    Oid { field: Field, error: OidError },
    /// Key algorithm other than id-TA-ECDSA-SHA-256 / -SHA-384.
    UnsupportedAlgorithm,
    /// Domain parameters that are none of brainpoolP256r1, brainpoolP384r1,
    /// NIST P-256, NIST P-384.
    UnsupportedDomainParameters,
    /// Some but not all of 81..87 are present.
    IncompleteDomainParameters,
    /// A CVCA certificate without domain parameters (TR-03110-3 D.3.3).
    MissingDomainParameters,
    /// A DV or terminal certificate carrying domain parameters (TR-03110-3 C.1.4).
    UnexpectedDomainParameters,
    /// SHA-256 with a 384-bit curve or SHA-384 with a 256-bit curve.
    AlgorithmCurveMismatch,
    /// The public point is not an uncompressed point on the curve.
    InvalidPublicKey,
    /// CHAT role object identifier other than id-AT (this chip knows only
    /// Authentication Terminals, TR-03110-3 C.4.2).
    UnsupportedTerminalType,
    /// CHAT discretionary data not 5 bytes (TR-03110-3 C.4.2).
    ChatLength { len: usize },
    /// A date is not 6 unpacked BCD digits of a calendar day (TR-03110-3 D.2.1.3).
    Date { field: Field, error: DateError },
    /// Expiration date before the effective date.
    ValidityInverted,
    /// Signature is not r‖s of the issuer's field size (TR-03110-3 D.2.1.1).
    SignatureLength { len: usize },
    /// The private key is not 0 < k < n of the curve.
    InvalidPrivateKey,
    /// The signature does not verify under the issuer's public key.
    BadSignature,
    /// CAR is not the CHR of the trust point / issuer (TR-03110-3 2.5).
    UnknownAuthority,
    /// The certificate's role may not be issued by this issuer
    /// (CVCA → CVCA (link) | DV; DV → terminal; TR-03110-3 2.5).
    RoleOrder {
        issuer: CertificateRole,
        subject: CertificateRole,
    },
    /// Expiration date before the card's current date (TR-03110-3 2.5).
    Expired,
    /// Effective date after the card's current date on a certificate that
    /// cannot advance it (foreign DV chain; docs/spec/cv-certificates.md).
    NotYetEffective,
    /// A trust point must be a CVCA certificate with domain parameters.
    NotCvca,
}

impl fmt::Display for CvcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CvcError::Tlv { field, error } => write!(f, "{}: {error}", field.name()),
            CvcError::Missing { field } => write!(f, "{} is missing (TR-03110-3 C.1)", field.name()),
            CvcError::UnexpectedTag { field, found } => write!(
                f,
                "expected {} but found tag {found:02X}: data objects must appear in the order of TR-03110-3 C.1",
                field.name()
            ),
            CvcError::NonMinimalLength { field } => {
                write!(f, "{}: length not in its shortest form (TR-03110-3 D.2)", field.name())
            }
            CvcError::TrailingBytes { field } => {
                write!(f, "{}: bytes follow its last data object", field.name())
            }
            CvcError::ProfileIdentifier => {
                f.write_str("certificate profile identifier (5F29) must be 00 (TR-03110-3 C.1.1)")
            }
            CvcError::ReferenceLength { field, len } => write!(
                f,
                "{} is {len} characters; TR-03110-3 A.6.1 allows 8 to 16",
                field.name()
            ),
            CvcError::ReferenceCharacters { field } => write!(
                f,
                "{} must be a 2-letter country code, a printable mnemonic and a 5-character alphanumeric sequence number (TR-03110-3 A.6.1)",
                field.name()
            ),
            CvcError::Oid { field, error } => write!(f, "{}: {error}", field.name()),
            CvcError::UnsupportedAlgorithm => f.write_str(
                "public key object identifier (06) must be id-TA-ECDSA-SHA-256 or id-TA-ECDSA-SHA-384",
            ),
            CvcError::UnsupportedDomainParameters => f.write_str(
                "domain parameters (81..87) are not brainpoolP256r1, brainpoolP384r1, NIST P-256 or NIST P-384",
            ),
            CvcError::IncompleteDomainParameters => {
                f.write_str("domain parameters must be all of 81..87 or none (TR-03110-3 D.3.3)")
            }
            CvcError::MissingDomainParameters => {
                f.write_str("a CVCA certificate must carry its domain parameters 81..87 (TR-03110-3 D.3.3)")
            }
            CvcError::UnexpectedDomainParameters => f.write_str(
                "a DV or terminal certificate carries only 06 and 86 in its public key; domain parameters come from the CVCA",
            ),
            CvcError::AlgorithmCurveMismatch => f.write_str(
                "id-TA-ECDSA-SHA-256 goes with 256-bit curves and id-TA-ECDSA-SHA-384 with 384-bit curves",
            ),
            CvcError::InvalidPublicKey => {
                f.write_str("public point (86) is not an uncompressed point on the curve")
            }
            CvcError::UnsupportedTerminalType => f.write_str(
                "CHAT terminal type (06) must be id-AT 0.4.0.127.0.7.3.1.2.2 (TR-03110-3 C.4.2)",
            ),
            CvcError::ChatLength { len } => write!(
                f,
                "CHAT discretionary data (53) is {len} bytes; the Authentication Terminal template has 5 (TR-03110-3 C.4.2)"
            ),
            CvcError::Date { field, error } => write!(f, "{}: {error}", field.name()),
            CvcError::ValidityInverted => {
                f.write_str("expiration date (5F24) is before the effective date (5F25)")
            }
            CvcError::SignatureLength { len } => write!(
                f,
                "signature (5F37) is {len} bytes; ECDSA r‖s is twice the issuer's field size (TR-03110-3 D.2.1.1)"
            ),
            CvcError::InvalidPrivateKey => f.write_str("private key is not 0 < k < n of the curve"),
            CvcError::BadSignature => {
                f.write_str("signature (5F37) does not verify under the issuer's public key")
            }
            CvcError::UnknownAuthority => f.write_str(
                "certification authority reference (42) is not the holder reference of the trust point",
            ),
            CvcError::RoleOrder { issuer, subject } => write!(
                f,
                "a {} certificate may not be issued by a {} (CVCA → CVCA link or DV → terminal, TR-03110-3 2.5)",
                subject.name(),
                issuer.name()
            ),
            CvcError::Expired => {
                f.write_str("certificate expired: expiration date (5F24) is before the card's current date")
            }
            CvcError::NotYetEffective => f.write_str(
                "certificate not yet effective and from a foreign chain, which cannot advance the card's date",
            ),
            CvcError::NotCvca => {
                f.write_str("a trust point must be a CVCA certificate carrying its domain parameters")
            }
        }
    }
}

impl core::error::Error for CvcError {}
