//! The validator: every rule a loaded profile must meet, reported all at
//! once. Rules are listed in `docs/spec/profile.md` §"Rules"; each issue
//! names the field (dotted path) and the rule.

mod card;
mod certificate;
mod holder;

pub use holder::{CAN_DIGITS, CARD_NUMBER_DIGITS, expected_renewal_date};
mod mrz;

use core::fmt;

use crate::profile::Profile;

/// The rule an issue breaks (one per paragraph of the spec's rule list).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A required text field is empty.
    Required,
    /// ID number syntax or check digit.
    IdNumber,
    /// ID number sex digit vs `sex`.
    IdNumberSex,
    /// Issue date not after date of birth, or certificate periods out of order.
    DateOrder,
    /// Card number: 9 digits.
    CardNumber,
    /// CAN: 6 digits, the last 6 of the card number.
    Can,
    /// PIN1, PIN2 or user code format, or outside the card's configured lengths.
    PinFormat,
    /// Renewal date vs the age rule.
    RenewalDate,
    /// Certificate validity periods vs the issue and renewal dates.
    CertificateValidity,
    /// MRZ shape or charset.
    MrzFormat,
    /// MRZ check digit.
    MrzCheckDigit,
    /// MRZ content vs holder data.
    MrzMismatch,
    /// `name_en` has no MRZ form.
    NameEn,
    /// Spouse name vs marital status.
    SpouseName,
    /// Neighbourhood out of 1..=999.
    Neighbourhood,
    /// Administrative codes and names of the address divisions.
    AdministrativeDivision,
    /// Household address vs the division names.
    HouseholdAddress,
    /// CNS 11643 annotation.
    Cns11643,
    /// PACE domain parameters or key length.
    PaceParameters,
    /// Interfaces and zones consistency.
    Zones,
    /// PIN / user code policy outside the chip's limits.
    PinPolicy,
    /// Scratch EF size.
    ScratchEf,
    /// The issuer master key file of `card.keys.issuer_keys` cannot be read
    /// or is malformed.
    IssuerKeys,
}

/// One broken rule. `Display` is one line: `field: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileIssue {
    /// Dotted path of the field, e.g. `holder.id_number`.
    pub field: String,
    pub rule: Rule,
    /// What is wrong, for people; starts with the offending value where it
    /// is not secret.
    pub message: String,
}

impl fmt::Display for ProfileIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Collects issues; the check functions push into it.
#[derive(Default)]
pub(crate) struct Issues(Vec<ProfileIssue>);

impl Issues {
    pub(crate) fn push(
        &mut self,
        field: impl Into<String>,
        rule: Rule,
        message: impl Into<String>,
    ) {
        self.0.push(ProfileIssue {
            field: field.into(),
            rule,
            message: message.into(),
        });
    }
}

impl Profile {
    /// Checks every rule; returns all issues (empty when the profile is good).
    pub fn check(&self) -> Vec<ProfileIssue> {
        let mut issues = Issues::default();
        card::check(&self.card, &mut issues);
        certificate::check(self, &mut issues);
        holder::check(&self.holder, &self.card, &mut issues);
        mrz::check(&self.holder, &mut issues);
        issues.0
    }
}
