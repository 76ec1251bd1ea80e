//! Zone security objects in the form of ICAO 9303-10 §4.6.2 EF.SOD: a CMS
//! SignedData (RFC 5652 §5) over an LDSSecurityObject holding one hash per
//! zone field ("data group" n = the zone's field EF number n).
//!
//! Encoding (docs/spec/security-object.md):
//!
//! ```text
//! 77 L                                   -- [APPLICATION 23], as EF.SOD
//!    ContentInfo { id-signedData, [0] SignedData {
//!       version 3,
//!       digestAlgorithms { sha384 },
//!       encapContentInfo { id-icao-mrtd-security-ldsSecurityObject,
//!                          [0] OCTET STRING (LDSSecurityObject DER) },
//!       certificates [0] { DS certificate },
//!       signerInfos { SignerInfo {
//!          version 1, sid issuerAndSerialNumber, digestAlgorithm sha384,
//!          signedAttrs [0] { contentType, messageDigest },
//!          signatureAlgorithm ecdsa-with-SHA384,
//!          signature OCTET STRING (DER Ecdsa-Sig-Value) } } } }
//! ```

use std::collections::BTreeMap;

use cms::cert::CertificateChoices;
use cms::cert::IssuerAndSerialNumber;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{Application, ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, DateTime, Decode, Encode, Header, Reader, SliceReader, Tag, TagMode, TagNumber};
use ecdsa::signature::Signer as _;
use p384::ecdsa::{DerSignature, Signature};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::{KeyUsages, SubjectKeyIdentifier};

use crate::cert;
use crate::signature::{self, SignatureCheck};
use crate::hash::HashAlgorithm;
use crate::error::build_error;
use crate::init::DocumentSigner;
use crate::lds::{self, DataGroupHash, LdsSecurityObject};
use crate::{FieldMismatch, PkiError, oid};

/// EF.SOD is wrapped in `[APPLICATION 23]`, tag byte `77`
/// (ICAO 9303-10 §4.6.2, Table 36).
pub const SOD_TAG: u8 = 0x77;
/// Tag number of `SOD_TAG` in the application class.
const SOD_TAG_NUMBER: TagNumber = TagNumber(23);

/// SignedData version 3: eContentType is not id-data (RFC 5652 §5.1,
/// ICAO 9303-10 §4.6.2.1).
const SIGNED_DATA_VERSION: CmsVersion = CmsVersion::V3;
/// SignerInfo version 1 with issuerAndSerialNumber, 3 with
/// subjectKeyIdentifier (RFC 5652 §5.3).
const SIGNER_INFO_VERSION_ISSUER_SERIAL: CmsVersion = CmsVersion::V1;
const SIGNER_INFO_VERSION_SKI: CmsVersion = CmsVersion::V3;

/// The document signer's CMS digest and signature: SHA-384 and
/// ecdsa-with-SHA384 over P-384 (ICAO 9303-12 §5.2 and RFC 5758 §3.2).
const SIGNER_DIGEST: HashAlgorithm = HashAlgorithm::Sha384;

/// Sign a zone security object and return it as EF.SOD stores it:
/// `77 L ContentInfo` (use [`content_info_of`] for the bare ContentInfo,
/// e.g. for `openssl cms`).
///
/// `fields` are (field EF number, EF content) pairs; the content is hashed
/// here with `hash_alg`. Field numbers must be 1..=16, distinct, and at
/// least two (ICAO 9303-10 §4.6.2.2 `SIZE (2..ub-DataGroups)`). They are
/// written in ascending order.
pub fn sign_security_object(
    hash_alg: HashAlgorithm,
    fields: &[(u8, &[u8])],
    ds: &DocumentSigner,
) -> Result<Vec<u8>, PkiError> {
    let content_info = sign_content_info(hash_alg, fields, ds)?;
    Application {
        tag_number: SOD_TAG_NUMBER,
        tag_mode: TagMode::Explicit,
        value: content_info,
    }
    .to_der()
    .map_err(|e| build_error("EF.SOD wrapper", e))
}

fn sign_content_info(
    hash_alg: HashAlgorithm,
    fields: &[(u8, &[u8])],
    ds: &DocumentSigner,
) -> Result<ContentInfo, PkiError> {
    lds::check_field_numbers(fields.iter().map(|(n, _)| *n))
        .map_err(|reason| PkiError::InvalidFields { reason })?;
    let mut sorted: Vec<&(u8, &[u8])> = fields.iter().collect();
    sorted.sort_by_key(|(n, _)| *n);

    let mut hashes = Vec::with_capacity(sorted.len());
    for (number, content) in sorted {
        hashes.push(DataGroupHash {
            data_group_number: *number,
            data_group_hash_value: OctetString::new(hash_alg.digest(content))
                .map_err(|e| build_error("dataGroupHashValue", e))?,
        });
    }
    let lds_object = LdsSecurityObject {
        version: lds::LDS_SECURITY_OBJECT_V0,
        hash_algorithm: hash_alg.algorithm_identifier(),
        data_group_hash_values: hashes,
    };
    let econtent = lds_object
        .to_der()
        .map_err(|e| build_error("LDSSecurityObject", e))?;

    // Signed attributes: contentType and messageDigest are the two ICAO
    // 9303-10 §4.6.2.1 requires (RFC 5652 §5.3 requires them whenever
    // signedAttrs is present).
    let content_type = attribute(
        oid::ID_CONTENT_TYPE,
        Any::encode_from(&oid::ID_LDS_SECURITY_OBJECT),
    )?;
    let digest = OctetString::new(SIGNER_DIGEST.digest(&econtent))
        .map_err(|e| build_error("messageDigest", e))?;
    let message_digest = attribute(oid::ID_MESSAGE_DIGEST, Any::encode_from(&digest))?;
    let signed_attrs = SetOfVec::try_from(vec![content_type, message_digest])
        .map_err(|e| build_error("signedAttrs", e))?;

    // RFC 5652 §5.4: the signature covers the DER of signedAttrs with the
    // universal SET OF tag (31), not the [0] IMPLICIT tag it is sent with.
    let to_sign = signed_attrs
        .to_der()
        .map_err(|e| build_error("signedAttrs", e))?;
    let signature: Signature = ds.key().sign(&to_sign);
    let signature_der: DerSignature = signature.to_der();

    let tbs = ds.certificate().tbs_certificate();
    let signer_info = SignerInfo {
        version: SIGNER_INFO_VERSION_ISSUER_SERIAL,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: SIGNER_DIGEST.algorithm_identifier(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: oid::ECDSA_WITH_SHA384,
            parameters: None,
        },
        signature: OctetString::new(signature_der.as_bytes())
            .map_err(|e| build_error("signature", e))?,
        unsigned_attrs: None,
    };

    let signed_data = SignedData {
        version: SIGNED_DATA_VERSION,
        digest_algorithms: SetOfVec::try_from(vec![SIGNER_DIGEST.algorithm_identifier()])
            .map_err(|e| build_error("digestAlgorithms", e))?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oid::ID_LDS_SECURITY_OBJECT,
            econtent: Some(
                Any::encode_from(
                    &OctetString::new(econtent).map_err(|e| build_error("eContent", e))?,
                )
                .map_err(|e| build_error("eContent", e))?,
            ),
        },
        certificates: Some(
            CertificateSet::try_from(vec![CertificateChoices::Certificate(
                ds.certificate().clone(),
            )])
            .map_err(|e| build_error("certificates", e))?,
        ),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info])
            .map_err(|e| build_error("signerInfos", e))?,
    };
    Ok(ContentInfo {
        content_type: oid::ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(|e| build_error("SignedData", e))?,
    })
}

fn attribute(oid: ObjectIdentifier, value: der::Result<Any>) -> Result<Attribute, PkiError> {
    let value = value.map_err(|e| build_error("signed attribute", e))?;
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(|e| build_error("signed attribute", e))?,
    })
}

/// The ContentInfo DER inside a security object: strips the EF.SOD
/// `77 L` wrapper when present, returns the input when it already starts
/// with the ContentInfo SEQUENCE. Checks the wrapper length exactly.
pub fn content_info_of(sod: &[u8]) -> Result<&[u8], PkiError> {
    if sod.first() != Some(&SOD_TAG) {
        return Ok(sod);
    }
    let malformed = |e: der::Error| PkiError::malformed(format!("EF.SOD tag 77 wrapper: {e}"));
    let mut reader = SliceReader::new(sod).map_err(malformed)?;
    let header = Header::decode(&mut reader).map_err(malformed)?;
    if header.tag()
        != (Tag::Application {
            constructed: true,
            number: SOD_TAG_NUMBER,
        })
    {
        return Err(PkiError::malformed(
            "EF.SOD must start with tag 77 ([APPLICATION 23])",
        ));
    }
    let inner = reader.read_slice(header.length()).map_err(malformed)?;
    reader
        .finish()
        .map_err(|_| PkiError::malformed("bytes after the EF.SOD tag 77 object"))?;
    Ok(inner)
}

/// A security object whose signature and certificate chain were verified.
#[derive(Debug, Clone)]
pub struct VerifiedSecurityObject {
    hash_algorithm: HashAlgorithm,
    field_hashes: BTreeMap<u8, Vec<u8>>,
    signer: Certificate,
    /// `None` when verified without a chain.
    anchor_subject: Option<String>,
}

impl VerifiedSecurityObject {
    /// Check one field's EF content against its signed hash.
    pub fn check_field(&self, field: u8, content: &[u8]) -> Result<(), FieldMismatch> {
        let signed = self
            .field_hashes
            .get(&field)
            .ok_or(FieldMismatch::NotCovered { field })?;
        if self.hash_algorithm.digest(content) != *signed {
            return Err(FieldMismatch::HashDiffers { field });
        }
        Ok(())
    }

    /// The LDSSecurityObject hashAlgorithm.
    pub fn hash_algorithm(&self) -> HashAlgorithm {
        self.hash_algorithm
    }

    /// Field number → signed hash.
    pub fn field_hashes(&self) -> &BTreeMap<u8, Vec<u8>> {
        &self.field_hashes
    }

    /// Subject of the document signer (RFC 4514 string).
    pub fn signer_subject(&self) -> String {
        cert::subject_of(&self.signer)
    }

    /// The document signer certificate carried in the security object.
    pub fn signer_certificate(&self) -> &Certificate {
        &self.signer
    }

    /// Subject of the trust anchor that issued the document signer (`None`
    /// when verified without a chain).
    pub fn anchor_subject(&self) -> Option<&str> {
        self.anchor_subject.as_deref()
    }
}

fn malformed_der(what: &'static str) -> impl Fn(der::Error) -> PkiError {
    move |e| PkiError::malformed(format!("{what}: {e}"))
}

/// Verify a security object (with or without the `77` wrapper):
///
/// 1. structure: ContentInfo id-signedData, SignedData v3, one SignerInfo,
///    eContentType id-icao-mrtd-security-ldsSecurityObject;
/// 2. the signer certificate is in `certificates` (else `UnknownSigner`);
/// 3. the SignerInfo signature over the signed attributes verifies with its
///    key (else `BadSignature`);
/// 4. messageDigest = hash of eContent (else `DigestMismatch`);
/// 5. a CA in `trust` issued the signer certificate (else `ChainBroken`);
/// 6. when `at` is given, signer and anchor are valid at that instant
///    (else `NotValidAt`); `None` skips the validity periods.
pub fn verify_security_object(
    sod: &[u8],
    trust: &[Certificate],
    at: Option<DateTime>,
) -> Result<VerifiedSecurityObject, PkiError> {
    verify(sod, Some(trust), at)
}

/// Steps 1–4 and 6 of [`verify_security_object`] without step 5: the
/// signature, the digest and the field hashes are checked against the
/// document signer certificate carried in the object itself, but nothing says
/// who issued it. For a reader given no trust anchors: it proves the fields
/// unaltered since signing, not that the signer is genuine.
pub fn verify_security_object_without_chain(
    sod: &[u8],
    at: Option<DateTime>,
) -> Result<VerifiedSecurityObject, PkiError> {
    verify(sod, None, at)
}

/// `trust = None`: the chain is not checked (no anchor).
fn verify(
    sod: &[u8],
    trust: Option<&[Certificate]>,
    at: Option<DateTime>,
) -> Result<VerifiedSecurityObject, PkiError> {
    let content_info =
        ContentInfo::from_der(content_info_of(sod)?).map_err(malformed_der("ContentInfo"))?;
    if content_info.content_type != oid::ID_SIGNED_DATA {
        return Err(PkiError::malformed(format!(
            "ContentInfo contentType is {}, not id-signedData {}",
            content_info.content_type,
            oid::ID_SIGNED_DATA
        )));
    }
    let signed_data: SignedData = content_info
        .content
        .decode_as()
        .map_err(malformed_der("SignedData"))?;
    if signed_data.version != SIGNED_DATA_VERSION {
        return Err(PkiError::malformed(
            "SignedData version must be 3 (ICAO 9303-10 §4.6.2.1)",
        ));
    }

    // 1. Encapsulated content.
    let encap = &signed_data.encap_content_info;
    if encap.econtent_type != oid::ID_LDS_SECURITY_OBJECT {
        return Err(PkiError::malformed(format!(
            "eContentType is {}, not id-icao-mrtd-security-ldsSecurityObject {}",
            encap.econtent_type,
            oid::ID_LDS_SECURITY_OBJECT
        )));
    }
    let econtent: OctetString = encap
        .econtent
        .as_ref()
        .ok_or_else(|| {
            PkiError::malformed("eContent is absent (a security object is never detached)")
        })?
        .decode_as()
        .map_err(malformed_der("eContent OCTET STRING"))?;

    let mut infos = signed_data.signer_infos.0.iter();
    let signer_info = match (infos.next(), infos.next()) {
        (Some(info), None) => info,
        _ => {
            return Err(PkiError::malformed(
                "signerInfos must hold exactly one SignerInfo (ICAO 9303-10 §4.6.2.1)",
            ));
        }
    };
    let expected_version = match signer_info.sid {
        SignerIdentifier::IssuerAndSerialNumber(_) => SIGNER_INFO_VERSION_ISSUER_SERIAL,
        SignerIdentifier::SubjectKeyIdentifier(_) => SIGNER_INFO_VERSION_SKI,
    };
    if signer_info.version != expected_version {
        return Err(PkiError::malformed(
            "SignerInfo version does not match its sid choice (RFC 5652 §5.3)",
        ));
    }
    let digest_alg = HashAlgorithm::from_algorithm_identifier(
        &signer_info.digest_alg,
        "SignerInfo digestAlgorithm",
    )?;
    if !signed_data
        .digest_algorithms
        .iter()
        .any(|a| a.oid == signer_info.digest_alg.oid)
    {
        return Err(PkiError::malformed(
            "SignedData digestAlgorithms does not list the SignerInfo digestAlgorithm (RFC 5652 §5.1)",
        ));
    }

    // 2. Signer certificate.
    let signer = find_signer(&signed_data, &signer_info.sid)?;

    // Signed attributes (RFC 5652 §11.1, §11.2).
    let signed_attrs = signer_info.signed_attrs.as_ref().ok_or_else(|| {
        PkiError::malformed("signedAttrs absent: ICAO 9303-10 §4.6.2.1 requires them")
    })?;
    let content_type: ObjectIdentifier =
        single_attribute(signed_attrs, oid::ID_CONTENT_TYPE, "contentType")?
            .decode_as()
            .map_err(malformed_der("contentType attribute"))?;
    if content_type != encap.econtent_type {
        return Err(PkiError::malformed(
            "contentType attribute differs from eContentType (RFC 5652 §11.1)",
        ));
    }
    let message_digest: OctetString =
        single_attribute(signed_attrs, oid::ID_MESSAGE_DIGEST, "messageDigest")?
            .decode_as()
            .map_err(malformed_der("messageDigest attribute"))?;

    // 3. Signature over DER(signedAttrs) with the SET OF tag (RFC 5652 §5.4).
    let signer_key = signature::public_key(signer.tbs_certificate().subject_public_key_info())?;
    if !cert::allows(signer, KeyUsages::DigitalSignature)? {
        return Err(PkiError::ChainBroken {
            reason: "document signer keyUsage lacks digitalSignature (ICAO 9303-12 §7.1.1)".into(),
        });
    }
    let signed_bytes = signed_attrs
        .to_der()
        .map_err(malformed_der("signedAttrs"))?;
    match signature::verify(
        &signer_key,
        &signer_info.signature_algorithm,
        Some(digest_alg),
        &signed_bytes,
        signer_info.signature.as_bytes(),
    ) {
        Ok(()) => {}
        Err(SignatureCheck::Unsupported(e)) => return Err(e),
        Err(SignatureCheck::Invalid) => return Err(PkiError::BadSignature),
    }

    // 4. messageDigest.
    if digest_alg.digest(econtent.as_bytes()) != message_digest.as_bytes() {
        return Err(PkiError::DigestMismatch);
    }

    // 5. Chain to a trust anchor.
    let anchor = match trust {
        Some(trust) => Some(find_anchor(signer, trust)?),
        None => None,
    };

    // 6. Validity at the given instant.
    if let Some(at) = at {
        cert::check_validity(signer, at)?;
        if let Some(anchor) = anchor {
            cert::check_validity(anchor, at)?;
        }
    }

    let lds_object = LdsSecurityObject::from_der(econtent.as_bytes())
        .map_err(malformed_der("LDSSecurityObject"))?;
    if lds_object.version != lds::LDS_SECURITY_OBJECT_V0 {
        return Err(PkiError::malformed(format!(
            "LDSSecurityObject version {} (neid reads v0 only)",
            lds_object.version
        )));
    }
    let hash_algorithm = HashAlgorithm::from_algorithm_identifier(
        &lds_object.hash_algorithm,
        "LDSSecurityObject hashAlgorithm",
    )?;
    lds::check_field_numbers(
        lds_object
            .data_group_hash_values
            .iter()
            .map(|h| h.data_group_number),
    )
    .map_err(|reason| PkiError::malformed(format!("dataGroupHashValues: {reason}")))?;
    let mut field_hashes = BTreeMap::new();
    for h in &lds_object.data_group_hash_values {
        let value = h.data_group_hash_value.as_bytes();
        if value.len() != hash_algorithm.output_len() {
            return Err(PkiError::malformed(format!(
                "field {}: hash is {} bytes, {:?} gives {}",
                h.data_group_number,
                value.len(),
                hash_algorithm,
                hash_algorithm.output_len()
            )));
        }
        field_hashes.insert(h.data_group_number, value.to_vec());
    }

    Ok(VerifiedSecurityObject {
        hash_algorithm,
        field_hashes,
        signer: signer.clone(),
        anchor_subject: anchor.map(cert::subject_of),
    })
}

/// The certificate in SignedData.certificates that the sid names.
pub(crate) fn find_signer<'a>(
    signed_data: &'a SignedData,
    sid: &SignerIdentifier,
) -> Result<&'a Certificate, PkiError> {
    let certificates = signed_data
        .certificates
        .as_ref()
        .ok_or(PkiError::UnknownSigner)?;
    for choice in certificates.0.iter() {
        let CertificateChoices::Certificate(candidate) = choice else {
            continue;
        };
        let tbs = candidate.tbs_certificate();
        let matches = match sid {
            SignerIdentifier::IssuerAndSerialNumber(isn) => {
                tbs.issuer() == &isn.issuer && tbs.serial_number() == &isn.serial_number
            }
            SignerIdentifier::SubjectKeyIdentifier(ski) => matches!(
                tbs.get_extension::<SubjectKeyIdentifier>(),
                Ok(Some((_, own))) if own == *ski
            ),
        };
        if matches {
            return Ok(candidate);
        }
    }
    Err(PkiError::UnknownSigner)
}

/// The trust anchor that issued `signer`, or why none did.
fn find_anchor<'a>(
    signer: &Certificate,
    trust: &'a [Certificate],
) -> Result<&'a Certificate, PkiError> {
    let issuer = signer.tbs_certificate().issuer();
    let mut last_reason = None;
    for anchor in trust
        .iter()
        .filter(|a| a.tbs_certificate().subject() == issuer)
    {
        match cert::check_issued_by(signer, anchor) {
            Ok(()) => return Ok(anchor),
            Err(reason) => last_reason = Some(reason),
        }
    }
    Err(PkiError::ChainBroken {
        reason: last_reason.unwrap_or_else(|| {
            format!(
                "no trust anchor named '{issuer}' among {} anchor(s)",
                trust.len()
            )
        }),
    })
}

/// The single value of the signed attribute `attr_oid`, which must appear
/// exactly once with exactly one value (RFC 5652 §11.1, §11.2).
pub(crate) fn single_attribute<'a>(
    attrs: &'a SetOfVec<Attribute>,
    attr_oid: ObjectIdentifier,
    name: &'static str,
) -> Result<&'a Any, PkiError> {
    let mut found = attrs.iter().filter(|a| a.oid == attr_oid);
    let attribute = match (found.next(), found.next()) {
        (Some(a), None) => a,
        (None, _) => {
            return Err(PkiError::malformed(format!(
                "signed attribute {name} is missing (ICAO 9303-10 §4.6.2.1)"
            )));
        }
        (Some(_), Some(_)) => {
            return Err(PkiError::malformed(format!(
                "signed attribute {name} appears more than once (RFC 5652 §11)"
            )));
        }
    };
    let mut values = attribute.values.iter();
    match (values.next(), values.next()) {
        (Some(v), None) => Ok(v),
        _ => Err(PkiError::malformed(format!(
            "signed attribute {name} must have exactly one value (RFC 5652 §11)"
        ))),
    }
}
