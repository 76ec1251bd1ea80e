//! Chip Authentication version 2, terminal side (TR-03110-2 §3.4,
//! TR-03110-3 A.2.3 / B.11.1 / B.11.2).
//!
//! * EF.CardSecurity (`011D`, read under the PACE session) is a CMS
//!   SignedData whose eContent is the SecurityInfos holding
//!   ChipAuthenticationInfo (version 2) and the chip's static
//!   ChipAuthenticationPublicKeyInfo ([`card_security_infos`]).
//! * Before TA the terminal draws its ephemeral key pair on the chip key's
//!   curve ([`CaEphemeral::new`]); TA signs Comp(PK_PCD).
//! * After TA: MSE:Set AT `00 22 41 A4 {80 CA OID [84 keyId]}`, GENERAL
//!   AUTHENTICATE `7C {80 PK_PCD}` → `7C {81 r_PICC, 82 T_PICC}`.
//! * K = x(SK_PCD · PK_PICC); KS_enc = KDF(K ‖ r_PICC, 1),
//!   KS_mac = KDF(K ‖ r_PICC, 2) (TR-03110-3 A.2.3.1: the nonce is appended
//!   to the shared secret); T_PICC = CMAC(KS_mac, 7F49 {06 CA OID, 86 PK_PCD})
//!   truncated to 8 bytes (A.2.4.2). The chip answers GA under the PACE keys,
//!   then both sides restart SM with the new keys and SSC 0.

use card_os::protocol::ca::{
    CaCipher, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, decode_dg14,
};
use card_os::protocol::der::{TAG_SEQUENCE, TAG_SET};
use card_os::protocol::kdf::{KdfCounter, kdf};
use card_os::protocol::oid::{OID_TAG, ObjectIdentifier};
use card_os::protocol::sm::Command;
use card_os::protocol::{SmSession, StandardizedDomainParameters, symmetric, tlv};
use rand::CryptoRng;

use crate::card::{CLA_PLAIN, SW_OK, sw_meaning, transmit};
use crate::eac::EacFailure;
use crate::transport::{Transport, TransportError};

/// EF.CardSecurity short EF identifier (TR-03110-3 A.1.2, FID `011D`).
pub const SFI_CARD_SECURITY: u8 = 0x1D;
const INS_MSE: u8 = 0x22;
const INS_GENERAL_AUTHENTICATE: u8 = 0x86;
/// MSE P1 `41`: set, for internal authentication / computation (TR-03110-3 B.11.1).
const MSE_P1_SET_COMPUTATION: u8 = 0x41;
const MSE_P2_AT: u8 = 0xA4;
const TAG_MECHANISM: u16 = 0x80;
const TAG_PRIVATE_KEY_REFERENCE: u16 = 0x84;
const TAG_DYNAMIC_AUTHENTICATION_DATA: u16 = 0x7C;
/// Inside `7C`: PK_PCD (command), r_PICC and T_PICC (response) (TR-03110-3 B.11.2).
const TAG_EPHEMERAL_PUBLIC_KEY: u16 = 0x80;
const TAG_NONCE: u16 = 0x81;
const TAG_TOKEN: u16 = 0x82;
/// Public key data object and its point (TR-03110-3 D.3.1, D.3.4).
const TAG_PUBLIC_KEY: u16 = 0x7F49;
const TAG_PUBLIC_POINT: u16 = 0x86;
/// The authentication token is a CMAC truncated to 8 bytes (TR-03110-3 A.2.4.2).
const TOKEN_LEN: usize = 8;
/// CA version 2 in ChipAuthenticationInfo (TR-03110-3 A.1.1.2).
const CA_VERSION_2: u32 = 2;
/// DG14's tag: SecurityInfos wrapped as `[APPLICATION 14]` reuse its decoder.
const DG14_TAG: u16 = 0x6E;
/// `[0]` EXPLICIT, constructed (ContentInfo.content, eContent; RFC 5652 §3, §5.2).
const TAG_CONTEXT_0: u16 = 0xA0;
const TAG_OCTET_STRING: u16 = 0x04;
/// GENERAL AUTHENTICATE answers fit in 256 bytes.
const NE_SHORT_MAX: usize = 256;
/// id-signedData 1.2.840.113549.1.7.2 (RFC 5652 §5.1).
const ID_SIGNED_DATA: [u32; 7] = [1, 2, 840, 113549, 1, 7, 2];

pub mod step {
    pub const CARD_SECURITY: &str = "EF.CardSecurity (011D)";
    pub const MSE_SET_AT: &str = "MSE:Set AT";
    pub const GENERAL_AUTHENTICATE: &str = "GENERAL AUTHENTICATE";
}

/// The chip's static CA key as EF.CardSecurity announces it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipKey {
    pub info: ChipAuthenticationInfo,
    pub key: ChipAuthenticationPublicKeyInfo,
}

fn malformed(step: &'static str, reason: impl Into<String>) -> EacFailure {
    EacFailure::Malformed {
        step,
        reason: reason.into(),
    }
}

/// The eContent of EF.CardSecurity: ContentInfo → [0] SignedData →
/// encapContentInfo → [0] OCTET STRING (RFC 5652 §3, §5.1, §5.2).
pub fn signed_content(card_security: &[u8]) -> Result<&[u8], EacFailure> {
    let bad = |what: &str| malformed(step::CARD_SECURITY, format!("{what} (RFC 5652 §5)"));
    let content_info = tlv::parse_single(card_security, TAG_SEQUENCE)
        .map_err(|e| malformed(step::CARD_SECURITY, e.to_string()))?
        .ok_or_else(|| bad("is not a ContentInfo SEQUENCE"))?;
    let fields =
        tlv::parse_all(content_info).map_err(|e| malformed(step::CARD_SECURITY, e.to_string()))?;
    let [content_type, content] = fields.as_slice() else {
        return Err(bad("ContentInfo must be contentType and [0] content"));
    };
    let is_signed_data = ObjectIdentifier::from_der_content(content_type.value)
        .is_ok_and(|oid| oid.arcs() == ID_SIGNED_DATA);
    if content_type.tag != OID_TAG || !is_signed_data || content.tag != TAG_CONTEXT_0 {
        return Err(bad("contentType must be id-signedData with [0] content"));
    }
    let signed_data = tlv::parse_single(content.value, TAG_SEQUENCE)
        .map_err(|e| malformed(step::CARD_SECURITY, e.to_string()))?
        .ok_or_else(|| bad("[0] must hold a SignedData SEQUENCE"))?;
    let parts =
        tlv::parse_all(signed_data).map_err(|e| malformed(step::CARD_SECURITY, e.to_string()))?;
    // version, digestAlgorithms, encapContentInfo, …
    let encap = parts
        .get(2)
        .filter(|p| p.tag == TAG_SEQUENCE)
        .ok_or_else(|| bad("SignedData lacks encapContentInfo"))?;
    let encap =
        tlv::parse_all(encap.value).map_err(|e| malformed(step::CARD_SECURITY, e.to_string()))?;
    let [_, explicit] = encap.as_slice() else {
        return Err(bad("encapContentInfo must carry eContent"));
    };
    let octets = tlv::parse_single(explicit.value, TAG_OCTET_STRING)
        .map_err(|e| malformed(step::CARD_SECURITY, e.to_string()))?
        .ok_or_else(|| bad("eContent must be an OCTET STRING"))?;
    Ok(octets)
}

/// The CA v2 key of EF.CardSecurity: the first ChipAuthenticationInfo of
/// version 2 with a public key of the same keyId (TR-03110-3 A.1.1.2).
pub fn card_security_infos(card_security: &[u8]) -> Result<ChipKey, EacFailure> {
    let security_infos = signed_content(card_security)?;
    if security_infos.first().map(|&b| u16::from(b)) != Some(TAG_SET) {
        return Err(malformed(
            step::CARD_SECURITY,
            "eContent must be SecurityInfos (a SET OF SecurityInfo)",
        ));
    }
    // SecurityInfos of DG14 and of EF.CardSecurity are the same ASN.1 type.
    let infos = decode_dg14(&tlv::build(DG14_TAG, security_infos))
        .map_err(|e| malformed(step::CARD_SECURITY, e.to_string()))?;
    infos
        .chip_authentication
        .iter()
        .filter(|i| i.version == CA_VERSION_2)
        .find_map(|info| {
            infos
                .public_keys
                .iter()
                .find(|k| match (info.key_id, k.key_id) {
                    (Some(a), Some(b)) => a == b,
                    _ => true,
                })
                .map(|key| ChipKey { info: *info, key: key.clone() })
        })
        .ok_or_else(|| {
            malformed(step::CARD_SECURITY, "lists no ChipAuthenticationInfo version 2 with its ChipAuthenticationPublicKeyInfo")
        })
}

/// The terminal's ephemeral CA key pair, on the chip key's curve.
pub struct CaEphemeral {
    chip: ChipKey,
    private_key: Vec<u8>,
    public_key: Vec<u8>,
}

impl Drop for CaEphemeral {
    fn drop(&mut self) {
        for byte in self.private_key.iter_mut() {
            // SAFETY: `byte` is a valid, aligned, exclusive reference.
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
    }
}

impl CaEphemeral {
    pub fn new<R: CryptoRng>(rng: &mut R, chip: ChipKey) -> Result<Self, EacFailure> {
        let domain = chip.key.domain;
        let ca = |e: card_os::protocol::PaceError| {
            malformed(step::CARD_SECURITY, format!("chip key: {e}"))
        };
        domain.check_public_key(&chip.key.public_key).map_err(ca)?;
        if chip.info.cipher.aes().is_none() {
            return Err(malformed(
                step::CARD_SECURITY,
                "CA v2 needs an AES protocol (id-CA-ECDH-AES-CBC-CMAC-…)",
            ));
        }
        let private_key = domain.generate_private_key(rng).map_err(ca)?.to_vec();
        let public_key = domain.public_key(&private_key).map_err(ca)?;
        Ok(Self {
            chip,
            private_key,
            public_key,
        })
    }

    pub fn domain(&self) -> StandardizedDomainParameters {
        self.chip.key.domain
    }

    /// PK_PCD, uncompressed.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// Comp(PK_PCD): the x-coordinate (TR-03110-3 A.2.2.3).
    pub fn compressed(&self) -> Result<Vec<u8>, EacFailure> {
        self.domain()
            .x_coordinate(&self.public_key)
            .map_err(|e| malformed(step::CARD_SECURITY, e.to_string()))
    }
}

/// `00 22 41 A4 {80 CA OID [84 keyId]}`.
pub fn mse_set_at_apdu(info: &ChipAuthenticationInfo) -> Command {
    let mut data = tlv::build(TAG_MECHANISM, &info.cipher.oid().to_der_content());
    if let Some(id) = info.key_id {
        let bytes = id.to_be_bytes();
        let first = bytes
            .iter()
            .position(|&b| b != 0)
            .unwrap_or(bytes.len() - 1);
        tlv::push(&mut data, TAG_PRIVATE_KEY_REFERENCE, &bytes[first..]);
    }
    Command {
        cla: CLA_PLAIN,
        ins: INS_MSE,
        p1: MSE_P1_SET_COMPUTATION,
        p2: MSE_P2_AT,
        data,
        ne: None,
    }
}

/// `00 86 00 00 7C {80 PK_PCD} 00`.
pub fn general_authenticate_apdu(public_key: &[u8]) -> Command {
    Command {
        cla: CLA_PLAIN,
        ins: INS_GENERAL_AUTHENTICATE,
        p1: 0,
        p2: 0,
        data: tlv::build(
            TAG_DYNAMIC_AUTHENTICATION_DATA,
            &tlv::build(TAG_EPHEMERAL_PUBLIC_KEY, public_key),
        ),
        ne: Some(NE_SHORT_MAX),
    }
}

/// KS_enc and KS_mac of CA v2 from K and r_PICC (TR-03110-3 A.2.3.1).
pub fn session_keys(
    cipher: CaCipher,
    shared_secret: &[u8],
    nonce: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), EacFailure> {
    let aes = cipher
        .aes()
        .ok_or_else(|| malformed(step::GENERAL_AUTHENTICATE, "CA v2 needs AES"))?;
    let seed = [shared_secret, nonce].concat();
    Ok((
        kdf(&seed, KdfCounter::Enc, aes).to_vec(),
        kdf(&seed, KdfCounter::Mac, aes).to_vec(),
    ))
}

/// T = CMAC(KS_mac, 7F49 {06 CA OID, 86 PK_PCD}), 8 bytes (TR-03110-3 A.2.4.2).
pub fn authentication_token(
    cipher: CaCipher,
    ks_mac: &[u8],
    terminal_public_key: &[u8],
) -> Result<Vec<u8>, EacFailure> {
    let mut inner = tlv::build(OID_TAG, &cipher.oid().to_der_content());
    tlv::push(&mut inner, TAG_PUBLIC_POINT, terminal_public_key);
    let data = tlv::build(TAG_PUBLIC_KEY, &inner);
    let mac = symmetric::cmac(ks_mac, &[&data])
        .map_err(|e| malformed(step::GENERAL_AUTHENTICATE, format!("{e:?}")))?;
    Ok(mac[..TOKEN_LEN].to_vec())
}

/// Run CA v2 on `channel`; on success the new session (SSC 0).
pub fn chip_authentication(
    channel: &mut dyn Transport,
    ephemeral: &CaEphemeral,
) -> Result<SmSession, EacFailure> {
    let info = &ephemeral.chip.info;
    send(channel, &mse_set_at_apdu(info), step::MSE_SET_AT)?;
    let answer = send(
        channel,
        &general_authenticate_apdu(&ephemeral.public_key),
        step::GENERAL_AUTHENTICATE,
    )?;
    let bad = |reason: &str| malformed(step::GENERAL_AUTHENTICATE, reason.to_owned());
    let data = tlv::parse_single(&answer, TAG_DYNAMIC_AUTHENTICATION_DATA)
        .map_err(|e| bad(&e.to_string()))?
        .ok_or_else(|| bad("response must be 7C {81 nonce, 82 token}"))?;
    let objects = tlv::parse_all(data).map_err(|e| bad(&e.to_string()))?;
    let [nonce, token] = objects.as_slice() else {
        return Err(bad("response must be 7C {81 nonce, 82 token}"));
    };
    if nonce.tag != TAG_NONCE || token.tag != TAG_TOKEN {
        return Err(bad("response must be 7C {81 nonce, 82 token}"));
    }
    let domain = ephemeral.domain();
    let point = domain
        .multiply(&ephemeral.private_key, &ephemeral.chip.key.public_key)
        .map_err(|e| bad(&e.to_string()))?;
    let mut k = domain
        .x_coordinate(&point)
        .map_err(|e| bad(&e.to_string()))?;
    let (ks_enc, ks_mac) = session_keys(info.cipher, &k, nonce.value)?;
    k.iter_mut().for_each(|b| *b = 0);
    let expected = authentication_token(info.cipher, &ks_mac, &ephemeral.public_key)?;
    // Not secret, but compared whole: the token is public once sent.
    if expected != token.value {
        return Err(EacFailure::BadChipToken);
    }
    SmSession::new(&ks_enc, &ks_mac)
        .map_err(|e| EacFailure::Transport(TransportError::SecureMessaging(e)))
}

fn send(
    channel: &mut dyn Transport,
    command: &Command,
    step: &'static str,
) -> Result<Vec<u8>, EacFailure> {
    let bytes = command
        .to_bytes()
        .map_err(|e| EacFailure::Transport(TransportError::SecureMessaging(e)))?;
    let response = transmit(channel, &bytes).map_err(EacFailure::Transport)?;
    if response.sw != SW_OK {
        return Err(EacFailure::Card {
            protocol: "CA",
            step: step.to_owned(),
            sw: response.sw,
            meaning: sw_meaning(response.sw),
        });
    }
    Ok(response.data)
}
