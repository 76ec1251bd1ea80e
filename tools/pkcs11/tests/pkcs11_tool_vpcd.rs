//! The module through real components (docs/spec/pkcs11.md): pcscd (started
//! here or reused) + vsmartcard's vpcd driver + `neid emulate
//! profiles/reference/adult.toml` as the card on `Virtual PCD 00 00`, and
//! OpenSC's `pkcs11-tool --module …/libneid_pkcs11.so` as the application,
//! with `NEID_CAN` (the adult's CAN: the zone needs PACE secure messaging)
//! and `NEID_PKCS11_READER`. openssl checks every result against the
//! certificates read from the card:
//!
//! * `--list-objects`: the two user certificates (iD 01, 02) and their
//!   public keys; with `--login` their private keys too;
//! * `--sign --mechanism SHA256-RSA-PKCS --id 01` → `openssl dgst -sha256
//!   -verify` with the key of certificate 01 → "Verified OK";
//! * `--sign --mechanism ECDSA-SHA384 --id 03 --signature-format openssl` →
//!   the same with certificate 03 (P-384);
//! * `--decrypt --mechanism RSA-PKCS-OAEP --hash-algorithm SHA256` (and
//!   SHA-1) of what `openssl pkeyutl -encrypt` made with certificate 02;
//! * PIN2 wrong three times → `CKR_PIN_INCORRECT` twice, then
//!   `CKR_PIN_LOCKED` (also for the right PIN); `neid pin unblock --pin2`
//!   with the user code through the reader; then signing works again.
//!
//! Needs pcscd and the vpcd driver, `pkcs11-tool` (opensc), `openssl`, and
//! the `neid` binary in this test's target directory (`cargo test
//! --workspace` builds it; alone: `cargo build -p neid` first). Without them
//! the test is skipped with a notice, or fails when `CI` is set. Whatever it
//! starts it stops by PID (`neid-testbed`); a pcscd that was already running
//! is reused and left alone. vpcd serves one card per slot: the whole story
//! is one `#[test]`.

use std::ffi::OsStr;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use testbed::{
    ChildGuard, Finished, Pcscd, TestbedError, VPCD_PORT_0, VPCD_READER_0, run_with_timeout, wait_for_card,
    wait_for_no_card,
};

const TEST: &str = "pkcs11_tool_vpcd";
const READER: &str = VPCD_READER_0;
const PROFILE: &str = "profiles/reference/adult.toml";
/// The reference adult (../shared/data/reference-citizens.toml).
const ADULT_CAN: &str = "012345";
const PIN2: &str = "13572468";
const WRONG_PIN2: &str = "86427531";
const USER_CODE: &str = "TWeid2026";
/// PIN2 tries (profile `card.pin2.tries`).
const PIN2_TRIES: usize = 3;

/// `neid emulate` personalizes the card (two on-card RSA key generations)
/// before it connects to vpcd.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(90);
const CARD_POLL: Duration = Duration::from_millis(500);
const READER_FREE_TIMEOUT: Duration = Duration::from_secs(10);
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Missing tools: a failure in CI, a printed notice elsewhere.
fn missing(what: &str) {
    let message = format!(
        "{TEST}: {what}; install them with `apt-get install -y pcscd vsmartcard-vpcd libpcsclite-dev opensc openssl`"
    );
    if std::env::var_os("CI").is_some() {
        panic!("{message} (CI is set: a missing tool is a failure)");
    }
    eprintln!("{message}\n{TEST}: SKIPPED (set CI=1 to make this a failure)");
}

fn workspace_file(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(relative)
}

/// `target/<profile>/`, the parent of this test binary's `deps` directory.
fn target_profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("deps directory");
    deps.parent().unwrap_or(deps).to_owned()
}

/// `libneid_pkcs11.so`: cargo builds the crate's cdylib with its tests.
fn module_path() -> PathBuf {
    let dir = target_profile_dir();
    [dir.clone(), dir.join("deps")]
        .iter()
        .map(|dir| dir.join("libneid_pkcs11.so"))
        .find(|path| path.exists())
        .expect("libneid_pkcs11.so next to the test binary (cargo builds the cdylib with the tests)")
}

fn installed(program: &str, probe: &[&str]) -> bool {
    Command::new(program).args(probe).output().is_ok()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a command with a time bound and prints its transcript.
fn run(mut command: Command) -> Finished {
    let line = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(|part| part.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    let program = command.get_program().to_string_lossy().into_owned();
    let finished = run_with_timeout(&program, &mut command, COMMAND_TIMEOUT).unwrap_or_else(|e| panic!("{line}: {e}"));
    eprintln!(
        "$ {line}\n{}{}[exit {}]\n",
        text(&finished.output.stdout),
        text(&finished.output.stderr),
        finished.output.status.code().map_or("signal".to_owned(), |c| c.to_string())
    );
    finished
}

fn succeeded(finished: &Finished, what: &str) -> String {
    assert!(
        finished.output.status.success(),
        "{what} failed ({}):\n{}{}",
        finished.output.status,
        text(&finished.output.stdout),
        text(&finished.output.stderr)
    );
    text(&finished.output.stdout)
}

/// One object of `pkcs11-tool --list-objects`: its heading ("Certificate
/// Object; type = X.509 cert") and its `label:` and `ID:` lines.
#[derive(Debug, Default)]
struct Listed {
    heading: String,
    label: String,
    id: String,
}

fn parse_objects(listing: &str) -> Vec<Listed> {
    let mut objects: Vec<Listed> = Vec::new();
    for line in listing.lines() {
        if line.contains("Object;") && !line.starts_with(char::is_whitespace) {
            objects.push(Listed { heading: line.trim().to_owned(), ..Listed::default() });
            continue;
        }
        let Some(current) = objects.last_mut() else { continue };
        if let Some((key, value)) = line.trim().split_once(':') {
            match key.trim() {
                "label" => current.label = value.trim().to_owned(),
                "ID" => current.id = value.trim().to_lowercase(),
                _ => {}
            }
        }
    }
    objects
}

fn has(objects: &[Listed], kind: &str, id: &str, label: &str) -> bool {
    objects.iter().any(|o| o.heading.starts_with(kind) && o.id == id && o.label == label)
}

/// The test's tools and files.
struct Bench {
    module: PathBuf,
    neid: PathBuf,
    dir: tempfile::TempDir,
}

impl Bench {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `pkcs11-tool --module libneid_pkcs11.so ARGS…` on the vpcd reader.
    fn pkcs11_tool<S: AsRef<OsStr>>(&self, args: &[S]) -> Finished {
        let mut command = Command::new("pkcs11-tool");
        command
            .arg("--module")
            .arg(&self.module)
            .args(args)
            .env("NEID_CAN", ADULT_CAN)
            .env("NEID_PKCS11_READER", READER)
            .env("NEID_PKCS11_LOG", self.path("pkcs11.log"))
            .env_remove("NEID_PKCS11_EMULATOR")
            .env_remove("NEID_PKCS11_EMULATOR_STATE")
            .env_remove("NEID_PKCS11_LOG_FILTER");
        run(command)
    }

    fn openssl<S: AsRef<OsStr>>(&self, args: &[S]) -> Finished {
        let mut command = Command::new("openssl");
        command.args(args);
        run(command)
    }

    fn neid<S: AsRef<OsStr>>(&self, args: &[S]) -> Finished {
        let mut command = Command::new(&self.neid);
        command.args(args).env_remove("RUST_LOG");
        run(command)
    }

    /// Certificate `id` read from the card (DER), and its public key as PEM.
    fn certificate_key(&self, id: &str) -> PathBuf {
        let der = self.path(&format!("cert{id}.der"));
        let out = self.pkcs11_tool(&[
            OsStr::new("--read-object"),
            OsStr::new("--type"),
            OsStr::new("cert"),
            OsStr::new("--id"),
            OsStr::new(id),
            OsStr::new("--output-file"),
            der.as_os_str(),
        ]);
        succeeded(&out, &format!("--read-object --type cert --id {id}"));
        let pem = self.path(&format!("pub{id}.pem"));
        let out = self.openssl(&[
            OsStr::new("x509"),
            OsStr::new("-inform"),
            OsStr::new("DER"),
            OsStr::new("-in"),
            der.as_os_str(),
            OsStr::new("-noout"),
            OsStr::new("-pubkey"),
            OsStr::new("-out"),
            pem.as_os_str(),
        ]);
        succeeded(&out, &format!("openssl x509 of certificate {id}"));
        pem
    }

    /// `--login --pin PIN --sign --mechanism MECH --id ID [EXTRA…]` of `data`.
    fn sign(&self, pin: &str, mechanism: &str, id: &str, extra: &[&str], data: &Path, signature: &Path) -> Finished {
        let mut args: Vec<&OsStr> = ["--login", "--pin", pin, "--sign", "--mechanism", mechanism, "--id", id]
            .into_iter()
            .map(OsStr::new)
            .collect();
        args.extend(extra.iter().map(OsStr::new));
        args.extend([OsStr::new("--input-file"), data.as_os_str(), OsStr::new("--output-file"), signature.as_os_str()]);
        self.pkcs11_tool(&args)
    }

    /// `openssl dgst -DIGEST -verify KEY -signature SIG DATA` → "Verified OK".
    fn assert_verified(&self, digest: &str, key: &Path, signature: &Path, data: &Path) {
        let out = self.openssl(&[
            OsStr::new("dgst"),
            OsStr::new(digest),
            OsStr::new("-verify"),
            key.as_os_str(),
            OsStr::new("-signature"),
            signature.as_os_str(),
            data.as_os_str(),
        ]);
        let stdout = succeeded(&out, &format!("openssl dgst {digest} -verify"));
        assert_eq!(stdout.trim(), "Verified OK");
    }

    /// openssl encrypts `secret` with RSAES-OAEP (`md` and MGF1-`md`) to the
    /// key of certificate 02; the card deciphers it through the module.
    fn assert_oaep_round_trip(&self, key02: &Path, secret: &Path, md: &str, hash: &str, mgf: &str) {
        let cryptogram = self.path(&format!("oaep-{md}.bin"));
        let plaintext = self.path(&format!("oaep-{md}.out"));
        let out = self.openssl(&[
            OsStr::new("pkeyutl"),
            OsStr::new("-encrypt"),
            OsStr::new("-pubin"),
            OsStr::new("-inkey"),
            key02.as_os_str(),
            OsStr::new("-pkeyopt"),
            OsStr::new("rsa_padding_mode:oaep"),
            OsStr::new("-pkeyopt"),
            OsStr::new(&format!("rsa_oaep_md:{md}")),
            OsStr::new("-pkeyopt"),
            OsStr::new(&format!("rsa_mgf1_md:{md}")),
            OsStr::new("-in"),
            secret.as_os_str(),
            OsStr::new("-out"),
            cryptogram.as_os_str(),
        ]);
        succeeded(&out, &format!("openssl pkeyutl -encrypt OAEP {md}"));
        let out = self.pkcs11_tool(&[
            OsStr::new("--login"),
            OsStr::new("--pin"),
            OsStr::new(PIN2),
            OsStr::new("--decrypt"),
            OsStr::new("--mechanism"),
            OsStr::new("RSA-PKCS-OAEP"),
            OsStr::new("--hash-algorithm"),
            OsStr::new(hash),
            OsStr::new("--mgf"),
            OsStr::new(mgf),
            OsStr::new("--id"),
            OsStr::new("02"),
            OsStr::new("--input-file"),
            cryptogram.as_os_str(),
            OsStr::new("--output-file"),
            plaintext.as_os_str(),
        ]);
        succeeded(&out, &format!("--decrypt RSA-PKCS-OAEP {hash}"));
        assert_eq!(
            std::fs::read(&plaintext).expect("plaintext file"),
            std::fs::read(secret).expect("secret file"),
            "OAEP {hash}: the card's plaintext is the secret"
        );
    }

    /// The token flags line of `pkcs11-tool --list-token-slots`.
    fn token_flags(&self) -> String {
        let out = self.pkcs11_tool(&["--list-token-slots"]);
        let stdout = succeeded(&out, "--list-token-slots");
        stdout.lines().find(|line| line.trim_start().starts_with("token flags")).unwrap_or_default().to_owned()
    }
}

/// `neid emulate --profile PROFILE --state STATE --vpcd 127.0.0.1:35963`,
/// its output in `log`; returns once pcscd shows the card.
fn start_emulate(neid: &Path, state: &Path, log: &Path) -> ChildGuard {
    let log_file = File::create(log).expect("emulator log file");
    let mut command = Command::new(neid);
    command
        .args(["emulate", "--profile"])
        .arg(workspace_file(PROFILE))
        .arg("--state")
        .arg(state)
        .args(["--vpcd", &format!("127.0.0.1:{VPCD_PORT_0}")])
        .env_remove("RUST_LOG")
        .stdout(log_file.try_clone().expect("log handle"))
        .stderr(log_file);
    let mut guard = ChildGuard::spawn("neid emulate", &mut command).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{TEST}: neid emulate PID {}", guard.pid());
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    loop {
        if let Some(status) = guard.try_exit_status() {
            panic!("neid emulate exited early ({status}):\n{}", std::fs::read_to_string(log).unwrap_or_default());
        }
        match wait_for_card(READER, CARD_POLL) {
            Ok(_) => return guard,
            Err(TestbedError::CardWaitTimeout { .. }) if Instant::now() < deadline => {}
            Err(error) => panic!(
                "no card in \"{READER}\" after {STARTUP_TIMEOUT:?}: {error}\nemulator log:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            ),
        }
    }
}

#[test]
fn pkcs11_tool_signs_decrypts_and_locks_through_pcscd_and_vpcd() {
    if !installed("pkcs11-tool", &["--help"]) {
        return missing("pkcs11-tool (opensc) not found");
    }
    if !installed("openssl", &["version"]) {
        return missing("openssl not found");
    }
    let neid = target_profile_dir().join("neid");
    if !neid.is_file() {
        return missing(&format!("{} not built (cargo build -p neid)", neid.display()));
    }
    let pcscd = match Pcscd::start_or_reuse() {
        Ok(pcscd) => pcscd,
        Err(error @ TestbedError::NotInstalled { .. }) => return missing(&error.to_string()),
        Err(error) => panic!("{TEST}: {error}"),
    };
    eprintln!(
        "{TEST}: pcscd PID {} ({})",
        pcscd.pid(),
        if pcscd.started_here() { "started here" } else { "reused; it will not be stopped" }
    );
    wait_for_no_card(READER, READER_FREE_TIMEOUT)
        .unwrap_or_else(|e| panic!("another card occupies {READER} (another emulator on port {VPCD_PORT_0}?): {e}"));

    let bench = Bench { module: module_path(), neid, dir: tempfile::tempdir().expect("temporary directory") };
    let emulate = start_emulate(&bench.neid, &bench.path("card"), &bench.path("emulate.log"));

    // The slot and its token.
    let out = bench.pkcs11_tool(&["--list-slots"]);
    let slots = succeeded(&out, "--list-slots");
    assert!(slots.contains(READER), "{slots}");
    assert!(slots.contains("Taiwan New eID"), "token label: {slots}");
    assert!(slots.contains("210012345"), "token serial = card number: {slots}");

    // Before login: certificates and public keys, no private key.
    let out = bench.pkcs11_tool(&["--list-objects"]);
    let objects = parse_objects(&succeeded(&out, "--list-objects"));
    assert!(has(&objects, "Certificate Object", "01", "Signature and authentication certificate"), "{objects:?}");
    assert!(has(&objects, "Certificate Object", "02", "Encipherment certificate"), "{objects:?}");
    assert!(has(&objects, "Public Key Object; RSA", "01", "Signature and authentication key"), "{objects:?}");
    assert!(has(&objects, "Public Key Object; RSA", "02", "Encipherment key"), "{objects:?}");
    assert!(!objects.iter().any(|o| o.heading.starts_with("Private Key Object")), "{objects:?}");
    // With login: the private keys of both user certificates too.
    let out = bench.pkcs11_tool(&["--login", "--pin", PIN2, "--list-objects"]);
    let objects = parse_objects(&succeeded(&out, "--login --list-objects"));
    assert!(has(&objects, "Private Key Object; RSA", "01", "Signature and authentication key"), "{objects:?}");
    assert!(has(&objects, "Private Key Object; RSA", "02", "Encipherment key"), "{objects:?}");
    assert!(has(&objects, "Private Key Object; EC", "03", "ECC key 1"), "{objects:?}");

    let data = bench.path("data.txt");
    std::fs::write(&data, b"Signed with the Taiwan New eID through pkcs11-tool, pcscd and vpcd.\n").unwrap();
    let key01 = bench.certificate_key("01");
    let key02 = bench.certificate_key("02");
    let key03 = bench.certificate_key("03");

    // RSA PKCS#1 v1.5 with SHA-256, key 01.
    let signature = bench.path("rsa.sig");
    succeeded(&bench.sign(PIN2, "SHA256-RSA-PKCS", "01", &[], &data, &signature), "--sign SHA256-RSA-PKCS");
    bench.assert_verified("-sha256", &key01, &signature, &data);

    // ECDSA P-384 with SHA-384, key 03, DER (openssl) signature format.
    let signature = bench.path("ecdsa.sig");
    succeeded(
        &bench.sign(PIN2, "ECDSA-SHA384", "03", &["--signature-format", "openssl"], &data, &signature),
        "--sign ECDSA-SHA384",
    );
    bench.assert_verified("-sha384", &key03, &signature, &data);

    // RSAES-OAEP with SHA-256 and with SHA-1, key 02.
    let secret = bench.path("secret.bin");
    std::fs::write(&secret, b"a 32-byte content encryption key").unwrap();
    bench.assert_oaep_round_trip(&key02, &secret, "sha256", "SHA256", "MGF1-SHA256");
    bench.assert_oaep_round_trip(&key02, &secret, "sha1", "SHA-1", "MGF1-SHA1");

    // PIN2 wrong three times: incorrect, incorrect (final try), locked.
    let signature = bench.path("blocked.sig");
    for attempt in 1..=PIN2_TRIES {
        let out = bench.sign(WRONG_PIN2, "SHA256-RSA-PKCS", "01", &[], &data, &signature);
        let stderr = text(&out.output.stderr);
        assert!(!out.output.status.success(), "a wrong PIN2 must fail");
        let expected = if attempt < PIN2_TRIES { "CKR_PIN_INCORRECT" } else { "CKR_PIN_LOCKED" };
        assert!(stderr.contains(expected), "attempt {attempt}: expected {expected}:\n{stderr}");
        if attempt == PIN2_TRIES - 1 {
            let flags = bench.token_flags();
            assert!(flags.contains("final user PIN try"), "one try left: {flags}");
        }
    }
    assert!(bench.token_flags().contains("user PIN locked"), "PIN2 blocked");
    // Blocked: the right PIN2 is refused too.
    let out = bench.sign(PIN2, "SHA256-RSA-PKCS", "01", &[], &data, &signature);
    assert!(!out.output.status.success());
    assert!(text(&out.output.stderr).contains("CKR_PIN_LOCKED"), "{}", text(&out.output.stderr));

    // Unblock with the user code through the reader, then sign again.
    let out = bench.neid(&["pin", "unblock", "--pin2", "--user-code", USER_CODE, "--reader", READER]);
    succeeded(&out, "neid pin unblock --pin2");
    let flags = bench.token_flags();
    assert!(!flags.contains("user PIN locked") && !flags.contains("count low"), "PIN2 unblocked: {flags}");
    let signature = bench.path("unblocked.sig");
    succeeded(&bench.sign(PIN2, "SHA256-RSA-PKCS", "01", &[], &data, &signature), "--sign after unblock");
    bench.assert_verified("-sha256", &key01, &signature, &data);

    // A clean stop: SIGTERM ends `neid emulate` with status 0, the slot is free.
    let status = emulate.stop();
    let log = std::fs::read_to_string(bench.path("emulate.log")).unwrap_or_default();
    assert!(status.is_some_and(|s| s.success()), "neid emulate after SIGTERM: {status:?}\n{log}");
    wait_for_no_card(READER, READER_FREE_TIMEOUT).unwrap_or_else(|e| panic!("{READER} still shows a card: {e}"));
    drop(pcscd);
}
