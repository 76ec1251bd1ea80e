//! Rules on `holder.mrz`: TD1 shape, check digits (ICAO 9303-3 §4.9,
//! 9303-5 §4.2.2), and agreement with the rest of the holder data.

use super::{Issues, Rule};
use crate::holder::Holder;
use crate::mrz::{self, DOCUMENT_CODE_ID, FILLER, L2_DATE_OF_EXPIRY, STATE_TWN, Td1};

const FIELD: &str = "holder.mrz";

pub(super) fn check(h: &Holder, issues: &mut Issues) {
    // The name rule stands on its own: name_en is printed even without an MRZ.
    let name = match mrz::name_line(&h.name_en) {
        Ok(name) => Some(name),
        Err(e) => {
            issues.push(
                "holder.name_en",
                Rule::NameEn,
                format!("{:?} {e}", h.name_en),
            );
            None
        }
    };

    let td1 = match Td1::parse(&h.mrz) {
        Ok(td1) => td1,
        Err(e) => {
            issues.push(FIELD, Rule::MrzFormat, e.to_string());
            return;
        }
    };

    for f in td1.check_digit_failures() {
        issues.push(
            FIELD,
            Rule::MrzCheckDigit,
            format!(
                "line {} position {}: {} check digit is '{}', expected '{}'",
                f.line, f.position, f.field, f.found, f.expected
            ),
        );
    }

    let mut mismatch = |what: &str, found: &str, expected: &str, source: &str| {
        if found != expected {
            issues.push(
                FIELD,
                Rule::MrzMismatch,
                format!("{what} is {found:?} but {source} gives {expected:?}"),
            );
        }
    };
    mismatch(
        "document code (line 1)",
        td1.document_code(),
        DOCUMENT_CODE_ID,
        "an identity card",
    );
    mismatch(
        "issuing state (line 1)",
        td1.issuing_state(),
        STATE_TWN,
        "Taiwan",
    );
    mismatch(
        "document number (line 1)",
        td1.document_number(),
        &h.card_number,
        "holder.card_number",
    );
    mismatch(
        "optional data (line 1)",
        td1.optional_data_1(),
        &h.id_number,
        "holder.id_number",
    );
    mismatch(
        "date of birth (line 2)",
        td1.date_of_birth(),
        &h.date_of_birth.to_mrz_yymmdd(),
        "holder.date_of_birth",
    );
    mismatch(
        "sex (line 2)",
        &td1.sex().to_string(),
        &h.sex.mrz_char().to_string(),
        "holder.sex",
    );
    // No renewal date (65 and over): the expiry is all fillers, whose check
    // digit is 0 (see docs/spec/profile.md §MRZ).
    let expiry = match h.renewal_date {
        Some(date) => date.to_mrz_yymmdd(),
        None => FILLER.to_string().repeat(L2_DATE_OF_EXPIRY.len()),
    };
    mismatch(
        "date of expiry (line 2)",
        td1.date_of_expiry(),
        &expiry,
        "holder.renewal_date",
    );
    mismatch(
        "nationality (line 2)",
        td1.nationality(),
        STATE_TWN,
        "Taiwan",
    );
    if let Some(name) = name {
        mismatch("name (line 3)", td1.name(), &name, "holder.name_en");
    }
}
