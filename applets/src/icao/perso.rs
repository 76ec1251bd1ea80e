//! What personalization writes into the ICAO zone, checked: the LDS1 files
//! (EF.COM, DG1, DG2, DG14, DG15, EF.SOD as given) and the NVM objects of
//! card-os's BAC, Active Authentication and Chip Authentication
//! (docs/spec/icao.md). The keys are generated outside the card (the
//! emulator, from the profile's seed) and handed in; EF.SOD is signed outside
//! the card over [`IcaoFiles::signed_data_groups`].

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use card_os::active_auth::{self, OBJECT_AA_KEY};
use card_os::bac::OBJECT_BAC_ENABLED;
use card_os::chip_auth::{OBJECT_CA_INFOS, OBJECT_CA_KEY};
use card_os::protocol::aa::{encode_dg15, AaPrivateKey, ActiveAuthenticationInfo};
use card_os::protocol::ca::{
    encode_dg14, CaCipher, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, Dg14,
};
use card_os::protocol::ca::info::CA_VERSION_1;
use card_os::protocol::StandardizedDomainParameters;

use super::face::FaceImage;
use super::lds;
use crate::error::PersoError;
use crate::pace_perso::{MrzPassword, PaceSetup};

/// TD1: three lines of 30 characters (ICAO 9303-5 §4.2).
pub const TD1_LINES: usize = 3;
pub const TD1_LINE_LEN: usize = 30;
/// TD1 positions of the BAC / PACE key fields (ICAO 9303-5 §4.2.2), as
/// ranges over the line: document number + check digit (line 1), date of
/// birth + check digit and date of expiry + check digit (line 2).
const L1_DOCUMENT_NUMBER_AND_CHECK: core::ops::Range<usize> = 5..15;
const L2_BIRTH_AND_CHECK: core::ops::Range<usize> = 0..7;
const L2_EXPIRY_AND_CHECK: core::ops::Range<usize> = 8..15;
/// Line 1 position 14 is `<` when the document number runs into the
/// optional data (more than 9 characters, ICAO 9303-5 §4.2.4 note j).
const L1_CHECK_POSITION: usize = 14;
const MRZ_FILLER: u8 = b'<';
/// Value of the BAC NVM object (its presence is what counts).
const BAC_ENABLED: &[u8] = &[0x01];

/// The chip's static Chip Authentication key (ECDH on a standardized curve).
#[derive(Clone, PartialEq, Eq)]
pub struct CaStaticKey {
    pub domain: StandardizedDomainParameters,
    /// Big-endian, field size, 0 < k < n.
    pub private_key: Vec<u8>,
}

impl fmt::Debug for CaStaticKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaStaticKey").field("domain", &self.domain).finish_non_exhaustive()
    }
}

/// Everything personalization needs for the ICAO zone.
#[derive(Clone)]
pub struct IcaoZoneInput {
    /// The three TD1 MRZ lines as printed (the senior's date of expiry is
    /// `<<<<<<` with check digit `0`: stored as is, it round-trips).
    pub mrz: [String; TD1_LINES],
    pub face: FaceImage,
    /// The Active Authentication key; its public key goes to DG15.
    pub aa_key: AaPrivateKey,
    pub ca_key: CaStaticKey,
    /// The CA protocols DG14 offers (one ChipAuthenticationInfo each), e.g.
    /// 3DES for BAC terminals and the PACE cipher's AES.
    pub ca_ciphers: Vec<CaCipher>,
    /// Offer BAC (the profile's `card.bac`).
    pub bac: bool,
    /// EF.SOD, signed outside the card over DG1, DG2, DG14 and DG15.
    pub security_object: Vec<u8>,
}

impl PartialEq for IcaoZoneInput {
    fn eq(&self, other: &Self) -> bool {
        self.mrz == other.mrz
            && self.face == other.face
            && self.aa_key.public_key() == other.aa_key.public_key()
            && self.ca_key == other.ca_key
            && self.ca_ciphers == other.ca_ciphers
            && self.bac == other.bac
            && self.security_object == other.security_object
    }
}

impl Eq for IcaoZoneInput {}

/// Private keys never reach logs.
impl fmt::Debug for IcaoZoneInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IcaoZoneInput")
            .field("face_bytes", &self.face.jpeg.len())
            .field("ca_key", &self.ca_key)
            .field("ca_ciphers", &self.ca_ciphers)
            .field("bac", &self.bac)
            .field("security_object_bytes", &self.security_object.len())
            .finish_non_exhaustive()
    }
}

/// The contents of the ICAO zone's EFs (`Default`: all empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IcaoFiles {
    pub com: Vec<u8>,
    pub dg1: Vec<u8>,
    pub dg2: Vec<u8>,
    pub dg14: Vec<u8>,
    pub dg15: Vec<u8>,
}

impl IcaoFiles {
    /// (data group number, content) of the data groups EF.SOD covers.
    pub fn signed_data_groups(&self) -> [(u8, &[u8]); 4] {
        [(1, &self.dg1), (2, &self.dg2), (14, &self.dg14), (15, &self.dg15)]
    }
}

fn icao_error(field: &'static str, rule: &'static str) -> PersoError {
    PersoError::Icao { field, rule }
}

impl IcaoZoneInput {
    /// The MRZ as DG1 stores it: 90 characters `0-9 A-Z <`.
    fn mrz_bytes(&self) -> Result<Vec<u8>, PersoError> {
        let mut out = Vec::with_capacity(TD1_LINES * TD1_LINE_LEN);
        for line in &self.mrz {
            let bytes = line.as_bytes();
            if bytes.len() != TD1_LINE_LEN
                || !bytes.iter().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || *b == MRZ_FILLER)
            {
                return Err(icao_error(
                    "icao.mrz",
                    "three TD1 lines of 30 characters 0-9, A-Z or '<' (ICAO 9303-5 §4.2)",
                ));
            }
            out.extend_from_slice(bytes);
        }
        Ok(out)
    }

    /// The DG14 SecurityInfos: one ChipAuthenticationInfo per offered
    /// cipher, the CA public key, ActiveAuthenticationInfo for ECDSA, and
    /// the card's PACEInfo (ICAO 9303-11 §9.2).
    pub fn dg14(&self, pace: &PaceSetup) -> Result<Dg14, PersoError> {
        if self.ca_ciphers.is_empty() {
            return Err(icao_error("icao.ca_ciphers", "DG14 must offer at least one Chip Authentication protocol"));
        }
        let public_key = self.ca_key.domain.public_key(&self.ca_key.private_key).map_err(|_| {
            icao_error("icao.ca_key", "must be a private key 0 < k < n of its domain parameters")
        })?;
        let chip_authentication = self
            .ca_ciphers
            .iter()
            .map(|&cipher| ChipAuthenticationInfo { cipher, version: CA_VERSION_1, key_id: None })
            .collect();
        let active_authentication = match self.aa_key {
            AaPrivateKey::EcdsaP384(_) => Some(ActiveAuthenticationInfo::ecdsa_plain_sha384()),
            AaPrivateKey::Rsa { .. } => None,
        };
        Ok(Dg14 {
            chip_authentication,
            public_keys: alloc::vec![ChipAuthenticationPublicKeyInfo {
                domain: self.ca_key.domain,
                public_key,
                key_id: None,
            }],
            active_authentication,
            others: alloc::vec![pace.pace_info().encode()],
        })
    }

    /// The EF contents (EF.SOD aside), checked.
    pub fn files(&self, pace: &PaceSetup) -> Result<IcaoFiles, PersoError> {
        let mrz = self.mrz_bytes()?;
        let facial_record = self
            .face
            .facial_record()
            .ok_or(icao_error("icao.face", "the facial record must be shorter than 4 GiB"))?;
        if self.face.jpeg.is_empty() {
            return Err(icao_error("icao.face", "the face image must not be empty"));
        }
        let tags = [lds::TAG_DG1, lds::TAG_DG2, lds::TAG_DG14, lds::TAG_DG15];
        Ok(IcaoFiles {
            com: lds::ef_com(&tags),
            dg1: lds::dg1(&mrz),
            dg2: lds::dg2(&facial_record),
            dg14: encode_dg14(&self.dg14(pace)?),
            dg15: encode_dg15(&self.aa_key.public_key()),
        })
    }

    /// The BAC / PACE MRZ information as DG1 prints it: document number ‖
    /// check ‖ birth ‖ check ‖ expiry ‖ check (ICAO 9303-11 §9.7.2). `None`
    /// for a document number longer than 9 characters (not compared).
    fn mrz_information(&self) -> Option<Vec<u8>> {
        let [line1, line2, _] = &self.mrz;
        let (line1, line2) = (line1.as_bytes(), line2.as_bytes());
        if line1.get(L1_CHECK_POSITION) == Some(&MRZ_FILLER) {
            return None;
        }
        let mut out = Vec::new();
        out.extend_from_slice(line1.get(L1_DOCUMENT_NUMBER_AND_CHECK)?);
        out.extend_from_slice(line2.get(L2_BIRTH_AND_CHECK)?);
        out.extend_from_slice(line2.get(L2_EXPIRY_AND_CHECK)?);
        Some(out)
    }

    /// The NVM objects of the zone. BAC needs the MRZ password, and DG1 must
    /// print the MRZ the BAC and PACE keys come from.
    pub fn objects(
        &self,
        pace: &PaceSetup,
        mrz_password: Option<&MrzPassword>,
    ) -> Result<BTreeMap<String, Vec<u8>>, PersoError> {
        let mut objects = BTreeMap::new();
        if let Some(password) = mrz_password
            && let Some(printed) = self.mrz_information()
            && printed != password.information()?
        {
            return Err(icao_error(
                "icao.mrz",
                "document number, date of birth and date of expiry must be those of passwords.mrz",
            ));
        }
        if self.bac {
            if mrz_password.is_none() {
                return Err(icao_error("icao.bac", "BAC needs the MRZ password (passwords.mrz)"));
            }
            objects.insert(String::from(OBJECT_BAC_ENABLED), BAC_ENABLED.to_vec());
        }
        let aa_key = active_auth::encode_key_object(&self.aa_key)
            .map_err(|e| icao_error("icao.aa_key", e.rule))?;
        objects.insert(String::from(OBJECT_AA_KEY), aa_key);
        objects.insert(String::from(OBJECT_CA_INFOS), encode_dg14(&self.dg14(pace)?));
        objects.insert(String::from(OBJECT_CA_KEY), self.ca_key.private_key.clone());
        Ok(objects)
    }
}
