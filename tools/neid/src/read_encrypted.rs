//! `neid read encrypted --pin1 N --terminal DIR [--fields a,b] [--trust DIR] [--json]`:
//! PACE with PIN1 and the terminal's CHAT, TA with the terminal directory's
//! chain, CA v2, then the requested fields and the zone's security object
//! (chip.md "Zones": encrypted; TR-03110-2 §3 General Authentication
//! Procedure).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use serde_json::json;
use terminal::encrypted::{self, EncryptedField, EncryptedReport, FieldOutcome};
use terminal::pace::PacePasswordInput;
use terminal::{TerminalCredentials, establish_pace_any, run_eac};

use crate::args::CardArgs;
use crate::pki::{Chain, FieldCheck};

/// PIN1 is exactly 6 digits (chip.md "Passwords and counters").
const PIN1_LEN: usize = 6;

#[derive(Debug, Args)]
pub struct EncryptedArgs {
    #[command(flatten)]
    pub card: CardArgs,
    /// PIN1: the 6-digit PACE password of the encrypted zone.
    #[arg(long, value_name = "PIN1", value_parser = parse_pin1)]
    pub pin1: PacePasswordInput,
    /// Terminal directory (from `neid pki terminal`): chain and key for TA.
    #[arg(long, value_name = "DIR")]
    pub terminal: PathBuf,
    /// Fields to read, comma-separated (default: all 7): spouse_name,
    /// father_name, mother_name, birthplace, sex, photo, can.
    #[arg(long, value_name = "a,b", value_parser = parse_field_list)]
    pub fields: Option<FieldList>,
    /// Trust the CSCA certificates in DIR: verify the security object's and
    /// EF.CardSecurity's signer chain.
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,
    /// Print JSON: the reference field names, "denied" and "security_object".
    #[arg(long)]
    pub json: bool,
}

/// The parsed `--fields` list.
#[derive(Debug, Clone)]
pub struct FieldList(pub Vec<EncryptedField>);

fn parse_field_list(text: &str) -> Result<FieldList, String> {
    let fields = encrypted::parse_fields(text)?;
    if fields.is_empty() {
        return Err("name at least one field".into());
    }
    Ok(FieldList(fields))
}

pub fn parse_pin1(text: &str) -> Result<PacePasswordInput, String> {
    if text.len() == PIN1_LEN && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(PacePasswordInput::Pin(text.to_owned()))
    } else {
        Err("PIN1 must be exactly 6 digits".into())
    }
}

/// A terminal directory as TA credentials (`pki::cv::load_terminal` checks the chain and the key).
pub fn load_terminal(dir: &Path) -> anyhow::Result<TerminalCredentials> {
    let chain = pki::cv::load_terminal(dir)
        .map_err(|e| anyhow::anyhow!("--terminal {}: {e}", dir.display()))?;
    Ok(TerminalCredentials::new(
        chain.links.clone(),
        chain.cvca.clone(),
        chain.dv.clone(),
        chain.terminal.certificate.clone(),
        chain.terminal.curve,
        chain.terminal.private_key(),
    ))
}

/// Open an EAC session: PACE (with the chain's CHAT), TA, CA.
pub fn open_eac(
    card: &CardArgs,
    password: &PacePasswordInput,
    credentials: &TerminalCredentials,
) -> anyhow::Result<terminal::EacSession<Box<dyn terminal::Transport>>> {
    let transport = crate::source::open(card)?;
    let mut rng = rand::rng();
    let pace = establish_pace_any(
        transport,
        password,
        Some(credentials.chain_chat()),
        &mut rng,
    )
    .map_err(crate::pin_cmd::with_pin1_hint)?;
    Ok(run_eac(pace, credentials, &mut rng)?)
}

pub fn run(args: &EncryptedArgs) -> anyhow::Result<()> {
    let trust = args
        .trust
        .as_deref()
        .map(crate::pki::load_trust)
        .transpose()?;
    let credentials = load_terminal(&args.terminal)?;
    let fields = args
        .fields
        .as_ref()
        .map_or_else(|| EncryptedField::ALL.to_vec(), |f| f.0.clone());
    let mut session = open_eac(&args.card, &args.pin1, &credentials)?;
    let report = encrypted::read_encrypted(&mut session.channel, &fields, session.effective_chat)
        .context("encrypted zone")?;
    let now = ::pki::DateTime::from_system_time(std::time::SystemTime::now())
        .context("system clock outside the X.509 date range")?;
    let so = check(&report, trust.as_deref(), now);
    if args.json {
        let mut out = report.to_json();
        out["security_object"] = so.to_json();
        println!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        println!("{}", report.to_text());
        println!();
        println!("{}", so.to_text());
    }
    if let Some(problem) = so.problem() {
        bail!(problem);
    }
    Ok(())
}

/// The security-object verdict over the fields that were read.
pub struct EncryptedSoReport {
    pub signature: Result<String, String>,
    pub chain: Chain,
    pub fields: BTreeMap<&'static str, FieldCheck>,
}

impl EncryptedSoReport {
    pub fn valid(&self) -> bool {
        self.signature.is_ok()
            && !matches!(self.chain, Chain::Broken(_))
            && self.fields.values().all(|f| *f == FieldCheck::Ok)
    }

    pub fn problem(&self) -> Option<String> {
        if let Err(e) = &self.signature {
            return Some(format!("encrypted zone security object (EF.SOD 0110): {e}"));
        }
        if let Chain::Broken(e) = &self.chain {
            return Some(format!("encrypted zone security object (EF.SOD 0110): {e}"));
        }
        let bad: Vec<String> = self
            .fields
            .iter()
            .filter(|(_, c)| **c != FieldCheck::Ok)
            .map(|(n, c)| format!("{n}: {}", label(*c)))
            .collect();
        (!bad.is_empty()).then(|| format!("encrypted zone data altered: {}", bad.join("; ")))
    }

    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "valid": self.valid(),
            "signature": match &self.signature { Ok(_) => "verified".to_owned(), Err(e) => e.clone() },
            "signer": self.signature.as_ref().ok(),
            "chain": match &self.chain {
                Chain::Verified { anchor } => format!("verified ({anchor})"),
                Chain::NotChecked => "not checked".into(),
                Chain::Broken(e) => e.clone(),
            },
            "fields": self.fields.iter().map(|(n, c)| (n.to_string(), json!(label(*c)))).collect::<serde_json::Map<_, _>>(),
        })
    }

    pub fn to_text(&self) -> String {
        let mut out = String::from("security object (EF.SOD 0110)\n");
        match &self.signature {
            Ok(s) => out.push_str(&format!("  signature    verified (document signer {s})\n")),
            Err(e) => out.push_str(&format!("  signature    FAILED: {e}\n")),
        }
        match &self.chain {
            Chain::Verified { anchor } => out.push_str(&format!(
                "  chain        verified (trust anchor {anchor})\n"
            )),
            Chain::NotChecked => out.push_str("  chain        not verified (no --trust)\n"),
            Chain::Broken(e) => out.push_str(&format!("  chain        FAILED: {e}\n")),
        }
        for (n, c) in &self.fields {
            out.push_str(&format!("  {n:<12} {}\n", label(*c)));
        }
        out.push_str(if self.valid() {
            "  result       every field read is proven genuine"
        } else {
            "  result       NOT proven genuine"
        });
        out
    }
}

fn label(c: FieldCheck) -> &'static str {
    match c {
        FieldCheck::Ok => "ok",
        FieldCheck::HashMismatch => "hash mismatch",
        FieldCheck::NotCovered => "not covered",
    }
}

/// Verify EF.SOD and check each field that was read against its hash.
pub fn check(
    report: &EncryptedReport,
    trust: Option<&[pki::Certificate]>,
    now: pki::DateTime,
) -> EncryptedSoReport {
    let sod = match &report.security_object {
        Ok(sod) => sod,
        Err(e) => {
            return EncryptedSoReport {
                signature: Err(format!("not read: {e}")),
                chain: Chain::NotChecked,
                fields: BTreeMap::new(),
            };
        }
    };
    let unanchored = pki::verify_security_object_without_chain(sod, None);
    let signature = unanchored
        .as_ref()
        .map(|o| o.signer_subject())
        .map_err(|e| e.to_string());
    let mut anchored = None;
    let chain = match trust {
        None => Chain::NotChecked,
        Some(anchors) => match pki::verify_security_object(sod, anchors, Some(now)) {
            Ok(o) => {
                let anchor = o.anchor_subject().unwrap_or_default().to_owned();
                anchored = Some(o);
                Chain::Verified { anchor }
            }
            Err(e) => Chain::Broken(e.to_string()),
        },
    };
    let mut fields = BTreeMap::new();
    if let Some(object) = anchored.as_ref().or(unanchored.as_ref().ok()) {
        for (field, outcome) in &report.fields {
            if let FieldOutcome::Read { raw, .. } = outcome {
                let check = match object.check_field(field.number(), raw) {
                    Ok(()) => FieldCheck::Ok,
                    Err(pki::FieldMismatch::HashDiffers { .. }) => FieldCheck::HashMismatch,
                    Err(pki::FieldMismatch::NotCovered { .. }) => FieldCheck::NotCovered,
                };
                fields.insert(field.name(), check);
            }
        }
    }
    EncryptedSoReport {
        signature,
        chain,
        fields,
    }
}
