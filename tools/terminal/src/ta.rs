//! Terminal Authentication v2, terminal side (TR-03110-2 §3.3, TR-03110-3
//! B.3 / B.11):
//!
//! 1. for each certificate of the chain, from the first one whose CAR the
//!    chip knows down to the terminal: MSE:Set DST `00 22 81 B6 {83 CAR}`
//!    and PSO:VERIFY CERTIFICATE `00 2A 00 BE {7F4E body, 5F37 signature}`;
//! 2. MSE:Set AT `00 22 81 A4 {80 TA OID, 83 CHR, 91 Comp(PK_PCD)}` where
//!    PK_PCD is the ephemeral key the terminal will use for Chip
//!    Authentication (TR-03110-3 B.11.1);
//! 3. GET CHALLENGE `00 84 00 00 08` → r_PICC;
//! 4. EXTERNAL AUTHENTICATE `00 82 00 00` with the signature of
//!    ID_PICC ‖ r_PICC ‖ Comp(PK_PCD) under the terminal key
//!    (TR-03110-2 §3.3.2; plain ECDSA, TR-03111 §5.2.1).

use card_os::protocol::StandardizedDomainParameters;
use card_os::protocol::cvc::{self, CertificateReference, Chat, CvCertificate};
use card_os::protocol::sm::Command;
use card_os::protocol::tlv;

use crate::card::{CLA_PLAIN, SW_OK, sw_meaning, transmit};
use crate::eac::EacFailure;
use crate::transport::Transport;

/// MANAGE SECURITY ENVIRONMENT (ISO 7816-4 §11.5.11).
const INS_MSE: u8 = 0x22;
/// PERFORM SECURITY OPERATION (ISO 7816-8 §11).
const INS_PSO: u8 = 0x2A;
/// GET CHALLENGE (ISO 7816-4 §11.5.3).
const INS_GET_CHALLENGE: u8 = 0x84;
/// EXTERNAL AUTHENTICATE (ISO 7816-4 §11.5.4).
const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;
/// MSE P1 `81`: set, for verification / external authentication (TR-03110-3 B.11.1).
const MSE_P1_SET_VERIFICATION: u8 = 0x81;
/// MSE P2 `B6`: digital signature template (TR-03110-3 B.11.1).
const MSE_P2_DST: u8 = 0xB6;
/// MSE P2 `A4`: authentication template.
const MSE_P2_AT: u8 = 0xA4;
/// PSO:VERIFY CERTIFICATE P1-P2 `00 BE` (TR-03110-3 B.11.3).
const PSO_P1_VERIFY_CERTIFICATE: u8 = 0x00;
const PSO_P2_VERIFY_CERTIFICATE: u8 = 0xBE;
/// The challenge r_PICC is 8 bytes (TR-03110-3 B.11.5).
pub const CHALLENGE_LEN: usize = 8;
/// DO'83': reference of a public key (CAR in DST, CHR in AT).
const TAG_KEY_REFERENCE: u16 = 0x83;
/// DO'80': cryptographic mechanism reference (the TA OID, value only).
const TAG_MECHANISM: u16 = 0x80;
/// DO'91': the compressed ephemeral public key of the terminal.
const TAG_EPHEMERAL_PUBLIC_KEY: u16 = 0x91;
/// DO'5F37': the certificate signature (TR-03110-3 C.1).
const TAG_SIGNATURE: u16 = 0x5F37;

/// The steps of TA, for error messages.
pub mod step {
    pub const MSE_SET_DST: &str = "MSE:Set DST";
    pub const VERIFY_CERTIFICATE: &str = "PSO:VERIFY CERTIFICATE";
    pub const MSE_SET_AT: &str = "MSE:Set AT";
    pub const GET_CHALLENGE: &str = "GET CHALLENGE";
    pub const EXTERNAL_AUTHENTICATE: &str = "EXTERNAL AUTHENTICATE";
}

/// What a terminal authenticates with: its certificate chain and its key.
pub struct TerminalCredentials {
    /// CVCA link certificates, oldest first.
    pub links: Vec<CvCertificate>,
    pub cvca: CvCertificate,
    pub dv: CvCertificate,
    pub terminal: CvCertificate,
    /// The curve of the chain (the CVCA's domain parameters).
    pub curve: StandardizedDomainParameters,
    private_key: Vec<u8>,
}

/// The private key does not outlive the credentials (volatile writes are
/// not optimized away).
impl Drop for TerminalCredentials {
    fn drop(&mut self) {
        for byte in self.private_key.iter_mut() {
            // SAFETY: `byte` is a valid, aligned, exclusive reference.
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
    }
}

impl std::fmt::Debug for TerminalCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TerminalCredentials")
            .field("terminal", &self.terminal.holder_reference().as_str())
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

impl TerminalCredentials {
    pub fn new(
        links: Vec<CvCertificate>,
        cvca: CvCertificate,
        dv: CvCertificate,
        terminal: CvCertificate,
        curve: StandardizedDomainParameters,
        private_key: &[u8],
    ) -> Self {
        Self {
            links,
            cvca,
            dv,
            terminal,
            curve,
            private_key: private_key.to_vec(),
        }
    }

    /// The authorization the chain can give at most: terminal CHAT ∩ DV CHAT
    /// ∩ CVCA CHAT (TR-03110-3 C.4), the terminal's role.
    pub fn chain_chat(&self) -> Chat {
        self.terminal
            .body()
            .chat
            .intersect(self.dv.body().chat)
            .intersect(self.cvca.body().chat)
    }

    /// The certificates to send, given the CARs the chip named after PACE
    /// (GENERAL AUTHENTICATE DO'87'/'88'): from the first certificate whose
    /// CAR the chip trusts, down to the terminal. Without CARs from the chip,
    /// the chip is assumed to trust the current CVCA: DV and terminal.
    pub fn chain_for(&self, chip_cars: &[String]) -> Result<Vec<&CvCertificate>, EacFailure> {
        let mut all: Vec<&CvCertificate> = self.links.iter().collect();
        all.push(&self.dv);
        all.push(&self.terminal);
        if chip_cars.is_empty() {
            return Ok(vec![&self.dv, &self.terminal]);
        }
        let start = all
            .iter()
            .position(|c| {
                chip_cars
                    .iter()
                    .any(|car| car == c.authority_reference().as_str())
            })
            .ok_or_else(|| EacFailure::NoChainToChip {
                chip_cars: chip_cars.join(", "),
                chain_cars: all
                    .iter()
                    .map(|c| c.authority_reference().as_str().to_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        Ok(all.split_off(start))
    }
}

/// `00 22 81 B6 {83 CAR}`.
pub fn mse_set_dst_apdu(car: &CertificateReference) -> Command {
    Command {
        cla: CLA_PLAIN,
        ins: INS_MSE,
        p1: MSE_P1_SET_VERIFICATION,
        p2: MSE_P2_DST,
        data: tlv::build(TAG_KEY_REFERENCE, car.as_str().as_bytes()),
        ne: None,
    }
}

/// `00 2A 00 BE {7F4E …, 5F37 …}`: the body as signed, then the signature.
pub fn verify_certificate_apdu(certificate: &CvCertificate) -> Command {
    let mut data = certificate.body_encoding().to_vec();
    tlv::push(&mut data, TAG_SIGNATURE, certificate.signature());
    Command {
        cla: CLA_PLAIN,
        ins: INS_PSO,
        p1: PSO_P1_VERIFY_CERTIFICATE,
        p2: PSO_P2_VERIFY_CERTIFICATE,
        data,
        ne: None,
    }
}

/// `00 22 81 A4 {80 TA OID, 83 CHR, 91 Comp(PK_PCD)}`.
pub fn mse_set_at_apdu(terminal: &CvCertificate, compressed_ephemeral_key: &[u8]) -> Command {
    let mut data = tlv::build(
        TAG_MECHANISM,
        &terminal.body().public_key.algorithm.oid().to_der_content(),
    );
    tlv::push(
        &mut data,
        TAG_KEY_REFERENCE,
        terminal.holder_reference().as_str().as_bytes(),
    );
    tlv::push(
        &mut data,
        TAG_EPHEMERAL_PUBLIC_KEY,
        compressed_ephemeral_key,
    );
    Command {
        cla: CLA_PLAIN,
        ins: INS_MSE,
        p1: MSE_P1_SET_VERIFICATION,
        p2: MSE_P2_AT,
        data,
        ne: None,
    }
}

/// `00 84 00 00 08`.
pub fn get_challenge_apdu() -> Command {
    Command {
        cla: CLA_PLAIN,
        ins: INS_GET_CHALLENGE,
        p1: 0,
        p2: 0,
        data: Vec::new(),
        ne: Some(CHALLENGE_LEN),
    }
}

/// The bytes the terminal signs: ID_PICC ‖ r_PICC ‖ Comp(PK_PCD) (TR-03110-2 §3.3.2).
pub fn signed_data(id_picc: &[u8], challenge: &[u8], compressed_ephemeral_key: &[u8]) -> Vec<u8> {
    [id_picc, challenge, compressed_ephemeral_key].concat()
}

/// Run TA on `channel` (the PACE session). `compressed_ephemeral_key` is
/// Comp(PK_PCD) of the key Chip Authentication will use next.
pub fn terminal_authentication(
    channel: &mut dyn Transport,
    credentials: &TerminalCredentials,
    chip_cars: &[String],
    id_picc: &[u8],
    compressed_ephemeral_key: &[u8],
) -> Result<(), EacFailure> {
    for certificate in credentials.chain_for(chip_cars)? {
        let which = certificate_label(certificate, credentials);
        send(
            channel,
            &mse_set_dst_apdu(certificate.authority_reference()),
            step::MSE_SET_DST,
            &which,
        )?;
        send(
            channel,
            &verify_certificate_apdu(certificate),
            step::VERIFY_CERTIFICATE,
            &which,
        )?;
    }
    let terminal = &credentials.terminal;
    send(
        channel,
        &mse_set_at_apdu(terminal, compressed_ephemeral_key),
        step::MSE_SET_AT,
        "",
    )?;
    let challenge = send(channel, &get_challenge_apdu(), step::GET_CHALLENGE, "")?;
    if challenge.len() != CHALLENGE_LEN {
        return Err(EacFailure::Malformed {
            step: step::GET_CHALLENGE,
            reason: format!(
                "r_PICC must be {CHALLENGE_LEN} bytes, the chip sent {}",
                challenge.len()
            ),
        });
    }
    let message = signed_data(id_picc, &challenge, compressed_ephemeral_key);
    let signature = cvc::sign(credentials.curve, &credentials.private_key, &message)
        .map_err(|e| EacFailure::Signing(e.to_string()))?;
    let external = Command {
        cla: CLA_PLAIN,
        ins: INS_EXTERNAL_AUTHENTICATE,
        p1: 0,
        p2: 0,
        data: signature,
        ne: None,
    };
    send(channel, &external, step::EXTERNAL_AUTHENTICATE, "")?;
    Ok(())
}

/// "(DV GTDVNEID00001)": which certificate a chain step sent.
fn certificate_label(certificate: &CvCertificate, credentials: &TerminalCredentials) -> String {
    let kind = if std::ptr::eq(certificate, &credentials.dv) {
        "DV"
    } else if std::ptr::eq(certificate, &credentials.terminal) {
        "terminal"
    } else {
        "CVCA link"
    };
    format!("{kind} {}", certificate.holder_reference())
}

/// Send one TA command; anything but 9000 is a failure naming the step.
fn send(
    channel: &mut dyn Transport,
    command: &Command,
    step: &'static str,
    what: &str,
) -> Result<Vec<u8>, EacFailure> {
    let bytes = command
        .to_bytes()
        .map_err(|e| EacFailure::Transport(crate::transport::TransportError::SecureMessaging(e)))?;
    let response = transmit(channel, &bytes).map_err(EacFailure::Transport)?;
    if response.sw != SW_OK {
        return Err(EacFailure::Card {
            protocol: "TA",
            step: if what.is_empty() {
                step.to_owned()
            } else {
                format!("{step} ({what})")
            },
            sw: response.sw,
            meaning: sw_meaning(response.sw),
        });
    }
    Ok(response.data)
}
