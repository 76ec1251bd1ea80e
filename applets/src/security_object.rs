//! The card's own check of a zone security object sent by the registry
//! office (docs/spec/security-object.md, docs/spec/eac.md §Registry-office
//! updates): a strict DER walk of exactly the CMS SignedData that
//! `pki::sign_security_object` produces, the ECDSA P-384 / SHA-384
//! signature over the signed attributes checked with the management-system
//! key, and the messageDigest against the eContent. What comes out is the
//! list of field hashes of the LDSSecurityObject.
//!
//! ```text
//! 77 L ContentInfo {                                  ICAO 9303-10 §4.6.2
//!   id-signedData, [0] SignedData {                   RFC 5652 §5.1
//!     version 3, digestAlgorithms SET,
//!     encapContentInfo { id-ldsSecurityObject, [0] OCTET STRING eContent },
//!     [0] certificates (skipped: the card trusts its management key),
//!     signerInfos SET { SignerInfo {                  RFC 5652 §5.3
//!       version, sid, digestAlgorithm sha384,
//!       [0] signedAttrs { contentType, messageDigest },
//!       ecdsa-with-SHA384, OCTET STRING Ecdsa-Sig-Value } } } }
//! ```
//!
//! Not the verifier of `pki`: no certificate chain, no validity dates (the
//! chip has no clock beyond its CV date), one signer algorithm. Lengths are
//! DER: definite, minimal, at most three length bytes.

use alloc::vec::Vec;

use card_os::protocol::StandardizedDomainParameters;
use card_os::protocol::cvc;
use sha2::{Digest, Sha256, Sha384};

/// EF.SOD's own tag `[APPLICATION 23]` (ICAO 9303-10 §4.6.2, Table 36).
pub const TAG_SECURITY_OBJECT: u8 = 0x77;

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_NULL: u8 = 0x05;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
/// `[0]` constructed: ContentInfo content, eContent, certificates, signedAttrs.
const TAG_CONTEXT_0: u8 = 0xA0;
/// `[1]` constructed: crls of SignedData.
const TAG_CONTEXT_1: u8 = 0xA1;

/// Object identifiers, DER content octets.
/// id-signedData 1.2.840.113549.1.7.2 (RFC 5652 §5.1).
const OID_SIGNED_DATA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
/// id-icao-mrtd-security-ldsSecurityObject 2.23.136.1.1.1 (ICAO 9303-10 §4.6.2.1).
const OID_LDS_SECURITY_OBJECT: &[u8] = &[0x67, 0x81, 0x08, 0x01, 0x01, 0x01];
/// id-contentType 1.2.840.113549.1.9.3, id-messageDigest 1.2.840.113549.1.9.4 (RFC 5652 §11).
const OID_CONTENT_TYPE: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x03];
const OID_MESSAGE_DIGEST: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04];
/// id-sha256 2.16.840.1.101.3.4.2.1, id-sha384 2.16.840.1.101.3.4.2.2 (RFC 5754 §2).
const OID_SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
const OID_SHA384: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02];
/// ecdsa-with-SHA384 1.2.840.10045.4.3.3 (RFC 5758 §3.2).
const OID_ECDSA_WITH_SHA384: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x03];

/// SignedData version 3: eContentType is not id-data (RFC 5652 §5.1).
const SIGNED_DATA_VERSION: u8 = 3;
/// LDSSecurityObject v0 (ICAO 9303-10 §4.6.2.2).
const LDS_VERSION: u8 = 0;
/// Field numbers ("data groups") 1..=16 (ICAO 9303-10 §4.6.2.2 DataGroupNumber).
const FIELD_NUMBERS: core::ops::RangeInclusive<u8> = 1..=16;
/// The management key is a P-384 point (docs/spec/eac.md §Personalization).
const MANAGEMENT_CURVE: StandardizedDomainParameters = StandardizedDomainParameters::NistP384;
/// Longest DER length field accepted: `83 xx xx xx`.
const MAX_LENGTH_BYTES: usize = 3;
const LENGTH_SHORT_MAX: usize = 0x7F;
const LENGTH_LONG_FORM: u8 = 0x80;

/// Why a security object is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecurityObjectError {
    /// Not the DER structure above: `what` names the element.
    Malformed { what: &'static str },
    /// An algorithm other than SHA-384 / ecdsa-with-SHA384 for the CMS, or
    /// SHA-256 / SHA-384 for the field hashes.
    UnsupportedAlgorithm { what: &'static str },
    /// The management key does not verify the signature over the signed attributes.
    BadSignature,
    /// messageDigest ≠ SHA-384(eContent).
    DigestMismatch,
}

impl core::fmt::Display for SecurityObjectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SecurityObjectError::Malformed { what } => write!(f, "security object: {what} is malformed"),
            SecurityObjectError::UnsupportedAlgorithm { what } => write!(f, "security object: {what} is not supported"),
            SecurityObjectError::BadSignature => f.write_str("security object: the management key does not verify the signature"),
            SecurityObjectError::DigestMismatch => f.write_str("security object: messageDigest is not the hash of eContent"),
        }
    }
}

fn malformed(what: &'static str) -> SecurityObjectError {
    SecurityObjectError::Malformed { what }
}

/// The hash algorithm of the field hashes (LDSSecurityObject hashAlgorithm).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldHash {
    Sha256,
    Sha384,
}

impl FieldHash {
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            FieldHash::Sha256 => Sha256::digest(data).to_vec(),
            FieldHash::Sha384 => Sha384::digest(data).to_vec(),
        }
    }

    fn output_len(self) -> usize {
        match self {
            FieldHash::Sha256 => 32,
            FieldHash::Sha384 => 48,
        }
    }
}

/// The field hashes a verified security object lists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedFieldHashes {
    pub algorithm: FieldHash,
    /// (field number, hash of the whole field EF content), ascending.
    pub entries: Vec<(u8, Vec<u8>)>,
}

impl SignedFieldHashes {
    /// The signed hash of field `n`, if the object covers it.
    pub fn hash_of(&self, n: u8) -> Option<&[u8]> {
        self.entries.iter().find(|(number, _)| *number == n).map(|(_, hash)| hash.as_slice())
    }

    /// Whether `content` is what the object signed for field `n`.
    pub fn matches(&self, n: u8, content: &[u8]) -> bool {
        self.hash_of(n).is_some_and(|hash| hash == self.algorithm.digest(content).as_slice())
    }
}

/// One DER element borrowed from its input, with its full encoding.
#[derive(Clone, Copy, Debug)]
struct Element<'a> {
    tag: u8,
    value: &'a [u8],
    /// Tag, length and value as they appeared.
    encoding: &'a [u8],
}

/// The first element of `input` and the rest: one-byte tags, minimal
/// definite lengths (X.690 §10.1).
fn element<'a>(input: &'a [u8], what: &'static str) -> Result<(Element<'a>, &'a [u8]), SecurityObjectError> {
    let (&tag, rest) = input.split_first().ok_or(malformed(what))?;
    let (&first, rest) = rest.split_first().ok_or(malformed(what))?;
    let (len, rest) = if usize::from(first) <= LENGTH_SHORT_MAX {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & !LENGTH_LONG_FORM);
        if count == 0 || count > MAX_LENGTH_BYTES || rest.len() < count {
            return Err(malformed(what));
        }
        let (bytes, rest) = rest.split_at(count);
        let len = bytes.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        // DER: the long form only above 127, and without leading zero bytes.
        if len <= LENGTH_SHORT_MAX || bytes.first() == Some(&0) {
            return Err(malformed(what));
        }
        (len, rest)
    };
    if rest.len() < len {
        return Err(malformed(what));
    }
    let (value, rest) = rest.split_at(len);
    let header = input.len() - rest.len() - len;
    let encoding = input.get(..header + len).ok_or(malformed(what))?;
    Ok((Element { tag, value, encoding }, rest))
}

/// Exactly one element with `tag` filling `input`.
fn single<'a>(input: &'a [u8], tag: u8, what: &'static str) -> Result<Element<'a>, SecurityObjectError> {
    let (e, rest) = element(input, what)?;
    if e.tag != tag || !rest.is_empty() {
        return Err(malformed(what));
    }
    Ok(e)
}

/// Reads the fields of a constructed value in order.
struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    fn of(value: &'a [u8]) -> Fields<'a> {
        Fields { rest: value }
    }

    fn next(&mut self, tag: u8, what: &'static str) -> Result<Element<'a>, SecurityObjectError> {
        let (e, rest) = element(self.rest, what)?;
        if e.tag != tag {
            return Err(malformed(what));
        }
        self.rest = rest;
        Ok(e)
    }

    /// The next field when it has `tag`, else nothing consumed.
    fn optional(&mut self, tag: u8, what: &'static str) -> Result<Option<Element<'a>>, SecurityObjectError> {
        if self.rest.first() == Some(&tag) { self.next(tag, what).map(Some) } else { Ok(None) }
    }

    fn end(&self, what: &'static str) -> Result<(), SecurityObjectError> {
        if self.rest.is_empty() { Ok(()) } else { Err(malformed(what)) }
    }
}

/// A small non-negative INTEGER (one content byte).
fn small_integer(e: &Element<'_>, what: &'static str) -> Result<u8, SecurityObjectError> {
    match e.value {
        [n] if *n <= 0x7F => Ok(*n),
        _ => Err(malformed(what)),
    }
}

/// AlgorithmIdentifier { OID, parameters absent or NULL } → the OID content.
fn algorithm<'a>(e: &Element<'a>, what: &'static str) -> Result<&'a [u8], SecurityObjectError> {
    let mut fields = Fields::of(e.value);
    let oid = fields.next(TAG_OID, what)?;
    if let Some(null) = fields.optional(TAG_NULL, what)?
        && !null.value.is_empty()
    {
        return Err(malformed(what));
    }
    fields.end(what)?;
    Ok(oid.value)
}

/// Ecdsa-Sig-Value `SEQUENCE { r INTEGER, s INTEGER }` → plain `r ‖ s`
/// (TR-03111 §5.2.1), each left-padded to the field size.
fn plain_signature(der: &[u8]) -> Result<Vec<u8>, SecurityObjectError> {
    const WHAT: &str = "SignerInfo signature (Ecdsa-Sig-Value)";
    let size = MANAGEMENT_CURVE.field_size();
    let sequence = single(der, TAG_SEQUENCE, WHAT)?;
    let mut fields = Fields::of(sequence.value);
    let mut plain = Vec::with_capacity(2 * size);
    for _ in 0..2 {
        let integer = fields.next(TAG_INTEGER, WHAT)?;
        let magnitude = match integer.value {
            [0x00, rest @ ..] if !rest.is_empty() => rest,
            value => value,
        };
        if magnitude.is_empty() || magnitude.len() > size {
            return Err(SecurityObjectError::BadSignature);
        }
        plain.resize(plain.len() + size - magnitude.len(), 0);
        plain.extend_from_slice(magnitude);
    }
    fields.end(WHAT)?;
    Ok(plain)
}

/// The signed attributes: contentType (= id-ldsSecurityObject) and
/// messageDigest, each exactly once with one value (RFC 5652 §5.3, §11).
/// Returns the messageDigest octets.
fn signed_attributes(value: &[u8]) -> Result<&[u8], SecurityObjectError> {
    const WHAT: &str = "signedAttrs";
    let mut fields = Fields::of(value);
    let (mut content_type, mut digest) = (None, None);
    while !fields.rest.is_empty() {
        let attribute = fields.next(TAG_SEQUENCE, WHAT)?;
        let mut parts = Fields::of(attribute.value);
        let oid = parts.next(TAG_OID, WHAT)?;
        let values = parts.next(TAG_SET, WHAT)?;
        parts.end(WHAT)?;
        let (only, rest) = element(values.value, WHAT)?;
        if !rest.is_empty() {
            return Err(malformed("signedAttrs: an attribute with more than one value"));
        }
        let slot = match oid.value {
            OID_CONTENT_TYPE if only.tag == TAG_OID => &mut content_type,
            OID_MESSAGE_DIGEST if only.tag == TAG_OCTET_STRING => &mut digest,
            OID_CONTENT_TYPE | OID_MESSAGE_DIGEST => return Err(malformed(WHAT)),
            _ => continue,
        };
        if slot.replace(only.value).is_some() {
            return Err(malformed("signedAttrs: an attribute twice"));
        }
    }
    if content_type != Some(OID_LDS_SECURITY_OBJECT) {
        return Err(malformed("signedAttrs contentType"));
    }
    digest.ok_or(malformed("signedAttrs messageDigest"))
}

/// LDSSecurityObject { version 0, hashAlgorithm, dataGroupHashValues }.
fn lds_security_object(econtent: &[u8]) -> Result<SignedFieldHashes, SecurityObjectError> {
    const WHAT: &str = "LDSSecurityObject";
    let lds = single(econtent, TAG_SEQUENCE, WHAT)?;
    let mut fields = Fields::of(lds.value);
    if small_integer(&fields.next(TAG_INTEGER, WHAT)?, WHAT)? != LDS_VERSION {
        return Err(malformed("LDSSecurityObject version"));
    }
    let algorithm = match algorithm(&fields.next(TAG_SEQUENCE, WHAT)?, WHAT)? {
        OID_SHA256 => FieldHash::Sha256,
        OID_SHA384 => FieldHash::Sha384,
        _ => return Err(SecurityObjectError::UnsupportedAlgorithm { what: "LDSSecurityObject hashAlgorithm" }),
    };
    let values = fields.next(TAG_SEQUENCE, WHAT)?;
    fields.end(WHAT)?;
    let mut entries: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut list = Fields::of(values.value);
    while !list.rest.is_empty() {
        let pair = list.next(TAG_SEQUENCE, "DataGroupHash")?;
        let mut parts = Fields::of(pair.value);
        let n = small_integer(&parts.next(TAG_INTEGER, "dataGroupNumber")?, "dataGroupNumber")?;
        let hash = parts.next(TAG_OCTET_STRING, "dataGroupHashValue")?;
        parts.end("DataGroupHash")?;
        if !FIELD_NUMBERS.contains(&n) || entries.iter().any(|(m, _)| *m == n) {
            return Err(malformed("dataGroupNumber (1..16, distinct)"));
        }
        if hash.value.len() != algorithm.output_len() {
            return Err(malformed("dataGroupHashValue length"));
        }
        entries.push((n, hash.value.to_vec()));
    }
    // SIZE (2..ub-DataGroups) (ICAO 9303-10 §4.6.2.2).
    if entries.len() < 2 {
        return Err(malformed("dataGroupHashValues (at least two)"));
    }
    entries.sort_by_key(|(n, _)| *n);
    Ok(SignedFieldHashes { algorithm, entries })
}

/// Verify `security_object` (`77 L ContentInfo`, as EF.SOD holds it) with
/// the management-system key (uncompressed P-384 point) and return the
/// field hashes it signs. Checks in order: structure, signature over
/// DER(signedAttrs) with the `SET OF` tag (RFC 5652 §5.4), messageDigest =
/// SHA-384(eContent), then the LDSSecurityObject.
pub fn verify(security_object: &[u8], management_key: &[u8]) -> Result<SignedFieldHashes, SecurityObjectError> {
    let wrapper = single(security_object, TAG_SECURITY_OBJECT, "EF.SOD wrapper 77")?;
    let content_info = single(wrapper.value, TAG_SEQUENCE, "ContentInfo")?;
    let mut fields = Fields::of(content_info.value);
    if fields.next(TAG_OID, "ContentInfo contentType")?.value != OID_SIGNED_DATA {
        return Err(malformed("ContentInfo contentType (id-signedData)"));
    }
    let explicit = fields.next(TAG_CONTEXT_0, "ContentInfo content")?;
    fields.end("ContentInfo")?;
    let signed_data = single(explicit.value, TAG_SEQUENCE, "SignedData")?;

    let mut fields = Fields::of(signed_data.value);
    if small_integer(&fields.next(TAG_INTEGER, "SignedData version")?, "SignedData version")? != SIGNED_DATA_VERSION {
        return Err(malformed("SignedData version (3)"));
    }
    fields.next(TAG_SET, "SignedData digestAlgorithms")?;
    let encap = fields.next(TAG_SEQUENCE, "encapContentInfo")?;
    fields.optional(TAG_CONTEXT_0, "SignedData certificates")?;
    fields.optional(TAG_CONTEXT_1, "SignedData crls")?;
    let signer_infos = fields.next(TAG_SET, "SignedData signerInfos")?;
    fields.end("SignedData")?;

    let mut encap_fields = Fields::of(encap.value);
    if encap_fields.next(TAG_OID, "eContentType")?.value != OID_LDS_SECURITY_OBJECT {
        return Err(malformed("eContentType (id-icao-mrtd-security-ldsSecurityObject)"));
    }
    let econtent_explicit = encap_fields.next(TAG_CONTEXT_0, "eContent")?;
    encap_fields.end("encapContentInfo")?;
    let econtent = single(econtent_explicit.value, TAG_OCTET_STRING, "eContent")?.value;

    // Exactly one SignerInfo.
    let signer_info = single(signer_infos.value, TAG_SEQUENCE, "signerInfos (exactly one SignerInfo)")?;
    let mut fields = Fields::of(signer_info.value);
    fields.next(TAG_INTEGER, "SignerInfo version")?;
    // sid: issuerAndSerialNumber (SEQUENCE) or [0] subjectKeyIdentifier; not used.
    let (_, rest) = element(fields.rest, "SignerInfo sid")?;
    fields.rest = rest;
    if algorithm(&fields.next(TAG_SEQUENCE, "SignerInfo digestAlgorithm")?, "SignerInfo digestAlgorithm")? != OID_SHA384
    {
        return Err(SecurityObjectError::UnsupportedAlgorithm { what: "SignerInfo digestAlgorithm (SHA-384)" });
    }
    let signed_attrs = fields.next(TAG_CONTEXT_0, "SignerInfo signedAttrs")?;
    if algorithm(&fields.next(TAG_SEQUENCE, "SignerInfo signatureAlgorithm")?, "SignerInfo signatureAlgorithm")?
        != OID_ECDSA_WITH_SHA384
    {
        return Err(SecurityObjectError::UnsupportedAlgorithm { what: "signatureAlgorithm (ecdsa-with-SHA384)" });
    }
    let signature = fields.next(TAG_OCTET_STRING, "SignerInfo signature")?;
    fields.end("SignerInfo (no unsignedAttrs)")?;

    let message_digest = signed_attributes(signed_attrs.value)?;
    // RFC 5652 §5.4: the signature covers the attributes with the SET OF tag.
    let mut to_sign = signed_attrs.encoding.to_vec();
    if let Some(tag) = to_sign.first_mut() {
        *tag = TAG_SET;
    }
    let plain = plain_signature(signature.value)?;
    cvc::verify(MANAGEMENT_CURVE, management_key, &to_sign, &plain).map_err(|_| SecurityObjectError::BadSignature)?;
    if Sha384::digest(econtent).as_slice() != message_digest {
        return Err(SecurityObjectError::DigestMismatch);
    }
    lds_security_object(econtent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_are_minimal_and_definite() {
        assert!(element(&[0x04, 0x01, 0xAA], "x").is_ok());
        // 81 05: long form for a short length.
        assert!(element(&[0x04, 0x81, 0x05, 0, 0, 0, 0, 0], "x").is_err());
        // 82 00 90: leading zero length byte.
        let mut long = alloc::vec![0x04, 0x82, 0x00, 0x90];
        long.extend(core::iter::repeat_n(0u8, 0x90));
        assert!(element(&long, "x").is_err());
        // Indefinite length.
        assert!(element(&[0x30, 0x80, 0x00, 0x00], "x").is_err());
        // Truncated.
        assert!(element(&[0x04, 0x03, 0xAA], "x").is_err());
    }

    #[test]
    fn signature_integers_become_plain_r_s() {
        // r = 1, s = 00 80 (positive 128).
        let der = [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80];
        let plain = plain_signature(&der).unwrap();
        assert_eq!(plain.len(), 96);
        assert_eq!(plain[47], 1);
        assert_eq!(plain[95], 0x80);
        assert!(plain[..47].iter().all(|b| *b == 0));
    }
}
