//! A minimal EAC terminal over `card_os::Card::process`, shared by
//! `applets/tests/registry_update.rs` and `emulator/tests/eac_profile.rs`
//! (`#[path]` include). Terminal side from card-os's protocol code only:
//! PACE with a CHAT (TR-03110-2 §3.2), Terminal Authentication v2 (§3.3,
//! TR-03110-3 B.11.4–B.11.6), Chip Authentication v2 (§3.4, B.11.7), then
//! commands under the CA v2 secure messaging. Seeded: every run is the same.
#![allow(dead_code)]

use card_os::protocol::ca::{self, CaCipher};
use card_os::protocol::cvc::{self, Chat, CvCertificate};
use card_os::protocol::pace::{DynamicAuthenticationData, GaTag, MseSetAt};
use card_os::protocol::sm::{Command, Response};
use card_os::protocol::{PaceProtocol, PaceSecret, PaceTerminal, SmSession, StandardizedDomainParameters, tlv};
use card_os::ta::messages;
use card_os::{Card, CommandApdu, ResponseApdu};
use rand::SeedableRng;
use rand::rngs::StdRng;

/// MSE:Set AT for PACE (TR-03110-3 B.11.1), DST / AT for TA, AT for CA.
const MSE_SET_AT_PACE: (u8, u8) = (0xC1, 0xA4);
const MSE_SET_DST: (u8, u8) = (0x81, 0xB6);
const MSE_SET_AT_TA: (u8, u8) = (0x81, 0xA4);
const MSE_SET_AT_CA: (u8, u8) = (0x41, 0xA4);
const INS_MSE: u8 = 0x22;
const INS_PSO: u8 = 0x2A;
const INS_GENERAL_AUTHENTICATE: u8 = 0x86;
const INS_GET_CHALLENGE: u8 = 0x84;
const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;
const CLA_CHAINING: u8 = 0x10;
const SW_OK: u16 = 0x9000;
/// DO'7F4C' (CHAT) inside MSE:Set AT for PACE.
const TAG_CHAT: u16 = 0x7F4C;

/// The terminal's side of one card session.
pub struct EacTerminal {
    pub session: Option<SmSession>,
    curve: StandardizedDomainParameters,
    /// Ephemeral key of TA (its Comp goes into MSE:Set AT) reused for CA v2.
    ephemeral_private: Vec<u8>,
    ephemeral_public: Vec<u8>,
}

fn send_plain(card: &mut Card, cmd: &CommandApdu) -> ResponseApdu {
    ResponseApdu::parse(&card.process(&cmd.to_bytes().expect("encodable"))).expect("card answers")
}

pub fn command(cla: u8, ins: u8, p1: u8, p2: u8, data: &[u8], ne: Option<usize>) -> Command {
    Command { cla, ins, p1, p2, data: data.to_vec(), ne }
}

/// READ BINARY by SFI from offset 0, Ne 256.
pub fn read_sfi(sfi: u8) -> Command {
    command(0x00, 0xB0, 0x80 | sfi, 0x00, &[], Some(256))
}

pub fn select_aid(aid: &[u8]) -> Command {
    command(0x00, 0xA4, 0x04, 0x0C, aid, None)
}

impl EacTerminal {
    /// PACE with `secret` on `domain`/`protocol`, offering `chat` (the rights
    /// the holder approves). Panics when PACE fails: the tests need it.
    pub fn pace(
        card: &mut Card,
        domain: StandardizedDomainParameters,
        protocol: PaceProtocol,
        secret: &PaceSecret,
        chat: Option<Chat>,
        seed: u64,
    ) -> EacTerminal {
        let mut rng = StdRng::seed_from_u64(seed);
        let mse = MseSetAt {
            protocol,
            password: secret.password(),
            domain_parameter_id: Some(domain.id()),
            auxiliary_data: None,
            chat: chat.map(|c| tlv::parse_single(&c.encode(), TAG_CHAT).unwrap().unwrap().to_vec()),
        };
        let (p1, p2) = MSE_SET_AT_PACE;
        assert_eq!(send_plain(card, &CommandApdu::new(0x00, INS_MSE, p1, p2, mse.encode(), None)).sw, SW_OK, "MSE:Set AT for PACE");
        let ga = |card: &mut Card, chained: bool, data: DynamicAuthenticationData| {
            let cla = if chained { CLA_CHAINING } else { 0x00 };
            let r = send_plain(card, &CommandApdu::new(cla, INS_GENERAL_AUTHENTICATE, 0, 0, data.encode(), Some(256)));
            assert_eq!(r.sw, SW_OK, "GENERAL AUTHENTICATE for PACE");
            DynamicAuthenticationData::decode(&r.data).unwrap()
        };
        let terminal = PaceTerminal::new(protocol, domain, secret);
        let s1 = ga(card, true, DynamicAuthenticationData::empty());
        let (terminal, map) = terminal.decrypt_nonce(&mut rng, s1.only(GaTag::EncryptedNonce).unwrap()).unwrap();
        let s2 = ga(card, true, DynamicAuthenticationData::single(GaTag::MappingDataPcd, &map));
        let (terminal, pk) = terminal.map_nonce(&mut rng, s2.only(GaTag::MappingDataPicc).unwrap()).unwrap();
        let s3 = ga(card, true, DynamicAuthenticationData::single(GaTag::EphemeralPublicKeyPcd, &pk));
        let (terminal, token) = terminal.agree_keys(s3.only(GaTag::EphemeralPublicKeyPicc).unwrap()).unwrap();
        let s4 = ga(card, false, DynamicAuthenticationData::single(GaTag::AuthenticationTokenPcd, &token));
        let result = terminal.authenticate(s4.only(GaTag::AuthenticationTokenPicc).unwrap()).unwrap();
        let ephemeral_private = domain.generate_private_key(&mut rng).unwrap().to_vec();
        let ephemeral_public = domain.public_key(&ephemeral_private).unwrap();
        EacTerminal {
            session: Some(SmSession::from_pace(&result).unwrap()),
            curve: domain,
            ephemeral_private,
            ephemeral_public,
        }
    }

    /// Wrap, send, unwrap: the response, or `Err(sw)` for an unprotected answer.
    pub fn transmit(&mut self, card: &mut Card, plain: &Command) -> Result<Response, u16> {
        let session = self.session.as_mut().expect("session open");
        let bytes = session.wrap_command(plain).unwrap().to_bytes().unwrap();
        let answer = card.process(&bytes);
        let session = self.session.take().expect("session open");
        match session.unwrap_response(&answer) {
            Ok((session, response)) => {
                self.session = Some(session);
                Ok(response)
            }
            Err(_) => Err(ResponseApdu::parse(&answer).map(|r| r.sw).unwrap_or(0)),
        }
    }

    /// The status word of a protected command.
    pub fn sw(&mut self, card: &mut Card, cmd: &Command) -> u16 {
        self.transmit(card, cmd).map(|r| r.sw).unwrap_or_else(|sw| sw)
    }

    /// TA v2: MSE:Set DST + PSO:VERIFY CERTIFICATE for each of `chain`
    /// (DV, then terminal), MSE:Set AT, GET CHALLENGE, EXTERNAL AUTHENTICATE
    /// signed with `terminal_key`. Returns the SW of EXTERNAL AUTHENTICATE.
    pub fn terminal_authentication(&mut self, card: &mut Card, chain: &[&CvCertificate], terminal_key: &[u8]) -> u16 {
        for cert in chain {
            let (p1, p2) = MSE_SET_DST;
            let dst = command(0x00, INS_MSE, p1, p2, &messages::mse_set_dst_data(cert.authority_reference()), None);
            assert_eq!(self.sw(card, &dst), SW_OK, "MSE:Set DST {}", cert.holder_reference().as_str());
            // PSO:VERIFY CERTIFICATE with extended length (B.11.5).
            let pso = command(0x00, INS_PSO, 0x00, 0xBE, &messages::verify_certificate_data(cert), None);
            assert_eq!(self.sw(card, &pso), SW_OK, "PSO:VERIFY CERTIFICATE {}", cert.holder_reference().as_str());
        }
        let terminal = chain.last().expect("a terminal certificate");
        let comp = messages::compressed_key(self.curve, &self.ephemeral_public).unwrap();
        let algorithm = terminal.body().public_key.algorithm;
        let at = messages::mse_set_at_ta_data(algorithm, terminal.holder_reference(), &comp, None);
        let (p1, p2) = MSE_SET_AT_TA;
        assert_eq!(self.sw(card, &command(0x00, INS_MSE, p1, p2, &at, None)), SW_OK, "MSE:Set AT for TA");
        let challenge = self.transmit(card, &command(0x00, INS_GET_CHALLENGE, 0, 0, &[], Some(8))).unwrap();
        assert_eq!(challenge.sw, SW_OK, "GET CHALLENGE");
        let id_picc = card.security_status().pace.as_ref().unwrap().id_picc.clone();
        let message = messages::ta_signed_message(&id_picc, &challenge.data, &comp, None);
        let signature = cvc::sign(self.curve, terminal_key, &message).unwrap();
        self.sw(card, &command(0x00, INS_EXTERNAL_AUTHENTICATE, 0, 0, &signature, None))
    }

    /// CA v2 against the chip's static key `chip_public` (from
    /// EF.CardSecurity); checks T_PICC and switches to the new keys.
    pub fn chip_authentication(&mut self, card: &mut Card, cipher: CaCipher, chip_public: &[u8]) {
        let (p1, p2) = MSE_SET_AT_CA;
        let mse = ca::mse_set_at_data(cipher, None);
        assert_eq!(self.sw(card, &command(0x00, INS_MSE, p1, p2, &mse, None)), SW_OK, "MSE:Set AT for CA");
        let ga = ca::general_authenticate_data(&self.ephemeral_public);
        let r = self.transmit(card, &command(0x00, INS_GENERAL_AUTHENTICATE, 0, 0, &ga, Some(256))).unwrap();
        assert_eq!(r.sw, SW_OK, "GENERAL AUTHENTICATE for CA");
        let (nonce, token) = messages::decode_ca_v2_response(&r.data).expect("7C{81, 82}");
        let point = self.curve.multiply(&self.ephemeral_private, chip_public).unwrap();
        let shared = self.curve.x_coordinate(&point).unwrap();
        let (ks_enc, ks_mac) = messages::ca_v2_session_keys(cipher, &shared, &nonce).unwrap();
        let expected = messages::ca_v2_token(&ks_mac, cipher, &self.ephemeral_public).unwrap();
        assert_eq!(token, expected.to_vec(), "T_PICC");
        self.session = Some(SmSession::new(&ks_enc, &ks_mac).unwrap());
    }
}
