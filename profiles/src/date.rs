//! A calendar date (proleptic Gregorian), with the Minguo (ROC) form that
//! Taiwanese documents print beside it.
//!
//! Only what the profile rules need: parse/format `YYYY-MM-DD`, the MRZ
//! `YYMMDD` form, age in completed years, and "N years later, minus one day"
//! for validity periods. No time zones, no times of day.

use core::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use thiserror::Error;

/// The Minguo calendar counts years from 1912 (ROC year 1): ROC year =
/// Gregorian year − 1911.
pub const ROC_EPOCH_OFFSET: i32 = 1911;

/// Smallest and largest year a profile may carry. Four digits keep the
/// `YYYY-MM-DD` and chip `YYYYMMDD` forms fixed-width.
const MIN_YEAR: u16 = 1;
const MAX_YEAR: u16 = 9999;

/// A valid calendar date. Fields are private so an invalid date (2026-02-30)
/// cannot exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    // Field order matters: the derived `Ord` compares year, then month, then day.
    year: u16,
    month: u8,
    day: u8,
}

/// Why a date was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DateError {
    #[error("{0:?} is not a date in the form YYYY-MM-DD")]
    Format(String),
    #[error("year {0} is outside 1..=9999")]
    Year(i64),
    #[error("month {0} is outside 1..=12")]
    Month(u32),
    #[error("day {day} does not exist in {year:04}-{month:02}")]
    Day { year: u16, month: u8, day: u32 },
}

impl Date {
    /// A date from its Gregorian parts.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Date, DateError> {
        if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
            return Err(DateError::Year(i64::from(year)));
        }
        if !(1..=12).contains(&month) {
            return Err(DateError::Month(u32::from(month)));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(DateError::Day {
                year,
                month,
                day: u32::from(day),
            });
        }
        Ok(Date { year, month, day })
    }

    /// A date from a Minguo year (`民國110年07月01日` is `from_roc(110, 7, 1)`).
    pub fn from_roc(roc_year: i32, month: u8, day: u8) -> Result<Date, DateError> {
        let year = roc_year + ROC_EPOCH_OFFSET;
        let year = u16::try_from(year).map_err(|_| DateError::Year(i64::from(year)))?;
        Date::new(year, month, day)
    }

    /// Parses exactly `YYYY-MM-DD` (ISO 8601 calendar date, extended format).
    pub fn parse_iso(text: &str) -> Result<Date, DateError> {
        let bytes = text.as_bytes();
        let shape_ok = bytes.len() == 10
            && bytes[4] == b'-'
            && bytes[7] == b'-'
            && bytes
                .iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
        if !shape_ok {
            return Err(DateError::Format(text.to_owned()));
        }
        let number = |range: core::ops::Range<usize>| -> u32 {
            bytes[range]
                .iter()
                .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        let year = number(0..4);
        let month = number(5..7);
        let day = number(8..10);
        // Shape check above bounds these to 4 and 2 digits, so they fit.
        let year = u16::try_from(year).map_err(|_| DateError::Year(i64::from(year)))?;
        let month = u8::try_from(month).map_err(|_| DateError::Month(month))?;
        let day_u8 = u8::try_from(day).map_err(|_| DateError::Day { year, month, day })?;
        Date::new(year, month, day_u8)
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn day(self) -> u8 {
        self.day
    }

    /// Minguo year: Gregorian − 1911. Zero or negative before 1912.
    pub fn roc_year(self) -> i32 {
        i32::from(self.year) - ROC_EPOCH_OFFSET
    }

    /// `民國79年03月15日`. Years before ROC 1 use the customary `民國前N年`
    /// (the year 1911 is 民國前1年).
    pub fn to_roc_string(self) -> String {
        let roc = self.roc_year();
        if roc >= 1 {
            format!("民國{}年{:02}月{:02}日", roc, self.month, self.day)
        } else {
            format!("民國前{}年{:02}月{:02}日", 1 - roc, self.month, self.day)
        }
    }

    /// `110-07-01`: the short numeric Minguo form used in forms and the plan.
    pub fn to_roc_numeric(self) -> String {
        format!("{:03}-{:02}-{:02}", self.roc_year(), self.month, self.day)
    }

    /// `YYMMDD` as in the MRZ date fields (ICAO 9303-3 §4.4 / 9303-5 §4.2.2).
    pub fn to_mrz_yymmdd(self) -> String {
        format!("{:02}{:02}{:02}", self.year % 100, self.month, self.day)
    }

    /// `YYYYMMDD`, the chip's stored form (chip.md "Field encoding").
    pub fn to_compact(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }

    /// The previous day. `None` only for 0001-01-01.
    pub fn previous_day(self) -> Option<Date> {
        if self.day > 1 {
            return Some(Date {
                day: self.day - 1,
                ..self
            });
        }
        if self.month > 1 {
            let month = self.month - 1;
            return Some(Date {
                month,
                day: days_in_month(self.year, month),
                ..self
            });
        }
        if self.year > MIN_YEAR {
            return Some(Date {
                year: self.year - 1,
                month: 12,
                day: 31,
            });
        }
        None
    }

    /// The next day. `None` only for 9999-12-31.
    pub fn next_day(self) -> Option<Date> {
        if self.day < days_in_month(self.year, self.month) {
            return Some(Date {
                day: self.day + 1,
                ..self
            });
        }
        if self.month < 12 {
            return Some(Date {
                month: self.month + 1,
                day: 1,
                ..self
            });
        }
        if self.year < MAX_YEAR {
            return Some(Date {
                year: self.year + 1,
                month: 1,
                day: 1,
            });
        }
        None
    }

    /// Last day of a period of `years` years that starts on `self`.
    ///
    /// Taiwan Civil Code Art. 121 §2: the period ends the day before the
    /// corresponding day of the last year; when the last year has no
    /// corresponding day (a period starting on 29 February), it ends on the
    /// last day of that month. So ROC 110-07-01 + 10 years ends ROC 120-06-30,
    /// and 2024-02-29 + 10 years ends 2034-02-28.
    /// `None` if the result would pass year 9999.
    pub fn period_end(self, years: u16) -> Option<Date> {
        let year = self.year.checked_add(years).filter(|y| *y <= MAX_YEAR)?;
        if self.day > days_in_month(year, self.month) {
            return Some(Date {
                year,
                month: self.month,
                day: days_in_month(year, self.month),
            });
        }
        Date { year, ..self }.previous_day()
    }

    /// Age in completed years on `on` (0 if `on` is before `self`).
    ///
    /// A birthday counts from the birth date itself (Civil Code Art. 124), so
    /// one is N years old from the N-th anniversary; someone born on
    /// 29 February reaches it on 1 March in common years.
    pub fn age_on(self, on: Date) -> u16 {
        if on < self {
            return 0;
        }
        let years = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            years - 1
        } else {
            years
        }
    }
}

/// Gregorian leap year (every 4th year, except centuries not divisible by 400).
pub fn is_leap_year(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

/// Days in a month; 0 for a month outside 1..=12.
pub fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

impl fmt::Display for Date {
    /// `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl core::str::FromStr for Date {
    type Err = DateError;
    fn from_str(text: &str) -> Result<Date, DateError> {
        Date::parse_iso(text)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse_iso(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde helpers for a date that may be absent, written as `""` in profiles
/// (the reference holders use `renewal_date = ""` for "none").
pub mod optional {
    use super::Date;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Date>, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.is_empty() {
            return Ok(None);
        }
        Date::parse_iso(&text)
            .map(Some)
            .map_err(serde::de::Error::custom)
    }

    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(date) => serializer.collect_str(date),
            None => serializer.serialize_str(""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        match Date::parse_iso(text) {
            Ok(date) => date,
            Err(e) => panic!("test date {text}: {e}"),
        }
    }

    #[test]
    fn parses_and_formats_iso() {
        assert_eq!(d("1990-03-15").to_string(), "1990-03-15");
        assert_eq!(d("2024-02-29").day(), 29);
    }

    #[test]
    fn refuses_malformed_and_impossible_dates() {
        for bad in [
            "1990-3-15",
            "19900315",
            "1990-03-15 ",
            "1990/03/15",
            "abcd-ef-gh",
            "",
            "+990-03-15",
        ] {
            assert_eq!(
                Date::parse_iso(bad),
                Err(DateError::Format(bad.to_owned())),
                "{bad}"
            );
        }
        assert_eq!(Date::parse_iso("1990-13-01"), Err(DateError::Month(13)));
        assert_eq!(Date::parse_iso("1990-00-01"), Err(DateError::Month(0)));
        assert_eq!(
            Date::parse_iso("2023-02-29"),
            Err(DateError::Day {
                year: 2023,
                month: 2,
                day: 29
            })
        );
        assert_eq!(
            Date::parse_iso("2026-04-31"),
            Err(DateError::Day {
                year: 2026,
                month: 4,
                day: 31
            })
        );
        assert_eq!(Date::parse_iso("0000-01-01"), Err(DateError::Year(0)));
    }

    #[test]
    fn leap_years() {
        assert!(is_leap_year(2000));
        assert!(!is_leap_year(1900));
        assert!(is_leap_year(2024));
        assert!(!is_leap_year(2026));
    }

    #[test]
    fn minguo_forms() {
        let date = d("1990-03-15");
        assert_eq!(date.roc_year(), 79);
        assert_eq!(date.to_roc_string(), "民國79年03月15日");
        assert_eq!(d("2021-07-01").to_roc_numeric(), "110-07-01");
        assert_eq!(d("1911-10-10").to_roc_string(), "民國前1年10月10日");
        assert_eq!(Date::from_roc(110, 7, 1), Ok(d("2021-07-01")));
    }

    #[test]
    fn compact_and_mrz_forms() {
        assert_eq!(d("1990-03-15").to_compact(), "19900315");
        assert_eq!(d("2036-03-14").to_mrz_yymmdd(), "360314");
        assert_eq!(d("2005-01-02").to_mrz_yymmdd(), "050102");
    }

    #[test]
    fn previous_day_crosses_month_and_year() {
        assert_eq!(d("2026-03-01").previous_day(), Some(d("2026-02-28")));
        assert_eq!(d("2024-03-01").previous_day(), Some(d("2024-02-29")));
        assert_eq!(d("2026-01-01").previous_day(), Some(d("2025-12-31")));
        assert_eq!(d("0001-01-01").previous_day(), None);
    }

    #[test]
    fn next_day_crosses_month_and_year() {
        assert_eq!(d("2026-02-28").next_day(), Some(d("2026-03-01")));
        assert_eq!(d("2024-02-28").next_day(), Some(d("2024-02-29")));
        assert_eq!(d("2031-03-14").next_day(), Some(d("2031-03-15")));
        assert_eq!(d("2025-12-31").next_day(), Some(d("2026-01-01")));
        assert_eq!(d("9999-12-31").next_day(), None);
    }

    #[test]
    fn period_end_follows_the_plan_example() {
        // chip.md: issued ROC 110-07-01 → renewal ROC 120-06-30.
        let issued = Date::from_roc(110, 7, 1).unwrap_or_else(|e| panic!("{e}"));
        let end = issued.period_end(10);
        assert_eq!(end.map(Date::to_roc_numeric).as_deref(), Some("120-06-30"));
        assert_eq!(d("2026-01-01").period_end(5), Some(d("2030-12-31")));
        // No corresponding day in the last year: last day of that month.
        assert_eq!(d("2024-02-29").period_end(10), Some(d("2034-02-28")));
        assert_eq!(d("2024-02-29").period_end(4), Some(d("2028-02-28")));
        assert_eq!(d("9995-01-01").period_end(10), None);
    }

    #[test]
    fn age_in_completed_years() {
        let born = d("1990-03-15");
        assert_eq!(born.age_on(d("2004-03-14")), 13);
        assert_eq!(born.age_on(d("2004-03-15")), 14);
        assert_eq!(born.age_on(d("1980-01-01")), 0);
        let leapling = d("2008-02-29");
        assert_eq!(leapling.age_on(d("2022-02-28")), 13);
        assert_eq!(leapling.age_on(d("2022-03-01")), 14);
    }
}
