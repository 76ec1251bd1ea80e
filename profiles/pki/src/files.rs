//! Certificate and key files, with errors that name the file: reading PEM
//! (RFC 7468) or DER; writing new files only (`create_new`, flushed),
//! private keys readable by their owner only.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;

use der::pem::LineEnding;
use der::{Decode, Encode};
use p384::ecdsa::SigningKey;
use p384::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use x509_cert::Certificate;

use crate::PkiError;
use crate::error::build_error;

/// RFC 7468 §5 label of a certificate.
pub(crate) const PEM_LABEL_CERTIFICATE: &str = "CERTIFICATE";
/// RFC 7468 §10 label of a PKCS#8 private key.
pub(crate) const PEM_LABEL_PRIVATE_KEY: &str = "PRIVATE KEY";

/// Private keys are written readable by their owner only.
#[cfg(unix)]
const PRIVATE_KEY_MODE: u32 = 0o600;

const PEM_BEGIN: &str = "-----BEGIN ";
const PEM_END: &str = "-----END ";
const PEM_DASHES: &str = "-----";

pub(crate) fn read(path: &Path) -> Result<Vec<u8>, PkiError> {
    std::fs::read(path).map_err(|e| PkiError::io(path, e))
}

fn malformed(path: &Path, reason: impl Into<String>) -> PkiError {
    PkiError::MalformedFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Whether `bytes` look like PEM text (RFC 7468 §2: optional whitespace,
/// then the encapsulation boundary).
pub(crate) fn is_pem(bytes: &[u8]) -> bool {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    bytes[start..].starts_with(PEM_BEGIN.as_bytes())
}

/// Every PEM block of a file as (label, DER bytes). Text between blocks is
/// ignored (RFC 7468 §5.2 allows explanatory text).
pub(crate) fn pem_blocks(path: &Path, bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, PkiError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| malformed(path, "PEM file is not UTF-8 text"))?;
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(begin) = rest.find(PEM_BEGIN) {
        let block_start = &rest[begin..];
        let end = block_start
            .find(PEM_END)
            .ok_or_else(|| malformed(path, "PEM block has no -----END line"))?;
        let after_end = &block_start[end + PEM_END.len()..];
        let close = after_end
            .find(PEM_DASHES)
            .ok_or_else(|| malformed(path, "PEM -----END line is not closed by -----"))?;
        let block_len = end + PEM_END.len() + close + PEM_DASHES.len();
        let block = &block_start[..block_len];
        let (label, der) = der::pem::decode_vec(block.as_bytes())
            .map_err(|e| malformed(path, format!("PEM block: {e}")))?;
        blocks.push((label.to_string(), der));
        rest = &block_start[block_len..];
    }
    Ok(blocks)
}

/// All certificates in a file: every CERTIFICATE block of a PEM file (other
/// blocks, e.g. keys, are skipped), or the whole file as one DER certificate.
pub(crate) fn certificates_in(path: &Path) -> Result<Vec<Certificate>, PkiError> {
    let bytes = read(path)?;
    let ders = if is_pem(&bytes) {
        pem_blocks(path, &bytes)?
            .into_iter()
            .filter(|(label, _)| label == PEM_LABEL_CERTIFICATE)
            .map(|(_, der)| der)
            .collect()
    } else {
        vec![bytes]
    };
    ders.iter()
        .map(|der| {
            Certificate::from_der(der)
                .map_err(|e| malformed(path, format!("not an X.509 certificate: {e}")))
        })
        .collect()
}

/// Exactly one certificate from a file.
pub(crate) fn certificate(path: &Path) -> Result<Certificate, PkiError> {
    let mut certs = certificates_in(path)?;
    match certs.len() {
        1 => Ok(certs.remove(0)),
        n => Err(malformed(
            path,
            format!("expected exactly one certificate, found {n}"),
        )),
    }
}

/// A private key from an unencrypted PKCS#8 PEM file (RFC 5208, RFC 7468
/// §10); `algorithm` ("P-384", "RSA") names the key in errors.
pub(crate) fn private_key<K: DecodePrivateKey>(
    path: &Path,
    algorithm: &str,
) -> Result<K, PkiError> {
    let bytes = read(path)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| malformed(path, "key file is not UTF-8 PEM text"))?;
    K::from_pkcs8_pem(text).map_err(|e| {
        malformed(
            path,
            format!("not a PKCS#8 PEM {algorithm} private key ({PEM_LABEL_PRIVATE_KEY}): {e}"),
        )
    })
}

/// A P-384 private key from a PKCS#8 PEM file (RFC 5208 / RFC 5915).
pub(crate) fn p384_private_key(path: &Path) -> Result<SigningKey, PkiError> {
    private_key(path, "P-384")
}

/// Options that create a file which must not exist yet (`create_new`: no
/// overwrite even if another process raced us); `private`: mode 0600.
pub(crate) fn new_file_options(private: bool) -> OpenOptions {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(PRIVATE_KEY_MODE);
    }
    #[cfg(not(unix))]
    let _ = private;
    options
}

/// Write a file that must not exist yet, flushed to disk.
pub(crate) fn write_new(path: &Path, bytes: &[u8], private: bool) -> Result<(), PkiError> {
    let mut file = new_file_options(private).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            PkiError::AlreadyExists {
                path: path.to_path_buf(),
            }
        } else {
            PkiError::io(path, e)
        }
    })?;
    file.write_all(bytes).map_err(|e| PkiError::io(path, e))?;
    file.sync_all().map_err(|e| PkiError::io(path, e))
}

/// A certificate twice: DER at `der_path`, PEM (`CERTIFICATE`) at `pem_path`.
pub(crate) fn write_certificate(
    pem_path: &Path,
    der_path: &Path,
    cert: &Certificate,
) -> Result<(), PkiError> {
    let der = cert
        .to_der()
        .map_err(|e| build_error("certificate DER", e))?;
    let pem = der::pem::encode_string(PEM_LABEL_CERTIFICATE, LineEnding::LF, &der)
        .map_err(|e| build_error("certificate PEM", e))?;
    write_new(der_path, &der, false)?;
    write_new(pem_path, pem.as_bytes(), false)
}

/// A private key as unencrypted PKCS#8 PEM (`PRIVATE KEY`), owner-only.
pub(crate) fn write_private_key(path: &Path, key: &impl EncodePrivateKey) -> Result<(), PkiError> {
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| build_error("PKCS#8 private key", e))?;
    write_new(path, pem.as_bytes(), true)
}
