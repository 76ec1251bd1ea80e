//! Crash-safe persistence of the card image in a state directory
//! (`neid emulate --state DIR`).
//!
//! The directory holds `state.json`:
//!
//! ```json
//! {
//!   "format": "neid-card-state",
//!   "format_version": 1,
//!   "image_encoding": "json",
//!   "image": { ...the card image, byte for byte... }
//! }
//! ```
//!
//! `image_encoding` is `"json"` when the card image is itself a JSON
//! document (the real card's serde image): it is embedded verbatim, so
//! `jq .image state.json` shows it. Any other image is a lowercase hex string
//! with `"image_encoding": "hex"`.
//!
//! Writes never leave a torn file: write `state.json.tmp`, fsync it, rename
//! it over `state.json` (atomic on POSIX), fsync the directory so the rename
//! itself is durable. A reader therefore sees the old or the new image, never
//! a mix. A leftover `state.json.tmp` (crash before the rename) is deleted on
//! open. `state.lock` (flock) keeps a second emulator off the same directory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The `format` field of every neid state file.
pub const STATE_FORMAT: &str = "neid-card-state";
/// The newest `format_version` this build reads and the one it writes.
pub const STATE_FORMAT_VERSION: u32 = 1;
/// The state file inside the state directory.
pub const STATE_FILE_NAME: &str = "state.json";
/// The temporary file a save writes before renaming it over the state file.
pub const STATE_TMP_NAME: &str = "state.json.tmp";
/// The lock file held (flock, exclusive) while a `StateDir` is open.
pub const LOCK_FILE_NAME: &str = "state.lock";

const ENCODING_JSON: &str = "json";
const ENCODING_HEX: &str = "hex";

/// Why a state directory could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("could not {action} {path}: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "state directory {path} is in use by another neid emulator (it holds {LOCK_FILE_NAME})"
    )]
    Locked { path: PathBuf },
    #[error(
        "state file {path} is not a JSON document ({source}); refusing to start over with a blank card: move it away to start fresh"
    )]
    NotJson {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "state file {path}: field \"format\" is {found}, expected \"{STATE_FORMAT}\": not a neid card state"
    )]
    UnknownFormat { path: PathBuf, found: String },
    #[error(
        "state file {path}: format_version {found} is newer than this build reads (up to {STATE_FORMAT_VERSION}): use a newer neid"
    )]
    NewerVersion { path: PathBuf, found: u64 },
    #[error(
        "state file {path}: field \"format_version\" is {found}, expected a whole number from 1 to {STATE_FORMAT_VERSION}"
    )]
    InvalidVersion { path: PathBuf, found: String },
    #[error("could not encode the card image as a state document: {0}")]
    Encode(#[from] serde_json::Error),
    #[error("state file {path}: field \"{field}\": {rule}")]
    BadField {
        path: PathBuf,
        field: &'static str,
        rule: String,
    },
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> StateError + use<> {
    let path = path.to_path_buf();
    move |source| StateError::Io {
        action,
        path,
        source,
    }
}

/// An open, locked state directory.
#[derive(Debug)]
pub struct StateDir {
    dir: PathBuf,
    /// Held for the lifetime of the `StateDir`; the kernel drops the flock
    /// when the descriptor closes (also on SIGKILL).
    _lock: File,
}

impl StateDir {
    /// Open (creating it if missing) and lock the state directory; returns it
    /// with the stored card image, or `None` when there is none yet.
    /// A state file that cannot be read is an error, never a silent reset.
    pub fn open(path: impl AsRef<Path>) -> Result<(StateDir, Option<Vec<u8>>), StateError> {
        let dir = path.as_ref().to_path_buf();
        fs::create_dir_all(&dir).map_err(io_error("create state directory", &dir))?;
        let lock_path = dir.join(LOCK_FILE_NAME);
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io_error("open lock file", &lock_path))?;
        lock_exclusive(&lock, &dir)?;
        let tmp = dir.join(STATE_TMP_NAME);
        match fs::remove_file(&tmp) {
            Ok(()) => tracing::info!(path = %tmp.display(), "removed an unfinished state write"),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("remove stale", &tmp)(e)),
        }
        let state = StateDir { dir, _lock: lock };
        let image = state.load()?;
        Ok((state, image))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The state file (`DIR/state.json`).
    pub fn state_file(&self) -> PathBuf {
        self.dir.join(STATE_FILE_NAME)
    }

    /// The stored image, or `None` when no state file exists yet.
    pub fn load(&self) -> Result<Option<Vec<u8>>, StateError> {
        read_state_file(&self.state_file())
    }

    /// Replace the stored image, crash-safely (see the module comment).
    pub fn save(&self, image: &[u8]) -> Result<(), StateError> {
        let document = encode_state(image)?;
        let tmp = self.dir.join(STATE_TMP_NAME);
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io_error("create", &tmp))?;
        file.write_all(&document).map_err(io_error("write", &tmp))?;
        file.sync_all().map_err(io_error("fsync", &tmp))?;
        drop(file);
        let target = self.state_file();
        fs::rename(&tmp, &target).map_err(io_error("rename the new state over", &target))?;
        // The rename is a directory entry change: durable only once the
        // directory itself is synced (fsync(2), "NOTES").
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error("fsync state directory", &self.dir))
    }
}

fn lock_exclusive(lock: &File, dir: &Path) -> Result<(), StateError> {
    // SAFETY: flock on a descriptor we own for the duration of the call.
    let rc = unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    if err.kind() == io::ErrorKind::WouldBlock {
        Err(StateError::Locked {
            path: dir.to_path_buf(),
        })
    } else {
        Err(io_error("lock", dir)(err))
    }
}

/// Read a state file without opening (or locking) its directory, e.g. to
/// inspect it. `Ok(None)` when the file does not exist.
pub fn read_state_file(path: &Path) -> Result<Option<Vec<u8>>, StateError> {
    match fs::read(path) {
        Ok(bytes) => decode_state(&bytes, path).map(Some),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error("read", path)(e)),
    }
}

#[derive(Serialize)]
struct StateDocument<'a> {
    format: &'a str,
    format_version: u32,
    image_encoding: &'a str,
    image: Box<RawValue>,
}

/// Only the header, read first, so that a newer version is reported as such
/// even when the rest of its layout changed.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    format_version: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Body {
    image_encoding: Option<String>,
    image: Option<Box<RawValue>>,
}

/// The state file contents for `image`.
pub fn encode_state(image: &[u8]) -> Result<Vec<u8>, StateError> {
    let (image_encoding, image) = match embeddable_json(image) {
        Some(raw) => (ENCODING_JSON, raw),
        // A quoted lowercase hex string is always valid JSON.
        None => (
            ENCODING_HEX,
            RawValue::from_string(format!("\"{}\"", hex::encode(image)))?,
        ),
    };
    let document = StateDocument {
        format: STATE_FORMAT,
        format_version: STATE_FORMAT_VERSION,
        image_encoding,
        image,
    };
    let mut bytes = serde_json::to_vec_pretty(&document)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `image` as a raw JSON value, when it is JSON that comes back byte for byte.
fn embeddable_json(image: &[u8]) -> Option<Box<RawValue>> {
    let text = std::str::from_utf8(image).ok()?;
    let raw = RawValue::from_string(text.to_owned()).ok()?;
    (raw.get().as_bytes() == image).then_some(raw)
}

/// The card image in a state file's contents; `path` names it in errors.
pub fn decode_state(bytes: &[u8], path: &Path) -> Result<Vec<u8>, StateError> {
    let path_buf = || path.to_path_buf();
    let header: Header = serde_json::from_slice(bytes).map_err(|source| StateError::NotJson {
        path: path_buf(),
        source,
    })?;
    match header.format {
        Some(serde_json::Value::String(ref f)) if f == STATE_FORMAT => {}
        Some(other) => {
            return Err(StateError::UnknownFormat {
                path: path_buf(),
                found: other.to_string(),
            });
        }
        None => {
            return Err(StateError::UnknownFormat {
                path: path_buf(),
                found: "missing".into(),
            });
        }
    }
    let version = match header.format_version {
        Some(serde_json::Value::Number(ref n)) => n.as_u64().filter(|v| *v >= 1),
        _ => None,
    };
    let version = version.ok_or_else(|| StateError::InvalidVersion {
        path: path_buf(),
        found: header
            .format_version
            .map_or_else(|| "missing".into(), |v| v.to_string()),
    })?;
    if version > u64::from(STATE_FORMAT_VERSION) {
        return Err(StateError::NewerVersion {
            path: path_buf(),
            found: version,
        });
    }
    let body: Body = serde_json::from_slice(bytes).map_err(|source| StateError::NotJson {
        path: path_buf(),
        source,
    })?;
    let bad = |field: &'static str, rule: &str| StateError::BadField {
        path: path_buf(),
        field,
        rule: rule.into(),
    };
    let image = body.image.ok_or_else(|| bad("image", "missing"))?;
    match body.image_encoding.as_deref() {
        Some(ENCODING_JSON) => Ok(image.get().as_bytes().to_vec()),
        Some(ENCODING_HEX) => {
            let text: String = serde_json::from_str(image.get())
                .map_err(|_| bad("image", "with image_encoding \"hex\" it must be a string"))?;
            hex::decode(&text).map_err(|e| StateError::BadField {
                path: path_buf(),
                field: "image",
                rule: format!("not hexadecimal: {e}"),
            })
        }
        Some(other) => Err(StateError::BadField {
            path: path_buf(),
            field: "image_encoding",
            rule: format!("is \"{other}\", expected \"{ENCODING_JSON}\" or \"{ENCODING_HEX}\""),
        }),
        None => Err(bad("image_encoding", "missing")),
    }
}
