//! `neid pki init DIR`, and the security-object check of `neid read public`
//! (docs/spec/security-object.md, "Verification").
//!
//! With trust anchors, `pki::verify_security_object` checks everything:
//! structure, signature, messageDigest, chain, validity today. Without
//! anchors (no `--trust`) the signature and the field hashes are still
//! checked against the document signer certificate carried in the object;
//! only the chain is "not checked".

use std::collections::BTreeMap;
use std::path::Path;

use pki::{Certificate, DateTime};
use serde_json::json;

/// `neid pki init DIR`.
pub fn init(dir: &Path) -> anyhow::Result<()> {
    let paths = pki::init(dir, &mut rand::rng()).map_err(|e| anyhow::anyhow!("pki init {}: {e}", dir.display()))?;
    println!("test PKI written to {} (keys unencrypted: for emulated cards and tests only)", paths.dir.display());
    for (what, path) in [
        ("manifest", &paths.manifest),
        ("CSCA certificate (PEM)", &paths.csca_certificate_pem),
        ("CSCA certificate (DER)", &paths.csca_certificate_der),
        ("CSCA private key", &paths.csca_private_key),
        ("document signer certificate (PEM)", &paths.ds_certificate_pem),
        ("document signer certificate (DER)", &paths.ds_certificate_der),
        ("document signer private key", &paths.ds_private_key),
    ] {
        println!("  {what:<36}{}", path.display());
    }
    println!("CSCA: {}", pki::CSCA_SUBJECT);
    println!("DS:   {}", pki::DS_SUBJECT);
    println!("readers trust it with: neid read public --trust {}", dir.display());
    Ok(())
}

/// How far the document signer's certificate was traced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chain {
    /// Issued by this trust anchor, both valid today.
    Verified { anchor: String },
    /// No `--trust` given.
    NotChecked,
    /// `--trust` given but the chain does not hold.
    Broken(String),
}

/// What a field's hash check gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldCheck {
    Ok,
    HashMismatch,
    NotCovered,
}

impl FieldCheck {
    fn label(self) -> &'static str {
        match self {
            FieldCheck::Ok => "ok",
            FieldCheck::HashMismatch => "hash mismatch",
            FieldCheck::NotCovered => "not covered",
        }
    }
}

/// The verdict on a zone's security object and fields.
#[derive(Debug, Clone)]
pub struct SecurityObjectReport {
    /// Signature and messageDigest: the signer's subject, or why not.
    pub signature: Result<String, String>,
    pub chain: Chain,
    /// Field number (1-based) → result; empty when the signature failed.
    pub fields: BTreeMap<u8, FieldCheck>,
}

impl SecurityObjectReport {
    /// Signature good, chain not broken, every field proven.
    pub fn valid(&self) -> bool {
        self.signature.is_ok()
            && !matches!(self.chain, Chain::Broken(_))
            && !self.fields.is_empty()
            && self.fields.values().all(|f| *f == FieldCheck::Ok)
    }

    /// One sentence naming what is wrong, `None` when valid.
    pub fn problem(&self) -> Option<String> {
        if let Err(e) = &self.signature {
            return Some(format!("security object (EF.SOD 0110): {e}"));
        }
        if let Chain::Broken(e) = &self.chain {
            return Some(format!("security object (EF.SOD 0110): {e}"));
        }
        let bad: Vec<String> = self
            .fields
            .iter()
            .filter(|(_, c)| **c != FieldCheck::Ok)
            .map(|(n, c)| format!("field {n} ({}): {}", field_ef_name(*n), c.label()))
            .collect();
        if bad.is_empty() && self.fields.is_empty() {
            return Some("security object (EF.SOD 0110): no field was checked".into());
        }
        (!bad.is_empty()).then(|| format!("public zone data altered: {}", bad.join("; ")))
    }

    pub fn to_json(&self) -> serde_json::Value {
        let chain = match &self.chain {
            Chain::Verified { .. } => "verified".to_owned(),
            Chain::NotChecked => "not checked".to_owned(),
            Chain::Broken(e) => e.clone(),
        };
        let fields: serde_json::Map<String, serde_json::Value> =
            self.fields.iter().map(|(n, c)| (n.to_string(), json!(c.label()))).collect();
        let mut out = json!({
            "valid": self.valid(),
            "chain": chain,
            "signature": match &self.signature { Ok(_) => "verified".to_owned(), Err(e) => e.clone() },
            "fields": fields,
        });
        if let Ok(signer) = &self.signature {
            out["signer"] = json!(signer);
        }
        if let Chain::Verified { anchor } = &self.chain {
            out["anchor"] = json!(anchor);
        }
        out
    }

    /// Lines for the text output.
    pub fn to_text(&self) -> String {
        let mut out = String::from("security object (EF.SOD 0110)\n");
        match &self.signature {
            Ok(signer) => out.push_str(&format!("  signature           verified (document signer {signer})\n")),
            Err(e) => out.push_str(&format!("  signature           FAILED: {e}\n")),
        }
        match &self.chain {
            Chain::Verified { anchor } => {
                out.push_str(&format!("  chain               verified (trust anchor {anchor})\n"))
            }
            Chain::NotChecked => out.push_str("  chain               not verified (no --trust)\n"),
            Chain::Broken(e) => out.push_str(&format!("  chain               FAILED: {e}\n")),
        }
        for (n, check) in &self.fields {
            out.push_str(&format!("  field {n} {:<21}{}\n", field_ef_name(*n), check.label()));
        }
        out.push_str(if self.valid() {
            "  result              every field proven genuine"
        } else {
            "  result              NOT proven genuine"
        });
        out
    }
}

fn field_ef_name(n: u8) -> &'static str {
    terminal::PublicEf::ALL.get(usize::from(n).wrapping_sub(1)).map_or("?", |ef| ef.name())
}

/// Verify `sod` and check `fields[n-1]` as field n. `trust` = `None`: no `--trust`.
pub fn check_security_object(
    sod: &[u8],
    fields: &[Vec<u8>],
    trust: Option<&[Certificate]>,
    now: DateTime,
) -> SecurityObjectReport {
    // Signature, digest and field hashes against the DS certificate in the object.
    let unanchored = pki::verify_security_object_without_chain(sod, None);
    let signature = unanchored.as_ref().map(|o| o.signer_subject()).map_err(|e| e.to_string());
    let mut chain_verified = None;
    let chain = match trust {
        None => Chain::NotChecked,
        Some(anchors) => match pki::verify_security_object(sod, anchors, Some(now)) {
            Ok(object) => {
                let anchor = object.anchor_subject().unwrap_or_default().to_owned();
                chain_verified = Some(object);
                Chain::Verified { anchor }
            }
            Err(e) => Chain::Broken(e.to_string()),
        },
    };
    // The full verification's own field check when the chain holds
    // (security-object.md "Verification"), else the unanchored one.
    let mut checks = BTreeMap::new();
    if let Some(object) = chain_verified.as_ref().or(unanchored.as_ref().ok()) {
        for (i, content) in fields.iter().enumerate() {
            let n = (i + 1) as u8;
            let check = match object.check_field(n, content) {
                Ok(()) => FieldCheck::Ok,
                Err(pki::FieldMismatch::HashDiffers { .. }) => FieldCheck::HashMismatch,
                Err(pki::FieldMismatch::NotCovered { .. }) => FieldCheck::NotCovered,
            };
            checks.insert(n, check);
        }
    }
    SecurityObjectReport { signature, chain, fields: checks }
}

/// `--trust DIR`: the CA certificates of the directory.
pub fn load_trust(dir: &Path) -> anyhow::Result<Vec<Certificate>> {
    // PkiError's message already holds its source: no context chain, one line.
    pki::load_trust(dir).map_err(|e| anyhow::anyhow!("--trust {}: {e}", dir.display()))
}

// ---- CV certificate PKI for Terminal Authentication (issue 4):
// `neid pki cvca | link | dv | terminal` (docs/spec/cv-certificates.md).

use card_os::protocol::StandardizedDomainParameters as Curve;
use card_os::protocol::cvc::AccessRight;
use pki::cv::{self, DvKind, TerminalRole, Validity};

/// `--rights` names: a field name is its read right (chat.md bits 8..14);
/// `write_…`, `pin_management`, `can_allowed`, `privileged` the others.
pub const RIGHT_NAMES: [(&str, AccessRight); 16] = [
    ("spouse_name", AccessRight::ReadSpouseName),
    ("father_name", AccessRight::ReadFatherName),
    ("mother_name", AccessRight::ReadMotherName),
    ("birthplace", AccessRight::ReadBirthplace),
    ("sex", AccessRight::ReadSex),
    ("photo", AccessRight::ReadPhoto),
    ("can", AccessRight::ReadCan),
    ("write_military_service", AccessRight::WriteMilitaryService),
    ("write_household_address", AccessRight::WriteHouseholdAddress),
    ("write_spouse_name", AccessRight::WriteSpouseName),
    ("write_father_name", AccessRight::WriteFatherName),
    ("write_mother_name", AccessRight::WriteMotherName),
    ("write_birthplace", AccessRight::WriteBirthplace),
    ("pin_management", AccessRight::PinManagement),
    ("can_allowed", AccessRight::CanAllowed),
    ("privileged", AccessRight::PrivilegedTerminal),
];

/// Parse `--rights a,b,c` (`all` = every right); an unknown name is a
/// one-line error naming the argument and the known names.
pub fn parse_rights(text: &str) -> Result<crate::args::RightList, String> {
    rights_list(text).map(crate::args::RightList)
}

fn rights_list(text: &str) -> Result<Vec<AccessRight>, String> {
    let mut rights = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == "all" {
            return Ok(AccessRight::ALL.to_vec());
        }
        let name = name.strip_prefix("read_").unwrap_or(name);
        let right = RIGHT_NAMES.iter().find(|(n, _)| *n == name).map(|(_, r)| *r).ok_or_else(|| {
            let known: Vec<&str> = RIGHT_NAMES.iter().map(|(n, _)| *n).collect();
            format!("--rights: unknown right `{name}` (known: {}, all)", known.join(", "))
        })?;
        if !rights.contains(&right) {
            rights.push(right);
        }
    }
    if rights.is_empty() {
        return Err("--rights: name at least one right".into());
    }
    Ok(rights)
}

pub fn parse_curve(text: &str) -> Result<Curve, String> {
    match text.to_ascii_lowercase().as_str() {
        "p256" | "secp256r1" | "12" => Ok(Curve::NistP256),
        "brainpoolp256r1" | "13" => Ok(Curve::BrainpoolP256r1),
        "p384" | "secp384r1" | "15" => Ok(Curve::NistP384),
        "brainpoolp384r1" | "16" => Ok(Curve::BrainpoolP384r1),
        other => Err(format!("--curve: unknown curve `{other}` (p256, brainpoolp256r1, p384, brainpoolp384r1)")),
    }
}

fn validity(days: i64) -> anyhow::Result<Validity> {
    let today = cv::today().map_err(|e| anyhow::anyhow!("{e}"))?;
    Validity::days_from(today, days).map_err(|e| anyhow::anyhow!("{e}"))
}

fn cv_error<'a>(what: &'static str, dir: &'a Path) -> impl Fn(cv::CvPkiError) -> anyhow::Error + 'a {
    move |e| anyhow::anyhow!("pki {what} {}: {e}", dir.display())
}

fn rights_text(rights: impl Iterator<Item = AccessRight>) -> String {
    let names: Vec<&str> =
        rights.filter_map(|r| RIGHT_NAMES.iter().find(|(_, x)| *x == r).map(|(n, _)| *n)).collect();
    names.join(",")
}

/// `neid pki cvca DIR`.
pub fn cvca(dir: &Path, chr: &str, curve: Curve, days: i64) -> anyhow::Result<()> {
    let authority = cv::init_cvca(dir, curve, chr, validity(days)?, &mut rand::rng()).map_err(cv_error("cvca", dir))?;
    println!("CVCA {} ({curve:?}) written to {}", authority.certificate.holder_reference(), dir.display());
    Ok(())
}

/// `neid pki link DIR --chr NEW`.
pub fn link(dir: &Path, chr: &str, curve: Curve, days: i64) -> anyhow::Result<()> {
    let link = cv::link(dir, curve, chr, validity(days)?, &mut rand::rng()).map_err(cv_error("link", dir))?;
    println!(
        "link certificate {} → {} written to {} (the new CVCA replaces cvca.cvcert; the old one is archived)",
        link.authority_reference(),
        link.holder_reference(),
        dir.display()
    );
    Ok(())
}

/// `neid pki dv DIR --cvca CVCADIR`.
pub fn dv(dir: &Path, cvca_dir: &Path, chr: &str, foreign: bool, rights: &[AccessRight], days: i64) -> anyhow::Result<()> {
    let kind = if foreign { DvKind::Foreign } else { DvKind::Domestic };
    let authority =
        cv::dv(cvca_dir, dir, chr, kind, rights, validity(days)?, &mut rand::rng()).map_err(cv_error("dv", dir))?;
    println!(
        "DV {} under {} written to {} (rights: {})",
        authority.certificate.holder_reference(),
        authority.certificate.authority_reference(),
        dir.display(),
        rights_text(authority.certificate.body().chat.rights())
    );
    Ok(())
}

/// `neid pki terminal DIR --dv DVDIR --role auth|registry --rights …`.
pub fn terminal(dir: &Path, dv_dir: &Path, chr: &str, registry: bool, rights: &[AccessRight], days: i64) -> anyhow::Result<()> {
    let role = if registry { TerminalRole::RegistryOffice } else { TerminalRole::Authentication };
    let chain = cv::terminal(dv_dir, dir, chr, role, rights, validity(days)?, &mut rand::rng())
        .map_err(cv_error("terminal", dir))?;
    let cert = &chain.terminal.certificate;
    let effective = cert.body().chat.intersect(chain.dv.body().chat).intersect(chain.cvca.body().chat);
    println!(
        "terminal {} under {} written to {} (rights: {}; effective with its chain: {})",
        cert.holder_reference(),
        cert.authority_reference(),
        dir.display(),
        rights_text(cert.body().chat.rights()),
        rights_text(effective.rights())
    );
    Ok(())
}

/// `neid pki citizen-ca --out DIR [--from-year YYYY]`: the citizen CA of
/// the certificate zone (RSA-2048 root and intermediate), valid from
/// 1 January of the year (default: this year, UTC).
pub fn citizen_ca(dir: &Path, from_year: Option<u16>) -> anyhow::Result<()> {
    let year = match from_year {
        Some(year) => year,
        None => DateTime::from_system_time(std::time::SystemTime::now())
            .map_err(|e| anyhow::anyhow!("the system clock: {e}"))?
            .year(),
    };
    let paths = pki::citizen::init(dir, &mut rand::rng(), year)
        .map_err(|e| anyhow::anyhow!("pki citizen-ca {}: {e}", dir.display()))?;
    println!("citizen CA written to {} (keys unencrypted: for emulated cards and tests only)", paths.dir.display());
    for (what, path) in [
        ("root CA certificate (PEM)", &paths.root_certificate_pem),
        ("root CA certificate (DER)", &paths.root_certificate_der),
        ("root CA private key", &paths.root_private_key),
        ("citizen CA certificate (PEM)", &paths.intermediate_certificate_pem),
        ("citizen CA certificate (DER)", &paths.intermediate_certificate_der),
        ("citizen CA private key", &paths.intermediate_private_key),
    ] {
        println!("  {what:<32}{}", path.display());
    }
    println!(
        "root:       {} ({} years from {year}-01-01)",
        pki::citizen::ROOT_SUBJECT,
        pki::citizen::ROOT_VALIDITY_YEARS
    );
    println!(
        "citizen CA: {} ({} years from {year}-01-01)",
        pki::citizen::INTERMEDIATE_SUBJECT,
        pki::citizen::INTERMEDIATE_VALIDITY_YEARS
    );
    println!("issue certificates with: neid issue certs --ca {} --issuer-keys FILE --holder PROFILE", dir.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    const FIELDS: [&[u8]; 3] = [b"\xA1\x03\x80\x01A", b"\xA2\x03\x80\x01B", b"\xA3\x03\x80\x01C"];

    fn signed(seed: u64) -> (pki::TestPki, Vec<u8>) {
        let test_pki = pki::TestPki::generate(&mut StdRng::seed_from_u64(seed)).expect("test PKI");
        let numbered: Vec<(u8, &[u8])> = FIELDS.iter().enumerate().map(|(i, f)| (i as u8 + 1, *f)).collect();
        let sod = pki::sign_security_object(pki::HashAlgorithm::Sha384, &numbered, &test_pki.document_signer).expect("SOD");
        (test_pki, sod)
    }

    fn contents() -> Vec<Vec<u8>> {
        FIELDS.iter().map(|f| f.to_vec()).collect()
    }

    fn now() -> DateTime {
        DateTime::from_system_time(std::time::SystemTime::now()).expect("clock")
    }

    #[test]
    fn without_trust_signature_and_fields_are_checked_chain_not() {
        let (_, sod) = signed(1);
        let report = check_security_object(&sod, &contents(), None, now());
        assert!(report.valid(), "{report:?}");
        assert_eq!(report.chain, Chain::NotChecked);
        assert!(report.signature.as_ref().is_ok_and(|s| s.contains("Document Signer")));
        assert_eq!(report.to_json()["chain"], "not checked");
        assert_eq!(report.problem(), None);
    }

    #[test]
    fn with_its_csca_the_chain_verifies() {
        let (test_pki, sod) = signed(2);
        let report = check_security_object(&sod, &contents(), Some(std::slice::from_ref(&test_pki.csca)), now());
        assert!(matches!(report.chain, Chain::Verified { .. }), "{report:?}");
        assert!(report.valid());
        assert_eq!(report.to_json()["fields"]["3"], "ok");
    }

    #[test]
    fn an_altered_field_is_named() {
        let (_, sod) = signed(3);
        let mut altered = contents();
        altered[1] = b"\xA2\x03\x80\x01X".to_vec();
        let report = check_security_object(&sod, &altered, None, now());
        assert!(!report.valid());
        assert_eq!(report.fields[&2], FieldCheck::HashMismatch);
        assert_eq!(report.fields[&1], FieldCheck::Ok);
        assert_eq!(report.to_json()["fields"]["2"], "hash mismatch");
        let problem = report.problem().expect("a problem");
        assert!(problem.contains("field 2 (EF.IdNumber"), "{problem}");
    }

    #[test]
    fn a_field_the_object_does_not_cover_is_not_proven() {
        let (_, sod) = signed(4);
        let mut more = contents();
        more.push(b"\xA4\x03\x80\x01D".to_vec());
        let report = check_security_object(&sod, &more, None, now());
        assert_eq!(report.fields[&4], FieldCheck::NotCovered);
        assert!(!report.valid());
    }

    #[test]
    fn a_bad_signature_fails_even_without_trust() {
        let (_, mut sod) = signed(5);
        // The last bytes are the DER ECDSA signature's s: flip one.
        let last = sod.len() - 1;
        sod[last] ^= 0x01;
        let report = check_security_object(&sod, &contents(), None, now());
        assert!(!report.valid());
        assert!(report.fields.is_empty(), "no field is proven by a bad object");
        let problem = report.problem().expect("a problem");
        assert!(problem.contains("bad signature"), "{problem}");
    }

    #[test]
    fn a_foreign_csca_breaks_the_chain() {
        let (_, sod) = signed(6);
        let (foreign, _) = signed(7);
        let report = check_security_object(&sod, &contents(), Some(std::slice::from_ref(&foreign.csca)), now());
        assert!(matches!(&report.chain, Chain::Broken(e) if e.contains("chain broken")), "{report:?}");
        assert!(report.signature.is_ok(), "the signature itself is fine");
        assert!(!report.valid());
        assert!(report.problem().is_some_and(|p| p.contains("chain broken")));
    }
}
