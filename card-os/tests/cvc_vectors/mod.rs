//! Published CV certificates of the BSI TR-03110 test PKI (brainpoolP256r1,
//! id-TA-ECDSA-SHA-256), as used by the PersoSim simulator's
//! CardVerifiableCertificateTest and Open eCard's EAC1 test input.
#![allow(dead_code)]

/// CVCA DETESTeID00004, self-signed, 2012-05-11 .. 2015-05-11, CHAT FC0F13FFFF.
pub const CVCA_00004: &str = "7F218201B67F4E82016E5F290100420E44455445535465494430303030347F4982011D060A04007F000702020202038120A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E537782207D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9832026DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B68441048BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F0469978520A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A786410474FF63AB838C73C303AC003DFEE95CF8BF55F91E8FEBCB7395D942036E47CF1845EC786EC95BB453AAC288AD023B6067913CF9B63F908F49304E5CFC8B3050DD8701015F200E44455445535465494430303030347F4C12060904007F0007030102025305FC0F13FFFF5F25060102000501015F24060105000501015F37408CAC3E842EB053EE10E9D57FB373FF4E9C36D1EDF966D6535978D498309B00D59C51D83965F4B1C75557FA6B6CA03D360A782B9BC172CE391623D6BB48B9B1AA";

/// CVCA DETESTeID00005, self-signed, 2015-05-04 .. 2018-05-04.
pub const CVCA_00005: &str = "7F218201B67F4E82016E5F290100420E44455445535465494430303030357F4982011D060A04007F000702020202038120A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E537782207D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9832026DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B68441048BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F0469978520A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A78641049BFEBA8DC7FAAB6E3BDEB3FF794DBB800848FE4F6940A4CC7EECB5159C87DA5395505892026D420A22596CD014ED1FD872DADA597DB0F8D64441041198F62D448701015F200E44455445535465494430303030357F4C12060904007F0007030102025305FC0F13FFFF5F25060105000500045F24060108000500045F374058B4E65598EFB9CA2CAFC05C80F5A907E8B69C3897C704739320896DC53492E47766841A9C3D4EAC85CE653D166B53DB06A70E735AB93C88858811EF69D6B543";

/// Link certificate: CVCA DETESTeID00005 signed by DETESTeID00004.
pub const LINK_00004_TO_00005: &str = "7f218201b67f4e82016e5f290100420e44455445535465494430303030347f4982011d060a04007f000702020202038120a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e537782207d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9832026dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b68441048bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f0469978520a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a78641049bfeba8dc7faab6e3bdeb3ff794dbb800848fe4f6940a4cc7eecb5159c87da5395505892026d420a22596cd014ed1fd872dada597db0f8d64441041198f62d448701015f200e44455445535465494430303030357f4c12060904007f0007030102025305fc0f13ffff5f25060105000500045f24060108000500045f37402d2468416d66bcbe259b9b907a73395bc1ef94ed75f9c17615210246e9efb06e6753e9055ce76623b7699b9efb1a7d3a9dd83f6e6e09e55a33ea0a5f62a1c719";

/// DV DEDVtIDGVNK00012 (non-official/foreign role 01), issued by
/// DETESTeID00005, 2016-05-18 .. 2016-08-16, CHAT 400513FF87.
pub const DV_GVNK00012: &str = "7f2181e77f4e81a05f290100420e44455445535465494430303030357f494f060a04007f000702020202038641045a2af2be146c184ddb05335ed662ce54f714af1193a56ef16e7bc1e6acb968dc28ac040930e4550abcf7c5c478324b2ba9ee32f39aa8380a6397c25a4cc291075f20104445445674494447564e4b30303031327f4c12060904007f0007030102025305400513ff875f25060106000501085f24060106000801065f374035c04a634ee73e57e9990c3241bfcfd255b14772abdcb78e614b26257df77f196696f2ad62f1c3fca9cb7a30579397d03cbf9fd596119e72f4d88980f2944063";

pub fn bytes(hex_text: &str) -> Vec<u8> {
    hex::decode(hex_text).expect("test vector is hex")
}

use card_os::protocol::StandardizedDomainParameters;
use card_os::protocol::cvc::{
    CertificateBody, CertificateReference, Chat, CvCertificate, CvDate, CvPublicKey, TaAlgorithm,
};
use sha2::{Digest, Sha384};

/// A deterministic private key for `label` on `curve`: the first valid
/// field-size prefix of SHA-384(label ‖ counter).
pub fn private_key(curve: StandardizedDomainParameters, label: &str) -> Vec<u8> {
    for counter in 0u8.. {
        let digest = Sha384::new()
            .chain_update(label)
            .chain_update([counter])
            .finalize();
        let candidate = digest[..curve.field_size()].to_vec();
        if curve.check_private_key(&candidate).is_ok() {
            return candidate;
        }
    }
    unreachable!("some counter gives a valid key")
}

/// A key pair on `curve`.
pub struct Key {
    pub curve: StandardizedDomainParameters,
    pub private: Vec<u8>,
    pub point: Vec<u8>,
}

impl Key {
    pub fn new(curve: StandardizedDomainParameters, label: &str) -> Key {
        let private = private_key(curve, label);
        let point = curve.public_key(&private).unwrap();
        Key {
            curve,
            private,
            point,
        }
    }
}

pub fn date(y: u16, m: u8, d: u8) -> CvDate {
    CvDate::new(y, m, d).unwrap()
}

pub fn reference(text: &str) -> CertificateReference {
    CertificateReference::new(text).unwrap()
}

/// Issue a certificate for `subject` (domain parameters written when
/// `chat` is a CVCA's) signed by `issuer`.
pub fn issue(
    issuer: &Key,
    car: &str,
    subject: &Key,
    chr: &str,
    chat: Chat,
    effective: CvDate,
    expiration: CvDate,
) -> CvCertificate {
    let cvca = chat.role() == card_os::protocol::cvc::CertificateRole::Cvca;
    let body = CertificateBody {
        authority_reference: reference(car),
        public_key: CvPublicKey {
            algorithm: TaAlgorithm::for_curve(subject.curve),
            domain_parameters: cvca.then_some(subject.curve),
            point: subject.point.clone(),
        },
        holder_reference: reference(chr),
        chat,
        effective_date: effective,
        expiration_date: expiration,
        extensions: None,
    };
    CvCertificate::sign(body, issuer.curve, &issuer.private).unwrap()
}
