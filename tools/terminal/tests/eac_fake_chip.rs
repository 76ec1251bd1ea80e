//! TA + CA v2 of `terminal::run_eac` against a small chip written here from
//! TR-03110-3 (B.11 commands, A.2.3 CA v2 keys, A.2.4 token), independent of
//! the terminal code except for the shared primitives (SM, KDF, CMAC, ECDSA,
//! CV certificate codec). The chip checks every byte the terminal sends: the
//! chain by `cvc::verify_certificate`, the TA signature over
//! ID_PICC ‖ r_PICC ‖ Comp(PK_PCD), Comp(PK_PCD) against the CA key.

use card_os::protocol::ca::{CaCipher, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo};
use card_os::protocol::cvc::{
    self, AccessRight, CertificateRole, Chat, CvCertificate, TrustPoint, verify_certificate,
};
use card_os::protocol::kdf::{KdfCounter, kdf};
use card_os::protocol::sm::{Command, Response};
use card_os::protocol::{
    PaceCipher, SmSession, StandardizedDomainParameters as Curve, symmetric, tlv,
};
use pki::cv::{self, DvKind, TerminalRole, Validity};
use rand::SeedableRng;
use rand::rngs::StdRng;
use terminal::eac::{EacFailure, run_eac};
use card_os::protocol::pace::PaceMapping;
use terminal::pace::PaceEstablished;
use terminal::secure_channel::{ChannelInfo, SecureChannel};
use terminal::ta::TerminalCredentials;
use terminal::transport::{Transport, TransportError};

const CURVE: Curve = Curve::NistP384;
const KS_ENC: [u8; 32] = [0x11; 32];
const KS_MAC: [u8; 32] = [0x22; 32];
/// A "read me after CA" EF served at SFI 01.
const SECRET: &[u8] = "王大同".as_bytes();

struct FakeChip {
    session: Option<SmSession>,
    trust: TrustPoint,
    today: cvc::CvDate,
    pending_car: Option<String>,
    verified: Option<TrustPoint>,
    terminal_key: Option<(Vec<u8>, String)>,
    comp_pk_pcd: Option<Vec<u8>>,
    challenge: Option<Vec<u8>>,
    ta_done: bool,
    ca_private: Vec<u8>,
    ca_public: Vec<u8>,
    card_security: Vec<u8>,
    id_picc: Vec<u8>,
    log: Vec<String>,
}

fn sw(code: u16) -> Response {
    Response {
        data: Vec::new(),
        sw: code,
    }
}

fn ok(data: Vec<u8>) -> Response {
    Response { data, sw: 0x9000 }
}

/// `SEQUENCE { id-signedData, [0] { SEQUENCE { 3, SET {}, SEQUENCE { id-SecurityObject, [0] { OCTET STRING infos } } } } }`.
fn card_security(infos: &[u8]) -> Vec<u8> {
    // 0.4.0.127.0.7.3.2.1 id-SecurityObject and 1.2.840.113549.1.7.2.
    let security_object = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x02, 0x01];
    let signed_data_oid = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];
    let mut encap = tlv::build(0x06, &security_object);
    tlv::push(&mut encap, 0xA0, &tlv::build(0x04, infos));
    let mut sd = tlv::build(0x02, &[3]);
    tlv::push(&mut sd, 0x31, &[]);
    tlv::push(&mut sd, 0x30, &encap);
    let mut ci = tlv::build(0x06, &signed_data_oid);
    tlv::push(&mut ci, 0xA0, &tlv::build(0x30, &sd));
    tlv::build(0x30, &ci)
}

impl FakeChip {
    fn new(cvca: &CvCertificate, rng: &mut StdRng) -> Self {
        let ca_private = CURVE.generate_private_key(rng).unwrap().to_vec();
        let ca_public = CURVE.public_key(&ca_private).unwrap();
        let info = ChipAuthenticationInfo {
            cipher: CaCipher::Aes256,
            version: 2,
            key_id: Some(1),
        };
        let key = ChipAuthenticationPublicKeyInfo {
            domain: CURVE,
            public_key: ca_public.clone(),
            key_id: Some(1),
        };
        let mut infos = [info.encode(), key.encode()];
        infos.sort();
        let set = tlv::build(0x31, &infos.concat());
        FakeChip {
            session: Some(SmSession::new(&KS_ENC, &KS_MAC).unwrap()),
            trust: TrustPoint::from_cvca(cvca).unwrap(),
            today: cvca.body().effective_date,
            pending_car: None,
            verified: None,
            terminal_key: None,
            comp_pk_pcd: None,
            challenge: None,
            ta_done: false,
            ca_private,
            ca_public,
            card_security: card_security(&set),
            id_picc: vec![0x5A; 48],
            log: Vec::new(),
        }
    }

    fn handle(&mut self, cmd: &Command) -> (Response, Option<SmSession>) {
        match (cmd.ins, cmd.p1, cmd.p2) {
            // READ BINARY SFI 1D (EF.CardSecurity) or SFI 01 after CA.
            (0xB0, 0x9D, 0) => (ok(self.card_security.clone()), None),
            (0xB0, 0x81, 0) if self.ta_done => (ok(SECRET.to_vec()), None),
            (0x22, 0x81, 0xB6) => {
                let car = tlv::parse_single(&cmd.data, 0x83).ok().flatten().unwrap();
                self.pending_car = Some(String::from_utf8(car.to_vec()).unwrap());
                (sw(0x9000), None)
            }
            (0x2A, 0x00, 0xBE) => {
                let issuer = self.verified.clone().unwrap_or_else(|| self.trust.clone());
                let car = self.pending_car.take();
                if car.as_deref() != Some(issuer.holder_reference.as_str()) {
                    return (sw(0x6A88), None);
                }
                let (body, rest) = tlv::parse_one(&cmd.data).unwrap();
                let (sig, _) = tlv::parse_one(rest).unwrap();
                let cert = CvCertificate::from_bytes(&tlv::build(
                    0x7F21,
                    &[body.encoded, sig.encoded].concat(),
                ))
                .unwrap();
                match verify_certificate(&cert, &issuer, self.today) {
                    Ok(v) => {
                        self.log
                            .push(format!("verified {}", cert.holder_reference()));
                        self.verified = Some(v.trust_point);
                        (sw(0x9000), None)
                    }
                    Err(_) => (sw(0x6300), None),
                }
            }
            (0x22, 0x81, 0xA4) => {
                let objects = tlv::parse_all(&cmd.data).unwrap();
                let chr = objects.iter().find(|o| o.tag == 0x83).unwrap().value;
                let comp = objects.iter().find(|o| o.tag == 0x91).unwrap().value;
                let verified = self.verified.clone().unwrap();
                assert_eq!(verified.role, CertificateRole::Terminal);
                assert_eq!(chr, verified.holder_reference.as_str().as_bytes());
                assert_eq!(objects[0].tag, 0x80);
                self.terminal_key = Some((
                    verified.point.clone(),
                    String::from_utf8(chr.to_vec()).unwrap(),
                ));
                self.comp_pk_pcd = Some(comp.to_vec());
                (sw(0x9000), None)
            }
            (0x84, 0, 0) => {
                let r = vec![0xC3; 8];
                self.challenge = Some(r.clone());
                (ok(r), None)
            }
            (0x82, 0, 0) => {
                let (point, _) = self.terminal_key.clone().unwrap();
                let message = [
                    self.id_picc.as_slice(),
                    self.challenge.as_deref().unwrap(),
                    self.comp_pk_pcd.as_deref().unwrap(),
                ]
                .concat();
                match cvc::verify(CURVE, &point, &message, &cmd.data) {
                    Ok(()) => {
                        self.ta_done = true;
                        (sw(0x9000), None)
                    }
                    Err(_) => (sw(0x6300), None),
                }
            }
            (0x22, 0x41, 0xA4) => {
                assert!(self.ta_done, "CA before TA");
                let objects = tlv::parse_all(&cmd.data).unwrap();
                assert_eq!(
                    (objects[0].tag, objects[0].value),
                    (0x80, CaCipher::Aes256.oid().to_der_content().as_slice())
                );
                assert_eq!((objects[1].tag, objects[1].value), (0x84, &[1u8][..]));
                (sw(0x9000), None)
            }
            (0x86, 0, 0) => {
                let inner = tlv::parse_single(&cmd.data, 0x7C).unwrap().unwrap();
                let pk_pcd = tlv::parse_single(inner, 0x80).unwrap().unwrap();
                // The key TA signed must be the key CA uses.
                assert_eq!(
                    CURVE.x_coordinate(pk_pcd).unwrap(),
                    self.comp_pk_pcd.clone().unwrap()
                );
                let k = CURVE
                    .x_coordinate(&CURVE.multiply(&self.ca_private, pk_pcd).unwrap())
                    .unwrap();
                let nonce = vec![0x7E; 8];
                let mut seed = k.clone();
                seed.extend_from_slice(&nonce);
                let ks_enc = kdf(&seed, KdfCounter::Enc, PaceCipher::Aes256);
                let ks_mac = kdf(&seed, KdfCounter::Mac, PaceCipher::Aes256);
                let mut pk_do = tlv::build(0x06, &CaCipher::Aes256.oid().to_der_content());
                tlv::push(&mut pk_do, 0x86, pk_pcd);
                let token =
                    symmetric::cmac(&ks_mac, &[&tlv::build(0x7F49, &pk_do)]).unwrap()[..8].to_vec();
                let mut answer = tlv::build(0x81, &nonce);
                tlv::push(&mut answer, 0x82, &token);
                let _ = &self.ca_public;
                (
                    ok(tlv::build(0x7C, &answer)),
                    Some(SmSession::new(&ks_enc, &ks_mac).unwrap()),
                )
            }
            _ => (sw(0x6D00), None),
        }
    }
}

impl Transport for FakeChip {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let session = self.session.take().expect("chip session");
        let protected = Command::parse(apdu).unwrap();
        let (mut session, plain) = session
            .unwrap_command(&protected)
            .expect("terminal SM wrap");
        let (response, next) = self.handle(&plain);
        // The answer to the command that completes CA goes under the old keys.
        let bytes = session.wrap_response(&response).unwrap();
        self.session = Some(next.unwrap_or(session));
        Ok(bytes)
    }
    fn atr(&self) -> Vec<u8> {
        Vec::new()
    }
    fn reset(&mut self) -> Result<(), TransportError> {
        Ok(())
    }
    fn name(&self) -> String {
        "fake chip".into()
    }
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("neid-eac-fake-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Pki {
    _dir: TempDir,
    credentials: TerminalCredentials,
    cvca: CvCertificate,
}

fn pki_with(rights: &[AccessRight], rng: &mut StdRng) -> Pki {
    let dir = TempDir::new();
    let today = cv::today().unwrap();
    let v = |days| Validity::days_from(today, days).unwrap();
    cv::init_cvca(&dir.path().join("cvca"), CURVE, "TWCVCA00001", v(1000), rng).unwrap();
    cv::dv(
        &dir.path().join("cvca"),
        &dir.path().join("dv"),
        "TWDV000001",
        DvKind::Domestic,
        &AccessRight::ALL,
        v(300),
        rng,
    )
    .unwrap();
    let chain = cv::terminal(
        &dir.path().join("dv"),
        &dir.path().join("term"),
        "TWTERM00001",
        TerminalRole::Authentication,
        rights,
        v(90),
        rng,
    )
    .unwrap();
    let credentials = TerminalCredentials::new(
        chain.links.clone(),
        chain.cvca.clone(),
        chain.dv.clone(),
        chain.terminal.certificate.clone(),
        chain.terminal.curve,
        chain.terminal.private_key(),
    );
    Pki {
        _dir: dir,
        cvca: chain.cvca.clone(),
        credentials,
    }
}

fn pace<T: Transport>(
    chip: T,
    id_picc: Vec<u8>,
    chip_cars: Vec<String>,
    chat: Option<Chat>,
) -> PaceEstablished<T> {
    let info = ChannelInfo {
        protocol: card_os::protocol::PaceProtocol::EcdhGmAesCbcCmac256,
        domain_parameters: CURVE,
    };
    PaceEstablished {
        channel: SecureChannel::new(chip, SmSession::new(&KS_ENC, &KS_MAC).unwrap(), info),
        mapping: PaceMapping::Generic,
        chip_authentication: None,
        id_picc,
        chip_cars,
        chat,
    }
}

#[test]
fn ta_and_ca_v2_switch_the_channel_to_the_chip_keys() {
    let mut rng = StdRng::seed_from_u64(4);
    let pki = pki_with(
        &[AccessRight::ReadFatherName, AccessRight::ReadMotherName],
        &mut rng,
    );
    let mut chip = FakeChip::new(&pki.cvca, &mut rng);
    let id_picc = chip.id_picc.clone();
    let approved = Chat::new(CertificateRole::Terminal, &[AccessRight::ReadFatherName]);
    let session = run_eac(
        pace(
            &mut chip,
            id_picc,
            vec!["TWCVCA00001".into()],
            Some(approved),
        ),
        &pki.credentials,
        &mut rng,
    )
    .unwrap();
    // Effective: terminal (father, mother) ∩ PACE approval (father).
    assert!(session.effective_chat.contains(AccessRight::ReadFatherName));
    assert!(!session.effective_chat.contains(AccessRight::ReadMotherName));
    let mut channel = session.channel;
    // A command under the new keys: the chip answers only if both sides agree.
    let answer = channel.transmit(&[0x00, 0xB0, 0x81, 0x00, 0x00]).unwrap();
    assert_eq!(&answer[..answer.len() - 2], SECRET);
    assert_eq!(chip.log, ["verified TWDV000001", "verified TWTERM00001"]);
}

#[test]
fn wrong_signature_key_names_external_authenticate() {
    let mut rng = StdRng::seed_from_u64(5);
    let pki = pki_with(&[AccessRight::ReadFatherName], &mut rng);
    let other = pki_with(&[AccessRight::ReadFatherName], &mut rng);
    // The other PKI's terminal key with this PKI's certificates.
    let c = &pki.credentials;
    let mixed = TerminalCredentials::new(
        c.links.clone(),
        c.cvca.clone(),
        c.dv.clone(),
        c.terminal.clone(),
        CURVE,
        &{
            let dir = other._dir.path().join("term");
            cv::load_terminal(&dir)
                .unwrap()
                .terminal
                .private_key()
                .to_vec()
        },
    );
    let mut chip = FakeChip::new(&pki.cvca, &mut rng);
    let id = chip.id_picc.clone();
    let err = run_eac(pace(&mut chip, id, vec![], None), &mixed, &mut rng)
        .err()
        .unwrap();
    assert!(
        matches!(
            err,
            EacFailure::Card {
                protocol: "TA",
                sw: 0x6300,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("TA failed at EXTERNAL AUTHENTICATE: card answered 6300"),
        "{err}"
    );
}

#[test]
fn chain_of_another_cvca_is_refused_before_sending() {
    let mut rng = StdRng::seed_from_u64(6);
    let pki = pki_with(&[AccessRight::ReadFatherName], &mut rng);
    let mut chip = FakeChip::new(&pki.cvca, &mut rng);
    let id = chip.id_picc.clone();
    let err = run_eac(
        pace(&mut chip, id, vec!["TWCVCA99999".into()], None),
        &pki.credentials,
        &mut rng,
    )
    .err()
    .unwrap();
    assert!(matches!(err, EacFailure::NoChainToChip { .. }), "{err}");
    assert!(err.to_string().contains("TWCVCA99999"), "{err}");
}

#[test]
fn chain_of_another_cvca_without_car_fails_at_dv() {
    let mut rng = StdRng::seed_from_u64(7);
    let pki = pki_with(&[AccessRight::ReadFatherName], &mut rng);
    let other = pki_with(&[AccessRight::ReadFatherName], &mut rng);
    let mut chip = FakeChip::new(&other.cvca, &mut rng);
    let id = chip.id_picc.clone();
    let err = run_eac(
        pace(&mut chip, id, vec![], None),
        &pki.credentials,
        &mut rng,
    )
    .err()
    .unwrap();
    let text = err.to_string();
    assert!(
        text.starts_with("TA failed at PSO:VERIFY CERTIFICATE (DV TWDV000001): card answered 6300"),
        "{text}"
    );
}
