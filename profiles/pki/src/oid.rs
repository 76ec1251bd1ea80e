//! Object identifiers used by the test PKI and the security object, named once.
//!
//! `new_unwrap` runs at compile time on these constants only: a typo here is
//! a build error, never a runtime panic.

use der::asn1::ObjectIdentifier;

/// id-sha256, RFC 5754 §2.2 (NIST FIPS 180-4).
pub const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384, RFC 5754 §2.3.
pub const ID_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.2");

/// ecdsa-with-SHA256, RFC 5758 §3.2.
pub const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
/// ecdsa-with-SHA384, RFC 5758 §3.2.
pub const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");

/// id-ecPublicKey, RFC 5480 §2.1.1.
pub const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// secp384r1 (NIST P-384), RFC 5480 §2.1.1.1.
pub const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");

/// id-signedData, RFC 5652 §5.1.
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// id-contentType signed attribute, RFC 5652 §11.1.
pub const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest signed attribute, RFC 5652 §11.2.
pub const ID_MESSAGE_DIGEST: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");

/// id-icao-mrtd-security-ldsSecurityObject, ICAO 9303-10 §4.6.2.2.
pub const ID_LDS_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.23.136.1.1.1");
