//! The PKCS#11 objects of a certificate zone: one CKO_CERTIFICATE per
//! certificate (PKCS#11 v2.40 §4.6.3), a CKO_PUBLIC_KEY and a
//! CKO_PRIVATE_KEY per generated key (§4.8, §4.9; RSA Current Mechanisms
//! §2.1.2/§2.1.3, EC §2.3.3/§2.3.4). Private keys are CKA_PRIVATE: they
//! appear after C_Login, as pkcs11-tool and NSS expect of smart cards.

use cryptoki_sys::*;

use crate::der_fields::{PublicKey, certificate_fields, public_key};
use crate::mechanism;
use crate::object::{CardKey, Object};
use crate::token::{CertificateObject, KeyObject, TokenObjects};

/// Builds the token objects; a certificate or key whose DER does not parse
/// is left out (and logged) rather than shown half-filled.
pub fn token_objects(contents: &TokenObjects) -> Vec<Object> {
    let mut objects = Vec::new();
    for certificate in &contents.certificates {
        match certificate_object(certificate) {
            Ok(object) => objects.push(object),
            Err(error) => tracing::warn!(label = %certificate.label, %error, "certificate left out"),
        }
    }
    for key in &contents.keys {
        let public = match public_key(&key.spki_der) {
            Ok(public) => public,
            Err(error) => {
                tracing::warn!(label = %key.label, %error, "key left out");
                continue;
            }
        };
        let subject = user_certificate_subject(contents, &key.id);
        objects.push(public_key_object(key, &public, &subject));
        objects.push(private_key_object(key, public, &subject));
    }
    objects
}

/// The subject of the user certificate with the key's iD, empty if none.
fn user_certificate_subject(contents: &TokenObjects, id: &[u8]) -> Vec<u8> {
    contents
        .certificates
        .iter()
        .filter(|c| !c.authority && c.id == id)
        .find_map(|c| certificate_fields(&c.der).ok())
        .map(|fields| fields.subject)
        .unwrap_or_default()
}

/// Attributes every token object has (§4.4 storage objects).
fn storage_object(class: CK_OBJECT_CLASS, label: &str, private: bool) -> Object {
    let mut object = Object::new(class);
    object.private = private;
    object
        .set_bool(CKA_TOKEN, true)
        .set_bool(CKA_PRIVATE, private)
        .set_bool(CKA_MODIFIABLE, false)
        .set_bool(CKA_COPYABLE, false)
        .set_bool(CKA_DESTROYABLE, false)
        .set_bytes(CKA_LABEL, label.as_bytes().to_vec());
    object
}

fn certificate_object(certificate: &CertificateObject) -> Result<Object, crate::der_fields::DerError> {
    let fields = certificate_fields(&certificate.der)?;
    let category =
        if certificate.authority { CK_CERTIFICATE_CATEGORY_AUTHORITY } else { CK_CERTIFICATE_CATEGORY_TOKEN_USER };
    let mut object = storage_object(CKO_CERTIFICATE, &certificate.label, false);
    object
        .set_ulong(CKA_CERTIFICATE_TYPE, CKC_X_509)
        .set_bool(CKA_TRUSTED, false)
        .set_ulong(CKA_CERTIFICATE_CATEGORY, category)
        .set_bytes(CKA_START_DATE, Vec::new())
        .set_bytes(CKA_END_DATE, Vec::new())
        .set_bytes(CKA_PUBLIC_KEY_INFO, fields.subject_public_key_info)
        .set_bytes(CKA_SUBJECT, fields.subject)
        .set_bytes(CKA_ID, certificate.id.clone())
        .set_bytes(CKA_ISSUER, fields.issuer)
        .set_bytes(CKA_SERIAL_NUMBER, fields.serial_number)
        .set_bytes(CKA_VALUE, certificate.der.clone())
        .set_bytes(CKA_URL, Vec::new())
        .set_bytes(CKA_HASH_OF_SUBJECT_PUBLIC_KEY, Vec::new())
        .set_bytes(CKA_HASH_OF_ISSUER_PUBLIC_KEY, Vec::new())
        .set_ulong(CKA_JAVA_MIDP_SECURITY_DOMAIN, 0)
        .set_ulong(CKA_NAME_HASH_ALGORITHM, CKM_SHA_1);
    Ok(object)
}

/// Attributes of both halves of a key pair (§4.7 key objects).
fn key_object(class: CK_OBJECT_CLASS, key: &KeyObject, public: &PublicKey, subject: &[u8]) -> Object {
    let (key_type, generation) = match public {
        PublicKey::Rsa { .. } => (CKK_RSA, CKM_RSA_PKCS_KEY_PAIR_GEN),
        PublicKey::Ec { .. } => (CKK_EC, CKM_EC_KEY_PAIR_GEN),
    };
    let usage = key.usage;
    let mut object = storage_object(class, &key.label, class == CKO_PRIVATE_KEY);
    object
        .set_ulong(CKA_KEY_TYPE, key_type)
        .set_bytes(CKA_ID, key.id.clone())
        .set_bytes(CKA_START_DATE, Vec::new())
        .set_bytes(CKA_END_DATE, Vec::new())
        .set_bool(CKA_DERIVE, usage.derive)
        .set_bool(CKA_LOCAL, true)
        .set_ulong(CKA_KEY_GEN_MECHANISM, generation)
        .set_ulongs(CKA_ALLOWED_MECHANISMS, &mechanism::allowed_for(public, usage.sign, usage.decrypt, usage.derive))
        .set_bytes(CKA_SUBJECT, subject.to_vec())
        .set_bytes(CKA_PUBLIC_KEY_INFO, key.spki_der.clone());
    match public {
        PublicKey::Rsa { modulus, public_exponent } => {
            object.set_bytes(CKA_MODULUS, modulus.clone()).set_bytes(CKA_PUBLIC_EXPONENT, public_exponent.clone());
        }
        PublicKey::Ec { params, .. } => {
            object.set_bytes(CKA_EC_PARAMS, params.clone());
            if let Some(point) = public.ec_point_der() {
                object.set_bytes(CKA_EC_POINT, point);
            }
        }
    }
    object
}

fn public_key_object(key: &KeyObject, public: &PublicKey, subject: &[u8]) -> Object {
    let mut object = key_object(CKO_PUBLIC_KEY, key, public, subject);
    object
        .set_bool(CKA_ENCRYPT, key.usage.decrypt)
        .set_bool(CKA_VERIFY, key.usage.sign)
        .set_bool(CKA_VERIFY_RECOVER, false)
        .set_bool(CKA_WRAP, false)
        .set_bool(CKA_TRUSTED, false);
    if let PublicKey::Rsa { .. } = public {
        object.set_ulong(CKA_MODULUS_BITS, public.bits() as CK_ULONG);
    }
    object
}

/// RSA private components (§2.1.3) and the EC private value (§2.3.4) never leave the card.
const RSA_PRIVATE_PARTS: [CK_ATTRIBUTE_TYPE; 6] =
    [CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT];

fn private_key_object(key: &KeyObject, public: PublicKey, subject: &[u8]) -> Object {
    let mut object = key_object(CKO_PRIVATE_KEY, key, &public, subject);
    object
        .set_bool(CKA_SENSITIVE, true)
        .set_bool(CKA_DECRYPT, key.usage.decrypt)
        .set_bool(CKA_SIGN, key.usage.sign)
        .set_bool(CKA_SIGN_RECOVER, false)
        .set_bool(CKA_UNWRAP, false)
        .set_bool(CKA_EXTRACTABLE, false)
        .set_bool(CKA_ALWAYS_SENSITIVE, true)
        .set_bool(CKA_NEVER_EXTRACTABLE, true)
        .set_bool(CKA_WRAP_WITH_TRUSTED, false)
        // PIN2 stays verified across operations (certificate-zone.md §PSO).
        .set_bool(CKA_ALWAYS_AUTHENTICATE, false);
    match public {
        PublicKey::Rsa { .. } => {
            for part in RSA_PRIVATE_PARTS {
                object.set_sensitive(part);
            }
        }
        PublicKey::Ec { .. } => {
            object.set_sensitive(CKA_VALUE);
        }
    }
    object.card_key = Some(CardKey { key_ref: key.key_ref, public, usage: key.usage });
    object
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::AttrValue;
    use crate::test_support::sample_objects;

    fn find(objects: &[Object], class: CK_OBJECT_CLASS, id: u8) -> &Object {
        objects
            .iter()
            .find(|o| o.class == class && o.matches(&[(CKA_ID, vec![id])]))
            .unwrap_or_else(|| panic!("no object class {class} id {id}"))
    }

    fn bytes(object: &Object, attribute: CK_ATTRIBUTE_TYPE) -> Vec<u8> {
        match object.attribute(attribute) {
            Some(AttrValue::Bytes(b)) => b.clone(),
            other => panic!("attribute {attribute:#x}: {other:?}"),
        }
    }

    #[test]
    fn keys_and_certificates_become_objects() {
        let contents = sample_objects();
        let objects = token_objects(&contents);
        // 2 certificates + 3 keys × 2 halves.
        assert_eq!(objects.len(), 2 + 3 * 2);

        let cert = find(&objects, CKO_CERTIFICATE, 0x01);
        assert_eq!(bytes(cert, CKA_VALUE), contents.certificates[0].der);
        assert_eq!(bytes(cert, CKA_CERTIFICATE_TYPE), CKC_X_509.to_ne_bytes());
        assert_eq!(bytes(cert, CKA_CERTIFICATE_CATEGORY), CK_CERTIFICATE_CATEGORY_TOKEN_USER.to_ne_bytes());
        assert!(!cert.private);

        let private = find(&objects, CKO_PRIVATE_KEY, 0x01);
        assert!(private.private && private.flag(CKA_SIGN) && !private.flag(CKA_DECRYPT));
        assert!(private.flag(CKA_SENSITIVE) && !private.flag(CKA_EXTRACTABLE));
        assert_eq!(private.attribute(CKA_PRIVATE_EXPONENT), Some(&AttrValue::Sensitive));
        assert_eq!(bytes(private, CKA_SUBJECT), bytes(cert, CKA_SUBJECT), "subject from the user certificate");
        assert_eq!(private.card_key.as_ref().map(|k| k.key_ref), Some(1));

        let public = find(&objects, CKO_PUBLIC_KEY, 0x01);
        assert_eq!(bytes(public, CKA_MODULUS_BITS), (2048 as CK_ULONG).to_ne_bytes());
        assert_eq!(bytes(public, CKA_PUBLIC_EXPONENT), vec![1, 0, 1]);
        assert!(public.flag(CKA_VERIFY) && !public.flag(CKA_ENCRYPT));

        let decrypt = find(&objects, CKO_PRIVATE_KEY, 0x02);
        assert!(decrypt.flag(CKA_DECRYPT) && !decrypt.flag(CKA_SIGN));

        let ec = find(&objects, CKO_PRIVATE_KEY, 0x03);
        assert!(ec.flag(CKA_SIGN) && ec.flag(CKA_DERIVE));
        assert_eq!(ec.attribute(CKA_VALUE), Some(&AttrValue::Sensitive));
        assert_eq!(bytes(ec, CKA_KEY_TYPE), CKK_EC.to_ne_bytes());
        assert_eq!(&bytes(ec, CKA_EC_POINT)[..2], &[0x04, 0x61]);
        assert_eq!(bytes(ec, CKA_SUBJECT), Vec::<u8>::new(), "no certificate for key 03 here");
    }

    #[test]
    fn malformed_entries_are_left_out() {
        let mut contents = sample_objects();
        contents.certificates[0].der = vec![0x30, 0x00];
        contents.keys[0].spki_der = vec![0x01];
        let objects = token_objects(&contents);
        assert_eq!(objects.len(), 1 + 2 * 2);
    }
}
