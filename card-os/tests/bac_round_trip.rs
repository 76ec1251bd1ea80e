//! BAC between the chip and terminal state machines with random nonces, 3DES
//! secure messaging round trips in both directions for every APDU case, and
//! the failures each side must detect (wrong MRZ → 6300, foreign challenge,
//! tampered cryptograms, tampered SM MAC → 6988).

mod pace_support;

use card_os::protocol::bac::{
    self, BacChip, BacError, BacKeys, BacResult, BacTerminal, TdesSmSession,
};
use card_os::protocol::sm::{Command, Response, SmError};
use pace_support::TestRng;

const SW_SUCCESS: u16 = 0x9000;

fn keys(document_number: &str) -> BacKeys {
    BacKeys::from_mrz(document_number, "900101", "350101").unwrap()
}

/// A full BAC run through the encoded APDUs; returns (terminal, chip) results.
fn run_bac(
    terminal_keys: BacKeys,
    chip_keys: BacKeys,
    rng: &mut TestRng,
) -> Result<(BacResult, BacResult), BacError> {
    let terminal = BacTerminal::new(terminal_keys);
    let get_challenge =
        Command::parse(&terminal.get_challenge_command().to_bytes().unwrap()).unwrap();
    bac::check_get_challenge(&get_challenge)?;
    let chip = BacChip::new(chip_keys).get_challenge(rng);
    let terminal = terminal.authenticate(&chip.rnd_ic(), rng)?;
    let command =
        Command::parse(&terminal.external_authenticate_command().to_bytes().unwrap()).unwrap();
    let data = bac::check_external_authenticate(&command)?;
    let (chip_result, answer) = chip.external_authenticate(data, rng)?;
    let terminal_result = terminal.finish(&Response {
        data: answer.to_vec(),
        sw: SW_SUCCESS,
    })?;
    Ok((terminal_result, chip_result))
}

#[test]
fn terminal_and_chip_agree_on_the_session() {
    let mut rng = TestRng::new("bac agree");
    let mut seen_ssc = Vec::new();
    for number in ["A1234567", "T22000129", "L898902C", "X<<<<<<<<"] {
        let (terminal, chip) = run_bac(keys(number), keys(number), &mut rng).unwrap();
        assert_eq!(terminal.ks_enc, chip.ks_enc);
        assert_eq!(terminal.ks_mac, chip.ks_mac);
        assert_eq!(terminal.ssc, chip.ssc);
        assert_ne!(terminal.ks_enc, terminal.ks_mac);
        for key in [&terminal.ks_enc, &terminal.ks_mac] {
            assert!(key.iter().all(|b| b.count_ones() % 2 == 1), "DES parity");
        }
        seen_ssc.push(terminal.ssc);
    }
    seen_ssc.dedup();
    assert_eq!(seen_ssc.len(), 4, "fresh nonces every run");
}

#[test]
fn wrong_mrz_fails_with_6300_on_the_chip() {
    let mut rng = TestRng::new("bac wrong mrz");
    let error = run_bac(keys("A1234567"), keys("A1234568"), &mut rng).unwrap_err();
    assert_eq!(error, BacError::AuthenticationFailed);
    assert_eq!(error.status_word(), 0x6300);
    assert!(error.to_string().contains("MAC"));
}

#[test]
fn chip_refuses_a_cryptogram_for_another_challenge() {
    let mut rng = TestRng::new("bac replay");
    // The terminal answers an earlier challenge; the chip has drawn a new one.
    let terminal = BacTerminal::new(keys("A1234567"))
        .authenticate(&[0x11; 8], &mut rng)
        .unwrap();
    let chip = BacChip::new(keys("A1234567")).get_challenge_with([0x22; 8]);
    let error = chip
        .external_authenticate(terminal.external_authenticate_data(), &mut rng)
        .unwrap_err();
    assert_eq!(error, BacError::ChallengeMismatch { nonce: "RND.IC" });
    assert_eq!(error.status_word(), 0x6300);
}

#[test]
fn chip_refuses_tampered_or_short_external_authenticate_data() {
    let mut rng = TestRng::new("bac tamper chip");
    let terminal = BacTerminal::new(keys("A1234567"))
        .authenticate(&[0x33; 8], &mut rng)
        .unwrap();
    for index in [0, 31, 32, 39] {
        let mut data = *terminal.external_authenticate_data();
        data[index] ^= 0x01;
        let chip = BacChip::new(keys("A1234567")).get_challenge_with([0x33; 8]);
        assert_eq!(
            chip.external_authenticate(&data, &mut rng).unwrap_err(),
            BacError::AuthenticationFailed,
            "byte {index} flipped"
        );
    }
    let chip = BacChip::new(keys("A1234567")).get_challenge_with([0x33; 8]);
    let error = chip
        .external_authenticate(&terminal.external_authenticate_data()[..39], &mut rng)
        .unwrap_err();
    assert!(matches!(
        error,
        BacError::WrongLength {
            expected: 40,
            actual: 39,
            ..
        }
    ));
    assert_eq!(error.status_word(), 0x6700);
}

#[test]
fn terminal_refuses_tampered_or_foreign_chip_answers() {
    let mut rng = TestRng::new("bac tamper terminal");
    let rnd_ic = [0x44; 8];
    let start = |rng: &mut TestRng| {
        BacTerminal::new(keys("A1234567"))
            .authenticate(&rnd_ic, rng)
            .unwrap()
    };

    // M_IC flipped.
    let terminal = start(&mut rng);
    let chip = BacChip::new(keys("A1234567")).get_challenge_with(rnd_ic);
    let (_, mut answer) = chip
        .external_authenticate(terminal.external_authenticate_data(), &mut rng)
        .unwrap();
    answer[39] ^= 0x80;
    assert_eq!(
        terminal.finish_data(&answer).unwrap_err(),
        BacError::AuthenticationFailed
    );

    // A valid answer, but to another terminal's RND.IFD.
    let other = start(&mut rng);
    let chip = BacChip::new(keys("A1234567")).get_challenge_with(rnd_ic);
    let (_, answer) = chip
        .external_authenticate(other.external_authenticate_data(), &mut rng)
        .unwrap();
    let terminal = start(&mut rng);
    assert_eq!(
        terminal.finish_data(&answer).unwrap_err(),
        BacError::ChallengeMismatch { nonce: "RND.IFD" }
    );

    // The chip said no.
    let terminal = start(&mut rng);
    let refused = Response {
        data: vec![],
        sw: 0x6300,
    };
    assert_eq!(
        terminal.finish(&refused).unwrap_err(),
        BacError::ChipRefused { sw: 0x6300 }
    );

    // RND.IC of the wrong length.
    assert!(matches!(
        BacTerminal::new(keys("A1234567")).authenticate(&[0; 7], &mut rng),
        Err(BacError::WrongLength {
            expected: 8,
            actual: 7,
            ..
        })
    ));
}

#[test]
fn command_headers_are_checked() {
    let good = bac::get_challenge_command();
    assert_eq!(good.to_bytes().unwrap(), vec![0x00, 0x84, 0x00, 0x00, 0x08]);
    assert_eq!(bac::check_get_challenge(&good), Ok(()));
    let mut p1 = good.clone();
    p1.p1 = 0x01;
    assert_eq!(
        bac::check_get_challenge(&p1).unwrap_err().status_word(),
        0x6A86
    );
    let mut le = good.clone();
    le.ne = Some(16);
    assert_eq!(
        bac::check_get_challenge(&le).unwrap_err().status_word(),
        0x6700
    );

    let data = [0x5A; bac::AUTHENTICATION_DATA_LEN];
    let ea = bac::external_authenticate_command(&data);
    assert_eq!(ea.to_bytes().unwrap().len(), 5 + 40 + 1);
    assert_eq!(bac::check_external_authenticate(&ea), Ok(&data));
    let mut le_256 = ea.clone();
    le_256.ne = Some(256);
    assert!(bac::check_external_authenticate(&le_256).is_ok());
    let mut no_le = ea.clone();
    no_le.ne = None;
    assert_eq!(
        bac::check_external_authenticate(&no_le)
            .unwrap_err()
            .status_word(),
        0x6700
    );
    let mut short = ea.clone();
    short.data.pop();
    assert_eq!(
        bac::check_external_authenticate(&short)
            .unwrap_err()
            .status_word(),
        0x6700
    );
    let mut p2 = ea;
    p2.p2 = 0x01;
    assert_eq!(
        bac::check_external_authenticate(&p2)
            .unwrap_err()
            .status_word(),
        0x6A86
    );
}

fn sessions(rng: &mut TestRng) -> (TdesSmSession, TdesSmSession) {
    let (terminal, chip) = run_bac(keys("A1234567"), keys("A1234567"), rng).unwrap();
    (
        TdesSmSession::from_bac(&terminal),
        TdesSmSession::from_bac(&chip),
    )
}

fn command(cla: u8, ins: u8, data_len: usize, ne: Option<usize>) -> Command {
    Command {
        cla,
        ins,
        p1: 0x01,
        p2: 0x02,
        data: (0..data_len).map(|i| (i * 7) as u8).collect(),
        ne,
    }
}

#[test]
fn secure_messaging_round_trips_every_case_both_ways() {
    let mut rng = TestRng::new("bac sm round trip");
    let (mut terminal, mut chip) = sessions(&mut rng);
    let start = u64::from_be_bytes(terminal.ssc());
    let cases = [
        command(0x00, 0xA4, 0, None),         // case 1
        command(0x00, 0xB0, 0, Some(4)),      // case 2
        command(0x00, 0xB0, 0, Some(256)),    // case 2, Le = 00
        command(0x00, 0xD6, 1, None),         // case 3
        command(0x00, 0xD6, 8, None),         // case 3, one full block of data
        command(0x00, 0x22, 15, Some(16)),    // case 4
        command(0x00, 0xCB, 9, Some(256)),    // odd INS: DO'85'
        command(0x00, 0xB1, 0, Some(300)),    // case 2 extended
        command(0x00, 0xD6, 400, None),       // case 3 extended
        command(0x00, 0x2A, 300, Some(1000)), // case 4 extended
    ];
    for (i, plain) in cases.iter().enumerate() {
        let protected = terminal.wrap_command(plain).unwrap();
        assert_eq!(protected.cla, 0x0C);
        let received = Command::parse(&protected.to_bytes().unwrap()).unwrap();
        let (next, unwrapped) = chip.unwrap_command(&received).unwrap();
        chip = next;
        assert_eq!(&unwrapped, plain, "case {i}");

        let answer = Response {
            data: (0..(i * 5)).map(|b| b as u8).collect(),
            sw: if i % 3 == 0 { 0x6282 } else { SW_SUCCESS },
        };
        let protected = chip.wrap_response(&answer).unwrap();
        let (next, unwrapped) = terminal.unwrap_response(&protected).unwrap();
        terminal = next;
        assert_eq!(unwrapped, answer, "response {i}");
    }
    assert_eq!(
        u64::from_be_bytes(terminal.ssc()),
        start + 2 * cases.len() as u64
    );
    assert_eq!(terminal.ssc(), chip.ssc());
}

#[test]
fn tampered_command_mac_is_6988_and_ends_the_session() {
    let mut rng = TestRng::new("bac sm tamper command");
    let (mut terminal, chip) = sessions(&mut rng);
    let protected = terminal
        .wrap_command(&command(0x00, 0xB0, 0, Some(4)))
        .unwrap();
    let mut bytes = protected.to_bytes().unwrap();
    // Last MAC byte sits just before Le.
    let mac_end = bytes.len() - 2;
    bytes[mac_end] ^= 0x01;
    let error = chip
        .unwrap_command(&Command::parse(&bytes).unwrap())
        .unwrap_err();
    assert_eq!(error, SmError::BadMac);
    assert_eq!(error.status_word(), 0x6988);
}

#[test]
fn tampered_response_mac_or_cryptogram_is_refused() {
    let mut rng = TestRng::new("bac sm tamper response");
    for flip in ["cryptogram", "status", "mac"] {
        let (mut terminal, chip) = sessions(&mut rng);
        let protected = terminal
            .wrap_command(&command(0x00, 0xB0, 0, Some(4)))
            .unwrap();
        let (mut chip, _) = chip.unwrap_command(&protected).unwrap();
        let mut response = chip
            .wrap_response(&Response {
                data: vec![1, 2, 3, 4],
                sw: SW_SUCCESS,
            })
            .unwrap();
        // 87 09 01 C(8) | 99 02 90 00 | 8E 08 MAC(8) | 90 00
        let index = match flip {
            "cryptogram" => 3,
            "status" => 13,
            _ => response.len() - 3,
        };
        response[index] ^= 0x01;
        let error = terminal.unwrap_response(&response).unwrap_err();
        assert_eq!(error, SmError::BadMac, "{flip}");
        assert_eq!(error.status_word(), 0x6988);
    }
}

#[test]
fn replayed_command_is_refused() {
    let mut rng = TestRng::new("bac sm replay");
    let (mut terminal, chip) = sessions(&mut rng);
    let protected = terminal
        .wrap_command(&command(0x00, 0xB0, 0, Some(4)))
        .unwrap();
    let (chip, _) = chip.unwrap_command(&protected).unwrap();
    // Same bytes again: the chip's SSC has moved on.
    assert_eq!(
        chip.unwrap_command(&protected).unwrap_err(),
        SmError::BadMac
    );
}

#[test]
fn session_keys_must_be_two_key_3des() {
    assert_eq!(
        TdesSmSession::new(&[1; 24], &[2; 16], [0; 8]).unwrap_err(),
        SmError::KeyLength
    );
    assert_eq!(
        TdesSmSession::new(&[1; 16], &[2; 8], [0; 8]).unwrap_err(),
        SmError::KeyLength
    );
    assert!(TdesSmSession::new(&[1; 16], &[2; 16], [0; 8]).is_ok());
}
