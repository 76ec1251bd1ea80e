//! The issuer-side date rules (chip.md "Issuer-side rules"): the renewal
//! date of the card and the two certificate periods, from the holder's age
//! at issue. `Profile::check` enforces them on the profile fields and
//! `neid issue certs` dates the citizen certificates with them
//! (docs/spec/certificate-zone.md §Issuance), so they are written once, here.

use thiserror::Error;

use crate::date::Date;
use crate::holder::Holder;

/// Age bands (completed years on the issue date).
pub const CHILD_BELOW: u16 = 14;
pub const SENIOR_FROM: u16 = 65;
/// Card validity in years: under 14, and 14 to under 65.
const CHILD_VALIDITY_YEARS: u16 = 5;
const ADULT_VALIDITY_YEARS: u16 = 10;
/// The first certificate period.
const FIRST_CERT_YEARS: u16 = 5;
/// A senior's certificates: at most 10 years in total.
const SENIOR_CERT_YEARS: u16 = 10;

/// The age band of a holder on the issue date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AgeBand {
    /// Under 14: 5-year card, no second certificate period.
    Child,
    /// 14 to under 65: 10-year card, second period to the renewal date.
    Adult,
    /// 65 and over: no renewal date, certificates up to 10 years in total.
    Senior,
}

impl AgeBand {
    /// The band of someone born on `date_of_birth`, on `issue_date`.
    pub fn at_issue(date_of_birth: Date, issue_date: Date) -> AgeBand {
        let age = date_of_birth.age_on(issue_date);
        if age < CHILD_BELOW {
            AgeBand::Child
        } else if age < SENIOR_FROM {
            AgeBand::Adult
        } else {
            AgeBand::Senior
        }
    }

    /// For messages: "under 14", "14 to under 65", "65 and over".
    pub fn describe(self) -> &'static str {
        match self {
            AgeBand::Child => "under 14",
            AgeBand::Adult => "14 to under 65",
            AgeBand::Senior => "65 and over",
        }
    }
}

/// The renewal date the age rule gives, and a description of the band for
/// messages: under 14 → issue date + 5 years − 1 day; 14 to under 65 →
/// + 10 years − 1 day; 65 and over → none.
pub fn expected_renewal_date(date_of_birth: Date, issue_date: Date) -> (Option<Date>, String) {
    let age = date_of_birth.age_on(issue_date);
    match AgeBand::at_issue(date_of_birth, issue_date) {
        AgeBand::Child => (
            issue_date.period_end(CHILD_VALIDITY_YEARS),
            format!("aged {age} at issue (under 14): issue date + 5 years − 1 day"),
        ),
        AgeBand::Adult => (
            issue_date.period_end(ADULT_VALIDITY_YEARS),
            format!("aged {age} at issue (14 to under 65): issue date + 10 years − 1 day"),
        ),
        AgeBand::Senior => (
            None,
            format!("aged {age} at issue (65 and over): no renewal date"),
        ),
    }
}

/// One certificate period, both days inclusive. Certificates run from
/// `not_before` 00:00:00 UTC to `not_after` 23:59:59 UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificatePeriod {
    pub not_before: Date,
    pub not_after: Date,
}

/// The certificate periods of one holder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificatePeriods {
    pub band: AgeBand,
    /// Age in completed years on the issue date.
    pub age: u16,
    /// Issue date to issue date + 5 years − 1 day (`holder.cert_validity`).
    pub first: CertificatePeriod,
    /// The key-rollover period: from the day after the first period to the
    /// renewal date (14 to under 65) or to issue date + 10 years − 1 day
    /// (65 and over); `None` under 14. Its end is
    /// `holder.cert_second_period_end`.
    pub second: Option<CertificatePeriod>,
}

/// Why the periods cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ValidityError {
    #[error("issue date {issue_date} is before the date of birth {date_of_birth}")]
    IssueBeforeBirth {
        date_of_birth: Date,
        issue_date: Date,
    },
    #[error("a period starting {0} would end after 9999-12-31")]
    OutOfRange(Date),
    #[error(
        "holder aged {age} at issue (14 to under 65) has no renewal date, which ends the second certificate period"
    )]
    NoRenewalDate { age: u16 },
    /// The renewal date ends the second period on or before the day it
    /// starts (the day after the first period).
    #[error(
        "holder.renewal_date {renewal_date} ends the second certificate period on or before its start {starts}"
    )]
    RenewalBeforeSecondPeriod { renewal_date: Date, starts: Date },
}

/// The certificate periods for a holder born on `date_of_birth`, issued a
/// card on `issue_date` with `renewal_date` (chip.md "Issuer-side rules";
/// docs/spec/certificate-zone.md §Issuance). `renewal_date` is used from
/// 14 to under 65 only: the second period ends on it.
pub fn certificate_periods(
    date_of_birth: Date,
    issue_date: Date,
    renewal_date: Option<Date>,
) -> Result<CertificatePeriods, ValidityError> {
    if issue_date < date_of_birth {
        return Err(ValidityError::IssueBeforeBirth {
            date_of_birth,
            issue_date,
        });
    }
    let age = date_of_birth.age_on(issue_date);
    let band = AgeBand::at_issue(date_of_birth, issue_date);
    let first_end = issue_date
        .period_end(FIRST_CERT_YEARS)
        .ok_or(ValidityError::OutOfRange(issue_date))?;
    let first = CertificatePeriod {
        not_before: issue_date,
        not_after: first_end,
    };
    let second_end = match band {
        AgeBand::Child => None,
        AgeBand::Adult => Some(renewal_date.ok_or(ValidityError::NoRenewalDate { age })?),
        AgeBand::Senior => Some(
            issue_date
                .period_end(SENIOR_CERT_YEARS)
                .ok_or(ValidityError::OutOfRange(issue_date))?,
        ),
    };
    let second = match second_end {
        None => None,
        Some(not_after) => {
            let not_before = first_end
                .next_day()
                .ok_or(ValidityError::OutOfRange(first_end))?;
            // Only the renewal date (14 to under 65) can end it this early:
            // a senior's end is 5 years after the start.
            if not_after <= not_before {
                return Err(ValidityError::RenewalBeforeSecondPeriod {
                    renewal_date: not_after,
                    starts: not_before,
                });
            }
            Some(CertificatePeriod {
                not_before,
                not_after,
            })
        }
    };
    Ok(CertificatePeriods {
        band,
        age,
        first,
        second,
    })
}

impl Holder {
    /// [`certificate_periods`] of this holder.
    pub fn certificate_periods(&self) -> Result<CertificatePeriods, ValidityError> {
        certificate_periods(self.date_of_birth, self.issue_date, self.renewal_date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Date {
        Date::parse_iso(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn period(from: &str, to: &str) -> CertificatePeriod {
        CertificatePeriod {
            not_before: d(from),
            not_after: d(to),
        }
    }

    #[test]
    fn adult_second_period_runs_to_the_renewal_date() {
        let p = certificate_periods(d("1990-03-15"), d("2026-03-15"), Some(d("2036-03-14")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.band, AgeBand::Adult);
        assert_eq!(p.first, period("2026-03-15", "2031-03-14"));
        assert_eq!(p.second, Some(period("2031-03-15", "2036-03-14")));
    }

    #[test]
    fn child_has_no_second_period() {
        let p = certificate_periods(d("2016-05-21"), d("2026-05-21"), Some(d("2031-05-20")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.band, AgeBand::Child);
        assert_eq!(p.first, period("2026-05-21", "2031-05-20"));
        assert_eq!(p.second, None);
    }

    #[test]
    fn senior_certificates_last_ten_years_at_most() {
        let p = certificate_periods(d("1955-01-02"), d("2026-01-05"), None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.band, AgeBand::Senior);
        assert_eq!(p.second, Some(period("2031-01-05", "2036-01-04")));
    }

    #[test]
    fn leap_day_issue_follows_civil_code_art_121() {
        let p = certificate_periods(d("1990-01-01"), d("2024-02-29"), Some(d("2034-02-28")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.first, period("2024-02-29", "2029-02-28"));
        assert_eq!(p.second, Some(period("2029-03-01", "2034-02-28")));
    }

    #[test]
    fn refusals_name_the_reason() {
        assert_eq!(
            certificate_periods(d("1990-01-01"), d("2026-01-01"), None),
            Err(ValidityError::NoRenewalDate { age: 36 })
        );
        assert!(matches!(
            certificate_periods(d("2026-01-02"), d("2026-01-01"), None),
            Err(ValidityError::IssueBeforeBirth { .. })
        ));
        assert_eq!(
            certificate_periods(d("9990-01-01"), d("9996-01-01"), None),
            Err(ValidityError::OutOfRange(d("9996-01-01")))
        );
    }

    #[test]
    fn a_renewal_date_cannot_end_the_second_period_before_it_starts() {
        // The first period ends 2031-03-14: the second starts 2031-03-15.
        for renewal in ["2030-01-01", "2031-03-14", "2031-03-15"] {
            let error = certificate_periods(d("1990-03-15"), d("2026-03-15"), Some(d(renewal)))
                .err()
                .map(|e| e.to_string());
            assert_eq!(
                error,
                Some(format!(
                    "holder.renewal_date {renewal} ends the second certificate period on or before its start 2031-03-15"
                )),
            );
        }
        let p = certificate_periods(d("1990-03-15"), d("2026-03-15"), Some(d("2031-03-16")))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.second, Some(period("2031-03-15", "2031-03-16")));
    }
}
