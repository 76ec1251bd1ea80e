//! Passive Authentication (ICAO 9303-11 §5.1): the document signer's
//! signature over EF.SOD, the chain from the document signer to a CSCA the
//! terminal trusts, and every data group read against its hash in EF.SOD.
//!
//! The signature and the chain are `pki::verify_security_object` (RFC 5652
//! SignedData, ICAO 9303-10 §4.6.2). The data-group hashes are compared from
//! our own walk of the LDSSecurityObject, so they are reported even when the
//! chain cannot be checked (no `--trust`, unknown CSCA): the report then says
//! which part is missing, and [`PassiveReport::passed`] stays false.

use std::collections::BTreeMap;

use pki::{Certificate, HashAlgorithm, PkiError};
use serde::Serialize;

use crate::tlv::{self, Tlv};

/// DER tags the walk needs (ISO 8825-1 §8.9, §8.19; RFC 5652 `[0]` EXPLICIT).
const TAG_SEQUENCE: u32 = 0x30;
const TAG_OID: u32 = 0x06;
const TAG_INTEGER: u32 = 0x02;
const TAG_OCTET_STRING: u32 = 0x04;
const TAG_CONTEXT_0: u32 = 0xA0;

/// The outcome of one check, for people and JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Check {
    Passed { detail: String },
    Failed { reason: String },
    NotPerformed { reason: String },
}

impl Check {
    pub fn passed(&self) -> bool {
        matches!(self, Check::Passed { .. })
    }

    pub fn failed(&self) -> bool {
        matches!(self, Check::Failed { .. })
    }

    /// `passed: …`, `FAILED: …`, `not performed: …`.
    pub fn describe(&self) -> String {
        match self {
            Check::Passed { detail } => format!("passed ({detail})"),
            Check::Failed { reason } => format!("FAILED: {reason}"),
            Check::NotPerformed { reason } => format!("not performed: {reason}"),
        }
    }
}

/// One data group against EF.SOD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DgCheck {
    /// The hash of the content read equals the signed hash.
    Ok,
    /// The content read does not hash to the signed value: altered data.
    Mismatch,
    /// Read, but EF.SOD lists no hash for it.
    NotInSod,
    /// Not compared: the LDSSecurityObject could not be read or uses a hash
    /// algorithm this terminal lacks.
    NotChecked,
}

/// The Passive Authentication verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PassiveReport {
    /// SignerInfo signature and messageDigest, with the DS certificate in EF.SOD.
    pub signature: Check,
    /// Document signer → CSCA among the trust anchors.
    pub chain: Check,
    /// LDSSecurityObject hashAlgorithm OID (dotted), when read.
    pub hash_algorithm: Option<String>,
    /// Data group number → result, for every data group read.
    pub dgs: BTreeMap<u8, DgCheck>,
    /// Data groups EF.SOD lists.
    pub sod_lists: Vec<u8>,
    /// Why the LDSSecurityObject could not be walked, when it could not.
    pub lds_error: Option<String>,
}

impl PassiveReport {
    /// Signature and chain passed and every data group read matches.
    pub fn passed(&self) -> bool {
        self.signature.passed()
            && self.chain.passed()
            && !self.dgs.is_empty()
            && self.dgs.values().all(|c| *c == DgCheck::Ok)
    }

    /// EF.SOD could not be read at all.
    pub fn without_sod(reason: String, dgs: impl Iterator<Item = u8>) -> Self {
        PassiveReport {
            signature: Check::NotPerformed {
                reason: reason.clone(),
            },
            chain: Check::NotPerformed { reason },
            hash_algorithm: None,
            dgs: dgs.map(|n| (n, DgCheck::NotChecked)).collect(),
            sod_lists: Vec::new(),
            lds_error: None,
        }
    }
}

/// Passive Authentication of the data groups read (`number → content`).
/// `trust` = the CSCA certificates; `None` leaves the chain "not performed".
pub fn passive_authentication(
    sod: &[u8],
    dgs: &BTreeMap<u8, Vec<u8>>,
    trust: Option<&[Certificate]>,
) -> PassiveReport {
    let (signature, chain) = signature_and_chain(sod, trust);
    let mut lds_error = None;
    let (hash_algorithm, dg_results, sod_lists) = match lds_security_object(sod) {
        Ok(lds) => {
            let algorithm = hash_for_oid(&lds.hash_oid);
            let results = dgs
                .iter()
                .map(|(n, content)| {
                    let check = match (lds.hashes.get(n), algorithm) {
                        (None, _) => DgCheck::NotInSod,
                        (Some(_), None) => DgCheck::NotChecked,
                        (Some(signed), Some(alg)) if alg.digest(content) == *signed => DgCheck::Ok,
                        (Some(_), Some(_)) => DgCheck::Mismatch,
                    };
                    (*n, check)
                })
                .collect();
            (
                Some(oid_dotted(&lds.hash_oid)),
                results,
                lds.hashes.keys().copied().collect(),
            )
        }
        Err(Malformed(what)) => {
            lds_error = Some(format!(
                "EF.SOD: {what} is malformed (RFC 5652 §5, ICAO 9303-10 §4.6.2.2)"
            ));
            (
                None,
                dgs.keys().map(|n| (*n, DgCheck::NotChecked)).collect(),
                Vec::new(),
            )
        }
    };
    PassiveReport {
        signature,
        chain,
        hash_algorithm,
        dgs: dg_results,
        sod_lists,
        lds_error,
    }
}

fn signature_and_chain(sod: &[u8], trust: Option<&[Certificate]>) -> (Check, Check) {
    let anchors = trust.unwrap_or(&[]);
    let signature_ok = || Check::Passed {
        detail: "signature and messageDigest verify with the document signer certificate in EF.SOD"
            .into(),
    };
    let no_trust = || Check::NotPerformed {
        reason: "no CSCA certificates given (--trust DIR)".into(),
    };
    match pki::verify_security_object(sod, anchors, None) {
        Ok(verified) => (
            Check::Passed {
                detail: format!("document signer {}", verified.signer_subject()),
            },
            Check::Passed {
                detail: format!(
                    "issued by CSCA {}",
                    verified.anchor_subject().unwrap_or("?")
                ),
            },
        ),
        Err(PkiError::ChainBroken { reason }) => {
            let chain = if trust.is_some() {
                Check::Failed {
                    reason: format!("chain broken: {reason}"),
                }
            } else {
                no_trust()
            };
            (signature_ok(), chain)
        }
        Err(e @ PkiError::NotValidAt { .. }) => (
            signature_ok(),
            Check::Failed {
                reason: e.to_string(),
            },
        ),
        Err(e) => (
            Check::Failed {
                reason: e.to_string(),
            },
            Check::NotPerformed {
                reason: "the signature did not verify".into(),
            },
        ),
    }
}

/// The parts of the LDSSecurityObject the hash comparison needs.
struct LdsHashes {
    /// Content bytes of the hashAlgorithm OBJECT IDENTIFIER.
    hash_oid: Vec<u8>,
    hashes: BTreeMap<u8, Vec<u8>>,
}

/// Why the LDSSecurityObject walk stopped.
#[derive(Debug)]
struct Malformed(&'static str);

impl From<tlv::TlvError> for Malformed {
    fn from(_: tlv::TlvError) -> Self {
        Malformed("BER-TLV structure")
    }
}

fn expect<'a>(
    object: Option<&Tlv<'a>>,
    tag: u32,
    what: &'static str,
) -> Result<Tlv<'a>, Malformed> {
    match object {
        Some(o) if o.tag == tag => Ok(*o),
        _ => Err(Malformed(what)),
    }
}

fn single(bytes: &[u8], tag: u32, what: &'static str) -> Result<Vec<u8>, Malformed> {
    let (object, _) = tlv::parse_one(bytes)?;
    Ok(expect(Some(&object), tag, what)?.value.to_vec())
}

/// EF.SOD → ContentInfo → SignedData → encapContentInfo → eContent →
/// LDSSecurityObject { version, hashAlgorithm, dataGroupHashValues }
/// (RFC 5652 §3, §5.1-5.2; ICAO 9303-10 §4.6.2.2).
fn lds_security_object(sod: &[u8]) -> Result<LdsHashes, Malformed> {
    let content_info = pki::content_info_of(sod).map_err(|_| Malformed("EF.SOD wrapper 77"))?;
    let content_info = single(content_info, TAG_SEQUENCE, "ContentInfo")?;
    let fields = tlv::parse_all(&content_info)?;
    let explicit = expect(fields.get(1), TAG_CONTEXT_0, "ContentInfo content [0]")?;
    let signed_data = single(explicit.value, TAG_SEQUENCE, "SignedData")?;
    let fields = tlv::parse_all(&signed_data)?;
    let encap = expect(fields.get(2), TAG_SEQUENCE, "encapContentInfo")?;
    let encap_fields = tlv::parse_all(encap.value)?;
    let econtent = expect(encap_fields.get(1), TAG_CONTEXT_0, "eContent [0]")?;
    let lds = single(econtent.value, TAG_OCTET_STRING, "eContent OCTET STRING")?;
    let lds = single(&lds, TAG_SEQUENCE, "LDSSecurityObject")?;
    let fields = tlv::parse_all(&lds)?;
    expect(fields.first(), TAG_INTEGER, "LDSSecurityObject version")?;
    let algorithm = expect(fields.get(1), TAG_SEQUENCE, "hashAlgorithm")?;
    let hash_oid = single(algorithm.value, TAG_OID, "hashAlgorithm algorithm")?;
    let values = expect(fields.get(2), TAG_SEQUENCE, "dataGroupHashValues")?;
    let mut hashes = BTreeMap::new();
    for entry in tlv::parse_all(values.value)? {
        let entry = expect(Some(&entry), TAG_SEQUENCE, "DataGroupHash")?;
        let parts = tlv::parse_all(entry.value)?;
        let number = expect(parts.first(), TAG_INTEGER, "dataGroupNumber")?;
        let hash = expect(parts.get(1), TAG_OCTET_STRING, "dataGroupHashValue")?;
        let number = match number.value {
            [n] => *n,
            _ => return Err(Malformed("dataGroupNumber is 0..16")),
        };
        hashes.insert(number, hash.value.to_vec());
    }
    Ok(LdsHashes { hash_oid, hashes })
}

/// The hash algorithms `pki` computes: SHA-256 and SHA-384 (RFC 5754).
fn hash_for_oid(oid: &[u8]) -> Option<HashAlgorithm> {
    HashAlgorithm::ALL.into_iter().find(|a| a.oid().as_bytes() == oid)
}

/// Dotted form of OID content bytes (ISO 8825-1 §8.19).
fn oid_dotted(content: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut value: u64 = 0;
    for byte in content {
        value = (value << 7) | u64::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first);
                arcs.push(value - first * 40);
            } else {
                arcs.push(value);
            }
            value = 0;
        }
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_to_dotted() {
        // 2.16.840.1.101.3.4.2.1 = SHA-256.
        assert_eq!(
            oid_dotted(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]),
            "2.16.840.1.101.3.4.2.1"
        );
        assert_eq!(
            hash_for_oid(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01]),
            Some(HashAlgorithm::Sha256)
        );
        // SHA-1 1.3.14.3.2.26, as older passports hash their data groups.
        assert_eq!(hash_for_oid(&[0x2B, 0x0E, 0x03, 0x02, 0x1A]), Some(HashAlgorithm::Sha1));
        // An unknown hash is not guessed.
        assert_eq!(hash_for_oid(&[0x2B, 0x0E, 0x03, 0x02, 0x1B]), None);
        assert_eq!(oid_dotted(&[0x2B, 0x0E, 0x03, 0x02, 0x1A]), "1.3.14.3.2.26");
    }

    #[test]
    fn garbage_sod_is_reported_not_panicked() {
        let dgs: BTreeMap<u8, Vec<u8>> = [(1, vec![1, 2, 3])].into();
        for sod in [
            &[][..],
            &[0x77, 0x03, 0x30, 0x01, 0x00],
            &[0x30, 0x82, 0xFF],
        ] {
            let report = passive_authentication(sod, &dgs, None);
            assert!(report.signature.failed());
            assert_eq!(report.dgs[&1], DgCheck::NotChecked);
            assert!(!report.passed());
        }
    }
}
