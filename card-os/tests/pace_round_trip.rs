//! PACE between the chip and the terminal state machines for every supported
//! curve × AES key length × password type, then secure messaging on the
//! result; and the failures PACE must detect.

mod pace_support;

use card_os::protocol::pace::{
    DynamicAuthenticationData, GaTag, PaceChip, PaceCipher, PaceError, PaceProtocol, PaceResult,
    PaceTerminal, StandardizedDomainParameters,
};
use card_os::protocol::sm::{Command, Response};
use card_os::protocol::{PacePassword, PaceSecret, SmSession};
use pace_support::TestRng;

fn secret(password: PacePassword, variant: &str) -> PaceSecret {
    match password {
        PacePassword::Mrz => {
            PaceSecret::mrz(&format!("A{variant}0000"), "900101", "350101").unwrap()
        }
        PacePassword::Can => PaceSecret::from_text(password, &format!("12345{variant}")).unwrap(),
        PacePassword::Pin => PaceSecret::from_text(password, &format!("90210{variant}")).unwrap(),
        PacePassword::Puk => PaceSecret::from_text(password, &format!("Unblock{variant}")).unwrap(),
    }
}

/// Run all four GENERAL AUTHENTICATE steps through their encoded data objects,
/// as the APDUs would carry them.
fn run_pace(
    protocol: PaceProtocol,
    domain: StandardizedDomainParameters,
    chip_secret: &PaceSecret,
    terminal_secret: &PaceSecret,
    label: &str,
) -> Result<(PaceResult, PaceResult), PaceError> {
    let mut chip_rng = TestRng::new(&format!("chip {label}"));
    let mut terminal_rng = TestRng::new(&format!("terminal {label}"));
    let chip = PaceChip::new(protocol, domain, chip_secret);
    let terminal = PaceTerminal::new(protocol, domain, terminal_secret);

    let (chip, z) = chip.encrypt_nonce(&mut chip_rng)?;
    let r1 = DynamicAuthenticationData::single(GaTag::EncryptedNonce, &z).encode();

    let z = DynamicAuthenticationData::decode(&r1)?
        .only(GaTag::EncryptedNonce)?
        .to_vec();
    let (terminal, map_pcd) = terminal.decrypt_nonce(&mut terminal_rng, &z)?;
    let c2 = DynamicAuthenticationData::single(GaTag::MappingDataPcd, &map_pcd).encode();
    let (chip, map_picc) = chip.map_nonce(
        &mut chip_rng,
        DynamicAuthenticationData::decode(&c2)?.only(GaTag::MappingDataPcd)?,
    )?;
    let r2 = DynamicAuthenticationData::single(GaTag::MappingDataPicc, &map_picc).encode();

    let (terminal, pk_pcd) = terminal.map_nonce(
        &mut terminal_rng,
        DynamicAuthenticationData::decode(&r2)?.only(GaTag::MappingDataPicc)?,
    )?;
    let c3 = DynamicAuthenticationData::single(GaTag::EphemeralPublicKeyPcd, &pk_pcd).encode();
    let (chip, pk_picc) = chip.agree_keys(
        &mut chip_rng,
        DynamicAuthenticationData::decode(&c3)?.only(GaTag::EphemeralPublicKeyPcd)?,
    )?;
    let r3 = DynamicAuthenticationData::single(GaTag::EphemeralPublicKeyPicc, &pk_picc).encode();

    let (terminal, t_pcd) = terminal
        .agree_keys(DynamicAuthenticationData::decode(&r3)?.only(GaTag::EphemeralPublicKeyPicc)?)?;
    let c4 = DynamicAuthenticationData::single(GaTag::AuthenticationTokenPcd, &t_pcd).encode();
    let (chip_result, t_picc) = chip.authenticate(
        DynamicAuthenticationData::decode(&c4)?.only(GaTag::AuthenticationTokenPcd)?,
    )?;
    let r4 = DynamicAuthenticationData::single(GaTag::AuthenticationTokenPicc, &t_picc).encode();
    let terminal_result = terminal.authenticate(
        DynamicAuthenticationData::decode(&r4)?
            .get(GaTag::AuthenticationTokenPicc)
            .unwrap_or(&[]),
    )?;
    Ok((chip_result, terminal_result))
}

#[test]
fn every_curve_cipher_and_password_agrees_and_sets_up_secure_messaging() {
    let passwords = [
        PacePassword::Mrz,
        PacePassword::Can,
        PacePassword::Pin,
        PacePassword::Puk,
    ];
    for domain in StandardizedDomainParameters::ALL {
        for cipher in PaceCipher::ALL {
            let protocol = PaceProtocol::for_cipher(cipher);
            for password in passwords {
                let label = format!("{domain:?} {cipher:?} {password:?}");
                let s = secret(password, "1");
                let (chip, terminal) = run_pace(protocol, domain, &s, &s, &label)
                    .unwrap_or_else(|e| panic!("{label}: {e}"));
                assert_eq!(chip.ks_enc.len(), cipher.key_len(), "{label}");
                assert_eq!(&chip.ks_enc[..], &terminal.ks_enc[..], "{label}");
                assert_eq!(&chip.ks_mac[..], &terminal.ks_mac[..], "{label}");
                assert_ne!(&chip.ks_enc[..], &chip.ks_mac[..], "{label}");
                assert_eq!(chip.id_picc, terminal.id_picc, "{label}");
                assert_eq!(chip.id_picc.len(), domain.field_size(), "{label}");
                assert_eq!(chip.chip_public_key.len(), domain.point_size(), "{label}");
                assert_eq!(
                    (chip.password, terminal.password),
                    (password, password),
                    "{label}"
                );
                assert_eq!(
                    (chip.protocol, chip.domain_parameters),
                    (protocol, domain),
                    "{label}"
                );

                // One protected exchange on the fresh keys.
                let mut terminal_sm = SmSession::from_pace(&terminal).unwrap();
                let card_sm = SmSession::from_pace(&chip).unwrap();
                let select = Command {
                    cla: 0x00,
                    ins: 0xA4,
                    p1: 0x02,
                    p2: 0x0C,
                    data: vec![0x01, 0x1C],
                    ne: None,
                };
                let wrapped = terminal_sm.wrap_command(&select).unwrap();
                let (mut card_sm, plain) = card_sm.unwrap_command(&wrapped).unwrap();
                assert_eq!(plain, select, "{label}");
                let answer = card_sm
                    .wrap_response(&Response {
                        data: vec![0x31, 0x00],
                        sw: 0x9000,
                    })
                    .unwrap();
                let (_, response) = terminal_sm.unwrap_response(&answer).unwrap();
                assert_eq!(
                    response,
                    Response {
                        data: vec![0x31, 0x00],
                        sw: 0x9000
                    },
                    "{label}"
                );
            }
        }
    }
}

#[test]
fn wrong_password_is_caught_by_the_chip_token_check() {
    for domain in StandardizedDomainParameters::ALL {
        for password in [
            PacePassword::Mrz,
            PacePassword::Can,
            PacePassword::Pin,
            PacePassword::Puk,
        ] {
            let label = format!("{domain:?} {password:?}");
            let result = run_pace(
                PaceProtocol::EcdhGmAesCbcCmac256,
                domain,
                &secret(password, "1"),
                &secret(password, "2"),
                &label,
            );
            assert_eq!(result.err(), Some(PaceError::TokenMismatch), "{label}");
            assert_eq!(PaceError::TokenMismatch.status_word(), 0x6300);
        }
    }
}

#[test]
fn chip_refuses_reflected_invalid_and_identity_keys() {
    let domain = StandardizedDomainParameters::NistP384;
    let protocol = PaceProtocol::EcdhGmAesCbcCmac256;
    let s = secret(PacePassword::Can, "1");
    let mut rng = TestRng::new("refusals");

    // Mapping key not on the curve: flip a bit of y.
    let (chip, _) = PaceChip::new(protocol, domain, &s)
        .encrypt_nonce(&mut rng)
        .unwrap();
    let mut bad = domain
        .public_key(&domain.generate_private_key(&mut rng).unwrap())
        .unwrap();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert_eq!(
        chip.map_nonce(&mut rng, &bad).err(),
        Some(PaceError::InvalidPublicKey)
    );

    // Compressed and identity encodings are refused too.
    let good = domain
        .public_key(&domain.generate_private_key(&mut rng).unwrap())
        .unwrap();
    let mut compressed = vec![0x02 | (good[good.len() - 1] & 1)];
    compressed.extend_from_slice(&good[1..1 + domain.field_size()]);
    assert_eq!(
        domain.check_public_key(&compressed),
        Err(PaceError::InvalidPublicKey)
    );
    assert_eq!(
        domain.check_public_key(&[0x00]),
        Err(PaceError::InvalidPublicKey)
    );
    assert_eq!(
        domain.check_public_key(&good[..good.len() - 1]),
        Err(PaceError::InvalidPublicKey)
    );
    assert_eq!(
        domain.check_private_key(&[0u8; 48]),
        Err(PaceError::InvalidPrivateKey)
    );
    assert_eq!(
        domain.check_private_key(&[0xFFu8; 48]),
        Err(PaceError::InvalidPrivateKey),
        "≥ n"
    );

    // Reflection: the terminal sends back the chip's own ephemeral key. The
    // chip's key is SK_PICC·Ĝ; replay its random generator to learn it.
    let run = |reflect: bool| -> Result<(), PaceError> {
        let mut chip_rng = TestRng::new("reflect chip");
        let mut terminal_rng = TestRng::new("reflect terminal");
        let (chip, z) = PaceChip::new(protocol, domain, &s).encrypt_nonce(&mut chip_rng)?;
        let (terminal, map_pcd) =
            PaceTerminal::new(protocol, domain, &s).decrypt_nonce(&mut terminal_rng, &z)?;
        let (chip, map_picc) = chip.map_nonce(&mut chip_rng, &map_pcd)?;
        let (_, pk_pcd) = terminal.map_nonce(&mut terminal_rng, &map_picc)?;
        if !reflect {
            return chip.agree_keys(&mut chip_rng, &pk_pcd).map(|_| ());
        }
        // Learn PK_PICC from an identical replayed run, then reflect it.
        let mut probe_rng = TestRng::new("reflect chip");
        let (probe, _z) = PaceChip::new(protocol, domain, &s).encrypt_nonce(&mut probe_rng)?;
        let (probe, _) = probe.map_nonce(&mut probe_rng, &map_pcd)?;
        let (_, pk_picc) = probe.agree_keys(&mut probe_rng, &pk_pcd)?;
        chip.agree_keys(&mut chip_rng, &pk_picc).map(|_| ())
    };
    assert_eq!(run(false), Ok(()));
    assert_eq!(run(true), Err(PaceError::EqualEphemeralKeys));

    // A wrong-length encrypted nonce.
    let terminal = PaceTerminal::new(protocol, domain, &s);
    assert_eq!(
        terminal.decrypt_nonce(&mut rng, &[0u8; 15]).err(),
        Some(PaceError::NonceLength)
    );

    // A token of the wrong length never verifies.
    let s2 = secret(PacePassword::Can, "1");
    let mut c_rng = TestRng::new("short token chip");
    let mut t_rng = TestRng::new("short token terminal");
    let (chip, z) = PaceChip::new(protocol, domain, &s2)
        .encrypt_nonce(&mut c_rng)
        .unwrap();
    let (terminal, m) = PaceTerminal::new(protocol, domain, &s2)
        .decrypt_nonce(&mut t_rng, &z)
        .unwrap();
    let (chip, mp) = chip.map_nonce(&mut c_rng, &m).unwrap();
    let (terminal, pk) = terminal.map_nonce(&mut t_rng, &mp).unwrap();
    let (chip, pkp) = chip.agree_keys(&mut c_rng, &pk).unwrap();
    let (_, token) = terminal.agree_keys(&pkp).unwrap();
    assert_eq!(
        chip.authenticate(&token[..7]).err(),
        Some(PaceError::TokenMismatch)
    );
}

#[test]
fn unsupported_domain_parameters_are_named() {
    assert_eq!(
        StandardizedDomainParameters::from_id(14),
        Err(PaceError::UnsupportedDomainParameters { id: 14 })
    );
    assert!(
        PaceError::UnsupportedDomainParameters { id: 14 }
            .to_string()
            .contains("14")
    );
    for p in StandardizedDomainParameters::ALL {
        assert_eq!(StandardizedDomainParameters::from_id(p.id()), Ok(p));
    }
}
