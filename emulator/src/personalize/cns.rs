//! CNS 11643 annotations of the Chinese fields, in the card's encoding
//! (household.md, public.md).

use applets::CnsAnnotation;
use profiles::Profile;
use profiles::holder::ZhField;

use super::error::PersonalizeError;

/// The CNS 11643 annotations of one Chinese field, in the card's encoding
/// (one-byte character index).
pub fn cns_annotations(
    profile: &Profile,
    field: ZhField,
) -> Result<Vec<CnsAnnotation>, PersonalizeError> {
    profile
        .holder
        .cns11643
        .iter()
        .filter(|c| c.field == field)
        .map(|annotation| {
            let index = u8::try_from(annotation.index).map_err(|_| PersonalizeError::CnsIndex {
                name: profile.name.clone(),
                index: annotation.index,
            })?;
            Ok(CnsAnnotation {
                index,
                plane: annotation.plane,
                code: annotation.code,
            })
        })
        .collect()
}
