//! Object search and access (PKCS#11 v2.40 §5.7): C_FindObjects*,
//! the object behind a handle for C_GetAttributeValue, C_DestroyObject.

use cryptoki_sys::*;

use crate::module::Module;
use crate::object::Object;

/// A search template: attribute type and encoded value.
pub type Template = Vec<(CK_ATTRIBUTE_TYPE, Vec<u8>)>;

impl Module {
    /// Objects the session may see: private ones only while logged in (§4.4).
    fn visible(&mut self, handle: CK_SESSION_HANDLE) -> Result<Vec<(CK_OBJECT_HANDLE, &Object)>, CK_RV> {
        let loaded = match self.loaded(handle) {
            Ok(loaded) => loaded,
            // A locked zone has no objects to show.
            Err(CKR_FUNCTION_FAILED) => return Ok(Vec::new()),
            Err(rv) => return Err(rv),
        };
        let logged_in = loaded.logged_in;
        Ok(loaded.objects.iter().filter(|(_, o)| logged_in || !o.private).map(|(h, o)| (*h, o)).collect())
    }

    pub fn find_init(&mut self, handle: CK_SESSION_HANDLE, template: &Template) -> Result<(), CK_RV> {
        if self.session(handle)?.find.is_some() {
            return Err(CKR_OPERATION_ACTIVE);
        }
        let found: Vec<CK_OBJECT_HANDLE> =
            self.visible(handle)?.into_iter().filter(|(_, o)| o.matches(template)).map(|(h, _)| h).collect();
        tracing::debug!(session = handle, found = found.len(), "find");
        self.session_mut(handle)?.find = Some(found);
        Ok(())
    }

    pub fn find_next(&mut self, handle: CK_SESSION_HANDLE, max: usize) -> Result<Vec<CK_OBJECT_HANDLE>, CK_RV> {
        let remaining = self.session_mut(handle)?.find.as_mut().ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        let take = max.min(remaining.len());
        Ok(remaining.drain(..take).collect())
    }

    pub fn find_final(&mut self, handle: CK_SESSION_HANDLE) -> Result<(), CK_RV> {
        self.session_mut(handle)?.find.take().map(|_| ()).ok_or(CKR_OPERATION_NOT_INITIALIZED)
    }

    /// The object behind a handle, if this session may see it.
    pub fn object(&mut self, handle: CK_SESSION_HANDLE, object: CK_OBJECT_HANDLE) -> Result<&Object, CK_RV> {
        self.visible(handle)?.into_iter().find(|(h, _)| *h == object).map(|(_, o)| o).ok_or(CKR_OBJECT_HANDLE_INVALID)
    }

    /// C_DestroyObject: session objects (derived keys) only; the token's
    /// objects are the card's (CKA_DESTROYABLE FALSE).
    pub fn destroy_object(&mut self, handle: CK_SESSION_HANDLE, object: CK_OBJECT_HANDLE) -> Result<(), CK_RV> {
        if self.object(handle, object)?.owner.is_none() {
            return Err(CKR_ACTION_PROHIBITED);
        }
        self.loaded(handle)?.objects.remove(&object);
        Ok(())
    }
}
