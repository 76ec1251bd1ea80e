//! The command APDUs of the certificate zone (docs/spec/certificate-zone.md
//! §Commands; ISO 7816-4 §11, ISO 7816-8 §5), as plain commands: the
//! secure channel, when there is one, wraps them.

use card_os::protocol::sm::Command;

use super::mechanism::KeySlot;
use crate::card::{CLA_PLAIN, INS_SELECT};
use crate::icao::active::INS_INTERNAL_AUTHENTICATE;
use crate::pace::INS_MSE;
/// PIN2's reference, P2 of VERIFY (the PIN module's, docs/spec/pins.md).
pub use crate::pin::REF_PIN2;

/// PKCS#15 application identifier: RID `A000000063` ‖ "PKCS-15" (ISO 7816-15 §8.2).
pub const AID: [u8; 12] = [0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35];
/// EF.ODF and EF.TokenInfo (ISO 7816-15 §8.4.2, §8.4.3; FIDs of the spec).
pub const FID_ODF: u16 = 0x5031;
pub const FID_TOKEN_INFO: u16 = 0x5032;

/// b5 of CLA: command chaining, more parts follow (ISO 7816-4 §5.4.1).
const CLA_CHAINING: u8 = 0x10;
/// SELECT P1 `02`: EF under the current DF by FID; P2 `0C`: no response data (ISO 7816-4 tables 39, 40).
const SELECT_P1_EF_UNDER_DF: u8 = 0x02;
const SELECT_P2_NO_DATA: u8 = 0x0C;
/// MSE (ISO 7816-4 §11.5.11): P1 `41` = SET for computation/decipherment/internal auth.
const MSE_P1_SET_COMPUTE: u8 = 0x41;
/// Control reference templates: DST (signature) and CT (confidentiality).
const MSE_P2_DST: u8 = 0xB6;
const MSE_P2_CT: u8 = 0xB8;
/// CRT data objects: algorithm reference and private key reference (ISO 7816-4 table 55).
const TAG_ALGORITHM: u16 = 0x80;
const TAG_KEY_REFERENCE: u16 = 0x84;
/// PERFORM SECURITY OPERATION (ISO 7816-8 §5.2).
const INS_PSO: u8 = 0x2A;
/// PSO:COMPUTE DIGITAL SIGNATURE P1-P2 `9E 9A` (ISO 7816-8 §5.4).
const PSO_CDS_P1: u8 = 0x9E;
const PSO_CDS_P2: u8 = 0x9A;
/// PSO:DECIPHER P1-P2 `80 86` (ISO 7816-8 §5.9).
const PSO_DECIPHER_P1: u8 = 0x80;
const PSO_DECIPHER_P2: u8 = 0x86;
/// First data byte of PSO:DECIPHER: padding indicator `00` (ISO 7816-8 §5.9, no further indication).
pub const DECIPHER_PADDING_INDICATOR: u8 = 0x00;
/// INTERNAL AUTHENTICATE (ISO 7816-4 §11.5.2) P2 b8 = 1: specific key reference in b5-b1.
const P2_SPECIFIC_KEY: u8 = 0x80;
/// GENERATE ASYMMETRIC KEY PAIR (ISO 7816-8 §5.1), P1 `01`: answer the public key.
const INS_GENERATE: u8 = 0x46;
const GENERATE_P1_READ_PUBLIC_KEY: u8 = 0x01;
/// VERIFY (ISO 7816-4 §11.5.6): P1 `00` verify / status, `FF` back to not verified; P2 `81` PIN2.
const INS_VERIFY: u8 = 0x20;
const VERIFY_P1: u8 = 0x00;
const VERIFY_P1_RESET_STATUS: u8 = 0xFF;
/// Short Le `00`: up to 256 bytes (ISO 7816-4 §5.1).
pub const NE_SHORT_MAX: usize = 256;
/// Extended Le `0000`: up to 65536 bytes.
pub const NE_EXTENDED_MAX: usize = 65_536;

/// Largest data field of a short command (ISO 7816-4 §5.1).
const SHORT_LC_MAX: usize = 255;
/// Largest plain link of a chain inside SM whose *protected* command is still
/// short: `87 81 L 01 ‖ C` (C = 224 for 223 bytes, ISO 7816-4 padding to whole
/// AES blocks), `97 01 Le` and `8E 08 MAC` → 3 + 1 + 224 + 3 + 10 = 241 ≤ 255,
/// while 224 plain bytes need a 240-byte cryptogram (257 > 255).
const SM_CHAIN_LINK_MAX: usize = 223;

fn command(cla: u8, ins: u8, p1: u8, p2: u8, data: Vec<u8>, ne: Option<usize>) -> Command {
    Command { cla, ins, p1, p2, data, ne }
}

/// `00 A4 02 0C 02 FID`.
pub fn select_ef(fid: u16) -> Command {
    command(CLA_PLAIN, INS_SELECT, SELECT_P1_EF_UNDER_DF, SELECT_P2_NO_DATA, fid.to_be_bytes().to_vec(), None)
}

fn crt(algorithm: u8, slot: KeySlot) -> Vec<u8> {
    let mut data = card_os::protocol::tlv::build(TAG_ALGORITHM, &[algorithm]);
    card_os::protocol::tlv::push(&mut data, TAG_KEY_REFERENCE, &[slot.key_ref()]);
    data
}

/// `00 22 41 B6 06 80 01 alg 84 01 keyref`.
pub fn mse_set_dst(algorithm: u8, slot: KeySlot) -> Command {
    command(CLA_PLAIN, INS_MSE, MSE_P1_SET_COMPUTE, MSE_P2_DST, crt(algorithm, slot), None)
}

/// `00 22 41 B8 06 80 01 alg 84 01 keyref`.
pub fn mse_set_ct(algorithm: u8, slot: KeySlot) -> Command {
    command(CLA_PLAIN, INS_MSE, MSE_P1_SET_COMPUTE, MSE_P2_CT, crt(algorithm, slot), None)
}

/// `00 2A 9E 9A Lc input 00`.
pub fn pso_cds(input: &[u8]) -> Command {
    command(CLA_PLAIN, INS_PSO, PSO_CDS_P1, PSO_CDS_P2, input.to_vec(), Some(NE_SHORT_MAX))
}

/// PSO:DECIPHER of `00 ‖ cryptogram`: one command when the data fits a short
/// Lc, otherwise a chain (ISO 7816-4 §5.3.3) of links of at most 255 bytes,
/// 223 inside secure messaging so that every protected link is short too.
/// Only the last link has Le (`00`).
pub fn pso_decipher(cryptogram: &[u8], secure_messaging: bool) -> Vec<Command> {
    let mut data = Vec::with_capacity(cryptogram.len() + 1);
    data.push(DECIPHER_PADDING_INDICATOR);
    data.extend_from_slice(cryptogram);
    let link = if secure_messaging { SM_CHAIN_LINK_MAX } else { SHORT_LC_MAX };
    let links: Vec<&[u8]> = data.chunks(link).collect();
    let last = links.len().saturating_sub(1);
    links
        .iter()
        .enumerate()
        .map(|(index, part)| {
            let (cla, ne) = if index == last { (CLA_PLAIN, Some(NE_SHORT_MAX)) } else { (CLA_CHAINING, None) };
            command(cla, INS_PSO, PSO_DECIPHER_P1, PSO_DECIPHER_P2, part.to_vec(), ne)
        })
        .collect()
}

/// `00 88 alg 8x Lc challenge 00`.
pub fn internal_authenticate(algorithm: u8, slot: KeySlot, input: &[u8]) -> Command {
    command(
        CLA_PLAIN,
        INS_INTERNAL_AUTHENTICATE,
        algorithm,
        P2_SPECIFIC_KEY | slot.key_ref(),
        input.to_vec(),
        Some(NE_SHORT_MAX),
    )
}

/// `00 46 01 keyref 00 00 00`: the public key DO'7F49' with extended Le (an
/// RSA answer is 270 bytes: `7F49 82 0109 {81 82 0100 n, 82 03 e}`).
pub fn read_public_key(slot: KeySlot) -> Command {
    command(CLA_PLAIN, INS_GENERATE, GENERATE_P1_READ_PUBLIC_KEY, slot.key_ref(), Vec::new(), Some(NE_EXTENDED_MAX))
}

/// `00 20 00 81 0C PIN2 ‖ FF…`, or without data: the status.
pub fn verify(field: Vec<u8>) -> Command {
    command(CLA_PLAIN, INS_VERIFY, VERIFY_P1, REF_PIN2, field, None)
}

/// `00 20 FF 81`: PIN2 back to "not verified".
pub fn verify_reset() -> Command {
    command(CLA_PLAIN, INS_VERIFY, VERIFY_P1_RESET_STATUS, REF_PIN2, Vec::new(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_of(command: &Command) -> String {
        hex::encode_upper(command.to_bytes().unwrap())
    }

    #[test]
    fn apdus_of_the_spec() {
        assert_eq!(hex_of(&select_ef(FID_ODF)), "00A4020C025031");
        assert_eq!(hex_of(&mse_set_dst(0x02, KeySlot::SignAuth)), "002241B606800102840101");
        assert_eq!(hex_of(&mse_set_ct(0x1C, KeySlot::Decipher)), "002241B80680011C840102");
        assert_eq!(hex_of(&pso_cds(&[0xAB; 3])), "002A9E9A03ABABAB00");
        assert_eq!(hex_of(&internal_authenticate(0x41, KeySlot::Ecc2, &[1])), "0088418401".to_owned() + "0100");
        assert_eq!(hex_of(&read_public_key(KeySlot::SignAuth)), "0046010100".to_owned() + "0000");
        assert_eq!(hex_of(&verify_reset()), "0020FF81");
    }

    #[test]
    fn decipher_of_2048_bits_is_chained() {
        let cryptogram = [0x5A; 256];
        let plain = pso_decipher(&cryptogram, false);
        assert_eq!(plain.len(), 2);
        assert_eq!((plain[0].cla, plain[0].data.len(), plain[0].ne), (0x10, 255, None));
        assert_eq!(plain[0].data[0], 0x00);
        assert_eq!((plain[1].cla, plain[1].data.len(), plain[1].ne), (0x00, 2, Some(256)));
        let secure = pso_decipher(&cryptogram, true);
        assert_eq!(secure.iter().map(|c| c.data.len()).collect::<Vec<_>>(), vec![223, 34]);
        assert_eq!(secure.iter().map(|c| c.cla).collect::<Vec<_>>(), vec![0x10, 0x00]);
        // An ECDH point fits one command.
        assert_eq!(pso_decipher(&[0x04; 97], true).len(), 1);
    }
}
