//! `neid certs list [--can N] [--json]`: the PKCS#15 objects of the
//! certificate zone (docs/spec/certificate-zone.md): token, PIN2, keys with
//! their public keys, certificates. Also the card options shared by
//! `neid sign` and `neid decrypt` ([`ZoneArgs`]).

use clap::{Args, Subcommand};
use serde_json::{Value, json};
use terminal::certs::{CertificateObject, CertificateZone, KeyObject, PublicKeyValue, TokenObjects};
use terminal::pin::PinKind;
use terminal::{PacePasswordInput, Transport};

use crate::args::CardArgs;

#[derive(Debug, Subcommand)]
pub enum CertsCommand {
    /// List the token, PIN2, the generated keys and the certificates of the zone.
    List(ListArgs),
}

/// The card and, for zones under secure messaging, the CAN.
#[derive(Debug, Args)]
pub struct ZoneArgs {
    #[command(flatten)]
    pub card: CardArgs,
    /// Card access number (6 digits): PACE with it first; the reference
    /// profiles protect the zone with secure messaging.
    #[arg(long, value_name = "CAN", value_parser = parse_can)]
    pub can: Option<String>,
}

impl ZoneArgs {
    /// The card's transport, for [`ZoneArgs::open_zone`].
    pub fn transport(&self) -> anyhow::Result<Box<dyn Transport>> {
        crate::source::open(&self.card)
    }
}

/// Opens the zone: PACE with `--can` when given, then SELECT.
pub fn open_zone<'t>(transport: &'t mut dyn Transport, can: Option<&str>) -> anyhow::Result<CertificateZone<'t>> {
    Ok(CertificateZone::open(transport, can)?)
}

/// `--can`: exactly 6 digits (checked before the card is touched).
pub fn parse_can(text: &str) -> Result<String, String> {
    PacePasswordInput::can(text).map(|_| text.to_owned()).map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub zone: ZoneArgs,
    /// Print JSON (keys with their public keys, certificates with their DER, hex).
    #[arg(long)]
    pub json: bool,
}

pub fn run(command: &CertsCommand) -> anyhow::Result<()> {
    match command {
        CertsCommand::List(args) => list(args),
    }
}

fn list(args: &ListArgs) -> anyhow::Result<()> {
    let mut transport = args.zone.transport()?;
    let mut zone = open_zone(transport.as_mut(), args.zone.can.as_deref())?;
    let objects = zone.read_objects()?;
    let pin2 = zone.pin2_state()?.describe(PinKind::Pin2);
    let secure = zone.is_secure();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&to_json(&objects, &pin2, secure))?);
    } else {
        print!("{}", to_text(&objects, &pin2, secure));
    }
    Ok(())
}

fn public_key_json(key: &KeyObject) -> Value {
    match key.public_key() {
        Ok(PublicKeyValue::Rsa { modulus, public_exponent }) => {
            json!({ "modulus": hex::encode_upper(modulus), "public_exponent": hex::encode_upper(public_exponent) })
        }
        Ok(PublicKeyValue::Ec { curve, point }) => {
            json!({ "curve": "secp384r1", "curve_der": hex::encode_upper(curve), "point": hex::encode_upper(point) })
        }
        Err(error) => json!({ "error": error }),
    }
}

fn certificate_json(certificate: &CertificateObject) -> Value {
    let mut value = json!({
        "fid": format!("{:04X}", certificate.fid),
        "label": certificate.label,
        "id": hex::encode_upper(&certificate.id),
        "authority": certificate.authority,
        "der": hex::encode_upper(&certificate.der),
    });
    match certificate.details() {
        Ok(details) => {
            value["subject"] = json!(details.subject);
            value["issuer"] = json!(details.issuer);
            value["serial"] = json!(details.serial_hex);
            value["not_before"] = json!(details.not_before);
            value["not_after"] = json!(details.not_after);
        }
        Err(error) => value["error"] = json!(error),
    }
    value
}

pub fn to_json(objects: &TokenObjects, pin2: &str, secure: bool) -> Value {
    let keys: Vec<Value> = objects
        .keys
        .iter()
        .map(|key| {
            json!({
                "key_ref": format!("{:02X}", key.slot.key_ref()),
                "name": key.slot.name(),
                "label": key.label,
                "id": hex::encode_upper(&key.id),
                "algorithm": key.algorithm.name(),
                "certificate": objects.certificate_of(key).map(|c| format!("{:04X}", c.fid)),
                "spki": hex::encode_upper(&key.spki_der),
                "public_key": public_key_json(key),
            })
        })
        .collect();
    json!({
        "serial": objects.serial,
        "label": objects.label,
        "secure_messaging": secure,
        "pin2": { "min_length": objects.pin2_min, "max_length": objects.pin2_max, "state": pin2 },
        "keys": keys,
        "certificates": objects.certificates.iter().map(certificate_json).collect::<Vec<_>>(),
    })
}

pub fn to_text(objects: &TokenObjects, pin2: &str, secure: bool) -> String {
    let mut out = format!(
        "Token        {} (serial {}), {}\nPIN2         {}-{} digits, {pin2}\n",
        objects.label,
        objects.serial,
        if secure { "secure messaging (PACE)" } else { "plain" },
        objects.pin2_min,
        objects.pin2_max,
    );
    out.push_str(if objects.keys.is_empty() { "Keys         none generated\n" } else { "Keys\n" });
    for key in &objects.keys {
        let certificate =
            objects.certificate_of(key).map(|c| format!(", certificate {:04X}", c.fid)).unwrap_or_default();
        out.push_str(&format!(
            "  {:02X} {:<5} {:<9} {}{certificate}\n",
            key.slot.key_ref(),
            key.slot.name(),
            key.algorithm.name(),
            key.label
        ));
    }
    out.push_str(if objects.certificates.is_empty() { "Certificates none\n" } else { "Certificates\n" });
    for certificate in &objects.certificates {
        let authority = if certificate.authority { " (CA)" } else { "" };
        out.push_str(&format!("  {:04X} {}{authority}\n", certificate.fid, certificate.label));
        match certificate.details() {
            Ok(details) => out.push_str(&format!(
                "       subject {}\n       issuer  {}\n       serial  {}\n       valid   {} to {}\n",
                details.subject, details.issuer, details.serial_hex, details.not_before, details.not_after
            )),
            Err(error) => out.push_str(&format!("       {error}\n")),
        }
    }
    out
}
