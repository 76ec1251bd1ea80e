//! The issuer master key file (`--issuer-keys FILE`, `card.keys.issuer_keys`;
//! docs/spec/scp03.md §Keys): the key version number and the three AES-128
//! master keys of GlobalPlatform SCP03 (Card Specification 2.3 Amd D), from
//! which each card's static keys are diversified with its KDD.
//!
//! ```toml
//! kvn = "30"
//! enc = "404142434445464748494A4B4C4D4E4F"
//! mac = "…"
//! dek = "…"
//! ```
//!
//! Errors are one line and name the field; key values are never echoed.
//! The keys, the file's text and the parsed hex strings are wiped when
//! dropped (`zeroize`).

use core::fmt;
use std::path::{Path, PathBuf};

use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

/// Bytes of an AES-128 key.
pub const MASTER_KEY_LEN: usize = 16;
/// KVN `00` in INITIALIZE UPDATE means "the card's key set" (scp03.md), so
/// no key set carries it.
const RESERVED_KVN: u8 = 0x00;

const FIELD_KVN: &str = "kvn";
const FIELD_ENC: &str = "enc";
const FIELD_MAC: &str = "mac";
const FIELD_DEK: &str = "dek";
const FIELDS: [&str; 4] = [FIELD_KVN, FIELD_ENC, FIELD_MAC, FIELD_DEK];

/// The issuer's master keys. `Debug` shows the KVN only; the keys are
/// wiped when dropped.
#[derive(Clone)]
pub struct IssuerKeys {
    /// Key version number of the key set.
    pub kvn: u8,
    /// Master K-ENC.
    pub enc: [u8; MASTER_KEY_LEN],
    /// Master K-MAC.
    pub mac: [u8; MASTER_KEY_LEN],
    /// Master K-DEK.
    pub dek: [u8; MASTER_KEY_LEN],
}

impl Zeroize for IssuerKeys {
    fn zeroize(&mut self) {
        self.enc.zeroize();
        self.mac.zeroize();
        self.dek.zeroize();
    }
}

impl Drop for IssuerKeys {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl fmt::Debug for IssuerKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuerKeys")
            .field("kvn", &format_args!("{:02X}", self.kvn))
            .finish_non_exhaustive()
    }
}

/// Why an issuer key file was refused.
#[derive(Debug, Error)]
pub enum IssuerKeysError {
    #[error("cannot read issuer key file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}TOML syntax error: {message}", prefix(.path))]
    Syntax {
        path: Option<PathBuf>,
        message: String,
    },
    /// `field` is `kvn`, `enc`, `mac`, `dek`, or an unknown key.
    #[error("{}{field}: {message}", prefix(.path))]
    Field {
        path: Option<PathBuf>,
        field: String,
        message: String,
    },
}

fn prefix(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map(|p| format!("{}: ", p.display()))
        .unwrap_or_default()
}

impl IssuerKeys {
    /// Reads and parses an issuer key file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<IssuerKeys, IssuerKeysError> {
        let path = path.as_ref();
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|source| {
            IssuerKeysError::Io {
                path: path.to_owned(),
                source,
            }
        })?);
        parse(&text, Some(path))
    }

    /// Parses the TOML text of an issuer key file.
    pub fn from_toml_str(text: &str) -> Result<IssuerKeys, IssuerKeysError> {
        parse(text, None)
    }
}

/// The parsed file, its strings (hex keys) wiped when dropped.
struct WipedTable(toml::Table);

impl Drop for WipedTable {
    fn drop(&mut self) {
        for (_, value) in self.0.iter_mut() {
            if let toml::Value::String(text) = value {
                text.zeroize();
            }
        }
    }
}

fn parse(text: &str, path: Option<&Path>) -> Result<IssuerKeys, IssuerKeysError> {
    let path = path.map(Path::to_owned);
    let table = WipedTable(toml::from_str(text).map_err(|e| IssuerKeysError::Syntax {
        path: path.clone(),
        message: e.message().trim().lines().collect::<Vec<_>>().join("; "),
    })?);
    let table = &table.0;
    let field_error = |field: &str, message: String| IssuerKeysError::Field {
        path: path.clone(),
        field: field.to_owned(),
        message,
    };
    if let Some(unknown) = table.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(field_error(
            unknown,
            format!("unknown field, expected one of {}", FIELDS.join(", ")),
        ));
    }
    let hex_field = |field: &str, len: usize| -> Result<Zeroizing<Vec<u8>>, IssuerKeysError> {
        let value = table
            .get(field)
            .ok_or_else(|| field_error(field, "missing field".to_owned()))?;
        let text = value.as_str().ok_or_else(|| {
            field_error(
                field,
                format!(
                    "expected a string of {} hex digits, found a TOML {}",
                    2 * len,
                    value.type_str()
                ),
            )
        })?;
        decode_hex(text, len).map_err(|message| field_error(field, message))
    };
    let kvn = hex_field(FIELD_KVN, 1)?;
    let kvn = kvn.first().copied().unwrap_or(RESERVED_KVN);
    if kvn == RESERVED_KVN {
        return Err(field_error(
            FIELD_KVN,
            "00 is reserved (INITIALIZE UPDATE with KVN 00 means \"the card's key set\")"
                .to_owned(),
        ));
    }
    let key = |field: &str, out: &mut [u8; MASTER_KEY_LEN]| -> Result<(), IssuerKeysError> {
        let bytes = hex_field(field, MASTER_KEY_LEN)?;
        if bytes.len() != MASTER_KEY_LEN {
            return Err(field_error(
                field,
                format!("expected {MASTER_KEY_LEN} bytes"),
            ));
        }
        out.copy_from_slice(&bytes);
        Ok(())
    };
    // Built in place: no key array is left behind in a temporary.
    let mut keys = IssuerKeys {
        kvn,
        enc: [0; MASTER_KEY_LEN],
        mac: [0; MASTER_KEY_LEN],
        dek: [0; MASTER_KEY_LEN],
    };
    key(FIELD_ENC, &mut keys.enc)?;
    key(FIELD_MAC, &mut keys.mac)?;
    key(FIELD_DEK, &mut keys.dek)?;
    Ok(keys)
}

/// Exactly `len` bytes written as `2 × len` hex digits (either case). The
/// message never repeats the value (it may be a key).
fn decode_hex(text: &str, len: usize) -> Result<Zeroizing<Vec<u8>>, String> {
    let digits = 2 * len;
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "expected {digits} hex digits ({len} byte{}), found {} characters",
            if len == 1 { "" } else { "s" },
            text.chars().count()
        ));
    }
    text.as_bytes()
        .chunks_exact(2)
        .map(|pair| {
            core::str::from_utf8(pair)
                .ok()
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("expected {digits} hex digits"))
        })
        .collect::<Result<Vec<u8>, String>>()
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
kvn = "30"
enc = "404142434445464748494A4B4C4D4E4F"
mac = "505152535455565758595a5b5c5d5e5f"
dek = "606162636465666768696A6B6C6D6E6F"
"#;

    fn error(text: &str) -> String {
        match IssuerKeys::from_toml_str(text) {
            Ok(keys) => panic!("accepted: {keys:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn parses_the_spec_example() {
        let keys = IssuerKeys::from_toml_str(GOOD).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(keys.kvn, 0x30);
        assert_eq!(keys.enc[0], 0x40);
        assert_eq!(keys.enc[15], 0x4F);
        assert_eq!(keys.mac[10], 0x5A);
        assert_eq!(keys.dek[15], 0x6F);
        // Debug never shows a key.
        assert_eq!(format!("{keys:?}"), "IssuerKeys { kvn: 30, .. }");
    }

    #[test]
    fn keys_are_wiped_when_dropped() {
        let mut keys = core::mem::ManuallyDrop::new(
            IssuerKeys::from_toml_str(GOOD).unwrap_or_else(|e| panic!("{e}")),
        );
        assert_eq!(keys.enc[0], 0x40);
        // SAFETY: dropped once; the storage stays (ManuallyDrop) and holds
        // plain bytes, read below to see what drop left in it.
        unsafe { core::mem::ManuallyDrop::drop(&mut keys) };
        let left = (keys.kvn, keys.enc, keys.mac, keys.dek);
        assert_eq!(left, (0x30, [0; 16], [0; 16], [0; 16]));
    }

    #[test]
    fn each_broken_field_is_named() {
        let short = GOOD.replace("404142434445464748494A4B4C4D4E4F", "4041");
        assert_eq!(
            error(&short),
            "enc: expected 32 hex digits (16 bytes), found 4 characters"
        );
        let not_hex = GOOD.replace(
            "505152535455565758595a5b5c5d5e5f",
            "505152535455565758595a5b5c5d5e5g",
        );
        assert!(
            error(&not_hex).starts_with("mac: expected 32 hex digits"),
            "{}",
            error(&not_hex)
        );
        assert!(!error(&not_hex).contains("5051"), "key echoed");
        let missing = GOOD.replace("dek = \"606162636465666768696A6B6C6D6E6F\"\n", "");
        assert_eq!(error(&missing), "dek: missing field");
        let kvn_number = GOOD.replace("kvn = \"30\"", "kvn = 48");
        assert_eq!(
            error(&kvn_number),
            "kvn: expected a string of 2 hex digits, found a TOML integer"
        );
        let kvn_long = GOOD.replace("kvn = \"30\"", "kvn = \"300\"");
        assert_eq!(
            error(&kvn_long),
            "kvn: expected 2 hex digits (1 byte), found 3 characters"
        );
        let kvn_zero = GOOD.replace("kvn = \"30\"", "kvn = \"00\"");
        assert!(error(&kvn_zero).starts_with("kvn: 00 is reserved"));
        let unknown = format!("{GOOD}kek = \"00\"\n");
        assert_eq!(
            error(&unknown),
            "kek: unknown field, expected one of kvn, enc, mac, dek"
        );
        assert!(error("kvn = ").starts_with("TOML syntax error: "));
    }

    #[test]
    fn file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("keys.toml");
        let message = IssuerKeys::from_file(&path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            message.starts_with("cannot read issuer key file "),
            "{message}"
        );
        std::fs::write(&path, GOOD.replace("kvn = \"30\"", "kvn = \"\""))
            .unwrap_or_else(|e| panic!("{e}"));
        let message = IssuerKeys::from_file(&path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            message,
            format!(
                "{}: kvn: expected 2 hex digits (1 byte), found 0 characters",
                path.display()
            )
        );
    }
}
