//! The plain command APDUs of issuance (before SCP03 wrapping) and the
//! certificate zone's numbers they use (docs/spec/certificate-zone.md).

use card_os::CommandApdu;
use card_os::apdu::command::{EXTENDED_MAX_NE, SHORT_MAX_NC};
use card_os::protocol::scp03::{MAC_LEN, SecurityLevel};

use crate::citizen::CertifiedKey;

/// PKCS#15 application identifier (ISO 7816-15 §8.2: RID A000000063 + "PKCS-15").
pub const PKCS15_AID: [u8; 12] = [
    0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35,
];
/// Key references generated at issuance, in order.
pub const GENERATED_KEY_REFS: [u8; 5] = [0x01, 0x02, 0x03, 0x04, 0x05];
/// Certificate EFs: root, citizen CA, then the user certificate of key
/// `01`, `02`, `03`, and the reserved slot of key `04`.
pub const FID_ROOT_CERTIFICATE: u16 = 0x4431;
pub const FID_INTERMEDIATE_CERTIFICATE: u16 = 0x4432;
const FID_USER_CERTIFICATE_1: u16 = 0x4433;
const FID_USER_CERTIFICATE_2: u16 = 0x4434;
const FID_RESERVED_CERTIFICATE_1: u16 = 0x4435;
const FID_RESERVED_CERTIFICATE_2: u16 = 0x4436;
/// Every certificate EF with its PKCS#15 label (certificate-zone.md §PKCS#15 files).
pub const CERTIFICATE_FIDS: [(u16, &str); 6] = [
    (FID_ROOT_CERTIFICATE, "Root CA certificate"),
    (FID_INTERMEDIATE_CERTIFICATE, "Citizen CA certificate"),
    (
        FID_USER_CERTIFICATE_1,
        "Signature and authentication certificate",
    ),
    (FID_USER_CERTIFICATE_2, "Encipherment certificate"),
    (FID_RESERVED_CERTIFICATE_1, "ECC certificate 1"),
    (FID_RESERVED_CERTIFICATE_2, "ECC certificate 2"),
];

pub(crate) const STEP_SELECT: &str = "SELECT PKCS#15 application";
pub(crate) const STEP_INITIALIZE_UPDATE: &str = "INITIALIZE UPDATE";
pub(crate) const STEP_EXTERNAL_AUTHENTICATE: &str = "EXTERNAL AUTHENTICATE";
pub(crate) const STEP_ENC_CHECK: &str = "SELECT EF.ODF (encrypted: K-ENC check)";

/// ISO 7816-4 §11.2.2 SELECT: by DF name, no response data.
const INS_SELECT: u8 = 0xA4;
const P1_SELECT_BY_NAME: u8 = 0x04;
const P1_SELECT_CHILD_EF: u8 = 0x02;
/// EF.ODF of the PKCS#15 application (ISO 7816-15 §8.4).
const FID_ODF: u16 = 0x5031;
const P2_NO_RESPONSE: u8 = 0x0C;
/// ISO 7816-8 §5.1 GENERATE ASYMMETRIC KEY PAIR, P1 `00`: generate.
const INS_GENERATE: u8 = 0x46;
const P1_GENERATE: u8 = 0x00;
/// ISO 7816-4 §11.4.6 PUT DATA, P1-P2 = the certificate EF.
const INS_PUT_DATA: u8 = 0xDA;
/// Interindustry class; b5 = command chaining (ISO 7816-4 §5.3.3).
const CLA_ISO: u8 = 0x00;
const CLA_CHAINING: u8 = 0x10;
/// AES block (C-DECRYPTION pads `80 00…` to a whole block, at least one byte).
const AES_BLOCK: usize = 16;

fn encode(apdu: CommandApdu) -> Vec<u8> {
    // Every APDU here has Nc ≤ 255 or Ne = 65536, which encode.
    apdu.to_bytes().unwrap_or_default()
}

/// `00 A4 04 0C 0C A0 00 00 00 63 50 4B 43 53 2D 31 35`.
pub fn select_pkcs15() -> Vec<u8> {
    encode(CommandApdu::new(
        CLA_ISO,
        INS_SELECT,
        P1_SELECT_BY_NAME,
        P2_NO_RESPONSE,
        PKCS15_AID.to_vec(),
        None,
    ))
}

/// `00 A4 02 0C 02 50 31`: SELECT EF.ODF, a command with data that changes
/// nothing on the card.
pub fn select_odf() -> Vec<u8> {
    encode(CommandApdu::new(
        CLA_ISO,
        INS_SELECT,
        P1_SELECT_CHILD_EF,
        P2_NO_RESPONSE,
        FID_ODF.to_be_bytes().to_vec(),
        None,
    ))
}

/// `00 46 00 key-ref 00 00 00`: generate, extended Le (the RSA answer is
/// 270 bytes, certificate-zone.md §GENERATE).
pub fn generate(key_ref: u8) -> Vec<u8> {
    let mut apdu = CommandApdu::new(
        CLA_ISO,
        INS_GENERATE,
        P1_GENERATE,
        key_ref,
        Vec::new(),
        Some(EXTENDED_MAX_NE),
    );
    apdu.extended = true;
    encode(apdu)
}

/// The largest plain data field of one link whose wrapped form still fits
/// a short APDU (Lc ≤ 255): data + C-MAC, the data padded to whole AES
/// blocks under C-DECRYPTION.
pub fn max_link_data(level: SecurityLevel) -> usize {
    let room = SHORT_MAX_NC - MAC_LEN;
    if level.command_decryption() {
        // Padding adds 1..=16 bytes: the largest whole-block size that fits, minus one.
        room / AES_BLOCK * AES_BLOCK - 1
    } else {
        room
    }
}

/// PUT DATA of `der` into `fid` as a command chain: links of at most
/// `max_link` bytes, CLA `10` on all but the last.
pub fn put_data_chain(fid: u16, der: &[u8], max_link: usize) -> Vec<Vec<u8>> {
    let [p1, p2] = fid.to_be_bytes();
    let chunks: Vec<&[u8]> = der.chunks(max_link.max(1)).collect();
    let last = chunks.len().saturating_sub(1);
    chunks
        .into_iter()
        .enumerate()
        .map(|(index, chunk)| {
            let cla = if index == last { CLA_ISO } else { CLA_CHAINING };
            encode(CommandApdu::new(
                cla,
                INS_PUT_DATA,
                p1,
                p2,
                chunk.to_vec(),
                None,
            ))
        })
        .collect()
}

/// `00 DA P1 P2` without data: delete the certificate of EF `fid`
/// (certificate-zone.md §PUT DATA certificate).
pub fn delete_certificate(fid: u16) -> Vec<u8> {
    let [p1, p2] = fid.to_be_bytes();
    encode(CommandApdu::new(
        CLA_ISO,
        INS_PUT_DATA,
        p1,
        p2,
        Vec::new(),
        None,
    ))
}

/// The certificate EF of a user key.
pub fn certificate_fid(key: CertifiedKey) -> u16 {
    match key {
        CertifiedKey::SignatureAuthentication => FID_USER_CERTIFICATE_1,
        CertifiedKey::Encipherment => FID_USER_CERTIFICATE_2,
        CertifiedKey::Ecc1 => FID_RESERVED_CERTIFICATE_1,
    }
}

/// The PKCS#15 label of a certificate EF.
pub fn certificate_label(fid: u16) -> &'static str {
    CERTIFICATE_FIDS
        .iter()
        .find(|(f, _)| *f == fid)
        .map_or("certificate", |(_, label)| label)
}
