//! The ICAO zone's contents from a profile (docs/spec/icao.md): the TD1 MRZ
//! for DG1, the synthetic face for DG2, the Active Authentication key
//! (`card.aa`: ECDSA P-384 by default, or RSA-2048 with ISO/IEC 9796-2) and
//! the Chip Authentication static key (on the PACE curve) generated here,
//! and EF.SOD over DG1, DG2, DG14 and DG15 signed by the document signer
//! (ICAO 9303-10 §4.6.2, `pki::sign_security_object`). DG15 holds the AA
//! key's SubjectPublicKeyInfo; DG14 has an ActiveAuthenticationInfo for
//! ECDSA only (ICAO 9303-11 §6.1: RSA needs none, the ISO/IEC 9796-2
//! trailer names the hash) — both built by `applets::icao`.
//!
//! The keys come from the profile's `card.keys.seed` when it has one (an
//! independent ChaCha stream: the seed XOR [`ICAO_KEY_LABEL`]), so one
//! profile always gives the same card; without a seed, from the OS.

use applets::icao::{CaStaticKey, FaceImage, IcaoZoneInput};
use applets::PaceSetup;
use card_os::active_auth::{decode_key_object, KEY_ECDSA_P384};
use card_os::protocol::aa::{AaPrivateKey, Iso9796Hash};
use card_os::protocol::ca::CaCipher;
use card_os::protocol::{PaceCipher, StandardizedDomainParameters};
use pki::{DocumentSigner, HashAlgorithm};
use profiles::Profile;
use profiles::card::ActiveAuthKey;
use profiles::mrz::Td1;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::personalize::error::PersonalizeError;
use crate::randomness::os_seeded;

/// Data group hashes in EF.SOD: SHA-384, as for the public zone (the P-384
/// document signer; ICAO 9303-12 §5.2).
pub const ICAO_SOD_HASH: HashAlgorithm = HashAlgorithm::Sha384;
/// The ISO/IEC 9796-2 hash of RSA AA signatures: SHA-256, trailer `34 CC`
/// (docs/spec/active-authentication.md), rather than the legacy SHA-1.
pub const RSA_AA_HASH: Iso9796Hash = Iso9796Hash::Sha256;
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
    // The AA key is drawn first, so the CA key of an ECDSA card is what it
    // was before `card.aa` existed.
    let aa_key = aa_key(profile.card.aa, &mut rng).map_err(refused)?;
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

/// A fresh Active Authentication key pair of the profile's type.
fn aa_key(kind: ActiveAuthKey, rng: &mut StdRng) -> Result<AaPrivateKey, String> {
    match kind {
        ActiveAuthKey::EcdsaP384 => {
            let scalar = StandardizedDomainParameters::NistP384
                .generate_private_key(rng)
                .map_err(|e| format!("card.aa: ECDSA P-384 Active Authentication key: {e}"))?;
            let mut object = vec![KEY_ECDSA_P384];
            object.extend_from_slice(&scalar);
            decode_key_object(&object)
                .map_err(|sw| format!("card.aa: ECDSA P-384 Active Authentication key: {sw:?}"))
        }
        ActiveAuthKey::Rsa2048 => {
            // e = 65537, two primes (the card's key object stores p, q, e).
            let key = rsa::PrivateKey::new(rng, ActiveAuthKey::RSA_MODULUS_BITS)
                .map_err(|e| format!("card.aa: RSA-2048 Active Authentication key: {e}"))?;
            Ok(AaPrivateKey::Rsa { key, hash: RSA_AA_HASH })
        }
    }
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

    /// adult.toml with `card.aa = "rsa-2048"`, loaded from text; the PKI
    /// path is not needed (the tests pass their own signer).
    fn adult_with_rsa_aa() -> Profile {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../profiles/reference/adult.toml");
        let text = std::fs::read_to_string(path).unwrap();
        assert!(text.contains("\nbac = true\n"), "adult.toml changed shape");
        let text = text.replacen("\nbac = true\n", "\nbac = true\naa = \"rsa-2048\"\n", 1);
        let profile = Profile::from_toml_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(profile.card.aa, ActiveAuthKey::Rsa2048);
        profile
    }

    #[test]
    fn rsa_2048_profile_gets_an_rsa_dg15_no_aa_info_and_a_working_key() {
        use card_os::active_auth::{encode_key_object, HASH_SHA256, KEY_RSA};
        use card_os::protocol::aa::{aa_sign, aa_verify, decode_dg15, AaPublicKey};
        use card_os::protocol::ca::decode_dg14;
        use rsa::traits::PublicKeyParts;

        let signer = signer();
        let profile = adult_with_rsa_aa();
        let input = crate::perso_input(&profile, &signer).unwrap_or_else(|e| panic!("{e}"));
        let icao = input.icao.clone().unwrap();
        let AaPrivateKey::Rsa { hash, .. } = &icao.aa_key else { panic!("card.aa = rsa-2048 gives an RSA key") };
        assert_eq!(*hash, Iso9796Hash::Sha256);
        let object = encode_key_object(&icao.aa_key).unwrap();
        assert_eq!(&object[..2], &[KEY_RSA, HASH_SHA256]);

        let files = icao.files(&input.pace).unwrap();
        // DG15: rsaEncryption SubjectPublicKeyInfo, 2048-bit modulus, e = 65537.
        let AaPublicKey::Rsa(public) = decode_dg15(&files.dg15).unwrap() else { panic!("DG15 holds an RSA key") };
        assert_eq!(public.n().bit_width(), 2048);
        assert_eq!(public.e_bytes().as_ref(), &[0x01, 0x00, 0x01]);
        // ICAO 9303-11 §6.1: no ActiveAuthenticationInfo for RSA; CA is still there.
        let dg14 = decode_dg14(&files.dg14).unwrap();
        assert_eq!(dg14.active_authentication, None);
        assert_eq!(dg14.public_keys.len(), 1);

        // The chip's key signs what DG15's key verifies.
        let challenge = [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF];
        let signature = aa_sign(&icao.aa_key, &challenge, &mut StdRng::seed_from_u64(6)).unwrap();
        assert_eq!(signature.len(), 256, "k/8 bytes for RSA-2048");
        let key = AaPublicKey::Rsa(public);
        aa_verify(&key, &challenge, &signature).unwrap();
        assert!(aa_verify(&key, &[0u8; 8], &signature).is_err());

        // EF.SOD covers the RSA DG15; the card personalizes.
        let verified = pki::verify_security_object_without_chain(&icao.security_object, None).unwrap();
        for (number, content) in files.signed_data_groups() {
            verified.check_field(number, content).unwrap_or_else(|e| panic!("DG{number}: {e:?}"));
        }
        applets::personalize(&input).unwrap_or_else(|e| panic!("{e}"));

        // Same seed, same RSA key; and the ECDSA default still gives ECDSA.
        let again = crate::perso_input(&profile, &signer).unwrap().icao.unwrap();
        assert_eq!(again.aa_key.public_key(), icao.aa_key.public_key());
        let ecdsa = crate::perso_input(&load("adult"), &signer).unwrap().icao.unwrap();
        assert!(matches!(ecdsa.aa_key, AaPrivateKey::EcdsaP384(_)));
        let ecdsa_dg14 = decode_dg14(&ecdsa.files(&input.pace).unwrap().dg14).unwrap();
        assert!(ecdsa_dg14.active_authentication.is_some());
    }
}
