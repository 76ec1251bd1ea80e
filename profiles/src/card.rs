//! The `[card]` table: how the card is configured, independent of who holds it.

use core::fmt;
use core::ops::RangeInclusive;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Chip limits on secret lengths (chip.md "Passwords and counters"); a
/// profile may narrow them, not widen them.
pub const PIN1_LENGTHS: RangeInclusive<u8> = 6..=6;
pub const PIN2_LENGTHS: RangeInclusive<u8> = 8..=12;
pub const USER_CODE_LENGTHS: RangeInclusive<u8> = 6..=10;
/// A retry counter is reported in the low nibble of SW 63CX (ISO 7816-4
/// §5.6), so it starts at 15 at most.
pub const TRIES: RangeInclusive<u8> = 1..=15;
/// READ BINARY with INS B0 addresses 15 bits of offset in P1-P2
/// (ISO 7816-4, P1 b8 = 0), so a scratch EF is at most 0x7FFF bytes.
pub const SCRATCH_EF_SIZES: RangeInclusive<u16> = 1..=0x7FFF;

/// Card configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardConfig {
    pub interfaces: Interfaces,
    pub zones: Zones,
    pub pace: PaceConfig,
    /// Offer BAC in the ICAO zone (besides PACE); needs `zones.icao`.
    #[serde(default)]
    pub bac: bool,
    /// The Active Authentication key type (ICAO 9303-11 §6.1); only
    /// meaningful with `zones.icao`.
    #[serde(default)]
    pub aa: ActiveAuthKey,
    pub pin1: Pin1Policy,
    pub pin2: PinPolicy,
    pub user_code: PinPolicy,
    pub keys: KeyConfig,
    /// Who may TERMINATE the card (ISO 7816-9).
    #[serde(default)]
    pub terminate_access: TerminateAccess,
    /// Size in bytes of a free-access scratch EF for conformance tests.
    /// Lab/test cards only; absent on a production-like card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scratch_ef_size: Option<u16>,
    /// Options of the certificate zone (docs/spec/certificate-zone.md
    /// §Profile options); only meaningful with `zones.certificate`.
    #[serde(default, skip_serializing_if = "CertificateConfig::is_default")]
    pub certificate: CertificateConfig,
}

/// `[card.certificate]`: options of the certificate zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateConfig {
    /// Reads and key use need PACE secure messaging (CAN, MRZ or PIN1);
    /// `false` is the middleware-compat variant without SM.
    #[serde(default = "default_true")]
    pub secure_messaging: bool,
}

fn default_true() -> bool {
    true
}

impl Default for CertificateConfig {
    fn default() -> Self {
        CertificateConfig {
            secure_messaging: true,
        }
    }
}

impl CertificateConfig {
    fn is_default(&self) -> bool {
        *self == CertificateConfig::default()
    }
}

/// Which interfaces the card answers on (chip.md "Interfaces").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interfaces {
    /// ISO 7816-3 T=1.
    pub contact: bool,
    /// ISO 14443-4.
    pub contactless: bool,
}

/// Which zones (applications) are enabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zones {
    pub icao: bool,
    pub household: bool,
    pub public: bool,
    pub encrypted: bool,
    pub certificate: bool,
}

/// PACE parameters (ICAO 9303-11 §9.5.1, TR-03110-3 A.2.1.1). Kept as
/// numbers so that `check` can report an unknown value with the field
/// named; use [`PaceConfig::domain`] and [`PaceConfig::aes`] once checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaceConfig {
    /// Standardized domain parameter id: 12, 13, 15 or 16.
    pub domain_parameter_id: u8,
    /// AES key length of the SM cipher suite: 128, 192 or 256.
    pub aes_key_bits: u16,
}

/// The standardized domain parameters the chip supports (ICAO 9303-11
/// §9.5.1 table 6 / TR-03110-3 A.2.1.1 table 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaceDomain {
    /// Id 12.
    NistP256,
    /// Id 13.
    BrainpoolP256r1,
    /// Id 15.
    NistP384,
    /// Id 16.
    BrainpoolP384r1,
}

impl PaceDomain {
    pub const ALL: [PaceDomain; 4] = [
        PaceDomain::NistP256,
        PaceDomain::BrainpoolP256r1,
        PaceDomain::NistP384,
        PaceDomain::BrainpoolP384r1,
    ];

    pub fn id(self) -> u8 {
        match self {
            PaceDomain::NistP256 => 12,
            PaceDomain::BrainpoolP256r1 => 13,
            PaceDomain::NistP384 => 15,
            PaceDomain::BrainpoolP384r1 => 16,
        }
    }

    pub fn from_id(id: u8) -> Option<PaceDomain> {
        PaceDomain::ALL.into_iter().find(|d| d.id() == id)
    }

    pub fn curve_name(self) -> &'static str {
        match self {
            PaceDomain::NistP256 => "NIST P-256",
            PaceDomain::BrainpoolP256r1 => "brainpoolP256r1",
            PaceDomain::NistP384 => "NIST P-384",
            PaceDomain::BrainpoolP384r1 => "brainpoolP384r1",
        }
    }
}

/// AES key lengths of id-PACE-ECDH-GM-AES-CBC-CMAC-128/-192/-256.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AesKeyLength {
    Aes128,
    Aes192,
    Aes256,
}

impl AesKeyLength {
    pub fn from_bits(bits: u16) -> Option<AesKeyLength> {
        match bits {
            128 => Some(AesKeyLength::Aes128),
            192 => Some(AesKeyLength::Aes192),
            256 => Some(AesKeyLength::Aes256),
            _ => None,
        }
    }

    pub fn bits(self) -> u16 {
        match self {
            AesKeyLength::Aes128 => 128,
            AesKeyLength::Aes192 => 192,
            AesKeyLength::Aes256 => 256,
        }
    }
}

impl PaceConfig {
    /// `None` if the id is not one the chip supports (`check` reports it).
    pub fn domain(&self) -> Option<PaceDomain> {
        PaceDomain::from_id(self.domain_parameter_id)
    }

    /// `None` if the length is not 128, 192 or 256 (`check` reports it).
    pub fn aes(&self) -> Option<AesKeyLength> {
        AesKeyLength::from_bits(self.aes_key_bits)
    }
}

/// PIN1: lengths, retry counter and suspension (TR-03110-2 §3.5: the PIN is
/// suspended when the counter reaches 1 and needs a PACE with CAN first).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin1Policy {
    pub min_length: u8,
    pub max_length: u8,
    /// Retry counter start value.
    pub tries: u8,
    /// Failed tries after which the PIN is suspended.
    pub suspend_after: u8,
}

/// PIN2 and user code: lengths and retry counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinPolicy {
    pub min_length: u8,
    pub max_length: u8,
    /// Retry counter start value.
    pub tries: u8,
}

/// Key material for the certificate zone and chip authentication.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyConfig {
    pub generation: KeyGeneration,
    /// Seed for a deterministic random generator, so test cards are
    /// reproducible. Absent: the generator is seeded from the OS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<KeySeed>,
    /// Test PKI directory (neid-pki). Relative paths resolve against the
    /// profile file's directory: use [`crate::Profile::pki_dir`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pki: Option<PathBuf>,
    /// Issuer master key file (docs/spec/scp03.md §Keys): personalization
    /// stores the keys diversified for this card and issues the citizen
    /// certificates over SCP03. Relative paths resolve against the profile
    /// file's directory: use [`crate::Profile::issuer_keys_path`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer_keys: Option<PathBuf>,
}

/// How key pairs come to exist.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyGeneration {
    /// GENERATE ASYMMETRIC KEY PAIR on the card during personalization
    /// (ISO 7816-8 §5.1); private keys never leave the chip.
    OnCard,
}

/// The Active Authentication key pair the ICAO zone is personalized with
/// (ICAO 9303-11 §6.1; docs/spec/active-authentication.md). An unknown
/// value is refused at load, naming `card.aa`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActiveAuthKey {
    /// ECDSA on NIST P-384, plain signature with SHA-384 (BSI TR-03111
    /// §5.2.1); DG14 carries an ActiveAuthenticationInfo.
    #[default]
    #[serde(rename = "ecdsa-p384")]
    EcdsaP384,
    /// RSA with a 2048-bit modulus, ISO/IEC 9796-2 scheme 1 signatures;
    /// DG14 carries no ActiveAuthenticationInfo (ICAO 9303-11 §6.1).
    #[serde(rename = "rsa-2048")]
    Rsa2048,
}

impl ActiveAuthKey {
    /// The RSA modulus length of [`ActiveAuthKey::Rsa2048`].
    pub const RSA_MODULUS_BITS: usize = 2048;

    /// The profile spelling, e.g. `"rsa-2048"`.
    pub fn name(self) -> &'static str {
        match self {
            ActiveAuthKey::EcdsaP384 => "ecdsa-p384",
            ActiveAuthKey::Rsa2048 => "rsa-2048",
        }
    }
}

/// Who may terminate the card.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TerminateAccess {
    /// A registry-office terminal (TA with the right in its CHAT).
    #[default]
    RegistryOffice,
    /// Anyone: lab cards that tests throw away.
    Always,
}

/// Number of bytes in a key seed.
pub const KEY_SEED_LEN: usize = 32;

/// A 32-byte deterministic seed, written as 64 hex digits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct KeySeed(pub [u8; KEY_SEED_LEN]);

impl KeySeed {
    pub fn from_hex(text: &str) -> Result<KeySeed, String> {
        if text.len() != 2 * KEY_SEED_LEN {
            return Err(format!(
                "key seed has {} characters, expected {} hex digits ({KEY_SEED_LEN} bytes)",
                text.len(),
                2 * KEY_SEED_LEN
            ));
        }
        // Checked first: `from_str_radix` would also take a sign ("+f").
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err("key seed must be hex digits 0-9 a-f".to_owned());
        }
        let mut seed = [0u8; KEY_SEED_LEN];
        for (byte, pair) in seed.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            *byte = (hex_value(pair[0]) << 4) | hex_value(pair[1]);
        }
        Ok(KeySeed(seed))
    }
}

/// Value of an ASCII hex digit (callers have checked it is one).
fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

impl fmt::Display for KeySeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeySeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeySeed({self})")
    }
}

impl Serialize for KeySeed {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KeySeed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<KeySeed, D::Error> {
        let text = String::deserialize(deserializer)?;
        KeySeed::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_seed_hex() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";
        let seed = KeySeed::from_hex(hex).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(seed.0[1], 0x11);
        assert_eq!(seed.0[31], 0xff);
        assert_eq!(seed.to_string(), hex.to_lowercase());
        assert!(KeySeed::from_hex("0011").is_err());
        // Multi-byte characters must not split inside a pair.
        let odd = format!("é{}", &hex[2..]);
        assert!(KeySeed::from_hex(&odd).is_err());
        assert!(KeySeed::from_hex(&hex.replace('0', "g")).is_err());
        assert!(KeySeed::from_hex(&format!("+f{}", &hex[2..])).is_err());
    }

    /// adult.toml with `edit` applied to its text.
    fn adult_edited(from: &str, to: &str) -> String {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/adult.toml");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(text.contains(from), "adult.toml has no {from:?}");
        text.replacen(from, to, 1)
    }

    fn load(text: &str) -> crate::Profile {
        crate::Profile::from_toml_str(text)
            .unwrap_or_else(|e| panic!("profile should load: {e}"))
            .with_base_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("reference"))
    }

    #[test]
    fn aa_defaults_to_ecdsa_p384_and_takes_rsa_2048() {
        let default = load(&adult_edited("", ""));
        assert_eq!(default.card.aa, ActiveAuthKey::EcdsaP384);
        for key in [ActiveAuthKey::EcdsaP384, ActiveAuthKey::Rsa2048] {
            let line = format!("bac = true\naa = \"{}\"\n", key.name());
            let profile = load(&adult_edited("bac = true\n", &line));
            assert_eq!(profile.card.aa, key);
            assert_eq!(profile.check(), vec![]);
            // Written back, it reads the same.
            let written = profile.to_toml_string().unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(load(&written).card.aa, key);
        }
    }

    #[test]
    fn unknown_aa_is_refused_at_load_naming_the_field() {
        for value in ["\"rsa-1024\"", "\"RSA-2048\"", "\"ecdsa\"", "2048"] {
            let text = adult_edited("bac = true\n", &format!("bac = true\naa = {value}\n"));
            let error = crate::Profile::from_toml_str(&text).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(error.contains("card.aa: "), "{value}: {error}");
        }
        let text = adult_edited("bac = true\n", "bac = true\naa = \"rsa-1024\"\n");
        let error = crate::Profile::from_toml_str(&text).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(error.contains("unknown variant `rsa-1024`, expected `ecdsa-p384` or `rsa-2048`"), "{error}");
    }

    #[test]
    fn rsa_aa_needs_the_icao_zone() {
        let text = adult_edited("icao = true", "icao = false").replacen("bac = true\n", "aa = \"rsa-2048\"\n", 1);
        let issues = load(&text).check();
        assert!(
            issues.iter().any(|i| i.field == "card.aa" && i.rule == crate::Rule::Zones),
            "{issues:#?}"
        );
        // The default key type is no issue without the zone.
        let text = adult_edited("icao = true", "icao = false").replacen("bac = true\n", "", 1);
        assert_eq!(load(&text).check(), vec![]);
    }

    #[test]
    fn pace_ids() {
        for domain in PaceDomain::ALL {
            assert_eq!(PaceDomain::from_id(domain.id()), Some(domain));
        }
        assert_eq!(PaceDomain::from_id(14), None);
        assert_eq!(AesKeyLength::from_bits(256), Some(AesKeyLength::Aes256));
        assert_eq!(AesKeyLength::from_bits(512), None);
    }
}
