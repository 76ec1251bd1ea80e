//! The PACE protocol identifiers this chip speaks: id-PACE-ECDH-GM-AES-CBC-CMAC-
//! 128/192/256 (TR-03110-3 A.1.1.1, ICAO 9303-11 §9.2.1).

use alloc::vec::Vec;

use super::PaceError;
use crate::protocol::oid::ObjectIdentifier;

/// id-PACE-ECDH-GM = bsi-de(0.4.0.127.0.7) protocols(2) smartcard(2) 4 2.
const ID_PACE_ECDH_GM: [u32; 10] = [0, 4, 0, 127, 0, 7, 2, 2, 4, 2];
/// Last arc for each cipher (TR-03110-3 A.1.1.1).
const ARC_AES_CBC_CMAC_128: u32 = 2;
const ARC_AES_CBC_CMAC_192: u32 = 3;
const ARC_AES_CBC_CMAC_256: u32 = 4;

/// The symmetric cipher PACE sets up for secure messaging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaceCipher {
    Aes128,
    Aes192,
    Aes256,
}

impl PaceCipher {
    pub const ALL: [PaceCipher; 3] = [PaceCipher::Aes128, PaceCipher::Aes192, PaceCipher::Aes256];

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            PaceCipher::Aes128 => 16,
            PaceCipher::Aes192 => 24,
            PaceCipher::Aes256 => 32,
        }
    }

    /// The cipher for a session key length, if AES.
    pub fn from_key_len(len: usize) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key_len() == len)
    }
}

/// A PACE protocol: Generic Mapping over ECDH with an AES cipher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaceProtocol {
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-128, 0.4.0.127.0.7.2.2.4.2.2
    EcdhGmAesCbcCmac128,
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-192, 0.4.0.127.0.7.2.2.4.2.3
    EcdhGmAesCbcCmac192,
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-256, 0.4.0.127.0.7.2.2.4.2.4
    EcdhGmAesCbcCmac256,
}

impl PaceProtocol {
    pub const ALL: [PaceProtocol; 3] = [
        PaceProtocol::EcdhGmAesCbcCmac128,
        PaceProtocol::EcdhGmAesCbcCmac192,
        PaceProtocol::EcdhGmAesCbcCmac256,
    ];

    /// The protocol that sets up `cipher`.
    pub fn for_cipher(cipher: PaceCipher) -> Self {
        match cipher {
            PaceCipher::Aes128 => PaceProtocol::EcdhGmAesCbcCmac128,
            PaceCipher::Aes192 => PaceProtocol::EcdhGmAesCbcCmac192,
            PaceCipher::Aes256 => PaceProtocol::EcdhGmAesCbcCmac256,
        }
    }

    pub fn cipher(self) -> PaceCipher {
        match self {
            PaceProtocol::EcdhGmAesCbcCmac128 => PaceCipher::Aes128,
            PaceProtocol::EcdhGmAesCbcCmac192 => PaceCipher::Aes192,
            PaceProtocol::EcdhGmAesCbcCmac256 => PaceCipher::Aes256,
        }
    }

    fn last_arc(self) -> u32 {
        match self {
            PaceProtocol::EcdhGmAesCbcCmac128 => ARC_AES_CBC_CMAC_128,
            PaceProtocol::EcdhGmAesCbcCmac192 => ARC_AES_CBC_CMAC_192,
            PaceProtocol::EcdhGmAesCbcCmac256 => ARC_AES_CBC_CMAC_256,
        }
    }

    pub fn oid(self) -> ObjectIdentifier {
        let mut arcs = [0u32; ID_PACE_ECDH_GM.len() + 1];
        arcs[..ID_PACE_ECDH_GM.len()].copy_from_slice(&ID_PACE_ECDH_GM);
        arcs[ID_PACE_ECDH_GM.len()] = self.last_arc();
        ObjectIdentifier::from_constant_arcs(&arcs)
    }

    /// DER content octets of the OID (the value of DO'80' in MSE:Set AT and
    /// of the `06` object inside `7F49`).
    pub fn oid_der_content(self) -> Vec<u8> {
        self.oid().to_der_content()
    }

    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, PaceError> {
        Self::ALL
            .into_iter()
            .find(|p| p.oid() == *oid)
            .ok_or(PaceError::UnsupportedProtocol)
    }

    pub fn from_oid_der_content(content: &[u8]) -> Result<Self, PaceError> {
        let oid = ObjectIdentifier::from_der_content(content)
            .map_err(|_| PaceError::UnsupportedProtocol)?;
        Self::from_oid(&oid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_match_tr03110() {
        assert_eq!(
            PaceProtocol::EcdhGmAesCbcCmac128.oid_der_content(),
            hex::decode("04007F00070202040202").unwrap()
        );
        assert_eq!(
            PaceProtocol::EcdhGmAesCbcCmac192.oid_der_content(),
            hex::decode("04007F00070202040203").unwrap()
        );
        assert_eq!(
            PaceProtocol::EcdhGmAesCbcCmac256.oid_der_content(),
            hex::decode("04007F00070202040204").unwrap()
        );
        for p in PaceProtocol::ALL {
            assert_eq!(
                PaceProtocol::from_oid_der_content(&p.oid_der_content()),
                Ok(p)
            );
            assert_eq!(PaceProtocol::for_cipher(p.cipher()), p);
        }
        // id-PACE-ECDH-IM-AES-CBC-CMAC-128 and id-PACE-DH-GM-3DES are not ours.
        assert_eq!(
            PaceProtocol::from_oid_der_content(&hex::decode("04007F00070202040402").unwrap()),
            Err(PaceError::UnsupportedProtocol)
        );
        assert_eq!(
            PaceProtocol::from_oid_der_content(&hex::decode("04007F00070202040101").unwrap()),
            Err(PaceError::UnsupportedProtocol)
        );
        assert_eq!(
            PaceProtocol::from_oid_der_content(&[]),
            Err(PaceError::UnsupportedProtocol)
        );
    }
}
