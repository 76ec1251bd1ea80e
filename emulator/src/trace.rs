//! APDU traces for test labs (issue 7, docs/spec/trace.md): one JSON object
//! per line, written as the emulator runs, read back by `neid trace FILE`.
//!
//! ```text
//! {"type":"power_on","time_ms":1767225600000,"interface":"contact"}
//! {"type":"apdu","time_ms":1767225600003,"interface":"contact","command":"00A4040C..","response":"9000"}
//! {"type":"session_keys","time_ms":1767225600120,"interface":"contact","cipher":"aes","ks_enc":"..","ks_mac":"..","ssc":"00..00"}
//! ```
//!
//! `session_keys` records exist only when the trace was opened with
//! `export_session_keys` (test mode, off by default, logged as a warning):
//! with them anyone holding the file can read every protected APDU.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use card_os::SessionKeys;
use serde::{Deserialize, Serialize};

use crate::engine::Interface;

/// One line of a trace file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TraceRecord {
    /// Power-on or reset: the card's volatile state is gone.
    PowerOn { time_ms: u64, interface: TraceInterface },
    /// A command and the card's response, both as uppercase hex.
    Apdu { time_ms: u64, interface: TraceInterface, command: String, response: String },
    /// Test mode only: the keys of the secure messaging session that has
    /// just started, and its SSC after the response that started it.
    SessionKeys { time_ms: u64, interface: TraceInterface, cipher: String, ks_enc: String, ks_mac: String, ssc: String },
}

/// The interface in a trace record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TraceInterface {
    Contact,
    Contactless,
}

impl From<Interface> for TraceInterface {
    fn from(interface: Interface) -> Self {
        match interface {
            Interface::Contact => TraceInterface::Contact,
            Interface::Contactless => TraceInterface::Contactless,
        }
    }
}

/// Why a trace could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("trace {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("trace {path} line {line}: not a trace record ({source})")]
    Record { path: PathBuf, line: usize, source: serde_json::Error },
}

/// Writes trace records to a file, one line each, flushed per record so a
/// killed emulator leaves a readable trace.
#[derive(Debug)]
pub struct TraceWriter {
    path: PathBuf,
    out: BufWriter<File>,
    export_session_keys: bool,
    /// The keys last exported: a new session is one with other keys.
    exported: Option<SessionKeys>,
}

impl TraceWriter {
    /// Create (or truncate) `path`. With `export_session_keys` the SM keys of
    /// each new session go into the trace: test mode only.
    pub fn create(path: &Path, export_session_keys: bool) -> Result<Self, TraceError> {
        let file = File::create(path).map_err(|source| TraceError::Io { path: path.to_path_buf(), source })?;
        if export_session_keys {
            tracing::warn!(
                trace = %path.display(),
                "TEST MODE: secure messaging session keys are written into the APDU trace; never use with real holder data"
            );
        }
        Ok(Self { path: path.to_path_buf(), out: BufWriter::new(file), export_session_keys, exported: None })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn exports_session_keys(&self) -> bool {
        self.export_session_keys
    }

    /// Append one record. A write error is logged, not returned: tracing
    /// must never change what the card answers.
    pub fn record(&mut self, record: &TraceRecord) {
        let result = serde_json::to_writer(&mut self.out, record)
            .map_err(std::io::Error::other)
            .and_then(|()| self.out.write_all(b"\n"))
            .and_then(|()| self.out.flush());
        if let Err(error) = result {
            tracing::error!(trace = %self.path.display(), %error, "APDU trace record not written");
        }
    }

    /// After a command: in test mode, export the keys of a session that
    /// was not there (or had other keys) before.
    pub fn session_after_command(&mut self, keys: Option<SessionKeys>, interface: Interface) {
        if !self.export_session_keys {
            return;
        }
        let Some(keys) = keys else {
            self.exported = None;
            return;
        };
        let same = self.exported.as_ref().is_some_and(|old| old.ks_enc == keys.ks_enc && old.ks_mac == keys.ks_mac);
        if same {
            return;
        }
        tracing::warn!("TEST MODE: exporting the new secure messaging session's keys into the APDU trace");
        let record = TraceRecord::SessionKeys {
            time_ms: now_ms(),
            interface: interface.into(),
            cipher: "aes".into(),
            ks_enc: hex::encode_upper(&keys.ks_enc),
            ks_mac: hex::encode_upper(&keys.ks_mac),
            ssc: hex::encode_upper(keys.ssc),
        };
        self.record(&record);
        self.exported = Some(keys);
    }

    /// A reset ends any session: the next one is new even with equal keys.
    pub fn power_on(&mut self, interface: Interface) {
        self.exported = None;
        self.record(&TraceRecord::PowerOn { time_ms: now_ms(), interface: interface.into() });
    }

    pub fn apdu(&mut self, interface: Interface, command: &[u8], response: &[u8]) {
        self.record(&TraceRecord::Apdu {
            time_ms: now_ms(),
            interface: interface.into(),
            command: hex::encode_upper(command),
            response: hex::encode_upper(response),
        });
    }
}

/// Read every record of a trace file.
pub fn read_trace(path: &Path) -> Result<Vec<TraceRecord>, TraceError> {
    let file = File::open(path).map_err(|source| TraceError::Io { path: path.to_path_buf(), source })?;
    let mut records = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|source| TraceError::Io { path: path.to_path_buf(), source })?;
        if line.trim().is_empty() {
            continue;
        }
        let record = serde_json::from_str(&line)
            .map_err(|source| TraceError::Record { path: path.to_path_buf(), line: index + 1, source })?;
        records.push(record);
    }
    Ok(records)
}

/// Milliseconds since the Unix epoch (0 if the clock is before it).
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_keys_are_exported_once_per_session() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let mut writer = TraceWriter::create(&path, true).unwrap();
        writer.power_on(Interface::Contact);
        writer.apdu(Interface::Contact, &[0x00, 0xA4, 0x00, 0x0C], &[0x90, 0x00]);
        let keys = SessionKeys { ks_enc: vec![1; 16], ks_mac: vec![2; 16], ssc: [0; 16] };
        writer.session_after_command(Some(keys.clone()), Interface::Contact);
        writer.session_after_command(Some(keys), Interface::Contact);
        drop(writer);
        let records = read_trace(&path).unwrap();
        assert_eq!(records.len(), 3);
        assert!(matches!(&records[1], TraceRecord::Apdu { command, response, .. } if command == "00A4000C" && response == "9000"));
        assert!(matches!(&records[2], TraceRecord::SessionKeys { ks_enc, .. } if ks_enc == &"01".repeat(16)));
    }

    #[test]
    fn keys_stay_out_unless_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        let mut writer = TraceWriter::create(&path, false).unwrap();
        let keys = SessionKeys { ks_enc: vec![1; 16], ks_mac: vec![2; 16], ssc: [0; 16] };
        writer.session_after_command(Some(keys), Interface::Contact);
        drop(writer);
        assert!(read_trace(&path).unwrap().is_empty());
    }

    #[test]
    fn a_bad_line_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.jsonl");
        std::fs::write(&path, "{\"type\":\"power_on\",\"time_ms\":1,\"interface\":\"contact\"}\nnot json\n").unwrap();
        let error = read_trace(&path).unwrap_err().to_string();
        assert!(error.contains("line 2"), "{error}");
    }
}
