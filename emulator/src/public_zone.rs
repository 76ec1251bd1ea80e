//! The public zone's contents from a profile: the nine field EFs
//! (`applets::public_fields::encode`, docs/spec/public.md) and their
//! security object, signed by the document signer (docs/spec/security-object.md,
//! in the form of ICAO 9303-10 §4.6.2 EF.SOD).

use applets::PublicZoneInput;
use applets::public_fields::{self, PublicFields};
use pki::{DocumentSigner, HashAlgorithm};
use profiles::holder::ZhField;
use profiles::mrz::Td1;
use profiles::{Date, Profile};

use crate::personalize::cns::cns_annotations;
use crate::personalize::error::PersonalizeError;

/// Field hashes in the security object: SHA-384, matching the P-384
/// document signer (ICAO 9303-12 §5.2 pairs the hash with the key size).
pub const SECURITY_OBJECT_HASH: HashAlgorithm = HashAlgorithm::Sha384;

/// The public fields of `profile`'s holder, as personalization encodes them.
pub fn public_fields(profile: &Profile, mrz: &Td1) -> Result<PublicFields, PersonalizeError> {
    let holder = &profile.holder;
    Ok(PublicFields {
        name_zh: holder.name_zh.clone(),
        name_en: holder.name_en.clone(),
        // MRZ line 3 without trailing fillers (ICAO 9303-5 §4.2.2).
        name_mrz: mrz.name().to_owned(),
        name_cns: cns_annotations(profile, ZhField::NameZh)?,
        id_number: holder.id_number.clone(),
        date_of_birth: holder.date_of_birth.to_compact(),
        household_address_zh: holder.household_address_zh.clone(),
        household_address_en: holder.household_address_en.clone(),
        village_code: holder.village_code.clone(),
        address_cns: cns_annotations(profile, ZhField::HouseholdAddressZh)?,
        marital_status: holder.marital_status.code().to_owned(),
        military_service: holder.military_service.code().to_owned(),
        card_number: holder.card_number.clone(),
        renewal_date: holder.renewal_date.map(Date::to_compact),
        issue_date: holder.issue_date.to_compact(),
    })
}

/// The public zone's EF contents and EF.SOD over fields 1..=9.
pub fn public_zone(
    profile: &Profile,
    mrz: &Td1,
    signer: &DocumentSigner,
) -> Result<PublicZoneInput, PersonalizeError> {
    let refused = |reason: String| PersonalizeError::Refused {
        name: profile.name.clone(),
        reason,
    };
    let fields = public_fields::encode(&public_fields(profile, mrz)?)
        .map_err(|error| refused(error.to_string()))?;
    // Field n is EF 0100+n: numbered from 1 (docs/spec/public.md).
    let numbered: Vec<(u8, &[u8])> = (1u8..)
        .zip(fields.iter())
        .map(|(number, content)| (number, content.as_slice()))
        .collect();
    let security_object = pki::sign_security_object(SECURITY_OBJECT_HASH, &numbered, signer)
        .map_err(|error| PersonalizeError::Sign {
            name: profile.name.clone(),
            reason: error.to_string(),
        })?;
    Ok(PublicZoneInput {
        fields,
        security_object,
    })
}
