//! Rules on the certificate zone's options: `[card.certificate]` and
//! `card.keys.issuer_keys` need `zones.certificate` (rule 15, `Zones`), and
//! the issuer key file must be readable and well formed (rule 17,
//! `IssuerKeys`; docs/spec/scp03.md §Keys).

use super::{Issues, Rule};
use crate::card::CertificateConfig;
use crate::profile::Profile;

const FIELD_ISSUER_KEYS: &str = "card.keys.issuer_keys";

pub(super) fn check(profile: &Profile, issues: &mut Issues) {
    let card = &profile.card;
    if !card.zones.certificate {
        if card.certificate != CertificateConfig::default() {
            issues.push(
                "card.certificate.secure_messaging",
                Rule::Zones,
                "configures the certificate zone, which card.zones.certificate disables",
            );
        }
        if card.keys.issuer_keys.is_some() {
            issues.push(
                FIELD_ISSUER_KEYS,
                Rule::Zones,
                "issuer keys serve the certificate zone, which card.zones.certificate disables",
            );
        }
    }
    // The file is read here so that `neid profile check` finds what
    // personalization would refuse; its errors name the file and the key.
    if let Err(error) = profile.issuer_keys() {
        issues.push(FIELD_ISSUER_KEYS, Rule::IssuerKeys, error.to_string());
    }
}
