//! The runner: for each case a fresh card session (`Transport::reset`), the
//! precondition (PACE), the steps, the postconditions — every check made on
//! the APDUs the card answers, through `terminal::Transport` only.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use card_os::protocol::BacKeys;
use card_os::protocol::scp03::StaticKeys;
use card_os::protocol::cvc::Chat;
use emulator::TraceWriter;
use terminal::icao::{BacFailure, establish_bac};
use terminal::pace::{MrzInfo, PaceFailure, PacePasswordInput, establish_pace};
use terminal::{EacFailure, TerminalCredentials, Transport, TransportError, establish_pace_any, run_eac};

use crate::command::{self, Action, EacRun, PacePassword};
use crate::glob::Glob;
use crate::scp03::{ChannelError, IssuerChannel, Scp03Run};
use crate::report::{CaseResult, Outcome, Report};
use crate::suite::{Auth, Case, Interface, Postcondition, Protection, Requirement, Step, Suite};
use crate::tap::Tap;

/// What the runner knows about the card under test: whose it is and its
/// passwords (from the profile or given by the lab).
#[derive(Debug, Clone, Default)]
pub struct CardUnderTest {
    /// Reference holder key (`adult`, `minor`, `senior`), when known.
    pub holder: Option<String>,
    pub can: Option<String>,
    /// The three TD1 MRZ lines.
    pub mrz: Option<Vec<String>>,
    /// PIN1 (6 digits), PIN2 and the user code (PUK), when known.
    pub pin1: Option<String>,
    pub pin2: Option<String>,
    pub user_code: Option<String>,
    /// Where `TA NAME` finds terminal directory NAME, searched in order.
    pub terminal_dirs: Vec<PathBuf>,
    /// Whether the card has EF.Scratch (`card.scratch_ef_size`); `None`: not known.
    pub scratch_ef: Option<bool>,
    /// Whether TERMINATE CARD USAGE needs no authentication; `None`: not known.
    pub terminate_always: Option<bool>,
    /// Whether BAC is offered; `None`: not known.
    pub bac: Option<bool>,
    /// The issuer's SCP03 master keys (`--issuer-keys`, `card.keys.issuer_keys`), when given.
    pub issuer_keys: Option<StaticKeys>,
    /// Whether the certificate zone asks for secure messaging
    /// (`card.certificate.secure_messaging`); `None`: not known.
    pub certificate_sm: Option<bool>,
}

/// Terminal directories shipped with the suites (`apdu-tests/terminals`:
/// an expired terminal for the certificate-date cases).
pub fn suite_terminals_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("terminals")
}

impl CardUnderTest {
    /// Everything a profile tells about its card: holder, passwords, the
    /// test PKI's terminals, lab features.
    pub fn from_profile(profile: &profiles::Profile) -> Self {
        let mut terminal_dirs = Vec::new();
        if let Some(pki) = profile.pki_dir() {
            terminal_dirs.push(pki.join("cv").join("terminals"));
        }
        terminal_dirs.push(suite_terminals_dir());
        Self {
            holder: Some(profile.name.clone()),
            can: Some(profile.holder.can.clone()),
            mrz: Some(profile.holder.mrz.clone()),
            pin1: Some(profile.holder.pin1.clone()),
            pin2: Some(profile.holder.pin2.clone()),
            user_code: Some(profile.holder.user_code.clone()),
            terminal_dirs,
            scratch_ef: Some(profile.card.scratch_ef_size.is_some_and(|size| size >= SCRATCH_MIN)),
            terminate_always: Some(profile.card.terminate_access == profiles::TerminateAccess::Always),
            bac: Some(profile.card.bac && profile.card.zones.icao),
            issuer_keys: profile.issuer_keys().ok().flatten().map(|keys| pki::issuance::master_keys(&keys)),
            certificate_sm: Some(profile.card.certificate.secure_messaging),
        }
    }

    /// `Some(reason)` when the card does not meet `requirement` (or it is not known).
    fn lacks(&self, requirement: Requirement) -> Option<String> {
        if requirement == Requirement::IssuerKeys && self.issuer_keys.is_none() {
            return Some(crate::scp03::NO_KEYS.to_owned());
        }
        let (known, wanted) = match requirement {
            Requirement::ScratchEf => (self.scratch_ef, true),
            Requirement::NoScratchEf => (self.scratch_ef, false),
            Requirement::TerminateAlways => (self.terminate_always, true),
            Requirement::TerminateRestricted => (self.terminate_always, false),
            Requirement::Bac => (self.bac, true),
            Requirement::IssuerKeys => (Some(true), true),
            Requirement::CertificateSm => (self.certificate_sm, true),
            Requirement::CertificatePlain => (self.certificate_sm, false),
        };
        match known {
            Some(have) if have == wanted => None,
            Some(_) => Some(format!("the case needs a card with {}; this card differs (profile)", requirement.label())),
            None => Some(format!("the case needs a card with {}; not known for this card (give --holder-profile)", requirement.label())),
        }
    }

    /// The credentials of terminal directory `name`.
    fn terminal(&self, name: &str) -> Result<TerminalCredentials, String> {
        if name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(format!("terminal \"{name}\": a directory name, not a path"));
        }
        let dir = self
            .terminal_dirs
            .iter()
            .map(|d| d.join(name))
            .find(|d| d.is_dir())
            .ok_or_else(|| format!("terminal directory {name} not found in the card's test PKI or apdu-tests/terminals"))?;
        let chain = pki::cv::load_terminal(&dir).map_err(|e| format!("terminal {}: {e}", dir.display()))?;
        Ok(TerminalCredentials::new(
            chain.links.clone(),
            chain.cvca.clone(),
            chain.dv.clone(),
            chain.terminal.certificate.clone(),
            chain.terminal.curve,
            chain.terminal.private_key(),
        ))
    }
}

/// EF.Scratch cases write 8 bytes.
const SCRATCH_MIN: u16 = 8;

/// Opens a fresh connection to the card under test for one case.
pub trait TransportFactory: Sync {
    /// The card on `interface`; `Err(reason)` when the card cannot be reached
    /// that way (the case is then not applicable).
    fn open(&self, interface: Interface) -> Result<Box<dyn Transport>, String>;

    fn card(&self) -> &CardUnderTest;

    /// A name for reports.
    fn name(&self) -> String;
}

/// What to run and how.
pub struct RunOptions<'a> {
    /// Only cases whose id matches.
    pub filter: Option<Glob>,
    /// Cases run in parallel, each on its own transport (1 for a reader).
    pub jobs: usize,
    /// Called once per finished case (progress output).
    pub progress: Option<&'a (dyn Fn(&CaseResult) + Sync)>,
    /// Record every APDU of the run here (docs/spec/trace.md records; the
    /// records of one case are written together, after it).
    pub trace: Option<&'a Mutex<TraceWriter>>,
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        Self { filter: None, jobs: 1, progress: None, trace: None }
    }
}

/// Runs every selected case of `suites` on cards from `factory`.
pub fn run(suites: &[Suite], factory: &dyn TransportFactory, options: &RunOptions) -> Report {
    let work: Vec<(&Suite, &Case)> = suites
        .iter()
        .flat_map(|s| s.cases.iter().map(move |c| (s, c)))
        .filter(|(_, c)| options.filter.as_ref().is_none_or(|g| g.matches(&c.id)))
        .collect();
    let results: Mutex<Vec<Option<CaseResult>>> = Mutex::new(vec![None; work.len()]);
    let next = AtomicUsize::new(0);
    let worker = || {
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some((suite, case)) = work.get(i) else { break };
            let result = run_case_traced(suite, case, factory, options.trace);
            if let Some(progress) = options.progress {
                progress(&result);
            }
            if let Ok(mut all) = results.lock() {
                all[i] = Some(result);
            }
        }
    };
    let jobs = options.jobs.clamp(1, work.len().max(1));
    if jobs == 1 {
        worker();
    } else {
        std::thread::scope(|scope| {
            for _ in 0..jobs {
                scope.spawn(worker);
            }
        });
    }
    let results = results.into_inner().unwrap_or_default().into_iter().flatten().collect();
    Report { card: factory.name(), results }
}

/// Runs one case; never panics on what the card answers.
pub fn run_case(suite: &Suite, case: &Case, factory: &dyn TransportFactory) -> CaseResult {
    run_case_traced(suite, case, factory, None)
}

fn run_case_traced(
    suite: &Suite,
    case: &Case,
    factory: &dyn TransportFactory,
    trace: Option<&Mutex<TraceWriter>>,
) -> CaseResult {
    let started = Instant::now();
    let outcome = match execute(case, factory, trace) {
        Ok(()) => Outcome::Pass,
        Err(Stop::Fail(reason)) => Outcome::Fail(reason),
        Err(Stop::NotApplicable(reason)) => Outcome::NotApplicable(reason),
    };
    CaseResult {
        id: case.id.clone(),
        title: case.title.clone(),
        clause: case.clause.clone(),
        suite: suite.name.clone(),
        zone: suite.zone.clone(),
        interface: case.interface.label(),
        auth: case.auth.label(),
        outcome,
        seconds: started.elapsed().as_secs_f64(),
    }
}

enum Stop {
    Fail(String),
    NotApplicable(String),
}

/// Why a step has no answer to check.
enum StepError {
    /// The exchange failed: the case fails.
    Fail(String),
    /// The reader cannot carry the step's command (it was not sent): the
    /// case says nothing about the card, it is not applicable.
    NotCarried(String),
}

impl From<String> for StepError {
    fn from(reason: String) -> Self {
        Self::Fail(reason)
    }
}

impl From<&str> for StepError {
    fn from(reason: &str) -> Self {
        Self::Fail(reason.to_owned())
    }
}

impl From<TransportError> for StepError {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::NotCarried { .. } => Self::NotCarried(error.to_string()),
            other => Self::Fail(other.to_string()),
        }
    }
}

/// A response as the test engineer sees it: plain data and status word, and
/// whether it came protected.
struct Answer {
    data: Vec<u8>,
    sw: u16,
    protected: bool,
}

/// The card connection during a case: the tap (raw), and the secure channel
/// over it once PACE succeeded.
struct Session<'a> {
    tap: Tap,
    /// The secure channel (PACE, EAC: AES; BAC: 3DES) over the tap.
    channel: Option<Box<dyn Transport>>,
    /// The SCP03 issuer session (`crate::scp03`), used when `channel` is none.
    issuer: Option<IssuerChannel>,
    card: &'a CardUnderTest,
}

fn execute(case: &Case, factory: &dyn TransportFactory, trace: Option<&Mutex<TraceWriter>>) -> Result<(), Stop> {
    let (tap, result) = execute_recorded(case, factory, trace.is_some());
    if let (Some(trace), Some(tap)) = (trace, tap)
        && let Ok(mut writer) = trace.lock()
    {
        for record in tap.take_records() {
            writer.record(&record);
        }
    }
    result
}

fn execute_recorded(case: &Case, factory: &dyn TransportFactory, record: bool) -> (Option<Tap>, Result<(), Stop>) {
    let card = factory.card();
    if let (Some(want), Some(have)) = (&case.holder, &card.holder)
        && want != have
    {
        return (None, Err(Stop::NotApplicable(format!("the expected data are holder {want}'s; the card is {have}'s"))));
    }
    if case.holder.is_some() && card.holder.is_none() {
        return (
            None,
            Err(Stop::NotApplicable(format!(
                "the expected data are holder {}'s; the card's holder is not known",
                case.holder.as_deref().unwrap_or_default()
            ))),
        );
    }
    if let Some(reason) = case.requires.iter().find_map(|r| card.lacks(*r)) {
        return (None, Err(Stop::NotApplicable(reason)));
    }
    let transport = match factory.open(case.interface) {
        Ok(t) => t,
        Err(reason) => return (None, Err(Stop::NotApplicable(reason))),
    };
    let tap = Tap::new(transport, case.interface, record);
    let mut session = Session { tap: tap.clone(), channel: None, issuer: None, card };
    (Some(tap), session.run(case))
}

impl Session<'_> {
    fn run(&mut self, case: &Case) -> Result<(), Stop> {
        // A fresh card session: the card drops selection, security status, SM keys.
        self.tap.reset().map_err(|e| Stop::NotApplicable(format!("reset failed: {e}")))?;
        let precondition = match &case.auth {
            Auth::None => None,
            Auth::Pace(password) => Some(self.pace(password)),
            Auth::Eac(run) => Some(self.eac(run)),
            Auth::Bac => Some(self.bac()),
            Auth::Issuer(run) => Some(self.scp03(run)),
        };
        if let Some(answer) = precondition {
            let answer = answer.map_err(Stop::NotApplicable)?;
            if answer.sw != SW_OK {
                return Err(Stop::NotApplicable(format!(
                    "precondition {}: the card answered {:04X} ({})",
                    case.auth.label(),
                    answer.sw,
                    terminal::sw_meaning(answer.sw)
                )));
            }
        }
        for (i, step) in case.steps.iter().enumerate() {
            let answer = self.step(step).map_err(|e| match e {
                StepError::Fail(e) => Stop::Fail(format!("step {} ({}): {e}", i + 1, step.send)),
                StepError::NotCarried(e) => Stop::NotApplicable(format!("step {} ({}): {e}", i + 1, step.send)),
            })?;
            check(step, &answer).map_err(|e| Stop::Fail(format!("step {} ({}): {e}", i + 1, step.send)))?;
        }
        for post in &case.post {
            self.postcondition(*post).map_err(|e| Stop::Fail(format!("postcondition {post:?}: {e}")))?;
        }
        Ok(())
    }
}

const SW_OK: u16 = 0x9000;
/// SM bits `11` in a first-interindustry CLA (ISO 7816-4 §5.4.1): header authenticated.
const CLA_SM: u8 = 0x0C;
/// `0C B0 00 00 0D 97 01 00 8E 08 00…00 00`: a protected READ BINARY with a
/// zero MAC, the probe for "is there a session" (6882: none, apdu.md §Class
/// byte; with a session it would be 6988 and end it).
const PROBE_NO_SESSION: [u8; 19] =
    [CLA_SM, 0xB0, 0x00, 0x00, 0x0D, 0x97, 0x01, 0x00, 0x8E, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0x00];
const SW_NO_SM_SESSION: u16 = 0x6882;
/// SELECT MF, no response data.
const SELECT_MF: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00];
/// VERIFY (ISO 7816-4 §11.5.6) and PIN2's reference `81` (pins.md).
const INS_VERIFY: u8 = 0x20;
const PIN2_REFERENCE: u8 = 0x81;

impl Session<'_> {
    /// The terminal library's form of `password`, with the card's value
    /// unless the suite gives one.
    fn password(&self, password: &PacePassword) -> Result<PacePasswordInput, String> {
        let known = |value: &Option<String>, what: &str| {
            password.given().map(str::to_owned).or_else(|| value.clone()).ok_or(format!("the card's {what} is not known"))
        };
        Ok(match password {
            PacePassword::Can(_) => PacePasswordInput::Can(known(&self.card.can, "CAN")?),
            PacePassword::Pin1(_) => PacePasswordInput::Pin(known(&self.card.pin1, "PIN1")?),
            PacePassword::Puk(_) => PacePasswordInput::Puk(known(&self.card.user_code, "user code")?),
            PacePassword::Mrz(given) => {
                let info = match given {
                    Some(text) => MrzInfo::from_info_arg(text),
                    None => MrzInfo::from_td1(self.card.mrz.as_ref().ok_or("the card's MRZ is not known")?),
                };
                PacePasswordInput::Mrz(info.map_err(|e| e.to_string())?)
            }
        })
    }

    /// Runs PACE; the status word is the one of the step that ended it.
    fn pace(&mut self, password: &PacePassword) -> Result<Answer, String> {
        let input = self.password(password)?;
        self.channel = None;
        let sw = match establish_pace(self.tap.clone(), &input, &mut rand::rng()) {
            Ok(channel) => {
                self.channel = Some(Box::new(channel));
                SW_OK
            }
            Err(PaceFailure::WrongPassword { sw, .. } | PaceFailure::Card { sw, .. }) => sw,
            Err(other) => return Err(format!("PACE {}: {other}", password.label())),
        };
        Ok(Answer { data: Vec::new(), sw, protected: false })
    }

    /// PACE with the CHAT, TA, CA v2 through the terminal library
    /// (`establish_pace_for_eac`, `run_eac`); the status word is the one of
    /// the command that ended the run.
    fn eac(&mut self, run: &EacRun) -> Result<Answer, String> {
        let input = self.password(&run.password)?;
        let credentials = self.card.terminal(&run.terminal)?;
        let chat = match run.chat {
            Some(bytes) => Chat::from_bytes(&bytes).map_err(|e| format!("CHAT {}: {e:?}", hex::encode_upper(bytes)))?,
            None => credentials.chain_chat(),
        };
        self.channel = None;
        let mut rng = rand::rng();
        let pace = match establish_pace_any(self.tap.clone(), &input, Some(chat), &mut rng) {
            Ok(pace) => pace,
            Err(PaceFailure::WrongPassword { sw, .. } | PaceFailure::Card { sw, .. }) => {
                return Ok(Answer { data: Vec::new(), sw, protected: false });
            }
            Err(other) => return Err(format!("EAC: PACE {}: {other}", run.password.label())),
        };
        let sw = match run_eac(pace, &credentials, &mut rng) {
            Ok(session) => {
                self.channel = Some(Box::new(session.channel));
                SW_OK
            }
            Err(EacFailure::Card { sw, .. }) => sw,
            Err(EacFailure::Pace(PaceFailure::WrongPassword { sw, .. } | PaceFailure::Card { sw, .. })) => sw,
            Err(other) => return Err(format!("EAC with terminal {}: {other}", run.terminal)),
        };
        Ok(Answer { data: Vec::new(), sw, protected: false })
    }

    /// Selects the ICAO application, then BAC with the card's MRZ.
    fn bac(&mut self) -> Result<Answer, String> {
        let lines = self.card.mrz.as_ref().ok_or("the card's MRZ is not known")?;
        let info = MrzInfo::from_td1(lines).map_err(|e| e.to_string())?;
        self.channel = None;
        let Ok(Action::Apdu(select)) = command::parse("select_aid ICAO") else {
            return Err("select_aid ICAO does not parse".into());
        };
        let selected = split(&self.tap.transmit(&select).map_err(|e| e.to_string())?, false)?;
        if selected.sw != SW_OK {
            return Ok(selected);
        }
        let keys = BacKeys::from_mrz_information(info.information().as_bytes());
        let sw = match establish_bac(self.tap.clone(), keys, &mut rand::rng()) {
            Ok(channel) => {
                self.channel = Some(Box::new(channel));
                SW_OK
            }
            Err(BacFailure::GetChallenge { sw, .. } | BacFailure::WrongMrz { sw }) => sw,
            Err(other) => return Err(other.to_string()),
        };
        Ok(Answer { data: Vec::new(), sw, protected: false })
    }

    /// Opens an SCP03 issuer session (`crate::scp03`); the status word is
    /// the one of the command that ended the opening.
    fn scp03(&mut self, run: &Scp03Run) -> Result<Answer, String> {
        self.channel = None;
        self.issuer = None;
        let opened = crate::scp03::open(&self.tap, self.card.issuer_keys.as_ref(), run)?;
        self.issuer = opened.channel;
        Ok(Answer { data: Vec::new(), sw: opened.sw, protected: false })
    }

    /// VERIFY with the card's PIN2 (pins.md §VERIFY).
    fn verify_pin2_apdu(&self) -> Result<Vec<u8>, String> {
        let pin2 = self.card.pin2.as_ref().ok_or("the card's PIN2 is not known")?;
        let mut apdu = vec![0x00, INS_VERIFY, 0x00, PIN2_REFERENCE, pin2.len() as u8];
        apdu.extend(pin2.as_bytes());
        Ok(apdu)
    }

    fn step(&mut self, step: &Step) -> Result<Answer, StepError> {
        match &step.action {
            Action::Reset => {
                self.channel = None;
                self.issuer = None;
                self.tap.reset().map_err(|e| e.to_string())?;
                Ok(Answer { data: Vec::new(), sw: SW_OK, protected: false })
            }
            Action::Pace(password) => Ok(self.pace(password)?),
            Action::Eac(run) => Ok(self.eac(run)?),
            Action::Bac => Ok(self.bac()?),
            Action::Scp03(run) => Ok(self.scp03(run)?),
            Action::VerifyPin2 => {
                let apdu = self.verify_pin2_apdu()?;
                self.send(&apdu, step)
            }
            Action::Apdu(apdu) => self.send(apdu, step),
        }
    }

    /// Sends `apdu` plain or through the channel (with the step's tamper).
    fn send(&mut self, apdu: &[u8], step: &Step) -> Result<Answer, StepError> {
        if !step.secure_messaging {
            let bytes = self.tap.transmit(apdu)?;
            return Ok(split(&bytes, false)?);
        }
        if let (None, Some(issuer)) = (&self.channel, self.issuer.as_mut()) {
            // SCP03: "protected" is an answer whose R-MAC verified.
            let answer = issuer.transmit(apdu, step.tamper).map_err(|e| match e {
                ChannelError::Transport(e) => StepError::from(e),
                ChannelError::Protocol(reason) => StepError::Fail(reason),
            })?;
            return Ok(Answer { data: answer.data, sw: answer.sw, protected: answer.r_mac });
        }
        let channel = self
            .channel
            .as_mut()
            .ok_or("no secure-messaging session: the case needs auth = PACE … or a pace step first")?;
        self.tap.set_tamper(step.tamper);
        let result = channel.transmit(apdu);
        self.tap.set_tamper(None);
        match result {
            Ok(bytes) => Ok(split(&bytes, true)?),
            // The card answered without SM (an SM error or no session):
            // what it sent is the answer; our channel is closed too.
            Err(TransportError::SecureMessaging(_)) => {
                self.channel = None;
                let raw = self.tap.last_response().ok_or("the card sent nothing")?;
                Ok(split(&raw, false)?)
            }
            Err(e) => Err(e.into()),
        }
    }

    fn postcondition(&mut self, post: Postcondition) -> Result<(), String> {
        match post {
            Postcondition::SmSessionClosed => {
                let answer = split(&self.tap.transmit(&PROBE_NO_SESSION).map_err(|e| e.to_string())?, false)?;
                if answer.sw == SW_NO_SM_SESSION {
                    Ok(())
                } else {
                    Err(format!("a command with SM bits answered {:04X}, not 6882: the card kept a session", answer.sw))
                }
            }
            Postcondition::SmSessionOpen => {
                let channel = self.channel.as_mut().ok_or("the terminal's channel is closed")?;
                match channel.transmit(&SELECT_MF) {
                    Ok(bytes) if split(&bytes, true)?.sw == SW_OK => Ok(()),
                    Ok(bytes) => Err(format!("protected SELECT MF answered {}", hex::encode_upper(bytes))),
                    Err(e) => Err(format!("protected SELECT MF: {e}")),
                }
            }
        }
    }
}

/// Response data for messages: at most [`SHOWN_MAX`] bytes, then the length.
fn show_data(data: &[u8]) -> String {
    match data.len() {
        0 => "(no data)".to_owned(),
        n if n <= SHOWN_MAX => hex::encode_upper(data),
        n => format!("{}… ({n} bytes)", hex::encode_upper(&data[..SHOWN_MAX])),
    }
}

const SHOWN_MAX: usize = 48;

fn split(bytes: &[u8], protected: bool) -> Result<Answer, String> {
    match bytes {
        [data @ .., sw1, sw2] => Ok(Answer { data: data.to_vec(), sw: u16::from_be_bytes([*sw1, *sw2]), protected }),
        _ => Err(format!("response of {} byte(s): no status word", bytes.len())),
    }
}

/// Compares an answer with the step's expectations; the error says what differs.
fn check(step: &Step, answer: &Answer) -> Result<(), String> {
    let shown = || {
        format!(
            "{} {:04X}{}",
            show_data(&answer.data),
            answer.sw,
            if answer.protected { " (protected)" } else { " (plain)" }
        )
    };
    if !step.sw.is_empty() && !step.sw.iter().any(|p| p.matches(answer.sw)) {
        let want: Vec<String> = step.sw.iter().map(ToString::to_string).collect();
        return Err(format!(
            "expected SW {}, card answered {:04X} ({}): {}",
            want.join(" or "),
            answer.sw,
            terminal::sw_meaning(answer.sw),
            shown()
        ));
    }
    if let Some(want) = step.response {
        let ok = match want {
            Protection::Plain => !answer.protected,
            Protection::Protected => answer.protected,
        };
        if !ok {
            return Err(format!("expected a {want:?} response, got {}", shown()));
        }
    }
    if let Some(mask) = &step.data
        && !mask.matches(&answer.data)
    {
        return Err(format!("expected data {mask}, got {}", shown()));
    }
    if let Some(prefix) = &step.prefix
        && !answer.data.get(..prefix.len()).is_some_and(|start| prefix.matches(start))
    {
        return Err(format!("expected data starting {prefix}, got {}", shown()));
    }
    if let Some(len) = step.len
        && answer.data.len() != len
    {
        return Err(format!("expected {len} data bytes, got {}: {}", answer.data.len(), shown()));
    }
    for tlv in &step.tlv {
        tlv.check(&answer.data).map_err(|e| format!("{} in {}", truncate(&e), shown()))?;
    }
    Ok(())
}

/// TLV messages quote the value they found; keep them readable.
fn truncate(text: &str) -> String {
    const MAX_CHARS: usize = 200;
    if text.chars().count() <= MAX_CHARS {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX_CHARS).collect::<String>())
    }
}
