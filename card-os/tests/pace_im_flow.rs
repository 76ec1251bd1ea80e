//! The PACE Integrated Mapping flow (ICAO 9303-11 §4.4.3.3.2) between the
//! chip and terminal state machines: the worked example of ICAO 9303-11
//! Appendix H.1 (ECDH, brainpoolP256r1, AES-128, password "123456" with
//! K_π = 591468CD…) replayed step by step, then every curve × cipher.

mod pace_support;

use card_os::protocol::pace::{
    DynamicAuthenticationData, GaTag, MseSetAt, PaceChip, PaceCipher, PaceError, PaceInfo,
    PaceMapping, PaceProtocol, PaceResult, PaceTerminal, StandardizedDomainParameters,
};
use card_os::protocol::{PacePassword, PaceSecret, SmSession};
use pace_support::{ScriptedRng, TestRng, hex};

const DOMAIN: StandardizedDomainParameters = StandardizedDomainParameters::BrainpoolP256r1;
const PROTOCOL: PaceProtocol = PaceProtocol::EcdhImAesCbcCmac128;

// ICAO 9303-11 Appendix H.1.
const K_PI: &str = "591468CD A83D6521 9CCCB856 0233600F";
const NONCE: &str = "2923BE84 E16CD6AE 529049F1 F1BBE9EB";
const ENCRYPTED_NONCE: &str = "143DC40C 08C8E891 FBED7DED B92B64AD";
const TERMINAL_NONCE: &str = "5DD4CBFC 96F5453B 130D890A 1CDBAE32";
const TERMINAL_SK: &str = "A73FB703 AC1436A1 8E0CFA5A BB3F7BEC 7A070E7A 6788486B EE230C4A 22762595";
const TERMINAL_PK: &str = "04 89CBA23F FE96AA18 D824627C 3E934E54 A9FD0B87 A95D1471 DC1C0ABF DCD640D4 \
                           6755DE9B 7B778280 B6BEBD57 439ADFEB 0E21FD4E D6DF4257 8C13418A 59B34C37";
const CHIP_SK: &str = "107CF586 96EF6155 053340FD 633392BA 81909DF7 B9706F22 6F32086C 7AFF974A";
const CHIP_PK: &str = "04 67F78E5F 7F768608 2B293E8D 087E0569 16D0F74B C01A5F89 57D0DE45 691E51E8 \
                       932B69A9 62B52A09 85AD2C0A 271EE6A1 3A8ADDDC D1A3A994 B9DED257 F4D22753";
const MAPPED_GENERATOR: &str = "04 8E82D315 59ED0FDE 92A4D049 8ADD3C23 BABA94FB 77691E31 E90AEA77 FB17D427 \
                                4C1AE14B D0C3DBAC 0C871B7F 36081693 64437CA3 0AC243A0 89D3F266 C1E60FAD";
const SHARED_SECRET_K: &str =
    "4F150FDE 1D4F0E38 E95017B8 91BAE171 33A0DF45 B0D3E18B 60BA7BEA FDC2C713";
const KS_ENC: &str = "0D3FEB33 251A6370 893D62AE 8DAAF51B";
const KS_MAC: &str = "B01E89E3 D9E8719E 586B50B4 A7506E0B";
const TOKEN_PCD: &str = "450F02B8 6F6A0909";
const TOKEN_PICC: &str = "75D4D96E 8D5B0308";

fn secret() -> PaceSecret {
    PaceSecret::from_text(PacePassword::Can, "123456").unwrap()
}

#[test]
fn appendix_h1_key_agreement_values() {
    // The ephemeral keys of the appendix are SK·Ĝ on its mapped generator.
    assert_eq!(
        DOMAIN
            .multiply(&hex(TERMINAL_SK), &hex(MAPPED_GENERATOR))
            .unwrap(),
        hex(TERMINAL_PK)
    );
    assert_eq!(
        DOMAIN
            .multiply(&hex(CHIP_SK), &hex(MAPPED_GENERATOR))
            .unwrap(),
        hex(CHIP_PK)
    );
    let k = DOMAIN.multiply(&hex(TERMINAL_SK), &hex(CHIP_PK)).unwrap();
    assert_eq!(DOMAIN.x_coordinate(&k).unwrap(), hex(SHARED_SECRET_K));
}

#[test]
fn chip_and_terminal_state_machines_reproduce_appendix_h1() {
    let mut chip_rng = ScriptedRng::new(&[NONCE, CHIP_SK]);
    let mut terminal_rng = ScriptedRng::new(&[TERMINAL_NONCE, TERMINAL_SK]);

    assert_eq!(&secret().key(PaceCipher::Aes128)[..], &hex(K_PI)[..]);
    // MSE:Set AT with id-PACE-ECDH-IM-AES-CBC-CMAC-128 and the CAN.
    let mse = MseSetAt::decode(&hex("800A04007F00070202040402 830102")).unwrap();
    assert_eq!(mse.protocol, PROTOCOL);
    assert_eq!(mse.protocol.mapping(), PaceMapping::Integrated);
    assert_eq!(mse.password, PacePassword::Can);
    assert_eq!(
        PaceInfo {
            protocol: PROTOCOL,
            parameter_id: Some(13)
        }
        .encode(),
        hex("3012060A 04007F00 07020204 04020201 0202010D")
    );
    let chip = PaceChip::new(mse.protocol, DOMAIN, &secret());
    let terminal = PaceTerminal::new(mse.protocol, DOMAIN, &secret());

    // Step 1: 7C 00 → 7C { 80 z }.
    let (chip, z) = chip.encrypt_nonce_integrated(&mut chip_rng).unwrap();
    let response = DynamicAuthenticationData::single(GaTag::EncryptedNonce, &z).encode();
    assert_eq!(response, [hex("7C12 8010"), hex(ENCRYPTED_NONCE)].concat());

    // Step 2: 7C { 81 t } → 7C 00.
    let (terminal, t) = terminal
        .decrypt_nonce_integrated(&mut terminal_rng, &z)
        .unwrap();
    let command = DynamicAuthenticationData::single(GaTag::MappingDataPcd, &t).encode();
    assert_eq!(command, [hex("7C12 8110"), hex(TERMINAL_NONCE)].concat());
    let received = DynamicAuthenticationData::decode(&command).unwrap();
    let chip = chip
        .map_integrated(received.only(GaTag::MappingDataPcd).unwrap())
        .unwrap();
    let response = DynamicAuthenticationData::empty().encode();
    assert_eq!(response, hex("7C00"));

    // Step 3: key agreement on Ĝ.
    let (terminal, pk_pcd) = terminal
        .map_integrated(
            &mut terminal_rng,
            &DynamicAuthenticationData::decode(&response).unwrap(),
        )
        .unwrap();
    assert_eq!(pk_pcd, hex(TERMINAL_PK));
    let (chip, pk_picc) = chip.agree_keys(&mut chip_rng, &pk_pcd).unwrap();
    assert_eq!(pk_picc, hex(CHIP_PK));

    // Step 4: tokens (over the IM OID).
    let (terminal, t_pcd) = terminal.agree_keys(&pk_picc).unwrap();
    assert_eq!(t_pcd.to_vec(), hex(TOKEN_PCD));
    let (chip_result, t_picc) = chip.authenticate(&t_pcd).unwrap();
    assert_eq!(t_picc.to_vec(), hex(TOKEN_PICC));
    let terminal_result = terminal.authenticate(&t_picc).unwrap();

    for result in [&chip_result, &terminal_result] {
        assert_eq!(result.protocol, PROTOCOL);
        assert_eq!(&result.ks_enc[..], &hex(KS_ENC)[..]);
        assert_eq!(&result.ks_mac[..], &hex(KS_MAC)[..]);
        assert_eq!(result.id_picc, hex(CHIP_PK)[1..33].to_vec());
    }
    assert!(chip_rng.is_exhausted() && terminal_rng.is_exhausted());
    SmSession::from_pace(&terminal_result).unwrap();
}

/// All four GENERAL AUTHENTICATE steps of IM through their encoded data objects.
fn run_im(
    protocol: PaceProtocol,
    domain: StandardizedDomainParameters,
    chip_secret: &PaceSecret,
    terminal_secret: &PaceSecret,
    label: &str,
) -> Result<(PaceResult, PaceResult), PaceError> {
    let mut chip_rng = TestRng::new(&format!("im chip {label}"));
    let mut terminal_rng = TestRng::new(&format!("im terminal {label}"));
    let chip = PaceChip::new(protocol, domain, chip_secret);
    let terminal = PaceTerminal::new(protocol, domain, terminal_secret);

    let (chip, z) = chip.encrypt_nonce_integrated(&mut chip_rng)?;
    let r1 = DynamicAuthenticationData::single(GaTag::EncryptedNonce, &z).encode();
    let (terminal, t) = terminal.decrypt_nonce_integrated(
        &mut terminal_rng,
        DynamicAuthenticationData::decode(&r1)?.only(GaTag::EncryptedNonce)?,
    )?;
    let c2 = DynamicAuthenticationData::single(GaTag::MappingDataPcd, &t).encode();
    let chip =
        chip.map_integrated(DynamicAuthenticationData::decode(&c2)?.only(GaTag::MappingDataPcd)?)?;
    let r2 = DynamicAuthenticationData::empty().encode();
    let (terminal, pk_pcd) =
        terminal.map_integrated(&mut terminal_rng, &DynamicAuthenticationData::decode(&r2)?)?;
    let (chip, pk_picc) = chip.agree_keys(&mut chip_rng, &pk_pcd)?;
    let (terminal, t_pcd) = terminal.agree_keys(&pk_picc)?;
    let (chip_result, t_picc) = chip.authenticate(&t_pcd)?;
    let terminal_result = terminal.authenticate(&t_picc)?;
    Ok((chip_result, terminal_result))
}

#[test]
fn every_curve_and_cipher_agrees_with_integrated_mapping() {
    let s = PaceSecret::from_text(PacePassword::Can, "123456").unwrap();
    for domain in StandardizedDomainParameters::ALL {
        for cipher in PaceCipher::ALL {
            let protocol = PaceProtocol::for_mapping(PaceMapping::Integrated, cipher);
            let label = format!("{domain:?} {cipher:?}");
            let (chip, terminal) =
                run_im(protocol, domain, &s, &s, &label).unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(chip.ks_enc.len(), cipher.key_len(), "{label}");
            assert_eq!(&chip.ks_enc[..], &terminal.ks_enc[..], "{label}");
            assert_eq!(&chip.ks_mac[..], &terminal.ks_mac[..], "{label}");
            assert_eq!(chip.id_picc, terminal.id_picc, "{label}");
            assert_eq!(
                (chip.protocol, terminal.domain_parameters),
                (protocol, domain),
                "{label}"
            );
            SmSession::from_pace(&chip).unwrap();
        }
    }
}

#[test]
fn integrated_mapping_detects_a_wrong_password() {
    let chip_secret = PaceSecret::from_text(PacePassword::Can, "123456").unwrap();
    let terminal_secret = PaceSecret::from_text(PacePassword::Can, "123457").unwrap();
    for cipher in PaceCipher::ALL {
        let protocol = PaceProtocol::for_mapping(PaceMapping::Integrated, cipher);
        let result = run_im(
            protocol,
            StandardizedDomainParameters::NistP256,
            &chip_secret,
            &terminal_secret,
            "wrong",
        );
        assert_eq!(result.err(), Some(PaceError::TokenMismatch), "{cipher:?}");
    }
}

#[test]
fn integrated_mapping_nonce_lengths_follow_the_cipher() {
    let s = secret();
    let domain = StandardizedDomainParameters::NistP384;
    for (cipher, nonce_len) in [
        (PaceCipher::Aes128, 16),
        (PaceCipher::Aes192, 32),
        (PaceCipher::Aes256, 32),
    ] {
        let protocol = PaceProtocol::for_mapping(PaceMapping::Integrated, cipher);
        let mut rng = TestRng::new("lengths");
        let (_, z) = PaceChip::new(protocol, domain, &s)
            .encrypt_nonce_integrated(&mut rng)
            .unwrap();
        assert_eq!(
            z.len(),
            nonce_len,
            "{cipher:?}: z = E(K_π, s) with s of l/8 bytes"
        );
        let (_, t) = PaceTerminal::new(protocol, domain, &s)
            .decrypt_nonce_integrated(&mut rng, &z)
            .unwrap();
        assert_eq!(
            t.len(),
            cipher.key_len(),
            "{cipher:?}: t has the key length"
        );
        assert_eq!(
            PaceTerminal::new(protocol, domain, &s)
                .decrypt_nonce_integrated(&mut rng, &z[..z.len() - 1])
                .err(),
            Some(PaceError::NonceLength)
        );
    }
}

#[test]
fn integrated_mapping_rejects_bad_step_2_data_and_foreign_steps() {
    let s = secret();
    let domain = DOMAIN;
    let mut rng = TestRng::new("bad step 2");
    // The chip refuses a t of the wrong length.
    let (chip, z) = PaceChip::new(PROTOCOL, domain, &s)
        .encrypt_nonce_integrated(&mut rng)
        .unwrap();
    assert!(matches!(
        chip.map_integrated(&[0u8; 15]).err(),
        Some(PaceError::MalformedData { .. })
    ));
    // The terminal refuses a chip answer that is not 7C 00.
    let (terminal, _t) = PaceTerminal::new(PROTOCOL, domain, &s)
        .decrypt_nonce_integrated(&mut rng, &z)
        .unwrap();
    let answer = DynamicAuthenticationData::single(GaTag::MappingDataPicc, &[1, 2, 3]);
    assert!(matches!(
        terminal.map_integrated(&mut rng, &answer).err(),
        Some(PaceError::MalformedData { .. })
    ));
    // Generic Mapping steps on an IM run, and IM steps on a GM run, are refused.
    assert_eq!(
        PaceChip::new(PROTOCOL, domain, &s)
            .encrypt_nonce(&mut rng)
            .err(),
        Some(PaceError::UnsupportedProtocol)
    );
    assert_eq!(
        PaceTerminal::new(PROTOCOL, domain, &s)
            .decrypt_nonce(&mut rng, &z)
            .err(),
        Some(PaceError::UnsupportedProtocol)
    );
    let gm = PaceProtocol::EcdhGmAesCbcCmac128;
    assert_eq!(
        PaceChip::new(gm, domain, &s)
            .encrypt_nonce_integrated(&mut rng)
            .err(),
        Some(PaceError::UnsupportedProtocol)
    );
    let (terminal, _) = PaceTerminal::new(gm, domain, &s)
        .decrypt_nonce(&mut rng, &z)
        .unwrap();
    assert_eq!(
        terminal
            .map_integrated(&mut rng, &DynamicAuthenticationData::empty())
            .err(),
        Some(PaceError::UnsupportedProtocol)
    );
}
