//! PACE with Chip Authentication Mapping (ICAO 9303-11 §4.4.3.5): the worked
//! example of ICAO 9303-11 Appendix I.1 (ECDH, brainpoolP256r1, AES-128, MRZ
//! C11T002JM / 960812 / 231031) replayed on both sides, then every curve ×
//! cipher, and the tampering the terminal must catch.

mod pace_support;

use card_os::protocol::pace::{
    ChipAuthenticationData, DynamicAuthenticationData, GaTag, PaceChip, PaceCipher, PaceError,
    PaceMapping, PaceProtocol, PaceResult, PaceTerminal, StandardizedDomainParameters,
    chip_authentication_data, decrypt_chip_authentication_data, encrypt_chip_authentication_data,
    verify_chip_authentication_data,
};
use card_os::protocol::{PacePassword, PaceSecret, SmSession};
use pace_support::{ScriptedRng, TestRng, hex};

const DOMAIN: StandardizedDomainParameters = StandardizedDomainParameters::BrainpoolP256r1;
const PROTOCOL: PaceProtocol = PaceProtocol::EcdhCamAesCbcCmac128;

// ICAO 9303-11 Appendix I.1.
const NONCE: &str = "658B860B C94DF6F0 44FCE6D5 C82CF8E5";
const ENCRYPTED_NONCE: &str = "CB60E8E0 D85B76A9 BD304747 C2AD42E2";
const TERMINAL_MAPPING_SK: &str =
    "5D8BB87B D74D985A 4B7D4325 B9F7B976 FE835122 77340079 8914AA22 738135CC";
const TERMINAL_MAPPING_PK: &str = "04 7F1D410A DB7DDB3B 84BF1030 800981A9 105D7457 B4A3ADE0 02384F30 86C67EDE \
                                   1AB88910 4A27DB6D 842B0190 20FBF3CE ACB0DC62 7F7BDCAC 29969E19 D0E553C1";
const CHIP_MAPPING_SK: &str =
    "9E56A6B5 9C95D06E CE5CD10F 983BB2F4 F1943528 E577F238 81D89D8C 3BBEE0AA";
const CHIP_MAPPING_PK: &str = "04 A234236A A9B9621E 8EFB73B5 245C0E09 D2576E52 77183C12 08BDD552 80CAE8B3 \
                               04F36571 3A356E65 A451E165 ECC9AC0A C46E3771 342C8FE5 AEDD0926 85338E23";
const MAPPED_GENERATOR: &str = "04 89F0B5EA BF3BE293 C75903A3 98613192 5C9F5B51 5CA95AF4 85DC7E88 6F03245D \
                                44BEFB2D D3A0DBD7 1CB5E618 971CF474 7F12B79E 548379A4 0E45963B AAF3E829";
const TERMINAL_SK: &str = "76ECFDAA 9841C323 A3F5FC5E 88B88DB3 EFF7E35E BF57A7E6 946CB630 006C2120";
const TERMINAL_PK: &str = "04 446C9340 84D9DAB8 63944F21 9520076C 29EE3F7A E6722B11 FF319EC1 C7728F95 \
                           5483400B FF60BF0C 59292700 09277DC2 A515E125 75010AD9 BA916CF1 BF86FEFC";
const CHIP_PK: &str = "04 02AD566F 3C6EC7F9 324509AD 50A51FA5 2030782A 4968FCFE DF737DAE A9933331 \
                       11C3B9B4 C2287789 BD137E7F 8AA882E2 A3C633CC D6ECC2C6 3C57AD40 1A09C2E1";
const SHARED_SECRET_K: &str =
    "67950559 D0C06B4D 4B86972D 14460837 461087F8 419FDBC3 6AAF6CEA AC462832";
const KS_ENC: &str = "0A9DA4DB 03BDDE39 FC5202BC 44B2E89E";
const KS_MAC: &str = "4B1C0649 1ED5140C A2B537D3 44C6C0B1";
const TOKEN_PCD: &str = "E86BD060 18A1CD3B";
const TOKEN_PICC: &str = "8596CF05 5C67C1A3";
/// The chip's static Chip Authentication public key PK_IC.
const CHIP_STATIC_PK: &str = "04 18727094 94399E74 70A6431B E25E83EE E24FEA56 8C2ED28D B48E05DB 3A610DC8 \
                              84D256A4 0E35EFCB 59BF6753 D3A489D2 8C7A4D97 3C2DA138 A6E7A4A0 8F68E16F";
/// SK_IC is not printed in the appendix; this is the value others derived from
/// CA_IC and SK_map,IC; `appendix_i1_primitives` checks SK_IC·G = PK_IC.
const CHIP_STATIC_SK: &str =
    "86C88A45 79CE4813 5878E634 8A734B5D 47CE5BC1 E54C0E89 78687B49 FDE2E2C2";
const CA_IC: &str = "85DC3FA9 3D0952BF A82F5FD1 89EE75BD 82F11D1F 0B8ED4BF 5319AC9B 53C426B3";
const A_IC: &str = "1EEA964D AAE372AC 990E3EFD E6333353 BFC89A67 04D93DA8 798CF77F 5B7A54BD \
                    10CBA372 B42BE0B9 B5F28AA8 DE2F4F92";
/// The appendix' GA step 4 response: 7C { 86 T_IC, 8A A_IC }.
const STEP4_RESPONSE: &str = "7C3C 8608 8596CF05 5C67C1A3 8A30 1EEA964D AAE372AC 990E3EFD E6333353 \
                              BFC89A67 04D93DA8 798CF77F 5B7A54BD 10CBA372 B42BE0B9 B5F28AA8 DE2F4F92";

fn secret() -> PaceSecret {
    PaceSecret::mrz("C11T002JM", "960812", "231031").unwrap()
}

#[test]
fn appendix_i1_primitives() {
    assert_eq!(
        DOMAIN.public_key(&hex(CHIP_STATIC_SK)).unwrap(),
        hex(CHIP_STATIC_PK)
    );
    assert_eq!(
        DOMAIN.public_key(&hex(CHIP_MAPPING_SK)).unwrap(),
        hex(CHIP_MAPPING_PK)
    );
    let k = DOMAIN.multiply(&hex(TERMINAL_SK), &hex(CHIP_PK)).unwrap();
    assert_eq!(DOMAIN.x_coordinate(&k).unwrap(), hex(SHARED_SECRET_K));
    // CA_IC = SK_IC⁻¹·SK_map,IC mod n, then A_IC with IV = E(KS_enc, −1).
    let ca = chip_authentication_data(DOMAIN, &hex(CHIP_STATIC_SK), &hex(CHIP_MAPPING_SK)).unwrap();
    assert_eq!(&ca[..], &hex(CA_IC)[..]);
    assert_eq!(
        encrypt_chip_authentication_data(&hex(KS_ENC), &ca).unwrap(),
        hex(A_IC)
    );
    let decrypted = decrypt_chip_authentication_data(DOMAIN, &hex(KS_ENC), &hex(A_IC)).unwrap();
    assert_eq!(&decrypted[..], &hex(CA_IC)[..]);
    verify_chip_authentication_data(
        DOMAIN,
        &hex(CA_IC),
        &hex(CHIP_STATIC_PK),
        &hex(CHIP_MAPPING_PK),
    )
    .unwrap();
    // The step-4 response carries DO'86' and DO'8A' in tag order.
    let response =
        DynamicAuthenticationData::single(GaTag::AuthenticationTokenPicc, &hex(TOKEN_PICC))
            .with(GaTag::EncryptedChipAuthenticationData, &hex(A_IC));
    assert_eq!(response.encode(), hex(STEP4_RESPONSE));
    assert_eq!(
        DynamicAuthenticationData::decode(&hex(STEP4_RESPONSE)).unwrap(),
        response
    );
}

/// The terminal against the appendix' chip answers: every value it sends
/// and derives is the appendix', and the chip proves PK_IC.
#[test]
fn terminal_reproduces_appendix_i1() {
    let mut rng = ScriptedRng::new(&[TERMINAL_MAPPING_SK, TERMINAL_SK]);
    let terminal = PaceTerminal::new(PROTOCOL, DOMAIN, &secret());
    let (terminal, pk_map_pcd) = terminal
        .decrypt_nonce(&mut rng, &hex(ENCRYPTED_NONCE))
        .unwrap();
    assert_eq!(pk_map_pcd, hex(TERMINAL_MAPPING_PK));
    let (terminal, pk_pcd) = terminal.map_nonce(&mut rng, &hex(CHIP_MAPPING_PK)).unwrap();
    assert_eq!(pk_pcd, hex(TERMINAL_PK));
    assert_eq!(
        DOMAIN
            .multiply(&hex(TERMINAL_SK), &hex(MAPPED_GENERATOR))
            .unwrap(),
        pk_pcd
    );
    let (terminal, t_pcd) = terminal.agree_keys(&hex(CHIP_PK)).unwrap();
    assert_eq!(t_pcd.to_vec(), hex(TOKEN_PCD));
    let response = DynamicAuthenticationData::decode(&hex(STEP4_RESPONSE)).unwrap();
    let (result, proof) = terminal
        .authenticate_cam(
            response.get(GaTag::AuthenticationTokenPicc).unwrap(),
            response
                .get(GaTag::EncryptedChipAuthenticationData)
                .unwrap(),
        )
        .unwrap();
    assert!(rng.is_exhausted());
    assert_eq!(result.protocol, PROTOCOL);
    assert_eq!(result.password, PacePassword::Mrz);
    assert_eq!(&result.ks_enc[..], &hex(KS_ENC)[..]);
    assert_eq!(&result.ks_mac[..], &hex(KS_MAC)[..]);
    assert_eq!(proof.value(), &hex(CA_IC)[..]);
    assert_eq!(proof.chip_mapping_public_key(), &hex(CHIP_MAPPING_PK)[..]);
    proof.verify(&hex(CHIP_STATIC_PK)).unwrap();
    // Another point on the curve (the appendix' PK_PICC) is not the chip's key.
    assert!(matches!(
        proof.verify(&hex(CHIP_PK)),
        Err(PaceError::MalformedData { .. })
    ));
    assert_eq!(
        proof.verify(&[0x04, 0x00]),
        Err(PaceError::InvalidPublicKey)
    );
}

/// The chip with the appendix' s, SK_map,IC and SK_IC (its own ephemeral key
/// SK_IC,DH is not printed, so it is random here): steps 1–2 are the
/// appendix' bytes, and its A_IC decrypts to the appendix' CA_IC.
#[test]
fn chip_reproduces_appendix_i1() {
    let mut chip_rng = ScriptedRng::new(&[NONCE, CHIP_MAPPING_SK]);
    let mut terminal_rng = ScriptedRng::new(&[TERMINAL_MAPPING_SK, TERMINAL_SK]);
    let chip = PaceChip::new(PROTOCOL, DOMAIN, &secret());
    let terminal = PaceTerminal::new(PROTOCOL, DOMAIN, &secret());
    let (chip, z) = chip.encrypt_nonce(&mut chip_rng).unwrap();
    assert_eq!(z.to_vec(), hex(ENCRYPTED_NONCE));
    let (terminal, pk_map_pcd) = terminal.decrypt_nonce(&mut terminal_rng, &z).unwrap();
    let (chip, pk_map_picc) = chip.map_nonce(&mut chip_rng, &pk_map_pcd).unwrap();
    assert_eq!(pk_map_picc, hex(CHIP_MAPPING_PK));
    assert!(chip_rng.is_exhausted());
    let (terminal, pk_pcd) = terminal.map_nonce(&mut terminal_rng, &pk_map_picc).unwrap();
    let (chip, pk_picc) = chip
        .agree_keys(&mut TestRng::new("SK_IC,DH"), &pk_pcd)
        .unwrap();
    let (terminal, t_pcd) = terminal.agree_keys(&pk_picc).unwrap();
    let (chip_result, t_picc, a_ic) = chip.authenticate_cam(&t_pcd, &hex(CHIP_STATIC_SK)).unwrap();
    assert_eq!(a_ic.len(), 48, "32-byte CA_IC padded to three AES blocks");
    let (terminal_result, proof) = terminal.authenticate_cam(&t_picc, &a_ic).unwrap();
    assert_eq!(proof.value(), &hex(CA_IC)[..]);
    proof.verify(&hex(CHIP_STATIC_PK)).unwrap();
    assert_eq!(&chip_result.ks_enc[..], &terminal_result.ks_enc[..]);
}

/// The four GENERAL AUTHENTICATE steps of CAM through their encoded data objects.
fn run_cam(
    protocol: PaceProtocol,
    domain: StandardizedDomainParameters,
    chip_static_private_key: &[u8],
    tamper: impl Fn(&mut Vec<u8>),
    label: &str,
) -> Result<(PaceResult, PaceResult, ChipAuthenticationData), PaceError> {
    let s = PaceSecret::from_text(PacePassword::Can, "314159").unwrap();
    let mut chip_rng = TestRng::new(&format!("cam chip {label}"));
    let mut terminal_rng = TestRng::new(&format!("cam terminal {label}"));
    let chip = PaceChip::new(protocol, domain, &s);
    let terminal = PaceTerminal::new(protocol, domain, &s);
    let (chip, z) = chip.encrypt_nonce(&mut chip_rng)?;
    let (terminal, pk_map_pcd) = terminal.decrypt_nonce(&mut terminal_rng, &z)?;
    let (chip, pk_map_picc) = chip.map_nonce(&mut chip_rng, &pk_map_pcd)?;
    let (terminal, pk_pcd) = terminal.map_nonce(&mut terminal_rng, &pk_map_picc)?;
    let (chip, pk_picc) = chip.agree_keys(&mut chip_rng, &pk_pcd)?;
    let (terminal, t_pcd) = terminal.agree_keys(&pk_picc)?;
    let c4 = DynamicAuthenticationData::single(GaTag::AuthenticationTokenPcd, &t_pcd).encode();
    let (chip_result, t_picc, mut a_ic) = chip.authenticate_cam(
        DynamicAuthenticationData::decode(&c4)?.only(GaTag::AuthenticationTokenPcd)?,
        chip_static_private_key,
    )?;
    tamper(&mut a_ic);
    let r4 = DynamicAuthenticationData::single(GaTag::AuthenticationTokenPicc, &t_picc)
        .with(GaTag::EncryptedChipAuthenticationData, &a_ic)
        .encode();
    let r4 = DynamicAuthenticationData::decode(&r4)?;
    let (terminal_result, proof) = terminal.authenticate_cam(
        r4.get(GaTag::AuthenticationTokenPicc).unwrap_or(&[]),
        r4.get(GaTag::EncryptedChipAuthenticationData)
            .unwrap_or(&[]),
    )?;
    Ok((chip_result, terminal_result, proof))
}

#[test]
fn every_curve_and_cipher_authenticates_the_chip() {
    for domain in StandardizedDomainParameters::ALL {
        let static_sk = domain
            .generate_private_key(&mut TestRng::new(&format!("{domain:?}")))
            .unwrap();
        let static_pk = domain.public_key(&static_sk).unwrap();
        let other_pk = domain
            .public_key(
                &domain
                    .generate_private_key(&mut TestRng::new("other"))
                    .unwrap(),
            )
            .unwrap();
        for cipher in PaceCipher::ALL {
            let protocol = PaceProtocol::for_mapping(PaceMapping::ChipAuthentication, cipher);
            let label = format!("{domain:?} {cipher:?}");
            let (chip, terminal, proof) = run_cam(protocol, domain, &static_sk, |_| {}, &label)
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(&chip.ks_enc[..], &terminal.ks_enc[..], "{label}");
            assert_eq!(&chip.ks_mac[..], &terminal.ks_mac[..], "{label}");
            assert_eq!(proof.value().len(), domain.field_size(), "{label}");
            proof
                .verify(&static_pk)
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            assert!(
                proof.verify(&other_pk).is_err(),
                "{label}: wrong PK_IC accepted"
            );
            SmSession::from_pace(&terminal).unwrap();
        }
    }
}

#[test]
fn tampered_chip_authentication_data_is_rejected() {
    let domain = StandardizedDomainParameters::NistP256;
    let static_sk = domain
        .generate_private_key(&mut TestRng::new("static"))
        .unwrap();
    let static_pk = domain.public_key(&static_sk).unwrap();
    let protocol = PaceProtocol::EcdhCamAesCbcCmac128;
    // Every byte flipped, in turn: either the padding breaks or CA_IC changes.
    for index in 0..48 {
        let outcome = run_cam(protocol, domain, &static_sk, |a| a[index] ^= 0x01, "tamper")
            .and_then(|(_, _, proof)| proof.verify(&static_pk));
        assert!(
            matches!(outcome, Err(PaceError::MalformedData { .. })),
            "byte {index}: {outcome:?}"
        );
    }
    // Truncated, extended or missing A_IC.
    for tamper in [
        (|a: &mut Vec<u8>| a.truncate(32)) as fn(&mut Vec<u8>),
        |a| a.truncate(47),
        |a| a.extend_from_slice(&[0u8; 16]),
        |a| a.clear(),
    ] {
        let outcome = run_cam(protocol, domain, &static_sk, tamper, "shape")
            .and_then(|(_, _, proof)| proof.verify(&static_pk));
        assert!(
            matches!(outcome, Err(PaceError::MalformedData { .. })),
            "{outcome:?}"
        );
    }
    // A chip holding another static key is not the one of EF.CardSecurity.
    let impostor = domain
        .generate_private_key(&mut TestRng::new("impostor"))
        .unwrap();
    let (_, _, proof) = run_cam(protocol, domain, &impostor, |_| {}, "impostor").unwrap();
    assert!(matches!(
        proof.verify(&static_pk),
        Err(PaceError::MalformedData { .. })
    ));
}

#[test]
fn cam_and_plain_steps_do_not_mix() {
    let s = secret();
    let mut rng = TestRng::new("mix");
    let domain = DOMAIN;
    // A CAM run cannot end with the plain step 4 (it would drop A_IC) …
    let chip = PaceChip::new(PROTOCOL, domain, &s);
    let terminal = PaceTerminal::new(PROTOCOL, domain, &s);
    let (chip, z) = chip.encrypt_nonce(&mut rng).unwrap();
    let (terminal, m) = terminal.decrypt_nonce(&mut rng, &z).unwrap();
    let (chip, mc) = chip.map_nonce(&mut rng, &m).unwrap();
    let (terminal, pk) = terminal.map_nonce(&mut rng, &mc).unwrap();
    let (chip, pkc) = chip.agree_keys(&mut rng, &pk).unwrap();
    let (terminal, t) = terminal.agree_keys(&pkc).unwrap();
    assert_eq!(
        chip.authenticate(&t).err(),
        Some(PaceError::UnsupportedProtocol)
    );
    assert_eq!(
        terminal.authenticate(&[0; 8]).err(),
        Some(PaceError::UnsupportedProtocol)
    );
    // … and a GM run has no CAM step 4.
    let gm = PaceProtocol::EcdhGmAesCbcCmac128;
    let chip = PaceChip::new(gm, domain, &s);
    let terminal = PaceTerminal::new(gm, domain, &s);
    let (chip, z) = chip.encrypt_nonce(&mut rng).unwrap();
    let (terminal, m) = terminal.decrypt_nonce(&mut rng, &z).unwrap();
    let (chip, mc) = chip.map_nonce(&mut rng, &m).unwrap();
    let (terminal, pk) = terminal.map_nonce(&mut rng, &mc).unwrap();
    let (chip, pkc) = chip.agree_keys(&mut rng, &pk).unwrap();
    let (terminal, t) = terminal.agree_keys(&pkc).unwrap();
    assert_eq!(
        chip.authenticate_cam(&t, &hex(CHIP_STATIC_SK)).err(),
        Some(PaceError::UnsupportedProtocol)
    );
    assert_eq!(
        terminal.authenticate_cam(&[0; 8], &hex(A_IC)).err(),
        Some(PaceError::UnsupportedProtocol)
    );
    // A wrong password still fails on the token, before any CAM data.
    let chip = PaceChip::new(PROTOCOL, domain, &s);
    let other = PaceSecret::mrz("C11T002JM", "960812", "231030").unwrap();
    let terminal = PaceTerminal::new(PROTOCOL, domain, &other);
    let (chip, z) = chip.encrypt_nonce(&mut rng).unwrap();
    let (terminal, m) = terminal.decrypt_nonce(&mut rng, &z).unwrap();
    let (chip, mc) = chip.map_nonce(&mut rng, &m).unwrap();
    let (terminal, pk) = terminal.map_nonce(&mut rng, &mc).unwrap();
    let (chip, _pkc) = chip.agree_keys(&mut rng, &pk).unwrap();
    let _ = terminal;
    assert_eq!(
        chip.authenticate_cam(&[0; 8], &hex(CHIP_STATIC_SK)).err(),
        Some(PaceError::TokenMismatch)
    );
}
