//! AES secure messaging (ICAO 9303-11 §9.8): a protected command and response
//! rebuilt step by step from the clause with the AES primitives, round trips
//! in both directions for every APDU case, and every error the chip must turn
//! into 6987 / 6988.
//!
//! ICAO 9303-11 publishes an SM worked example only for 3DES (Appendix D.4);
//! the AES reference here follows §9.8.6 literally, on the session keys of the
//! PACE worked example (Appendix G.1).

mod pace_support;

use card_os::protocol::SmSession;
use card_os::protocol::sm::{Command, Response, SmError};
use card_os::protocol::symmetric::{cbc_encrypt, cmac, encrypt_block, padded};
use pace_support::hex;

const KS_ENC: &str = "F5F0E35C 0D7161EE 6724EE51 3A0D9A7F";
const KS_MAC: &str = "FE251C78 58B356B2 4514B3BD 5F4297D1";

fn sessions() -> (SmSession, SmSession) {
    let terminal = SmSession::new(&hex(KS_ENC), &hex(KS_MAC)).unwrap();
    let card = SmSession::new(&hex(KS_ENC), &hex(KS_MAC)).unwrap();
    (terminal, card)
}

fn ssc(n: u128) -> [u8; 16] {
    n.to_be_bytes()
}

/// ICAO 9303-11 §9.8.6.1 by hand: IV = E(KS_enc, SSC); DO'87' = 87 L 01‖E(pad(data));
/// DO'97'; MAC = CMAC(pad(SSC‖pad(header)‖DOs)) truncated to 8.
fn reference_command(counter: u128, header: [u8; 4], data: &[u8], le: Option<&[u8]>) -> Vec<u8> {
    let (k_enc, k_mac) = (hex(KS_ENC), hex(KS_MAC));
    let mut iv = ssc(counter);
    encrypt_block(&k_enc, &mut iv).unwrap();
    let mut dos = Vec::new();
    if !data.is_empty() {
        let mut c = padded(data);
        cbc_encrypt(&k_enc, &iv, &mut c).unwrap();
        dos.push(0x87);
        dos.push((c.len() + 1) as u8);
        dos.push(0x01);
        dos.extend_from_slice(&c);
    }
    if let Some(le) = le {
        dos.push(0x97);
        dos.push(le.len() as u8);
        dos.extend_from_slice(le);
    }
    let mut cla_header = header;
    cla_header[0] |= 0x0C;
    let mut n = ssc(counter).to_vec();
    n.extend_from_slice(&padded(&cla_header));
    n.extend_from_slice(&dos);
    let mac = cmac(&k_mac, &[&padded(&n)]).unwrap();
    dos.extend_from_slice(&[0x8E, 0x08]);
    dos.extend_from_slice(&mac[..8]);
    let mut apdu = cla_header.to_vec();
    apdu.push(dos.len() as u8);
    apdu.extend_from_slice(&dos);
    apdu.push(0x00);
    apdu
}

/// §9.8.6.2 by hand: [DO'87'] DO'99' DO'8E' SW.
fn reference_response(counter: u128, data: &[u8], sw: [u8; 2]) -> Vec<u8> {
    let (k_enc, k_mac) = (hex(KS_ENC), hex(KS_MAC));
    let mut iv = ssc(counter);
    encrypt_block(&k_enc, &mut iv).unwrap();
    let mut dos = Vec::new();
    if !data.is_empty() {
        let mut c = padded(data);
        cbc_encrypt(&k_enc, &iv, &mut c).unwrap();
        dos.push(0x87);
        dos.push((c.len() + 1) as u8);
        dos.push(0x01);
        dos.extend_from_slice(&c);
    }
    dos.extend_from_slice(&[0x99, 0x02, sw[0], sw[1]]);
    let mut n = ssc(counter).to_vec();
    n.extend_from_slice(&dos);
    let mac = cmac(&k_mac, &[&padded(&n)]).unwrap();
    dos.extend_from_slice(&[0x8E, 0x08]);
    dos.extend_from_slice(&mac[..8]);
    dos.extend_from_slice(&sw);
    dos
}

#[test]
fn wrap_matches_the_clause_built_by_hand() {
    let (mut terminal, card) = sessions();
    // SELECT EF.CardSecurity (SSC 1), READ BINARY 256 (SSC 3).
    let select = Command {
        cla: 0x00,
        ins: 0xA4,
        p1: 0x02,
        p2: 0x0C,
        data: hex("011D"),
        ne: None,
    };
    let wrapped = terminal.wrap_command(&select).unwrap();
    assert_eq!(
        wrapped.to_bytes().unwrap(),
        reference_command(1, [0x00, 0xA4, 0x02, 0x0C], &hex("011D"), None)
    );
    assert_eq!(terminal.ssc(), ssc(1));

    let (mut card, plain) = card.unwrap_command(&wrapped).unwrap();
    assert_eq!(plain, select);
    let answer = card
        .wrap_response(&Response {
            data: vec![],
            sw: 0x9000,
        })
        .unwrap();
    assert_eq!(answer, reference_response(2, &[], [0x90, 0x00]));
    let (mut terminal, r) = terminal.unwrap_response(&answer).unwrap();
    assert_eq!(
        r,
        Response {
            data: vec![],
            sw: 0x9000
        }
    );

    let read = Command {
        cla: 0x00,
        ins: 0xB0,
        p1: 0x00,
        p2: 0x00,
        data: vec![],
        ne: Some(256),
    };
    let wrapped = terminal.wrap_command(&read).unwrap();
    assert_eq!(
        wrapped.to_bytes().unwrap(),
        reference_command(3, [0x00, 0xB0, 0x00, 0x00], &[], Some(&[0x00]))
    );
    let (mut card, plain) = card.unwrap_command(&wrapped).unwrap();
    assert_eq!(plain, read);
    let content: Vec<u8> = (0..=255u8).collect();
    let answer = card
        .wrap_response(&Response {
            data: content.clone(),
            sw: 0x9000,
        })
        .unwrap();
    assert_eq!(
        answer[..3],
        [0x87, 0x82, 0x01],
        "256 bytes pad to 272: DO'87' length 273 in 82 form"
    );
    let (_, r) = terminal.unwrap_response(&answer).unwrap();
    assert_eq!(r.data, content);
    assert_eq!(card.ssc(), ssc(4));
}

#[test]
fn round_trips_every_apdu_case_both_ways() {
    let (mut terminal, mut card) = sessions();
    let cases = [
        Command {
            cla: 0x00,
            ins: 0x84,
            p1: 0,
            p2: 0,
            data: vec![],
            ne: None,
        },
        Command {
            cla: 0x00,
            ins: 0xB0,
            p1: 0x81,
            p2: 0,
            data: vec![],
            ne: Some(1),
        },
        Command {
            cla: 0x00,
            ins: 0xB0,
            p1: 0,
            p2: 0,
            data: vec![],
            ne: Some(256),
        },
        Command {
            cla: 0x00,
            ins: 0xB0,
            p1: 0,
            p2: 0,
            data: vec![],
            ne: Some(257),
        },
        Command {
            cla: 0x00,
            ins: 0xB0,
            p1: 0,
            p2: 0,
            data: vec![],
            ne: Some(65536),
        },
        Command {
            cla: 0x00,
            ins: 0xD6,
            p1: 0,
            p2: 0,
            data: vec![0x55; 15],
            ne: None,
        },
        Command {
            cla: 0x00,
            ins: 0xD6,
            p1: 0,
            p2: 0,
            data: vec![0x55; 16],
            ne: None,
        },
        Command {
            cla: 0x00,
            ins: 0xD6,
            p1: 0,
            p2: 0,
            data: vec![0xAA; 1000],
            ne: None,
        },
        Command {
            cla: 0x10,
            ins: 0x2A,
            p1: 0x9E,
            p2: 0x9A,
            data: vec![7; 32],
            ne: Some(256),
        },
        Command {
            cla: 0x00,
            ins: 0xB1,
            p1: 0x01,
            p2: 0x1D,
            data: hex("5402 0000"),
            ne: Some(65536),
        },
        Command {
            cla: 0x00,
            ins: 0x22,
            p1: 0x81,
            p2: 0xB6,
            data: vec![0x83, 0x01, 0x01],
            ne: None,
        },
    ];
    for (i, plain) in cases.iter().enumerate() {
        let protected = terminal.wrap_command(plain).unwrap();
        assert_eq!(protected.cla & 0x0C, 0x0C);
        // Through the wire and back, as the card's APDU parser would see it.
        let bytes = protected.to_bytes().unwrap();
        let parsed = Command::parse(&bytes).unwrap();
        assert_eq!(parsed, protected, "case {i}");
        let extended = protected.data.len() > 255 || plain.ne.is_some_and(|ne| ne > 256);
        assert_eq!(
            parsed.ne,
            Some(if extended { 65536 } else { 256 }),
            "case {i}: Le' = 00 or 0000"
        );
        if plain.ins & 1 == 1 && !plain.data.is_empty() {
            assert_eq!(protected.data[0], 0x85, "odd INS uses DO'85'");
        }
        let (c, unwrapped) = card.unwrap_command(&parsed).unwrap();
        card = c;
        assert_eq!(&unwrapped, plain, "case {i}");

        let reply = Response {
            data: vec![i as u8; i * 37],
            sw: if i % 2 == 0 { 0x9000 } else { 0x6282 },
        };
        let wire = card.wrap_response(&reply).unwrap();
        let (t, back) = terminal.unwrap_response(&wire).unwrap();
        terminal = t;
        assert_eq!(back, reply, "case {i}");
    }
    assert_eq!(terminal.ssc(), ssc(2 * cases.len() as u128));
    assert_eq!(card.ssc(), terminal.ssc());
}

#[test]
fn tampered_mac_is_6988_and_ends_the_session() {
    let (mut terminal, card) = sessions();
    let mut protected = terminal
        .wrap_command(&Command {
            cla: 0,
            ins: 0xB0,
            p1: 0,
            p2: 0,
            data: vec![],
            ne: Some(4),
        })
        .unwrap();
    let last = protected.data.len() - 1;
    protected.data[last] ^= 0x01;
    let err = card.unwrap_command(&protected).unwrap_err();
    assert_eq!(err, SmError::BadMac);
    assert_eq!(err.status_word(), 0x6988);
    // `card` was consumed: the type system ends the session here.

    // Tampering with the header is caught by the MAC too.
    let (mut terminal, card) = sessions();
    let mut protected = terminal
        .wrap_command(&Command {
            cla: 0,
            ins: 0xB0,
            p1: 0,
            p2: 0,
            data: vec![],
            ne: Some(4),
        })
        .unwrap();
    protected.p2 = 0x10;
    assert_eq!(
        card.unwrap_command(&protected).unwrap_err().status_word(),
        0x6988
    );
}

#[test]
fn missing_mac_is_6987() {
    let (mut terminal, card) = sessions();
    let mut protected = terminal
        .wrap_command(&Command {
            cla: 0,
            ins: 0xD6,
            p1: 0,
            p2: 0,
            data: vec![1, 2, 3],
            ne: None,
        })
        .unwrap();
    protected.data.truncate(protected.data.len() - 10); // drop 8E 08 ‖ MAC
    let err = card.unwrap_command(&protected).unwrap_err();
    assert_eq!(
        err,
        SmError::MissingDataObject {
            object: "DO'8E' (MAC)"
        }
    );
    assert_eq!(err.status_word(), 0x6987);

    let (_, card) = sessions();
    let plain = Command {
        cla: 0,
        ins: 0xB0,
        p1: 0,
        p2: 0,
        data: vec![],
        ne: Some(4),
    };
    assert_eq!(
        card.unwrap_command(&plain).unwrap_err().status_word(),
        0x6987,
        "plain APDU during SM"
    );
}

#[test]
fn replayed_command_is_6988() {
    let (mut terminal, card) = sessions();
    let first = terminal
        .wrap_command(&Command {
            cla: 0,
            ins: 0xB0,
            p1: 0,
            p2: 0,
            data: vec![],
            ne: Some(8),
        })
        .unwrap();
    let (mut card, _) = card.unwrap_command(&first).unwrap();
    let response = card
        .wrap_response(&Response {
            data: vec![9; 8],
            sw: 0x9000,
        })
        .unwrap();
    // Replay the same APDU: the card's SSC has moved on.
    let err = card.unwrap_command(&first).unwrap_err();
    assert_eq!((err, err.status_word()), (SmError::BadMac, 0x6988));
    // A replayed response is refused by the terminal the same way.
    let (terminal, _) = terminal.unwrap_response(&response).unwrap();
    assert_eq!(
        terminal.unwrap_response(&response).unwrap_err(),
        SmError::BadMac
    );
}

#[test]
fn malformed_data_objects_are_6988() {
    let k = |tag_data: &[u8], ins: u8| -> SmError {
        // A command whose MAC is right but whose DOs are not: build it by hand.
        let (k_mac, header) = (hex(KS_MAC), [0x0C, ins, 0, 0]);
        let mut n = ssc(1).to_vec();
        n.extend_from_slice(&padded(&header));
        n.extend_from_slice(tag_data);
        let mac = cmac(&k_mac, &[&padded(&n)]).unwrap();
        let mut data = tag_data.to_vec();
        data.extend_from_slice(&[0x8E, 0x08]);
        data.extend_from_slice(&mac[..8]);
        let (_, card) = sessions();
        card.unwrap_command(&Command {
            cla: 0x0C,
            ins,
            p1: 0,
            p2: 0,
            data,
            ne: Some(256),
        })
        .unwrap_err()
    };
    // DO'97' before DO'87' (wrong order).
    let e = k(
        &hex("970100 8711 01 00000000000000000000000000000000"),
        0xD6,
    );
    assert!(matches!(e, SmError::MalformedDataObject { .. }), "{e:?}");
    // DO'87' without the padding indicator.
    let e = k(&hex("8711 02 00000000000000000000000000000000"), 0xD6);
    assert!(matches!(e, SmError::MalformedDataObject { .. }), "{e:?}");
    // DO'87' on an odd INS.
    let e = k(&hex("8711 01 00000000000000000000000000000000"), 0xB1);
    assert!(matches!(e, SmError::MalformedDataObject { .. }), "{e:?}");
    // Cryptogram not block aligned.
    let e = k(&hex("8705 01 00000000"), 0xD6);
    assert!(matches!(e, SmError::MalformedDataObject { .. }), "{e:?}");
    // A cryptogram that decrypts to garbage: correct MAC, bad padding.
    let e = k(&hex("8711 01 00000000000000000000000000000000"), 0xD6);
    assert_eq!(e, SmError::BadPadding);
    // DO'97' of three bytes.
    let e = k(&hex("9703 000100"), 0xB0);
    assert!(matches!(e, SmError::MalformedDataObject { .. }), "{e:?}");
    // Unknown DO'81'.
    let e = k(&hex("8101 00"), 0xB0);
    assert!(matches!(e, SmError::MalformedDataObject { .. }), "{e:?}");
    for e in [SmError::BadPadding, SmError::BadMac] {
        assert_eq!(e.status_word(), 0x6988);
    }
}

#[test]
fn terminal_rejects_bad_responses() {
    let (terminal, _) = sessions();
    assert_eq!(
        terminal.unwrap_response(&hex("6987")).unwrap_err(),
        SmError::Unprotected { sw: 0x6987 }
    );
    let (terminal, _) = sessions();
    assert!(terminal.unwrap_response(&hex("90")).is_err());
    // DO'99' missing (only 8E).
    let (terminal, _) = sessions();
    let e = terminal
        .unwrap_response(&hex("8E08 0102030405060708 9000"))
        .unwrap_err();
    assert_eq!(
        e,
        SmError::MissingDataObject {
            object: "DO'99' (status)"
        }
    );
    // Tampered response status.
    let (terminal, mut card) = sessions();
    let mut r = card
        .wrap_response(&Response {
            data: vec![1, 2, 3],
            sw: 0x9000,
        })
        .unwrap();
    let sw_index = r.len() - 2 - 10 - 2; // the SW2 inside DO'99'
    r[sw_index] ^= 0x01;
    assert_eq!(terminal.unwrap_response(&r).unwrap_err(), SmError::BadMac);
}

#[test]
fn keys_must_be_aes_keys_of_one_length() {
    assert_eq!(
        SmSession::new(&[0; 16], &[0; 32]).unwrap_err(),
        SmError::KeyLength
    );
    assert_eq!(
        SmSession::new(&[0; 8], &[0; 8]).unwrap_err(),
        SmError::KeyLength
    );
    for len in [16, 24, 32] {
        assert!(SmSession::new(&vec![1; len], &vec![2; len]).is_ok());
    }
}

#[test]
fn command_codec_handles_short_and_extended_lengths() {
    let cases = [
        (
            "00A4040C",
            Command {
                cla: 0,
                ins: 0xA4,
                p1: 4,
                p2: 0x0C,
                data: vec![],
                ne: None,
            },
        ),
        (
            "00B0000000",
            Command {
                cla: 0,
                ins: 0xB0,
                p1: 0,
                p2: 0,
                data: vec![],
                ne: Some(256),
            },
        ),
        (
            "00B00000000000",
            Command {
                cla: 0,
                ins: 0xB0,
                p1: 0,
                p2: 0,
                data: vec![],
                ne: Some(65536),
            },
        ),
        (
            "00B00000000101",
            Command {
                cla: 0,
                ins: 0xB0,
                p1: 0,
                p2: 0,
                data: vec![],
                ne: Some(257),
            },
        ),
        (
            "00D6000002AABB",
            Command {
                cla: 0,
                ins: 0xD6,
                p1: 0,
                p2: 0,
                data: vec![0xAA, 0xBB],
                ne: None,
            },
        ),
        (
            "00D6000002AABB10",
            Command {
                cla: 0,
                ins: 0xD6,
                p1: 0,
                p2: 0,
                data: vec![0xAA, 0xBB],
                ne: Some(16),
            },
        ),
    ];
    for (bytes, command) in cases {
        assert_eq!(command.to_bytes().unwrap(), hex(bytes), "{bytes}");
        assert_eq!(Command::parse(&hex(bytes)).unwrap(), command, "{bytes}");
    }
    let long = Command {
        cla: 0,
        ins: 0xD6,
        p1: 0,
        p2: 0,
        data: vec![1; 300],
        ne: Some(256),
    };
    let encoded = long.to_bytes().unwrap();
    assert_eq!(&encoded[4..7], &[0x00, 0x01, 0x2C]);
    assert_eq!(
        &encoded[encoded.len() - 2..],
        &[0x01, 0x00],
        "Le 256 in two bytes"
    );
    assert_eq!(Command::parse(&encoded).unwrap(), long);
    for bad in [
        "00B0",
        "00D6000003AABB",
        "00D6000002AABB1011",
        "00D6000000000000",
    ] {
        assert!(Command::parse(&hex(bad)).is_err(), "{bad}");
    }
}

mod malformed_input_never_panics {
    use super::*;
    use card_os::protocol::pace::{
        DynamicAuthenticationData, MseSetAt, PaceCipher, StandardizedDomainParameters,
        decode_card_access, decrypt_nonce,
    };
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decoders_return_errors(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = Command::parse(&bytes);
            let _ = Response::parse(&bytes);
            let _ = DynamicAuthenticationData::decode(&bytes);
            let _ = MseSetAt::decode(&bytes);
            let _ = decode_card_access(&bytes);
            let _ = decrypt_nonce(&[0; 16], &bytes);
            for p in StandardizedDomainParameters::ALL {
                let _ = p.check_public_key(&bytes);
                let _ = p.check_private_key(&bytes);
                let _ = p.map_generator(&bytes, &bytes);
            }
            let _ = PaceCipher::from_key_len(bytes.len());
        }

        #[test]
        fn unwrapping_garbage_returns_errors(cla in any::<u8>(), ins in any::<u8>(),
                                             data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let (terminal, card) = sessions();
            let command = Command { cla: cla | 0x0C, ins, p1: 0, p2: 0, data: data.clone(), ne: Some(256) };
            prop_assert!(card.unwrap_command(&command).is_err());
            let _ = terminal.unwrap_response(&data);
        }
    }
}
