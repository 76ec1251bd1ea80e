//! The zone's commands, decoded from the APDU header into a typed enum
//! (docs/spec/certificate-zone.md §Commands). Decoding checks only what the
//! header and the presence of data say (6700, 6A86, 6A88 for a P2 that names
//! no slot); access rules and the data's content are the handlers' part.

use card_os::StatusWord;
use card_os::apdu::CommandApdu;

use super::security_environment::{self as se, Algorithm, Template};
use super::slots::{CertificateSlot, KeyRef, certificate_slot};

/// GENERATE ASYMMETRIC KEY PAIR (ISO 7816-8 §5.1).
pub const INS_GENERATE_ASYMMETRIC_KEY_PAIR: u8 = 0x46;
/// PUT DATA (ISO 7816-4 §11.4.6), even INS: P1-P2 is the certificate EF's FID.
pub const INS_PUT_DATA: u8 = 0xDA;
/// MANAGE SECURITY ENVIRONMENT (ISO 7816-4 §11.5.11).
pub const INS_MSE: u8 = 0x22;
/// PERFORM SECURITY OPERATION (ISO 7816-8 §5.2).
pub const INS_PSO: u8 = 0x2A;
/// INTERNAL AUTHENTICATE (ISO 7816-4 §11.5.2).
pub const INS_INTERNAL_AUTHENTICATE: u8 = 0x88;

/// GENERATE P1: generate a key pair / answer the existing public key.
const P1_GENERATE: u8 = 0x00;
const P1_READ_PUBLIC_KEY: u8 = 0x01;
/// PSO P1-P2 (ISO 7816-8 §5.4, §5.9): digital signature out of input
/// data `9E 9A`; plain value out of a padding-indicator cryptogram `80 86`.
const P1P2_COMPUTE_DIGITAL_SIGNATURE: (u8, u8) = (0x9E, 0x9A);
const P1P2_DECIPHER: (u8, u8) = (0x80, 0x86);
/// INTERNAL AUTHENTICATE P2 b8 = 1: specific reference data; b5-b1 the key.
const P2_SPECIFIC_KEY: u8 = 0x80;
const P2_KEY_MASK: u8 = 0x1F;

/// One command of the zone, borrowing its data from the APDU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command<'a> {
    /// `00 46 00 keyref`: new key pair in the slot; answer its public key.
    GenerateKeyPair { key: KeyRef },
    /// `00 46 01 keyref`: answer the slot's public key.
    ReadPublicKey { key: KeyRef },
    /// `00 DA FID [cert]`: write (or, without data, delete) a certificate.
    PutCertificate { slot: &'static CertificateSlot, certificate: &'a [u8] },
    /// `00 22 41 B6|B8 crt`: select key and algorithm for a PSO.
    MseSet { template: Template, crt: &'a [u8] },
    /// `00 2A 9E 9A input`.
    ComputeDigitalSignature { input: &'a [u8] },
    /// `00 2A 80 86 00‖cryptogram`.
    Decipher { input: &'a [u8] },
    /// `00 88 alg 80|keyref challenge`.
    InternalAuthenticate { algorithm: Algorithm, key: KeyRef, challenge: &'a [u8] },
}

impl<'a> Command<'a> {
    pub fn decode(cmd: &'a CommandApdu) -> Result<Command<'a>, StatusWord> {
        let data = cmd.data.as_slice();
        match cmd.ins {
            INS_GENERATE_ASYMMETRIC_KEY_PAIR => {
                if !data.is_empty() {
                    return Err(StatusWord::WrongLength);
                }
                let generate = match cmd.p1 {
                    P1_GENERATE => true,
                    P1_READ_PUBLIC_KEY => false,
                    _ => return Err(StatusWord::IncorrectP1P2),
                };
                let key = KeyRef::new(cmd.p2).ok_or(StatusWord::ReferencedDataNotFound)?;
                Ok(if generate { Command::GenerateKeyPair { key } } else { Command::ReadPublicKey { key } })
            }
            INS_PUT_DATA => {
                let fid = u16::from_be_bytes([cmd.p1, cmd.p2]);
                let slot = certificate_slot(fid).ok_or(StatusWord::ReferencedDataNotFound)?;
                Ok(Command::PutCertificate { slot, certificate: data })
            }
            INS_MSE => {
                let template = Template::from_p2(cmd.p2)
                    .filter(|_| cmd.p1 == se::P1_SET_COMPUTATION)
                    .ok_or(StatusWord::IncorrectP1P2)?;
                Ok(Command::MseSet { template, crt: data })
            }
            INS_PSO => match (cmd.p1, cmd.p2) {
                P1P2_COMPUTE_DIGITAL_SIGNATURE => Ok(Command::ComputeDigitalSignature { input: data }),
                P1P2_DECIPHER => Ok(Command::Decipher { input: data }),
                _ => Err(StatusWord::IncorrectP1P2),
            },
            INS_INTERNAL_AUTHENTICATE => {
                let algorithm = Algorithm::from_reference(cmd.p1, None).ok_or(StatusWord::IncorrectP1P2)?;
                if cmd.p2 & P2_SPECIFIC_KEY == 0 || cmd.p2 & !(P2_SPECIFIC_KEY | P2_KEY_MASK) != 0 {
                    return Err(StatusWord::IncorrectP1P2);
                }
                let key = KeyRef::new(cmd.p2 & P2_KEY_MASK).ok_or(StatusWord::ReferencedDataNotFound)?;
                // The algorithm in P1 must suit the key in P2.
                if !algorithm.allows(key.slot().usage) {
                    return Err(StatusWord::IncorrectP1P2);
                }
                Ok(Command::InternalAuthenticate { algorithm, key, challenge: data })
            }
            _ => Err(StatusWord::InsNotSupported),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn apdu(ins: u8, p1: u8, p2: u8, data: &[u8]) -> CommandApdu {
        CommandApdu::new(0x00, ins, p1, p2, data.to_vec(), Some(256))
    }

    fn decode(ins: u8, p1: u8, p2: u8, data: &[u8]) -> Result<(), StatusWord> {
        Command::decode(&apdu(ins, p1, p2, data)).map(|_| ())
    }

    #[test]
    fn generate_header_rules() {
        let key = KeyRef::new(1).unwrap();
        assert_eq!(Command::decode(&apdu(0x46, 0x00, 0x01, &[])), Ok(Command::GenerateKeyPair { key }));
        assert_eq!(Command::decode(&apdu(0x46, 0x01, 0x01, &[])), Ok(Command::ReadPublicKey { key }));
        assert_eq!(decode(0x46, 0x00, 0x01, &[0x00]), Err(StatusWord::WrongLength));
        assert_eq!(decode(0x46, 0x02, 0x01, &[]), Err(StatusWord::IncorrectP1P2));
        assert_eq!(decode(0x46, 0x00, 0x06, &[]), Err(StatusWord::ReferencedDataNotFound));
        assert_eq!(decode(0x46, 0x00, 0x00, &[]), Err(StatusWord::ReferencedDataNotFound));
    }

    #[test]
    fn put_data_needs_a_certificate_fid() {
        assert!(decode(0xDA, 0x44, 0x31, &[]).is_ok());
        assert!(decode(0xDA, 0x44, 0x36, &[0x30, 0x00]).is_ok());
        for (p1, p2) in [(0x44, 0x30), (0x44, 0x37), (0x44, 0x21), (0x50, 0x31)] {
            assert_eq!(decode(0xDA, p1, p2, &[]), Err(StatusWord::ReferencedDataNotFound));
        }
    }

    #[test]
    fn mse_and_pso_parameters() {
        assert!(decode(0x22, 0x41, 0xB6, &[]).is_ok());
        assert!(decode(0x22, 0x41, 0xB8, &[]).is_ok());
        for (p1, p2) in [(0x41, 0xA4), (0x81, 0xB6), (0xF3, 0x01), (0x41, 0xAA)] {
            assert_eq!(decode(0x22, p1, p2, &[]), Err(StatusWord::IncorrectP1P2));
        }
        assert!(decode(0x2A, 0x9E, 0x9A, &[1]).is_ok());
        assert!(decode(0x2A, 0x80, 0x86, &[0]).is_ok());
        assert_eq!(decode(0x2A, 0x86, 0x80, &[0]), Err(StatusWord::IncorrectP1P2));
    }

    #[test]
    fn internal_authenticate_parameters() {
        let key = KeyRef::new(3).unwrap();
        let challenge: Vec<u8> = alloc::vec![1, 2, 3];
        assert_eq!(
            Command::decode(&apdu(0x88, 0x41, 0x83, &challenge)),
            Ok(Command::InternalAuthenticate { algorithm: Algorithm::EcdsaAuthentication, key, challenge: &challenge })
        );
        assert!(decode(0x88, 0x01, 0x81, &[1]).is_ok());
        assert_eq!(decode(0x88, 0x02, 0x81, &[1]), Err(StatusWord::IncorrectP1P2));
        assert_eq!(decode(0x88, 0x01, 0x01, &[1]), Err(StatusWord::IncorrectP1P2));
        assert_eq!(decode(0x88, 0x01, 0xC1, &[1]), Err(StatusWord::IncorrectP1P2));
        assert_eq!(decode(0x88, 0x01, 0x86, &[1]), Err(StatusWord::ReferencedDataNotFound));
        // RSA authentication with an EC key, ECDSA with the decipherment key.
        assert_eq!(decode(0x88, 0x01, 0x83, &[1]), Err(StatusWord::IncorrectP1P2));
        assert_eq!(decode(0x88, 0x41, 0x82, &[1]), Err(StatusWord::IncorrectP1P2));
        assert_eq!(decode(0x88, 0x01, 0x82, &[1]), Err(StatusWord::IncorrectP1P2));
        assert_eq!(decode(0xCA, 0x00, 0x00, &[]), Err(StatusWord::InsNotSupported));
    }
}
