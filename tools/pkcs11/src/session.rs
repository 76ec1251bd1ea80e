//! Sessions and login (PKCS#11 v2.40 §5.6): opening and closing sessions,
//! C_Login with PIN2 as the user PIN, C_Logout, and how a token error
//! becomes a return value.

use cryptoki_sys::*;

use crate::mechanism::{Hasher, SignPlan};
use crate::module::{CardState, LoadedToken, Module};
use crate::token::{DecipherMechanism, TokenError};

/// One session's state.
pub struct Session {
    pub slot: CK_SLOT_ID,
    pub rw: bool,
    /// C_FindObjectsInit result still to hand out.
    pub find: Option<Vec<CK_OBJECT_HANDLE>>,
    pub sign: Option<SignOp>,
    pub decrypt: Option<DecryptOp>,
    /// CK_SESSION_INFO.ulDeviceError: the status word of the last card refusal.
    pub device_error: CK_ULONG,
}

/// An active signature (C_SignInit … C_Sign / C_SignFinal).
pub struct SignOp {
    pub key_ref: u8,
    pub plan: SignPlan,
    /// Hash-and-sign mechanisms hash as data arrives.
    pub hasher: Option<Hasher>,
    /// Raw mechanisms collect C_SignUpdate data.
    pub buffer: Vec<u8>,
    pub multipart: bool,
}

/// An active decryption; `result` keeps a plaintext a too-small buffer did not take.
pub struct DecryptOp {
    pub key_ref: u8,
    pub mechanism: DecipherMechanism,
    pub cryptogram_len: usize,
    pub buffer: Vec<u8>,
    pub result: Option<Vec<u8>>,
}

/// What CK_SESSION_INFO reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionInfo {
    pub slot: CK_SLOT_ID,
    pub state: CK_STATE,
    pub flags: CK_FLAGS,
    pub device_error: CK_ULONG,
}

/// The operation a token error interrupted, for its return value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Login,
    Sign,
    Decrypt,
    Derive,
}

/// TokenError → CK_RV (§5.1 return values of each function).
pub fn token_rv(error: &TokenError, operation: Operation) -> CK_RV {
    match (error, operation) {
        (TokenError::Removed(_), _) => CKR_DEVICE_REMOVED,
        // The zone needs a secret the module does not have (NEID_CAN): the
        // function cannot be performed; ulDeviceError carries the status word.
        (TokenError::CanRequired | TokenError::Pace(_), _) => CKR_FUNCTION_FAILED,
        (TokenError::PinIncorrect { .. } | TokenError::PinFormat(_), _) => CKR_PIN_INCORRECT,
        (TokenError::PinBlocked, _) => CKR_PIN_LOCKED,
        (TokenError::PinNotSet, _) => CKR_USER_PIN_NOT_INITIALIZED,
        (TokenError::NotLoggedIn, _) => CKR_USER_NOT_LOGGED_IN,
        (TokenError::InvalidInput { sw: Some(WRONG_DATA), .. }, Operation::Sign) => CKR_DATA_INVALID,
        (TokenError::InvalidInput { .. }, Operation::Sign) => CKR_DATA_LEN_RANGE,
        (TokenError::InvalidInput { sw: Some(WRONG_DATA), .. }, Operation::Decrypt) => CKR_ENCRYPTED_DATA_INVALID,
        (TokenError::InvalidInput { .. }, Operation::Decrypt) => CKR_ENCRYPTED_DATA_LEN_RANGE,
        (TokenError::InvalidInput { .. }, Operation::Derive) => CKR_MECHANISM_PARAM_INVALID,
        _ => CKR_DEVICE_ERROR,
    }
}

/// 6A80 wrong data (ISO 7816-4 §5.6): bad padding, point not on the curve.
const WRONG_DATA: u16 = 0x6A80;

impl Module {
    pub(crate) fn session(&self, handle: CK_SESSION_HANDLE) -> Result<&Session, CK_RV> {
        self.sessions.get(&handle).ok_or(CKR_SESSION_HANDLE_INVALID)
    }

    pub(crate) fn session_mut(&mut self, handle: CK_SESSION_HANDLE) -> Result<&mut Session, CK_RV> {
        self.sessions.get_mut(&handle).ok_or(CKR_SESSION_HANDLE_INVALID)
    }

    /// The loaded token of a session's slot; `CKR_FUNCTION_FAILED` for a
    /// locked zone (docs/spec/pkcs11.md §Slots and tokens).
    pub(crate) fn loaded(&mut self, handle: CK_SESSION_HANDLE) -> Result<&mut LoadedToken, CK_RV> {
        let slot = self.session(handle)?.slot as usize;
        match self.slots.get_mut(slot).map(|s| &mut s.card) {
            Some(CardState::Ready(loaded)) => Ok(loaded),
            Some(CardState::Locked(_)) => Err(CKR_FUNCTION_FAILED),
            _ => Err(CKR_DEVICE_REMOVED),
        }
    }

    /// Why the session's token is locked, if it is.
    fn locked_reason(&self, handle: CK_SESSION_HANDLE) -> Option<&TokenError> {
        let slot = self.session(handle).ok()?.slot as usize;
        match self.slots.get(slot).map(|s| &s.card) {
            Some(CardState::Locked(error)) => Some(error),
            _ => None,
        }
    }

    /// Records a token failure: the status word for C_GetSessionInfo, the
    /// log line, and, for a vanished card, the end of its sessions.
    pub(crate) fn fail(&mut self, handle: CK_SESSION_HANDLE, error: TokenError, operation: Operation) -> CK_RV {
        let rv = token_rv(&error, operation);
        tracing::warn!(session = handle, ?operation, %error, rv = format!("{rv:#x}"), "token operation failed");
        if let Ok(session) = self.session_mut(handle) {
            session.device_error = error.device_error();
            let slot = session.slot as usize;
            match error {
                TokenError::Removed(_) => self.remove_card(slot),
                TokenError::NotLoggedIn => {
                    // The card forgot PIN2 (reset by someone else): so do we.
                    if let Some(CardState::Ready(loaded)) = self.slots.get_mut(slot).map(|s| &mut s.card) {
                        loaded.logged_in = false;
                    }
                }
                _ => {}
            }
        }
        rv
    }

    /// C_OpenSession. Sessions may be read/write although the token is
    /// read-only: pkcs11-tool opens R/W sessions for --login and --sign, and
    /// the token refuses every object change itself (docs/spec/pkcs11.md).
    pub fn open_session(&mut self, slot_id: CK_SLOT_ID, flags: CK_FLAGS) -> Result<CK_SESSION_HANDLE, CK_RV> {
        let index = self.slot_index(slot_id)?;
        if flags & CKF_SERIAL_SESSION == 0 {
            return Err(CKR_SESSION_PARALLEL_NOT_SUPPORTED);
        }
        if !self.slot_info(slot_id).is_ok_and(|info| info.flags & CKF_TOKEN_PRESENT != 0) {
            return Err(CKR_TOKEN_NOT_PRESENT);
        }
        let handle = self.new_session_handle();
        self.sessions.insert(
            handle,
            Session {
                slot: index as CK_SLOT_ID,
                rw: flags & CKF_RW_SESSION != 0,
                find: None,
                sign: None,
                decrypt: None,
                device_error: 0,
            },
        );
        Ok(handle)
    }

    /// C_CloseSession: its session objects go; the last session of a token logs out (§5.6).
    pub fn close_session(&mut self, handle: CK_SESSION_HANDLE) -> Result<(), CK_RV> {
        let session = self.sessions.remove(&handle).ok_or(CKR_SESSION_HANDLE_INVALID)?;
        let slot = session.slot;
        if let Some(CardState::Ready(loaded)) = self.slots.get_mut(slot as usize).map(|s| &mut s.card) {
            loaded.objects.retain(|_, object| object.owner != Some(handle));
        }
        if !self.sessions.values().any(|s| s.slot == slot) {
            self.logout_token(slot);
        }
        Ok(())
    }

    pub fn close_all_sessions(&mut self, slot_id: CK_SLOT_ID) -> Result<(), CK_RV> {
        let index = self.slot_index(slot_id)?;
        let handles: Vec<CK_SESSION_HANDLE> =
            self.sessions.iter().filter(|(_, s)| s.slot == index as CK_SLOT_ID).map(|(h, _)| *h).collect();
        for handle in handles {
            self.close_session(handle)?;
        }
        Ok(())
    }

    /// Ends PIN2 on the card and drops the private session objects' visibility.
    fn logout_token(&mut self, slot: CK_SLOT_ID) {
        if let Some(CardState::Ready(loaded)) = self.slots.get_mut(slot as usize).map(|s| &mut s.card)
            && loaded.logged_in
        {
            loaded.logged_in = false;
            if let Err(error) = loaded.token.logout() {
                tracing::warn!(%error, "logout failed");
            }
        }
        for session in self.sessions.values_mut().filter(|s| s.slot == slot) {
            session.sign = None;
            session.decrypt = None;
        }
    }

    pub fn session_info(&mut self, handle: CK_SESSION_HANDLE) -> Result<SessionInfo, CK_RV> {
        let session = self.session(handle)?;
        let (slot, rw, device_error) = (session.slot, session.rw, session.device_error);
        let logged_in = self.loaded(handle).is_ok_and(|l| l.logged_in);
        let state = match (rw, logged_in) {
            (false, false) => CKS_RO_PUBLIC_SESSION,
            (false, true) => CKS_RO_USER_FUNCTIONS,
            (true, false) => CKS_RW_PUBLIC_SESSION,
            (true, true) => CKS_RW_USER_FUNCTIONS,
        };
        let flags = CKF_SERIAL_SESSION | if rw { CKF_RW_SESSION } else { 0 };
        Ok(SessionInfo { slot, state, flags, device_error })
    }

    /// C_Login. CKU_USER is PIN2; the token has no SO PIN
    /// (CKR_USER_TYPE_INVALID); CKU_CONTEXT_SPECIFIC re-verifies PIN2 during
    /// an operation (no key needs it: CKA_ALWAYS_AUTHENTICATE is FALSE).
    pub fn login(&mut self, handle: CK_SESSION_HANDLE, user_type: CK_USER_TYPE, pin: &[u8]) -> Result<(), CK_RV> {
        let session = self.session(handle)?;
        let operation_active = session.sign.is_some() || session.decrypt.is_some();
        if let Some(reason) = self.locked_reason(handle) {
            let device_error = reason.device_error();
            tracing::warn!(%reason, "C_Login on a locked certificate zone");
            self.session_mut(handle)?.device_error = device_error;
            return Err(CKR_FUNCTION_FAILED);
        }
        let loaded = self.loaded(handle)?;
        match user_type {
            CKU_USER if loaded.logged_in => return Err(CKR_USER_ALREADY_LOGGED_IN),
            CKU_USER => {}
            CKU_CONTEXT_SPECIFIC if !operation_active => return Err(CKR_OPERATION_NOT_INITIALIZED),
            CKU_CONTEXT_SPECIFIC => {}
            _ => return Err(CKR_USER_TYPE_INVALID),
        }
        let result = loaded.token.verify_pin(pin);
        match result {
            Ok(()) => {
                loaded.logged_in = true;
                Ok(())
            }
            Err(error) => Err(self.fail(handle, error, Operation::Login)),
        }
    }

    pub fn logout(&mut self, handle: CK_SESSION_HANDLE) -> Result<(), CK_RV> {
        if !self.loaded(handle)?.logged_in {
            return Err(CKR_USER_NOT_LOGGED_IN);
        }
        let slot = self.session(handle)?.slot;
        self.logout_token(slot);
        Ok(())
    }
}
