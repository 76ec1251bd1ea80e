//! The card: volatile state around the persistent image, and the command
//! path every APDU takes:
//!
//! ```text
//! bytes → CommandApdu::parse → life-cycle gate → class checks
//!       → GlobalPlatform: INITIALIZE UPDATE / EXTERNAL AUTHENTICATE (answered here)
//!         | SCP03 unwrap (open session + CLA 84/94) | end the SCP03 session
//!       → secure messaging: unwrap (session + CLA x C) | end the session (plain CLA)
//!       → command chaining (GENERAL AUTHENTICATE passes through)
//!       → transaction { PACE command | generic ISO command | applet of the selected application }
//!       → commit or roll back → secure messaging / SCP03: wrap → session rules → bytes
//! ```
//!
//! Session rules (docs/spec/secure-messaging.md §Session end): the session
//! established by PACE ends, its keys destroyed and the PACE security status
//! cleared, on reset; on any SM error; on a command without SM; on a PACE
//! command (MSE:Set AT for PACE, GENERAL AUTHENTICATE); and when the current
//! application is outside the password's scope after a command. A response
//! to a protected command is always protected with the session that
//! unwrapped it, even when that command ends the session.
//!
//! In the eMRTD application card-os also runs BAC (a 3DES session and
//! `SecurityStatus::bac`, kept only at the MF and in the eMRTD application),
//! Active Authentication and Chip Authentication v1, which replaces the keys
//! of the current session after answering under the old ones
//! (docs/spec/icao.md).
//!
//! The issuer's SCP03 session (docs/spec/scp03.md, `gp`) runs beside these:
//! INITIALIZE UPDATE ends any secure messaging session; inside an SCP03
//! session a class-84 command is run as its ISO command with
//! `CommandContext::issuer_session`, under an empty security status (the
//! issuer never gets PIN2, PACE or BAC rights), and without the card-level
//! protocols (PACE, BAC, EAC, AA). A plain SELECT ends the SCP03 session and
//! is processed; any other command outside it is refused with 6982 and ends
//! it; a wrapped SELECT of an application or of the MF ends it after its
//! response; so does a wrong C-MAC (6982), INITIALIZE UPDATE and a reset.

use alloc::vec::Vec;
use core::fmt;

use crate::apdu::{class, ChainState, ChainStep, CommandApdu, ResponseApdu};
use crate::fault::{Fault, FaultSet};
use crate::apdu::response::check_ne;
use crate::applet::{AppletRegistry, AppletVolatile, CommandContext, Response, Selection};
use crate::fs::{binary, select};
use crate::gp::{self, GpState, Route};
use crate::lifecycle::{self, LifeCycle};
use crate::nvm::{CardImage, Transaction};
use crate::pace::{self, Established, PaceContext, PaceState};
use crate::rng::CardRng;
use crate::pin;
use crate::protocol::scp03::{carries_response_mac, CardSession};
use crate::protocol::TdesSmSession;
use crate::secure_messaging::{self, Session};
use crate::{active_auth, bac, chip_auth, ta};
use crate::security::{Interface, PacePassword, SecurityStatus};
use crate::status::StatusWord;

/// The basic logical channel; the card has no other (ISO 7816-4 §5.4.2).
const BASIC_CHANNEL: u8 = 0;

/// Volatile state, lost at power on / reset.
#[derive(Debug, Default)]
struct Volatile {
    selection: Selection,
    security: SecurityStatus,
    chain: ChainState,
    pace: PaceState,
    /// The secure messaging session; present exactly when `security.pace`
    /// is set or `security.bac` is true.
    sm: Option<Session>,
    /// BAC between GET CHALLENGE and EXTERNAL AUTHENTICATE (docs/spec/bac.md).
    bac: bac::BacState,
    /// Chip Authentication between MSE:Set AT and GENERAL AUTHENTICATE.
    chip_auth: chip_auth::ChipAuthState,
    /// The current application's own volatile state (applet.rs).
    applet: AppletVolatile,
    /// The issuer's SCP03 state (gp/): never at the same time as `sm`.
    gp: GpState,
}

/// A secure messaging session a command starts. The card protects the
/// command's response with the session that unwrapped it (if any), then
/// installs this one.
enum NewSession {
    /// PACE step 4: AES session with SSC 0 and the PACE security status
    /// (boxed: it is by far the largest variant).
    Pace(alloc::boxed::Box<Established>),
    /// BAC EXTERNAL AUTHENTICATE: 3DES session with the BAC SSC (ICAO 9303-11 §9.8.2).
    Bac(TdesSmSession),
    /// Chip Authentication v1: new keys, SSC 0, the security status kept (ICAO 9303-11 §6.2.4).
    ChipAuthentication(Session),
}

/// A command after the class checks and secure messaging.
struct Received {
    cmd: CommandApdu,
    protection: Protection,
}

/// What protected a received command.
enum Protection {
    Plain,
    /// Secure messaging: the session that unwrapped it.
    Iso(Session),
    /// SCP03: the issuer session that unwrapped it, held directly: a box
    /// would leave a copy of the session keys in freed heap when the session
    /// moves back out (nothing zeroizes it).
    Issuer(CardSession),
    /// INITIALIZE UPDATE or EXTERNAL AUTHENTICATE, with the SCP03 state they act on.
    Gp(GpCommand, GpState),
}

/// The two commands the GP layer answers itself.
#[derive(Clone, Copy)]
enum GpCommand {
    InitializeUpdate,
    ExternalAuthenticate,
}

/// A card: its image, the applets and the state of the current session.
pub struct Card {
    image: CardImage,
    applets: AppletRegistry,
    interface: Interface,
    volatile: Volatile,
    /// The host's random source for PACE (`None`: PACE answers 6F00).
    rng: Option<CardRng>,
    /// Incremented by every command whose transaction changed NVM.
    generation: u64,
    /// `generation` at the last `nvm_changed_since_last_check`.
    checked_generation: u64,
    /// Injected faults (fault.rs): volatile configuration, never in the image.
    faults: FaultSet,
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("interface", &self.interface)
            .field("life_cycle", &self.image.life_cycle)
            .field("volatile", &self.volatile)
            .field("has_rng", &self.rng.is_some())
            .finish_non_exhaustive()
    }
}

impl Card {
    /// A card with no applets: only the generic ISO commands. Powered on the
    /// contact interface.
    pub fn new(image: CardImage) -> Card {
        Card::with_applets(image, AppletRegistry::new())
    }

    /// A card whose applications are served by `applets`. Powered on the
    /// contact interface. Give it a random source with `with_rng` before PACE.
    pub fn with_applets(image: CardImage, applets: AppletRegistry) -> Card {
        Card {
            image,
            applets,
            interface: Interface::Contact,
            volatile: Volatile::default(),
            rng: None,
            generation: 0,
            checked_generation: 0,
            faults: FaultSet::none(),
        }
    }

    /// Make the card misbehave as `faults` say (test labs, docs/spec/faults.md).
    /// The faults are not part of the image and survive power-on.
    pub fn with_faults(mut self, faults: FaultSet) -> Card {
        self.faults = faults;
        self
    }

    /// Replace the injected faults (see `with_faults`).
    pub fn set_faults(&mut self, faults: FaultSet) {
        self.faults = faults;
    }

    pub fn faults(&self) -> FaultSet {
        self.faults
    }

    /// The random source PACE draws its nonces and keys from. The host seeds
    /// it: the OS generator in the emulator, a fixed seed in tests.
    pub fn with_rng(mut self, rng: CardRng) -> Card {
        self.rng = Some(rng);
        self
    }

    /// Replace the random source (see `with_rng`).
    pub fn set_rng(&mut self, rng: CardRng) {
        self.rng = Some(rng);
    }

    /// Power on (or reset) on `interface`: the MF becomes current; the
    /// security status, any PACE run, the secure messaging session and the
    /// SCP03 state (their keys zeroized) and any command chain are cleared.
    pub fn power_on(&mut self, interface: Interface) {
        self.interface = interface;
        let pin2_verified = self.volatile.security.pin2_verified;
        self.volatile = Volatile::default();
        if self.faults.has(Fault::SecurityStatusSurvivesReset) { self.volatile.security.pin2_verified = pin2_verified; } // FAULT
    }

    pub fn interface(&self) -> Interface {
        self.interface
    }

    pub fn image(&self) -> &CardImage {
        &self.image
    }

    pub fn into_image(self) -> CardImage {
        self.image
    }

    /// The PACE security status of the session, if one is established.
    pub fn security_status(&self) -> &SecurityStatus {
        &self.volatile.security
    }

    /// Whether a secure messaging session is established.
    pub fn has_secure_messaging_session(&self) -> bool {
        self.volatile.sm.is_some()
    }

    /// Whether an SCP03 issuer session is open (docs/spec/scp03.md).
    pub fn has_issuer_session(&self) -> bool {
        self.volatile.gp.is_open()
    }

    /// KS_enc, KS_mac and the SSC of the AES session in place, for the
    /// emulator's test-mode key export into an APDU trace (docs/spec/trace.md).
    /// `None` without a session or with a 3DES (BAC) session.
    pub fn session_keys(&self) -> Option<SessionKeys> {
        match self.volatile.sm.as_ref()? {
            Session::Aes(session) => {
                let (ks_enc, ks_mac) = session.keys();
                Some(SessionKeys { ks_enc: ks_enc.to_vec(), ks_mac: ks_mac.to_vec(), ssc: session.ssc() })
            }
            Session::Tdes(_) => None,
        }
    }

    /// Counter of commands that changed NVM since this `Card` was created.
    pub fn nvm_generation(&self) -> u64 {
        self.generation
    }

    /// Whether a command changed NVM since the previous call (the emulator
    /// persists the image when this is true).
    pub fn nvm_changed_since_last_check(&mut self) -> bool {
        let changed = self.generation != self.checked_generation;
        self.checked_generation = self.generation;
        changed
    }

    /// Process one command APDU; the answer always ends in SW1 SW2. Never panics.
    pub fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        // The session leaves `volatile` for the command: it comes back only
        // if the command keeps it (session rules above).
        let session = self.volatile.sm.take();
        // Likewise the SCP03 state: any error before unwrapping drops it.
        let issuer = self.volatile.gp.take();
        let received = match self.receive(apdu, session, issuer) {
            Ok(received) => received,
            Err(sw) => {
                if !self.faults.has(Fault::SmErrorKeepsSession) { self.end_session(); } // FAULT: else the session stays
                return ResponseApdu::new(Vec::new(), sw).to_bytes();
            }
        };
        let Received { cmd, protection } = received;
        let (session, issuer) = match protection {
            Protection::Gp(command, state) => return self.process_gp(command, &cmd, state),
            Protection::Plain => (None, None),
            Protection::Iso(session) => (Some(session), None),
            Protection::Issuer(issuer) => (None, Some(issuer)),
        };
        let protected = session.is_some();
        let in_issuer_session = issuer.is_some();
        let response_mac_len = issuer.as_ref().map_or(0, CardSession::response_mac_len);
        let ends_issuer_session = in_issuer_session && gp::ends_session(&cmd);
        // The card-level protocols are not offered inside an issuer session.
        // CA v1 in the eMRTD application uses GENERAL AUTHENTICATE too.
        let is_chip_auth = !in_issuer_session
            && self.emrtd_selected()
            && chip_auth::is_chip_auth_command(&cmd, &self.volatile.chip_auth);
        // TA / CA v2 inside a PACE session (docs/spec/eac.md) use MSE and GENERAL AUTHENTICATE too.
        let is_eac = !in_issuer_session && ta::is_eac_command(&cmd, &self.volatile.security, protected);
        let is_pace = !in_issuer_session && !is_eac && !is_chip_auth && pace::is_pace_command(&cmd);
        if is_pace {
            // A new PACE ends the session in progress (docs/spec/pace.md).
            self.volatile.security.pace = None;
            self.volatile.security.bac = false;
        }
        let (response, new_session) = self.handle(cmd, protected, in_issuer_session, response_mac_len, is_pace);
        let bytes = match issuer {
            Some(issuer) => self.respond_issuer(&response, issuer, ends_issuer_session),
            None => self.respond(response, session),
        };
        match new_session {
            None => {}
            Some(NewSession::Pace(established)) => {
                let Established { session, outcome } = *established;
                self.volatile.chain.clear();
                self.volatile.security.pace = Some(outcome);
                self.volatile.security.bac = false;
                self.volatile.sm = Some(Session::Aes(session));
            }
            Some(NewSession::Bac(session)) => {
                self.volatile.chain.clear();
                self.volatile.security.pace = None;
                self.volatile.security.bac = true;
                self.volatile.sm = Some(Session::Tdes(session));
            }
            // Only when the old session survived its last response.
            Some(NewSession::ChipAuthentication(session)) if self.volatile.sm.is_some() => {
                self.volatile.chain.clear();
                self.volatile.sm = Some(session);
            }
            Some(NewSession::ChipAuthentication(_)) => {}
        }
        bytes
    }

    /// Whether the current DF is the eMRTD application (`bac::EMRTD_AID`):
    /// there card-os runs BAC, Active Authentication and CA v1.
    fn emrtd_selected(&self) -> bool {
        is_emrtd(&self.image.mf, &self.volatile.selection)
    }

    /// Decode, gate and unwrap. On `Err` the session and the SCP03 state
    /// (already taken) are gone.
    fn receive(&mut self, bytes: &[u8], session: Option<Session>, issuer: GpState) -> Result<Received, StatusWord> {
        let cmd = CommandApdu::parse(bytes)?;
        let terminated = self.image.life_cycle == LifeCycle::Terminated;
        // ISO 7816-9: a terminated card only lets SELECT tell that it is terminated.
        if terminated && cmd.ins != select::INS_SELECT {
            return Err(StatusWord::ConditionsOfUseNotSatisfied);
        }
        if class::logical_channel(cmd.cla).is_some_and(|ch| ch != BASIC_CHANNEL) {
            return Err(StatusWord::LogicalChannelNotSupported);
        }
        let gp_command = match gp::route(&cmd) {
            Route::InitializeUpdate => Some(GpCommand::InitializeUpdate),
            Route::ExternalAuthenticate => Some(GpCommand::ExternalAuthenticate),
            Route::Secured => {
                // No secure messaging session exists beside an SCP03 one.
                let GpState::Open(mut issuer) = issuer else {
                    return Err(StatusWord::SecurityStatusNotSatisfied);
                };
                let cmd = gp::unwrap_command(&mut issuer, &cmd, self.faults)?;
                return Ok(Received { cmd, protection: Protection::Issuer(issuer) });
            }
            Route::Other => {
                // Outside the session: a plain SELECT ends it and is
                // processed; anything else ends it and is refused.
                if issuer.is_open() {
                    self.volatile.chain.clear();
                    if !gp::is_plain_select(&cmd) {
                        return Err(StatusWord::SecurityStatusNotSatisfied);
                    }
                }
                None
            }
        };
        if !class::indicates_secure_messaging(cmd.cla) {
            // ICAO 9303-11 §9.8.7: a plain command ends secure messaging; it
            // is then processed as the plain command it is. GP commands are
            // plain too.
            if session.is_some() && !self.faults.has(Fault::PlainCommandKeepsSession) {
                self.end_session();
            }
            if self.faults.has(Fault::PlainCommandKeepsSession) { self.volatile.sm = session; } // FAULT
            let protection = match gp_command {
                Some(command) => Protection::Gp(command, issuer),
                None => Protection::Plain,
            };
            return Ok(Received { cmd, protection });
        }
        let session = session.ok_or(StatusWord::SecureMessagingNotSupported)?;
        let kept = if self.faults.has(Fault::SmErrorKeepsSession) { duplicate(&session) } else { None }; // FAULT
        let (session, cmd) = secure_messaging::unwrap_session_command(session, &cmd).inspect_err(|_| self.volatile.sm = kept)?;
        Ok(Received { cmd, protection: Protection::Iso(session) })
    }

    /// INITIALIZE UPDATE and EXTERNAL AUTHENTICATE (gp/): answered in plain;
    /// they discard any chain, and only a successful one leaves SCP03 state.
    fn process_gp(&mut self, command: GpCommand, cmd: &CommandApdu, state: GpState) -> Vec<u8> {
        self.volatile.chain.clear();
        let result = match command {
            // It closes any open session (`state` is dropped).
            GpCommand::InitializeUpdate => {
                gp::initialize_update(&self.image, self.interface, self.rng.as_mut(), cmd)
                    .map(|(response, pending)| (response, GpState::Initialized(pending)))
            }
            GpCommand::ExternalAuthenticate => {
                let pending = match state {
                    GpState::Initialized(pending) => Some(pending),
                    _ => None,
                };
                gp::external_authenticate(pending, self.interface, cmd)
                    .map(|session| (Response::empty(), GpState::Open(session)))
            }
        };
        let result = result.and_then(|(r, state)| fit_to_ne(r, cmd.ne, self.faults, 0).map(|r| (r, state)));
        let response = match result {
            Ok((response, state)) => {
                self.volatile.gp = state;
                ResponseApdu::new(response.data, response.sw)
            }
            Err(sw) => ResponseApdu::new(Vec::new(), sw),
        };
        response.to_bytes()
    }

    /// Protect the response with the issuer session that unwrapped the
    /// command (R-MAC at its level), then keep the session unless the command
    /// ends it. A chain never outlives the session.
    fn respond_issuer(&mut self, response: &ResponseApdu, session: CardSession, ends: bool) -> Vec<u8> {
        let bytes = session.wrap_response(&response.data, response.sw);
        if ends {
            self.volatile.chain.clear();
        } else {
            self.volatile.gp = GpState::Open(session);
        }
        bytes
    }

    /// Chaining and execution of a received (plain or unwrapped) command.
    /// `response_mac_len`: the R-MAC the issuer session appends (`CommandContext`).
    fn handle(
        &mut self,
        cmd: CommandApdu,
        protected: bool,
        issuer_session: bool,
        response_mac_len: usize,
        is_pace: bool,
    ) -> (ResponseApdu, Option<NewSession>) {
        let chained = if is_pace {
            self.volatile.chain.pass_through(cmd)
        } else {
            let supports_chaining = self.supports_chaining(&cmd);
            self.volatile.chain.accept(cmd, supports_chaining, protected)
        };
        let cmd = match chained {
            Ok(ChainStep::Stored) => return (ResponseApdu::new(Vec::new(), StatusWord::Success), None),
            Ok(ChainStep::Complete(cmd)) => cmd,
            Err(sw) => return (ResponseApdu::new(Vec::new(), sw), None),
        };
        // The state before the command: TERMINATE CARD USAGE itself answers 9000.
        let terminated = self.image.life_cycle == LifeCycle::Terminated;
        let (result, established) = self.execute(&cmd, protected, issuer_session, response_mac_len, is_pace);
        let mut response = match result {
            Ok(response) => ResponseApdu::new(response.data, response.sw),
            Err(sw) => ResponseApdu::new(Vec::new(), sw),
        };
        if terminated && response.sw == StatusWord::Success.to_u16() {
            response.sw = StatusWord::SelectedFileTerminated.to_u16();
        }
        (response, established)
    }

    /// Protect the response with the session that unwrapped the command, then
    /// keep the session only if the command left its security status in place
    /// and the current application is within the password's scope.
    fn respond(&mut self, response: ResponseApdu, session: Option<Session>) -> Vec<u8> {
        let Some(mut session) = session else {
            return response.to_bytes();
        };
        let before = if self.faults.has(Fault::SscNotIncremented) { duplicate(&session) } else { None }; // FAULT
        let bytes = match secure_messaging::wrap_session_response(&mut session, &response) {
            Ok(bytes) => bytes,
            Err(sw) => {
                self.end_session();
                return ResponseApdu::new(Vec::new(), sw).to_bytes();
            }
        };
        if let Some(before) = before { session = before; } // FAULT: the SSC stays at the command's value
        let keep = self.volatile.security.pace.as_ref().is_some_and(|outcome| self.in_scope(outcome.password))
            || (self.volatile.security.bac && self.in_bac_scope());
        if keep {
            self.volatile.sm = Some(session);
        } else {
            self.end_session();
        }
        bytes
    }

    /// The session ends: keys destroyed (dropping `SmSession` zeroizes them),
    /// PACE security status cleared, and any chain discarded (a chain never
    /// crosses a change of protection).
    fn end_session(&mut self) {
        self.volatile.sm = None;
        self.volatile.security.pace = None;
        self.volatile.security.bac = false;
        self.volatile.chain.clear();
    }

    /// A BAC session survives at the MF and in the eMRTD application only
    /// (docs/spec/icao.md): BAC opens the ICAO zone and nothing else.
    fn in_bac_scope(&self) -> bool {
        self.volatile.selection.df.is_empty() || self.emrtd_selected()
    }

    /// Scope rule (docs/spec/pace.md): a session survives at the MF and in
    /// applications that accept its password (`Applet::in_pace_scope`).
    fn in_scope(&self, password: PacePassword) -> bool {
        match self.applets.for_selection(&self.image.mf, &self.volatile.selection.df) {
            None => true,
            Some(applet) => applet.in_pace_scope(password),
        }
    }

    fn supports_chaining(&self, cmd: &CommandApdu) -> bool {
        if ta::supports_chaining(cmd) {
            return true;
        }
        if class::is_interindustry(cmd.cla) && is_generic(cmd.ins) {
            return matches!(cmd.ins, binary::INS_UPDATE_BINARY | binary::INS_UPDATE_BINARY_ODD);
        }
        self.applets
            .for_selection(&self.image.mf, &self.volatile.selection.df)
            .is_some_and(|applet| applet.supports_chaining(cmd.ins))
    }

    /// Run one complete command in a transaction; commit when it executed.
    fn execute(
        &mut self,
        cmd: &CommandApdu,
        protected: bool,
        issuer_session: bool,
        response_mac_len: usize,
        is_pace: bool,
    ) -> (Result<Response, StatusWord>, Option<NewSession>) {
        let mut tx = Transaction::begin(&mut self.image);
        let eac = if !is_pace && !issuer_session && ta::is_eac_command(cmd, &self.volatile.security, protected) {
            let mut ctx = ta::EacContext {
                nvm: &mut tx,
                security: &mut self.volatile.security,
                interface: self.interface,
                secure_messaging: protected,
                rng: self.rng.as_mut(),
                faults: self.faults,
            };
            Some(match ta::process(&mut ctx, cmd) {
                Ok(reply) => (
                    Ok(reply.response),
                    reply.new_session.map(|s| NewSession::ChipAuthentication(Session::Aes(s))),
                ),
                Err(sw) => (Err(sw), None),
            })
        } else {
            None
        };
        let emrtd = if is_pace || issuer_session || eac.is_some() {
            None
        } else {
            let mut ctx = EmrtdContext {
                image: tx.image(),
                selection: &self.volatile.selection,
                bac: &mut self.volatile.bac,
                chip_auth: &mut self.volatile.chip_auth,
                rng: self.rng.as_mut(),
                protected,
            };
            emrtd_protocol(&mut ctx, cmd)
        };
        let (result, established) = if let Some(outcome) = eac {
            outcome
        } else if let Some(outcome) = emrtd {
            outcome
        } else if is_pace {
            let mut ctx = PaceContext {
                nvm: &mut tx,
                interface: self.interface,
                state: &mut self.volatile.pace,
                rng: self.rng.as_mut(),
            };
            match pace::process(&mut ctx, cmd) {
                Ok(reply) => (Ok(reply.response), reply.established.map(|e| NewSession::Pace(alloc::boxed::Box::new(e)))),
                Err(sw) => (Err(sw), None),
            }
        } else {
            // An issuer session never grants PIN2, PACE or BAC rights
            // (docs/spec/scp03.md): its commands see, and change, only an
            // empty security status of their own.
            let mut issuer_status = SecurityStatus::default();
            let security = if issuer_session { &mut issuer_status } else { &mut self.volatile.security };
            let mut ctx = CommandContext {
                nvm: &mut tx,
                selection: &mut self.volatile.selection,
                security,
                interface: self.interface,
                secure_messaging: protected,
                issuer_session,
                response_mac_len,
                faults: self.faults,
                rng: self.rng.as_mut(),
                applet_state: &mut self.volatile.applet,
            };
            let application_before = ctx.selection.df.first().copied();
            let result = dispatch(&self.applets, &mut ctx, cmd);
            if ctx.selection.df.first().copied() != application_before {
                ctx.applet_state.clear();
            }
            (result, None)
        };
        let result = result.and_then(|r| fit_to_ne(r, cmd.ne, self.faults, response_mac_len));
        let changed = match &result {
            Ok(response) if response.sw.is_executed() => tx.commit(),
            _ => tx.rollback(),
        };
        if changed {
            self.generation = self.generation.wrapping_add(1);
        }
        // A session is only established by a command that executed.
        let established = if result.is_ok() { established } else { None };
        (result, established)
    }
}

/// The keys of an AES secure messaging session (`Card::session_keys`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionKeys {
    pub ks_enc: Vec<u8>,
    pub ks_mac: Vec<u8>,
    /// The SSC after the last response.
    pub ssc: [u8; 16],
}

/// A copy of an AES session, for the faults that keep a session the card
/// should have destroyed or advanced (fault.rs). 3DES sessions: `None`.
fn duplicate(session: &Session) -> Option<Session> {
    match session {
        Session::Aes(aes) => Some(Session::Aes(aes.clone())),
        Session::Tdes(_) => None,
    }
}

/// What the ICAO 9303-11 protocols of the eMRTD application may use.
struct EmrtdContext<'c> {
    image: &'c CardImage,
    selection: &'c Selection,
    bac: &'c mut bac::BacState,
    chip_auth: &'c mut chip_auth::ChipAuthState,
    rng: Option<&'c mut CardRng>,
    protected: bool,
}

fn is_emrtd(mf: &crate::fs::Df, selection: &Selection) -> bool {
    mf.df_at(&selection.df).and_then(|df| df.aid.as_deref()) == Some(bac::EMRTD_AID)
}

/// BAC, Active Authentication and Chip Authentication v1: card-os runs them
/// while the eMRTD application is selected (docs/spec/icao.md). `None`: not
/// one of these commands here; the command goes on to the applet.
fn emrtd_protocol(
    ctx: &mut EmrtdContext<'_>,
    cmd: &CommandApdu,
) -> Option<(Result<Response, StatusWord>, Option<NewSession>)> {
    if !class::is_interindustry(cmd.cla) || !is_emrtd(&ctx.image.mf, ctx.selection) {
        return None;
    }
    let rng = ctx.rng.as_deref_mut();
    let outcome = match cmd.ins {
        bac::INS_GET_CHALLENGE => (bac::get_challenge(ctx.image, ctx.bac, rng, cmd), None),
        bac::INS_EXTERNAL_AUTHENTICATE => match bac::external_authenticate(ctx.image, ctx.bac, rng, cmd) {
            Ok((response, session)) => (Ok(response), Some(NewSession::Bac(session))),
            Err(sw) => (Err(sw), None),
        },
        active_auth::INS_INTERNAL_AUTHENTICATE => {
            (active_auth::internal_authenticate(ctx.image, rng, ctx.protected, cmd), None)
        }
        _ if chip_auth::is_chip_auth_command(cmd, ctx.chip_auth) => {
            match chip_auth::process(ctx.image, ctx.chip_auth, ctx.protected, cmd) {
                Ok((response, session)) => (Ok(response), session.map(NewSession::ChipAuthentication)),
                Err(sw) => (Err(sw), None),
            }
        }
        _ => return None,
    };
    Some(outcome)
}

/// Instructions card-os handles itself in the interindustry class.
fn is_generic(ins: u8) -> bool {
    matches!(
        ins,
        select::INS_SELECT
            | binary::INS_READ_BINARY
            | binary::INS_READ_BINARY_ODD
            | binary::INS_UPDATE_BINARY
            | binary::INS_UPDATE_BINARY_ODD
            | lifecycle::INS_TERMINATE_CARD_USAGE
    ) || pin::commands::is_pin_command(ins)
}

fn dispatch(
    applets: &AppletRegistry,
    ctx: &mut CommandContext<'_, '_>,
    cmd: &CommandApdu,
) -> Result<Response, StatusWord> {
    let interindustry = class::is_interindustry(cmd.cla);
    if interindustry {
        match cmd.ins {
            select::INS_SELECT => return select::select(ctx, cmd),
            binary::INS_READ_BINARY => return binary::read_binary(ctx, cmd),
            binary::INS_READ_BINARY_ODD => return binary::read_binary_odd(ctx, cmd),
            binary::INS_UPDATE_BINARY => return binary::update_binary(ctx, cmd),
            binary::INS_UPDATE_BINARY_ODD => return binary::update_binary_odd(ctx, cmd),
            lifecycle::INS_TERMINATE_CARD_USAGE => return lifecycle::terminate_card_usage(ctx, cmd),
            // The PINs are card-level (chip.md): VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER.
            ins if pin::commands::is_pin_command(ins) => return pin::commands::process(ctx, cmd),
            _ => {}
        }
    }
    match applets.for_selection(&ctx.nvm.image().mf, &ctx.selection.df) {
        Some(applet) => applet.process(ctx, cmd),
        None if interindustry => Err(StatusWord::InsNotSupported),
        // A proprietary class is meaningful only to an application.
        None => Err(StatusWord::ClaNotSupported),
    }
}

/// ISO 7816-4 §5.1: Le absent means no response data is expected; the card
/// never sends more than Ne bytes. Longer data → 6Cxx with the exact length.
/// Inside an SCP03 session at an R-MAC level the `response_mac_len` bytes of
/// the R-MAC follow the data of a 9000 / 62xx / 63xx answer: the two fit Ne
/// together, and 6Cxx names their total (scp03.md §Wrapping).
fn fit_to_ne(
    mut response: Response,
    ne: Option<usize>,
    faults: FaultSet,
    response_mac_len: usize,
) -> Result<Response, StatusWord> {
    let trailer = if carries_response_mac(response.sw.to_u16()) { response_mac_len } else { 0 };
    match ne {
        None => {
            response.data.clear();
            Ok(response)
        }
        Some(ne) if faults.has(Fault::LongResponseTruncated) && response.data.len() + trailer > ne => {
            response.data.truncate(ne.saturating_sub(trailer)); // FAULT: 9000 with Ne bytes instead of 6Cxx
            Ok(response)
        }
        Some(_) => check_ne(ne, response.data.len(), trailer).map(|()| response),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::scp03::{CardPending, HostSession, InitializeUpdateResponse, Kdd, SecurityLevel, StaticKeys};

    /// A card-side session at `level`, opened against the host side.
    fn card_session(level: SecurityLevel) -> CardSession {
        let keys = StaticKeys { kvn: 0x30, enc: [0x40; 16], mac: [0x41; 16], dek: [0x42; 16] };
        let host_challenge = [0x11; 8];
        let (pending, response) = CardPending::initialize_update(&keys, &Kdd(*b"0210012345"), &host_challenge, [0x22; 8]);
        let response = InitializeUpdateResponse::parse(&response.to_bytes()).unwrap();
        let (_, ext_auth) = HostSession::open(&keys, &host_challenge, &response, level).unwrap();
        pending.external_authenticate(&CommandApdu::parse(&ext_auth).unwrap()).unwrap()
    }

    /// The issuer session travels with its command by value: a box would
    /// leave a copy of the session keys in freed heap when moved back out.
    #[test]
    fn the_issuer_session_travels_by_value() {
        let protection = Protection::Issuer(card_session(SecurityLevel::CMacRMac));
        let Protection::Issuer(session) = protection else {
            panic!("not an issuer protection");
        };
        assert_eq!(session.level(), SecurityLevel::CMacRMac);
    }

    #[test]
    fn fit_to_ne_counts_the_r_mac_of_executed_answers_only() {
        let ok = |n: usize| Response::ok(alloc::vec![0xA5; n]);
        let none = FaultSet::none();
        assert_eq!(fit_to_ne(ok(102), Some(110), none, 8).map(|r| r.data.len()), Ok(102));
        assert_eq!(fit_to_ne(ok(102), Some(109), none, 8), Err(StatusWord::WrongLe(110)));
        assert_eq!(fit_to_ne(ok(270), Some(270), none, 8), Err(StatusWord::WrongLe(0)));
        assert_eq!(fit_to_ne(ok(102), Some(102), none, 0).map(|r| r.data.len()), Ok(102));
        // Le absent: no data, whatever follows it.
        assert_eq!(fit_to_ne(ok(102), None, none, 8).map(|r| r.data.len()), Ok(0));
        // FAULT long-response-truncated: the data cut so that the R-MAC still fits.
        let truncated = fit_to_ne(ok(102), Some(100), FaultSet::only(Fault::LongResponseTruncated), 8);
        assert_eq!(truncated.map(|r| r.data.len()), Ok(92));
    }
}
