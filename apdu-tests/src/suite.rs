//! The suite format: TOML files a test engineer reads and writes
//! (apdu-tests/README.md describes it), turned into checked [`Case`]s.
//!
//! A file has a `[suite]` header, hand-written `[[case]]`s, and optionally
//! `[[matrix]]` tables from which access-matrix cases are generated, each
//! with an id built from its coordinates so it stays stable when rows are
//! added.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::command::{self, Action, CommandError, EacRun, PacePassword};
use crate::expect::{ByteMask, ExpectError, SwPattern, TlvCheck};
use crate::scp03::{Scp03Run, Scp03Variant};

/// Why a suite file cannot be used.
#[derive(Debug, Error)]
pub enum SuiteError {
    #[error("suite {file}: {source}")]
    Toml { file: String, source: Box<toml::de::Error> },
    #[error("suite {file}, case {case}: {message}")]
    Case { file: String, case: String, message: String },
    #[error("suite {file}: case id {id} appears twice")]
    DuplicateId { file: String, id: String },
    #[error("suite {0}: not a built-in suite; built-in: {1}")]
    UnknownSuite(String, String),
}

/// The interface a case runs on (chip.md "Interfaces").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Interface {
    Contact,
    Contactless,
}

impl Interface {
    pub fn label(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Contactless => "contactless",
        }
    }
}

/// Authentication established before the steps (the precondition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    None,
    /// PACE with the card's CAN, MRZ, PIN1 or user code (`PACE CAN`, …).
    Pace(PacePassword),
    /// `PACE PIN1 [CHAT hex] + TA NAME + CA` (eac.md): EAC through the
    /// terminal library's entry point.
    Eac(EacRun),
    /// `BAC`: the ICAO application selected, BAC with the card's MRZ (bac.md).
    Bac,
    /// `SCP03 [SL xx]`: the PKCS#15 application selected, an issuer session
    /// opened with the card's diversified keys (scp03.md, `crate::scp03`).
    Issuer(Scp03Run),
}

/// The precondition forms, for error messages.
pub const AUTH_FORMS: &str = "\"none\", \"PACE CAN\", \"PACE MRZ\", \"PACE PIN1\", \"PACE PUK\", \"BAC\", \"PACE PIN1 [CHAT 10 hex] + TA TERMINAL + CA\", \"SCP03 [SL 01|03|11|13]\"";

impl Auth {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text == "none" {
            return Some(Self::None);
        }
        if text == "BAC" {
            return Some(Self::Bac);
        }
        if text.contains('+') {
            return EacRun::parse_precondition(text).map(Self::Eac);
        }
        match text.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["PACE", kind] => PacePassword::parse(kind, None).map(Self::Pace),
            // Only a session that opens is a precondition (no negative variant).
            ["SCP03", rest @ ..] => {
                Scp03Run::parse_words(rest).ok().filter(|run| run.variant == Scp03Variant::Normal).map(Self::Issuer)
            }
            _ => None,
        }
    }

    /// The precondition as written in a suite (normalized).
    pub fn label(&self) -> String {
        match self {
            Self::None => "none".into(),
            Self::Pace(p) => format!("PACE {}", p.label()),
            Self::Bac => "BAC".into(),
            Self::Issuer(run) => run.label(),
            Self::Eac(run) => {
                let chat = run.chat.map(|c| format!(" CHAT {}", hex::encode_upper(c))).unwrap_or_default();
                format!("PACE {}{chat} + TA {} + CA", run.password.label(), run.terminal)
            }
        }
    }

    /// The short code used in generated ids: `NONE`, `CAN`, `MRZ`, `PIN1`,
    /// `PUK`, `BAC`, `PIN1TA-AUTH-PARENTS`, `PIN1TA-AUTH-PARENTS-C0000000200`,
    /// `SCP03`, `SCP03-SL01`.
    pub fn code(&self) -> String {
        match self {
            Self::None => "NONE".into(),
            Self::Pace(p) => p.label().into(),
            Self::Bac => "BAC".into(),
            Self::Issuer(run) => run.code(),
            Self::Eac(run) => {
                let chat = run.chat.map(|c| format!("-C{}", hex::encode_upper(c))).unwrap_or_default();
                format!("{}TA-{}{chat}", run.password.label(), run.terminal.to_uppercase())
            }
        }
    }

    /// True when the precondition opens a secure-messaging session (ISO SM
    /// or an SCP03 issuer session).
    pub fn opens_session(&self) -> bool {
        !matches!(self, Self::None)
    }

    /// True for an SCP03 issuer session: it selected the PKCS#15
    /// application itself (selecting an application would end it), and
    /// error status words come without R-MAC (scp03.md §Wrapping).
    pub fn is_issuer(&self) -> bool {
        matches!(self, Self::Issuer(_))
    }
}

/// What a case needs from the card beyond the reference behaviour; a card
/// that lacks it (or of which it is not known) makes the case not applicable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// A free-access EF.Scratch `2F10` (SFI `10`) of at least 8 bytes (lab profiles, `card.scratch_ef_size`).
    ScratchEf,
    /// No EF.Scratch: a production-like card.
    NoScratchEf,
    /// TERMINATE CARD USAGE allowed without authentication (`terminate_access = "always"`).
    TerminateAlways,
    /// TERMINATE CARD USAGE reserved to the registry office (the default).
    TerminateRestricted,
    /// BAC offered in the ICAO zone (`card.bac`).
    Bac,
    /// The card holds an SCP03 key set and the runner its issuer master keys
    /// (`--issuer-keys`, `card.keys.issuer_keys`). Implied by an `SCP03`
    /// precondition or an `scp03` step.
    IssuerKeys,
    /// The certificate zone asks for PACE secure messaging
    /// (`card.certificate.secure_messaging = true`, the reference profiles).
    CertificateSm,
    /// The middleware-compat certificate zone: no secure messaging.
    CertificatePlain,
}

impl Requirement {
    pub fn label(self) -> &'static str {
        match self {
            Self::ScratchEf => "scratch_ef",
            Self::NoScratchEf => "no_scratch_ef",
            Self::TerminateAlways => "terminate_always",
            Self::TerminateRestricted => "terminate_restricted",
            Self::Bac => "bac",
            Self::IssuerKeys => "issuer_keys",
            Self::CertificateSm => "certificate_sm",
            Self::CertificatePlain => "certificate_plain",
        }
    }
}

/// How a protected command is spoiled before it reaches the card, to check
/// the card's secure-messaging errors (secure-messaging.md §Errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tamper {
    /// Flip one bit of the MAC in DO'8E'.
    Mac,
    /// Remove DO'8E' (and fix Lc).
    DropMac,
    /// Send the previous protected command again (an old SSC).
    Replay,
}

/// Whether the response was protected by secure messaging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Protection {
    Plain,
    Protected,
}

/// Checks run after the steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Postcondition {
    /// The card holds no secure-messaging session: a command with SM bits
    /// answers `6882` (apdu.md §Class byte).
    SmSessionClosed,
    /// The session still works: a protected SELECT MF answers a protected `9000`.
    SmSessionOpen,
}

/// One step, checked.
#[derive(Debug, Clone)]
pub struct Step {
    /// The `send` text as written (for reports).
    pub send: String,
    pub action: Action,
    pub secure_messaging: bool,
    pub tamper: Option<Tamper>,
    /// Any of these; empty = not checked.
    pub sw: Vec<SwPattern>,
    pub data: Option<ByteMask>,
    /// The data start with these bytes (mask).
    pub prefix: Option<ByteMask>,
    pub len: Option<usize>,
    pub tlv: Vec<TlvCheck>,
    pub response: Option<Protection>,
}

/// One test case, ready to run.
#[derive(Debug, Clone)]
pub struct Case {
    pub id: String,
    pub title: String,
    pub clause: String,
    /// Reference holder key the case's expected data belong to; `None` = any card.
    pub holder: Option<String>,
    pub interface: Interface,
    pub auth: Auth,
    pub steps: Vec<Step>,
    pub post: Vec<Postcondition>,
    /// What the card must offer for the case to apply.
    pub requires: Vec<Requirement>,
    /// True for cases generated from a `[[matrix]]`.
    pub generated: bool,
}

/// A loaded suite.
#[derive(Debug, Clone)]
pub struct Suite {
    pub name: String,
    pub title: String,
    /// The zone the summary table counts it under.
    pub zone: String,
    pub cases: Vec<Case>,
}

// ---- the file as written -------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteFile {
    suite: SuiteHeader,
    #[serde(default)]
    case: Vec<CaseFile>,
    #[serde(default)]
    matrix: Vec<MatrixFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteHeader {
    name: String,
    title: String,
    zone: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    id: String,
    title: String,
    clause: String,
    holder: Option<String>,
    #[serde(default = "default_interface")]
    interface: Interface,
    #[serde(default = "default_auth")]
    auth: String,
    #[serde(default)]
    step: Vec<StepFile>,
    #[serde(default)]
    post: Vec<Postcondition>,
    #[serde(default)]
    requires: Vec<Requirement>,
}

fn default_interface() -> Interface {
    Interface::Contact
}

fn default_auth() -> String {
    "none".to_owned()
}

/// A status word expectation: one pattern or a list of alternatives.
#[derive(Deserialize)]
#[serde(untagged)]
enum SwFile {
    One(String),
    Any(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    send: String,
    #[serde(default, alias = "sm")]
    secure_messaging: bool,
    tamper: Option<Tamper>,
    sw: Option<SwFile>,
    data: Option<String>,
    prefix: Option<String>,
    len: Option<usize>,
    #[serde(default)]
    tlv: Vec<String>,
    response: Option<Protection>,
}

/// An access matrix: every EF × operation × authentication × interface.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixFile {
    id_prefix: String,
    clause: String,
    /// Command that selects the EFs' DF (`select_aid HOUSEHOLD`, `select_mf`).
    df: String,
    /// Preconditions to cover (default: none, PACE CAN, PACE MRZ).
    auths: Option<Vec<String>>,
    /// Interfaces to cover (default: both).
    interfaces: Option<Vec<Interface>>,
    #[serde(default)]
    requires: Vec<Requirement>,
    ef: Vec<MatrixEf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MatrixEf {
    name: String,
    /// 4 hex digits.
    fid: String,
    /// Short EF identifier, hex `01`..`1E`. Without one (PKCS#15 EFs,
    /// certificate-zone.md) the EF is selected by FID before READ / UPDATE
    /// BINARY of the current EF.
    sfi: Option<String>,
    /// Preconditions under which READ BINARY is allowed (as in `auth`), on any interface.
    read: Vec<String>,
    /// Preconditions under which UPDATE BINARY is allowed.
    update: Vec<String>,
    /// Interfaces on which reads are allowed at all (default: both).
    read_interfaces: Option<Vec<Interface>>,
    /// First byte(s) of the content (the template tag), checked on allowed reads.
    tag: Option<String>,
}

/// The preconditions a matrix covers unless it names its own.
const MATRIX_AUTHS: [&str; 3] = ["none", "PACE CAN", "PACE MRZ"];
const MATRIX_INTERFACES: [Interface; 2] = [Interface::Contact, Interface::Contactless];

impl Interface {
    /// The short code in generated ids.
    fn code(self) -> &'static str {
        match self {
            Self::Contact => "CT",
            Self::Contactless => "CL",
        }
    }
}
/// READ BINARY answers: all Ne bytes (`9000`) or the end of the EF came first (`6282`), ISO 7816-4 §11.3.3.
const SW_READ_OK: [&str; 2] = ["9000", "6282"];
const SW_OK: &str = "9000";
const SW_DENIED: &str = "6982";

impl Suite {
    /// Parses and checks a suite file; `file` names it in errors.
    pub fn from_toml(file: &str, text: &str) -> Result<Self, SuiteError> {
        let parsed: SuiteFile =
            toml::from_str(text).map_err(|e| SuiteError::Toml { file: file.to_owned(), source: Box::new(e) })?;
        let mut cases = Vec::new();
        for c in &parsed.case {
            cases.push(case_from_file(file, c)?);
        }
        for m in &parsed.matrix {
            cases.extend(expand_matrix(file, m)?);
        }
        let mut seen = std::collections::HashSet::new();
        for c in &cases {
            if !seen.insert(c.id.clone()) {
                return Err(SuiteError::DuplicateId { file: file.to_owned(), id: c.id.clone() });
            }
        }
        Ok(Self { name: parsed.suite.name, title: parsed.suite.title, zone: parsed.suite.zone, cases })
    }
}

fn case_error(file: &str, case: &str, message: impl std::fmt::Display) -> SuiteError {
    SuiteError::Case { file: file.to_owned(), case: case.to_owned(), message: message.to_string() }
}

fn case_from_file(file: &str, c: &CaseFile) -> Result<Case, SuiteError> {
    let err = |m: String| case_error(file, &c.id, m);
    if c.id.trim().is_empty() || c.clause.trim().is_empty() || c.title.trim().is_empty() {
        return Err(err("id, title and clause must not be empty".into()));
    }
    let auth = Auth::parse(&c.auth).ok_or_else(|| err(format!("auth \"{}\": one of {AUTH_FORMS}", c.auth)))?;
    let steps = c
        .step
        .iter()
        .enumerate()
        .map(|(i, s)| step_from_file(s).map_err(|m| err(format!("step {}: {m}", i + 1))))
        .collect::<Result<Vec<_>, _>>()?;
    if steps.is_empty() {
        return Err(err("a case needs at least one step".into()));
    }
    let mut requires = c.requires.clone();
    if auth.is_issuer() || steps.iter().any(|s| matches!(s.action, Action::Scp03(_))) {
        require(&mut requires, Requirement::IssuerKeys);
    }
    Ok(Case {
        id: c.id.clone(),
        title: c.title.clone(),
        clause: c.clause.clone(),
        holder: c.holder.clone(),
        interface: c.interface,
        auth,
        steps,
        post: c.post.clone(),
        requires,
        generated: false,
    })
}

/// Adds `requirement` unless it is there.
fn require(requires: &mut Vec<Requirement>, requirement: Requirement) {
    if !requires.contains(&requirement) {
        requires.push(requirement);
    }
}

fn step_from_file(s: &StepFile) -> Result<Step, String> {
    let action = command::parse(&s.send).map_err(|e: CommandError| e.to_string())?;
    let text_err = |e: ExpectError| e.to_string();
    let sw = match &s.sw {
        None => Vec::new(),
        Some(SwFile::One(p)) => vec![SwPattern::parse(p).map_err(text_err)?],
        Some(SwFile::Any(ps)) => ps.iter().map(|p| SwPattern::parse(p)).collect::<Result<_, _>>().map_err(text_err)?,
    };
    if s.tamper.is_some() && !s.secure_messaging {
        return Err("tamper needs secure_messaging = true (it spoils a protected command)".into());
    }
    if s.secure_messaging && !matches!(action, Action::Apdu(_) | Action::VerifyPin2) {
        return Err("secure_messaging applies to APDUs only, not to reset or pace".into());
    }
    Ok(Step {
        send: s.send.clone(),
        action,
        secure_messaging: s.secure_messaging,
        tamper: s.tamper,
        sw,
        data: s.data.as_deref().map(ByteMask::parse).transpose().map_err(text_err)?,
        prefix: s.prefix.as_deref().map(ByteMask::parse).transpose().map_err(text_err)?,
        len: s.len,
        tlv: s.tlv.iter().map(|t| TlvCheck::parse(t)).collect::<Result<_, _>>().map_err(text_err)?,
        response: s.response,
    })
}

/// A step built by the matrix expansion from text that is known to parse.
fn generated_step(
    send: &str,
    sm: bool,
    sw: &[&str],
    tlv: &[String],
    data: Option<&str>,
    prefix: Option<&str>,
) -> Result<Step, String> {
    step_from_file(&StepFile {
        send: send.to_owned(),
        secure_messaging: sm,
        tamper: None,
        sw: Some(SwFile::Any(sw.iter().map(|s| (*s).to_owned()).collect())),
        data: data.map(str::to_owned),
        prefix: prefix.map(str::to_owned),
        len: None,
        tlv: tlv.to_vec(),
        response: Some(if sm { Protection::Protected } else { Protection::Plain }),
    })
}

/// Generates, for every EF, READ BINARY, UPDATE BINARY and SELECT under each
/// authentication on each interface. Id: `PREFIX-FID-OP-AUTH-IF`, e.g.
/// `PUB-ACC-0101-RD-CAN-CL`.
///
/// An EF without SFI is selected by FID (`00 A4 02 0C 02 FID`) before the
/// READ / UPDATE BINARY of the current EF. Under an `SCP03` precondition the
/// `df` step is left out (the precondition selected the PKCS#15
/// application; selecting an application would end the session) and the
/// answers are not required to be protected (error status words carry no
/// R-MAC, scp03.md §Wrapping).
fn expand_matrix(file: &str, m: &MatrixFile) -> Result<Vec<Case>, SuiteError> {
    let mut cases = Vec::new();
    for ef in &m.ef {
        let err = |msg: String| case_error(file, &format!("{}-{}", m.id_prefix, ef.fid), msg);
        let fid = hex::decode(&ef.fid).ok().filter(|f| f.len() == 2).ok_or_else(|| err("fid: 4 hex digits".into()))?;
        let sfi = match &ef.sfi {
            Some(text) => Some(
                u8::from_str_radix(text, 16)
                    .ok()
                    .filter(|s| (1..=30).contains(s))
                    .ok_or_else(|| err("sfi: hex 01..1E".into()))?,
            ),
            None => None,
        };
        let parse_auth = |a: &String| Auth::parse(a).ok_or_else(|| err(format!("\"{a}\": one of {AUTH_FORMS}")));
        let read: Vec<Auth> = ef.read.iter().map(parse_auth).collect::<Result<_, _>>()?;
        let update: Vec<Auth> = ef.update.iter().map(parse_auth).collect::<Result<_, _>>()?;
        let auths: Vec<Auth> = match &m.auths {
            Some(list) => list.iter().map(parse_auth).collect::<Result<_, _>>()?,
            None => MATRIX_AUTHS.iter().filter_map(|a| Auth::parse(a)).collect(),
        };
        let interfaces = m.interfaces.clone().unwrap_or_else(|| MATRIX_INTERFACES.to_vec());
        let read_interfaces = ef.read_interfaces.clone().unwrap_or_else(|| MATRIX_INTERFACES.to_vec());
        // READ / UPDATE BINARY by SFI (P1 100sssss), or of the current EF.
        let (p1, reference) = match sfi {
            Some(sfi) => (0x80 | sfi, format!("SFI {sfi:02X}")),
            None => (0x00, "by FID".to_owned()),
        };
        for auth in &auths {
            let auth_code = auth.code();
            let sm = auth.opens_session();
            let mut requires = m.requires.clone();
            if auth.is_issuer() {
                require(&mut requires, Requirement::IssuerKeys);
            }
            // The matrix step as generated, with the issuer session's rule on protection.
            let step = |send: &str, sw: &[&str], tlv: &[String], data: Option<&str>, prefix: Option<&str>| {
                generated_step(send, sm, sw, tlv, data, prefix).map(|mut step| {
                    if auth.is_issuer() {
                        step.response = None;
                    }
                    step
                })
            };
            for interface in &interfaces {
                let if_code = interface.code();
                let may_read = read.contains(auth) && read_interfaces.contains(interface);
                let may_update = update.contains(auth);
                let where_ = format!("{} ({}, {reference}), {}, {}", ef.name, ef.fid, auth.label(), interface.label());
                let mut before = Vec::new();
                if !auth.is_issuer() {
                    before.push(step(&m.df, &[SW_OK], &[], None, None).map_err(&err)?);
                }
                let mut before_binary = before.clone();
                if sfi.is_none() {
                    before_binary.push(step(&format!("00 A4 02 0C 02 {}", ef.fid), &[SW_OK], &[], Some(""), None).map_err(&err)?);
                }
                let read_apdu = format!("00 B0 {p1:02X} 00 00");
                let ops: [(&str, String, &Vec<Step>, Step); 3] = [
                    (
                        "RD",
                        format!("READ BINARY {} {where_}", if may_read { "allowed" } else { "denied" }),
                        &before_binary,
                        if may_read {
                            step(&read_apdu, &SW_READ_OK, &[], None, ef.tag.as_deref())
                        } else {
                            step(&read_apdu, &[SW_DENIED], &[], Some(""), None)
                        }
                        .map_err(&err)?,
                    ),
                    (
                        "UP",
                        format!("UPDATE BINARY {} {where_}", if may_update { "allowed" } else { "denied" }),
                        &before_binary,
                        step(
                            &format!("00 D6 {p1:02X} 00 01 00"),
                            &[if may_update { SW_OK } else { SW_DENIED }],
                            &[],
                            Some(""),
                            None,
                        )
                        .map_err(&err)?,
                    ),
                    (
                        "SE",
                        format!("SELECT EF with FCP (no access rule) {where_}"),
                        &before,
                        step(
                            &format!("00 A4 02 04 02 {} 00", ef.fid),
                            &[SW_OK],
                            &[format!("62/83 == hex:{}", hex::encode_upper(&fid))],
                            None,
                            None,
                        )
                        .map_err(&err)?,
                    ),
                ];
                for (op, title, before, step) in ops {
                    let mut steps = before.clone();
                    steps.push(step);
                    cases.push(Case {
                        id: format!("{}-{}-{op}-{auth_code}-{if_code}", m.id_prefix, ef.fid.to_uppercase()),
                        title,
                        clause: m.clause.clone(),
                        holder: None,
                        interface: *interface,
                        auth: auth.clone(),
                        steps,
                        post: Vec::new(),
                        requires: requires.clone(),
                        generated: true,
                    });
                }
            }
        }
    }
    Ok(cases)
}

/// The suites shipped with the crate, in run order: (name, TOML text).
pub const BUILTIN: [(&str, &str); 12] = [
    ("codec", include_str!("../suites/codec.toml")),
    ("card-level", include_str!("../suites/card-level.toml")),
    ("household", include_str!("../suites/household.toml")),
    ("public", include_str!("../suites/public.toml")),
    ("pace", include_str!("../suites/pace.toml")),
    ("secure-messaging", include_str!("../suites/secure-messaging.toml")),
    ("pins", include_str!("../suites/pins.toml")),
    ("eac", include_str!("../suites/eac.toml")),
    ("icao", include_str!("../suites/icao.toml")),
    ("scp03", include_str!("../suites/scp03.toml")),
    ("certificate", include_str!("../suites/certificate.toml")),
    ("life-cycle", include_str!("../suites/life-cycle.toml")),
];

/// Loads the built-in suites named in `names` (all of them when empty).
pub fn builtin_suites(names: &[String]) -> Result<Vec<Suite>, SuiteError> {
    let known = || BUILTIN.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    for name in names {
        if !BUILTIN.iter().any(|(n, _)| n == name) {
            return Err(SuiteError::UnknownSuite(name.clone(), known()));
        }
    }
    BUILTIN
        .iter()
        .filter(|(n, _)| names.is_empty() || names.iter().any(|w| w == n))
        .map(|(n, text)| Suite::from_toml(&format!("{n}.toml"), text))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[suite]
name = "t"
title = "t"
zone = "household"

[[case]]
id = "T-001"
title = "select"
clause = "household.md"
[[case.step]]
send = "select_aid HOUSEHOLD"
sw = "9000"

[[matrix]]
id_prefix = "T-ACC"
clause = "zones.md"
df = "select_aid HOUSEHOLD"
[[matrix.ef]]
name = "EF.County"
fid = "0101"
sfi = "01"
read = ["none", "PACE CAN", "PACE MRZ"]
update = []
"#;

    #[test]
    fn matrix_expands_to_stable_ids() {
        let suite = Suite::from_toml("t.toml", SMALL).unwrap();
        // 1 hand case + 1 EF × 3 ops × 3 auths × 2 interfaces.
        assert_eq!(suite.cases.len(), 1 + 18);
        assert!(suite.cases.iter().any(|c| c.id == "T-ACC-0101-RD-CAN-CL"));
        assert!(suite.cases.iter().any(|c| c.id == "T-ACC-0101-UP-NONE-CT"));
    }

    #[test]
    fn a_matrix_without_sfi_selects_by_fid_and_scp03_keeps_its_session() {
        let text = r#"
[suite]
name = "t"
title = "t"
zone = "certificate"

[[matrix]]
id_prefix = "T-ACC"
clause = "certificate-zone.md"
df = "select_aid CERTIFICATE"
auths = ["PACE CAN", "SCP03"]
interfaces = ["contact"]
[[matrix.ef]]
name = "EF.ODF"
fid = "5031"
read = ["PACE CAN"]
update = []
tag = "A8"
"#;
        let suite = Suite::from_toml("t.toml", text).unwrap();
        assert_eq!(suite.cases.len(), 3 * 2);
        let id = |id: &str| suite.cases.iter().find(|c| c.id == id).unwrap();
        // PACE: DF, SELECT by FID, READ BINARY of the current EF, all protected.
        let read = id("T-ACC-5031-RD-CAN-CT");
        let sends: Vec<&str> = read.steps.iter().map(|s| s.send.as_str()).collect();
        assert_eq!(sends, ["select_aid CERTIFICATE", "00 A4 02 0C 02 5031", "00 B0 00 00 00"]);
        assert!(read.steps.iter().all(|s| s.secure_messaging && s.response == Some(Protection::Protected)));
        // SCP03: no SELECT of the application (it would end the session), answers not required protected.
        let read = id("T-ACC-5031-RD-SCP03-CT");
        let sends: Vec<&str> = read.steps.iter().map(|s| s.send.as_str()).collect();
        assert_eq!(sends, ["00 A4 02 0C 02 5031", "00 B0 00 00 00"]);
        assert!(read.steps.iter().all(|s| s.secure_messaging && s.response.is_none()));
        assert_eq!(read.requires, [Requirement::IssuerKeys]);
        assert_eq!(id("T-ACC-5031-SE-SCP03-CT").steps.len(), 1);
        assert_eq!(id("T-ACC-5031-UP-SCP03-CT").steps[1].send, "00 D6 00 00 01 00");
    }

    #[test]
    fn scp03_preconditions_and_steps_imply_issuer_keys() {
        assert_eq!(Auth::parse("SCP03").map(|a| a.code()), Some("SCP03".into()));
        assert_eq!(Auth::parse("SCP03 SL 11").map(|a| a.label()), Some("SCP03 SL 11".into()));
        assert_eq!(Auth::parse("SCP03 bad-mac"), None, "a negative opening is a step, not a precondition");
        assert_eq!(Auth::parse("SCP03 SL 05"), None);
        let text = SMALL.replace("send = \"select_aid HOUSEHOLD\"\nsw = \"9000\"", "send = \"scp03 wrong-key\"\nsw = \"6300\"");
        let suite = Suite::from_toml("t.toml", &text).unwrap();
        assert_eq!(suite.cases[0].requires, [Requirement::IssuerKeys]);
    }

    #[test]
    fn errors_name_the_case_and_rule() {
        let bad = SMALL.replace("sw = \"9000\"", "sw = \"900\"");
        let e = Suite::from_toml("t.toml", &bad).unwrap_err().to_string();
        assert!(e.contains("T-001") && e.contains("status word \"900\""), "{e}");
        let dup = SMALL.replace("T-ACC", "T");
        let dup = format!("{dup}\n[[case]]\nid = \"T-0101-RD-CAN-CL\"\ntitle = \"x\"\nclause = \"y\"\n[[case.step]]\nsend = \"reset\"\n");
        let e = Suite::from_toml("t.toml", &dup).unwrap_err().to_string();
        assert!(e.contains("appears twice"), "{e}");
        let auth = SMALL.replace("sw = \"9000\"", "sw = \"9000\"\nsecure_messaging = true\ntamper = \"mac\"").replace(
            "[[case.step]]",
            "auth = \"PACE PIN2\"\n[[case.step]]",
        );
        let e = Suite::from_toml("t.toml", &auth).unwrap_err().to_string();
        assert!(e.contains("auth \"PACE PIN2\""), "{e}");
    }
}
