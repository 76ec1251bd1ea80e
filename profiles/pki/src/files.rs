//! Reading certificates and keys from files: PEM (RFC 7468) or DER, with
//! errors that name the file.

use std::path::Path;

use der::Decode;
use p384::ecdsa::SigningKey;
use p384::pkcs8::DecodePrivateKey;
use x509_cert::Certificate;

use crate::PkiError;

/// RFC 7468 §5 label of a certificate.
pub(crate) const PEM_LABEL_CERTIFICATE: &str = "CERTIFICATE";
/// RFC 7468 §10 label of a PKCS#8 private key.
pub(crate) const PEM_LABEL_PRIVATE_KEY: &str = "PRIVATE KEY";

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

/// A P-384 private key from a PKCS#8 PEM file (RFC 5208 / RFC 5915).
pub(crate) fn p384_private_key(path: &Path) -> Result<SigningKey, PkiError> {
    let bytes = read(path)?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| malformed(path, "key file is not UTF-8 PEM text"))?;
    SigningKey::from_pkcs8_pem(text).map_err(|e| {
        malformed(
            path,
            format!("not a PKCS#8 PEM P-384 private key ({PEM_LABEL_PRIVATE_KEY}): {e}"),
        )
    })
}
