//! Rules on `[holder]` other than the MRZ: ID number, card number and CAN,
//! secrets, issuer-side date rules, address divisions, CNS 11643 annotations.

use core::ops::RangeInclusive;

use super::{Issues, Rule};
use crate::card::{CardConfig, PIN1_LENGTHS, PIN2_LENGTHS, USER_CODE_LENGTHS};
use crate::codes::MaritalStatus;
use crate::date::Date;
use crate::holder::Holder;
use crate::id_number::{self, SexDigit};
use crate::region;
use crate::validity::{AgeBand, ValidityError, certificate_periods};
pub use crate::validity::expected_renewal_date;

/// Card number digits, and CAN digits taken from its end (chip.md
/// "Passwords and counters").
pub const CARD_NUMBER_DIGITS: usize = 9;
pub const CAN_DIGITS: usize = 6;

const NEIGHBOURHOODS: RangeInclusive<u16> = 1..=999;

/// CNS 11643 planes in use (the 1992 standard has 1–7; later editions add
/// planes up to 19) and the byte range of row and cell (a 94 × 94 grid).
const CNS_PLANES: RangeInclusive<u8> = 1..=19;
const CNS_BYTE: RangeInclusive<u8> = 0x21..=0x7E;
/// Placeholder for a character with no code point: U+3013 GETA MARK.
const GETA_MARK: char = '\u{3013}';

pub(super) fn check(h: &Holder, card: &CardConfig, issues: &mut Issues) {
    check_required(h, issues);
    check_id_number(h, issues);
    check_card_number_and_can(h, issues);
    check_secrets(h, card, issues);
    check_dates(h, issues);
    check_family(h, issues);
    check_divisions(h, issues);
    check_address(h, issues);
    check_cns11643(h, issues);
}

fn check_required(h: &Holder, issues: &mut Issues) {
    let required = [
        ("name_zh", &h.name_zh),
        ("name_en", &h.name_en),
        ("household_address_zh", &h.household_address_zh),
        ("household_address_en", &h.household_address_en),
        ("county", &h.county),
        ("county_en", &h.county_en),
        ("township", &h.township),
        ("township_en", &h.township_en),
        ("village", &h.village),
        ("village_en", &h.village_en),
        ("birthplace", &h.birthplace),
    ];
    for (key, value) in required {
        if value.trim().is_empty() {
            issues.push(format!("holder.{key}"), Rule::Required, "must not be empty");
        }
    }
}

fn check_id_number(h: &Holder, issues: &mut Issues) {
    match id_number::validate(&h.id_number) {
        Err(e) => issues.push(
            "holder.id_number",
            Rule::IdNumber,
            format!("{:?} {e}", h.id_number),
        ),
        Ok(digit) if !digit.matches(h.sex) => {
            let says = match digit {
                SexDigit::Male => "male",
                SexDigit::Female => "female",
            };
            issues.push(
                "holder.id_number",
                Rule::IdNumberSex,
                format!(
                    "{:?} has a {says} sex digit but holder.sex is {}",
                    h.id_number,
                    h.sex.code()
                ),
            );
        }
        Ok(_) => {}
    }
}

fn is_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

fn check_card_number_and_can(h: &Holder, issues: &mut Issues) {
    let card_ok = is_digits(&h.card_number, CARD_NUMBER_DIGITS);
    if !card_ok {
        issues.push(
            "holder.card_number",
            Rule::CardNumber,
            format!("{:?} must be {CARD_NUMBER_DIGITS} digits", h.card_number),
        );
    }
    if !is_digits(&h.can, CAN_DIGITS) {
        issues.push(
            "holder.can",
            Rule::Can,
            format!("{:?} must be {CAN_DIGITS} digits", h.can),
        );
    } else if card_ok {
        let expected = &h.card_number[CARD_NUMBER_DIGITS - CAN_DIGITS..];
        if h.can != expected {
            issues.push(
                "holder.can",
                Rule::Can,
                format!("{:?} must be the last {CAN_DIGITS} digits of holder.card_number ({expected:?})", h.can),
            );
        }
    }
}

/// One secret's rule: chip length limits, configured lengths, charset.
struct SecretRule<'a> {
    key: &'static str,
    value: &'a str,
    chip: RangeInclusive<u8>,
    configured: RangeInclusive<u8>,
    allowed: fn(char) -> bool,
    kind: &'static str,
}

/// PIN1 digits, PIN2 digits, user code [A-Za-z0-9] (chip.md "Passwords and
/// counters"), within the card's configured lengths. Secrets are never
/// echoed in messages.
fn check_secrets(h: &Holder, card: &CardConfig, issues: &mut Issues) {
    let rules = [
        SecretRule {
            key: "pin1",
            value: &h.pin1,
            chip: PIN1_LENGTHS,
            configured: card.pin1.min_length..=card.pin1.max_length,
            allowed: |c| c.is_ascii_digit(),
            kind: "digits",
        },
        SecretRule {
            key: "pin2",
            value: &h.pin2,
            chip: PIN2_LENGTHS,
            configured: card.pin2.min_length..=card.pin2.max_length,
            allowed: |c| c.is_ascii_digit(),
            kind: "digits",
        },
        SecretRule {
            key: "user_code",
            value: &h.user_code,
            chip: USER_CODE_LENGTHS,
            configured: card.user_code.min_length..=card.user_code.max_length,
            allowed: |c| c.is_ascii_alphanumeric(),
            kind: "characters A-Z a-z 0-9",
        },
    ];
    for rule in rules {
        let field = format!("holder.{}", rule.key);
        let len = rule.value.chars().count();
        let len_in =
            |range: &RangeInclusive<u8>| u8::try_from(len).is_ok_and(|l| range.contains(&l));
        let chip_rule = if rule.chip.start() == rule.chip.end() {
            format!("exactly {} {}", rule.chip.start(), rule.kind)
        } else {
            format!("{} to {} {}", rule.chip.start(), rule.chip.end(), rule.kind)
        };
        if !rule.value.chars().all(rule.allowed) {
            issues.push(
                field,
                Rule::PinFormat,
                format!(
                    "holds characters other than {}; must be {chip_rule}",
                    rule.kind
                ),
            );
        } else if !len_in(&rule.chip) {
            issues.push(
                field,
                Rule::PinFormat,
                format!("has {len} characters; must be {chip_rule}"),
            );
        } else if !len_in(&rule.configured) {
            issues.push(
                field,
                Rule::PinFormat,
                format!(
                    "has {len} characters, outside card.{} lengths {}..={}",
                    rule.key,
                    rule.configured.start(),
                    rule.configured.end()
                ),
            );
        }
    }
}

fn show(date: Option<Date>) -> String {
    date.map(|d| format!("{d} (ROC {})", d.to_roc_numeric()))
        .unwrap_or_else(|| "none (\"\")".to_owned())
}

fn check_dates(h: &Holder, issues: &mut Issues) {
    if h.issue_date < h.date_of_birth {
        issues.push(
            "holder.issue_date",
            Rule::DateOrder,
            format!(
                "{} is before holder.date_of_birth ({})",
                h.issue_date, h.date_of_birth
            ),
        );
        return; // The age rules below would be meaningless.
    }
    let (expected, band) = expected_renewal_date(h.date_of_birth, h.issue_date);
    if h.renewal_date != expected {
        issues.push(
            "holder.renewal_date",
            Rule::RenewalDate,
            format!(
                "{} breaks the renewal rule: holder {band} = {}",
                show(h.renewal_date),
                show(expected)
            ),
        );
    }

    // chip.md "Issuer-side rules": first certificate 5 years from issue;
    // the periods are those `neid issue certs` dates certificates with.
    // A missing renewal date is the issue reported above; the periods are
    // still checked against the one the rule gives.
    // A renewal date that ends the second period before it starts breaks
    // the renewal rule (reported above): check the periods against the
    // rule's date then, as for a missing one.
    let renewal = h.renewal_date.or(expected);
    let periods = match certificate_periods(h.date_of_birth, h.issue_date, renewal) {
        Err(ValidityError::RenewalBeforeSecondPeriod { .. }) => {
            certificate_periods(h.date_of_birth, h.issue_date, expected)
        }
        other => other,
    };
    let periods = match periods {
        Ok(periods) => periods,
        Err(error) => {
            issues.push("holder.cert_validity", Rule::CertificateValidity, error.to_string());
            return;
        }
    };
    let [not_before, not_after] = h.cert_validity;
    let first = periods.first;
    if not_before != first.not_before || not_after != first.not_after {
        issues.push(
            "holder.cert_validity",
            Rule::CertificateValidity,
            format!(
                "[{not_before}, {not_after}] must be [holder.issue_date, issue date + 5 years − 1 day] = [{}, {}]",
                first.not_before,
                show(Some(first.not_after))
            ),
        );
    }
    check_second_period(h, &periods, issues);
}

/// The key-rollover period: none under 14; to the renewal date from 14 to
/// under 65; for 65 and over optional, ending after the first period and at
/// most 10 years after issue.
fn check_second_period(h: &Holder, periods: &crate::validity::CertificatePeriods, issues: &mut Issues) {
    const FIELD: &str = "holder.cert_second_period_end";
    let age = periods.age;
    let found = h.cert_second_period_end;
    let first_end = periods.first.not_after;
    let limit = periods.second.map(|p| p.not_after);
    match periods.band {
        AgeBand::Child => {
            if found.is_some() {
                issues.push(
                    FIELD,
                    Rule::CertificateValidity,
                    format!(
                        "{} must be empty: holder aged {age} at issue (under 14) has no second period",
                        show(found)
                    ),
                );
            }
        }
        AgeBand::Adult => {
            if found != h.renewal_date {
                issues.push(
                    FIELD,
                    Rule::CertificateValidity,
                    format!(
                        "{} must equal holder.renewal_date ({})",
                        show(found),
                        show(h.renewal_date)
                    ),
                );
            }
        }
        AgeBand::Senior => {
            if let Some(end) = found
                && (end <= first_end || limit.is_some_and(|limit| end > limit))
            {
                issues.push(
                    FIELD,
                    Rule::CertificateValidity,
                    format!(
                        "{} must be after the first period ({first_end}) and at most issue date + 10 years − 1 day ({}) for a holder aged {age} at issue",
                        show(found),
                        show(limit)
                    ),
                );
            }
        }
    }
}

fn check_family(h: &Holder, issues: &mut Issues) {
    let married = h.marital_status == MaritalStatus::Married;
    let has_spouse = !h.spouse_name.trim().is_empty();
    if married && !has_spouse {
        issues.push(
            "holder.spouse_name",
            Rule::SpouseName,
            "must not be empty when holder.marital_status is married",
        );
    } else if !married && has_spouse {
        issues.push(
            "holder.spouse_name",
            Rule::SpouseName,
            format!(
                "{:?} must be empty when holder.marital_status is {}",
                h.spouse_name,
                h.marital_status.code()
            ),
        );
    }
}

fn check_divisions(h: &Holder, issues: &mut Issues) {
    if !NEIGHBOURHOODS.contains(&h.neighbourhood) {
        issues.push(
            "holder.neighbourhood",
            Rule::Neighbourhood,
            format!("{} is outside 1..=999", h.neighbourhood),
        );
    }
    match region::county_by_code(&h.county_code) {
        None => issues.push(
            "holder.county_code",
            Rule::AdministrativeDivision,
            format!(
                "{:?} is not one of the 22 county codes (e.g. \"63000\" for 臺北市)",
                h.county_code
            ),
        ),
        Some(county) => {
            if h.county != county.name_zh {
                issues.push(
                    "holder.county",
                    Rule::AdministrativeDivision,
                    format!(
                        "{:?} does not match holder.county_code {} ({})",
                        h.county, county.code, county.name_zh
                    ),
                );
            }
            if h.county_en != county.name_en {
                issues.push(
                    "holder.county_en",
                    Rule::AdministrativeDivision,
                    format!(
                        "{:?} does not match holder.county_code {} ({})",
                        h.county_en, county.code, county.name_en
                    ),
                );
            }
        }
    }
    if !region::is_township_code_of(&h.township_code, &h.county_code) {
        issues.push(
            "holder.township_code",
            Rule::AdministrativeDivision,
            format!(
                "{:?} must be holder.county_code ({}) followed by 3 digits",
                h.township_code, h.county_code
            ),
        );
    }
    if !region::is_village_code_of(&h.village_code, &h.township_code) {
        issues.push(
            "holder.village_code",
            Rule::AdministrativeDivision,
            format!(
                "{:?} must be holder.township_code ({}) followed by \"-\" and 3 digits",
                h.village_code, h.township_code
            ),
        );
    }
}

fn check_address(h: &Holder, issues: &mut Issues) {
    let prefix = format!(
        "{}{}{}{}鄰",
        h.county, h.township, h.village, h.neighbourhood
    );
    if !h.household_address_zh.starts_with(&prefix) {
        issues.push(
            "holder.household_address_zh",
            Rule::HouseholdAddress,
            format!(
                "{:?} must begin with county, township, village and neighbourhood: {prefix:?}",
                h.household_address_zh
            ),
        );
    }
    if !h.county_en.is_empty() && !h.household_address_en.contains(&h.county_en) {
        issues.push(
            "holder.household_address_en",
            Rule::HouseholdAddress,
            format!(
                "{:?} does not name holder.county_en ({:?})",
                h.household_address_en, h.county_en
            ),
        );
    }
}

fn is_placeholder(c: char) -> bool {
    // Private Use Area: BMP U+E000–U+F8FF, planes 15 and 16.
    c == GETA_MARK
        || ('\u{E000}'..='\u{F8FF}').contains(&c)
        || ('\u{F0000}'..='\u{FFFFD}').contains(&c)
        || ('\u{100000}'..='\u{10FFFD}').contains(&c)
}

fn check_cns11643(h: &Holder, issues: &mut Issues) {
    for (i, note) in h.cns11643.iter().enumerate() {
        let field = format!("holder.cns11643[{i}]");
        let text = h.zh_text(note.field);
        match text.chars().nth(note.index) {
            None => issues.push(
                format!("{field}.index"),
                Rule::Cns11643,
                format!(
                    "{} is past the end of holder.{} ({} characters)",
                    note.index,
                    note.field.key(),
                    text.chars().count()
                ),
            ),
            Some(c) if !is_placeholder(c) => issues.push(
                format!("{field}.index"),
                Rule::Cns11643,
                format!(
                    "character {} of holder.{} is {c:?} (U+{:04X}), not a placeholder (U+3013 〓 or a Private Use Area code point)",
                    note.index,
                    note.field.key(),
                    u32::from(c)
                ),
            ),
            Some(_) => {}
        }
        if !CNS_PLANES.contains(&note.plane) {
            issues.push(
                format!("{field}.plane"),
                Rule::Cns11643,
                format!("{} is outside 1..=19", note.plane),
            );
        }
        let [row, cell] = note.code.to_be_bytes();
        if !CNS_BYTE.contains(&row) || !CNS_BYTE.contains(&cell) {
            issues.push(
                format!("{field}.code"),
                Rule::Cns11643,
                format!("0x{:04X} must have both bytes in 0x21..=0x7E", note.code),
            );
        }
        let duplicate = h.cns11643[..i]
            .iter()
            .any(|n| n.field == note.field && n.index == note.index);
        if duplicate {
            issues.push(
                field,
                Rule::Cns11643,
                format!(
                    "annotates holder.{} character {} a second time",
                    note.field.key(),
                    note.index
                ),
            );
        }
    }
}
