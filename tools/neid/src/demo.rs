//! `neid demo`: personalizes the adult reference card in process and reads
//! everything readable without authentication, then runs PACE with the CAN
//! and reads the public zone under secure messaging, narrating each APDU.

use anyhow::Context;
use profiles::Profile;
use terminal::card::{INS_READ_BINARY, INS_SELECT};
use terminal::household::HOUSEHOLD_AID;
use terminal::pace::{INS_GENERAL_AUTHENTICATE, INS_MSE, PacePasswordInput};
use terminal::{CardError, InProcessTransport, Response, Transport, TransportError, tlv};

use crate::apdu::format_response;

/// The adult reference profile, embedded so the demo runs from anywhere.
const ADULT_PROFILE: &str = include_str!("../../../profiles/reference/adult.toml");
/// EF.DIR, the application directory (ISO 7816-4 §8.2.1.1), short EF identifier 1E.
const SFI_EF_DIR: u8 = 0x1E;
/// EF.CardAccess, PACEInfo (ICAO 9303-11 §9.2.11 / TR-03110-3 A.1.2), SFI 1C.
const SFI_CARD_ACCESS: u8 = 0x1C;
/// Application template and its AID and label (ISO 7816-4 §8.2.1.3, table 11).
const TAG_APPLICATION_TEMPLATE: u32 = 0x61;
const TAG_AID: u32 = 0x4F;
const TAG_APPLICATION_LABEL: u32 = 0x50;
/// The public zone: plain READ BINARY is refused until PACE (docs/spec/).
const PUBLIC_AID: [u8; 6] = [0xD1, 0x58, 0x00, 0x00, 0x01, 0x02];
const SFI_FIRST_FIELD: u8 = 0x01;

/// Prints every APDU and response, naming the command.
struct Narrated<T: Transport> {
    inner: T,
}

fn command_name(apdu: &[u8]) -> &'static str {
    match apdu.get(1) {
        Some(&INS_SELECT) => "SELECT",
        Some(&INS_READ_BINARY) => "READ BINARY",
        Some(&INS_MSE) => "MSE:Set AT",
        Some(&INS_GENERAL_AUTHENTICATE) => "GENERAL AUTHENTICATE",
        _ => "command",
    }
}

impl<T: Transport> Transport for Narrated<T> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        println!("    > {:<12} {}", command_name(apdu), hex::encode_upper(apdu));
        let raw = self.inner.transmit(apdu)?;
        println!("    < {}", format_response(&Response::from_bytes(&raw)?));
        Ok(raw)
    }
    fn atr(&self) -> Vec<u8> {
        self.inner.atr()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        self.inner.reset()
    }
    fn name(&self) -> String {
        self.inner.name()
    }
}

pub fn run() -> anyhow::Result<()> {
    let mut profile = Profile::from_toml_str(ADULT_PROFILE).context("the embedded adult reference profile")?;
    // Its `card.keys.pki` is relative to the profile file, which an embedded
    // profile does not have: sign with a throw-away test PKI instead.
    profile.card.keys.pki = None;
    // Its issuer key file is relative too; the demo reads no certificate zone.
    profile.card.keys.issuer_keys = None;
    println!("Personalizing the reference card \"{}\" in process (contact interface)…", profile.name);
    let card = emulator::personalize(&profile)?;
    let emulator = emulator::Emulator::new(card, emulator::Interface::Contact, None);
    let mut card = Narrated { inner: InProcessTransport::new(emulator) };
    println!("ATR {}", hex::encode_upper(card.atr()));

    println!("\n1. EF.DIR: which applications the card holds (READ BINARY with short EF identifier {SFI_EF_DIR:02X}, free)");
    match terminal::read_binary_sfi(&mut card, SFI_EF_DIR) {
        Ok(content) => print_ef_dir(&content),
        Err(error) => println!("   not readable: {error}"),
    }

    println!("\n2. EF.CardAccess: the PACE parameters (short EF identifier {SFI_CARD_ACCESS:02X}, free)");
    match terminal::read_binary_sfi(&mut card, SFI_CARD_ACCESS) {
        Ok(content) => println!("   {} bytes: {}", content.len(), hex::encode_upper(&content)),
        Err(error) => println!("   not readable: {error}"),
    }

    println!("\n3. Household zone {}: free on both interfaces", hex::encode_upper(HOUSEHOLD_AID));
    let household = terminal::read_household(&mut card)?;
    for line in household.to_string().lines() {
        println!("   {line}");
    }

    println!("\n4. Public zone {}: needs PACE with CAN or MRZ, so a plain read is refused", hex::encode_upper(PUBLIC_AID));
    match terminal::select_aid(&mut card, &PUBLIC_AID) {
        Ok(_) => match terminal::read_binary_sfi(&mut card, SFI_FIRST_FIELD) {
            Ok(_) => println!("   unexpected: the card answered without PACE"),
            Err(CardError::Status { sw, meaning, .. }) => println!("   refused as expected: {sw:04X} ({meaning})"),
            Err(other) => println!("   {other}"),
        },
        Err(error) => println!("   {error}"),
    }

    println!("\n5. PACE with the CAN {} printed on the card (ECDH Generic Mapping, TR-03110-3 B.11)", profile.holder.can);
    println!("   then every command under secure messaging (CLA 0C, DO'87'/'97'/'8E'; answers DO'87'/'99'/'8E')");
    let can = PacePasswordInput::can(&profile.holder.can).context("the reference profile's CAN")?;
    let mut channel = terminal::establish_pace(&mut card, &can, &mut rand::rng())?;
    let info = channel.info();
    println!("   PACE done: {:?}, domain parameters {} ({:?})", info.protocol, info.domain_parameters.id(), info.domain_parameters);
    let public = terminal::read_public(&mut channel)?;
    println!("\n   The public zone, read under secure messaging:");
    for line in public.to_string().lines() {
        println!("   {line}");
    }
    println!("\nDone: the free zones were read in plain, the public zone after PACE with the CAN.");
    Ok(())
}

/// Lists the application templates of EF.DIR (AID and label).
fn print_ef_dir(content: &[u8]) {
    let end = content.iter().rposition(|b| !tlv::is_padding(&[*b])).map_or(0, |i| i + 1);
    let objects = match tlv::parse_all(&content[..end]) {
        Ok(objects) => objects,
        Err(error) => return println!("   {} bytes, not BER-TLV ({error}): {}", content.len(), hex::encode_upper(content)),
    };
    for template in objects.iter().filter(|o| o.tag == TAG_APPLICATION_TEMPLATE) {
        let inner = tlv::parse_all(template.value).unwrap_or_default();
        let aid = inner.iter().find(|o| o.tag == TAG_AID).map(|o| hex::encode_upper(o.value));
        let label = inner.iter().find(|o| o.tag == TAG_APPLICATION_LABEL).map(|o| String::from_utf8_lossy(o.value).into_owned());
        println!("   application {} {}", aid.unwrap_or_else(|| "(no AID)".into()), label.unwrap_or_default());
    }
}
