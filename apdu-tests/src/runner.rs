//! The runner: for each case a fresh card session (`Transport::reset`), the
//! precondition (PACE), the steps, the postconditions — every check made on
//! the APDUs the card answers, through `terminal::Transport` only.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use terminal::pace::{MrzInfo, PaceFailure, PacePasswordInput, establish_pace};
use terminal::{SecureChannel, Transport, TransportError};

use crate::command::{Action, PacePassword};
use crate::glob::Glob;
use crate::report::{CaseResult, Outcome, Report};
use crate::suite::{Case, Interface, Postcondition, Protection, Step, Suite};
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
}

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
}

impl Default for RunOptions<'_> {
    fn default() -> Self {
        Self { filter: None, jobs: 1, progress: None }
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
            let result = run_case(suite, case, factory);
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
    let started = Instant::now();
    let outcome = match execute(case, factory) {
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
    channel: Option<SecureChannel<Tap>>,
    card: &'a CardUnderTest,
}

fn execute(case: &Case, factory: &dyn TransportFactory) -> Result<(), Stop> {
    let card = factory.card();
    if let (Some(want), Some(have)) = (&case.holder, &card.holder)
        && want != have
    {
        return Err(Stop::NotApplicable(format!("the expected data are holder {want}'s; the card is {have}'s")));
    }
    if case.holder.is_some() && card.holder.is_none() {
        return Err(Stop::NotApplicable(format!(
            "the expected data are holder {}'s; the card's holder is not known",
            case.holder.as_deref().unwrap_or_default()
        )));
    }
    let transport = factory.open(case.interface).map_err(Stop::NotApplicable)?;
    let mut session = Session { tap: Tap::new(transport), channel: None, card };
    // A fresh card session: the card drops selection, security status, SM keys.
    session.tap.reset().map_err(|e| Stop::NotApplicable(format!("reset failed: {e}")))?;

    if let Some(password) = case.auth.pace() {
        let answer = session.pace(&password).map_err(Stop::NotApplicable)?;
        if answer.sw != SW_OK {
            return Err(Stop::NotApplicable(format!(
                "precondition {}: PACE answered {:04X} ({})",
                case.auth.label(),
                answer.sw,
                terminal::sw_meaning(answer.sw)
            )));
        }
    }

    for (i, step) in case.steps.iter().enumerate() {
        let answer = session.step(step).map_err(|e| Stop::Fail(format!("step {} ({}): {e}", i + 1, step.send)))?;
        check(step, &answer).map_err(|e| Stop::Fail(format!("step {} ({}): {e}", i + 1, step.send)))?;
    }
    for post in &case.post {
        session.postcondition(*post).map_err(|e| Stop::Fail(format!("postcondition {post:?}: {e}")))?;
    }
    Ok(())
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

impl Session<'_> {
    /// Runs PACE; the status word is the one of the step that ended it.
    fn pace(&mut self, password: &PacePassword) -> Result<Answer, String> {
        let input = match password {
            PacePassword::Can(given) => {
                let can = given.clone().or_else(|| self.card.can.clone()).ok_or("the card's CAN is not known")?;
                PacePasswordInput::Can(can)
            }
            PacePassword::Mrz(given) => {
                let info = match given {
                    Some(text) => MrzInfo::from_info_arg(text),
                    None => {
                        let lines = self.card.mrz.as_ref().ok_or("the card's MRZ is not known")?;
                        MrzInfo::from_td1(lines)
                    }
                };
                PacePasswordInput::Mrz(info.map_err(|e| e.to_string())?)
            }
        };
        self.channel = None;
        let sw = match establish_pace(self.tap.clone(), &input, &mut rand::rng()) {
            Ok(channel) => {
                self.channel = Some(channel);
                SW_OK
            }
            Err(PaceFailure::WrongPassword { sw, .. } | PaceFailure::Card { sw, .. }) => sw,
            Err(other) => return Err(format!("PACE {}: {other}", password.label())),
        };
        Ok(Answer { data: Vec::new(), sw, protected: false })
    }

    fn step(&mut self, step: &Step) -> Result<Answer, String> {
        match &step.action {
            Action::Reset => {
                self.channel = None;
                self.tap.reset().map_err(|e| e.to_string())?;
                Ok(Answer { data: Vec::new(), sw: SW_OK, protected: false })
            }
            Action::Pace(password) => self.pace(password),
            Action::Apdu(apdu) if step.secure_messaging => {
                let channel = self
                    .channel
                    .as_mut()
                    .ok_or("no secure-messaging session: the case needs auth = PACE … or a pace step first")?;
                self.tap.set_tamper(step.tamper);
                let result = channel.transmit(apdu);
                self.tap.set_tamper(None);
                match result {
                    Ok(bytes) => split(&bytes, true),
                    // The card answered without SM (an SM error or no session):
                    // what it sent is the answer; our channel is closed too.
                    Err(TransportError::SecureMessaging(_)) => {
                        self.channel = None;
                        let raw = self.tap.last_response().ok_or("the card sent nothing")?;
                        split(&raw, false)
                    }
                    Err(e) => Err(e.to_string()),
                }
            }
            Action::Apdu(apdu) => {
                let bytes = self.tap.transmit(apdu).map_err(|e| e.to_string())?;
                split(&bytes, false)
            }
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
