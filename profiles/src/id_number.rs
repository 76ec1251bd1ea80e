//! The national ID number (統一編號): one letter and nine digits, the last a
//! check digit.
//!
//! Layout: letter (place of first registration), a digit for sex (1 male,
//! 2 female; 8 male, 9 female in the uniform ID numbers issued to residents
//! since 2021), seven serial digits, one check digit.
//!
//! Check digit: the letter becomes a two-digit code (A=10 … with the
//! historical out-of-order codes I=34, O=35, W=32, X=30, Y=31, Z=33); the
//! eleven digits are weighted 1,9,8,7,6,5,4,3,2,1,1 and the sum must be
//! ≡ 0 (mod 10).

use thiserror::Error;

use crate::codes::Sex;

/// Number of characters in an ID number.
pub const ID_NUMBER_LEN: usize = 10;

/// Weights over the two digits of the letter code followed by the nine digits.
const WEIGHTS: [u32; 11] = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1];

/// Letter → two-digit code, indexed by `letter - 'A'`.
const LETTER_CODES: [u32; 26] = [
    10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, // A..M
    22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30, 31, 33, // N..Z
];

/// What the sex digit (second character) says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SexDigit {
    /// 1 (citizen) or 8 (resident).
    Male,
    /// 2 (citizen) or 9 (resident).
    Female,
}

impl SexDigit {
    fn from_char(c: char) -> Option<SexDigit> {
        match c {
            '1' | '8' => Some(SexDigit::Male),
            '2' | '9' => Some(SexDigit::Female),
            _ => None,
        }
    }

    /// Whether a holder of sex `sex` may carry this digit. `X` has no digit
    /// of its own, so it accepts either.
    pub fn matches(self, sex: Sex) -> bool {
        matches!(
            (self, sex),
            (SexDigit::Male, Sex::M) | (SexDigit::Female, Sex::F) | (_, Sex::X)
        )
    }
}

/// Why an ID number is refused. Messages complete the sentence
/// "`"A123456788"` fails …" / "… is …".
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdNumberError {
    #[error("has {0} characters, expected 10 (a letter and 9 digits)")]
    Length(usize),
    #[error("must start with a letter A-Z")]
    Letter,
    #[error("must have 9 digits after the letter")]
    Digits,
    #[error("has sex digit {0}, expected 1 or 2 (citizens) or 8 or 9 (residents)")]
    SexDigit(char),
    #[error("fails the ID-number check digit (expected {expected})")]
    CheckDigit { expected: u32 },
}

/// Validates the syntax and check digit; returns what the sex digit says.
pub fn validate(id: &str) -> Result<SexDigit, IdNumberError> {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != ID_NUMBER_LEN {
        return Err(IdNumberError::Length(chars.len()));
    }
    let letter = chars[0];
    if !letter.is_ascii_uppercase() {
        return Err(IdNumberError::Letter);
    }
    let digits: Vec<u32> = chars[1..].iter().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != ID_NUMBER_LEN - 1 || !chars[1..].iter().all(char::is_ascii_digit) {
        return Err(IdNumberError::Digits);
    }
    let sex = SexDigit::from_char(chars[1]).ok_or(IdNumberError::SexDigit(chars[1]))?;

    let expected = expected_check_digit(letter, &digits[..8]);
    if digits[8] != expected {
        return Err(IdNumberError::CheckDigit { expected });
    }
    Ok(sex)
}

/// The check digit that completes `letter` + eight digits.
fn expected_check_digit(letter: char, first_eight: &[u32]) -> u32 {
    let code = LETTER_CODES[(letter as u8 - b'A') as usize];
    let mut all = [code / 10, code % 10, 0, 0, 0, 0, 0, 0, 0, 0];
    all[2..].copy_from_slice(first_eight);
    // Weight 1 on the check digit itself: sum + check ≡ 0 (mod 10).
    let partial: u32 = all.iter().zip(WEIGHTS.iter()).map(|(d, w)| d * w).sum();
    (10 - partial % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_holders_are_valid() {
        // ../shared/data/reference-citizens.toml
        assert_eq!(validate("A123456789"), Ok(SexDigit::Male));
        assert_eq!(validate("F223456786"), Ok(SexDigit::Female));
        assert_eq!(validate("B187654324"), Ok(SexDigit::Male));
    }

    #[test]
    fn wrong_check_digit_names_the_expected_one() {
        let err = validate("A123456788");
        assert_eq!(err, Err(IdNumberError::CheckDigit { expected: 9 }));
        let text = err.err().map(|e| e.to_string());
        assert_eq!(
            text.as_deref(),
            Some("fails the ID-number check digit (expected 9)")
        );
    }

    #[test]
    fn out_of_order_letter_codes() {
        // I=34: 3*1 + 4*9 + 1*8+2*7+3*6+4*5+5*4+6*3+7*2+8*1 = 159 → check 1.
        assert_eq!(validate("I123456781"), Ok(SexDigit::Male));
        // Z=33: 3 + 27 + 8+14+18+20+20+18+14+8 = 150 → check 0.
        assert_eq!(validate("Z123456780"), Ok(SexDigit::Male));
    }

    #[test]
    fn resident_sex_digits() {
        // A=10 → 1,0; digits 8,0,0,0,0,0,0,1: 1*1 + 8*8 + 1*1 = 66 → check 4.
        assert_eq!(validate("A800000014"), Ok(SexDigit::Male));
        assert!(SexDigit::Female.matches(Sex::F));
        assert!(!SexDigit::Female.matches(Sex::M));
        assert!(SexDigit::Male.matches(Sex::X));
    }

    #[test]
    fn malformed_numbers() {
        assert_eq!(validate("A12345678"), Err(IdNumberError::Length(9)));
        assert_eq!(validate("a123456789"), Err(IdNumberError::Letter));
        assert_eq!(validate("1123456789"), Err(IdNumberError::Letter));
        assert_eq!(validate("A12345678X"), Err(IdNumberError::Digits));
        assert_eq!(validate("A12345678٩"), Err(IdNumberError::Digits));
        assert_eq!(validate("A323456789"), Err(IdNumberError::SexDigit('3')));
        assert_eq!(validate("王123456789"), Err(IdNumberError::Letter));
    }
}
