//! `neid update --terminal DIR --pin1 N --set FIELD=VALUE… [--pki DIR]`: a
//! registry-office update (chip.md "Updates from the registry office";
//! docs/spec/eac.md §Registry-office updates) of
//!
//! * the public zone: `household_address_zh`, `household_address_en`,
//!   `village_code` (field 4), `military_service` (field 6);
//! * the household zone: `county`, `township`, `village` as
//!   `CODE|ZH|EN`, `neighbourhood` as a number (no security object);
//! * the encrypted zone: `spouse_name`, `father_name`, `mother_name`,
//!   `birthplace`.
//!
//! PACE with PIN1 and the terminal's CHAT, TA, CA v2; read the zone's
//! fields and EF.SOD; encode the new field with the card's encoding, sign a
//! new security object over the zone with the document signer of `--pki`
//! and the hash algorithm of the current one, and send `PUT DATA {51 FID,
//! 53 field, 77 SO}` (`{51, 53}` in the household zone).
//!
//! In the encrypted zone the terminal must be granted the read right of
//! every field: the new security object covers all seven and this tool
//! hashes what it reads. The public zone is readable by a privileged
//! terminal in its PIN1 session.

use std::path::PathBuf;

use anyhow::{Context, bail};
use card_os::protocol::cvc::AccessRight;
use card_os::protocol::tlv;
use clap::Args;
use terminal::encrypted::{self, EncryptedField, FieldOutcome};
use terminal::pace::PacePasswordInput;
use terminal::update::{Division, HouseholdChange, PublicChange, put_data, update_household, update_public};

use crate::args::CardArgs;
use crate::read_encrypted::{load_terminal, open_eac, parse_pin1};

/// Field n's template `A0|n` and its value `80` (encrypted.md).
const TAG_FIELD_BASE: u16 = 0xA0;
const TAG_VALUE: u16 = 0x80;
/// Field n is EF `0100 + n`.
const FID_FIELD_BASE: u16 = 0x0100;
/// The test PKI committed with the repository (docs/spec/test-pki.md).
const DEFAULT_PKI: &str = "profiles/test-pki";

#[derive(Debug, Args)]
pub struct UpdateArgs {
    #[command(flatten)]
    pub card: CardArgs,
    /// PIN1 of the holder (PACE for the encrypted zone).
    #[arg(long, value_name = "PIN1", value_parser = parse_pin1)]
    pub pin1: PacePasswordInput,
    /// Registry-office terminal directory (from `neid pki terminal --role registry`).
    #[arg(long, value_name = "DIR")]
    pub terminal: PathBuf,
    /// FIELD=VALUE, repeatable. Public zone: household_address_zh, household_address_en,
    /// village_code, military_service. Household zone: county, township, village
    /// (CODE|ZH|EN), neighbourhood (number). Encrypted zone: spouse_name, father_name,
    /// mother_name, birthplace.
    #[arg(long = "set", value_name = "FIELD=VALUE", required = true, value_parser = parse_any_set)]
    pub set: Vec<SetField>,
    /// Test PKI whose document signer signs the new security object.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_PKI)]
    pub pki: PathBuf,
}

/// One `--set`, by zone.
#[derive(Debug, Clone)]
pub enum SetField {
    Encrypted(FieldUpdate),
    Public(PublicField, String),
    Household(HouseholdField, String),
}

/// Public-zone fields a registry office writes (public.md fields 4 and 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicField {
    HouseholdAddressZh,
    HouseholdAddressEn,
    VillageCode,
    MilitaryService,
}

impl PublicField {
    const ALL: [(PublicField, &'static str); 4] = [
        (PublicField::HouseholdAddressZh, "household_address_zh"),
        (PublicField::HouseholdAddressEn, "household_address_en"),
        (PublicField::VillageCode, "village_code"),
        (PublicField::MilitaryService, "military_service"),
    ];

    fn right(self) -> AccessRight {
        match self {
            PublicField::MilitaryService => AccessRight::WriteMilitaryService,
            _ => AccessRight::WriteHouseholdAddress,
        }
    }
}

/// Household-zone fields (household.md), all under the household-address right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HouseholdField {
    County,
    Township,
    Village,
    Neighbourhood,
}

impl HouseholdField {
    const ALL: [(HouseholdField, &'static str); 4] = [
        (HouseholdField::County, "county"),
        (HouseholdField::Township, "township"),
        (HouseholdField::Village, "village"),
        (HouseholdField::Neighbourhood, "neighbourhood"),
    ];
}

/// Separator of `CODE|ZH|EN` (English names and addresses contain commas).
const DIVISION_SEPARATOR: char = '|';

fn parse_any_set(text: &str) -> Result<SetField, String> {
    let (name, value) = text.split_once('=').ok_or("--set: expected FIELD=VALUE")?;
    let name = name.trim();
    if value.chars().any(char::is_control) {
        return Err(format!("--set {name}: the value must be UTF-8 without control characters"));
    }
    if let Some((field, _)) = PublicField::ALL.iter().find(|(_, n)| *n == name) {
        if value.is_empty() {
            return Err(format!("--set {name}: the value must not be empty"));
        }
        return Ok(SetField::Public(*field, value.to_owned()));
    }
    if let Some((field, _)) = HouseholdField::ALL.iter().find(|(_, n)| *n == name) {
        let ok = match field {
            HouseholdField::Neighbourhood => parse_neighbourhood(value).map(|_| ()),
            _ => parse_division(name, value).map(|_| ()),
        };
        return ok.map(|()| SetField::Household(*field, value.to_owned()));
    }
    parse_set(text).map(SetField::Encrypted)
}

fn parse_neighbourhood(value: &str) -> Result<u16, String> {
    match value.parse::<u16>() {
        Ok(n) if n > 0 && !value.starts_with('0') => Ok(n),
        _ => Err(format!("--set neighbourhood={value}: a number 1..65535 without leading zeros")),
    }
}

/// `CODE|ZH|EN` → a division (its encoder checks the code and the names).
fn parse_division(name: &str, value: &str) -> Result<Division, String> {
    let parts: Vec<&str> = value.split(DIVISION_SEPARATOR).map(str::trim).collect();
    match parts.as_slice() {
        [code, zh, en] if !code.is_empty() && !zh.is_empty() && !en.is_empty() => {
            Ok(Division::new(code, zh, en))
        }
        _ => Err(format!("--set {name}: expected CODE|ZH|EN, e.g. `63000020-005|西村里|Xicun Village`")),
    }
}

fn public_change(sets: &[SetField]) -> PublicChange {
    let mut change = PublicChange::default();
    for set in sets {
        if let SetField::Public(field, value) = set {
            let slot = match field {
                PublicField::HouseholdAddressZh => &mut change.household_address_zh,
                PublicField::HouseholdAddressEn => &mut change.household_address_en,
                PublicField::VillageCode => &mut change.village_code,
                PublicField::MilitaryService => &mut change.military_service,
            };
            *slot = Some(value.clone());
        }
    }
    change
}

fn household_change(sets: &[SetField]) -> Result<HouseholdChange, String> {
    let mut change = HouseholdChange::default();
    for set in sets {
        if let SetField::Household(field, value) = set {
            match field {
                HouseholdField::County => change.county = Some(parse_division("county", value)?),
                HouseholdField::Township => change.township = Some(parse_division("township", value)?),
                HouseholdField::Village => change.village = Some(parse_division("village", value)?),
                HouseholdField::Neighbourhood => change.neighbourhood = Some(parse_neighbourhood(value)?),
            }
        }
    }
    Ok(change)
}

#[derive(Debug, Clone)]
pub struct FieldUpdate {
    pub field: EncryptedField,
    pub value: String,
}

fn parse_set(text: &str) -> Result<FieldUpdate, String> {
    let (name, value) = text.split_once('=').ok_or("--set: expected FIELD=VALUE")?;
    let field = EncryptedField::from_name(name.trim())
        .ok_or_else(|| format!("--set: unknown field `{name}`"))?;
    if field.write_right().is_none() {
        return Err(format!(
            "--set: `{name}` cannot be updated (writable: spouse_name, father_name, mother_name, birthplace)"
        ));
    }
    if value.is_empty() && field != EncryptedField::SpouseName
        || value.chars().any(char::is_control)
    {
        return Err(format!(
            "--set {name}: the value must be non-empty UTF-8 without control characters"
        ));
    }
    Ok(FieldUpdate {
        field,
        value: value.to_owned(),
    })
}

/// `A0|n { 80 value }`.
pub fn encode_field(field: EncryptedField, value: &str) -> Vec<u8> {
    tlv::build(
        TAG_FIELD_BASE | u16::from(field.number()),
        &tlv::build(TAG_VALUE, value.as_bytes()),
    )
}

pub fn run(args: &UpdateArgs) -> anyhow::Result<()> {
    let credentials = load_terminal(&args.terminal)?;
    let test_pki =
        pki::load(&args.pki).map_err(|e| anyhow::anyhow!("--pki {}: {e}", args.pki.display()))?;
    let public = public_change(&args.set);
    let household = household_change(&args.set).map_err(|e| anyhow::anyhow!(e))?;
    let encrypted: Vec<FieldUpdate> = args
        .set
        .iter()
        .filter_map(|s| match s {
            SetField::Encrypted(update) => Some(update.clone()),
            _ => None,
        })
        .collect();
    let mut session = open_eac(&args.card, &args.pin1, &credentials)?;
    for set in &args.set {
        let (name, right) = match set {
            SetField::Encrypted(update) => {
                (update.field.name(), update.field.write_right().context("field not writable")?)
            }
            SetField::Public(field, _) => (
                PublicField::ALL.iter().find(|(f, _)| f == field).map_or("?", |(_, n)| *n),
                field.right(),
            ),
            SetField::Household(field, _) => (
                HouseholdField::ALL.iter().find(|(f, _)| f == field).map_or("?", |(_, n)| *n),
                AccessRight::WriteHouseholdAddress,
            ),
        };
        if !session.effective_chat.contains(right) {
            bail!(
                "--set {name}: the terminal's effective CHAT does not grant {right:?} (use a registry-office terminal with that write right)"
            );
        }
    }
    if !public.is_empty() {
        let written = update_public(&mut session.channel, &public, &test_pki.document_signer)
            .context("public zone")?;
        report("public", &written);
    }
    if !household.is_empty() {
        let written = update_household(&mut session.channel, &household).context("household zone")?;
        report("household", &written);
    }
    if !encrypted.is_empty() {
        update_encrypted(&mut session, &encrypted, &test_pki)?;
    }
    Ok(())
}

fn report(zone: &str, written: &[u8]) {
    if written.is_empty() {
        println!("{zone} zone: nothing to change (the card already holds these values)");
    }
    for n in written {
        println!("{zone} zone: field {n} updated (EF {:04X})", FID_FIELD_BASE + u16::from(*n));
    }
}

fn update_encrypted(
    session: &mut terminal::EacSession<Box<dyn terminal::Transport>>,
    updates: &[FieldUpdate],
    test_pki: &pki::TestPki,
) -> anyhow::Result<()> {
    let report = encrypted::read_encrypted(
        &mut session.channel,
        &EncryptedField::ALL,
        session.effective_chat,
    )
    .context("encrypted zone")?;
    let mut contents = Vec::with_capacity(EncryptedField::ALL.len());
    for (field, outcome) in &report.fields {
        match outcome {
            FieldOutcome::Read { raw, .. } => contents.push((field.number(), raw.clone())),
            FieldOutcome::Denied { sw, .. } => bail!(
                "cannot re-sign the security object: field {} was not read ({}); the registry terminal needs the read right of every field",
                field.name(),
                sw.map_or("no answer".to_owned(), |s| format!("card answered {s:04X}"))
            ),
        }
    }
    let current = report
        .security_object
        .as_ref()
        .map_err(|e| anyhow::anyhow!("EF.SOD (0110): {e}"))?;
    let hash = pki::verify_security_object_without_chain(current, None)
        .map_err(|e| anyhow::anyhow!("current security object: {e}"))?
        .hash_algorithm();
    for update in updates {
        let content = encode_field(update.field, &update.value);
        if let Some(slot) = contents
            .iter_mut()
            .find(|(n, _)| *n == update.field.number())
        {
            slot.1 = content.clone();
        }
        let fields: Vec<(u8, &[u8])> = contents.iter().map(|(n, c)| (*n, c.as_slice())).collect();
        let sod = pki::sign_security_object(hash, &fields, &test_pki.document_signer)
            .map_err(|e| anyhow::anyhow!("signing the new security object: {e}"))?;
        let fid = FID_FIELD_BASE + u16::from(update.field.number());
        put_data(&mut session.channel, fid, &content, &sod)?;
        println!(
            "{} updated to {} (EF {fid:04X}, new security object signed by the document signer)",
            update.field.name(),
            update.value
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// encrypted.md example: father's name 王大明.
    #[test]
    fn field_encoding_follows_the_spec_example() {
        assert_eq!(
            hex::encode_upper(encode_field(EncryptedField::FatherName, "王大明")),
            "A20B8009E78E8BE5A4A7E6988E"
        );
    }

    #[test]
    fn set_sorts_fields_by_zone() {
        assert!(matches!(
            parse_any_set("household_address_en=No. 7, Sec. 5, Xinyi Rd."),
            Ok(SetField::Public(PublicField::HouseholdAddressEn, v)) if v == "No. 7, Sec. 5, Xinyi Rd."
        ));
        assert!(matches!(parse_any_set("military_service=exempted"), Ok(SetField::Public(PublicField::MilitaryService, _))));
        assert!(matches!(parse_any_set("village=63000020-005|西村里|Xicun Village"), Ok(SetField::Household(HouseholdField::Village, _))));
        assert!(parse_any_set("village=63000020-005,西村里").unwrap_err().contains("CODE|ZH|EN"));
        assert!(matches!(parse_any_set("neighbourhood=3"), Ok(SetField::Household(HouseholdField::Neighbourhood, _))));
        assert!(parse_any_set("neighbourhood=03").is_err());
        assert!(parse_any_set("household_address_zh=").is_err());
        assert!(matches!(parse_any_set("father_name=王大同"), Ok(SetField::Encrypted(_))));
    }

    #[test]
    fn set_names_the_argument() {
        assert!(parse_set("father_name=王大同").is_ok());
        assert!(
            parse_set("sex=F")
                .unwrap_err()
                .contains("cannot be updated")
        );
        assert!(
            parse_set("nickname=x")
                .unwrap_err()
                .starts_with("--set: unknown field")
        );
        assert!(
            parse_set("father_name")
                .unwrap_err()
                .contains("FIELD=VALUE")
        );
    }
}
