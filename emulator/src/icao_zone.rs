//! The ICAO zone's contents from a profile (docs/spec/icao.md): the TD1 MRZ
//! for DG1, the synthetic face for DG2, the Active Authentication key
//! (ECDSA P-384) and the Chip Authentication static key (on the PACE curve)
//! generated here, and EF.SOD over DG1, DG2, DG14 and DG15 signed by the
//! document signer (ICAO 9303-10 §4.6.2, `pki::sign_security_object`).
//!
//! The keys come from the profile's `card.keys.seed` when it has one (an
//! independent ChaCha stream: the seed XOR [`ICAO_KEY_LABEL`]), so one
//! profile always gives the same card; without a seed, from the OS.
//! RSA-2048 AA keys are supported by the card but not chosen by profiles yet.

use applets::icao::{CaStaticKey, FaceImage, IcaoZoneInput};
use applets::PaceSetup;
use card_os::active_auth::{decode_key_object, KEY_ECDSA_P384};
use card_os::protocol::ca::CaCipher;
use card_os::protocol::{PaceCipher, StandardizedDomainParameters};
use pki::{DocumentSigner, HashAlgorithm};
use profiles::Profile;
use profiles::mrz::Td1;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::personalize::PersonalizeError;
use crate::randomness::os_seeded;

/// Data group hashes in EF.SOD: SHA-384, as for the public zone (the P-384
/// document signer; ICAO 9303-12 §5.2).
pub const ICAO_SOD_HASH: HashAlgorithm = HashAlgorithm::Sha384;
/// XORed into the profile seed for the ICAO key stream ("neid icao keys", zero-filled).
pub const ICAO_KEY_LABEL: [u8; 32] = *b"neid icao keys\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

/// The ICAO zone input for `profile`, or `None` when `zones.icao` is false.
pub fn icao_zone(
    profile: &Profile,
    mrz: &Td1,
    pace: &PaceSetup,
    signer: &DocumentSigner,
) -> Result<Option<IcaoZoneInput>, PersonalizeError> {
    if !profile.card.zones.icao {
        return Ok(None);
    }
    let refused = |reason: String| PersonalizeError::Refused { name: profile.name.clone(), reason };
    let mut rng = match &profile.card.keys.seed {
        Some(seed) => {
            let mut key = seed.0;
            key.iter_mut().zip(ICAO_KEY_LABEL).for_each(|(k, l)| *k ^= l);
            StdRng::from_seed(key)
        }
        None => os_seeded()?,
    };
    let aa_scalar = StandardizedDomainParameters::NistP384
        .generate_private_key(&mut rng)
        .map_err(|e| refused(format!("Active Authentication key: {e}")))?;
    let mut aa_object = vec![KEY_ECDSA_P384];
    aa_object.extend_from_slice(&aa_scalar);
    let aa_key = decode_key_object(&aa_object)
        .map_err(|sw| refused(format!("Active Authentication key: {sw:?}")))?;
    let ca_private = pace
        .domain
        .generate_private_key(&mut rng)
        .map_err(|e| refused(format!("Chip Authentication key: {e}")))?;
    let aes = match pace.cipher {
        PaceCipher::Aes128 => CaCipher::Aes128,
        PaceCipher::Aes192 => CaCipher::Aes192,
        PaceCipher::Aes256 => CaCipher::Aes256,
    };
    // 3DES CA serves terminals that opened the zone with BAC.
    let ca_ciphers = if profile.card.bac { vec![CaCipher::Tdes, aes] } else { vec![aes] };
    let mut input = IcaoZoneInput {
        mrz: mrz.lines().clone(),
        face: FaceImage::synthetic(),
        aa_key,
        ca_key: CaStaticKey { domain: pace.domain, private_key: ca_private.to_vec() },
        ca_ciphers,
        bac: profile.card.bac,
        security_object: Vec::new(),
    };
    let files = input.files(pace).map_err(|e| refused(e.to_string()))?;
    input.security_object = pki::sign_security_object(ICAO_SOD_HASH, &files.signed_data_groups(), signer)
        .map_err(|error| PersonalizeError::Sign { name: profile.name.clone(), reason: error.to_string() })?;
    Ok(Some(input))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn load(name: &str) -> Profile {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../profiles/reference/{name}.toml"));
        Profile::from_file(path).unwrap_or_else(|error| panic!("{error}"))
    }

    fn signer() -> DocumentSigner {
        pki::TestPki::generate(&mut StdRng::seed_from_u64(9303)).unwrap().document_signer
    }

    #[test]
    fn every_reference_profile_gets_a_signed_icao_zone_that_personalizes() {
        let signer = signer();
        for name in ["adult", "minor", "senior"] {
            let profile = load(name);
            let input = crate::perso_input(&profile, &signer).unwrap_or_else(|e| panic!("{name}: {e}"));
            let icao = input.icao.clone().unwrap_or_else(|| panic!("{name}: zones.icao is true"));
            assert_eq!(icao.bac, profile.card.bac);
            assert_eq!(icao.mrz.concat(), profile.holder.mrz.concat(), "{name}: DG1 is the printed MRZ");
            let files = icao.files(&input.pace).unwrap();
            let verified = pki::verify_security_object_without_chain(&icao.security_object, None)
                .unwrap_or_else(|e| panic!("{name}: EF.SOD verifies: {e}"));
            for (number, content) in files.signed_data_groups() {
                verified.check_field(number, content).unwrap_or_else(|e| panic!("{name}: DG{number}: {e:?}"));
            }
            assert_eq!(verified.field_hashes().len(), 4);
            applets::personalize(&input).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn the_keys_follow_the_profile_seed_and_a_disabled_zone_has_no_input() {
        let signer = signer();
        let profile = load("adult");
        let first = crate::perso_input(&profile, &signer).unwrap().icao.unwrap();
        let second = crate::perso_input(&profile, &signer).unwrap().icao.unwrap();
        assert_eq!(first.ca_key, second.ca_key);
        assert_eq!(first.aa_key.public_key(), second.aa_key.public_key());
        let mut disabled = profile.clone();
        disabled.card.zones.icao = false;
        disabled.card.bac = false;
        let mrz = Td1::parse(&disabled.holder.mrz).unwrap();
        assert!(icao_zone(&disabled, &mrz, &PaceSetup::default(), &signer).unwrap().is_none());
    }
}
