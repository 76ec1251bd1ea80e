//! PKCS#11 objects as attribute maps (PKCS#11 v2.40 §4): every attribute
//! is held already encoded as the bytes `C_GetAttributeValue` copies out
//! (CK_BBOOL one byte, CK_ULONG native-endian), so reading and template
//! matching (`C_FindObjectsInit`, §5.7) are one generic comparison.

use std::collections::BTreeMap;

use cryptoki_sys::{CK_ATTRIBUTE_TYPE, CK_BBOOL, CK_FALSE, CK_OBJECT_CLASS, CK_SESSION_HANDLE, CK_TRUE, CK_ULONG};

use crate::der_fields::PublicKey;
use crate::token::KeyUsage;

/// One attribute value: bytes, or a value the token never reveals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrValue {
    Bytes(Vec<u8>),
    /// `CKR_ATTRIBUTE_SENSITIVE` (§5.7: private key material, CKA_SENSITIVE secret values).
    Sensitive,
}

/// What a private key object stands for on the card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CardKey {
    pub key_ref: u8,
    pub public: PublicKey,
    pub usage: KeyUsage,
}

/// A token or session object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub class: CK_OBJECT_CLASS,
    /// CKA_PRIVATE: visible only while the user is logged in (§4.4).
    pub private: bool,
    /// Session objects (derived keys) belong to the session that made them.
    pub owner: Option<CK_SESSION_HANDLE>,
    /// Private keys: the card key they use.
    pub card_key: Option<CardKey>,
    attributes: BTreeMap<CK_ATTRIBUTE_TYPE, AttrValue>,
}

impl Object {
    pub fn new(class: CK_OBJECT_CLASS) -> Self {
        let mut object = Self { class, private: false, owner: None, card_key: None, attributes: BTreeMap::new() };
        object.set_ulong(cryptoki_sys::CKA_CLASS, class);
        object
    }

    pub fn set_bytes(&mut self, attribute: CK_ATTRIBUTE_TYPE, value: impl Into<Vec<u8>>) -> &mut Self {
        self.attributes.insert(attribute, AttrValue::Bytes(value.into()));
        self
    }

    pub fn set_bool(&mut self, attribute: CK_ATTRIBUTE_TYPE, value: bool) -> &mut Self {
        let byte: CK_BBOOL = if value { CK_TRUE } else { CK_FALSE };
        self.set_bytes(attribute, vec![byte])
    }

    pub fn set_ulong(&mut self, attribute: CK_ATTRIBUTE_TYPE, value: CK_ULONG) -> &mut Self {
        self.set_bytes(attribute, value.to_ne_bytes().to_vec())
    }

    /// An array of CK_ULONG (CKA_ALLOWED_MECHANISMS).
    pub fn set_ulongs(&mut self, attribute: CK_ATTRIBUTE_TYPE, values: &[CK_ULONG]) -> &mut Self {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
        self.set_bytes(attribute, bytes)
    }

    pub fn set_sensitive(&mut self, attribute: CK_ATTRIBUTE_TYPE) -> &mut Self {
        self.attributes.insert(attribute, AttrValue::Sensitive);
        self
    }

    /// `None`: the object has no such attribute (`CKR_ATTRIBUTE_TYPE_INVALID`).
    pub fn attribute(&self, attribute: CK_ATTRIBUTE_TYPE) -> Option<&AttrValue> {
        self.attributes.get(&attribute)
    }

    /// A CK_BBOOL attribute, `false` when absent.
    pub fn flag(&self, attribute: CK_ATTRIBUTE_TYPE) -> bool {
        matches!(self.attribute(attribute), Some(AttrValue::Bytes(b)) if b.as_slice() == [CK_TRUE])
    }

    /// Template matching (§5.7 C_FindObjectsInit): every template attribute
    /// is present with exactly that value; sensitive values never match.
    pub fn matches(&self, template: &[(CK_ATTRIBUTE_TYPE, Vec<u8>)]) -> bool {
        template.iter().all(|(attribute, wanted)| {
            matches!(self.attribute(*attribute), Some(AttrValue::Bytes(value)) if value == wanted)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cryptoki_sys::{CKA_CLASS, CKA_ID, CKA_SIGN, CKA_VALUE, CKO_PRIVATE_KEY};

    #[test]
    fn template_matching_compares_encoded_values() {
        let mut key = Object::new(CKO_PRIVATE_KEY);
        key.set_bytes(CKA_ID, vec![1]).set_bool(CKA_SIGN, true).set_sensitive(CKA_VALUE);
        let class = (CKA_CLASS, CKO_PRIVATE_KEY.to_ne_bytes().to_vec());
        assert!(key.matches(&[]));
        assert!(key.matches(&[class.clone(), (CKA_ID, vec![1])]));
        assert!(!key.matches(&[class, (CKA_ID, vec![2])]));
        assert!(key.matches(&[(CKA_SIGN, vec![CK_TRUE])]));
        assert!(!key.matches(&[(CKA_SIGN, vec![CK_FALSE])]));
        assert!(!key.matches(&[(CKA_VALUE, vec![])]), "sensitive never matches");
        assert!(key.flag(CKA_SIGN));
        assert!(!key.flag(CKA_VALUE));
    }
}
