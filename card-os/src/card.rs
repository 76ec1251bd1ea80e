//! The card: volatile state around the persistent image, and the command
//! path every APDU takes:
//!
//! ```text
//! bytes → CommandApdu::parse → life-cycle gate → class checks
//!       → [secure messaging unwrap: issue 3] → command chaining
//!       → transaction { generic ISO command | applet of the selected application }
//!       → commit or roll back → [secure messaging wrap: issue 3] → bytes
//! ```

use alloc::vec::Vec;

use crate::apdu::{class, ChainState, ChainStep, CommandApdu, ResponseApdu};
use crate::applet::{AppletRegistry, CommandContext, Response, Selection};
use crate::fs::{binary, select};
use crate::lifecycle::{self, LifeCycle};
use crate::nvm::{CardImage, Transaction};
use crate::security::{Interface, SecurityStatus};
use crate::status::StatusWord;

/// The basic logical channel; the card has no other (ISO 7816-4 §5.4.2).
const BASIC_CHANNEL: u8 = 0;
/// SW2 of 6Cxx when 256 bytes are available (short Le 00).
const SHORT_MAX_NE: usize = 256;

/// Volatile state, lost at power on / reset.
#[derive(Clone, Debug, Default)]
struct Volatile {
    selection: Selection,
    security: SecurityStatus,
    chain: ChainState,
}

/// A card: its image, the applets and the state of the current session.
pub struct Card {
    image: CardImage,
    applets: AppletRegistry,
    interface: Interface,
    volatile: Volatile,
    /// Incremented by every command whose transaction changed NVM.
    generation: u64,
    /// `generation` at the last `nvm_changed_since_last_check`.
    checked_generation: u64,
}

impl Card {
    /// A card with no applets: only the generic ISO commands. Powered on the
    /// contact interface.
    pub fn new(image: CardImage) -> Card {
        Card::with_applets(image, AppletRegistry::new())
    }

    /// A card whose applications are served by `applets`. Powered on the
    /// contact interface.
    pub fn with_applets(image: CardImage, applets: AppletRegistry) -> Card {
        Card {
            image,
            applets,
            interface: Interface::Contact,
            volatile: Volatile::default(),
            generation: 0,
            checked_generation: 0,
        }
    }

    /// Power on (or reset) on `interface`: the MF becomes current, the security
    /// status and any command chain are cleared.
    pub fn power_on(&mut self, interface: Interface) {
        self.interface = interface;
        self.volatile = Volatile::default();
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
        self.process_apdu(apdu).to_bytes()
    }

    fn process_apdu(&mut self, bytes: &[u8]) -> ResponseApdu {
        let cmd = match CommandApdu::parse(bytes) {
            Ok(cmd) => cmd,
            Err(sw) => {
                self.volatile.chain.clear();
                return ResponseApdu::new(Vec::new(), sw);
            }
        };
        let terminated = self.image.life_cycle == LifeCycle::Terminated;
        // ISO 7816-9: a terminated card only lets SELECT tell that it is terminated.
        if terminated && cmd.ins != select::INS_SELECT {
            self.volatile.chain.clear();
            return ResponseApdu::new(Vec::new(), StatusWord::ConditionsOfUseNotSatisfied);
        }
        if class::logical_channel(cmd.cla).is_some_and(|ch| ch != BASIC_CHANNEL) {
            return ResponseApdu::new(Vec::new(), StatusWord::LogicalChannelNotSupported);
        }
        let (cmd, protected) = match self.unwrap_secure_messaging(cmd) {
            Ok(unwrapped) => unwrapped,
            Err(sw) => return ResponseApdu::new(Vec::new(), sw),
        };
        let supports_chaining = self.supports_chaining(&cmd);
        let cmd = match self.volatile.chain.accept(cmd, supports_chaining) {
            Ok(ChainStep::Stored) => return ResponseApdu::new(Vec::new(), StatusWord::Success),
            Ok(ChainStep::Complete(cmd)) => cmd,
            Err(sw) => return ResponseApdu::new(Vec::new(), sw),
        };
        let mut response = match self.execute(&cmd, protected) {
            Ok(response) => ResponseApdu::new(response.data, response.sw),
            Err(sw) => ResponseApdu::new(Vec::new(), sw),
        };
        if terminated && response.sw == StatusWord::Success.to_u16() {
            response.sw = StatusWord::SelectedFileTerminated.to_u16();
        }
        self.wrap_secure_messaging(response, protected)
    }

    /// Secure messaging seam (issue 3): verify and decrypt a protected command
    /// (ISO 7816-4 §10), returning the plain command and whether it was
    /// protected. Until then a command with SM indicated in CLA is refused.
    fn unwrap_secure_messaging(&mut self, cmd: CommandApdu) -> Result<(CommandApdu, bool), StatusWord> {
        if class::indicates_secure_messaging(cmd.cla) {
            return Err(StatusWord::SecureMessagingNotSupported);
        }
        Ok((cmd, false))
    }

    /// Secure messaging seam (issue 3): protect the response of a protected command.
    fn wrap_secure_messaging(&mut self, response: ResponseApdu, _protected: bool) -> ResponseApdu {
        response
    }

    fn supports_chaining(&self, cmd: &CommandApdu) -> bool {
        if class::is_interindustry(cmd.cla) && is_generic(cmd.ins) {
            return matches!(cmd.ins, binary::INS_UPDATE_BINARY | binary::INS_UPDATE_BINARY_ODD);
        }
        self.applets
            .for_selection(&self.image.mf, &self.volatile.selection.df)
            .is_some_and(|applet| applet.supports_chaining(cmd.ins))
    }

    /// Run one complete command in a transaction; commit when it executed.
    fn execute(&mut self, cmd: &CommandApdu, protected: bool) -> Result<Response, StatusWord> {
        let mut tx = Transaction::begin(&mut self.image);
        let mut ctx = CommandContext {
            nvm: &mut tx,
            selection: &mut self.volatile.selection,
            security: &mut self.volatile.security,
            interface: self.interface,
            secure_messaging: protected,
        };
        let result = dispatch(&self.applets, &mut ctx, cmd).and_then(|r| fit_to_ne(r, cmd.ne));
        let changed = match &result {
            Ok(response) if response.sw.is_executed() => tx.commit(),
            _ => tx.rollback(),
        };
        if changed {
            self.generation = self.generation.wrapping_add(1);
        }
        result
    }
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
    )
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
fn fit_to_ne(mut response: Response, ne: Option<usize>) -> Result<Response, StatusWord> {
    match ne {
        None => {
            response.data.clear();
            Ok(response)
        }
        Some(ne) if response.data.len() > ne => Err(wrong_le(response.data.len())),
        Some(_) => Ok(response),
    }
}

/// 6Cxx for `available` bytes: SW2 = available, 00 for 256 (or more).
pub(crate) fn wrong_le(available: usize) -> StatusWord {
    if available >= SHORT_MAX_NE { StatusWord::WrongLe(0) } else { StatusWord::WrongLe(available as u8) }
}
