//! Administrative divisions of the household address: county (縣市),
//! township (鄉鎮市區), village (村里).
//!
//! Code shapes follow the Ministry of the Interior's administrative-division
//! codes: county 5 digits (`63000`), township = county code + 3 digits
//! (`63000030`), village = township code + `-` + 3 digits (`63000030-017`).
//! Township and village codes in the reference profiles are synthetic but
//! have this shape.

/// A county-level division: MOI code, zh and en names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct County {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
}

/// The 22 county-level divisions (6 special municipalities, 3 cities,
/// 13 counties) with their MOI codes.
pub const COUNTIES: [County; 22] = [
    County {
        code: "63000",
        name_zh: "臺北市",
        name_en: "Taipei City",
    },
    County {
        code: "64000",
        name_zh: "高雄市",
        name_en: "Kaohsiung City",
    },
    County {
        code: "65000",
        name_zh: "新北市",
        name_en: "New Taipei City",
    },
    County {
        code: "66000",
        name_zh: "臺中市",
        name_en: "Taichung City",
    },
    County {
        code: "67000",
        name_zh: "臺南市",
        name_en: "Tainan City",
    },
    County {
        code: "68000",
        name_zh: "桃園市",
        name_en: "Taoyuan City",
    },
    County {
        code: "10002",
        name_zh: "宜蘭縣",
        name_en: "Yilan County",
    },
    County {
        code: "10004",
        name_zh: "新竹縣",
        name_en: "Hsinchu County",
    },
    County {
        code: "10005",
        name_zh: "苗栗縣",
        name_en: "Miaoli County",
    },
    County {
        code: "10007",
        name_zh: "彰化縣",
        name_en: "Changhua County",
    },
    County {
        code: "10008",
        name_zh: "南投縣",
        name_en: "Nantou County",
    },
    County {
        code: "10009",
        name_zh: "雲林縣",
        name_en: "Yunlin County",
    },
    County {
        code: "10010",
        name_zh: "嘉義縣",
        name_en: "Chiayi County",
    },
    County {
        code: "10013",
        name_zh: "屏東縣",
        name_en: "Pingtung County",
    },
    County {
        code: "10014",
        name_zh: "臺東縣",
        name_en: "Taitung County",
    },
    County {
        code: "10015",
        name_zh: "花蓮縣",
        name_en: "Hualien County",
    },
    County {
        code: "10016",
        name_zh: "澎湖縣",
        name_en: "Penghu County",
    },
    County {
        code: "10017",
        name_zh: "基隆市",
        name_en: "Keelung City",
    },
    County {
        code: "10018",
        name_zh: "新竹市",
        name_en: "Hsinchu City",
    },
    County {
        code: "10020",
        name_zh: "嘉義市",
        name_en: "Chiayi City",
    },
    County {
        code: "09020",
        name_zh: "金門縣",
        name_en: "Kinmen County",
    },
    County {
        code: "09007",
        name_zh: "連江縣",
        name_en: "Lienchiang County",
    },
];

/// Digits in a county code, and digits a township code adds to it.
pub const COUNTY_CODE_DIGITS: usize = 5;
pub const TOWNSHIP_SUFFIX_DIGITS: usize = 3;
/// Separator and digits a village code adds to its township code.
pub const VILLAGE_SEPARATOR: char = '-';
pub const VILLAGE_SUFFIX_DIGITS: usize = 3;

/// The county with this code, if it is one of the 22.
pub fn county_by_code(code: &str) -> Option<&'static County> {
    COUNTIES.iter().find(|c| c.code == code)
}

fn all_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `code` has the shape of a county code (5 digits).
pub fn is_county_code(code: &str) -> bool {
    all_digits(code, COUNTY_CODE_DIGITS)
}

/// Whether `code` is a township code under `county_code`.
pub fn is_township_code_of(code: &str, county_code: &str) -> bool {
    code.strip_prefix(county_code)
        .is_some_and(|rest| all_digits(rest, TOWNSHIP_SUFFIX_DIGITS))
}

/// Whether `code` is a village code under `township_code`.
pub fn is_village_code_of(code: &str, township_code: &str) -> bool {
    code.strip_prefix(township_code)
        .and_then(|rest| rest.strip_prefix(VILLAGE_SEPARATOR))
        .is_some_and(|rest| all_digits(rest, VILLAGE_SUFFIX_DIGITS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counties_are_unique_and_well_formed() {
        for (i, county) in COUNTIES.iter().enumerate() {
            assert!(is_county_code(county.code), "{county:?}");
            assert!(
                COUNTIES[i + 1..]
                    .iter()
                    .all(|c| c.code != county.code && c.name_zh != county.name_zh)
            );
        }
        assert_eq!(
            county_by_code("63000").map(|c| c.name_en),
            Some("Taipei City")
        );
        assert_eq!(county_by_code("99999"), None);
    }

    #[test]
    fn code_hierarchy() {
        assert!(is_township_code_of("63000030", "63000"));
        assert!(!is_township_code_of("65000010", "63000"));
        assert!(!is_township_code_of("6300003", "63000"));
        assert!(is_village_code_of("63000030-017", "63000030"));
        assert!(!is_village_code_of("63000030017", "63000030"));
        assert!(!is_village_code_of("63000030-17", "63000030"));
        assert!(!is_village_code_of("63000040-017", "63000030"));
    }
}
