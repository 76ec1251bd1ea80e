//! Chip Authentication v1 over ECDH (ICAO 9303-11 §6.2): DG14 SecurityInfos,
//! the terminal's commands decoded by the chip, equal session keys on both
//! sides for every curve × cipher, the restarted SM session, and refusals.

use card_os::protocol::ca::info::ChipAuthenticationPublicKeyInfo;
use card_os::protocol::ca::messages::general_authenticate_response;
use card_os::protocol::ca::{
    CaCipher, CaCommandData, CaError, CaSecureMessaging, CaTerminal, ChipAuthenticationInfo,
    Dg14, ca_chip_agree, decode_dg14, encode_dg14,
};
use card_os::protocol::aa::ActiveAuthenticationInfo;
use card_os::protocol::sm::Command;
use card_os::protocol::StandardizedDomainParameters;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

/// What the chip does with the terminal's commands: the ephemeral key it
/// receives and the protocol it was told.
fn chip_receives(commands: &[Command]) -> (Option<CaCipher>, Vec<u8>, Option<u32>) {
    let mut cipher = None;
    let mut key = Vec::new();
    let mut key_ref = None;
    for command in commands {
        let data = match (command.ins, command.p2) {
            (0x22, 0xA6) => CaCommandData::decode_mse_set_kat(&command.data).unwrap(),
            (0x22, 0xA4) => CaCommandData::decode_mse_set_at(&command.data).unwrap(),
            (0x86, _) => CaCommandData::decode_general_authenticate(&command.data).unwrap(),
            other => panic!("unexpected command {other:?}"),
        };
        match data {
            CaCommandData::SetKat {
                ephemeral_public_key,
                key_id,
            } => {
                cipher = Some(CaCipher::Tdes);
                key = ephemeral_public_key;
                key_ref = key_id;
            }
            CaCommandData::SetAt { cipher: c, key_id } => {
                cipher = Some(c);
                key_ref = key_id;
            }
            CaCommandData::GeneralAuthenticate {
                ephemeral_public_key,
            } => key = ephemeral_public_key,
        }
    }
    (cipher, key, key_ref)
}

#[test]
fn chip_and_terminal_agree_for_every_curve_and_cipher() {
    let mut rng = StdRng::seed_from_u64(6);
    for domain in StandardizedDomainParameters::ALL {
        for cipher in CaCipher::ALL {
            let static_private = domain.generate_private_key(&mut rng).unwrap();
            let dg14 = Dg14 {
                chip_authentication: vec![ChipAuthenticationInfo {
                    cipher,
                    version: 1,
                    key_id: Some(7),
                }],
                public_keys: vec![ChipAuthenticationPublicKeyInfo {
                    domain,
                    public_key: domain.public_key(&static_private).unwrap(),
                    key_id: Some(7),
                }],
                active_authentication: Some(ActiveAuthenticationInfo::ecdsa_plain_sha384()),
                others: vec![],
            };
            // The terminal works from the decoded DG14 only.
            let read = decode_dg14(&encode_dg14(&dg14)).unwrap();
            assert_eq!(read, dg14);
            let terminal =
                CaTerminal::new(&mut rng, &read.chip_authentication[0], &read.public_keys[0])
                    .unwrap();
            let commands = terminal.commands();
            assert_eq!(commands.len(), if cipher == CaCipher::Tdes { 1 } else { 2 });
            let (told, received_key, key_ref) = chip_receives(&commands);
            assert_eq!(told, Some(cipher));
            assert_eq!(key_ref, Some(7));
            assert_eq!(received_key, terminal.ephemeral_public_key());

            let chip_keys = ca_chip_agree(domain, cipher, &static_private, &received_key).unwrap();
            let terminal_keys = terminal.finish().unwrap();
            assert_eq!(chip_keys.ks_enc, terminal_keys.ks_enc, "{domain:?} {cipher:?}");
            assert_eq!(chip_keys.ks_mac, terminal_keys.ks_mac);
            let expected_len = match cipher {
                CaCipher::Tdes | CaCipher::Aes128 => 16,
                CaCipher::Aes192 => 24,
                CaCipher::Aes256 => 32,
            };
            assert_eq!(chip_keys.ks_enc.len(), expected_len);

            // The new session starts at SSC 0 on both sides and interoperates.
            match (terminal_keys.session().unwrap(), chip_keys.session().unwrap()) {
                (CaSecureMessaging::Aes(mut t), CaSecureMessaging::Aes(c)) => {
                    assert_eq!(t.ssc(), [0; 16]);
                    let plain = Command {
                        cla: 0x00,
                        ins: 0xB0,
                        p1: 0x81,
                        p2: 0x00,
                        data: vec![],
                        ne: Some(4),
                    };
                    let protected = t.wrap_command(&plain).unwrap();
                    let (_, unwrapped) = c.unwrap_command(&protected).unwrap();
                    assert_eq!(unwrapped, plain);
                }
                (CaSecureMessaging::Tdes(t), CaSecureMessaging::Tdes(_)) => {
                    assert_eq!(cipher, CaCipher::Tdes);
                    assert_eq!(t.ssc(), [0; 8]);
                }
                _ => panic!("sessions of different kinds"),
            }
        }
    }
}

#[test]
fn security_infos_match_tr03110_encodings() {
    // ChipAuthenticationInfo { id-CA-ECDH-AES-CBC-CMAC-128, 1 }
    let info = ChipAuthenticationInfo {
        cipher: CaCipher::Aes128,
        version: 1,
        key_id: None,
    };
    assert_eq!(info.encode(), h("300F 060A04007F00070202030202 020101"));
    assert_eq!(
        CaCipher::Tdes.oid().to_der_content(),
        h("04007F00070202030201")
    );
    assert_eq!(
        CaCipher::Aes256.oid().to_der_content(),
        h("04007F00070202030204")
    );
    // TR-03110 form of the public key: { id-PK-ECDH, { { id-PK-ECDH, INTEGER 13 }, BIT STRING } }.
    let mut rng = StdRng::seed_from_u64(3);
    let domain = StandardizedDomainParameters::BrainpoolP256r1;
    let point = domain.public_key(&domain.generate_private_key(&mut rng).unwrap()).unwrap();
    let mut spki = h("300E 060904007F000702020102 02010D 034200");
    spki.extend_from_slice(&point);
    let mut info = h("060904007F000702020102");
    info.extend_from_slice(&[0x30, spki.len() as u8]);
    info.extend_from_slice(&spki);
    let mut sequence = vec![0x30, 0x81, info.len() as u8];
    sequence.extend_from_slice(&info);
    let mut set = vec![0x31, 0x81, sequence.len() as u8];
    set.extend_from_slice(&sequence);
    let dg14 = decode_dg14(&set).unwrap();
    assert_eq!(dg14.public_keys[0].domain, domain);
    assert_eq!(dg14.public_keys[0].public_key, point);
    // Unknown SecurityInfos (here a PACEInfo) are kept raw.
    let pace_info = h("3012 060A04007F00070202040202 020102 02010D");
    let with_pace = decode_dg14(&[&h("6E16 3114")[..], &pace_info[..]].concat()).unwrap();
    assert_eq!(with_pace.others, vec![pace_info]);
}

#[test]
fn refusals() {
    let mut rng = StdRng::seed_from_u64(9);
    let domain = StandardizedDomainParameters::NistP384;
    let static_private = domain.generate_private_key(&mut rng).unwrap();
    let static_public = domain.public_key(&static_private).unwrap();
    // Reflection of the chip's own key.
    assert_eq!(
        ca_chip_agree(domain, CaCipher::Aes256, &static_private, &static_public).unwrap_err(),
        CaError::ReflectedKey
    );
    // A point off the curve.
    let mut off_curve = static_public.clone();
    off_curve[10] ^= 1;
    assert!(matches!(
        ca_chip_agree(domain, CaCipher::Aes256, &static_private, &off_curve),
        Err(CaError::Key(_))
    ));
    // id-CA-DH-AES-CBC-CMAC-128 is not ours.
    assert_eq!(
        CaCommandData::decode_mse_set_at(&h("800A04007F00070202030102")),
        Err(CaError::UnsupportedProtocol)
    );
    assert!(CaCommandData::decode_mse_set_kat(&h("840101")).is_err(), "91 missing");
    assert!(CaCommandData::decode_mse_set_kat(&h("910100 910100")).is_err(), "duplicate");
    assert!(CaCommandData::decode_general_authenticate(&h("7C00")).is_err());
    assert!(CaCommandData::decode_general_authenticate(&h("7C03 810100")).is_err());
    assert_eq!(general_authenticate_response(), h("7C00"));
    // Key ids that disagree between the two infos.
    let info = ChipAuthenticationInfo {
        cipher: CaCipher::Aes128,
        version: 1,
        key_id: Some(1),
    };
    let key = ChipAuthenticationPublicKeyInfo {
        domain,
        public_key: static_public,
        key_id: Some(2),
    };
    assert!(CaTerminal::new(&mut rng, &info, &key).is_err());
    assert!(decode_dg14(&h("6E03 310130")).is_err());
}
