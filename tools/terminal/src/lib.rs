//! neid-terminal: the terminal side of the New eID toolchain.
//!
//! Every card is reached through [`Transport`] (APDU bytes in, bytes out):
//! a PC/SC reader ([`PcscTransport`]) or the emulator in process
//! ([`InProcessTransport`]). Above it: SELECT / READ BINARY helpers
//! ([`card`]), the zone readers ([`household`], [`public`]), and PACE
//! ([`pace`]) opening a secure-messaging channel ([`secure_channel`]).

pub mod card;
pub mod certs;
pub mod chip_auth;
pub mod digest_info;
pub mod eac;
pub mod encrypted;
pub mod household;
pub mod icao;
pub mod in_process;
pub mod pace;
pub mod pcsc_transport;
pub mod pin;
pub mod public;
pub mod reader_select;
pub mod secure_channel;
pub mod ta;
pub mod tlv;
pub mod transport;
pub mod update;

pub use certs::{CertificateZone, CertsError, DecipherMechanism, KeyAlgorithm, KeySlot, SignMechanism, TokenObjects};
pub use card::{CardError, Response, read_binary_all, read_binary_sfi, select_aid, sw_meaning};
pub use household::{Household, HouseholdError, read_household};
pub use in_process::InProcessTransport;
pub use pace::{MrzInfo, MrzInputError, PaceEstablished, PaceFailure, PacePasswordInput, establish_pace, establish_pace_any};
pub use pcsc_transport::{PcscTransport, list_readers};
pub use public::{PublicData, PublicEf, PublicError, read_public};
pub use secure_channel::{ChannelInfo, SecureChannel};
pub use reader_select::{ReaderInfo, ReaderSelectError, select_reader};
pub use transport::{Transport, TransportError};
pub use eac::{EacFailure, EacSession, run_eac};
pub use ta::TerminalCredentials;
