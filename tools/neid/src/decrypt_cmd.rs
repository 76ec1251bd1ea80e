//! `neid decrypt --pin2 N --key enc --in CT --out PT [--oaep sha1|sha256|none]
//! [--can N]`: VERIFY PIN2, MSE:SET CT, PSO:DECIPHER of the 256-byte RSA
//! cryptogram with key 02 (docs/spec/certificate-zone.md).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use terminal::certs::{DecipherMechanism, KeySlot, RSA_CRYPTOGRAM_LEN};

use crate::certs_cmd::{ZoneArgs, open_zone};
use crate::sign_cmd::{parse_pin2, usage_error};

/// The padding of the cryptogram: RSAES-OAEP with SHA-1 or SHA-256 (MGF1 of
/// the same hash, empty label), or `none` for RSAES-PKCS1-v1_5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OaepArg {
    Sha1,
    Sha256,
    /// RSAES-PKCS1-v1_5 (what `openssl pkeyutl -encrypt` makes by default).
    None,
}

impl OaepArg {
    pub fn mechanism(self) -> DecipherMechanism {
        match self {
            OaepArg::Sha1 => DecipherMechanism::RsaOaepSha1,
            OaepArg::Sha256 => DecipherMechanism::RsaOaepSha256,
            OaepArg::None => DecipherMechanism::RsaPkcs1,
        }
    }
}

#[derive(Debug, Args)]
pub struct DecryptArgs {
    #[command(flatten)]
    pub zone: ZoneArgs,
    /// PIN2 (8 to 12 digits).
    #[arg(long, value_name = "PIN2", value_parser = parse_pin2)]
    pub pin2: String,
    /// The key: enc (key 02, the encipherment key), the only one that deciphers.
    #[arg(long, value_name = "KEY", default_value = "enc")]
    pub key: String,
    /// The cryptogram (256 bytes, raw).
    #[arg(long = "in", value_name = "CT")]
    pub input: PathBuf,
    /// Where to write the plaintext.
    #[arg(long = "out", value_name = "PT")]
    pub output: PathBuf,
    /// OAEP hash, or none for PKCS#1 v1.5 padding.
    #[arg(long, value_enum, default_value_t = OaepArg::None)]
    pub oaep: OaepArg,
}

/// `--key` must name key 02.
pub fn check_key(key: &str) -> Result<KeySlot, String> {
    match KeySlot::parse(key).map_err(|e| format!("--key: {e}"))? {
        KeySlot::Decipher => Ok(KeySlot::Decipher),
        other => Err(format!("--key: {key} ({other}) does not decipher; only enc (key 02) does")),
    }
}

pub fn run(args: &DecryptArgs) -> anyhow::Result<()> {
    let slot = check_key(&args.key).unwrap_or_else(|message| usage_error(message));
    let cryptogram =
        std::fs::read(&args.input).with_context(|| format!("--in {}: cannot read", args.input.display()))?;
    if cryptogram.len() != RSA_CRYPTOGRAM_LEN {
        bail!(
            "--in {}: {} bytes; an RSA-2048 cryptogram has {RSA_CRYPTOGRAM_LEN} (raw, not base64 or PEM)",
            args.input.display(),
            cryptogram.len()
        );
    }
    let mechanism = args.oaep.mechanism();
    let mut transport = args.zone.transport()?;
    let mut zone = open_zone(transport.as_mut(), args.zone.can.as_deref())?;
    zone.verify_pin2(&args.pin2)?;
    let plaintext = zone.decipher(slot, mechanism, &cryptogram)?;
    std::fs::write(&args.output, &plaintext)
        .with_context(|| format!("--out {}: cannot write", args.output.display()))?;
    println!(
        "{}: {} with {slot}: {} bytes written to {}",
        args.input.display(),
        mechanism.name(),
        plaintext.len(),
        args.output.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_encipherment_key_deciphers() {
        assert_eq!(check_key("enc"), Ok(KeySlot::Decipher));
        assert!(check_key("sign").unwrap_err().starts_with("--key: sign (key 01"));
        assert!(check_key("x").unwrap_err().starts_with("--key: unknown key"));
        assert_eq!(OaepArg::Sha256.mechanism(), DecipherMechanism::RsaOaepSha256);
    }
}
