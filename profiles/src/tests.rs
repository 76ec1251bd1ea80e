//! Profile-level tests: the reference profiles, loading errors, and the
//! failure path of every rule. Each rule test starts from the reference
//! adult (or minor/senior) profile and changes one thing.

use std::path::PathBuf;

use crate::check::expected_renewal_date;
use crate::{Date, MaritalStatus, MilitaryService, Profile, ProfileError, ProfileIssue, Rule, Sex};

const REFERENCES: [&str; 3] = ["adult", "minor", "senior"];

fn reference_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("reference")
        .join(format!("{name}.toml"))
}

fn reference_text(name: &str) -> String {
    let path = reference_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A reference profile's text, loaded as if from `profiles/reference/`
/// (its relative paths, e.g. the issuer key file, resolve there).
fn load(text: &str) -> Profile {
    Profile::from_toml_str(text)
        .unwrap_or_else(|e| panic!("profile should load: {e}"))
        .with_base_dir(reference_path("adult").parent().unwrap_or(std::path::Path::new(".")))
}

/// The reference profile `name` with the first `from` replaced by `to`.
fn edited(name: &str, edits: &[(&str, &str)]) -> String {
    let mut text = reference_text(name);
    for (from, to) in edits {
        assert!(text.contains(from), "{name}.toml has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

fn issues_of(name: &str, edits: &[(&str, &str)]) -> Vec<ProfileIssue> {
    load(&edited(name, edits)).check()
}

/// Asserts that an issue with this field and rule exists; returns it.
fn find<'a>(issues: &'a [ProfileIssue], field: &str, rule: Rule) -> &'a ProfileIssue {
    issues
        .iter()
        .find(|i| i.field == field && i.rule == rule)
        .unwrap_or_else(|| panic!("no {rule:?} issue on {field}; got {issues:#?}"))
}

fn date(text: &str) -> Date {
    Date::parse_iso(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

// ---------------------------------------------------------------- references

#[test]
fn reference_profiles_pass_check() {
    for name in REFERENCES {
        let profile = Profile::from_file(reference_path(name)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(profile.name, name);
        assert_eq!(profile.check(), vec![], "{name}");
        assert_eq!(profile.card.pace.domain_parameter_id, 15);
        assert_eq!(profile.card.pace.aes_key_bits, 256);
    }
}

#[test]
fn reference_values_are_typed() {
    let adult = load(&reference_text("adult")).holder;
    assert_eq!(adult.date_of_birth, date("1990-03-15"));
    assert_eq!(adult.sex, Sex::M);
    assert_eq!(adult.marital_status, MaritalStatus::Married);
    assert_eq!(adult.military_service, MilitaryService::Completed);
    assert_eq!(adult.renewal_date, Some(date("2036-03-14")));
    assert_eq!(adult.neighbourhood, 5);

    let minor = load(&reference_text("minor")).holder;
    assert_eq!(minor.name_zh, "林𡘙婷");
    assert_eq!(minor.cert_second_period_end, None);

    let senior = load(&reference_text("senior")).holder;
    assert_eq!(senior.renewal_date, None);
    assert_eq!(senior.cert_second_period_end, Some(date("2036-01-04")));
}

/// The shared reference holders are the source of truth; the profiles must
/// carry their exact values. Skipped (with a note) where the shared tree is
/// not mounted.
#[test]
fn reference_profiles_match_the_shared_holders() {
    // The project's shared tree sits beside the repository (`../shared`).
    let shared = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data/reference-citizens.toml"));
    let Ok(text) = std::fs::read_to_string(&shared) else {
        eprintln!("note: {} not present; comparison skipped", shared.display());
        return;
    };
    let shared: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
    let citizens = shared
        .get("citizen")
        .and_then(toml::Value::as_array)
        .cloned()
        .unwrap_or_default();
    assert_eq!(citizens.len(), 3);
    for citizen in citizens {
        let citizen = citizen.as_table().cloned().unwrap_or_default();
        let key = citizen
            .get("key")
            .and_then(toml::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let profile: toml::Table =
            toml::from_str(&reference_text(&key)).unwrap_or_else(|e| panic!("{e}"));
        let holder = profile
            .get("holder")
            .and_then(toml::Value::as_table)
            .cloned()
            .unwrap_or_default();
        for (field, value) in citizen.iter().filter(|(f, _)| f.as_str() != "key") {
            assert_eq!(holder.get(field), Some(value), "{key}: {field}");
        }
    }
}

#[test]
fn serialization_round_trips() {
    for name in REFERENCES {
        let profile = load(&reference_text(name));
        let text = profile.to_toml_string().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(load(&text), profile, "{name}");
    }
}

// ------------------------------------------------------------------- loading

#[test]
fn unknown_field_is_refused_with_its_path() {
    let text = edited(
        "adult",
        &[("neighbourhood = 5", "neighbourhood = 5\nneighborhood = 5")],
    );
    match Profile::from_toml_str(&text) {
        Err(ProfileError::Field {
            field,
            location,
            message,
        }) => {
            assert_eq!(field, "holder.neighborhood");
            assert!(
                message.starts_with("unknown field `neighborhood`"),
                "{message}"
            );
            let line = text
                .lines()
                .position(|l| l.starts_with("neighborhood"))
                .map(|i| i + 1);
            assert_eq!(Some(location.line), line);
        }
        other => panic!("expected a field error, got {other:?}"),
    }
    let text = edited("adult", &[("[card.pin2]", "[card.pin2]\nlength = 8")]);
    let err = Profile::from_toml_str(&text)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.contains("card.pin2.length: unknown field `length`"),
        "{err}"
    );
}

#[test]
fn missing_and_mistyped_fields_name_the_field() {
    let err = Profile::from_toml_str(&edited("adult", &[("can = \"012345\"\n", "")]));
    assert!(
        matches!(&err, Err(ProfileError::Field { field, .. }) if field == "holder.can"),
        "{err:?}"
    );

    let err = Profile::from_toml_str(&edited(
        "adult",
        &[(
            "date_of_birth = \"1990-03-15\"",
            "date_of_birth = \"1990-02-30\"",
        )],
    ));
    let text = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("holder.date_of_birth: day 30 does not exist in 1990-02"),
        "{text}"
    );

    let err = Profile::from_toml_str(&edited("adult", &[("sex = \"M\"", "sex = \"male\"")]));
    let text = err.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("holder.sex: unknown variant `male`"),
        "{text}"
    );

    let err = Profile::from_toml_str(&edited(
        "adult",
        &[(
            "marital_status = \"married\"",
            "marital_status = \"engaged\"",
        )],
    ));
    assert!(
        matches!(&err, Err(ProfileError::Field { field, .. }) if field == "holder.marital_status"),
        "{err:?}"
    );
}

#[test]
fn bad_toml_gives_one_line_with_the_line_number() {
    let text = edited(
        "adult",
        &[(
            "name_en = \"WANG, HSIAO-MING\"",
            "name_en = \"WANG, HSIAO-MING",
        )],
    );
    let expected_line = text
        .lines()
        .position(|l| l.starts_with("name_en"))
        .map(|i| i + 1);
    match Profile::from_toml_str(&text) {
        Err(err @ ProfileError::Syntax { .. }) => {
            let ProfileError::Syntax { location, .. } = &err else {
                unreachable!()
            };
            assert_eq!(Some(location.line), expected_line);
            let message = err.to_string();
            assert!(!message.contains('\n'), "{message}");
            assert!(
                message.starts_with(&format!("line {}, column", location.line)),
                "{message}"
            );
        }
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

#[test]
fn file_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("broken.toml");
    std::fs::write(&path, "format_version = 1\nname = \n").unwrap_or_else(|e| panic!("{e}"));
    let message = Profile::from_file(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        message.starts_with(&format!("{}:2:", path.display())),
        "{message}"
    );

    let missing = dir.path().join("missing.toml");
    assert!(matches!(
        Profile::from_file(&missing),
        Err(ProfileError::Io { .. })
    ));
}

#[test]
fn other_format_versions_are_refused() {
    let text = edited("adult", &[("format_version = 1", "format_version = 2")]);
    let err = Profile::from_toml_str(&text);
    assert!(
        matches!(&err, Err(ProfileError::FormatVersion { found, .. }) if found == "2"),
        "{err:?}"
    );
}

#[test]
fn pki_path_resolves_against_the_profile_directory() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let text = edited(
        "adult",
        &[("pki = \"../test-pki\"", "pki = \"pki/test\"")],
    );
    let path = dir.path().join("card.toml");
    std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{e}"));
    let profile = Profile::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(profile.pki_dir(), Some(dir.path().join("pki/test")));
    let bare = |text: &str| Profile::from_toml_str(text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bare(&text).pki_dir(), Some(PathBuf::from("pki/test")));
    // The reference profiles name the committed test PKI; without a file
    // to resolve against, the path stays as written.
    assert_eq!(
        bare(&reference_text("adult")).pki_dir(),
        Some(PathBuf::from("../test-pki"))
    );
    let without = edited("adult", &[("pki = \"../test-pki\"", "")]);
    assert_eq!(load(&without).pki_dir(), None);
}

// -------------------------------------------------------------- holder rules

#[test]
fn wrong_id_check_digit_names_holder_id_number() {
    let issues = issues_of(
        "adult",
        &[("id_number = \"A123456789\"", "id_number = \"A123456788\"")],
    );
    let issue = find(&issues, "holder.id_number", Rule::IdNumber);
    assert_eq!(
        issue.to_string(),
        "holder.id_number: \"A123456788\" fails the ID-number check digit (expected 9)"
    );
}

#[test]
fn id_sex_digit_must_match_sex() {
    // F223456786 is valid but female; the adult is M. (The MRZ then also
    // disagrees, which is a separate issue.)
    let issues = issues_of(
        "adult",
        &[("id_number = \"A123456789\"", "id_number = \"F223456786\"")],
    );
    let issue = find(&issues, "holder.id_number", Rule::IdNumberSex);
    assert!(issue.message.contains("female"), "{issue}");
    find(&issues, "holder.mrz", Rule::MrzMismatch);
}

#[test]
fn mrz_check_digit_failure_is_reported() {
    // Date-of-birth check digit 2 → 5 on line 2.
    let issues = issues_of("adult", &[("9003152M", "9003155M")]);
    let issue = find(&issues, "holder.mrz", Rule::MrzCheckDigit);
    assert_eq!(
        issue.to_string(),
        "holder.mrz: line 2 position 7: date of birth check digit is '5', expected '2'"
    );
    // The composite covers that digit too.
    assert!(
        issues
            .iter()
            .any(|i| i.message.contains("composite check digit")),
        "{issues:#?}"
    );
}

#[test]
fn mrz_shape_is_checked() {
    let issues = issues_of(
        "adult",
        &[("\"WANG<<HSIAO<MING<<<<<<<<<<<<<<\"", "\"WANG<<HSIAO<MING\"")],
    );
    let issue = find(&issues, "holder.mrz", Rule::MrzFormat);
    assert_eq!(issue.message, "line 3 has 16 characters, expected 30 (TD1)");
}

#[test]
fn mrz_must_agree_with_holder_data() {
    // A valid MRZ (own check digits right) for another date of birth.
    let issues = issues_of(
        "adult",
        &[(
            "date_of_birth = \"1990-03-15\"",
            "date_of_birth = \"1990-03-16\"",
        )],
    );
    let issue = find(&issues, "holder.mrz", Rule::MrzMismatch);
    assert_eq!(
        issue.message,
        "date of birth (line 2) is \"900315\" but holder.date_of_birth gives \"900316\""
    );

    let issues = issues_of(
        "adult",
        &[(
            "name_en = \"WANG, HSIAO-MING\"",
            "name_en = \"WANG, HSIAO-MIN\"",
        )],
    );
    assert!(
        find(&issues, "holder.mrz", Rule::MrzMismatch)
            .message
            .starts_with("name (line 3)")
    );

    // Senior: a renewal date would need the MRZ expiry to carry it.
    let issues = issues_of("senior", &[("sex = \"M\"", "sex = \"X\"")]);
    assert!(
        find(&issues, "holder.mrz", Rule::MrzMismatch)
            .message
            .starts_with("sex (line 2)")
    );
}

#[test]
fn name_en_without_mrz_form() {
    let issues = issues_of(
        "adult",
        &[(
            "name_en = \"WANG, HSIAO-MING\"",
            "name_en = \"WÁNG, HSIAO-MING\"",
        )],
    );
    find(&issues, "holder.name_en", Rule::NameEn);
}

#[test]
fn can_must_be_the_card_number_tail() {
    let issues = issues_of("adult", &[("can = \"012345\"", "can = \"012346\"")]);
    let issue = find(&issues, "holder.can", Rule::Can);
    assert_eq!(
        issue.message,
        "\"012346\" must be the last 6 digits of holder.card_number (\"012345\")"
    );

    let issues = issues_of("adult", &[("can = \"012345\"", "can = \"12345\"")]);
    find(&issues, "holder.can", Rule::Can);
}

#[test]
fn card_number_is_nine_digits() {
    let issues = issues_of(
        "adult",
        &[("card_number = \"210012345\"", "card_number = \"21001234X\"")],
    );
    find(&issues, "holder.card_number", Rule::CardNumber);
}

#[test]
fn pin_formats() {
    let cases: [(&str, &str, &str, &str); 6] = [
        (
            "pin1 = \"246810\"",
            "pin1 = \"24681\"",
            "holder.pin1",
            "has 5 characters; must be exactly 6 digits",
        ),
        (
            "pin1 = \"246810\"",
            "pin1 = \"24681a\"",
            "holder.pin1",
            "holds characters other than digits; must be exactly 6 digits",
        ),
        (
            "pin2 = \"13572468\"",
            "pin2 = \"1357246\"",
            "holder.pin2",
            "has 7 characters; must be 8 to 12 digits",
        ),
        (
            "pin2 = \"13572468\"",
            "pin2 = \"1357246801234\"",
            "holder.pin2",
            "has 13 characters; must be 8 to 12 digits",
        ),
        (
            "user_code = \"TWeid2026\"",
            "user_code = \"TWeid-26\"",
            "holder.user_code",
            "holds characters other than characters A-Z a-z 0-9; must be 6 to 10 characters A-Z a-z 0-9",
        ),
        (
            "user_code = \"TWeid2026\"",
            "user_code = \"TWeid20260\"",
            "holder.user_code",
            "", // 10 characters: allowed
        ),
    ];
    for (from, to, field, message) in cases {
        let issues = issues_of("adult", &[(from, to)]);
        if message.is_empty() {
            assert_eq!(issues, vec![], "{to}");
        } else {
            assert_eq!(
                find(&issues, field, Rule::PinFormat).message,
                message,
                "{to}"
            );
            // Secrets are not echoed.
            let value = to.split('"').nth(1).unwrap_or_default();
            assert!(
                issues.iter().all(|i| !i.message.contains(value)),
                "{issues:#?}"
            );
        }
    }
}

#[test]
fn secrets_must_fit_the_configured_lengths() {
    // The card narrows PIN2 to 8..=10; the adult's PIN2 is 8 digits (fine),
    // the senior's is 10 (fine), a 12-digit one is not.
    let narrow = [(
        "[card.pin2]\nmin_length = 8\nmax_length = 12",
        "[card.pin2]\nmin_length = 8\nmax_length = 10",
    )];
    assert_eq!(issues_of("senior", &narrow), vec![]);
    let mut edits = narrow.to_vec();
    edits.push(("pin2 = \"1122334455\"", "pin2 = \"112233445566\""));
    let issues = issues_of("senior", &edits);
    assert_eq!(
        find(&issues, "holder.pin2", Rule::PinFormat).message,
        "has 12 characters, outside card.pin2 lengths 8..=10"
    );
}

#[test]
fn renewal_rule_roc_110_example() {
    // chip.md: issued ROC 110-07-01 → renewal ROC 120-06-30 (an adult).
    let issued = Date::from_roc(110, 7, 1).unwrap_or_else(|e| panic!("{e}"));
    let (renewal, _) = expected_renewal_date(date("1980-01-01"), issued);
    assert_eq!(
        renewal.map(Date::to_roc_numeric).as_deref(),
        Some("120-06-30")
    );
}

#[test]
fn renewal_rule_age_bands_and_boundaries() {
    let issue = date("2026-03-15");
    // 13 the day before the 14th birthday: 5 years.
    assert_eq!(
        expected_renewal_date(date("2012-03-16"), issue).0,
        Some(date("2031-03-14"))
    );
    // 14 on the day: 10 years.
    assert_eq!(
        expected_renewal_date(date("2012-03-15"), issue).0,
        Some(date("2036-03-14"))
    );
    // 64: 10 years; 65 on the day: none.
    assert_eq!(
        expected_renewal_date(date("1961-03-16"), issue).0,
        Some(date("2036-03-14"))
    );
    assert_eq!(expected_renewal_date(date("1961-03-15"), issue).0, None);
}

#[test]
fn renewal_rule_failure_in_each_band() {
    // Adult with a 5-year renewal.
    let issues = issues_of(
        "adult",
        &[(
            "renewal_date = \"2036-03-14\"",
            "renewal_date = \"2031-03-14\"",
        )],
    );
    let issue = find(&issues, "holder.renewal_date", Rule::RenewalDate);
    assert_eq!(
        issue.message,
        "2031-03-14 (ROC 120-03-14) breaks the renewal rule: holder aged 36 at issue (14 to under 65): \
         issue date + 10 years − 1 day = 2036-03-14 (ROC 125-03-14)"
    );
    // Minor with an adult's 10-year renewal.
    let issues = issues_of(
        "minor",
        &[(
            "renewal_date = \"2031-05-20\"",
            "renewal_date = \"2036-05-20\"",
        )],
    );
    assert!(
        find(&issues, "holder.renewal_date", Rule::RenewalDate)
            .message
            .contains("(under 14)")
    );
    // Senior with a renewal date.
    let issues = issues_of(
        "senior",
        &[("renewal_date = \"\"", "renewal_date = \"2036-01-04\"")],
    );
    let issue = find(&issues, "holder.renewal_date", Rule::RenewalDate);
    assert!(
        issue.message.ends_with("no renewal date = none (\"\")"),
        "{issue}"
    );
}

#[test]
fn certificate_periods() {
    let issues = issues_of(
        "adult",
        &[(
            "cert_validity = [\"2026-03-15\", \"2031-03-14\"]",
            "cert_validity = [\"2026-03-15\", \"2031-03-15\"]",
        )],
    );
    find(&issues, "holder.cert_validity", Rule::CertificateValidity);
    let issues = issues_of(
        "minor",
        &[(
            "cert_second_period_end = \"\"",
            "cert_second_period_end = \"2031-05-20\"",
        )],
    );
    find(
        &issues,
        "holder.cert_second_period_end",
        Rule::CertificateValidity,
    );
    let issues = issues_of(
        "senior",
        &[(
            "cert_second_period_end = \"2036-01-04\"",
            "cert_second_period_end = \"2036-01-05\"",
        )],
    );
    find(
        &issues,
        "holder.cert_second_period_end",
        Rule::CertificateValidity,
    );
    // A senior may have no second period.
    assert_eq!(
        issues_of(
            "senior",
            &[(
                "cert_second_period_end = \"2036-01-04\"",
                "cert_second_period_end = \"\""
            )]
        ),
        vec![]
    );
}

#[test]
fn issue_before_birth() {
    let issues = issues_of(
        "adult",
        &[("issue_date = \"2026-03-15\"", "issue_date = \"1980-03-15\"")],
    );
    find(&issues, "holder.issue_date", Rule::DateOrder);
}

#[test]
fn spouse_follows_marital_status() {
    let issues = issues_of(
        "adult",
        &[(
            "marital_status = \"married\"",
            "marital_status = \"divorced\"",
        )],
    );
    find(&issues, "holder.spouse_name", Rule::SpouseName);
    let issues = issues_of(
        "adult",
        &[("spouse_name = \"林美華\"", "spouse_name = \"\"")],
    );
    find(&issues, "holder.spouse_name", Rule::SpouseName);
}

#[test]
fn neighbourhood_range() {
    for bad in ["0", "1000"] {
        let issues = issues_of(
            "adult",
            &[("neighbourhood = 5", &format!("neighbourhood = {bad}"))],
        );
        find(&issues, "holder.neighbourhood", Rule::Neighbourhood);
    }
}

#[test]
fn administrative_divisions() {
    let issues = issues_of(
        "adult",
        &[("county_code = \"63000\"", "county_code = \"65000\"")],
    );
    find(&issues, "holder.county", Rule::AdministrativeDivision);
    find(&issues, "holder.county_en", Rule::AdministrativeDivision);
    find(
        &issues,
        "holder.township_code",
        Rule::AdministrativeDivision,
    );

    let issues = issues_of(
        "adult",
        &[("county_code = \"63000\"", "county_code = \"12345\"")],
    );
    find(&issues, "holder.county_code", Rule::AdministrativeDivision);

    let issues = issues_of(
        "adult",
        &[(
            "village_code = \"63000030-017\"",
            "village_code = \"63000030017\"",
        )],
    );
    find(&issues, "holder.village_code", Rule::AdministrativeDivision);

    let issues = issues_of("adult", &[("village = \"龍泉里\"", "village = \"龍安里\"")]);
    find(
        &issues,
        "holder.household_address_zh",
        Rule::HouseholdAddress,
    );

    let issues = issues_of(
        "adult",
        &[("village_en = \"Longquan Village\"", "village_en = \"\"")],
    );
    find(&issues, "holder.village_en", Rule::Required);
}

#[test]
fn cns11643_annotations() {
    // A placeholder (U+3013) in the father's name, annotated.
    let annotate = |note: &str| {
        let tail = format!("user_code = \"TWeid2026\"\n\n[[holder.cns11643]]\n{note}\n");
        let edits = [
            ("father_name = \"王大同\"", "father_name = \"王〓同\""),
            ("user_code = \"TWeid2026\"\n", tail.as_str()),
        ];
        issues_of("adult", &edits)
    };
    assert_eq!(
        annotate("field = \"father_name\"\nindex = 1\nplane = 2\ncode = 0x4421"),
        vec![]
    );

    let issues = annotate("field = \"father_name\"\nindex = 3\nplane = 2\ncode = 0x4421");
    find(&issues, "holder.cns11643[0].index", Rule::Cns11643);
    let issues = annotate("field = \"father_name\"\nindex = 0\nplane = 2\ncode = 0x4421");
    find(&issues, "holder.cns11643[0].index", Rule::Cns11643);
    let issues = annotate("field = \"father_name\"\nindex = 1\nplane = 20\ncode = 0x4421");
    find(&issues, "holder.cns11643[0].plane", Rule::Cns11643);
    let issues = annotate("field = \"father_name\"\nindex = 1\nplane = 2\ncode = 0x2080");
    find(&issues, "holder.cns11643[0].code", Rule::Cns11643);

    let err = Profile::from_toml_str(&edited(
        "adult",
        &[(
            "user_code = \"TWeid2026\"\n",
            "user_code = \"TWeid2026\"\n[[holder.cns11643]]\nfield = \"nickname\"\nindex = 0\nplane = 1\ncode = 0x2121\n",
        )],
    ));
    assert!(
        matches!(&err, Err(ProfileError::Field { field, .. }) if field == "holder.cns11643.field"),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- card rules

#[test]
fn pace_parameters_must_be_known() {
    let issues = issues_of(
        "adult",
        &[
            ("domain_parameter_id = 15", "domain_parameter_id = 14"),
            ("aes_key_bits = 256", "aes_key_bits = 512"),
        ],
    );
    let issue = find(
        &issues,
        "card.pace.domain_parameter_id",
        Rule::PaceParameters,
    );
    assert!(
        issue
            .message
            .starts_with("14 is not a standardized domain parameter id"),
        "{issue}"
    );
    find(&issues, "card.pace.aes_key_bits", Rule::PaceParameters);
    for id in ["12", "13", "16"] {
        assert_eq!(
            issues_of(
                "adult",
                &[(
                    "domain_parameter_id = 15",
                    &format!("domain_parameter_id = {id}")
                )]
            ),
            vec![]
        );
    }
}

#[test]
fn zones_and_interfaces_must_be_consistent() {
    let issues = issues_of("adult", &[("icao = true", "icao = false")]);
    find(&issues, "card.bac", Rule::Zones);
    assert_eq!(issues.len(), 1, "{issues:#?}");

    let issues = issues_of("adult", &[("contact = true", "contact = false")]);
    find(&issues, "card.zones.encrypted", Rule::Zones);
    find(&issues, "card.zones.certificate", Rule::Zones);

    let issues = issues_of(
        "adult",
        &[(
            "contact = true, contactless = true",
            "contact = false, contactless = false",
        )],
    );
    find(&issues, "card.interfaces", Rule::Zones);
}

#[test]
fn pin_policies_stay_within_chip_limits() {
    let issues = issues_of(
        "adult",
        &[
            (
                "[card.pin1]\nmin_length = 6\nmax_length = 6",
                "[card.pin1]\nmin_length = 4\nmax_length = 6",
            ),
            ("suspend_after = 2", "suspend_after = 3"),
            (
                "[card.pin2]\nmin_length = 8\nmax_length = 12\ntries = 3",
                "[card.pin2]\nmin_length = 10\nmax_length = 9\ntries = 16",
            ),
            ("tries = 10", "tries = 0"),
        ],
    );
    find(&issues, "card.pin1.min_length", Rule::PinPolicy);
    find(&issues, "card.pin1.suspend_after", Rule::PinPolicy);
    find(&issues, "card.pin2.min_length", Rule::PinPolicy);
    find(&issues, "card.pin2.tries", Rule::PinPolicy);
    find(&issues, "card.user_code.tries", Rule::PinPolicy);
}

#[test]
fn scratch_ef_size_range() {
    let ok = issues_of(
        "adult",
        &[("# scratch_ef_size = 1024", "scratch_ef_size = 1024")],
    );
    assert_eq!(ok, vec![]);
    let issues = issues_of(
        "adult",
        &[("# scratch_ef_size = 1024", "scratch_ef_size = 40000")],
    );
    find(&issues, "card.scratch_ef_size", Rule::ScratchEf);
}

#[test]
fn terminate_access_defaults_to_registry_office() {
    let profile = load(&edited(
        "adult",
        &[("terminate_access = \"registry-office\"\n", "")],
    ));
    assert_eq!(
        profile.card.terminate_access,
        crate::TerminateAccess::RegistryOffice
    );
    let lab = load(&edited(
        "adult",
        &[(
            "terminate_access = \"registry-office\"",
            "terminate_access = \"always\"",
        )],
    ));
    assert_eq!(lab.card.terminate_access, crate::TerminateAccess::Always);
}

#[test]
fn check_reports_every_issue_at_once() {
    let issues = issues_of(
        "adult",
        &[
            ("id_number = \"A123456789\"", "id_number = \"A123456788\""),
            ("can = \"012345\"", "can = \"012346\""),
            ("pin1 = \"246810\"", "pin1 = \"2468\""),
            ("domain_parameter_id = 15", "domain_parameter_id = 1"),
        ],
    );
    for (field, rule) in [
        ("holder.id_number", Rule::IdNumber),
        ("holder.can", Rule::Can),
        ("holder.pin1", Rule::PinFormat),
        ("card.pace.domain_parameter_id", Rule::PaceParameters),
        // The MRZ still carries the old ID number.
        ("holder.mrz", Rule::MrzMismatch),
    ] {
        find(&issues, field, rule);
    }
    assert!(issues.iter().all(|i| !i.to_string().contains('\n')));
}

// ------------------------------------------------------------------- spec

/// The example in docs/spec/profile.md is the reference adult profile.
#[test]
fn spec_example_is_the_reference_adult() {
    let spec_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/spec/profile.md");
    let spec = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("{}: {e}", spec_path.display()));
    let example = spec
        .split("```toml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.starts_with("format_version"))
        .unwrap_or_else(|| panic!("no example profile in {}", spec_path.display()));
    assert_eq!(load(example), load(&reference_text("adult")));
}

// ------------------------------------------------- certificate zone options

const ISSUER_KEYS_LINE: &str = "issuer_keys = \"../test-pki/issuer-keys.toml\"";

#[test]
fn reference_profiles_name_the_test_issuer_keys() {
    for name in REFERENCES {
        let profile = Profile::from_file(reference_path(name)).unwrap_or_else(|e| panic!("{e}"));
        assert!(profile.card.certificate.secure_messaging, "{name}");
        let keys = profile
            .issuer_keys()
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap_or_else(|| panic!("{name}: no card.keys.issuer_keys"));
        assert_eq!(keys.kvn, 0x30, "{name}");
    }
}

#[test]
fn middleware_compat_profile_is_the_adult_without_secure_messaging() {
    let compat = Profile::from_file(reference_path("adult-middleware-compat")).unwrap_or_else(|e| panic!("{e}"));
    let adult = Profile::from_file(reference_path("adult")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(compat.check(), vec![]);
    assert_eq!(compat.name, "adult-middleware-compat");
    assert!(!compat.card.certificate.secure_messaging);
    assert_eq!(compat.holder, adult.holder);
    let mut card = compat.card.clone();
    card.certificate.secure_messaging = true;
    assert_eq!(card, adult.card, "only secure_messaging differs");
}

#[test]
fn secure_messaging_defaults_to_true_and_unknown_keys_are_refused() {
    let without = load(&edited("adult", &[("[card.certificate]\nsecure_messaging = true", "")]));
    assert!(without.card.certificate.secure_messaging);
    let err = Profile::from_toml_str(&edited(
        "adult",
        &[("secure_messaging = true", "secure_messaging = true\npace = false")],
    ))
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("card.certificate.pace: unknown field"), "{err}");
    let err = Profile::from_toml_str(&edited(
        "adult",
        &[("secure_messaging = true", "secure_messaging = \"yes\"")],
    ))
    .err()
    .map(|e| e.to_string())
    .unwrap_or_default();
    assert!(err.contains("card.certificate.secure_messaging: "), "{err}");
}

#[test]
fn certificate_options_need_the_certificate_zone() {
    let issues = issues_of(
        "adult",
        &[
            ("certificate = true", "certificate = false"),
            ("secure_messaging = true", "secure_messaging = false"),
        ],
    );
    find(&issues, "card.keys.issuer_keys", Rule::Zones);
    find(&issues, "card.certificate.secure_messaging", Rule::Zones);
    assert_eq!(issues.len(), 2, "{issues:#?}");
    // Without the options, a disabled zone is no issue.
    let issues = issues_of(
        "adult",
        &[("certificate = true", "certificate = false"), (ISSUER_KEYS_LINE, "")],
    );
    assert_eq!(issues, vec![]);
}

#[test]
fn an_unreadable_issuer_key_file_is_an_issue_naming_the_field() {
    let issues = issues_of("adult", &[(ISSUER_KEYS_LINE, "issuer_keys = \"no-such-keys.toml\"")]);
    let issue = find(&issues, "card.keys.issuer_keys", Rule::IssuerKeys);
    assert!(issue.message.starts_with("cannot read issuer key file "), "{issue}");
    assert!(issue.message.contains("no-such-keys.toml"), "{issue}");
    assert_eq!(issues.len(), 1, "{issues:#?}");
}

#[test]
fn a_malformed_issuer_key_file_names_the_file_and_the_key() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let keys = dir.path().join("keys.toml");
    std::fs::write(
        &keys,
        "kvn = \"30\"\nenc = \"404142434445464748494A4B4C4D4E\"\nmac = \"505152535455565758595A5B5C5D5E5F\"\ndek = \"606162636465666768696A6B6C6D6E6F\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let line = format!("issuer_keys = {:?}", keys.display().to_string());
    let issues = issues_of("adult", &[(ISSUER_KEYS_LINE, &line)]);
    let issue = find(&issues, "card.keys.issuer_keys", Rule::IssuerKeys);
    assert_eq!(
        issue.to_string(),
        format!(
            "card.keys.issuer_keys: {}: enc: expected 32 hex digits (16 bytes), found 30 characters",
            keys.display()
        )
    );
    assert!(!issue.message.contains("4041"), "a key value is echoed: {issue}");
}

#[test]
fn issuer_keys_resolve_against_the_profile_directory() {
    let profile = Profile::from_file(reference_path("minor")).unwrap_or_else(|e| panic!("{e}"));
    let path = profile.issuer_keys_path().unwrap_or_default();
    assert!(path.ends_with("reference/../test-pki/issuer-keys.toml"), "{}", path.display());
    assert!(path.is_file());
}

#[test]
fn certificate_periods_are_the_reference_profile_fields() {
    for name in REFERENCES {
        let holder = Profile::from_file(reference_path(name)).unwrap_or_else(|e| panic!("{e}")).holder;
        let periods = holder.certificate_periods().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!([periods.first.not_before, periods.first.not_after], holder.cert_validity, "{name}");
        assert_eq!(periods.second.map(|p| p.not_after), holder.cert_second_period_end, "{name}");
        if let Some(second) = periods.second {
            assert_eq!(Some(second.not_before), holder.cert_validity[1].next_day(), "{name}");
        }
    }
}
