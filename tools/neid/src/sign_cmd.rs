//! `neid sign --pin2 N --key K --in FILE --out SIG [--mechanism M] [--can N]`:
//! hash the file, VERIFY PIN2, then PSO:COMPUTE DIGITAL SIGNATURE with the
//! key (`--key auth`: INTERNAL AUTHENTICATE, the client-authentication
//! command of key 01). docs/spec/certificate-zone.md; PKCS#1 v1.5 inputs
//! are DigestInfos (`terminal::digest_info`).

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use pki::HashAlgorithm;
use terminal::certs::{KeyAlgorithm, KeySlot, SignMechanism};
use terminal::digest_info;

use crate::certs_cmd::{ZoneArgs, open_zone};

/// The signature schemes, named after their PKCS#11 mechanisms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignMechanismArg {
    #[value(name = "sha1-rsa-pkcs")]
    Sha1RsaPkcs,
    #[value(name = "sha224-rsa-pkcs")]
    Sha224RsaPkcs,
    #[value(name = "sha256-rsa-pkcs")]
    Sha256RsaPkcs,
    #[value(name = "sha384-rsa-pkcs")]
    Sha384RsaPkcs,
    #[value(name = "sha512-rsa-pkcs")]
    Sha512RsaPkcs,
    #[value(name = "rsa-pss-sha256")]
    RsaPssSha256,
    #[value(name = "rsa-pss-sha384")]
    RsaPssSha384,
    #[value(name = "rsa-pss-sha512")]
    RsaPssSha512,
    #[value(name = "ecdsa-sha256")]
    EcdsaSha256,
    #[value(name = "ecdsa-sha384")]
    EcdsaSha384,
    #[value(name = "ecdsa-sha512")]
    EcdsaSha512,
}

impl SignMechanismArg {
    /// The card's scheme and the hash applied to the file.
    pub fn scheme(self) -> (SignMechanism, HashAlgorithm) {
        use SignMechanismArg::*;
        match self {
            Sha1RsaPkcs => (SignMechanism::RsaPkcs1, HashAlgorithm::Sha1),
            Sha224RsaPkcs => (SignMechanism::RsaPkcs1, HashAlgorithm::Sha224),
            Sha256RsaPkcs => (SignMechanism::RsaPkcs1, HashAlgorithm::Sha256),
            Sha384RsaPkcs => (SignMechanism::RsaPkcs1, HashAlgorithm::Sha384),
            Sha512RsaPkcs => (SignMechanism::RsaPkcs1, HashAlgorithm::Sha512),
            RsaPssSha256 => (SignMechanism::RsaPss, HashAlgorithm::Sha256),
            RsaPssSha384 => (SignMechanism::RsaPss, HashAlgorithm::Sha384),
            RsaPssSha512 => (SignMechanism::RsaPss, HashAlgorithm::Sha512),
            EcdsaSha256 => (SignMechanism::Ecdsa, HashAlgorithm::Sha256),
            EcdsaSha384 => (SignMechanism::Ecdsa, HashAlgorithm::Sha384),
            EcdsaSha512 => (SignMechanism::Ecdsa, HashAlgorithm::Sha512),
        }
    }

    /// The default of a key: SHA-256 PKCS#1 v1.5 for RSA, ECDSA with SHA-384 for P-384.
    pub fn default_for(slot: KeySlot) -> Self {
        match slot.algorithm() {
            KeyAlgorithm::Rsa2048 => SignMechanismArg::Sha256RsaPkcs,
            KeyAlgorithm::EcP384 => SignMechanismArg::EcdsaSha384,
        }
    }

    pub fn name(self) -> String {
        self.to_possible_value().map(|v| v.get_name().to_owned()).unwrap_or_default()
    }
}

#[derive(Debug, Args)]
pub struct SignArgs {
    #[command(flatten)]
    pub zone: ZoneArgs,
    /// PIN2 (8 to 12 digits).
    #[arg(long, value_name = "PIN2", value_parser = parse_pin2)]
    pub pin2: String,
    /// The key: sign (key 01, PSO:CDS), auth (key 01, INTERNAL AUTHENTICATE), ecc1, ecc2, ecc3.
    #[arg(long, value_name = "KEY")]
    pub key: String,
    /// The file to sign (hashed here).
    #[arg(long = "in", value_name = "FILE")]
    pub input: PathBuf,
    /// Where to write the signature (RSA: 256 bytes; ECDSA: r‖s, 96 bytes).
    #[arg(long = "out", value_name = "SIG")]
    pub output: PathBuf,
    /// Signature scheme (default: sha256-rsa-pkcs for RSA keys, ecdsa-sha384 for ECC keys).
    #[arg(long, value_enum)]
    pub mechanism: Option<SignMechanismArg>,
}

/// `--pin2`: the chip's format, 8 to 12 digits (pins.md).
pub fn parse_pin2(text: &str) -> Result<String, String> {
    terminal::pin::check_format(terminal::pin::PinKind::Pin2, text)
        .map(|_| text.to_owned())
        .map_err(|_| "must be 8 to 12 digits".to_owned())
}

/// A bad argument combination: one line, exit status 2 (as clap's errors).
pub fn usage_error(message: String) -> ! {
    eprintln!("neid: error: {message}");
    std::process::exit(2)
}

/// What `--key` and `--mechanism` ask the card for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignPlan {
    pub slot: KeySlot,
    /// INTERNAL AUTHENTICATE instead of PSO:CDS (`--key auth`).
    pub internal_authenticate: bool,
    pub mechanism: SignMechanismArg,
}

/// Checks `--key` and `--mechanism` together, before the card is touched.
pub fn plan(key: &str, mechanism: Option<SignMechanismArg>) -> Result<SignPlan, String> {
    let slot = KeySlot::parse(key).map_err(|e| format!("--key: {e}"))?;
    if slot == KeySlot::Decipher {
        return Err("--key: enc (key 02) deciphers and does not sign; use `neid decrypt`".into());
    }
    let internal_authenticate = key == "auth";
    let mechanism = mechanism.unwrap_or_else(|| SignMechanismArg::default_for(slot));
    let (scheme, _) = mechanism.scheme();
    if !scheme.allowed_for(slot) {
        return Err(format!(
            "--mechanism: {} is not a mechanism of {slot} ({}); use {}",
            mechanism.name(),
            slot.algorithm(),
            match slot.algorithm() {
                KeyAlgorithm::Rsa2048 => "sha*-rsa-pkcs or rsa-pss-sha*",
                KeyAlgorithm::EcP384 => "ecdsa-sha*",
            }
        ));
    }
    if internal_authenticate && scheme == SignMechanism::RsaPss {
        return Err(
            "--mechanism: INTERNAL AUTHENTICATE (--key auth) signs with PKCS#1 v1.5 only, not RSASSA-PSS".into()
        );
    }
    Ok(SignPlan { slot, internal_authenticate, mechanism })
}

/// What the card signs: a DigestInfo for PKCS#1 v1.5, the hash otherwise.
pub fn card_input(mechanism: SignMechanismArg, data: &[u8]) -> Vec<u8> {
    match mechanism.scheme() {
        (SignMechanism::RsaPkcs1, hash) => digest_info::hash_and_encode(hash, data),
        (_, hash) => hash.digest(data),
    }
}

pub fn run(args: &SignArgs) -> anyhow::Result<()> {
    let plan = plan(&args.key, args.mechanism).unwrap_or_else(|message| usage_error(message));
    let data = std::fs::read(&args.input).with_context(|| format!("--in {}: cannot read", args.input.display()))?;
    let input = card_input(plan.mechanism, &data);

    let mut transport = args.zone.transport()?;
    let mut zone = open_zone(transport.as_mut(), args.zone.can.as_deref())?;
    zone.verify_pin2(&args.pin2)?;
    let (scheme, _) = plan.mechanism.scheme();
    let signature = if plan.internal_authenticate {
        zone.internal_authenticate(plan.slot, &input)?
    } else {
        zone.sign(plan.slot, scheme, &input)?
    };
    std::fs::write(&args.output, &signature)
        .with_context(|| format!("--out {}: cannot write", args.output.display()))?;
    println!(
        "{}: {} with {}{}: {}-byte signature written to {}",
        args.input.display(),
        plan.mechanism.name(),
        plan.slot,
        if plan.internal_authenticate { " (INTERNAL AUTHENTICATE)" } else { "" },
        signature.len(),
        args.output.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_refusals_name_the_argument() {
        let rsa = plan("sign", None).unwrap();
        assert_eq!(
            (rsa.slot, rsa.mechanism, rsa.internal_authenticate),
            (KeySlot::SignAuth, SignMechanismArg::Sha256RsaPkcs, false)
        );
        let ecc = plan("ecc2", None).unwrap();
        assert_eq!((ecc.slot, ecc.mechanism), (KeySlot::Ecc2, SignMechanismArg::EcdsaSha384));
        assert!(plan("auth", None).unwrap().internal_authenticate);
        assert!(plan("enc", None).unwrap_err().starts_with("--key: enc"));
        assert!(plan("ecc9", None).unwrap_err().starts_with("--key: unknown key `ecc9`"));
        assert!(
            plan("sign", Some(SignMechanismArg::EcdsaSha384)).unwrap_err().starts_with("--mechanism: ecdsa-sha384")
        );
        assert!(
            plan("ecc1", Some(SignMechanismArg::RsaPssSha256)).unwrap_err().starts_with("--mechanism: rsa-pss-sha256")
        );
        assert!(plan("auth", Some(SignMechanismArg::RsaPssSha256)).unwrap_err().contains("PKCS#1 v1.5 only"));
    }

    #[test]
    fn card_inputs() {
        let info = card_input(SignMechanismArg::Sha256RsaPkcs, b"abc");
        assert_eq!(info.len(), 19 + 32);
        assert_eq!(&info[19..], HashAlgorithm::Sha256.digest(b"abc").as_slice());
        assert_eq!(card_input(SignMechanismArg::EcdsaSha384, b"abc").len(), 48);
        assert_eq!(card_input(SignMechanismArg::RsaPssSha512, b"abc").len(), 64);
        assert!(parse_pin2("1234567").is_err());
        assert!(parse_pin2("123456789012").is_ok());
    }
}
