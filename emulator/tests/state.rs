//! State directory: round trips, refusal of foreign or newer files, atomic
//! replacement, locking.

use std::fs;
use std::path::Path;

use emulator::state::{
    STATE_FILE_NAME, STATE_FORMAT_VERSION, STATE_TMP_NAME, decode_state, encode_state,
};
use emulator::{StateDir, StateError};

fn open(dir: &Path) -> Result<Option<Vec<u8>>, StateError> {
    StateDir::open(dir).map(|(_, image)| image)
}

fn write_state(dir: &Path, contents: &str) {
    fs::write(dir.join(STATE_FILE_NAME), contents).unwrap();
}

#[test]
fn round_trip_binary_and_json_images_byte_for_byte() {
    let images: [&[u8]; 5] = [
        &[],
        &[0x00, 0xFF, 0x90, 0x00, 0x7B],
        br#"{"zones":{"citizen":[1,2,3]},"life_cycle":"operational"}"#,
        b"{\n  \"pretty\": true\n}",
        b"not json {",
    ];
    for image in images {
        let dir = tempfile::tempdir().unwrap();
        let (state, loaded) = StateDir::open(dir.path()).unwrap();
        assert_eq!(loaded, None, "a fresh directory has no image");
        state.save(image).unwrap();
        assert_eq!(state.load().unwrap().as_deref(), Some(image));
        drop(state);
        assert_eq!(
            open(dir.path()).unwrap().as_deref(),
            Some(image),
            "after reopening"
        );
        assert!(
            !dir.path().join(STATE_TMP_NAME).exists(),
            "no temporary file left behind"
        );
    }
}

#[test]
fn json_images_are_embedded_readably() {
    let image = br#"{"serial":"N123456789"}"#;
    let document = String::from_utf8(encode_state(image).unwrap()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&document).unwrap();
    assert_eq!(value["format"], "neid-card-state");
    assert_eq!(value["format_version"], STATE_FORMAT_VERSION);
    assert_eq!(value["image_encoding"], "json");
    assert_eq!(value["image"]["serial"], "N123456789");

    let document = String::from_utf8(encode_state(&[0xDE, 0xAD]).unwrap()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&document).unwrap();
    assert_eq!(value["image_encoding"], "hex");
    assert_eq!(value["image"], "dead");
}

#[test]
fn refuses_unknown_format() {
    let dir = tempfile::tempdir().unwrap();
    write_state(
        dir.path(),
        r#"{"format":"other-tool","format_version":1,"image_encoding":"hex","image":""}"#,
    );
    let err = open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StateError::UnknownFormat { ref found, .. } if found == "\"other-tool\""),
        "{err}"
    );
    assert!(err.to_string().contains("\"format\""), "{err}");

    write_state(
        dir.path(),
        r#"{"format_version":1,"image_encoding":"hex","image":""}"#,
    );
    let err = open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StateError::UnknownFormat { ref found, .. } if found == "missing"),
        "{err}"
    );

    write_state(dir.path(), r#"[1, 2, 3]"#);
    assert!(matches!(open(dir.path()), Err(StateError::NotJson { .. })));
}

#[test]
fn refuses_newer_version_even_with_a_different_layout() {
    let dir = tempfile::tempdir().unwrap();
    let newer = r#"{"format":"neid-card-state","format_version":2,"images":{"a":1}}"#;
    write_state(dir.path(), newer);
    let err = open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StateError::NewerVersion { found: 2, .. }),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("format_version 2") && message.contains("newer"),
        "{message}"
    );
    // Refusing never rewrites the file.
    assert_eq!(
        fs::read_to_string(dir.path().join(STATE_FILE_NAME)).unwrap(),
        newer
    );
}

#[test]
fn refuses_invalid_versions() {
    let dir = tempfile::tempdir().unwrap();
    for version in ["0", "\"1\"", "-1", "1.5", "null"] {
        write_state(
            dir.path(),
            &format!(
                r#"{{"format":"neid-card-state","format_version":{version},"image_encoding":"hex","image":""}}"#
            ),
        );
        let err = open(dir.path()).unwrap_err();
        assert!(
            matches!(err, StateError::InvalidVersion { .. }),
            "version {version}: {err}"
        );
        assert!(err.to_string().contains("format_version"), "{err}");
    }
}

#[test]
fn refuses_garbage_and_truncated_files() {
    let dir = tempfile::tempdir().unwrap();
    let good = String::from_utf8(encode_state(&[1, 2, 3]).unwrap()).unwrap();
    let garbage: [&[u8]; 4] = [
        b"",
        b"\x00\xFF\xFE garbage",
        &good.as_bytes()[..good.len() / 2],
        b"{\"format\":",
    ];
    for contents in garbage {
        fs::write(dir.path().join(STATE_FILE_NAME), contents).unwrap();
        let err = open(dir.path()).unwrap_err();
        assert!(
            matches!(err, StateError::NotJson { .. }),
            "{contents:?}: {err}"
        );
        assert!(
            err.to_string().contains(STATE_FILE_NAME),
            "the message names the file: {err}"
        );
    }
}

#[test]
fn refuses_malformed_image_fields() {
    let path = Path::new("state.json");
    let header = r#""format":"neid-card-state","format_version":1"#;
    let cases = [
        (
            format!(r#"{{{header},"image_encoding":"hex","image":"xyz"}}"#),
            "image",
        ),
        (
            format!(r#"{{{header},"image_encoding":"hex","image":[1]}}"#),
            "image",
        ),
        (
            format!(r#"{{{header},"image_encoding":"base64","image":"AA=="}}"#),
            "image_encoding",
        ),
        (format!(r#"{{{header},"image":"00"}}"#), "image_encoding"),
        (format!(r#"{{{header},"image_encoding":"hex"}}"#), "image"),
    ];
    for (contents, expected_field) in cases {
        let err = decode_state(contents.as_bytes(), path).unwrap_err();
        assert!(
            matches!(err, StateError::BadField { field, .. } if field == expected_field),
            "{contents}: {err}"
        );
    }
}

#[test]
fn unfinished_write_is_discarded_and_the_old_image_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = StateDir::open(dir.path()).unwrap();
    state.save(b"old").unwrap();
    drop(state);
    // A crash after writing the temporary file but before the rename.
    fs::write(
        dir.path().join(STATE_TMP_NAME),
        &encode_state(b"new").unwrap()[..20],
    )
    .unwrap();
    assert_eq!(open(dir.path()).unwrap().as_deref(), Some(&b"old"[..]));
    assert!(!dir.path().join(STATE_TMP_NAME).exists());
}

#[test]
fn save_replaces_the_file_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let (state, _) = StateDir::open(dir.path()).unwrap();
    state.save(&[1; 64]).unwrap();
    // A reader holding the old file keeps seeing the old, complete image: the
    // new one arrives under a new inode by rename, not by rewriting in place.
    let old_contents = fs::read(state.state_file()).unwrap();
    let old_handle = fs::File::open(state.state_file()).unwrap();
    state.save(&[2; 64]).unwrap();
    let still_old = std::io::read_to_string(old_handle).unwrap();
    assert_eq!(still_old.as_bytes(), old_contents.as_slice());
    assert_eq!(state.load().unwrap(), Some(vec![2; 64]));
}

#[test]
fn a_second_emulator_cannot_open_the_same_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (first, _) = StateDir::open(dir.path()).unwrap();
    let err = StateDir::open(dir.path()).unwrap_err();
    assert!(matches!(err, StateError::Locked { .. }), "{err}");
    drop(first);
    assert!(
        StateDir::open(dir.path()).is_ok(),
        "the lock goes with the StateDir"
    );
}

#[test]
fn creates_a_missing_directory() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a/b");
    assert_eq!(open(&nested).unwrap(), None);
    assert!(nested.is_dir());
}
