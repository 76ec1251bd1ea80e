//! The certificate zone in process (docs/spec/certificate-zone.md): the card
//! (`emulator::NeidCard`, card-os + applets) driven through APDUs only, by
//! `terminal::InProcessTransport` (→ `Emulator::transmit` → `Card::process`),
//! next to peers that do the same mathematics without a card.
//!
//! 1. Key generation, one timed command each: GENERATE ASYMMETRIC KEY PAIR
//!    `00 46 00 01` (RSA-2048) and `00 46 00 03` (P-384) inside an SCP03
//!    issuer session (SL `13`: C-DECRYPTION, C-MAC, R-MAC) opened with the
//!    reference adult profile's issuer keys (`profiles/test-pki/issuer-keys.toml`,
//!    card number 210012345); peers: the `rsa` / `p384` crates directly (the
//!    versions the card uses, the same `StdRng` seeded from the OS), and
//!    spawned `openssl genrsa 2048` / `openssl genpkey -algorithm EC -pkeyopt
//!    ec_paramgen_curve:P-384` (with `openssl version` as the spawn floor).
//! 2. Signatures, one timed MSE:SET DST + PSO:COMPUTE DIGITAL SIGNATURE each,
//!    after VERIFY PIN2: RSA PKCS#1 v1.5 of a SHA-256 DigestInfo (key `01`),
//!    RSASSA-PSS of a SHA-256 hash (key `01`), ECDSA of a SHA-384 hash (key
//!    `03`); on the adult card (PACE-CAN secure messaging, as the reference
//!    profile requires) and on the middleware-compat card (plain); peers: the
//!    crates' own signing (blinded RSA, hedged ECDSA, as the card does) and
//!    `openssl speed -seconds 2 rsa2048 ecdsap384`.
//!
//! The first answer of every card case is checked (9000, a public key that
//! parses, a signature that verifies with the card's public key), so the bench
//! never times error answers.
//!
//! `cargo bench -p neid-terminal --bench certificate_zone`. Without cargo
//! bench's `--bench` argument (`cargo test --benches`) it only checks that
//! everything works, with two or three runs per case and no `openssl speed`.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use card_os::protocol::scp03::{
    self, CHALLENGE_LEN, HostSession, InitializeUpdateResponse, SecurityLevel, check_external_authenticate,
};
use emulator::{Interface, NeidCard};
use p384::ecdsa::signature::hazmat::{PrehashVerifier, RandomizedPrehashSigner};
use p384::elliptic_curve::Generate;
use pki::HashAlgorithm;
use pki::issuance::{PKCS15_AID, parse_public_key};
use profiles::Profile;
use rand::Rng;
use rand::rngs::StdRng;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use sha2::Digest;
use terminal::certs::PublicKeyValue;
use terminal::{CertificateZone, InProcessTransport, KeySlot, SignMechanism, Transport};

const ADULT: &str = "profiles/reference/adult.toml";
const MIDDLEWARE_COMPAT: &str = "profiles/reference/adult-middleware-compat.toml";
/// The reference adult's CAN and PIN2 (../shared/data/reference-citizens.toml).
const ADULT_CAN: &str = "012345";
const ADULT_PIN2: &str = "13572468";
const RSA_BITS: usize = 2048;
const MESSAGE: &[u8] = b"signed by the New eID certificate zone (benchmark)";

/// GENERATE ASYMMETRIC KEY PAIR, P1 `00` = generate (ISO 7816-8 §5.1;
/// certificate-zone.md), extended Le `00 00 00` (the RSA answer is 270 bytes).
const CLA_ISO: u8 = 0x00;
const INS_GENERATE: u8 = 0x46;
const P1_GENERATE: u8 = 0x00;
const EXTENDED_LE_MAX: [u8; 3] = [0x00, 0x00, 0x00];
/// SELECT by DF name, no response data (ISO 7816-4 §11.2.2).
const INS_SELECT: u8 = 0xA4;
const P1_SELECT_BY_NAME: u8 = 0x04;
const P2_NO_RESPONSE: u8 = 0x0C;
const SW_SUCCESS: u16 = 0x9000;

/// Runs per case; the QUICK ones when not run by `cargo bench`.
const KEYGEN_RUNS: usize = 25;
const RSA_SIGN_RUNS: usize = 200;
const ECDSA_SIGN_RUNS: usize = 300;
const QUICK_KEYGEN_RUNS: usize = 2;
const QUICK_SIGN_RUNS: usize = 3;
/// `openssl speed -seconds N`.
const OPENSSL_SPEED_SECONDS: &str = "2";

type BenchResult<T> = Result<T, Box<dyn Error>>;

fn main() -> BenchResult<()> {
    let quick = !std::env::args().any(|arg| arg == "--bench");
    let keygen_runs = if quick { QUICK_KEYGEN_RUNS } else { KEYGEN_RUNS };
    let (rsa_runs, ecdsa_runs) =
        if quick { (QUICK_SIGN_RUNS, QUICK_SIGN_RUNS) } else { (RSA_SIGN_RUNS, ECDSA_SIGN_RUNS) };

    let adult = load_profile(ADULT)?;
    let compat = load_profile(MIDDLEWARE_COMPAT)?;
    let openssl = openssl_available();
    if !openssl {
        eprintln!("openssl not found on PATH: its peer rows are left out");
    }

    let mut keygen = Vec::new();
    let mut card = card_for(&adult)?;
    let mut session = open_issuer_session(&mut card, &adult)?;
    keygen.push(card_generate(&mut card, &mut session, KeySlot::SignAuth, keygen_runs)?);
    keygen.push(card_generate(&mut card, &mut session, KeySlot::Ecc1, keygen_runs)?);
    drop(card);
    keygen.push(timed("rsa crate PrivateKey::new(2048)", keygen_runs, {
        let mut rng = os_rng()?;
        move || rsa::PrivateKey::new(&mut rng, RSA_BITS).map(drop).map_err(Into::into)
    })?);
    // The secret scalar and its public point, as the card answers it.
    keygen.push(timed("p384 crate SecretKey::generate_from_rng + public_key", keygen_runs, {
        let mut rng = os_rng()?;
        move || {
            std::hint::black_box(p384::SecretKey::generate_from_rng(&mut rng).public_key());
            Ok(())
        }
    })?);
    if openssl {
        keygen.push(spawned("openssl version (spawn floor)", &["version"], keygen_runs)?);
        keygen.push(spawned("openssl genrsa 2048", &["genrsa", "2048"], keygen_runs)?);
        keygen.push(spawned(
            "openssl genpkey EC P-384",
            &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"],
            keygen_runs,
        )?);
    }
    print_table("Key generation (one per run; card: GENERATE inside SCP03 SL 13)", &keygen);

    let mut signatures = Vec::new();
    for (profile, can, name) in
        [(&adult, Some(ADULT_CAN), "adult, PACE-CAN SM"), (&compat, None, "middleware-compat, plain")]
    {
        let mut transport = card_for(profile)?;
        signatures.extend(card_signatures(&mut transport, can, name, rsa_runs, ecdsa_runs)?);
    }
    signatures.extend(crate_signatures(rsa_runs, ecdsa_runs)?);
    print_table("Signatures (card: MSE:SET DST + PSO:CDS after VERIFY PIN2)", &signatures);

    if quick {
        println!("check run (not `cargo bench`): openssl speed left out");
    } else if openssl {
        openssl_speed()?;
    }
    Ok(())
}

fn workspace_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

fn load_profile(relative: &str) -> BenchResult<Profile> {
    let path = workspace_file(relative);
    Ok(Profile::from_file(&path).map_err(|e| format!("{}: {e}", path.display()))?)
}

/// A generator of the card's kind (`StdRng`) seeded from the OS.
fn os_rng() -> BenchResult<StdRng> {
    Ok(emulator::randomness::os_seeded()?)
}

/// The profile's card on the contact interface, in process.
fn card_for(profile: &Profile) -> BenchResult<InProcessTransport<NeidCard>> {
    let emulator = emulator::emulator_for(profile, Interface::Contact).map_err(|e| format!("{}: {e}", profile.name))?;
    Ok(InProcessTransport::new(emulator))
}

/// SELECT the PKCS#15 application in plain (selecting ends an SCP03
/// session), INITIALIZE UPDATE with the profile's issuer key set, card
/// cryptogram checked, EXTERNAL AUTHENTICATE at SL `13` (scp03.md; GP Amd D §7.1).
fn open_issuer_session(card: &mut dyn Transport, profile: &Profile) -> BenchResult<HostSession> {
    let mut select = vec![CLA_ISO, INS_SELECT, P1_SELECT_BY_NAME, P2_NO_RESPONSE, PKCS15_AID.len() as u8];
    select.extend_from_slice(&PKCS15_AID);
    expect_success("SELECT PKCS#15 application", &card.transmit(&select)?)?;

    let keys = profile.issuer_keys()?.ok_or("the profile names no card.keys.issuer_keys")?;
    let master = pki::issuance::master_keys(&keys);
    let mut host_challenge = [0u8; CHALLENGE_LEN];
    os_rng()?.fill_bytes(&mut host_challenge);
    let response = card.transmit(&scp03::initialize_update_command(master.kvn, &host_challenge))?;
    let data = expect_success("INITIALIZE UPDATE", &response)?;
    let answer = InitializeUpdateResponse::parse(data)?;
    if answer.kdd != scp03::kdd_from_card_number(&profile.holder.card_number)? {
        return Err(format!("the card's KDD is not that of card number {}", profile.holder.card_number).into());
    }
    let card_keys = scp03::diversify(&master, &answer.kdd);
    let (session, external_authenticate) =
        HostSession::open(&card_keys, &host_challenge, &answer, SecurityLevel::CDecCMacRMac)?;
    check_external_authenticate(&card.transmit(&external_authenticate)?)?;
    Ok(session)
}

/// The response data on 9000.
fn expect_success<'r>(step: &str, response: &'r [u8]) -> BenchResult<&'r [u8]> {
    match response.split_last_chunk::<2>() {
        Some((data, sw)) if u16::from_be_bytes(*sw) == SW_SUCCESS => Ok(data),
        Some((_, sw)) => Err(format!("{step}: card answered {:04X}", u16::from_be_bytes(*sw)).into()),
        None => Err(format!("{step}: response without a status word").into()),
    }
}

/// `00 46 00 kr 00 00 00`, wrapped, sent, R-MAC checked, the answered
/// public key parsed (RSA-2048 modulus; P-384 point on the curve).
fn card_generate(card: &mut dyn Transport, session: &mut HostSession, slot: KeySlot, runs: usize) -> BenchResult<Row> {
    let mut generate = vec![CLA_ISO, INS_GENERATE, P1_GENERATE, slot.key_ref()];
    generate.extend_from_slice(&EXTENDED_LE_MAX);
    let name = format!("card GENERATE {:02X} {} (SCP03)", slot.key_ref(), slot.algorithm());
    let mut algorithm = "";
    let row = timed(&name, runs, || {
        let wrapped = session.wrap_command(&generate)?;
        let response = card.transmit(&wrapped)?;
        let (data, sw) = session.unwrap_response(&response)?;
        if sw != SW_SUCCESS {
            return Err(format!("GENERATE {:02X}: card answered {sw:04X}", slot.key_ref()).into());
        }
        algorithm = parse_public_key(&data)?.algorithm();
        Ok(())
    })?;
    eprintln!("{name}: public key {algorithm}");
    Ok(row)
}

/// The three signature cases on one card: open the zone (PACE-CAN when
/// `can`), VERIFY PIN2, read the public keys to check each first signature.
fn card_signatures(
    transport: &mut dyn Transport,
    can: Option<&str>,
    card: &str,
    rsa_runs: usize,
    ecdsa_runs: usize,
) -> BenchResult<Vec<Row>> {
    let mut zone = CertificateZone::open(transport, can)?;
    let objects = zone.read_objects()?;
    let spki = |slot: KeySlot| {
        objects.keys.iter().find(|key| key.slot == slot).map(|key| key.spki_der.clone()).ok_or(format!("no key {slot}"))
    };
    let rsa_public = rsa::PublicKey::from_public_key_der(&spki(KeySlot::SignAuth)?)?;
    let ec_public = match terminal::certs::decode_spki(&spki(KeySlot::Ecc1)?)?.1 {
        PublicKeyValue::Ec { point, .. } => p384::ecdsa::VerifyingKey::from_sec1_bytes(&point)?,
        PublicKeyValue::Rsa { .. } => return Err("key 03 is not an EC key".into()),
    };
    zone.verify_pin2(ADULT_PIN2)?;

    let inputs = SignInputs::new();
    let mut rows = Vec::new();
    for (mech, slot, input, runs) in [
        (SignMechanism::RsaPkcs1, KeySlot::SignAuth, inputs.digest_info.as_slice(), rsa_runs),
        (SignMechanism::RsaPss, KeySlot::SignAuth, inputs.sha256.as_slice(), rsa_runs),
        (SignMechanism::Ecdsa, KeySlot::Ecc1, inputs.sha384.as_slice(), ecdsa_runs),
    ] {
        let first = zone.sign(slot, mech, input)?;
        match mech {
            SignMechanism::RsaPkcs1 => rsa_public.verify(rsa::Pkcs1v15Sign::new_unprefixed(), input, &first)?,
            SignMechanism::RsaPss => rsa_public.verify(rsa::pss::Pss::<sha2::Sha256>::new(), input, &first)?,
            SignMechanism::Ecdsa => ec_public.verify_prehash(input, &p384::ecdsa::Signature::from_slice(&first)?)?,
        }
        let name = format!("card {} key {:02X} ({card})", mech.name(), slot.key_ref());
        rows.push(timed(&name, runs, || {
            std::hint::black_box(zone.sign(slot, mech, input)?);
            Ok(())
        })?);
    }
    Ok(rows)
}

/// The same signatures by the crates the card uses, on keys made here.
fn crate_signatures(rsa_runs: usize, ecdsa_runs: usize) -> BenchResult<Vec<Row>> {
    let inputs = SignInputs::new();
    let mut rng = os_rng()?;
    let rsa_key = rsa::PrivateKey::new(&mut rng, RSA_BITS)?;
    let ec_secret = p384::SecretKey::generate_from_rng(&mut rng);
    let ec_key = p384::ecdsa::SigningKey::from(&ec_secret);
    let mut rows = Vec::new();
    rows.push(timed("rsa crate PKCS#1 v1.5 (blinded)", rsa_runs, || {
        std::hint::black_box(rsa_key.sign_with_rng(
            &mut rng,
            rsa::Pkcs1v15Sign::new_unprefixed(),
            &inputs.digest_info,
        )?);
        Ok(())
    })?);
    // The card keeps p, q and e and rebuilds the key (d, CRT values) for
    // every operation (certificate-zone.md §Slots): that cost alone.
    let (p, q) = match rsa_key.primes() {
        [p, q] => (p.clone().get(), q.clone().get()),
        _ => return Err("an RSA key of two primes".into()),
    };
    let e = rsa_key.e().clone();
    rows.push(timed("rsa crate from_p_q + PKCS#1 v1.5 (as the card)", rsa_runs, || {
        let key = rsa::PrivateKey::from_p_q(p.clone(), q.clone(), e.clone())?;
        std::hint::black_box(key.sign_with_rng(&mut rng, rsa::Pkcs1v15Sign::new_unprefixed(), &inputs.digest_info)?);
        Ok(())
    })?);
    rows.push(timed("rsa crate PSS SHA-256 (blinded)", rsa_runs, || {
        std::hint::black_box(rsa_key.sign_with_rng(&mut rng, rsa::pss::Pss::<sha2::Sha256>::new(), &inputs.sha256)?);
        Ok(())
    })?);
    rows.push(timed("p384 crate ECDSA (hedged)", ecdsa_runs, || {
        let signature: p384::ecdsa::Signature = ec_key.sign_prehash_with_rng(&mut rng, &inputs.sha384)?;
        std::hint::black_box(signature);
        Ok(())
    })?);
    // The card keeps the scalar; SigningKey::from computes the public point.
    rows.push(timed("p384 crate SigningKey::from(SecretKey) + ECDSA (as the card)", ecdsa_runs, || {
        let key = p384::ecdsa::SigningKey::from(&ec_secret);
        let signature: p384::ecdsa::Signature = key.sign_prehash_with_rng(&mut rng, &inputs.sha384)?;
        std::hint::black_box(signature);
        Ok(())
    })?);
    Ok(rows)
}

/// What is signed: a SHA-256 DigestInfo (RFC 8017 §9.2), a SHA-256 hash
/// (PSS) and a SHA-384 hash (ECDSA P-384).
struct SignInputs {
    digest_info: Vec<u8>,
    sha256: Vec<u8>,
    sha384: Vec<u8>,
}

impl SignInputs {
    fn new() -> Self {
        Self {
            digest_info: terminal::digest_info::hash_and_encode(HashAlgorithm::Sha256, MESSAGE),
            sha256: sha2::Sha256::digest(MESSAGE).to_vec(),
            sha384: sha2::Sha384::digest(MESSAGE).to_vec(),
        }
    }
}

/// A spawned `openssl ARGS…` (output discarded), timed from spawn to exit.
fn spawned(name: &str, args: &[&str], runs: usize) -> BenchResult<Row> {
    timed(name, runs, || {
        let status = Command::new("openssl").args(args).stdout(Stdio::null()).stderr(Stdio::null()).status()?;
        if !status.success() {
            return Err(format!("openssl {}: {status}", args.join(" ")).into());
        }
        Ok(())
    })
}

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `openssl speed -seconds 2 rsa2048 ecdsap384`: its sign/s and verify/s
/// lines, parsed and printed.
fn openssl_speed() -> BenchResult<()> {
    let output = Command::new("openssl")
        .args(["speed", "-seconds", OPENSSL_SPEED_SECONDS, "rsa2048", "ecdsap384"])
        .stderr(Stdio::null())
        .output()?;
    if !output.status.success() {
        return Err(format!("openssl speed: {}", output.status).into());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    println!("openssl speed -seconds {OPENSSL_SPEED_SECONDS} rsa2048 ecdsap384 (one core)");
    println!("{:<28} {:>10} {:>10}", "algorithm", "sign/s", "verify/s");
    for (label, marker) in [("RSA-2048", "rsa 2048 bits"), ("ECDSA P-384", "ecdsa (nistp384)")] {
        let rates = text.lines().find(|line| line.contains(marker)).and_then(last_two_numbers);
        match rates {
            Some((sign, verify)) => println!("{label:<28} {sign:>10.1} {verify:>10.1}"),
            None => return Err(format!("openssl speed printed no \"{marker}\" line:\n{text}").into()),
        }
    }
    println!();
    Ok(())
}

/// `rsa 2048 bits 0.001142s 0.000034s    876.0  29329.0` → (876.0, 29329.0).
fn last_two_numbers(line: &str) -> Option<(f64, f64)> {
    let mut numbers = line.split_whitespace().rev().map(str::parse::<f64>);
    let verify = numbers.next()?.ok()?;
    let sign = numbers.next()?.ok()?;
    Some((sign, verify))
}

/// One case's figures.
struct Row {
    name: String,
    runs: usize,
    median: Duration,
    p90: Duration,
    mean: Duration,
    min: Duration,
    max: Duration,
}

/// Runs `operation` `runs` times, timing each.
fn timed(name: &str, runs: usize, mut operation: impl FnMut() -> BenchResult<()>) -> BenchResult<Row> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        operation().map_err(|e| format!("{name}: {e}"))?;
        times.push(start.elapsed());
    }
    times.sort_unstable();
    let total: Duration = times.iter().sum();
    Ok(Row {
        name: name.to_owned(),
        runs,
        median: percentile(&times, 50),
        p90: percentile(&times, 90),
        mean: total / u32::try_from(runs.max(1)).unwrap_or(u32::MAX),
        min: times.first().copied().unwrap_or_default(),
        max: times.last().copied().unwrap_or_default(),
    })
}

/// Nearest-rank percentile of sorted values (zero when empty).
fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    let rank = (percent * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank.min(sorted.len()).saturating_sub(1)).copied().unwrap_or_default()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn per_second(duration: Duration) -> f64 {
    1.0 / duration.as_secs_f64().max(f64::MIN_POSITIVE)
}

fn print_table(title: &str, rows: &[Row]) {
    println!();
    println!("{title}");
    println!(
        "{:<64} {:>5} {:>10} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "case", "runs", "median ms", "p90 ms", "mean ms", "min ms", "max ms", "/s (med)"
    );
    for row in rows {
        println!(
            "{:<64} {:>5} {:>10.3} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.1}",
            row.name,
            row.runs,
            ms(row.median),
            ms(row.p90),
            ms(row.mean),
            ms(row.min),
            ms(row.max),
            per_second(row.median)
        );
    }
    println!();
}
