//! Certificate dates: six unpacked BCD digits `YYMMDD`, one digit per byte
//! `00..09`, year 20YY (TR-03110-3 D.2.1.3). Also the card's current date,
//! which only ever moves forward (TR-03110-3 2.5).

use core::fmt;

/// Bytes of an encoded date.
pub const DATE_LEN: usize = 6;
/// The century of every CV certificate date (TR-03110-3 D.2.1.3).
const CENTURY: u16 = 2000;
const DAYS_PER_400_YEARS: i64 = 146_097;

/// Why six bytes are not a certificate date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateError {
    /// Not exactly 6 bytes.
    Length { len: usize },
    /// A byte above `09`: dates are unpacked BCD.
    NotBcd,
    /// Month outside 1..=12 or day outside the month.
    NoSuchDay,
    /// Year outside 2000..=2099.
    YearOutOfRange,
}

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateError::Length { len } => {
                write!(
                    f,
                    "date is {len} bytes, must be 6 (YYMMDD, TR-03110-3 D.2.1.3)"
                )
            }
            DateError::NotBcd => {
                f.write_str("date byte above 09: each digit is one unpacked BCD byte")
            }
            DateError::NoSuchDay => {
                f.write_str("date is not a calendar day (month 01..12, day within month)")
            }
            DateError::YearOutOfRange => f.write_str("date year must be 2000..2099"),
        }
    }
}

impl core::error::Error for DateError {}

/// A calendar day between 2000-01-01 and 2099-12-31. Fields are in
/// significance order so the derived ordering is chronological.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CvDate {
    year: u16,
    month: u8,
    day: u8,
}

fn is_leap(year: u16) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

impl CvDate {
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, DateError> {
        if !(CENTURY..CENTURY + 100).contains(&year) {
            return Err(DateError::YearOutOfRange);
        }
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return Err(DateError::NoSuchDay);
        }
        Ok(CvDate { year, month, day })
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

    /// From the 6-byte unpacked BCD encoding.
    pub fn decode(bytes: &[u8]) -> Result<Self, DateError> {
        let digits: &[u8; DATE_LEN] = bytes
            .try_into()
            .map_err(|_| DateError::Length { len: bytes.len() })?;
        if digits.iter().any(|&d| d > 9) {
            return Err(DateError::NotBcd);
        }
        let pair = |i: usize| digits[i] * 10 + digits[i + 1];
        CvDate::new(CENTURY + u16::from(pair(0)), pair(2), pair(4))
    }

    /// The 6-byte unpacked BCD encoding.
    pub fn encode(self) -> [u8; DATE_LEN] {
        let yy = (self.year - CENTURY) as u8;
        [
            yy / 10,
            yy % 10,
            self.month / 10,
            self.month % 10,
            self.day / 10,
            self.day % 10,
        ]
    }

    /// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's
    /// days_from_civil).
    pub fn days_since_unix_epoch(self) -> i64 {
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * DAYS_PER_400_YEARS + doe - 719_468
    }

    /// The day `days` after 1970-01-01, if it lies in 2000..=2099.
    pub fn from_days_since_unix_epoch(days: i64) -> Result<Self, DateError> {
        let z = days + 719_468;
        let era = z.div_euclid(DAYS_PER_400_YEARS);
        let doe = z - era * DAYS_PER_400_YEARS;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        let year = u16::try_from(year).map_err(|_| DateError::YearOutOfRange)?;
        CvDate::new(year, month as u8, day as u8)
    }

    /// This date plus `days` (may be negative), if the result lies in 2000..=2099.
    pub fn add_days(self, days: i64) -> Result<Self, DateError> {
        CvDate::from_days_since_unix_epoch(self.days_since_unix_epoch().saturating_add(days))
    }
}

impl fmt::Display for CvDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bcd_round_trip_and_rules() {
        // TR-03110-3 D.2.1.3: 2012-05-01 is 01 02 00 05 00 01.
        let d = CvDate::decode(&[1, 2, 0, 5, 0, 1]).unwrap();
        assert_eq!((d.year(), d.month(), d.day()), (2012, 5, 1));
        assert_eq!(d.encode(), [1, 2, 0, 5, 0, 1]);
        assert_eq!(CvDate::decode(&[2, 4, 0, 2, 2, 9]).map(|d| d.day()), Ok(29));
        assert_eq!(
            CvDate::decode(&[2, 5, 0, 2, 2, 9]),
            Err(DateError::NoSuchDay)
        );
        assert_eq!(
            CvDate::decode(&[2, 5, 1, 3, 0, 1]),
            Err(DateError::NoSuchDay)
        );
        assert_eq!(
            CvDate::decode(&[2, 5, 0, 1, 0, 0]),
            Err(DateError::NoSuchDay)
        );
        assert_eq!(
            CvDate::decode(&[2, 5, 0, 1, 0, 0x0A]),
            Err(DateError::NotBcd)
        );
        assert_eq!(
            CvDate::decode(&[2, 5, 0, 1, 0]),
            Err(DateError::Length { len: 5 })
        );
    }

    #[test]
    fn day_arithmetic() {
        let d = CvDate::new(2000, 3, 1).unwrap();
        assert_eq!(d.add_days(-1), CvDate::new(2000, 2, 29));
        assert_eq!(
            CvDate::new(2026, 1, 1).unwrap().days_since_unix_epoch(),
            20_454
        );
        assert_eq!(
            CvDate::from_days_since_unix_epoch(20_454),
            CvDate::new(2026, 1, 1)
        );
        assert_eq!(
            CvDate::new(2099, 12, 31).unwrap().add_days(1),
            Err(DateError::YearOutOfRange)
        );
        let mut day = CvDate::new(2000, 1, 1).unwrap();
        for _ in 0..3000 {
            let next = day.add_days(1).unwrap();
            assert!(next > day);
            assert_eq!(
                next.days_since_unix_epoch(),
                day.days_since_unix_epoch() + 1
            );
            day = next;
        }
    }
}
