//! `neid read icao (--mrz L1,L2[,L3] | --mrz-info DOC,DOB,EXPIRY | --can CAN)
//! [--trust DIR] [--out DIR] [--json]`: read any ICAO 9303 eMRTD
//! (docs/spec/icao-reader.md) with `terminal::icao::read_icao` and print the
//! report as text or JSON; `--out` writes every file read and the face.
//!
//! Exit status non-zero when the card cannot be opened (wrong MRZ/CAN, no
//! ICAO application), a file could not be read for another reason than
//! "not on the chip" or "access denied", or a check FAILED (signature, chain
//! with `--trust`, a data-group hash, CA, AA, a DG1 check digit). A check "not performed"
//! (no DG14, no DG15, no `--trust`) is reported, not an error.

use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use terminal::icao::{Check, DgCheck, FileStatus, IcaoAccess, IcaoReport, Mrz, read_icao};

use crate::args::CardArgs;

#[derive(Debug, Args)]
pub struct IcaoArgs {
    #[command(flatten)]
    pub card: CardArgs,
    #[command(flatten)]
    pub access: IcaoAccessArgs,
    /// Trust the CSCA certificates in DIR (*.pem, *.der, *.crt, *.cer) for Passive Authentication.
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,
    /// Write EF.COM, EF.SOD, every data group read and the face image into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The access data: exactly one (ICAO 9303-11 §4.2: MRZ for PACE or BAC, CAN for PACE).
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct IcaoAccessArgs {
    /// The MRZ lines separated by commas: TD1 (3 × 30), TD2 (2 × 36) or TD3 (2 × 44).
    #[arg(long, value_name = "LINES")]
    pub mrz: Option<String>,
    /// Document number, date of birth and date of expiry (YYMMDD), without check digits.
    #[arg(long = "mrz-info", value_name = "DOCNO,DOB,EXPIRY")]
    pub mrz_info: Option<String>,
    /// Card access number (PACE only).
    #[arg(long, value_name = "CAN")]
    pub can: Option<String>,
}

impl IcaoAccessArgs {
    fn access(&self) -> anyhow::Result<IcaoAccess> {
        if let Some(lines) = &self.mrz {
            return Ok(IcaoAccess::Mrz(
                lines.split(',').map(|l| l.trim().to_owned()).collect(),
            ));
        }
        if let Some(info) = &self.mrz_info {
            let [number, birth, expiry] = info.split(',').map(str::trim).collect::<Vec<_>>()[..]
            else {
                bail!(
                    "--mrz-info \"{info}\": expected DOCNO,DOB,EXPIRY (three fields separated by commas)"
                );
            };
            return Ok(IcaoAccess::MrzInfo {
                document_number: number.to_owned(),
                date_of_birth: birth.to_owned(),
                date_of_expiry: expiry.to_owned(),
            });
        }
        match &self.can {
            Some(can) => Ok(IcaoAccess::Can(can.clone())),
            None => bail!("one of --mrz, --mrz-info, --can is required"),
        }
    }
}

pub fn run(args: &IcaoArgs) -> anyhow::Result<()> {
    let access = args.access.access()?;
    // Trust first: a bad --trust must fail before the card is touched.
    let trust = args
        .trust
        .as_deref()
        .map(crate::pki::load_trust)
        .transpose()?;
    let mut transport = crate::source::open(&args.card)?;
    let report = read_icao(
        transport.as_mut(),
        &access,
        trust.as_deref(),
        &mut rand::rng(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", to_text(&report));
    }
    if let Some(dir) = &args.out {
        let written = report
            .write_files(dir)
            .map_err(|e| anyhow::anyhow!("--out {}: {e}", dir.display()))?;
        eprintln!("neid: wrote {} file(s) to {}", written.len(), dir.display());
    }
    let problems = problems(&report);
    if !problems.is_empty() {
        bail!("{}", problems.join("; "));
    }
    Ok(())
}

/// Every check that FAILED, in one line each.
fn problems(report: &IcaoReport) -> Vec<String> {
    let mut out = Vec::new();
    for (what, check) in [
        ("Passive Authentication signature", &report.pa.signature),
        ("Passive Authentication chain", &report.pa.chain),
        ("Chip Authentication", &report.ca),
        ("Active Authentication", &report.aa),
    ] {
        if let Check::Failed { reason } = check {
            out.push(format!("{what}: {reason}"));
        }
    }
    for status in report.files.values() {
        // The reason names the file already.
        if let FileStatus::Error { reason } = status {
            out.push(reason.clone());
        }
    }
    for (n, check) in &report.pa.dgs {
        if *check == DgCheck::Mismatch {
            out.push(format!("DG{n}: content does not match its hash in EF.SOD"));
        }
    }
    if let Some(mrz) = &report.dg1 {
        for c in mrz.check_digits.iter().filter(|c| !c.ok) {
            out.push(format!(
                "DG1 {}: check digit {:?}, the field gives {:?} (ICAO 9303-3 §4.9)",
                c.field, c.found, c.expected
            ));
        }
    }
    out
}

fn dg_label(check: DgCheck) -> &'static str {
    match check {
        DgCheck::Ok => "hash ok",
        DgCheck::Mismatch => "HASH MISMATCH",
        DgCheck::NotInSod => "not in EF.SOD",
        DgCheck::NotChecked => "not checked",
    }
}

fn file_label(status: &FileStatus) -> String {
    match status {
        FileStatus::Read { bytes } => format!("{bytes} bytes"),
        FileStatus::NotFound => "not on the chip".into(),
        FileStatus::AccessDenied => "access denied (needs EAC)".into(),
        FileStatus::Error { reason } => format!("error: {reason}"),
    }
}

fn mrz_text(mrz: &Mrz) -> String {
    let mut out = String::new();
    out.push_str(&format!("  format            {:?}\n", mrz.format));
    out.push_str(&format!(
        "  document          {} {}, number {}\n",
        mrz.document_code, mrz.issuing_state, mrz.document_number
    ));
    out.push_str(&format!(
        "  name              {}, {}\n",
        mrz.primary_identifier, mrz.secondary_identifier
    ));
    out.push_str(&format!("  nationality       {}\n", mrz.nationality));
    out.push_str(&format!("  date of birth     {}\n", mrz.date_of_birth));
    out.push_str(&format!("  sex               {}\n", mrz.sex));
    out.push_str(&format!("  date of expiry    {}\n", mrz.date_of_expiry));
    for data in mrz.optional_data.iter().filter(|d| !d.is_empty()) {
        out.push_str(&format!("  optional data     {data}\n"));
    }
    let checks: Vec<String> = mrz
        .check_digits
        .iter()
        .map(|c| format!("{} {}", c.field, if c.ok { "ok" } else { "WRONG" }))
        .collect();
    out.push_str(&format!("  check digits      {}\n", checks.join(", ")));
    out
}

/// The report for people.
pub fn to_text(report: &IcaoReport) -> String {
    let mut out = String::new();
    out.push_str(&format!("access              {}\n", report.access_detail));
    if let Some(note) = &report.pace_not_used {
        out.push_str(&format!("  (PACE not used: {note})\n"));
    }
    out.push_str("DG1 (MRZ)\n");
    match (&report.dg1, &report.dg1_error) {
        (Some(mrz), _) => out.push_str(&mrz_text(mrz)),
        (None, Some(e)) => out.push_str(&format!("  {e}\n")),
        (None, None) => {}
    }
    out.push_str("files\n");
    for (name, status) in &report.files {
        out.push_str(&format!("  {name:<18}{}\n", file_label(status)));
    }
    out.push_str(&format!("chip authentication {}\n", report.ca.describe()));
    out.push_str(&format!("active authentication {}\n", report.aa.describe()));
    out.push_str("passive authentication\n");
    out.push_str(&format!(
        "  signature         {}\n",
        report.pa.signature.describe()
    ));
    out.push_str(&format!(
        "  chain             {}\n",
        report.pa.chain.describe()
    ));
    for (n, check) in &report.pa.dgs {
        out.push_str(&format!("  DG{n:<16}{}\n", dg_label(*check)));
    }
    if let Some(e) = &report.pa.lds_error {
        out.push_str(&format!("  {e}\n"));
    }
    out.push_str(&format!(
        "verdict             {}\n",
        if report.genuine() {
            "genuine"
        } else {
            "NOT proven genuine"
        }
    ));
    out
}
