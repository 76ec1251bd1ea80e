//! `neid pin status | try | set | change | unblock` (docs/spec/pins.md): the
//! holder's PIN1, PIN2 and user code, contact interface only.

use anyhow::bail;
use clap::{Args, Subcommand};
use terminal::PaceFailure;
use terminal::pace::PacePasswordInput;
use terminal::pin::{self, PinKind};
use terminal::{Transport, establish_pace};

use crate::args::CardArgs;

#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// Retry counters of PIN1, the user code and PIN2 (nothing is counted).
    Status {
        #[command(flatten)]
        card: CardArgs,
    },
    /// Try PIN1: a PACE with PIN1 (a wrong one costs a try); with --can, a PACE with
    /// the CAN first in the same connection, which lets a suspended PIN1 be tried.
    Try(TryArgs),
    /// Set PIN1 and/or PIN2 with the user code (delivery state, or a new value).
    Set(SetArgs),
    /// Change PIN1 (PACE with the old PIN1) or PIN2 (CHANGE REFERENCE DATA).
    Change(ChangeArgs),
    /// Reset a PIN's retry counter with the user code (lifts suspension and block).
    Unblock(UnblockArgs),
}

#[derive(Debug, Args)]
pub struct TryArgs {
    #[command(flatten)]
    pub card: CardArgs,
    /// PIN1 (6 digits).
    #[arg(long, value_name = "PIN1", value_parser = crate::read_encrypted::parse_pin1)]
    pub pin1: PacePasswordInput,
    /// The CAN (6 digits printed on the card): PACE with it first, in the same
    /// connection, to resume a suspended PIN1 (TR-03110-2 §3.5.1).
    #[arg(long, value_name = "CAN", value_parser = parse_can)]
    pub can: Option<PacePasswordInput>,
}

fn parse_can(text: &str) -> Result<PacePasswordInput, String> {
    PacePasswordInput::can(text).map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
pub struct SetArgs {
    #[command(flatten)]
    pub card: CardArgs,
    /// The user code (PUK) from the pickup letter.
    #[arg(long, value_name = "CODE")]
    pub user_code: String,
    /// New PIN1 (6 digits).
    #[arg(long, value_name = "PIN1", required_unless_present = "pin2")]
    pub pin1: Option<String>,
    /// New PIN2 (8 to 12 digits).
    #[arg(long, value_name = "PIN2")]
    pub pin2: Option<String>,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ChangeWhich {
    /// Current and new PIN1.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    pub pin1: Option<Vec<String>>,
    /// Current and new PIN2.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
    pub pin2: Option<Vec<String>>,
}

#[derive(Debug, Args)]
pub struct ChangeArgs {
    #[command(flatten)]
    pub card: CardArgs,
    #[command(flatten)]
    pub which: ChangeWhich,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false, id = "unblock_which")]
pub struct UnblockWhich {
    /// Unblock PIN1.
    #[arg(long)]
    pub pin1: bool,
    /// Unblock PIN2.
    #[arg(long)]
    pub pin2: bool,
}

#[derive(Debug, Args)]
pub struct UnblockArgs {
    #[command(flatten)]
    pub card: CardArgs,
    #[command(flatten)]
    pub which: UnblockWhich,
    /// The user code (PUK).
    #[arg(long, value_name = "CODE")]
    pub user_code: String,
}

pub fn run(command: &PinCommand) -> anyhow::Result<()> {
    match command {
        PinCommand::Status { card } => {
            let mut transport = crate::source::open(card)?;
            print_status(transport.as_mut())
        }
        PinCommand::Try(args) => try_pin1(args),
        PinCommand::Set(args) => {
            for (kind, value) in [(PinKind::Pin1, &args.pin1), (PinKind::Pin2, &args.pin2)] {
                if let Some(v) = value {
                    pin::check_format(kind, v)?;
                }
            }
            let mut transport = crate::source::open(&args.card)?;
            let mut channel = pace_with_user_code(transport.as_mut(), &args.user_code)?;
            if let Some(v) = &args.pin1 {
                pin::set_value(&mut channel, PinKind::Pin1, v)?;
                println!("PIN1 set");
            }
            if let Some(v) = &args.pin2 {
                pin::set_value(&mut channel, PinKind::Pin2, v)?;
                println!("PIN2 set");
            }
            drop(channel);
            print_status(transport.as_mut())
        }
        PinCommand::Change(args) => {
            let mut transport = crate::source::open(&args.card)?;
            match (&args.which.pin1, &args.which.pin2) {
                (Some(values), _) => {
                    let [old, new] = values.as_slice() else {
                        bail!("--pin1 takes OLD and NEW")
                    };
                    pin::check_format(PinKind::Pin1, old)?;
                    pin::check_format(PinKind::Pin1, new)?;
                    // A new PIN1 is allowed after PACE with PIN1 itself (pins.md).
                    let mut channel = establish_pace(
                        transport.as_mut(),
                        &PacePasswordInput::Pin(old.clone()),
                        &mut rand::rng(),
                    )?;
                    pin::set_value(&mut channel, PinKind::Pin1, new)?;
                    println!("PIN1 changed");
                }
                (None, Some(values)) => {
                    let [old, new] = values.as_slice() else {
                        bail!("--pin2 takes OLD and NEW")
                    };
                    pin::change_pin2(transport.as_mut(), old, new)?;
                    println!("PIN2 changed");
                }
                (None, None) => bail!("one of --pin1 OLD NEW, --pin2 OLD NEW is required"),
            }
            print_status(transport.as_mut())
        }
        PinCommand::Unblock(args) => {
            let kind = if args.which.pin1 {
                PinKind::Pin1
            } else {
                PinKind::Pin2
            };
            let mut transport = crate::source::open(&args.card)?;
            let mut channel = pace_with_user_code(transport.as_mut(), &args.user_code)?;
            pin::unblock(&mut channel, kind)?;
            println!("{} unblocked", kind.label());
            drop(channel);
            print_status(transport.as_mut())
        }
    }
}

/// PIN1 is a PACE password (pins.md): a PACE run with it is the try; the
/// card counts a wrong one at GENERAL AUTHENTICATE step 4. A suspended PIN1
/// is refused at step 1 unless a PACE with the CAN succeeded since the last
/// power on / reset (TR-03110-2 §3.5.1): through PC/SC every connection ends
/// with a reset, so the CAN run must be in this same connection.
fn try_pin1(args: &TryArgs) -> anyhow::Result<()> {
    let mut transport = crate::source::open(&args.card)?;
    let mut rng = rand::rng();
    if let Some(can) = &args.can {
        // The CAN session itself is not needed: the next PACE ends it.
        drop(establish_pace(transport.as_mut(), can, &mut rng)?);
        println!("PACE with the CAN: ok");
    }
    match establish_pace(transport.as_mut(), &args.pin1, &mut rng) {
        Ok(channel) => drop(channel),
        Err(error) => return Err(with_pin1_hint(error)),
    }
    println!("PIN1 correct: its retry counter is full again");
    print_status(transport.as_mut())
}

/// A PACE failure with PIN1, and what it means for the holder.
pub fn with_pin1_hint(error: PaceFailure) -> anyhow::Error {
    match pin1_hint(&error) {
        Some(hint) => anyhow::anyhow!("{error}: {hint}"),
        None => anyhow::anyhow!("{error}"),
    }
}

/// `63Cx` after GENERAL AUTHENTICATE step 4: x tries left (TR-03110-3 B.11.2).
const SW_PIN1_TWO_LEFT: u16 = 0x63C2;
const SW_PIN1_ONE_LEFT: u16 = 0x63C1;
const SW_PIN1_NONE_LEFT: u16 = 0x63C0;
/// MSE:Set AT on a contactless interface: PIN operations are contact-only (pins.md).
const SW_SECURITY_STATUS_NOT_SATISFIED: u16 = 0x6982;
/// MSE:Set AT for a blocked password (ISO 7816-4 §5.6).
const SW_BLOCKED: u16 = 0x6983;
/// MSE:Set AT for a password not set (delivery state).
const SW_NOT_SET: u16 = 0x6984;
/// GENERAL AUTHENTICATE step 1 with a suspended PIN1 and no CAN-PACE since reset.
const SW_SUSPENDED: u16 = 0x6985;
/// `PaceFailure::WrongPassword.password` for PIN1.
const LABEL_PIN1: &str = "PIN";

/// What a PIN1 counter answer means for the holder (chip.md: suspended
/// after 2 failures, blocked at 0; docs/spec/pins.md). Only for failures
/// of a PACE with PIN1.
pub fn pin1_hint(error: &PaceFailure) -> Option<&'static str> {
    match error {
        PaceFailure::WrongPassword { password: LABEL_PIN1, sw } => match *sw {
            SW_PIN1_TWO_LEFT => Some("2 tries left"),
            SW_PIN1_ONE_LEFT => {
                Some("PIN1 is now suspended: the next try is allowed only after a PACE with the CAN")
            }
            SW_PIN1_NONE_LEFT => Some(BLOCKED_HINT),
            _ => None,
        },
        PaceFailure::Card { sw, .. } => match *sw {
            SW_BLOCKED => Some(BLOCKED_HINT),
            SW_SUSPENDED => Some(
                "PIN1 is suspended: try it after a PACE with the CAN in the same connection \
                 (`neid pin try --can CAN --pin1 PIN1`)",
            ),
            SW_NOT_SET => Some("PIN1 is not set (delivery state): set it with `neid pin set --user-code …`"),
            SW_SECURITY_STATUS_NOT_SATISFIED => {
                Some("PIN1 is usable on the contact interface only (chip.md \"Interfaces\")")
            }
            _ => None,
        },
        _ => None,
    }
}

const BLOCKED_HINT: &str = "PIN1 is blocked: unblock it with `neid pin unblock --pin1 --user-code …`";

fn pace_with_user_code<'a>(
    transport: &'a mut dyn Transport,
    user_code: &str,
) -> anyhow::Result<terminal::SecureChannel<&'a mut dyn Transport>> {
    pin::check_format(PinKind::UserCode, user_code)?;
    Ok(establish_pace(
        transport,
        &PacePasswordInput::Puk(user_code.to_owned()),
        &mut rand::rng(),
    )?)
}

/// One line per secret: `PIN1        2 tries left`.
fn print_status(transport: &mut dyn Transport) -> anyhow::Result<()> {
    for (kind, state) in pin::status(transport)? {
        println!("{:<10}  {}", kind.label(), state.describe(kind));
    }
    Ok(())
}
