//! The command line (clap derive). `docs/spec/cli.md` describes it for people.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use terminal::pace::{MrzInfo, PacePasswordInput};

#[derive(Debug, Parser)]
#[command(name = "neid", version, about = "Toolchain for Taiwan's New eID chip: emulate, read, send APDUs, check profiles.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List PC/SC readers, card presence and ATR.
    Readers,
    /// Send raw command APDUs (hex, spaces allowed; one APDU per argument).
    Apdu {
        #[command(flatten)]
        card: CardArgs,
        /// Command APDUs, e.g. "00 A4 04 0C 06 D15800000101".
        #[arg(required = true, value_name = "HEX")]
        apdus: Vec<String>,
    },
    /// Read a zone of the card.
    Read {
        #[command(subcommand)]
        what: ReadCommand,
    },
    /// Personalization profiles.
    Profile {
        #[command(subcommand)]
        what: ProfileCommand,
    },
    /// Run the emulated card behind the vpcd virtual reader until SIGINT/SIGTERM.
    Emulate(EmulateArgs),
    /// Personalize the adult reference card in process, read the free zones, then PACE-CAN and the public zone, narrating the APDUs.
    Demo,
    /// The test PKI (CSCA and document signer) that signs zone security objects.
    Pki {
        #[command(subcommand)]
        what: PkiCommand,
    },
    /// PIN1, PIN2 and the user code: status, set, change, unblock (contact interface).
    Pin {
        #[command(subcommand)]
        what: crate::pin_cmd::PinCommand,
    },
    /// Registry-office update: TA + CA v2, then a field with its newly signed security object.
    Update(crate::update_cmd::UpdateArgs),
    /// The certificate zone (PKCS#15): list the token, PIN2, keys and certificates.
    Certs {
        #[command(subcommand)]
        what: crate::certs_cmd::CertsCommand,
    },
    /// Sign a file with a key of the certificate zone after PIN2 (PSO:CDS or INTERNAL AUTHENTICATE).
    Sign(crate::sign_cmd::SignArgs),
    /// Decipher an RSA cryptogram with the encipherment key after PIN2 (PSO:DECIPHER).
    Decrypt(crate::decrypt_cmd::DecryptArgs),
    /// Issuer operations over SCP03: `issue certs` generates the certificate zone's keys and writes its certificates.
    Issue {
        #[command(subcommand)]
        what: crate::issue_cmd::IssueCommand,
    },
    /// Run the APDU conformance suites (apdu-tests) against a reader or emulated cards.
    Conformance(crate::conformance::ConformanceArgs),
    /// Print an APDU trace (JSON lines from `neid emulate --trace`) annotated.
    Trace {
        /// The trace file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Create a test CSCA and document signer in DIR (refuses to overwrite).
    Init {
        /// Directory to write (created if missing).
        dir: PathBuf,
    },
    /// Create a test CVCA (self-signed CV certificate, every right) in DIR.
    Cvca {
        dir: PathBuf,
        /// Holder reference: country (2 letters), mnemonic, 5 alphanumerics.
        #[arg(long, default_value = "TWCVCA00001")]
        chr: String,
        /// Curve: p256, brainpoolp256r1, p384, brainpoolp384r1.
        #[arg(long, default_value = "p384", value_parser = crate::pki::parse_curve)]
        curve: card_os::protocol::StandardizedDomainParameters,
        #[arg(long, default_value_t = pki::cv::CVCA_VALIDITY_DAYS)]
        days: i64,
    },
    /// Roll the CVCA of DIR over to a new key: a link certificate signed by the old key.
    Link {
        dir: PathBuf,
        /// Holder reference of the new CVCA key.
        #[arg(long)]
        chr: String,
        #[arg(long, default_value = "p384", value_parser = crate::pki::parse_curve)]
        curve: card_os::protocol::StandardizedDomainParameters,
        #[arg(long, default_value_t = pki::cv::CVCA_VALIDITY_DAYS)]
        days: i64,
    },
    /// Issue a document verifier under a CVCA directory into DIR.
    Dv {
        dir: PathBuf,
        /// The CVCA directory (from `neid pki cvca`).
        #[arg(long, value_name = "CVCADIR")]
        cvca: PathBuf,
        #[arg(long, default_value = "TWDVNEID00001")]
        chr: String,
        /// A foreign DV (CHAT role 01) instead of a domestic one.
        #[arg(long)]
        foreign: bool,
        /// Rights, comma-separated (default all); names as for `pki terminal`.
        #[arg(long, default_value = "all", value_parser = crate::pki::parse_rights)]
        rights: RightList,
        #[arg(long, default_value_t = pki::cv::DV_VALIDITY_DAYS)]
        days: i64,
    },
    /// Issue a terminal under a DV directory into DIR: its chain and key.
    Terminal {
        dir: PathBuf,
        /// The DV directory (from `neid pki dv`).
        #[arg(long, value_name = "DVDIR")]
        dv: PathBuf,
        /// auth (eService: read rights, can_allowed) or registry (writes, PIN management, privileged).
        #[arg(long, value_enum)]
        role: TerminalRoleArg,
        /// Rights, comma-separated: spouse_name, father_name, mother_name, birthplace, sex,
        /// photo, can (read rights); write_military_service, write_household_address,
        /// write_spouse_name, write_father_name, write_mother_name, write_birthplace,
        /// pin_management, can_allowed, privileged; or all.
        #[arg(long, value_parser = crate::pki::parse_rights)]
        rights: RightList,
        #[arg(long, default_value = "TWTERM00001")]
        chr: String,
        #[arg(long, default_value_t = pki::cv::TERMINAL_VALIDITY_DAYS)]
        days: i64,
    },
    /// Create a test citizen CA (RSA-2048 root and intermediate) for the certificate zone in DIR (refuses to overwrite).
    CitizenCa {
        /// Directory to write (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// First year of validity (from 1 January, UTC); default: the current year.
        #[arg(long, value_name = "YYYY")]
        from_year: Option<u16>,
    },
}

/// A parsed `--rights` list (a newtype: clap would read a bare Vec as "many values").
#[derive(Debug, Clone)]
pub struct RightList(pub Vec<card_os::protocol::cvc::AccessRight>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TerminalRoleArg {
    /// Authentication terminal (eService).
    Auth,
    /// Registry-office terminal.
    Registry,
}

#[derive(Debug, Subcommand)]
pub enum ReadCommand {
    /// The household-address zone (no authentication needed).
    Household {
        #[command(flatten)]
        card: CardArgs,
        /// Print JSON with the reference field names.
        #[arg(long)]
        json: bool,
    },
    /// The public zone: PACE with CAN or MRZ, the nine fields under secure
    /// messaging, and its security object verified.
    Public(PublicArgs),
    /// The encrypted zone: PACE with PIN1 and the terminal's CHAT, TA, CA v2,
    /// then the fields the terminal is granted (the others listed as denied).
    Encrypted(crate::read_encrypted::EncryptedArgs),
    /// Any ICAO 9303 eMRTD: PACE or BAC, EF.COM/EF.SOD/data groups, CA, AA,
    /// Passive Authentication.
    Icao(crate::read_icao::IcaoArgs),
}

#[derive(Debug, Args)]
pub struct PublicArgs {
    #[command(flatten)]
    pub card: CardArgs,
    #[command(flatten)]
    pub password: PacePasswordArgs,
    /// Trust the CSCA certificates in DIR and verify the document signer's chain.
    #[arg(long, value_name = "DIR")]
    pub trust: Option<PathBuf>,
    /// Print JSON with the reference field names and a "security_object" report.
    #[arg(long)]
    pub json: bool,
}

/// The PACE password: exactly one of CAN or MRZ (chip.md: the public zone
/// opens with either).
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct PacePasswordArgs {
    /// Card access number: the 6 digits printed on the card.
    #[arg(long, value_name = "CAN", value_parser = parse_can)]
    pub can: Option<PacePasswordInput>,
    /// The three TD1 MRZ lines (30 characters each), separated by commas.
    #[arg(long, value_name = "L1,L2,L3", value_parser = parse_mrz_lines)]
    pub mrz: Option<PacePasswordInput>,
    /// Document number, date of birth and date of expiry (YYMMDD), without check digits.
    #[arg(long = "mrz-info", value_name = "DOCNO,DOB,EXPIRY", value_parser = parse_mrz_info)]
    pub mrz_info: Option<PacePasswordInput>,
}

impl PacePasswordArgs {
    /// The one password given (clap's group makes it exactly one).
    pub fn input(&self) -> Option<&PacePasswordInput> {
        self.can.as_ref().or(self.mrz.as_ref()).or(self.mrz_info.as_ref())
    }
}

fn parse_can(text: &str) -> Result<PacePasswordInput, String> {
    PacePasswordInput::can(text).map_err(|e| e.to_string())
}

fn parse_mrz_lines(text: &str) -> Result<PacePasswordInput, String> {
    let lines: Vec<&str> = text.split(',').map(str::trim).collect();
    MrzInfo::from_td1(&lines).map(PacePasswordInput::Mrz).map_err(|e| e.to_string())
}

fn parse_mrz_info(text: &str) -> Result<PacePasswordInput, String> {
    MrzInfo::from_info_arg(text).map(PacePasswordInput::Mrz).map_err(|e| e.to_string())
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Check a profile against every rule; one line per issue, exit 1 if any.
    Check {
        /// The profile (TOML).
        file: PathBuf,
    },
}

/// Which card a card command talks to.
#[derive(Debug, Args)]
pub struct CardArgs {
    /// PC/SC reader: exact name or a substring (the matching reader holding a card).
    #[arg(long, value_name = "NAME", conflicts_with = "emulator")]
    pub reader: Option<String>,
    /// Use an in-process emulated card personalized from this profile instead of a reader.
    #[arg(long, value_name = "PROFILE")]
    pub emulator: Option<PathBuf>,
    /// Interface of the emulated card (only with --emulator).
    #[arg(long, value_enum, default_value_t = InterfaceArg::Contact, requires = "emulator")]
    pub interface: InterfaceArg,
    /// State directory of the emulated card (only with --emulator): the card is
    /// personalized from the profile when DIR is empty, then every run uses and
    /// updates the stored card (as `neid emulate --state`).
    #[arg(long = "state", value_name = "DIR", requires = "emulator")]
    pub state: Option<PathBuf>,
    /// Make the emulated card misbehave (repeatable; docs/spec/faults.md; only with --emulator).
    #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault, requires = "emulator")]
    pub faults: Vec<card_os::Fault>,
}

#[derive(Debug, Args)]
pub struct EmulateArgs {
    /// Profile the card is personalized from (used only when the state directory is empty).
    #[arg(long, value_name = "FILE")]
    pub profile: PathBuf,
    /// State directory: the card image persists there across runs.
    #[arg(long, value_name = "DIR")]
    pub state: Option<PathBuf>,
    /// Address of vpcd (vsmartcard's virtual reader driver).
    #[arg(long, value_name = "HOST:PORT", default_value_t = emulator::DEFAULT_VPCD_ADDR)]
    pub vpcd: SocketAddr,
    /// Interface the card is reached through.
    #[arg(long, value_enum, default_value_t = InterfaceArg::Contact)]
    pub interface: InterfaceArg,
    /// Make the card misbehave (repeatable; docs/spec/faults.md lists the names).
    #[arg(long = "fault", value_name = "NAME", value_parser = parse_fault)]
    pub faults: Vec<card_os::Fault>,
    /// Record every APDU into this file (JSON lines, docs/spec/trace.md).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// TEST MODE: also write each secure messaging session's keys into the trace.
    #[arg(long, requires = "trace")]
    pub export_session_keys: bool,
}

/// `--fault NAME`: one of `card_os::Fault::ALL` by its name.
fn parse_fault(name: &str) -> Result<card_os::Fault, String> {
    card_os::Fault::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = card_os::Fault::ALL.iter().map(|f| f.name()).collect();
        format!("unknown fault \"{name}\"; one of: {}", names.join(", "))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InterfaceArg {
    Contact,
    Contactless,
}

impl From<InterfaceArg> for emulator::Interface {
    fn from(arg: InterfaceArg) -> Self {
        match arg {
            InterfaceArg::Contact => emulator::Interface::Contact,
            InterfaceArg::Contactless => emulator::Interface::Contactless,
        }
    }
}
