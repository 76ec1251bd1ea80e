//! `neid update --terminal DIR --pin1 N --set FIELD=VALUE… [--pki DIR]`: a
//! registry-office update of the encrypted zone (chip.md "Updates from the
//! registry office"; docs/spec/eac.md §Registry-office updates).
//!
//! PACE with PIN1 and the terminal's CHAT, TA, CA v2; read the zone's seven
//! fields and EF.SOD; for each `--set`, encode the new field
//! (`A0|n {80 value}`, encrypted.md), sign a new security object over the
//! zone with the document signer of `--pki` and the hash algorithm of the
//! current one, and send `PUT DATA {51 FID, 53 field, 77 SO}`.
//!
//! The terminal must be granted the read right of every field: the new
//! security object covers all seven and this tool hashes what it reads.

use std::path::PathBuf;

use anyhow::{Context, bail};
use card_os::protocol::tlv;
use clap::Args;
use terminal::encrypted::{self, EncryptedField, FieldOutcome};
use terminal::pace::PacePasswordInput;
use terminal::update::put_data;

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
    /// FIELD=VALUE, repeatable: spouse_name, father_name, mother_name, birthplace.
    #[arg(long = "set", value_name = "FIELD=VALUE", required = true, value_parser = parse_set)]
    pub set: Vec<FieldUpdate>,
    /// Test PKI whose document signer signs the new security object.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_PKI)]
    pub pki: PathBuf,
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
    let mut session = open_eac(&args.card, &args.pin1, &credentials)?;
    for update in &args.set {
        let right = update.field.write_right().context("field not writable")?;
        if !session.effective_chat.contains(right) {
            bail!(
                "--set {}: the terminal's effective CHAT does not grant {right:?} (use a registry-office terminal with write_{})",
                update.field.name(),
                update.field.name()
            );
        }
    }
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
    for update in &args.set {
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
