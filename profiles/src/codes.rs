//! Coded holder attributes: sex, marital status, military-service status.
//!
//! The chip stores the code; terminals print the zh/en label (chip.md "Field
//! encoding"). The code lists are this project's decision, documented in
//! `docs/spec/profile.md` §"Code lists"; the profile spells each code exactly
//! as `code()` returns it.

use serde::{Deserialize, Serialize};

/// Sex as printed on the card (ICAO 9303-4 §4.1.1.1 field 07: F, M or X).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    M,
    F,
    /// Unspecified. The MRZ shows it as the filler `<` (ICAO 9303-5 §4.2.2, TD1 line 2 position 8).
    X,
}

impl Sex {
    pub const ALL: [Sex; 3] = [Sex::M, Sex::F, Sex::X];

    pub fn code(self) -> &'static str {
        match self {
            Sex::M => "M",
            Sex::F => "F",
            Sex::X => "X",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Sex::M => "男",
            Sex::F => "女",
            Sex::X => "不指定",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Sex::M => "male",
            Sex::F => "female",
            Sex::X => "unspecified",
        }
    }

    /// The MRZ sex character (ICAO 9303-5 TD1 line 2 position 8): `M`, `F`,
    /// or the filler `<` when unspecified.
    pub fn mrz_char(self) -> char {
        match self {
            Sex::M => 'M',
            Sex::F => 'F',
            Sex::X => '<',
        }
    }
}

/// Marital status as recorded in the household registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaritalStatus {
    Single,
    Married,
    Divorced,
    Widowed,
}

impl MaritalStatus {
    pub const ALL: [MaritalStatus; 4] = [
        MaritalStatus::Single,
        MaritalStatus::Married,
        MaritalStatus::Divorced,
        MaritalStatus::Widowed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MaritalStatus::Single => "single",
            MaritalStatus::Married => "married",
            MaritalStatus::Divorced => "divorced",
            MaritalStatus::Widowed => "widowed",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MaritalStatus::Single => "未婚",
            MaritalStatus::Married => "已婚",
            MaritalStatus::Divorced => "離婚",
            MaritalStatus::Widowed => "喪偶",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            MaritalStatus::Single => "single",
            MaritalStatus::Married => "married",
            MaritalStatus::Divorced => "divorced",
            MaritalStatus::Widowed => "widowed",
        }
    }
}

/// Military-service status (兵役狀況) as recorded in the household registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilitaryService {
    /// No service obligation: women, minors, holders outside conscription.
    None,
    /// 役畢: service (or substitute service) completed.
    Completed,
    /// 免役: exempted (e.g. on medical grounds).
    Exempted,
    /// 待役: liable, awaiting call-up.
    Pending,
    /// 服役中: currently serving.
    Serving,
}

impl MilitaryService {
    pub const ALL: [MilitaryService; 5] = [
        MilitaryService::None,
        MilitaryService::Completed,
        MilitaryService::Exempted,
        MilitaryService::Pending,
        MilitaryService::Serving,
    ];

    pub fn code(self) -> &'static str {
        match self {
            MilitaryService::None => "none",
            MilitaryService::Completed => "completed",
            MilitaryService::Exempted => "exempted",
            MilitaryService::Pending => "pending",
            MilitaryService::Serving => "serving",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            MilitaryService::None => "無",
            MilitaryService::Completed => "役畢",
            MilitaryService::Exempted => "免役",
            MilitaryService::Pending => "待役",
            MilitaryService::Serving => "服役中",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            MilitaryService::None => "not applicable",
            MilitaryService::Completed => "service completed",
            MilitaryService::Exempted => "exempted",
            MilitaryService::Pending => "awaiting service",
            MilitaryService::Serving => "serving",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serde spelling must be the documented `code()`, or profiles and
    /// the spec drift apart.
    #[test]
    fn serde_spelling_is_the_code() {
        #[derive(Deserialize)]
        struct Probe {
            sex: Sex,
            marital: MaritalStatus,
            military: MilitaryService,
        }
        for sex in Sex::ALL {
            for marital in MaritalStatus::ALL {
                for military in MilitaryService::ALL {
                    let text = format!(
                        "sex = \"{}\"\nmarital = \"{}\"\nmilitary = \"{}\"\n",
                        sex.code(),
                        marital.code(),
                        military.code()
                    );
                    let probe: Probe =
                        toml::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                    assert_eq!(
                        (probe.sex, probe.marital, probe.military),
                        (sex, marital, military)
                    );
                }
            }
        }
    }

    #[test]
    fn unknown_code_is_refused() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Probe {
            marital: MaritalStatus,
        }
        assert!(toml::from_str::<Probe>("marital = \"engaged\"").is_err());
    }

    #[test]
    fn mrz_sex() {
        assert_eq!(Sex::X.mrz_char(), '<');
        assert_eq!(Sex::F.mrz_char(), 'F');
    }
}
