//! Personalization from a profile: the profile (neid-profiles) mapped to the
//! card manager's input (`applets::PersoInput`), and the card built from it.
//!
//! The profile is checked first: a profile with rule violations is refused
//! with the same messages `neid profile check` prints.
//!
//! The document signer of the zone security objects comes from the
//! profile's `card.keys.pki` directory (`pki::load`). A profile without one
//! gets a throw-away test PKI made in memory (`pki::TestPki::generate`) from
//! the profile's seed, or from the OS without a seed; readers cannot trust
//! it, and its certificates are dated from the moment of personalization.
//! Everything else is a function of the profile: personalizing one profile
//! twice gives the same card image, except for those certificate dates when
//! the PKI is a throw-away one.
//!
//! With `card.keys.issuer_keys` and the certificate zone, the card also
//! gets its SCP03 keys and its citizen certificates, issued over APDUs as
//! `neid issue certs` does (`certificate_zone`); such images are cached per
//! process (`cache`), since on-card RSA key generation is slow.

mod cache;
mod certificate_zone;
pub mod cns;
pub mod error;

pub use certificate_zone::{CITIZEN_CA_DIR, certificate_perso, issues_certificates};

use applets::{
    Division, HouseholdInput, MrzPassword, PacePasswords, PaceSetup, PersoInput,
    PinPolicy, PinSetup,
};
use card_os::CardImage;
use card_os::protocol::{PaceCipher, StandardizedDomainParameters};
use card_os::security::{AccessCondition, TerminalRight};
use pki::{DocumentSigner, TestPki};
use profiles::holder::ZhField;
use profiles::mrz::{L1_DOCUMENT_NUMBER, Td1};
use profiles::{AesKeyLength, PaceDomain, Profile, TerminateAccess};

use crate::neid_card::NeidCard;
pub use error::PersonalizeError;
use cns::cns_annotations;
use crate::public_zone::public_zone;
use crate::randomness::{CardRandomness, PersoRngs, os_seeded};

/// A freshly personalized card for `profile` (checked first: a profile with
/// issues is refused), its random source seeded from the OS.
pub fn personalize(profile: &Profile) -> Result<NeidCard, PersonalizeError> {
    personalize_with(profile, CardRandomness::Os)
}

/// As [`personalize`], with the card's random source chosen by the caller
/// (tests ask for [`CardRandomness::FromProfileSeed`]).
pub fn personalize_with(
    profile: &Profile,
    randomness: CardRandomness,
) -> Result<NeidCard, PersonalizeError> {
    check(profile)?;
    let mut rngs = PersoRngs::new(profile.card.keys.seed.as_ref())?;
    let image = if issues_certificates(profile) {
        cache::image_for(profile, || personalized_image(profile, &mut rngs))?
    } else {
        personalized_image(profile, &mut rngs)?
    };
    let card_rng = match (randomness, rngs.card) {
        (CardRandomness::Os, _) => os_seeded()?,
        (CardRandomness::FromProfileSeed, Some(rng)) => rng,
        (CardRandomness::FromProfileSeed, None) => {
            return Err(PersonalizeError::NoSeed {
                name: profile.name.clone(),
            });
        }
    };
    Ok(NeidCard::with_rng(image, Box::new(card_rng)))
}

/// The card image of a checked profile: the card manager's, then the
/// certificates issued when the profile asks for it.
fn personalized_image(profile: &Profile, rngs: &mut PersoRngs) -> Result<CardImage, PersonalizeError> {
    let signer = document_signer(profile, rngs)?;
    let input = perso_input(profile, &signer)?;
    let image = applets::personalize(&input).map_err(|error| PersonalizeError::Refused {
        name: profile.name.clone(),
        reason: error.to_string(),
    })?;
    if issues_certificates(profile) {
        certificate_zone::issue(profile, image)
    } else {
        Ok(image)
    }
}

fn check(profile: &Profile) -> Result<(), PersonalizeError> {
    let issues = profile.check();
    if issues.is_empty() {
        return Ok(());
    }
    let issues = issues
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    Err(PersonalizeError::Invalid {
        name: profile.name.clone(),
        issues,
    })
}

/// The document signer: from `card.keys.pki`, else a throw-away test PKI.
fn document_signer(
    profile: &Profile,
    rngs: &mut PersoRngs,
) -> Result<DocumentSigner, PersonalizeError> {
    let test_pki = match profile.pki_dir() {
        Some(dir) => pki::load(&dir).map_err(|error| PersonalizeError::Pki {
            name: profile.name.clone(),
            dir: dir.display().to_string(),
            reason: error.to_string(),
        })?,
        None => {
            tracing::info!(profile = %profile.name, "no card.keys.pki: signing with a throw-away test PKI");
            TestPki::generate(&mut rngs.pki).map_err(|error| PersonalizeError::Sign {
                name: profile.name.clone(),
                reason: error.to_string(),
            })?
        }
    };
    Ok(test_pki.document_signer)
}

/// The personalization input for `profile` (not checked: see
/// [`personalize`]); `signer` signs the zone security objects.
pub fn perso_input(
    profile: &Profile,
    signer: &DocumentSigner,
) -> Result<PersoInput, PersonalizeError> {
    let mrz = Td1::parse(&profile.holder.mrz).map_err(|error| PersonalizeError::Field {
        name: profile.name.clone(),
        field: "holder.mrz",
        reason: error.to_string(),
    })?;
    let zones = &profile.card.zones;
    let mut input = PersoInput::new(household_input(profile)?);
    input.zones = applets::Zones {
        icao: zones.icao,
        household: zones.household,
        public: zones.public,
        encrypted: zones.encrypted,
        certificate: zones.certificate,
    };
    input.terminate_rule = match profile.card.terminate_access {
        TerminateAccess::RegistryOffice => {
            AccessCondition::TerminalRight(TerminalRight::RegistryOffice)
        }
        TerminateAccess::Always => AccessCondition::Always,
    };
    input.scratch_ef_size = profile.card.scratch_ef_size.map(usize::from);
    input.pace = pace_setup(profile)?;
    input.passwords = pace_passwords(profile, &mrz);
    input.pins = pin_setup(profile);
    // The card refuses contents for a disabled zone.
    input.public = if zones.public {
        Some(public_zone(profile, &mrz, signer)?)
    } else {
        None
    };
    // DG1, DG2, DG14, DG15, EF.SOD and the AA / CA keys; None when zones.icao is false.
    input.icao = crate::icao_zone::icao_zone(profile, &mrz, &input.pace, signer)?;
    // Fields 1..=7 and their SO; None when zones.encrypted is false.
    input.encrypted = crate::encrypted_zone::encrypted_zone(profile, signer)?;
    // CVCA, CA v2 key, EF.CardSecurity, management key; None without `<pki>/cv/cvca.cvcert`.
    input.eac = crate::encrypted_zone::eac_setup(profile, &input.pace, signer)?;
    // The zone's option and TokenInfo serial number; None when zones.certificate is false.
    input.certificate = certificate_perso(profile);
    Ok(input)
}

/// `card.pace`: the standardized domain parameters and the AES key length
/// of id-PACE-ECDH-GM-AES-CBC-CMAC-* (ICAO 9303-11 §9.5.1, TR-03110-3 A.2.1.1).
fn pace_setup(profile: &Profile) -> Result<PaceSetup, PersonalizeError> {
    let unsupported = |field: &'static str, value: String| PersonalizeError::Field {
        name: profile.name.clone(),
        field,
        reason: format!("{value} is not supported by the chip"),
    };
    let pace = &profile.card.pace;
    let domain = match pace.domain() {
        Some(PaceDomain::NistP256) => StandardizedDomainParameters::NistP256,
        Some(PaceDomain::BrainpoolP256r1) => StandardizedDomainParameters::BrainpoolP256r1,
        Some(PaceDomain::NistP384) => StandardizedDomainParameters::NistP384,
        Some(PaceDomain::BrainpoolP384r1) => StandardizedDomainParameters::BrainpoolP384r1,
        None => {
            return Err(unsupported(
                "card.pace.domain_parameter_id",
                pace.domain_parameter_id.to_string(),
            ));
        }
    };
    let cipher = match pace.aes() {
        Some(AesKeyLength::Aes128) => PaceCipher::Aes128,
        Some(AesKeyLength::Aes192) => PaceCipher::Aes192,
        Some(AesKeyLength::Aes256) => PaceCipher::Aes256,
        None => {
            return Err(unsupported(
                "card.pace.aes_key_bits",
                pace.aes_key_bits.to_string(),
            ));
        }
    };
    Ok(PaceSetup { domain, cipher })
}

/// The PACE passwords (chip.md "Passwords and counters"): the MRZ, the CAN,
/// PIN1 as the PIN and the user code as the PUK.
///
/// The MRZ password takes the document number, date of birth and date of
/// expiry as printed in the MRZ (ICAO 9303-11 §9.7.3), fillers included:
/// the senior holder's expiry is `<<<<<<` (no renewal date). The card
/// appends the check digits.
fn pace_passwords(profile: &Profile, mrz: &Td1) -> PacePasswords {
    let holder = &profile.holder;
    let [line1, _, _] = mrz.lines();
    PacePasswords {
        mrz: Some(MrzPassword {
            // Td1::parse checked the line is 30 ASCII characters.
            document_number: line1.get(L1_DOCUMENT_NUMBER).unwrap_or_default().to_owned(),
            date_of_birth: mrz.date_of_birth().to_owned(),
            date_of_expiry: mrz.date_of_expiry().to_owned(),
        }),
        can: Some(holder.can.clone()),
        pin: Some(holder.pin1.clone()),
        puk: Some(holder.user_code.clone()),
    }
}

/// The PIN records (docs/spec/pins.md): the profile's policies, and PIN2 in
/// the activated state (profiles carry the activated PINs:
/// reference-citizens.toml).
fn pin_setup(profile: &Profile) -> PinSetup {
    let card = &profile.card;
    let policy = |min_length, max_length, tries, suspend_after| PinPolicy {
        min_length,
        max_length,
        tries,
        suspend_after,
    };
    PinSetup {
        delivery_state: false,
        pin2: Some(profile.holder.pin2.clone()),
        pin1_policy: policy(
            card.pin1.min_length,
            card.pin1.max_length,
            card.pin1.tries,
            card.pin1.suspend_after,
        ),
        user_code_policy: policy(
            card.user_code.min_length,
            card.user_code.max_length,
            card.user_code.tries,
            0,
        ),
        pin2_policy: policy(
            card.pin2.min_length,
            card.pin2.max_length,
            card.pin2.tries,
            0,
        ),
    }
}

/// The household zone: county, township, village (each with its CNS 11643
/// annotations from `holder.cns11643`) and the neighbourhood.
fn household_input(profile: &Profile) -> Result<HouseholdInput, PersonalizeError> {
    let holder = &profile.holder;
    let division = |field: ZhField, code: &str, name_zh: &str, name_en: &str| {
        let mut division = Division::new(code, name_zh, name_en);
        division.cns = cns_annotations(profile, field)?;
        Ok::<_, PersonalizeError>(division)
    };
    Ok(HouseholdInput {
        county: division(
            ZhField::County,
            &holder.county_code,
            &holder.county,
            &holder.county_en,
        )?,
        township: division(
            ZhField::Township,
            &holder.township_code,
            &holder.township,
            &holder.township_en,
        )?,
        village: division(
            ZhField::Village,
            &holder.village_code,
            &holder.village,
            &holder.village_en,
        )?,
        neighbourhood: holder.neighbourhood,
    })
}
