//! `neid pin status | set | change | unblock` (docs/spec/pins.md): the
//! holder's PIN1, PIN2 and user code, contact interface only.

use anyhow::bail;
use clap::{Args, Subcommand};
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
    /// Set PIN1 and/or PIN2 with the user code (delivery state, or a new value).
    Set(SetArgs),
    /// Change PIN1 (PACE with the old PIN1) or PIN2 (CHANGE REFERENCE DATA).
    Change(ChangeArgs),
    /// Reset a PIN's retry counter with the user code (lifts suspension and block).
    Unblock(UnblockArgs),
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
