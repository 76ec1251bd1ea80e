//! PIN1, the user code (PUK) and PIN2 through the card's APDU interface
//! (docs/spec/pins.md): retry counters over PACE and VERIFY, suspension and
//! resumption with CAN, unblocking and setting with the user code, the
//! delivery state, the contact-only rule and the anti-tearing order.
//! Values: the adult reference holder (reference-citizens.toml).

mod common;
mod pace_support;

use applets::{PaceSetup, PersoInput};
use card_os::pin::{PinId, PinRecord};
use card_os::protocol::pace::{DynamicAuthenticationData, GaTag, MseSetAt};
use card_os::protocol::{PaceProtocol, PaceSecret, PaceTerminal, SmSession};
use card_os::{Card, CardImage, CommandApdu, Interface, PacePassword};
use common::tx;
use pace_support::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const PIN2: &str = "13572468";
const WRONG_PIN1: &str = "000000";
const WRONG_PUK: &str = "Wrong2026";

fn setup() -> PaceSetup {
    PaceSetup::default()
}

/// The adult holder, activated state: PIN1, user code and PIN2 set.
fn activated_input() -> PersoInput {
    let mut input = pace_input(setup());
    input.pins.pin2 = Some(PIN2.to_string());
    input
}

/// The adult holder in the delivery state: PIN1 and PIN2 not set.
fn delivery_input() -> PersoInput {
    let mut input = pace_input(setup());
    input.passwords.pin = None;
    input.pins.delivery_state = true;
    input
}

fn card_from(input: &PersoInput, interface: Interface) -> Card {
    let image = applets::personalize(input).expect("reference input personalizes");
    let mut card = applets::card_with_rng(image, card_rng(11));
    card.power_on(interface);
    card
}

fn text_secret(password: PacePassword, value: &str) -> PaceSecret {
    PaceSecret::from_text(password.to_protocol(), value).expect("test password is text")
}

/// One PACE run: the MSE:Set AT status word, then the session or where
/// the run stopped (step 1..4) with its status word.
struct Run {
    mse_sw: u16,
    result: Result<SmSession, (u8, u16)>,
}

fn ga(card: &mut Card, chained: bool, data: DynamicAuthenticationData, step: u8) -> Result<DynamicAuthenticationData, (u8, u16)> {
    let cla = if chained { 0x10 } else { 0x00 };
    let r = send(card, &CommandApdu::new(cla, 0x86, 0x00, 0x00, data.encode(), Some(256)));
    if r.sw != 0x9000 {
        return Err((step, r.sw));
    }
    Ok(DynamicAuthenticationData::decode(&r.data).expect("card sends well-formed 7C"))
}

/// A PACE run that goes on after a 63Cx warning to MSE:Set AT (TR-03110-3 B.11.1).
fn run_pace(card: &mut Card, password: PacePassword, value: &str, seed: u64) -> Run {
    let secret = text_secret(password, value);
    let mut rng = StdRng::seed_from_u64(seed);
    let protocol = PaceProtocol::for_cipher(setup().cipher);
    let mse = MseSetAt {
        protocol,
        password: secret.password(),
        domain_parameter_id: Some(setup().domain.id()),
        auxiliary_data: None,
        chat: None,
    };
    let r = send(card, &CommandApdu::new(0x00, 0x22, 0xC1, 0xA4, mse.encode(), None));
    let mse_sw = r.sw;
    if mse_sw != 0x9000 && mse_sw & 0xFFF0 != 0x63C0 {
        return Run { mse_sw, result: Err((0, mse_sw)) };
    }
    let result = (|| {
        let terminal = PaceTerminal::new(protocol, setup().domain, &secret);
        let step1 = ga(card, true, DynamicAuthenticationData::empty(), 1)?;
        let (terminal, pk_map_pcd) = terminal.decrypt_nonce(&mut rng, step1.only(GaTag::EncryptedNonce).unwrap()).unwrap();
        let step2 = ga(card, true, DynamicAuthenticationData::single(GaTag::MappingDataPcd, &pk_map_pcd), 2)?;
        let (terminal, pk_pcd) = terminal.map_nonce(&mut rng, step2.only(GaTag::MappingDataPicc).unwrap()).unwrap();
        let step3 = ga(card, true, DynamicAuthenticationData::single(GaTag::EphemeralPublicKeyPcd, &pk_pcd), 3)?;
        let (terminal, t_pcd) = terminal.agree_keys(step3.only(GaTag::EphemeralPublicKeyPicc).unwrap()).unwrap();
        let step4 = ga(card, false, DynamicAuthenticationData::single(GaTag::AuthenticationTokenPcd, &t_pcd), 4)?;
        let result = terminal.authenticate(step4.only(GaTag::AuthenticationTokenPicc).unwrap()).expect("chip token verifies");
        Ok(SmSession::from_pace(&result).unwrap())
    })();
    Run { mse_sw, result }
}

/// PACE that must succeed: the terminal's channel.
fn open(card: &mut Card, password: PacePassword, value: &str) -> Channel {
    let run = run_pace(card, password, value, 3);
    Channel::new(run.result.unwrap_or_else(|e| panic!("PACE with {password:?} failed: {e:02X?}")))
}

/// The status word of a PACE run that fails at step 4 (wrong password).
fn wrong_try(card: &mut Card, password: PacePassword, value: &str) -> u16 {
    match run_pace(card, password, value, 5).result {
        Err((4, sw)) => sw,
        other => panic!("expected a step-4 failure, got {:?}", other.map(|_| "session")),
    }
}

fn record(image: &CardImage, id: PinId) -> PinRecord {
    PinRecord::decode(&image.objects[id.record_key()]).expect("record decodes")
}

fn tries_left(card: &Card, id: PinId) -> u8 {
    record(card.image(), id).tries_left
}

fn mse_sw(card: &mut Card, password: PacePassword) -> u16 {
    let mse = MseSetAt {
        protocol: PaceProtocol::for_cipher(setup().cipher),
        password: password.to_protocol(),
        domain_parameter_id: None,
        auxiliary_data: None,
        chat: None,
    };
    send(card, &CommandApdu::new(0x00, 0x22, 0xC1, 0xA4, mse.encode(), None)).sw
}

/// A protected command's status word (`Err` = the card answered without SM).
fn sm_sw(card: &mut Card, channel: &mut Channel, cla_ins_p1_p2: [u8; 4], data: &[u8]) -> u16 {
    let [cla, ins, p1, p2] = cla_ins_p1_p2;
    match channel.transmit(card, &command(cla, ins, p1, p2, data, None)) {
        Ok(r) => r.sw,
        Err(sw) => sw,
    }
}

fn hex_of(text: &str) -> String {
    hex::encode_upper(text.as_bytes())
}

/// `00 20 00 81 Lc PIN2` in hex.
fn verify_pin2(value: &str) -> String {
    format!("00200081{:02X}{}", value.len(), hex_of(value))
}

#[test]
fn wrong_pin1_twice_suspends_and_a_third_try_needs_can_first() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    assert_eq!(mse_sw(&mut card, PacePassword::Pin), 0x9000, "full counter: plain 9000");
    assert_eq!(wrong_try(&mut card, PacePassword::Pin, WRONG_PIN1), 0x63C2);
    assert_eq!(mse_sw(&mut card, PacePassword::Pin), 0x63C2, "MSE:Set AT shows the counter (TR-03110-3 B.11.1)");
    assert_eq!(wrong_try(&mut card, PacePassword::Pin, WRONG_PIN1), 0x63C1);
    // Suspended: MSE:Set AT warns 63C1, the run is refused before step 1 and nothing is counted.
    let run = run_pace(&mut card, PacePassword::Pin, PIN, 6);
    assert_eq!(run.mse_sw, 0x63C1);
    assert_eq!(run.result.err(), Some((1, 0x6985)));
    assert_eq!(tries_left(&card, PinId::Pin1), 1);
    // A reset does not lift the suspension: it is in NVM.
    card.power_on(Interface::Contact);
    assert_eq!(run_pace(&mut card, PacePassword::Pin, PIN, 6).result.err(), Some((1, 0x6985)));

    // PACE with CAN resumes it: one more try, and a wrong one blocks.
    open(&mut card, PacePassword::Can, CAN);
    assert_eq!(wrong_try(&mut card, PacePassword::Pin, WRONG_PIN1), 0x63C0);
    assert_eq!(tries_left(&card, PinId::Pin1), 0);
    assert_eq!(mse_sw(&mut card, PacePassword::Pin), 0x6983);
    assert_eq!(run_pace(&mut card, PacePassword::Pin, PIN, 7).result.err(), Some((0, 0x6983)), "the right PIN is refused too");
}

#[test]
fn a_resumed_pin1_that_is_right_restores_the_counter() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    wrong_try(&mut card, PacePassword::Pin, WRONG_PIN1);
    wrong_try(&mut card, PacePassword::Pin, WRONG_PIN1);
    open(&mut card, PacePassword::Can, CAN);
    let run = run_pace(&mut card, PacePassword::Pin, PIN, 8);
    assert_eq!(run.mse_sw, 0x63C1);
    assert!(run.result.is_ok());
    assert_eq!(card.security_status().pace.as_ref().map(|p| p.password), Some(PacePassword::Pin));
    assert_eq!(tries_left(&card, PinId::Pin1), 3);
    assert_eq!(mse_sw(&mut card, PacePassword::Pin), 0x9000);
}

#[test]
fn the_user_code_unblocks_pin1() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    wrong_try(&mut card, PacePassword::Pin, WRONG_PIN1);
    wrong_try(&mut card, PacePassword::Pin, WRONG_PIN1);
    open(&mut card, PacePassword::Can, CAN);
    assert_eq!(wrong_try(&mut card, PacePassword::Pin, WRONG_PIN1), 0x63C0);

    // RESET RETRY COUNTER needs a user-code session: plain and CAN sessions are refused.
    assert_eq!(tx(&mut card, "002C0303"), "6982");
    let mut can = open(&mut card, PacePassword::Can, CAN);
    assert_eq!(sm_sw(&mut card, &mut can, [0x0C, 0x2C, 0x03, 0x03], &[]), 0x6982);
    assert_eq!(tries_left(&card, PinId::Pin1), 0);

    let mut puk = open(&mut card, PacePassword::Puk, PUK);
    assert_eq!(sm_sw(&mut card, &mut puk, [0x0C, 0x2C, 0x03, 0x03], &[]), 0x9000);
    assert_eq!(tries_left(&card, PinId::Pin1), 3);
    assert_eq!(mse_sw(&mut card, PacePassword::Pin), 0x9000);
    open(&mut card, PacePassword::Pin, PIN);
}

#[test]
fn counters_survive_a_serialize_and_restore_of_the_image() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    assert_eq!(wrong_try(&mut card, PacePassword::Pin, WRONG_PIN1), 0x63C2);
    assert_eq!(tx(&mut card, &verify_pin2("99999999")), "63C2");
    let saved = serde_json::to_string(card.image()).unwrap();

    let image: CardImage = serde_json::from_str(&saved).unwrap();
    let mut restored = applets::card_with_rng(image, card_rng(12));
    restored.power_on(Interface::Contact);
    assert_eq!(mse_sw(&mut restored, PacePassword::Pin), 0x63C2);
    assert_eq!(tx(&mut restored, "00200081"), "63C2");
    assert_eq!(wrong_try(&mut restored, PacePassword::Pin, WRONG_PIN1), 0x63C1);
}

#[test]
fn the_decrement_reaches_nvm_with_the_failed_answer() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    assert!(!card.nvm_changed_since_last_check(), "a fresh card");
    // Steps 1-3 count nothing: the comparison is at step 4.
    let run = run_pace(&mut card, PacePassword::Pin, WRONG_PIN1, 9);
    assert_eq!(run.result.err(), Some((4, 0x63C2)));
    // The image the host persists after that command holds the decrement.
    assert!(card.nvm_changed_since_last_check());
    assert_eq!(tries_left(&card, PinId::Pin1), 2);
    let persisted: CardImage = serde_json::from_str(&serde_json::to_string(card.image()).unwrap()).unwrap();
    assert_eq!(record(&persisted, PinId::Pin1).tries_left, 2);
    // The next failure is announced by MSE:Set AT and counted the same way.
    let run = run_pace(&mut card, PacePassword::Pin, WRONG_PIN1, 10);
    assert_eq!((run.mse_sw, run.result.err()), (0x63C2, Some((4, 0x63C1))));
    assert!(card.nvm_changed_since_last_check());
    assert_eq!(tries_left(&card, PinId::Pin1), 1);
}

#[test]
fn pin2_verify_three_wrong_tries_block_it() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    assert_eq!(tx(&mut card, "00200081"), "63C3", "status query: tries left");
    assert_eq!(tx(&mut card, &verify_pin2("99999999")), "63C2");
    assert_eq!(tx(&mut card, &verify_pin2("99999999")), "63C1");
    assert_eq!(tx(&mut card, &verify_pin2("999999999")), "63C0");
    assert_eq!(tx(&mut card, &verify_pin2(PIN2)), "6983", "blocked: the right PIN2 is refused");
    assert_eq!(tx(&mut card, "00200081"), "6983");
    assert_eq!(tries_left(&card, PinId::Pin2), 0);
    assert!(!card.security_status().pin2_verified);

    // The user code unblocks PIN2.
    let mut puk = open(&mut card, PacePassword::Puk, PUK);
    assert_eq!(sm_sw(&mut card, &mut puk, [0x0C, 0x2C, 0x03, 0x81], &[]), 0x9000);
    assert_eq!(tx(&mut card, &verify_pin2(PIN2)), "9000");
}

#[test]
fn pin2_verified_status_is_volatile() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    assert_eq!(tx(&mut card, &verify_pin2("99999999")), "63C2");
    assert_eq!(tx(&mut card, &verify_pin2(PIN2)), "9000");
    assert!(card.security_status().pin2_verified);
    assert_eq!(tries_left(&card, PinId::Pin2), 3, "success restores the counter");
    assert_eq!(tx(&mut card, "00200081"), "9000");
    card.power_on(Interface::Contact);
    assert_eq!(tx(&mut card, "00200081"), "63C3", "a reset clears the verified status");
    // PKCS#15 padding with FF to 12 bytes is accepted; P1 = FF drops the status.
    assert_eq!(tx(&mut card, &format!("002000810C{}FFFFFFFF", hex_of(PIN2))), "9000");
    assert_eq!(tx(&mut card, "00200081"), "9000");
    assert!(card.security_status().pin2_verified);
    assert_eq!(tx(&mut card, "0020FF81"), "9000");
    assert!(!card.security_status().pin2_verified);
    // Malformed values cost no try; other references are not VERIFY's.
    assert_eq!(tx(&mut card, &verify_pin2("1234567")), "6A80");
    assert_eq!(tx(&mut card, &verify_pin2("1234567a")), "6A80");
    assert_eq!(tries_left(&card, PinId::Pin2), 3);
    assert_eq!(tx(&mut card, &format!("00200003 06{}", hex_of(PIN))), "6A88");
    assert_eq!(tx(&mut card, "0020018108 3133353732343638"), "6A86");
}

#[test]
fn change_reference_data_replaces_pin2() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    let field = |v: &str| format!("{}{}", hex_of(v), "FF".repeat(12 - v.len()));
    let change = |old: &str, new: &str| format!("0024008118{}{}", field(old), field(new));
    assert_eq!(tx(&mut card, &change("99999999", "2468013579")), "63C2");
    assert_eq!(tx(&mut card, &change(PIN2, "24680")), "6A80", "a malformed new PIN2 costs no try");
    assert_eq!(tries_left(&card, PinId::Pin2), 2);
    assert_eq!(tx(&mut card, &format!("002400810A{}", hex_of("1357246824"))), "6700", "fields are 12 bytes each");
    assert_eq!(tx(&mut card, &change(PIN2, "2468013579")), "9000");
    assert_eq!(tries_left(&card, PinId::Pin2), 3);
    assert_eq!(tx(&mut card, &verify_pin2(PIN2)), "63C2");
    assert_eq!(tx(&mut card, &verify_pin2("2468013579")), "9000");
}

#[test]
fn pin1_is_changed_in_its_own_session() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    let mut pin = open(&mut card, PacePassword::Pin, PIN);
    assert_eq!(sm_sw(&mut card, &mut pin, [0x0C, 0x2C, 0x02, 0x03], b"12345"), 0x6A80, "PIN1 is 6 digits");
    assert_eq!(sm_sw(&mut card, &mut pin, [0x0C, 0x2C, 0x02, 0x03], b"654321"), 0x9000);
    // A PIN1 session may not unblock or set PIN2.
    assert_eq!(sm_sw(&mut card, &mut pin, [0x0C, 0x2C, 0x02, 0x81], b"87654321"), 0x6982);
    card.power_on(Interface::Contact);
    assert_eq!(wrong_try(&mut card, PacePassword::Pin, PIN), 0x63C2, "the old PIN1 is gone");
    open(&mut card, PacePassword::Pin, "654321");
}

#[test]
fn delivery_state_pins_are_set_with_the_user_code() {
    let mut card = card_from(&delivery_input(), Interface::Contact);
    assert_eq!(mse_sw(&mut card, PacePassword::Pin), 0x6984, "PIN1 not set: reference data not usable");
    assert_eq!(tx(&mut card, &verify_pin2(PIN2)), "6984");
    assert_eq!(tx(&mut card, "00200081"), "6984");

    let mut puk = open(&mut card, PacePassword::Puk, PUK);
    assert_eq!(sm_sw(&mut card, &mut puk, [0x0C, 0x2C, 0x03, 0x03], &[]), 0x6984, "nothing to unblock yet");
    assert_eq!(sm_sw(&mut card, &mut puk, [0x0C, 0x2C, 0x02, 0x03], b"112233"), 0x9000);
    assert_eq!(sm_sw(&mut card, &mut puk, [0x0C, 0x2C, 0x02, 0x81], b"12345678"), 0x9000);
    assert_eq!(sm_sw(&mut card, &mut puk, [0x0C, 0x2C, 0x02, 0x81], b"1234"), 0x6A80);
    assert_eq!(sm_sw(&mut card, &mut puk, [0x0C, 0x2C, 0x02, 0x04], b"NewCode1"), 0x6982, "the user code: registry office only");

    card.power_on(Interface::Contact);
    assert_eq!(mse_sw(&mut card, PacePassword::Pin), 0x9000);
    open(&mut card, PacePassword::Pin, "112233");
    assert_eq!(tx(&mut card, &verify_pin2("12345678")), "9000");
}

#[test]
fn delivery_state_refuses_given_values_at_personalization() {
    let mut input = delivery_input();
    input.pins.pin2 = Some(PIN2.to_string());
    let e = applets::personalize(&input).unwrap_err();
    assert!(e.to_string().starts_with("pins.pin2: must be absent in the delivery state"), "{e}");
    let mut input = activated_input();
    input.pins.pin2 = Some("1234567".to_string());
    assert!(applets::personalize(&input).unwrap_err().to_string().starts_with("pins.pin2: PIN2: digits"));
    let mut input = activated_input();
    input.pins.pin1_policy.tries = 16;
    input.pins.pin1_policy.suspend_after = 2;
    assert!(applets::personalize(&input).unwrap_err().to_string().starts_with("pins.pin1_policy: tries"));
    // A narrowed policy is kept in the record.
    let mut input = activated_input();
    input.pins.pin2_policy.tries = 5;
    let image = applets::personalize(&input).unwrap();
    assert_eq!(record(&image, PinId::Pin2), PinRecord::new(input.pins.pin2_policy, true));
}

#[test]
fn pin_operations_are_refused_on_the_contactless_interface() {
    let mut card = card_from(&activated_input(), Interface::Contactless);
    assert_eq!(mse_sw(&mut card, PacePassword::Pin), 0x6982);
    assert_eq!(mse_sw(&mut card, PacePassword::Puk), 0x6982);
    assert_eq!(tx(&mut card, &verify_pin2(PIN2)), "6982");
    assert_eq!(tx(&mut card, "00200081"), "6982");
    assert_eq!(tx(&mut card, &format!("0024008118{}", "31".repeat(24))), "6982");
    assert_eq!(tx(&mut card, "002C0303"), "6982");
    assert_eq!(tx(&mut card, "002C020306313132323333"), "6982");
    // Even inside a CAN session.
    let mut can = open(&mut card, PacePassword::Can, CAN);
    assert_eq!(sm_sw(&mut card, &mut can, [0x0C, 0x20, 0x00, 0x81], PIN2.as_bytes()), 0x6982);
    assert_eq!(tries_left(&card, PinId::Pin2), 3);
    assert!(!card.security_status().pin2_verified);
}

#[test]
fn ten_wrong_user_codes_block_it_for_good() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    for left in (0..10u16).rev() {
        assert_eq!(wrong_try(&mut card, PacePassword::Puk, WRONG_PUK), 0x63C0 | left);
    }
    assert_eq!(mse_sw(&mut card, PacePassword::Puk), 0x6983);
    assert_eq!(run_pace(&mut card, PacePassword::Puk, PUK, 13).result.err(), Some((0, 0x6983)));
    // Neither a reset nor a CAN session gives it back; nothing on the card resets it.
    card.power_on(Interface::Contact);
    let mut can = open(&mut card, PacePassword::Can, CAN);
    assert_eq!(sm_sw(&mut card, &mut can, [0x0C, 0x2C, 0x03, 0x04], &[]), 0x6982);
    assert_eq!(mse_sw(&mut card, PacePassword::Puk), 0x6983);
    assert_eq!(tries_left(&card, PinId::UserCode), 0);
    // PIN1 is unaffected.
    open(&mut card, PacePassword::Pin, PIN);
}

#[test]
fn a_user_code_that_is_right_restores_its_counter() {
    let mut card = card_from(&activated_input(), Interface::Contact);
    assert_eq!(wrong_try(&mut card, PacePassword::Puk, WRONG_PUK), 0x63C9);
    assert_eq!(mse_sw(&mut card, PacePassword::Puk), 0x63C9);
    open(&mut card, PacePassword::Puk, PUK);
    assert_eq!(tries_left(&card, PinId::UserCode), 10);
}
