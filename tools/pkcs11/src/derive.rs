//! C_DeriveKey with CKM_ECDH1_DERIVE (PKCS#11 v2.40 §5.14, Current
//! Mechanisms §2.3.18): the card computes the shared x-coordinate (CKD_NULL),
//! the module keeps it as a CKO_SECRET_KEY session object of type
//! CKK_GENERIC_SECRET whose CKA_VALUE is readable unless the template asks
//! for CKA_SENSITIVE or forbids CKA_EXTRACTABLE.

use cryptoki_sys::*;

use crate::find::Template;
use crate::mechanism::{self, Mechanism};
use crate::module::Module;
use crate::object::Object;
use crate::session::Operation;

/// Boolean attributes a derive template may set (§4.10 secret key objects).
const TEMPLATE_FLAGS: [CK_ATTRIBUTE_TYPE; 13] = [
    CKA_PRIVATE,
    CKA_SENSITIVE,
    CKA_EXTRACTABLE,
    CKA_ENCRYPT,
    CKA_DECRYPT,
    CKA_SIGN,
    CKA_VERIFY,
    CKA_WRAP,
    CKA_UNWRAP,
    CKA_DERIVE,
    CKA_MODIFIABLE,
    CKA_COPYABLE,
    CKA_DESTROYABLE,
];

/// The derived key's settings read from the template.
struct SecretTemplate {
    flags: Vec<(CK_ATTRIBUTE_TYPE, bool)>,
    label: Vec<u8>,
    id: Vec<u8>,
    value_len: Option<usize>,
}

impl SecretTemplate {
    fn parse(template: &Template) -> Result<Self, CK_RV> {
        let mut parsed = Self { flags: Vec::new(), label: Vec::new(), id: Vec::new(), value_len: None };
        for (attribute, value) in template {
            match *attribute {
                CKA_CLASS if ulong(value)? != CKO_SECRET_KEY => return Err(CKR_TEMPLATE_INCONSISTENT),
                CKA_KEY_TYPE if ulong(value)? != CKK_GENERIC_SECRET => return Err(CKR_TEMPLATE_INCONSISTENT),
                CKA_CLASS | CKA_KEY_TYPE => {}
                // A token object would have to be written to the card.
                CKA_TOKEN if boolean(value)? => return Err(CKR_TOKEN_WRITE_PROTECTED),
                CKA_TOKEN => {}
                CKA_VALUE_LEN => {
                    let len = usize::try_from(ulong(value)?).map_err(|_| CKR_ATTRIBUTE_VALUE_INVALID)?;
                    parsed.value_len = Some(len);
                }
                CKA_LABEL => parsed.label = value.clone(),
                CKA_ID => parsed.id = value.clone(),
                flag if TEMPLATE_FLAGS.contains(&flag) => parsed.flags.push((flag, boolean(value)?)),
                _ => return Err(CKR_ATTRIBUTE_TYPE_INVALID),
            }
        }
        Ok(parsed)
    }

    fn flag(&self, attribute: CK_ATTRIBUTE_TYPE, default: bool) -> bool {
        self.flags.iter().rev().find(|(a, _)| *a == attribute).map_or(default, |(_, v)| *v)
    }
}

fn ulong(value: &[u8]) -> Result<CK_ULONG, CK_RV> {
    let bytes: [u8; size_of::<CK_ULONG>()] = value.try_into().map_err(|_| CKR_ATTRIBUTE_VALUE_INVALID)?;
    Ok(CK_ULONG::from_ne_bytes(bytes))
}

fn boolean(value: &[u8]) -> Result<bool, CK_RV> {
    match value {
        [CK_FALSE] => Ok(false),
        [CK_TRUE] => Ok(true),
        _ => Err(CKR_ATTRIBUTE_VALUE_INVALID),
    }
}

impl Module {
    pub fn derive_key(
        &mut self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        base_key: CK_OBJECT_HANDLE,
        template: &Template,
    ) -> Result<CK_OBJECT_HANDLE, CK_RV> {
        let card_key = self.card_key(handle, base_key, CKA_DERIVE)?;
        let point = mechanism::ecdh_point(mechanism, &card_key.public)?;
        let settings = SecretTemplate::parse(template)?;
        let field_bytes = card_key.public.signature_len() / 2;
        let value_len = settings.value_len.unwrap_or(field_bytes);
        if value_len == 0 || value_len > field_bytes {
            return Err(CKR_TEMPLATE_INCONSISTENT);
        }
        let loaded = self.loaded(handle)?;
        let shared = match loaded.token.ecdh(card_key.key_ref, &point) {
            Ok(shared) => shared,
            Err(error) => return Err(self.fail(handle, error, Operation::Derive)),
        };
        // CKA_VALUE_LEN shorter than the secret: its leading bytes.
        let value = shared.get(..value_len).ok_or(CKR_DEVICE_ERROR)?.to_vec();
        let object = secret_key_object(&settings, value, handle);
        let object_handle = self.new_object_handle();
        self.loaded(handle)?.objects.insert(object_handle, object);
        Ok(object_handle)
    }
}

fn secret_key_object(settings: &SecretTemplate, value: Vec<u8>, owner: CK_SESSION_HANDLE) -> Object {
    let sensitive = settings.flag(CKA_SENSITIVE, false);
    let extractable = settings.flag(CKA_EXTRACTABLE, true);
    let private = settings.flag(CKA_PRIVATE, true);
    let mut object = Object::new(CKO_SECRET_KEY);
    object.private = private;
    object.owner = Some(owner);
    object
        .set_bool(CKA_TOKEN, false)
        .set_bool(CKA_PRIVATE, private)
        .set_bool(CKA_MODIFIABLE, false)
        .set_bool(CKA_COPYABLE, false)
        .set_bool(CKA_DESTROYABLE, true)
        .set_bytes(CKA_LABEL, settings.label.clone())
        .set_ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET)
        .set_bytes(CKA_ID, settings.id.clone())
        .set_bytes(CKA_START_DATE, Vec::new())
        .set_bytes(CKA_END_DATE, Vec::new())
        .set_bool(CKA_LOCAL, false)
        .set_ulong(CKA_KEY_GEN_MECHANISM, CKM_ECDH1_DERIVE)
        .set_bool(CKA_SENSITIVE, sensitive)
        .set_bool(CKA_EXTRACTABLE, extractable)
        .set_bool(CKA_ALWAYS_SENSITIVE, sensitive)
        .set_bool(CKA_NEVER_EXTRACTABLE, !extractable)
        .set_bool(CKA_WRAP_WITH_TRUSTED, false)
        .set_bool(CKA_TRUSTED, false)
        .set_ulong(CKA_VALUE_LEN, value.len() as CK_ULONG);
    for flag in [CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_WRAP, CKA_UNWRAP, CKA_DERIVE] {
        object.set_bool(flag, settings.flag(flag, false));
    }
    if sensitive || !extractable {
        object.set_sensitive(CKA_VALUE);
    } else {
        object.set_bytes(CKA_VALUE, value);
    }
    object
}
