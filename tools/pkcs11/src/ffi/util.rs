//! Moving values across the C boundary: blank-padded strings (§3.2 "not
//! null-terminated, padded with blanks"), input slices, CK_MECHANISM
//! parameters, templates, and the two-call output convention (§5.2).

use std::ffi::c_void;
use std::mem::size_of;
use std::ptr;

use cryptoki_sys::*;

use crate::find::Template;
use crate::mechanism::{Mechanism, MechanismParams};
use crate::module::Output;

/// CK_UNAVAILABLE_INFORMATION (§3.3): `(CK_ULONG)-1`.
pub const UNAVAILABLE_INFORMATION: CK_ULONG = CK_ULONG::MAX;
/// Version of the PKCS#11 interface the module implements.
pub const CRYPTOKI_VERSION: CK_VERSION = CK_VERSION { major: 2, minor: 40 };
/// The module's own version (hardware/firmware/library).
pub const MODULE_VERSION: CK_VERSION = CK_VERSION { major: 0, minor: 1 };

/// `text` in a blank-padded fixed field, cut at a character boundary.
pub fn padded<const N: usize>(text: &str) -> [u8; N] {
    let mut field = [b' '; N];
    let mut end = text.len().min(N);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    field[..end].copy_from_slice(&text.as_bytes()[..end]);
    field
}

/// Input bytes: a NULL pointer is fine only for an empty input.
///
/// # Safety
/// `data` must point to `len` readable bytes when not NULL.
pub unsafe fn input<'a>(data: *const u8, len: CK_ULONG) -> Result<&'a [u8], CK_RV> {
    let len = usize::try_from(len).map_err(|_| CKR_ARGUMENTS_BAD)?;
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(CKR_ARGUMENTS_BAD);
    }
    // SAFETY: the caller guarantees `len` readable bytes at `data`.
    Ok(unsafe { std::slice::from_raw_parts(data, len) })
}

/// Writes `value` through `out`, which must not be NULL.
///
/// # Safety
/// `out` must be valid for a write of `T` when not NULL.
pub unsafe fn store<T>(out: *mut T, value: T) -> Result<(), CK_RV> {
    if out.is_null() {
        return Err(CKR_ARGUMENTS_BAD);
    }
    // SAFETY: non-NULL and valid per the caller.
    unsafe { ptr::write_unaligned(out, value) };
    Ok(())
}

/// The caller's output capacity: `None` when `out` is NULL (length query).
///
/// # Safety
/// `out_len` must be valid for a read when not NULL.
pub unsafe fn capacity(out: *const u8, out_len: *const CK_ULONG) -> Result<Option<usize>, CK_RV> {
    if out_len.is_null() {
        return Err(CKR_ARGUMENTS_BAD);
    }
    if out.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and valid per the caller.
    let len = unsafe { ptr::read_unaligned(out_len) };
    Ok(Some(usize::try_from(len).unwrap_or(usize::MAX)))
}

/// Delivers an [`Output`]: the length, CKR_BUFFER_TOO_SMALL with the
/// length, or the bytes. Bytes that exceed the room the caller gave
/// (`*out_len`) are never written: CKR_DEVICE_ERROR, `*out_len` unchanged
/// (the module planned a length the card did not keep to).
///
/// # Safety
/// `out` must have `*out_len` writable bytes when not NULL; `out_len` valid.
pub unsafe fn deliver(out: *mut u8, out_len: *mut CK_ULONG, output: Output) -> Result<(), CK_RV> {
    let (len, bytes, rv) = match output {
        Output::Length(len) => (len, None, CKR_OK),
        Output::TooSmall(len) => (len, None, CKR_BUFFER_TOO_SMALL),
        Output::Data(bytes) => (bytes.len(), Some(bytes), CKR_OK),
    };
    if let Some(bytes) = bytes {
        // SAFETY: `out_len` valid per the caller; `None` for a NULL `out`.
        let room = unsafe { capacity(out, out_len)? }.ok_or(CKR_ARGUMENTS_BAD)?;
        if bytes.len() > room {
            tracing::error!(len = bytes.len(), room, "output longer than the caller's buffer: not written");
            return Err(CKR_DEVICE_ERROR);
        }
        // SAFETY: `out` has `room` ≥ `bytes.len()` writable bytes per the caller.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), out, bytes.len()) };
    }
    // SAFETY: `out_len` valid per the caller.
    unsafe { store(out_len, len as CK_ULONG)? };
    if rv == CKR_OK { Ok(()) } else { Err(rv) }
}

/// Reads a `#[repr(C)]` parameter structure of exactly its size.
///
/// # Safety
/// `param` must point to `len` readable bytes when not NULL.
unsafe fn parameter<T: Copy>(param: *const c_void, len: CK_ULONG) -> Option<T> {
    if param.is_null() || usize::try_from(len).ok() != Some(size_of::<T>()) {
        return None;
    }
    // SAFETY: non-NULL with the size of T; read_unaligned has no alignment need.
    Some(unsafe { ptr::read_unaligned(param.cast::<T>()) })
}

/// CK_MECHANISM with the parameter structure its type takes.
///
/// # Safety
/// `mechanism` must be a valid CK_MECHANISM when not NULL, its pointers valid.
pub unsafe fn mechanism(mechanism: *const CK_MECHANISM) -> Result<Mechanism, CK_RV> {
    if mechanism.is_null() {
        return Err(CKR_ARGUMENTS_BAD);
    }
    // SAFETY: non-NULL and valid per the caller.
    let raw = unsafe { ptr::read_unaligned(mechanism) };
    let (param, len) = (raw.pParameter.cast_const(), raw.ulParameterLen);
    let absent = param.is_null() && len == 0;
    let params = match raw.mechanism {
        _ if absent => MechanismParams::None,
        CKM_RSA_PKCS_PSS | CKM_SHA256_RSA_PKCS_PSS | CKM_SHA384_RSA_PKCS_PSS | CKM_SHA512_RSA_PKCS_PSS => {
            // SAFETY: caller-provided parameter of the stated length.
            match unsafe { parameter::<CK_RSA_PKCS_PSS_PARAMS>(param, len) } {
                Some(p) => MechanismParams::Pss { hash: p.hashAlg, mgf: p.mgf, salt_len: p.sLen },
                None => MechanismParams::Invalid,
            }
        }
        CKM_RSA_PKCS_OAEP => match unsafe { parameter::<CK_RSA_PKCS_OAEP_PARAMS>(param, len) } {
            Some(p) => MechanismParams::Oaep {
                hash: p.hashAlg,
                mgf: p.mgf,
                source: p.source,
                // SAFETY: the label buffer the caller described.
                source_data: unsafe { input(p.pSourceData.cast_const().cast(), p.ulSourceDataLen)? }.to_vec(),
            },
            None => MechanismParams::Invalid,
        },
        CKM_ECDH1_DERIVE => match unsafe { parameter::<CK_ECDH1_DERIVE_PARAMS>(param, len) } {
            Some(p) => MechanismParams::Ecdh {
                kdf: p.kdf,
                // SAFETY: the buffers the caller described.
                shared_data: unsafe { input(p.pSharedData.cast_const(), p.ulSharedDataLen)? }.to_vec(),
                public_data: unsafe { input(p.pPublicData.cast_const(), p.ulPublicDataLen)? }.to_vec(),
            },
            None => MechanismParams::Invalid,
        },
        _ => MechanismParams::Invalid,
    };
    Ok(Mechanism { kind: raw.mechanism, params })
}

/// A search or creation template as (type, value) pairs.
///
/// # Safety
/// `attributes` must point to `count` CK_ATTRIBUTEs when `count` > 0.
pub unsafe fn template(attributes: *const CK_ATTRIBUTE, count: CK_ULONG) -> Result<Template, CK_RV> {
    let count = usize::try_from(count).map_err(|_| CKR_ARGUMENTS_BAD)?;
    if count == 0 {
        return Ok(Vec::new());
    }
    if attributes.is_null() {
        return Err(CKR_ARGUMENTS_BAD);
    }
    (0..count)
        .map(|i| {
            // SAFETY: `count` attributes per the caller.
            let attribute = unsafe { ptr::read_unaligned(attributes.add(i)) };
            // SAFETY: each value buffer as the caller described it.
            let value = unsafe { input(attribute.pValue.cast_const().cast(), attribute.ulValueLen)? };
            Ok((attribute.type_, value.to_vec()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_blank_padded_and_cut_on_characters() {
        assert_eq!(&padded::<8>("neid"), b"neid    ");
        assert_eq!(&padded::<4>("Taiwan"), b"Taiw");
        // "臺" is 3 bytes: a 4-byte field keeps one character and a blank.
        let field = padded::<4>("臺北");
        assert_eq!(&field[..3], "臺".as_bytes());
        assert_eq!(field[3], b' ');
    }

    #[test]
    fn two_call_convention() {
        let mut len: CK_ULONG = 0;
        unsafe { deliver(ptr::null_mut(), &mut len, Output::Length(256)) }.unwrap();
        assert_eq!(len, 256);
        let mut buf = [0u8; 4];
        len = 4;
        let rv = unsafe { deliver(buf.as_mut_ptr(), &mut len, Output::TooSmall(256)) };
        assert_eq!(rv, Err(CKR_BUFFER_TOO_SMALL));
        assert_eq!(len, 256);
        unsafe { deliver(buf.as_mut_ptr(), &mut len, Output::Data(vec![1, 2, 3])) }.unwrap();
        assert_eq!((len, buf), (3, [1, 2, 3, 0]));
        assert_eq!(unsafe { capacity(buf.as_ptr(), ptr::null()) }, Err(CKR_ARGUMENTS_BAD));
    }

    #[test]
    fn deliver_refuses_more_bytes_than_the_room() {
        // A 6-byte buffer of which the caller gives 4: nothing past them is written.
        let mut buf = [0xEEu8; 6];
        let mut len: CK_ULONG = 4;
        let rv = unsafe { deliver(buf.as_mut_ptr(), &mut len, Output::Data(vec![1; 5])) };
        assert_eq!(rv, Err(CKR_DEVICE_ERROR));
        assert_eq!((len, buf), (4, [0xEE; 6]), "nothing written, length unchanged");
        unsafe { deliver(buf.as_mut_ptr(), &mut len, Output::Data(vec![1; 4])) }.unwrap();
        assert_eq!((len, buf), (4, [1, 1, 1, 1, 0xEE, 0xEE]));
        let rv = unsafe { deliver(ptr::null_mut(), &mut len, Output::Data(vec![1])) };
        assert_eq!(rv, Err(CKR_ARGUMENTS_BAD));
    }

    #[test]
    fn mechanism_parameters_must_have_their_size() {
        let mut pss = CK_RSA_PKCS_PSS_PARAMS { hashAlg: CKM_SHA256, mgf: CKG_MGF1_SHA256, sLen: 32 };
        let mut raw = CK_MECHANISM {
            mechanism: CKM_RSA_PKCS_PSS,
            pParameter: (&raw mut pss).cast(),
            ulParameterLen: size_of::<CK_RSA_PKCS_PSS_PARAMS>() as CK_ULONG,
        };
        let parsed = unsafe { mechanism(&raw) }.unwrap();
        assert_eq!(parsed.params, MechanismParams::Pss { hash: CKM_SHA256, mgf: CKG_MGF1_SHA256, salt_len: 32 });
        raw.ulParameterLen -= 1;
        assert_eq!(unsafe { mechanism(&raw) }.unwrap().params, MechanismParams::Invalid);
        raw.mechanism = CKM_RSA_PKCS;
        assert_eq!(unsafe { mechanism(&raw) }.unwrap().params, MechanismParams::Invalid);
        assert_eq!(unsafe { mechanism(ptr::null()) }, Err(CKR_ARGUMENTS_BAD));
    }
}
