//! ICAO 9303-11 Appendix G.1, "Worked example: ECDH based example" (PACE
//! Generic Mapping, brainpoolP256r1, AES-128, MRZ T22000129 / 640812 / 101031).
//! Every intermediate value of the appendix is checked, with the chip and the
//! terminal drawing the appendix' random values from scripted generators.

mod pace_support;

use card_os::protocol::pace::PaceCipher;
use card_os::protocol::pace::{
    DynamicAuthenticationData, GaTag, MseSetAt, PaceChip, PaceInfo, PaceProtocol, PaceTerminal,
    StandardizedDomainParameters, decrypt_nonce, encrypt_nonce, public_key_data_object,
};
use card_os::protocol::{PacePassword, PaceSecret, SmSession};
use pace_support::{ScriptedRng, hex};

const DOMAIN: StandardizedDomainParameters = StandardizedDomainParameters::BrainpoolP256r1;
const PROTOCOL: PaceProtocol = PaceProtocol::EcdhGmAesCbcCmac128;

const K_PI: &str = "89DED1B2 6624EC1E 634C1989 302849DD";
const NONCE: &str = "3F00C4D3 9D153F2B 2A214A07 8D899B22";
const ENCRYPTED_NONCE: &str = "95A3A016 522EE98D 01E76CB6 B98B42C3";

const TERMINAL_MAPPING_SK: &str =
    "7F4EF07B 9EA82FD7 8AD689B3 8D0BC78C F21F249D 953BC46F 4C6E1925 9C010F99";
const TERMINAL_MAPPING_PK: &str = "04 7ACF3EFC 982EC455 65A4B155 129EFBC7 4650DCBF A6362D89 6FC70262 E0C2CC5E \
                                   544552DC B6725218 799115B5 5C9BAA6D 9F6BC3A9 618E70C2 5AF71777 A9C4922D";
const CHIP_MAPPING_SK: &str =
    "498FF497 56F2DC15 87840041 839A8598 2BE7761D 14715FB0 91EFA7BC E9058560";
const CHIP_MAPPING_PK: &str = "04 824FBA91 C9CBE26B EF53A0EB E7342A3B F178CEA9 F45DE0B7 0AA60165 1FBA3F57 \
                               30D8C879 AAA9C9F7 3991E61B 58F4D52E B87A0A0C 709A49DC 63719363 CCD13C54";
const SHARED_POINT_H: &str = "04 60332EF2 450B5D24 7EF6D386 8397D398 852ED6E8 CAF6FFEE F6BF85CA 57057FD5 \
                              0840CA74 15BAF3E4 3BD414D3 5AA4608B 93A2CAF3 A4E3EA4E 82C9C13D 03EB7181";
const MAPPED_GENERATOR: &str = "04 8CED63C9 1426D4F0 EB1435E7 CB1D74A4 6723A0AF 21C89634 F65A9AE8 7A9265E2 \
                                8C879506 743F8611 AC33645C 5B985C80 B5F09A0B 83407C1B 6A4D857A E76FE522";
const TERMINAL_SK: &str = "A73FB703 AC1436A1 8E0CFA5A BB3F7BEC 7A070E7A 6788486B EE230C4A 22762595";
const TERMINAL_PK: &str = "04 2DB7A64C 0355044E C9DF1905 14C625CB A2CEA487 54887122 F3A5EF0D 5EDD301C \
                           3556F3B3 B186DF10 B857B58F 6A7EB80F 20BA5DC7 BE1D43D9 BF850149 FBB36462";
const CHIP_SK: &str = "107CF586 96EF6155 053340FD 633392BA 81909DF7 B9706F22 6F32086C 7AFF974A";
const CHIP_PK: &str = "04 9E880F84 2905B8B3 181F7AF7 CAA9F0EF B743847F 44A306D2 D28C1D9E C65DF6DB \
                       7764B222 77A2EDDC 3C265A9F 018F9CB8 52E111B7 68B32690 4B59A019 3776F094";
const SHARED_SECRET_K: &str =
    "28768D20 701247DA E81804C9 E780EDE5 82A9996D B4A31502 0B273319 7DB84925";
const KS_ENC: &str = "F5F0E35C 0D7161EE 6724EE51 3A0D9A7F";
const KS_MAC: &str = "FE251C78 58B356B2 4514B3BD 5F4297D1";
const TOKEN_INPUT_PCD: &str = "7F494F06 0A04007F 00070202 04020286 41049E88 0F842905 B8B3181F 7AF7CAA9 F0EFB743 \
                               847F44A3 06D2D28C 1D9EC65D F6DB7764 B22277A2 EDDC3C26 5A9F018F 9CB852E1 11B768B3 \
                               26904B59 A0193776 F094";
const TOKEN_PCD: &str = "C2B0BD78 D94BA866";
const TOKEN_PICC: &str = "3ABB9674 BCE93C08";

fn secret() -> PaceSecret {
    PaceSecret::mrz("T22000129", "640812", "101031").unwrap()
}

#[test]
fn each_primitive_step_matches_appendix_g1() {
    assert_eq!(&secret().key(PaceCipher::Aes128)[..], &hex(K_PI)[..]);
    let s: [u8; 16] = hex(NONCE).try_into().unwrap();
    assert_eq!(
        encrypt_nonce(&hex(K_PI), &s).unwrap().to_vec(),
        hex(ENCRYPTED_NONCE)
    );
    assert_eq!(decrypt_nonce(&hex(K_PI), &hex(ENCRYPTED_NONCE)).unwrap(), s);

    assert_eq!(
        DOMAIN.public_key(&hex(TERMINAL_MAPPING_SK)).unwrap(),
        hex(TERMINAL_MAPPING_PK)
    );
    assert_eq!(
        DOMAIN.public_key(&hex(CHIP_MAPPING_SK)).unwrap(),
        hex(CHIP_MAPPING_PK)
    );
    // H = SK_map,PCD · PK_map,PICC = SK_map,PICC · PK_map,PCD
    let h_terminal = DOMAIN
        .multiply(&hex(TERMINAL_MAPPING_SK), &hex(CHIP_MAPPING_PK))
        .unwrap();
    let h_chip = DOMAIN
        .multiply(&hex(CHIP_MAPPING_SK), &hex(TERMINAL_MAPPING_PK))
        .unwrap();
    assert_eq!(h_terminal, hex(SHARED_POINT_H));
    assert_eq!(h_chip, hex(SHARED_POINT_H));
    // Ĝ = s·G + H
    assert_eq!(
        DOMAIN.map_generator(&s, &hex(SHARED_POINT_H)).unwrap(),
        hex(MAPPED_GENERATOR)
    );
    // Ephemeral keys on Ĝ and K.
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
    // The token input: 7F49 { 06 OID, 86 PK_PICC }.
    assert_eq!(
        public_key_data_object(PROTOCOL, &hex(CHIP_PK)),
        hex(TOKEN_INPUT_PCD)
    );
}

#[test]
fn chip_and_terminal_state_machines_reproduce_appendix_g1() {
    let mut chip_rng = ScriptedRng::new(&[NONCE, CHIP_MAPPING_SK, CHIP_SK]);
    let mut terminal_rng = ScriptedRng::new(&[TERMINAL_MAPPING_SK, TERMINAL_SK]);

    // MSE:Set AT (the appendix' data field, with the parameter id DO'84').
    let mse = MseSetAt::decode(&hex("800A04007F00070202040202 830101 84010D")).unwrap();
    assert_eq!(mse.protocol, PROTOCOL);
    assert_eq!(mse.password, PacePassword::Mrz);
    let domain = StandardizedDomainParameters::from_id(mse.domain_parameter_id.unwrap()).unwrap();
    assert_eq!(domain, DOMAIN);
    assert_eq!(
        PaceInfo {
            protocol: PROTOCOL,
            parameter_id: Some(13)
        }
        .encode(),
        hex("3012060A 04007F00 07020204 02020201 0202010D")
    );

    let chip = PaceChip::new(mse.protocol, domain, &secret());
    let terminal = PaceTerminal::new(mse.protocol, domain, &secret());

    // Step 1: 7C 00 → 7C { 80 z }.
    let command = DynamicAuthenticationData::decode(&hex("7C00")).unwrap();
    assert!(command.is_empty());
    let (chip, z) = chip.encrypt_nonce(&mut chip_rng).unwrap();
    let response = DynamicAuthenticationData::single(GaTag::EncryptedNonce, &z).encode();
    assert_eq!(
        response,
        hex("7C12 8010")
            .into_iter()
            .chain(hex(ENCRYPTED_NONCE))
            .collect::<Vec<_>>()
    );

    // Step 2: mapping.
    let z = DynamicAuthenticationData::decode(&response)
        .unwrap()
        .only(GaTag::EncryptedNonce)
        .unwrap()
        .to_vec();
    let (terminal, pk_map_pcd) = terminal.decrypt_nonce(&mut terminal_rng, &z).unwrap();
    assert_eq!(pk_map_pcd, hex(TERMINAL_MAPPING_PK));
    let command = DynamicAuthenticationData::single(GaTag::MappingDataPcd, &pk_map_pcd).encode();
    assert_eq!(&command[..4], &hex("7C43 8141")[..]);
    let received = DynamicAuthenticationData::decode(&command).unwrap();
    let (chip, pk_map_picc) = chip
        .map_nonce(&mut chip_rng, received.only(GaTag::MappingDataPcd).unwrap())
        .unwrap();
    assert_eq!(pk_map_picc, hex(CHIP_MAPPING_PK));

    // Step 3: key agreement.
    let (terminal, pk_pcd) = terminal.map_nonce(&mut terminal_rng, &pk_map_picc).unwrap();
    assert_eq!(pk_pcd, hex(TERMINAL_PK));
    let (chip, pk_picc) = chip.agree_keys(&mut chip_rng, &pk_pcd).unwrap();
    assert_eq!(pk_picc, hex(CHIP_PK));

    // Step 4: tokens.
    let (terminal, t_pcd) = terminal.agree_keys(&pk_picc).unwrap();
    assert_eq!(t_pcd.to_vec(), hex(TOKEN_PCD));
    let command = DynamicAuthenticationData::single(GaTag::AuthenticationTokenPcd, &t_pcd).encode();
    assert_eq!(command, hex("7C0A 8508 C2B0BD78D94BA866"));
    let (chip_result, t_picc) = chip.authenticate(&t_pcd).unwrap();
    assert_eq!(t_picc.to_vec(), hex(TOKEN_PICC));
    let response =
        DynamicAuthenticationData::single(GaTag::AuthenticationTokenPicc, &t_picc).encode();
    assert_eq!(response, hex("7C0A 8608 3ABB9674BCE93C08"));
    let terminal_result = terminal.authenticate(&t_picc).unwrap();

    for result in [&chip_result, &terminal_result] {
        assert_eq!(&result.ks_enc[..], &hex(KS_ENC)[..]);
        assert_eq!(&result.ks_mac[..], &hex(KS_MAC)[..]);
        assert_eq!(result.cipher, PaceCipher::Aes128);
        assert_eq!(result.password, PacePassword::Mrz);
        assert_eq!(result.id_picc, hex(CHIP_PK)[1..33].to_vec());
        assert_eq!(result.chip_public_key, hex(CHIP_PK));
        assert_eq!(result.terminal_public_key, hex(TERMINAL_PK));
    }
    assert!(chip_rng.is_exhausted() && terminal_rng.is_exhausted());

    let session = SmSession::from_pace(&terminal_result).unwrap();
    assert_eq!(
        session.ssc(),
        [0u8; 16],
        "SSC starts at 0 after PACE (ICAO 9303-11 §9.8.2)"
    );
}
