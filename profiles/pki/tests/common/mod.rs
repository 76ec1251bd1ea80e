//! Shared test helpers: a test PKI in a temporary directory and the public
//! zone fields of the reference holder "adult"
//! (../shared/data/reference-citizens.toml).
#![allow(dead_code)]

use rand::SeedableRng;
use rand::rngs::StdRng;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub pki: pki::TestPki,
    pub trust: Vec<pki::Certificate>,
}

/// A fresh test PKI from a seeded generator (reproducible keys per seed).
pub fn fixture(seed: u64) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut rng = StdRng::seed_from_u64(seed);
    pki::init(dir.path(), &mut rng).expect("init");
    let pki = pki::load(dir.path()).expect("load");
    let trust = pki::load_trust(dir.path()).expect("load_trust");
    Fixture { dir, pki, trust }
}

/// The nine public-zone fields of the reference holder "adult", as field
/// number → content. The content here is the plain UTF-8 value: the
/// security object hashes whatever bytes the field EF holds, so the exact
/// BER-TLV field encoding (owned by the applets) does not matter to it.
pub fn adult_public_fields() -> Vec<(u8, Vec<u8>)> {
    [
        "王小明|WANG, HSIAO-MING",
        "A123456789",
        "19900315",
        "臺北市大安區龍泉里5鄰和平東路一段100號",
        "married",
        "completed",
        "210012345",
        "20360314",
        "20260315",
    ]
    .iter()
    .zip(1u8..)
    .map(|(value, n)| (n, value.as_bytes().to_vec()))
    .collect()
}

pub fn as_refs(fields: &[(u8, Vec<u8>)]) -> Vec<(u8, &[u8])> {
    fields.iter().map(|(n, c)| (*n, c.as_slice())).collect()
}
