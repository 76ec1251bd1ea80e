//! EF.CardSecurity (TR-03110-3 A.1.2.2): the chip's SecurityInfos
//! (ChipAuthenticationInfo v2, ChipAuthenticationPublicKeyInfo, PACEInfo),
//! signed by the document signer so a terminal can trust the CA v2 public
//! key (TR-03110-2 §3.4 "Passive Authentication of the CA key").
//!
//! ```text
//! ContentInfo { id-signedData, [0] SignedData {
//!    version 3, digestAlgorithms { sha384 },
//!    encapContentInfo { id-SecurityObject 0.4.0.127.0.7.3.2.1,   -- TR-03110-3 A.1.2.2
//!                       [0] OCTET STRING (SecurityInfos DER) },
//!    certificates [0] { DS certificate },
//!    signerInfos { SignerInfo { version 1, issuerAndSerialNumber, sha384,
//!       signedAttrs [0] { contentType, messageDigest }, ecdsa-with-SHA384, signature } } } }
//! ```
//!
//! Unlike a zone security object (docs/spec/security-object.md) it has no
//! `77` wrapper: EF.CardSecurity holds the bare ContentInfo.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use ecdsa::signature::Signer as _;
use p384::ecdsa::{DerSignature, Signature};
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use crate::cert::{self, SignatureCheck};
use crate::error::build_error;
use crate::hash::HashAlgorithm;
use crate::init::DocumentSigner;
use crate::{PkiError, oid};

/// id-SecurityObject = bsi-de applications(3) eID(2) 1 (TR-03110-3 A.1.2.2).
pub const ID_SECURITY_OBJECT: ObjectIdentifier = ObjectIdentifier::new_unwrap("0.4.0.127.0.7.3.2.1");
/// The DS digest and signature: SHA-384, ecdsa-with-SHA384 (P-384 DS).
const SIGNER_DIGEST: HashAlgorithm = HashAlgorithm::Sha384;

fn malformed(what: &'static str) -> impl Fn(der::Error) -> PkiError {
    move |e| PkiError::malformed(format!("EF.CardSecurity {what}: {e}"))
}

fn attribute(oid: ObjectIdentifier, value: der::Result<Any>) -> Result<Attribute, PkiError> {
    let value = value.map_err(|e| build_error("signed attribute", e))?;
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).map_err(|e| build_error("signed attribute", e))?,
    })
}

/// The management-system key of a card signed by `ds`: the DS certificate's
/// public key as an uncompressed SEC1 point (`04 ‖ x ‖ y`, 97 bytes on
/// P-384). Registry-office updates are verified with it (docs/spec/eac.md).
pub fn management_key(ds: &DocumentSigner) -> Vec<u8> {
    ds.certificate().tbs_certificate().subject_public_key_info().subject_public_key.raw_bytes().to_vec()
}

/// EF.CardSecurity: CMS SignedData over `security_infos` (the DER of
/// `SecurityInfos ::= SET OF SecurityInfo`), signed by `ds`.
pub fn sign_card_security(security_infos: &[u8], ds: &DocumentSigner) -> Result<Vec<u8>, PkiError> {
    let content_type = attribute(oid::ID_CONTENT_TYPE, Any::encode_from(&ID_SECURITY_OBJECT))?;
    let digest =
        OctetString::new(SIGNER_DIGEST.digest(security_infos)).map_err(|e| build_error("messageDigest", e))?;
    let message_digest = attribute(oid::ID_MESSAGE_DIGEST, Any::encode_from(&digest))?;
    let signed_attrs = SetOfVec::try_from(vec![content_type, message_digest])
        .map_err(|e| build_error("signedAttrs", e))?;
    // RFC 5652 §5.4: signed over DER(signedAttrs) with the SET OF tag 31.
    let to_sign = signed_attrs.to_der().map_err(|e| build_error("signedAttrs", e))?;
    let signature: Signature = ds.key().sign(&to_sign);
    let signature_der: DerSignature = signature.to_der();
    let tbs = ds.certificate().tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: SIGNER_DIGEST.algorithm_identifier(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned { oid: oid::ECDSA_WITH_SHA384, parameters: None },
        signature: OctetString::new(signature_der.as_bytes()).map_err(|e| build_error("signature", e))?,
        unsigned_attrs: None,
    };
    let econtent = OctetString::new(security_infos).map_err(|e| build_error("eContent", e))?;
    let signed_data = SignedData {
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![SIGNER_DIGEST.algorithm_identifier()])
            .map_err(|e| build_error("digestAlgorithms", e))?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_SECURITY_OBJECT,
            econtent: Some(Any::encode_from(&econtent).map_err(|e| build_error("eContent", e))?),
        },
        certificates: Some(
            CertificateSet::try_from(vec![CertificateChoices::Certificate(ds.certificate().clone())])
                .map_err(|e| build_error("certificates", e))?,
        ),
        crls: None,
        signer_infos: SignerInfos::try_from(vec![signer_info]).map_err(|e| build_error("signerInfos", e))?,
    };
    ContentInfo {
        content_type: oid::ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).map_err(|e| build_error("SignedData", e))?,
    }
    .to_der()
    .map_err(|e| build_error("ContentInfo", e))
}

/// Verify EF.CardSecurity and return the signed SecurityInfos DER: the
/// structure above, the signature over the signed attributes with the DS
/// certificate it carries, messageDigest = SHA-384(SecurityInfos), and —
/// when `trust` is given — that one of those CA certificates issued the DS.
pub fn verify_card_security(card_security: &[u8], trust: Option<&[Certificate]>) -> Result<Vec<u8>, PkiError> {
    let content_info = ContentInfo::from_der(card_security).map_err(malformed("ContentInfo"))?;
    if content_info.content_type != oid::ID_SIGNED_DATA {
        return Err(PkiError::malformed("EF.CardSecurity ContentInfo is not id-signedData"));
    }
    let signed_data: SignedData = content_info.content.decode_as().map_err(malformed("SignedData"))?;
    let encap = &signed_data.encap_content_info;
    if encap.econtent_type != ID_SECURITY_OBJECT {
        return Err(PkiError::malformed(format!(
            "EF.CardSecurity eContentType is {}, not id-SecurityObject {ID_SECURITY_OBJECT}",
            encap.econtent_type
        )));
    }
    let econtent: OctetString = encap
        .econtent
        .as_ref()
        .ok_or_else(|| PkiError::malformed("EF.CardSecurity eContent is absent"))?
        .decode_as()
        .map_err(malformed("eContent"))?;
    let mut infos = signed_data.signer_infos.0.iter();
    let (Some(signer_info), None) = (infos.next(), infos.next()) else {
        return Err(PkiError::malformed("EF.CardSecurity must hold exactly one SignerInfo"));
    };
    let SignerIdentifier::IssuerAndSerialNumber(sid) = &signer_info.sid else {
        return Err(PkiError::malformed("EF.CardSecurity SignerInfo sid must be issuerAndSerialNumber"));
    };
    let signer = signed_data
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .find_map(|choice| match choice {
            CertificateChoices::Certificate(c)
                if c.tbs_certificate().issuer() == &sid.issuer
                    && c.tbs_certificate().serial_number() == &sid.serial_number =>
            {
                Some(c)
            }
            _ => None,
        })
        .ok_or(PkiError::UnknownSigner)?;
    let signed_attrs = signer_info
        .signed_attrs
        .as_ref()
        .ok_or_else(|| PkiError::malformed("EF.CardSecurity signedAttrs absent"))?;
    let single = |wanted: ObjectIdentifier, what: &'static str| -> Result<Any, PkiError> {
        let mut found = signed_attrs.iter().filter(|a| a.oid == wanted);
        match (found.next(), found.next()) {
            (Some(a), None) if a.values.len() == 1 => a
                .values
                .iter()
                .next()
                .cloned()
                .ok_or_else(|| PkiError::malformed(format!("EF.CardSecurity {what}: no value"))),
            _ => Err(PkiError::malformed(format!("EF.CardSecurity {what} must appear once with one value"))),
        }
    };
    let content_type: ObjectIdentifier =
        single(oid::ID_CONTENT_TYPE, "contentType")?.decode_as().map_err(malformed("contentType"))?;
    if content_type != ID_SECURITY_OBJECT {
        return Err(PkiError::malformed("EF.CardSecurity contentType attribute differs from eContentType"));
    }
    let message_digest: OctetString =
        single(oid::ID_MESSAGE_DIGEST, "messageDigest")?.decode_as().map_err(malformed("messageDigest"))?;
    let key = cert::p384_key(signer.tbs_certificate().subject_public_key_info())?;
    let signed_bytes = signed_attrs.to_der().map_err(malformed("signedAttrs"))?;
    match cert::verify_ecdsa(&key, &signer_info.signature_algorithm, &signed_bytes, signer_info.signature.as_bytes()) {
        Ok(()) => {}
        Err(SignatureCheck::Unsupported(e)) => return Err(e),
        Err(SignatureCheck::Invalid) => return Err(PkiError::BadSignature),
    }
    if SIGNER_DIGEST.digest(econtent.as_bytes()) != message_digest.as_bytes() {
        return Err(PkiError::DigestMismatch);
    }
    if let Some(trust) = trust {
        let mut reasons = Vec::new();
        let issued = trust.iter().any(|anchor| match cert::check_issued_by(signer, anchor) {
            Ok(()) => true,
            Err(reason) => {
                reasons.push(reason);
                false
            }
        });
        if !issued {
            return Err(PkiError::ChainBroken {
                reason: format!("no trust anchor issued the EF.CardSecurity signer: {}", reasons.join("; ")),
            });
        }
    }
    Ok(econtent.as_bytes().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn signed_security_infos_verify_and_a_flipped_byte_does_not() {
        let pki = crate::TestPki::generate(&mut StdRng::seed_from_u64(3)).unwrap();
        let infos = [0x31, 0x03, 0x02, 0x01, 0x05];
        let signed = sign_card_security(&infos, &pki.document_signer).unwrap();
        assert_eq!(verify_card_security(&signed, None).unwrap(), infos);
        assert_eq!(verify_card_security(&signed, Some(&[pki.csca.clone()])).unwrap(), infos);
        let other = crate::TestPki::generate(&mut StdRng::seed_from_u64(4)).unwrap();
        assert!(matches!(
            verify_card_security(&signed, Some(&[other.csca])),
            Err(PkiError::ChainBroken { .. })
        ));
        // The eContent bytes sit before the certificate: change the INTEGER 05.
        let position = signed.windows(infos.len()).position(|w| w == infos).unwrap();
        let mut tampered = signed.clone();
        tampered[position + 4] ^= 1;
        assert!(matches!(verify_card_security(&tampered, None), Err(PkiError::DigestMismatch)));
        assert_eq!(management_key(&pki.document_signer).len(), 97);
    }
}
