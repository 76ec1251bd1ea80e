//! Signing and decryption (PKCS#11 v2.40 §5.10, §5.9): single- and
//! multi-part, with the two-call output convention (§5.2). An error other
//! than CKR_BUFFER_TOO_SMALL ends the operation, as does success.

use cryptoki_sys::*;

use crate::mechanism::{self, Mechanism, SignPlan};
use crate::module::{Module, Output};
use crate::object::CardKey;
use crate::session::{DecryptOp, Operation, SignOp};
use crate::token::{SignMechanism, TokenError};

impl Module {
    /// The card key behind a private key handle, if it allows `usage`.
    pub(crate) fn card_key(
        &mut self,
        handle: CK_SESSION_HANDLE,
        key: CK_OBJECT_HANDLE,
        usage: CK_ATTRIBUTE_TYPE,
    ) -> Result<CardKey, CK_RV> {
        let object = self.object(handle, key).map_err(|_| CKR_KEY_HANDLE_INVALID)?;
        let card_key = object.card_key.clone().ok_or(CKR_KEY_TYPE_INCONSISTENT)?;
        if !object.flag(usage) {
            return Err(CKR_KEY_FUNCTION_NOT_PERMITTED);
        }
        Ok(card_key)
    }

    /// The card key an operation starts with (C_SignInit, C_DecryptInit),
    /// if no other operation is active: the card has one security
    /// environment, so one operation at a time.
    fn operation_key(
        &mut self,
        handle: CK_SESSION_HANDLE,
        key: CK_OBJECT_HANDLE,
        usage: CK_ATTRIBUTE_TYPE,
    ) -> Result<CardKey, CK_RV> {
        let session = self.session(handle)?;
        if session.sign.is_some() || session.decrypt.is_some() {
            return Err(CKR_OPERATION_ACTIVE);
        }
        self.card_key(handle, key, usage)
    }

    pub fn sign_init(
        &mut self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        key: CK_OBJECT_HANDLE,
    ) -> Result<(), CK_RV> {
        let card_key = self.operation_key(handle, key, CKA_SIGN)?;
        let plan = SignPlan::new(mechanism, &card_key.public)?;
        let op = SignOp {
            key_ref: card_key.key_ref,
            plan,
            hasher: plan.hash.map(|h| h.hasher()),
            buffer: Vec::new(),
            multipart: false,
        };
        self.session_mut(handle)?.sign = Some(op);
        Ok(())
    }

    fn sign_op(&mut self, handle: CK_SESSION_HANDLE) -> Result<&mut SignOp, CK_RV> {
        self.session_mut(handle)?.sign.as_mut().ok_or(CKR_OPERATION_NOT_INITIALIZED)
    }

    /// C_Sign: `capacity` is the output buffer length (`None` for NULL).
    pub fn sign(&mut self, handle: CK_SESSION_HANDLE, data: &[u8], capacity: Option<usize>) -> Result<Output, CK_RV> {
        let op = self.sign_op(handle)?;
        if op.multipart {
            return Err(self.end_sign(handle, CKR_OPERATION_ACTIVE));
        }
        if let Some(output) = Output::for_capacity(op.plan.signature_len, capacity) {
            return Ok(output);
        }
        self.sign_update(handle, data)?;
        self.finish_sign(handle)
    }

    pub fn sign_update(&mut self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<(), CK_RV> {
        let op = self.sign_op(handle)?;
        match &mut op.hasher {
            Some(hasher) => hasher.update(data),
            None if op.plan.card == SignMechanism::Ecdsa => {
                // CKM_ECDSA takes a hash of any length; only its leftmost
                // field-size bytes count (FIPS 186-4 §6.4, docs/spec/pkcs11.md).
                let room = op.plan.max_input.saturating_sub(op.buffer.len());
                op.buffer.extend_from_slice(&data[..data.len().min(room)]);
            }
            None if op.buffer.len() + data.len() > op.plan.max_input => {
                return Err(self.end_sign(handle, CKR_DATA_LEN_RANGE));
            }
            None => op.buffer.extend_from_slice(data),
        }
        Ok(())
    }

    /// C_SignUpdate: marks the operation multi-part.
    pub fn sign_update_part(&mut self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<(), CK_RV> {
        self.sign_op(handle)?.multipart = true;
        self.sign_update(handle, data)
    }

    pub fn sign_final(&mut self, handle: CK_SESSION_HANDLE, capacity: Option<usize>) -> Result<Output, CK_RV> {
        let op = self.sign_op(handle)?;
        if let Some(output) = Output::for_capacity(op.plan.signature_len, capacity) {
            return Ok(output);
        }
        self.finish_sign(handle)
    }

    fn end_sign(&mut self, handle: CK_SESSION_HANDLE, rv: CK_RV) -> CK_RV {
        if let Ok(session) = self.session_mut(handle) {
            session.sign = None;
        }
        rv
    }

    fn finish_sign(&mut self, handle: CK_SESSION_HANDLE) -> Result<Output, CK_RV> {
        let op = self.session_mut(handle)?.sign.take().ok_or(CKR_OPERATION_NOT_INITIALIZED)?;
        let data = match op.hasher {
            Some(hasher) => hasher.finalize(),
            None => op.buffer,
        };
        let input = op.plan.card_input(data)?;
        let loaded = self.loaded(handle)?;
        match loaded.token.sign(op.key_ref, op.plan.card, &input) {
            Ok(signature) if signature.len() == op.plan.signature_len => Ok(Output::Data(signature)),
            // The caller's buffer was sized for `signature_len` (C_Sign's
            // length query): any other length is a card fault, never output.
            Ok(signature) => {
                let error = TokenError::Device(format!(
                    "the card answered a signature of {} bytes, {} expected",
                    signature.len(),
                    op.plan.signature_len
                ));
                Err(self.fail(handle, error, Operation::Sign))
            }
            Err(error) => Err(self.fail(handle, error, Operation::Sign)),
        }
    }

    pub fn decrypt_init(
        &mut self,
        handle: CK_SESSION_HANDLE,
        mechanism: &Mechanism,
        key: CK_OBJECT_HANDLE,
    ) -> Result<(), CK_RV> {
        let card_key = self.operation_key(handle, key, CKA_DECRYPT)?;
        let card_mechanism = mechanism::decipher_mechanism(mechanism, &card_key.public)?;
        let op = DecryptOp {
            key_ref: card_key.key_ref,
            mechanism: card_mechanism,
            cryptogram_len: card_key.public.signature_len(),
            buffer: Vec::new(),
            result: None,
        };
        self.session_mut(handle)?.decrypt = Some(op);
        Ok(())
    }

    fn decrypt_op(&mut self, handle: CK_SESSION_HANDLE) -> Result<&mut DecryptOp, CK_RV> {
        self.session_mut(handle)?.decrypt.as_mut().ok_or(CKR_OPERATION_NOT_INITIALIZED)
    }

    fn end_decrypt(&mut self, handle: CK_SESSION_HANDLE, rv: CK_RV) -> CK_RV {
        if let Ok(session) = self.session_mut(handle) {
            session.decrypt = None;
        }
        rv
    }

    /// C_Decrypt. The plaintext length is known only after the card
    /// answered: a length query (or too small a buffer) deciphers once and
    /// keeps the plaintext for the next call.
    pub fn decrypt(
        &mut self,
        handle: CK_SESSION_HANDLE,
        data: &[u8],
        capacity: Option<usize>,
    ) -> Result<Output, CK_RV> {
        let op = self.decrypt_op(handle)?;
        if op.result.is_none() {
            if !op.buffer.is_empty() {
                return Err(self.end_decrypt(handle, CKR_OPERATION_ACTIVE));
            }
            op.buffer = data.to_vec();
        }
        self.decrypt_final(handle, capacity)
    }

    /// C_DecryptUpdate: RSA deciphers one block, so parts are collected and
    /// nothing is output before C_DecryptFinal.
    pub fn decrypt_update(&mut self, handle: CK_SESSION_HANDLE, data: &[u8]) -> Result<(), CK_RV> {
        let op = self.decrypt_op(handle)?;
        if op.buffer.len() + data.len() > op.cryptogram_len {
            return Err(self.end_decrypt(handle, CKR_ENCRYPTED_DATA_LEN_RANGE));
        }
        op.buffer.extend_from_slice(data);
        Ok(())
    }

    pub fn decrypt_final(&mut self, handle: CK_SESSION_HANDLE, capacity: Option<usize>) -> Result<Output, CK_RV> {
        let op = self.decrypt_op(handle)?;
        let plaintext = match op.result.take() {
            Some(plaintext) => plaintext,
            None => {
                if op.buffer.len() != op.cryptogram_len {
                    return Err(self.end_decrypt(handle, CKR_ENCRYPTED_DATA_LEN_RANGE));
                }
                let (key_ref, mechanism, cryptogram) = (op.key_ref, op.mechanism, std::mem::take(&mut op.buffer));
                let loaded = self.loaded(handle)?;
                match loaded.token.decipher(key_ref, mechanism, &cryptogram) {
                    Ok(plaintext) => plaintext,
                    Err(error) => {
                        let rv = self.fail(handle, error, Operation::Decrypt);
                        return Err(self.end_decrypt(handle, rv));
                    }
                }
            }
        };
        match Output::for_capacity(plaintext.len(), capacity) {
            Some(output) => {
                self.decrypt_op(handle)?.result = Some(plaintext);
                Ok(output)
            }
            None => {
                self.end_decrypt(handle, CKR_OK);
                Ok(Output::Data(plaintext))
            }
        }
    }
}
