//! CSCA master lists (ICAO 9303-12 §9): a CMS SignedData whose eContentType
//! is id-icao-cscaMasterList and whose eContent is
//!
//! ```text
//! CscaMasterList ::= SEQUENCE {
//!     version  CscaMasterListVersion,   -- v0(0)
//!     certList SET OF Certificate }
//! ```
//!
//! signed by a Master List Signer whose certificate is issued by a CSCA.
//! Reading one yields its certificates and whether its own signature could be
//! checked: it is checked when the signer's issuer is among the list's
//! certificates or the caller's other anchors; otherwise the list is read
//! unverified and [`MasterList::signature`] says so (the caller trusts the
//! file because it put it in its trust directory).

use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode, Reader, SliceReader, Tag};
use x509_cert::Certificate;

use crate::hash::HashAlgorithm;
use crate::security_object::{find_signer, single_attribute};
use crate::signature::{self, SignatureCheck};
use crate::{PkiError, cert, oid};

/// CscaMasterListVersion v0 (ICAO 9303-12 §9).
const CSCA_MASTER_LIST_V0: u8 = 0;

/// What is known about a master list's own signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterListSignature {
    /// The SignerInfo signature verifies and the signer certificate is
    /// issued by the CSCA named here.
    Verified { csca_subject: String },
    /// The list was read but its signature was not proven, for the reason
    /// given (e.g. no certificate available that issued the signer).
    Unverified { reason: String },
}

/// The certificates of a CSCA master list.
#[derive(Debug, Clone)]
pub struct MasterList {
    /// Every certificate in `certList`, in file order.
    pub certificates: Vec<Certificate>,
    /// Whether the list's own signature was checked.
    pub signature: MasterListSignature,
}

fn malformed(what: &'static str) -> impl Fn(der::Error) -> PkiError {
    move |e| PkiError::malformed(format!("CSCA master list {what}: {e}"))
}

/// Whether `der` is a ContentInfo carrying a SignedData with eContentType
/// id-icao-cscaMasterList (cheap test for trust-directory files).
pub fn is_master_list(der: &[u8]) -> bool {
    signed_data_of(der).is_ok()
}

fn signed_data_of(der: &[u8]) -> Result<SignedData, PkiError> {
    let content_info = ContentInfo::from_der(der).map_err(malformed("ContentInfo"))?;
    if content_info.content_type != oid::ID_SIGNED_DATA {
        return Err(PkiError::malformed(
            "CSCA master list: ContentInfo is not id-signedData (ICAO 9303-12 §9)",
        ));
    }
    let signed_data: SignedData = content_info
        .content
        .decode_as()
        .map_err(malformed("SignedData"))?;
    if signed_data.encap_content_info.econtent_type != oid::ID_ICAO_CSCA_MASTER_LIST {
        return Err(PkiError::malformed(format!(
            "CSCA master list: eContentType is {}, not id-icao-cscaMasterList {}",
            signed_data.encap_content_info.econtent_type,
            oid::ID_ICAO_CSCA_MASTER_LIST
        )));
    }
    Ok(signed_data)
}

/// Decode `CscaMasterList`. certList is read certificate by certificate,
/// not as a DER SET OF: published lists are not always sorted.
fn certificates_of(econtent: &[u8]) -> Result<Vec<Certificate>, PkiError> {
    let mut outer = SliceReader::new(econtent).map_err(malformed("CscaMasterList"))?;
    let certificates = outer
        .sequence(|seq| {
            let version = u8::decode(seq)?;
            if version != CSCA_MASTER_LIST_V0 {
                return Err(der::Error::from(der::ErrorKind::Value {
                    tag: Tag::Integer,
                }));
            }
            let header = der::Header::decode(seq)?;
            header.tag().assert_eq(Tag::Set)?;
            let body = seq.read_slice(header.length())?;
            let mut set = SliceReader::new(body)?;
            let mut certificates = Vec::new();
            while !set.is_finished() {
                certificates.push(Certificate::decode(&mut set)?);
            }
            Ok(certificates)
        })
        .map_err(malformed(
            "CscaMasterList (version must be 0, then SET OF Certificate)",
        ))?;
    outer
        .finish()
        .map_err(|_| PkiError::malformed("CSCA master list: bytes after CscaMasterList"))?;
    Ok(certificates)
}

/// Read a master list (DER ContentInfo). `other_anchors` are certificates
/// that may have issued the Master List Signer besides those in the list.
pub fn read_master_list(der: &[u8], other_anchors: &[Certificate]) -> Result<MasterList, PkiError> {
    let signed_data = signed_data_of(der)?;
    let econtent: OctetString = signed_data
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(|| PkiError::malformed("CSCA master list: eContent is absent"))?
        .decode_as()
        .map_err(malformed("eContent OCTET STRING"))?;
    let certificates = certificates_of(econtent.as_bytes())?;
    let signature = match check_signature(
        &signed_data,
        econtent.as_bytes(),
        &certificates,
        other_anchors,
    ) {
        Ok(csca_subject) => MasterListSignature::Verified { csca_subject },
        Err(reason) => MasterListSignature::Unverified { reason },
    };
    Ok(MasterList {
        certificates,
        signature,
    })
}

/// The CMS signer check of RFC 5652 §5.4 / §11.2 and the signer's issuer;
/// returns the issuing CSCA's subject, or why the signature is not proven.
fn check_signature(
    signed_data: &SignedData,
    econtent: &[u8],
    listed: &[Certificate],
    other_anchors: &[Certificate],
) -> Result<String, String> {
    let mut infos = signed_data.signer_infos.0.iter();
    let info = match (infos.next(), infos.next()) {
        (Some(info), None) => info,
        _ => return Err("signerInfos must hold exactly one SignerInfo".into()),
    };
    let signer = find_signer(signed_data, &info.sid).map_err(|e| e.to_string())?;
    let digest =
        HashAlgorithm::from_algorithm_identifier(&info.digest_alg, "SignerInfo digestAlgorithm")
            .map_err(|e| e.to_string())?;
    let signed_bytes = match &info.signed_attrs {
        Some(attrs) => {
            let message_digest: OctetString =
                single_attribute(attrs, oid::ID_MESSAGE_DIGEST, "messageDigest")
                    .map_err(|e| e.to_string())?
                    .decode_as()
                    .map_err(|e| format!("messageDigest attribute: {e}"))?;
            if digest.digest(econtent) != message_digest.as_bytes() {
                return Err(PkiError::DigestMismatch.to_string());
            }
            let content_type: ObjectIdentifier =
                single_attribute(attrs, oid::ID_CONTENT_TYPE, "contentType")
                    .map_err(|e| e.to_string())?
                    .decode_as()
                    .map_err(|e| format!("contentType attribute: {e}"))?;
            if content_type != oid::ID_ICAO_CSCA_MASTER_LIST {
                return Err("contentType attribute differs from eContentType".into());
            }
            attrs.to_der().map_err(|e| format!("signedAttrs: {e}"))?
        }
        // RFC 5652 §5.4: without signedAttrs the signature covers eContent.
        None => econtent.to_vec(),
    };
    let key = signature::public_key(signer.tbs_certificate().subject_public_key_info())
        .map_err(|e| format!("master list signer key: {e}"))?;
    match signature::verify(
        &key,
        &info.signature_algorithm,
        Some(digest),
        &signed_bytes,
        info.signature.as_bytes(),
    ) {
        Ok(()) => {}
        Err(SignatureCheck::Unsupported(e)) => return Err(e.to_string()),
        Err(SignatureCheck::Invalid) => return Err(PkiError::BadSignature.to_string()),
    }
    let issuer = signer.tbs_certificate().issuer();
    let mut last = format!("no certificate named '{issuer}' issued the master list signer");
    for candidate in listed
        .iter()
        .chain(other_anchors)
        .filter(|c| c.tbs_certificate().subject() == issuer)
    {
        match cert::check_issued_by(signer, candidate) {
            Ok(()) => return Ok(cert::subject_of(candidate)),
            Err(reason) => last = reason,
        }
    }
    Err(last)
}
