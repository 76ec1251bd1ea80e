//! The PACE protocol identifiers: id-PACE-ECDH-{GM,IM,CAM}-AES-CBC-CMAC-
//! 128/192/256 (TR-03110-3 A.1.1.1, ICAO 9303-11 §9.2.1). The chip speaks the
//! Generic Mapping; the terminal speaks all three mappings.

use alloc::vec::Vec;

use super::PaceError;
use crate::protocol::oid::ObjectIdentifier;

/// id-PACE = bsi-de(0.4.0.127.0.7) protocols(2) smartcard(2) 4; the next arc
/// is the mapping, the last the cipher (ICAO 9303-11 §9.2.1).
const ID_PACE: [u32; 9] = [0, 4, 0, 127, 0, 7, 2, 2, 4];
/// Mapping arcs of ECDH: id-PACE-ECDH-GM 2, -IM 4, -CAM 6.
const ARC_ECDH_GM: u32 = 2;
const ARC_ECDH_IM: u32 = 4;
const ARC_ECDH_CAM: u32 = 6;
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

/// How PACE maps the nonce s to the ephemeral generator Ĝ (ICAO 9303-11 §4.4.3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaceMapping {
    /// Generic Mapping: Ĝ = s·G + H, H from an ECDH on the mapping keys
    /// (ICAO 9303-11 §4.4.3.3.1).
    Generic,
    /// Integrated Mapping: Ĝ = f_G(R_p(s, t)) with a terminal nonce t
    /// (ICAO 9303-11 §4.4.3.3.2).
    Integrated,
    /// Chip Authentication Mapping: the Generic Mapping plus the chip's proof
    /// CA_IC = SK_IC⁻¹·SK_map,IC in step 4 (ICAO 9303-11 §4.4.3.5).
    ChipAuthentication,
}

impl PaceMapping {
    pub const ALL: [PaceMapping; 3] = [
        PaceMapping::Generic,
        PaceMapping::Integrated,
        PaceMapping::ChipAuthentication,
    ];

    fn arc(self) -> u32 {
        match self {
            PaceMapping::Generic => ARC_ECDH_GM,
            PaceMapping::Integrated => ARC_ECDH_IM,
            PaceMapping::ChipAuthentication => ARC_ECDH_CAM,
        }
    }
}

/// A PACE protocol: a mapping over ECDH with an AES cipher.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaceProtocol {
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-128, 0.4.0.127.0.7.2.2.4.2.2
    EcdhGmAesCbcCmac128,
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-192, 0.4.0.127.0.7.2.2.4.2.3
    EcdhGmAesCbcCmac192,
    /// id-PACE-ECDH-GM-AES-CBC-CMAC-256, 0.4.0.127.0.7.2.2.4.2.4
    EcdhGmAesCbcCmac256,
    /// id-PACE-ECDH-IM-AES-CBC-CMAC-128, 0.4.0.127.0.7.2.2.4.4.2
    EcdhImAesCbcCmac128,
    /// id-PACE-ECDH-IM-AES-CBC-CMAC-192, 0.4.0.127.0.7.2.2.4.4.3
    EcdhImAesCbcCmac192,
    /// id-PACE-ECDH-IM-AES-CBC-CMAC-256, 0.4.0.127.0.7.2.2.4.4.4
    EcdhImAesCbcCmac256,
    /// id-PACE-ECDH-CAM-AES-CBC-CMAC-128, 0.4.0.127.0.7.2.2.4.6.2
    EcdhCamAesCbcCmac128,
    /// id-PACE-ECDH-CAM-AES-CBC-CMAC-192, 0.4.0.127.0.7.2.2.4.6.3
    EcdhCamAesCbcCmac192,
    /// id-PACE-ECDH-CAM-AES-CBC-CMAC-256, 0.4.0.127.0.7.2.2.4.6.4
    EcdhCamAesCbcCmac256,
}

impl PaceProtocol {
    /// The Generic Mapping protocols (the ones the chip offers).
    pub const ALL: [PaceProtocol; 3] = [
        PaceProtocol::EcdhGmAesCbcCmac128,
        PaceProtocol::EcdhGmAesCbcCmac192,
        PaceProtocol::EcdhGmAesCbcCmac256,
    ];

    /// Every protocol of every mapping (what a terminal can run).
    pub const ALL_MAPPINGS: [PaceProtocol; 9] = [
        PaceProtocol::EcdhGmAesCbcCmac128,
        PaceProtocol::EcdhGmAesCbcCmac192,
        PaceProtocol::EcdhGmAesCbcCmac256,
        PaceProtocol::EcdhImAesCbcCmac128,
        PaceProtocol::EcdhImAesCbcCmac192,
        PaceProtocol::EcdhImAesCbcCmac256,
        PaceProtocol::EcdhCamAesCbcCmac128,
        PaceProtocol::EcdhCamAesCbcCmac192,
        PaceProtocol::EcdhCamAesCbcCmac256,
    ];

    /// The Generic Mapping protocol that sets up `cipher`.
    pub fn for_cipher(cipher: PaceCipher) -> Self {
        Self::for_mapping(PaceMapping::Generic, cipher)
    }

    /// The protocol of `mapping` that sets up `cipher`.
    pub fn for_mapping(mapping: PaceMapping, cipher: PaceCipher) -> Self {
        match (mapping, cipher) {
            (PaceMapping::Generic, PaceCipher::Aes128) => PaceProtocol::EcdhGmAesCbcCmac128,
            (PaceMapping::Generic, PaceCipher::Aes192) => PaceProtocol::EcdhGmAesCbcCmac192,
            (PaceMapping::Generic, PaceCipher::Aes256) => PaceProtocol::EcdhGmAesCbcCmac256,
            (PaceMapping::Integrated, PaceCipher::Aes128) => PaceProtocol::EcdhImAesCbcCmac128,
            (PaceMapping::Integrated, PaceCipher::Aes192) => PaceProtocol::EcdhImAesCbcCmac192,
            (PaceMapping::Integrated, PaceCipher::Aes256) => PaceProtocol::EcdhImAesCbcCmac256,
            (PaceMapping::ChipAuthentication, PaceCipher::Aes128) => {
                PaceProtocol::EcdhCamAesCbcCmac128
            }
            (PaceMapping::ChipAuthentication, PaceCipher::Aes192) => {
                PaceProtocol::EcdhCamAesCbcCmac192
            }
            (PaceMapping::ChipAuthentication, PaceCipher::Aes256) => {
                PaceProtocol::EcdhCamAesCbcCmac256
            }
        }
    }

    pub fn cipher(self) -> PaceCipher {
        match self {
            PaceProtocol::EcdhGmAesCbcCmac128
            | PaceProtocol::EcdhImAesCbcCmac128
            | PaceProtocol::EcdhCamAesCbcCmac128 => PaceCipher::Aes128,
            PaceProtocol::EcdhGmAesCbcCmac192
            | PaceProtocol::EcdhImAesCbcCmac192
            | PaceProtocol::EcdhCamAesCbcCmac192 => PaceCipher::Aes192,
            PaceProtocol::EcdhGmAesCbcCmac256
            | PaceProtocol::EcdhImAesCbcCmac256
            | PaceProtocol::EcdhCamAesCbcCmac256 => PaceCipher::Aes256,
        }
    }

    pub fn mapping(self) -> PaceMapping {
        match self {
            PaceProtocol::EcdhGmAesCbcCmac128
            | PaceProtocol::EcdhGmAesCbcCmac192
            | PaceProtocol::EcdhGmAesCbcCmac256 => PaceMapping::Generic,
            PaceProtocol::EcdhImAesCbcCmac128
            | PaceProtocol::EcdhImAesCbcCmac192
            | PaceProtocol::EcdhImAesCbcCmac256 => PaceMapping::Integrated,
            PaceProtocol::EcdhCamAesCbcCmac128
            | PaceProtocol::EcdhCamAesCbcCmac192
            | PaceProtocol::EcdhCamAesCbcCmac256 => PaceMapping::ChipAuthentication,
        }
    }

    fn last_arc(self) -> u32 {
        match self.cipher() {
            PaceCipher::Aes128 => ARC_AES_CBC_CMAC_128,
            PaceCipher::Aes192 => ARC_AES_CBC_CMAC_192,
            PaceCipher::Aes256 => ARC_AES_CBC_CMAC_256,
        }
    }

    pub fn oid(self) -> ObjectIdentifier {
        let mut arcs = [0u32; ID_PACE.len() + 2];
        arcs[..ID_PACE.len()].copy_from_slice(&ID_PACE);
        arcs[ID_PACE.len()] = self.mapping().arc();
        arcs[ID_PACE.len() + 1] = self.last_arc();
        ObjectIdentifier::from_constant_arcs(&arcs)
    }

    /// DER content octets of the OID (the value of DO'80' in MSE:Set AT and
    /// of the `06` object inside `7F49`).
    pub fn oid_der_content(self) -> Vec<u8> {
        self.oid().to_der_content()
    }

    /// The protocol of an OID of any of the three mappings.
    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, PaceError> {
        Self::ALL_MAPPINGS
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
        // id-PACE-DH-GM-3DES-CBC-CBC and id-PACE-ECDH-GM-3DES-CBC-CBC are not ours.
        assert_eq!(
            PaceProtocol::from_oid_der_content(&hex::decode("04007F00070202040201").unwrap()),
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

    /// ICAO 9303-11 §9.2.1: id-PACE-ECDH-IM = id-PACE 4, id-PACE-ECDH-CAM = id-PACE 6.
    #[test]
    fn integrated_and_chip_authentication_mapping_oids() {
        let expected = [
            (PaceProtocol::EcdhImAesCbcCmac128, "04007F00070202040402"),
            (PaceProtocol::EcdhImAesCbcCmac192, "04007F00070202040403"),
            (PaceProtocol::EcdhImAesCbcCmac256, "04007F00070202040404"),
            (PaceProtocol::EcdhCamAesCbcCmac128, "04007F00070202040602"),
            (PaceProtocol::EcdhCamAesCbcCmac192, "04007F00070202040603"),
            (PaceProtocol::EcdhCamAesCbcCmac256, "04007F00070202040604"),
        ];
        for (protocol, oid) in expected {
            assert_eq!(protocol.oid_der_content(), hex::decode(oid).unwrap());
            assert_eq!(
                PaceProtocol::from_oid_der_content(&hex::decode(oid).unwrap()),
                Ok(protocol)
            );
        }
        for p in PaceProtocol::ALL_MAPPINGS {
            assert_eq!(PaceProtocol::for_mapping(p.mapping(), p.cipher()), p);
        }
        for p in PaceProtocol::ALL {
            assert_eq!(p.mapping(), PaceMapping::Generic);
        }
        // id-PACE-DH-IM (arc 3) and id-PACE-ECDH-IM with 3DES (last arc 1) stay unsupported.
        for oid in [
            "04007F00070202040302",
            "04007F00070202040401",
            "04007F00070202040605",
        ] {
            assert_eq!(
                PaceProtocol::from_oid_der_content(&hex::decode(oid).unwrap()),
                Err(PaceError::UnsupportedProtocol)
            );
        }
    }
}
