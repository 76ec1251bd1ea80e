//! BAC and 3DES secure messaging replayed against the worked example of
//! ICAO Doc 9303-11, Appendix D (MRZ "L898902C<369080619406236"): D.2 key
//! derivation, D.3 mutual authentication with its RND.IC / RND.IFD / K.IFD /
//! K.IC, and D.4 secure messaging (SELECT EF.COM, two READ BINARY), checking
//! every protected APDU and response of the appendix from both ends.

mod pace_support;

use card_os::protocol::bac::{
    self, AUTHENTICATION_DATA_LEN, BacChip, BacKeys, BacTerminal, TdesSmSession,
};
use card_os::protocol::sm::{Command, Response};
use pace_support::{ScriptedRng, hex};

const MRZ_INFORMATION: &[u8] = b"L898902C<369080619406236";
const K_ENC: &str = "AB94FDECF2674FDFB9B391F85D7F76F2";
const K_MAC: &str = "7962D9ECE03D1ACD4C76089DCE131543";
const RND_IC: &str = "4608F91988702212";
const RND_IFD: &str = "781723860C06C226";
const K_IFD: &str = "0B795240CB7049B01C19B33E32804F0B";
const K_IC: &str = "0B4F80323EB3191CB04970CB4052790B";
const E_IFD_M_IFD: &str =
    "72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2 5F1448EEA8AD90A7";
const E_IC_M_IC: &str =
    "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F 2F2D235D074D7449";
const KS_ENC: &str = "979EC13B1CBFE9DCD01AB0FED307EAE5";
const KS_MAC: &str = "F1CB1F1FB5ADF208806B89DC579DC1F8";
const SSC: &str = "887022120C06C226";

fn ssc(hex_str: &str) -> [u8; 8] {
    hex(hex_str).try_into().unwrap()
}

#[test]
fn d2_document_basic_access_keys() {
    let from_fields = BacKeys::from_mrz("L898902C", "690806", "940623").unwrap();
    assert_eq!(from_fields.k_enc().to_vec(), hex(K_ENC));
    assert_eq!(from_fields.k_mac().to_vec(), hex(K_MAC));
    let from_information = BacKeys::from_mrz_information(MRZ_INFORMATION);
    assert_eq!(from_information.k_enc(), from_fields.k_enc());
    assert_eq!(from_information.k_mac(), from_fields.k_mac());
    // K_seed of D.2.
    let from_seed = BacKeys::from_seed(&hex("239AB9CB282DAF66231DC5A4DF6BFBAE"));
    assert_eq!(from_seed.k_enc().to_vec(), hex(K_ENC));
}

/// D.3 from both ends: the terminal draws RND.IFD then K.IFD, the chip K.IC.
#[test]
fn d3_mutual_authentication_and_session_keys() {
    let keys = BacKeys::from_mrz_information(MRZ_INFORMATION);
    let terminal = BacTerminal::new(keys.clone());
    assert_eq!(
        terminal.get_challenge_command().to_bytes().unwrap(),
        hex("00 84 00 00 08")
    );

    let chip = BacChip::new(keys).get_challenge_with(ssc(RND_IC));
    assert_eq!(chip.rnd_ic().to_vec(), hex(RND_IC));

    let mut terminal_rng = ScriptedRng::new(&[RND_IFD, K_IFD]);
    let terminal = terminal
        .authenticate(&chip.rnd_ic(), &mut terminal_rng)
        .unwrap();
    assert!(terminal_rng.is_exhausted());
    assert_eq!(
        terminal.external_authenticate_data().to_vec(),
        hex(E_IFD_M_IFD)
    );
    let command = terminal.external_authenticate_command();
    assert_eq!(
        command.to_bytes().unwrap(),
        hex(&format!("00 82 00 00 28 {E_IFD_M_IFD} 28"))
    );

    // The chip parses the APDU it receives, as card-os would.
    let received = Command::parse(&command.to_bytes().unwrap()).unwrap();
    let data = bac::check_external_authenticate(&received).unwrap();
    let mut chip_rng = ScriptedRng::new(&[K_IC]);
    let (chip_result, answer) = chip.external_authenticate(data, &mut chip_rng).unwrap();
    assert!(chip_rng.is_exhausted());
    assert_eq!(answer.len(), AUTHENTICATION_DATA_LEN);
    assert_eq!(answer.to_vec(), hex(E_IC_M_IC));

    let response = Response {
        data: answer.to_vec(),
        sw: 0x9000,
    };
    let terminal_result = terminal.finish(&response).unwrap();
    for result in [&chip_result, &terminal_result] {
        assert_eq!(result.ks_enc.to_vec(), hex(KS_ENC));
        assert_eq!(result.ks_mac.to_vec(), hex(KS_MAC));
        assert_eq!(result.ssc.to_vec(), hex(SSC));
    }
}

/// One D.4 exchange: the terminal protects `plain`, which must give
/// `protected`; the chip unprotects it back to `plain`, protects `answer`
/// into `protected_response`, which the terminal unprotects to `answer`.
struct Exchange {
    plain: &'static str,
    protected: &'static str,
    answer: &'static str,
    protected_response: &'static str,
    ssc_after: &'static str,
}

#[test]
fn d4_secure_messaging_select_ef_com_and_read_binary() {
    let exchanges = [
        // SELECT EF.COM.
        Exchange {
            plain: "00 A4 02 0C 02 01 1E",
            protected: "0C A4 02 0C 15 8709016375432908C044F6 8E08BF8B92D635FF24F8 00",
            answer: "9000",
            protected_response: "990290008E08FA855A5D4C50A8ED 9000",
            ssc_after: "887022120C06C228",
        },
        // READ BINARY of the first four bytes.
        Exchange {
            plain: "00 B0 00 00 04",
            protected: "0C B0 00 00 0D 970104 8E08ED6705417E96BA55 00",
            answer: "60145F01 9000",
            protected_response: "8709019FF0EC34F99226519902900 08E08AD55CC17140B2DED 9000",
            ssc_after: "887022120C06C22A",
        },
        // READ BINARY of the remaining 18 bytes from offset 4.
        Exchange {
            plain: "00 B0 00 04 12",
            protected: "0C B0 00 04 0D 970112 8E082EA28A70F3C7B535 00",
            answer: "04303130365F36063034303030305C026175 9000",
            protected_response: "871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A 99029000 8E08C8B2787EAEA07D74 9000",
            ssc_after: "887022120C06C22C",
        },
    ];
    let mut terminal = TdesSmSession::new(&hex(KS_ENC), &hex(KS_MAC), ssc(SSC)).unwrap();
    let mut chip = TdesSmSession::new(&hex(KS_ENC), &hex(KS_MAC), ssc(SSC)).unwrap();
    let mut ef_com = Vec::new();
    for (step, exchange) in exchanges.iter().enumerate() {
        let plain = Command::parse(&hex(exchange.plain)).unwrap();
        let protected = terminal.wrap_command(&plain).unwrap();
        assert_eq!(
            protected.to_bytes().unwrap(),
            hex(exchange.protected),
            "protected command {step}"
        );

        let received = Command::parse(&hex(exchange.protected)).unwrap();
        let (next_chip, unwrapped) = chip.unwrap_command(&received).unwrap();
        chip = next_chip;
        assert_eq!(unwrapped, plain, "chip's view of command {step}");

        let answer = Response::parse(&hex(exchange.answer)).unwrap();
        let protected_response = chip.wrap_response(&answer).unwrap();
        assert_eq!(
            protected_response,
            hex(exchange.protected_response),
            "protected response {step}"
        );

        let (next_terminal, unwrapped) = terminal.unwrap_response(&protected_response).unwrap();
        terminal = next_terminal;
        assert_eq!(unwrapped, answer, "terminal's view of response {step}");
        ef_com.extend_from_slice(&unwrapped.data);

        assert_eq!(terminal.ssc().to_vec(), hex(exchange.ssc_after));
        assert_eq!(chip.ssc(), terminal.ssc());
    }
    assert_eq!(ef_com, hex("60145F0104303130365F36063034303030305C026175"));
}

/// D.4 continues from D.3: the whole appendix as one run, through
/// `TdesSmSession::from_bac`.
#[test]
fn d3_session_feeds_d4() {
    let keys = BacKeys::from_mrz("L898902C", "690806", "940623").unwrap();
    let chip = BacChip::new(keys.clone()).get_challenge_with(ssc(RND_IC));
    let terminal = BacTerminal::new(keys)
        .authenticate_with(&hex(RND_IC), ssc(RND_IFD), hex(K_IFD).try_into().unwrap())
        .unwrap();
    let (_, answer) = chip
        .external_authenticate_with(
            terminal.external_authenticate_data(),
            hex(K_IC).try_into().unwrap(),
        )
        .unwrap();
    let result = terminal.finish_data(&answer).unwrap();
    let mut session = TdesSmSession::from_bac(&result);
    assert_eq!(session.ssc().to_vec(), hex(SSC));
    let select = Command::parse(&hex("00 A4 02 0C 02 01 1E")).unwrap();
    assert_eq!(
        session.wrap_command(&select).unwrap().to_bytes().unwrap(),
        hex("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    );
    let (_, response) = session
        .unwrap_response(&hex("990290008E08FA855A5D4C50A8ED9000"))
        .unwrap();
    assert_eq!(
        response,
        Response {
            data: vec![],
            sw: 0x9000
        }
    );
}
