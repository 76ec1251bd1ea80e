//! The data fields of Terminal Authentication v2 and Chip Authentication v2,
//! shared by the card and the terminal (TR-03110-3 B.11.4–B.11.7, A.2.2.3,
//! A.2.3.2). Pure: no card state.

use alloc::vec::Vec;

use crate::protocol::ca::CaCipher;
use crate::protocol::cvc::{CertificateReference, CvCertificate, TaAlgorithm};
use crate::protocol::kdf::{KdfCounter, kdf};
use crate::protocol::oid::OID_TAG;
use crate::protocol::pace::{AUTHENTICATION_TOKEN_LEN, PaceError};
use crate::protocol::symmetric;
use crate::protocol::{StandardizedDomainParameters, tlv};

/// DO'80': cryptographic mechanism reference (the protocol OID).
pub const TAG_MECHANISM: u16 = 0x80;
/// DO'83': reference of a public key (CAR in MSE:Set DST, CHR in MSE:Set AT).
pub const TAG_KEY_REFERENCE: u16 = 0x83;
/// DO'91': the terminal's compressed ephemeral public key (TR-03110-3 B.11.6).
pub const TAG_EPHEMERAL_KEY: u16 = 0x91;
/// DO'67': auxiliary authenticated data (TR-03110-3 A.6.5).
pub const TAG_AUXILIARY_DATA: u16 = 0x67;
/// DO'84': private key reference (CA key id).
pub const TAG_PRIVATE_KEY_REFERENCE: u16 = 0x84;
/// Certificate body and signature (TR-03110-3 C.1).
pub const TAG_CERTIFICATE_BODY: u16 = 0x7F4E;
pub const TAG_SIGNATURE: u16 = 0x5F37;
pub const TAG_CV_CERTIFICATE: u16 = 0x7F21;
/// GENERAL AUTHENTICATE data of CA v2 (TR-03110-3 B.11.7).
pub const TAG_DYNAMIC_AUTHENTICATION_DATA: u16 = 0x7C;
pub const TAG_CA_EPHEMERAL_KEY: u16 = 0x80;
pub const TAG_CA_NONCE: u16 = 0x81;
pub const TAG_CA_TOKEN: u16 = 0x82;
/// r_PICC of TA: 8 bytes (TR-03110-3 B.11.6 GET CHALLENGE Le = 08).
pub const TA_CHALLENGE_LEN: usize = 8;
/// r_PICC of CA v2: 8 bytes (TR-03110-3 A.2.3.2 "nonce").
pub const CA_NONCE_LEN: usize = 8;
/// Public key data object and point tag (TR-03110-3 D.3.4) the CA token MACs.
const TAG_PUBLIC_KEY: u16 = 0x7F49;
const TAG_PUBLIC_POINT: u16 = 0x86;

/// MSE:Set DST data `83 CAR` (TR-03110-3 B.11.4).
pub fn mse_set_dst_data(car: &CertificateReference) -> Vec<u8> {
    tlv::build(TAG_KEY_REFERENCE, car.as_str().as_bytes())
}

/// PSO:VERIFY CERTIFICATE data: `7F4E body ‖ 5F37 signature` (TR-03110-3 B.11.5).
pub fn verify_certificate_data(certificate: &CvCertificate) -> Vec<u8> {
    let mut data = certificate.body_encoding().to_vec();
    tlv::push(&mut data, TAG_SIGNATURE, certificate.signature());
    data
}

/// Comp(PK) for ECDH keys: the x-coordinate (TR-03110-3 A.2.2.3).
pub fn compressed_key(domain: StandardizedDomainParameters, point: &[u8]) -> Result<Vec<u8>, PaceError> {
    domain.x_coordinate(point)
}

/// MSE:Set AT for TA: `80 id-TA-ECDSA-…, 83 CHR, 91 Comp(ePK_PCD) [, 67 aux]`
/// (TR-03110-3 B.11.6). `auxiliary` is the whole DO'67'.
pub fn mse_set_at_ta_data(
    algorithm: TaAlgorithm,
    chr: &CertificateReference,
    compressed_ephemeral_key: &[u8],
    auxiliary: Option<&[u8]>,
) -> Vec<u8> {
    let mut data = tlv::build(TAG_MECHANISM, &algorithm.oid().to_der_content());
    tlv::push(&mut data, TAG_KEY_REFERENCE, chr.as_str().as_bytes());
    tlv::push(&mut data, TAG_EPHEMERAL_KEY, compressed_ephemeral_key);
    if let Some(aux) = auxiliary {
        data.extend_from_slice(aux);
    }
    data
}

/// What the terminal signs in EXTERNAL AUTHENTICATE:
/// `ID_PICC ‖ r_PICC ‖ Comp(ePK_PCD) [‖ auxiliary data]` (TR-03110-3 B.11.6, TR-03110-2 §3.3).
pub fn ta_signed_message(id_picc: &[u8], r_picc: &[u8], compressed_ephemeral_key: &[u8], auxiliary: Option<&[u8]>) -> Vec<u8> {
    let mut message = Vec::with_capacity(id_picc.len() + r_picc.len() + compressed_ephemeral_key.len());
    message.extend_from_slice(id_picc);
    message.extend_from_slice(r_picc);
    message.extend_from_slice(compressed_ephemeral_key);
    if let Some(aux) = auxiliary {
        message.extend_from_slice(aux);
    }
    message
}

/// KS_enc, KS_mac of CA v2: KDF(K, r_PICC, c) = H(K ‖ r_PICC ‖ c)
/// (TR-03110-3 A.2.3.2). `None` for a 3DES cipher: CA v2 here is AES only.
pub fn ca_v2_session_keys(
    cipher: CaCipher,
    shared_secret: &[u8],
    nonce: &[u8],
) -> Option<(zeroize::Zeroizing<Vec<u8>>, zeroize::Zeroizing<Vec<u8>>)> {
    let aes = cipher.aes()?;
    let mut seed = zeroize::Zeroizing::new(Vec::with_capacity(shared_secret.len() + nonce.len()));
    seed.extend_from_slice(shared_secret);
    seed.extend_from_slice(nonce);
    Some((kdf(&seed, KdfCounter::Enc, aes), kdf(&seed, KdfCounter::Mac, aes)))
}

/// T_PICC = MAC(KS_mac, `7F49 { 06 CA OID, 86 PK_PCD }`), 8 bytes
/// (TR-03110-3 A.2.4.2 with the CA protocol's OID).
pub fn ca_v2_token(ks_mac: &[u8], cipher: CaCipher, terminal_public_key: &[u8]) -> Option<[u8; AUTHENTICATION_TOKEN_LEN]> {
    let mut inner = tlv::build(OID_TAG, &cipher.oid().to_der_content());
    tlv::push(&mut inner, TAG_PUBLIC_POINT, terminal_public_key);
    let data = tlv::build(TAG_PUBLIC_KEY, &inner);
    let mac = symmetric::cmac(ks_mac, &[&data]).ok()?;
    let mut token = [0u8; AUTHENTICATION_TOKEN_LEN];
    token.copy_from_slice(mac.get(..AUTHENTICATION_TOKEN_LEN)?);
    Some(token)
}

/// CA v2 GENERAL AUTHENTICATE response `7C { 81 r_PICC, 82 T_PICC }`.
pub fn ca_v2_response(nonce: &[u8], token: &[u8]) -> Vec<u8> {
    let mut inner = tlv::build(TAG_CA_NONCE, nonce);
    tlv::push(&mut inner, TAG_CA_TOKEN, token);
    tlv::build(TAG_DYNAMIC_AUTHENTICATION_DATA, &inner)
}

/// Decode the CA v2 response: (r_PICC, T_PICC); `None` when malformed.
pub fn decode_ca_v2_response(data: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let inner = tlv::parse_single(data, TAG_DYNAMIC_AUTHENTICATION_DATA).ok()??;
    let objects = tlv::parse_all(inner).ok()?;
    match objects.as_slice() {
        [nonce, token] if nonce.tag == TAG_CA_NONCE && token.tag == TAG_CA_TOKEN => {
            Some((nonce.value.to_vec(), token.value.to_vec()))
        }
        _ => None,
    }
}
