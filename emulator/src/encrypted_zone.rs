//! The encrypted zone and the card's EAC data from a profile
//! (docs/spec/encrypted.md, docs/spec/eac.md §Personalization):
//!
//! * the seven field EFs (`applets::encrypted_fields::encode`) from the
//!   holder, the photo being the ICAO zone's synthetic JPEG, and their
//!   security object signed by the document signer;
//! * [`EacSetup`]: the CVCA of `<pki dir>/cv/cvca.cvcert`, the issue date as
//!   the card's current date, a static CA v2 key on the PACE curve (from the
//!   profile seed, an independent stream: seed XOR [`EAC_KEY_LABEL`]),
//!   EF.CardSecurity signed by the document signer (TR-03110-3 A.1.2.2) and
//!   the DS public key as the management-system key for registry updates.
//!
//! A profile without `card.keys.pki`, or whose PKI directory has no
//! `cv/cvca.cvcert`, gets no EAC: its encrypted zone is filled but no
//! terminal can authenticate, so every field answers 6982.

use std::path::PathBuf;

use applets::PaceSetup;
use applets::encrypted::{EacSetup, EncryptedZoneInput};
use applets::encrypted_fields::{self, EncryptedFields};
use applets::icao::FaceImage;
use card_os::protocol::ca::{CaCipher, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo};
use card_os::protocol::cvc::CvDate;
use card_os::protocol::PaceCipher;
use pki::{DocumentSigner, HashAlgorithm};
use profiles::Profile;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::personalize::error::PersonalizeError;
use crate::randomness::os_seeded;

/// Field hashes in the encrypted zone's security object (as the public zone).
pub const ENCRYPTED_SOD_HASH: HashAlgorithm = HashAlgorithm::Sha384;
/// XORed into the profile seed for the EAC key stream ("neid eac keys", zero-filled).
pub const EAC_KEY_LABEL: [u8; 32] = *b"neid eac keys\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
/// The CVCA certificate inside a PKI directory (docs/spec/test-pki.md).
pub const CV_DIR: &str = "cv";
/// ChipAuthenticationInfo version for CA v2 (TR-03110-3 A.1.1.2).
pub const CA_VERSION_2: u32 = 2;
/// DER universal SET tag of SecurityInfos (TR-03110-3 A.1.1).
const TAG_SET: u16 = 0x31;

/// The encrypted zone's contents, or `None` when `zones.encrypted` is false.
pub fn encrypted_zone(
    profile: &Profile,
    signer: &DocumentSigner,
) -> Result<Option<EncryptedZoneInput>, PersonalizeError> {
    if !profile.card.zones.encrypted {
        return Ok(None);
    }
    let holder = &profile.holder;
    let fields = encrypted_fields::encode(&EncryptedFields {
        spouse_name: holder.spouse_name.clone(),
        father_name: holder.father_name.clone(),
        mother_name: holder.mother_name.clone(),
        birthplace: holder.birthplace.clone(),
        sex: holder.sex.code().to_owned(),
        photo: FaceImage::synthetic().jpeg,
        can: holder.can.clone(),
    })
    .map_err(|error| PersonalizeError::Refused { name: profile.name.clone(), reason: error.to_string() })?;
    // Field n is EF 0100+n: numbered from 1 (docs/spec/security-object.md).
    let numbered: Vec<(u8, &[u8])> = (1u8..).zip(fields.iter()).map(|(n, c)| (n, c.as_slice())).collect();
    let security_object = pki::sign_security_object(ENCRYPTED_SOD_HASH, &numbered, signer)
        .map_err(|error| PersonalizeError::Sign { name: profile.name.clone(), reason: error.to_string() })?;
    Ok(Some(EncryptedZoneInput { fields, security_object }))
}

/// `<pki dir>/cv/cvca.cvcert` when the profile has a PKI directory holding one.
pub fn cvca_path(profile: &Profile) -> Option<PathBuf> {
    let path = profile.pki_dir()?.join(CV_DIR).join(pki::cv::CVCA_CERTIFICATE);
    path.is_file().then_some(path)
}

/// The EAC data for `profile`, or `None` when its PKI has no CVCA.
pub fn eac_setup(
    profile: &Profile,
    pace: &PaceSetup,
    signer: &DocumentSigner,
) -> Result<Option<EacSetup>, PersonalizeError> {
    let Some(path) = cvca_path(profile) else {
        tracing::info!(profile = %profile.name, "no cv/cvca.cvcert in the PKI directory: the card offers no EAC");
        return Ok(None);
    };
    let refused = |reason: String| PersonalizeError::Refused { name: profile.name.clone(), reason };
    let cvca = pki::cv::import_cvca(&path).map_err(|error| PersonalizeError::Pki {
        name: profile.name.clone(),
        dir: path.display().to_string(),
        reason: error.to_string(),
    })?;
    let issue = profile.holder.issue_date;
    let current_date = CvDate::new(issue.year(), issue.month(), issue.day())
        .map_err(|e| refused(format!("holder.issue_date as the card's current date: {e:?}")))?;
    let mut rng = match &profile.card.keys.seed {
        Some(seed) => {
            let mut key = seed.0;
            key.iter_mut().zip(EAC_KEY_LABEL).for_each(|(k, l)| *k ^= l);
            StdRng::from_seed(key)
        }
        None => os_seeded()?,
    };
    let ca_private_key = pace
        .domain
        .generate_private_key(&mut rng)
        .map_err(|e| refused(format!("Chip Authentication v2 key: {e}")))?
        .to_vec();
    let ca_public_key =
        pace.domain.public_key(&ca_private_key).map_err(|e| refused(format!("Chip Authentication v2 key: {e}")))?;
    let ca_cipher = match pace.cipher {
        PaceCipher::Aes128 => CaCipher::Aes128,
        PaceCipher::Aes192 => CaCipher::Aes192,
        PaceCipher::Aes256 => CaCipher::Aes256,
    };
    let infos = security_infos(pace, ca_cipher, &ca_public_key);
    let card_security = pki::sign_card_security(&infos, signer)
        .map_err(|error| PersonalizeError::Sign { name: profile.name.clone(), reason: error.to_string() })?;
    Ok(Some(EacSetup {
        cvca_certificate: cvca.to_bytes(),
        current_date,
        ca_domain: pace.domain,
        ca_cipher,
        ca_private_key,
        card_security,
        management_key: pki::management_key(signer),
    }))
}

/// SecurityInfos of EF.CardSecurity (TR-03110-3 A.1.2.2): ChipAuthenticationInfo
/// v2, ChipAuthenticationPublicKeyInfo and the PACEInfo, as a DER SET OF
/// (elements sorted by their encoding, X.690 §11.6).
pub fn security_infos(pace: &PaceSetup, cipher: CaCipher, ca_public_key: &[u8]) -> Vec<u8> {
    let mut elements = vec![
        ChipAuthenticationInfo { cipher, version: CA_VERSION_2, key_id: None }.encode(),
        ChipAuthenticationPublicKeyInfo { domain: pace.domain, public_key: ca_public_key.to_vec(), key_id: None }
            .encode(),
        pace.pace_info().encode(),
    ];
    elements.sort();
    card_os::protocol::tlv::build(TAG_SET, &elements.concat())
}
