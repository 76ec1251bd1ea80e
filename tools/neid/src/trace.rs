//! `neid trace FILE`: an APDU trace (docs/spec/trace.md) printed for people:
//! command names (ISO 7816-4 §11, TR-03110-3 B), P1/P2 meaning, BER-TLV
//! data decoded (ISO 7816-4 §5.2), status words with their meaning
//! (`card_os::status`), and secure messaging unwrapped (ICAO 9303-11 §9.8)
//! when the trace carries exported session keys (test mode).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use card_os::StatusWord;
use card_os::protocol::SmSession;
use card_os::protocol::sm::Command;
use card_os::protocol::tlv;
use emulator::{TraceRecord, read_trace};

/// CLA b4-b3 = 11: SM with the header authenticated (ISO 7816-4 §5.4.1).
const CLA_SM_BITS: u8 = 0x0C;
/// Tag first byte b6: constructed data object (ISO 7816-4 §5.2.2.1).
const TAG_CONSTRUCTED: u8 = 0x20;
/// Nesting depth shown for TLV trees; deeper content is printed as hex.
const MAX_TLV_DEPTH: usize = 6;

pub fn run(file: &Path) -> anyhow::Result<()> {
    let records = read_trace(file).with_context(|| format!("neid trace {}", file.display()))?;
    print!("{}", annotate(&records));
    Ok(())
}

/// The whole annotated trace as text.
pub fn annotate(records: &[TraceRecord]) -> String {
    let mut out = String::new();
    let mut session: Option<SmSession> = None;
    let mut number = 0usize;
    for record in records {
        match record {
            TraceRecord::PowerOn { time_ms, interface } => {
                session = None;
                let _ = writeln!(out, "-- power on / reset ({interface:?}) at {time_ms} ms: security status cleared");
            }
            TraceRecord::SessionKeys { ks_enc, ks_mac, ssc, .. } => {
                session = start_session(ks_enc, ks_mac, ssc, &mut out);
            }
            TraceRecord::Apdu { time_ms, interface, command, response } => {
                number += 1;
                let _ = writeln!(out, "#{number} {interface:?} at {time_ms} ms");
                let (Ok(command), Ok(response)) = (hex::decode(command), hex::decode(response)) else {
                    let _ = writeln!(out, "  (not hex: command {command}, response {response})");
                    continue;
                };
                session = exchange(&command, &response, session, &mut out);
            }
        }
    }
    out
}

fn start_session(ks_enc: &str, ks_mac: &str, ssc: &str, out: &mut String) -> Option<SmSession> {
    let (Ok(enc), Ok(mac)) = (hex::decode(ks_enc), hex::decode(ks_mac)) else {
        let _ = writeln!(out, "-- session keys not hex: SM stays opaque");
        return None;
    };
    if ssc.chars().any(|c| c != '0') {
        let _ = writeln!(out, "-- session keys with SSC {ssc}: only SSC 0 is supported, SM stays opaque");
        return None;
    }
    match SmSession::new(&enc, &mac) {
        Ok(session) => {
            let _ = writeln!(out, "-- secure messaging session started (exported keys, TEST MODE): KS_enc {ks_enc}, KS_mac {ks_mac}");
            Some(session)
        }
        Err(error) => {
            let _ = writeln!(out, "-- session keys unusable ({error}): SM stays opaque");
            None
        }
    }
}

/// One command/response pair; returns the session that survives it.
fn exchange(command: &[u8], response: &[u8], session: Option<SmSession>, out: &mut String) -> Option<SmSession> {
    let _ = writeln!(out, "  > {}", hex::encode_upper(command));
    describe_command(command, out, "    ");
    let protected = command.first().is_some_and(|cla| cla & CLA_SM_BITS == CLA_SM_BITS);
    let session = match (protected, session) {
        (true, Some(session)) => unwrap(command, response, session, out),
        // A plain command ends secure messaging (ICAO 9303-11 §9.8.7).
        (false, Some(_)) => {
            let _ = writeln!(out, "    (plain command: the SM session ends)");
            None
        }
        (_, None) => None,
    };
    let _ = writeln!(out, "  < {}", hex::encode_upper(response));
    describe_response(response, out, "    ");
    session
}

/// Unwrap a protected command and its response with the exported keys.
fn unwrap(command: &[u8], response: &[u8], session: SmSession, out: &mut String) -> Option<SmSession> {
    let parsed = match Command::parse(command) {
        Ok(parsed) => parsed,
        Err(error) => {
            let _ = writeln!(out, "    SM: command not parsed ({error}): session ends");
            return None;
        }
    };
    let (session, plain) = match session.unwrap_command(&parsed) {
        Ok(unwrapped) => unwrapped,
        Err(error) => {
            let _ = writeln!(out, "    SM: command refused ({error}): the card ends the session");
            return None;
        }
    };
    match plain.to_bytes() {
        Ok(bytes) => {
            let _ = writeln!(out, "    SM unwrapped command: {}", hex::encode_upper(&bytes));
            describe_command(&bytes, out, "      ");
        }
        Err(error) => {
            let _ = writeln!(out, "    SM unwrapped command not encodable: {error}");
        }
    }
    match session.unwrap_response(response) {
        Ok((session, plain)) => {
            let mut bytes = plain.data.clone();
            bytes.extend_from_slice(&plain.sw.to_be_bytes());
            let _ = writeln!(out, "    SM unwrapped response: {}", hex::encode_upper(&bytes));
            describe_response(&bytes, out, "      ");
            Some(session)
        }
        Err(error) => {
            let _ = writeln!(out, "    SM: response not verified ({error}): session ends");
            None
        }
    }
}

fn describe_command(bytes: &[u8], out: &mut String, indent: &str) {
    let [cla, ins, p1, p2, ..] = *bytes else {
        let _ = writeln!(out, "{indent}(shorter than a header)");
        return;
    };
    let _ = writeln!(out, "{indent}{} (CLA {cla:02X} INS {ins:02X}) {}", ins_name(ins), p1p2_meaning(ins, p1, p2));
    if let Ok(cmd) = card_os::CommandApdu::parse(bytes) {
        if !cmd.data.is_empty() {
            describe_data(&cmd.data, out, indent);
        }
        if let Some(ne) = cmd.ne {
            let _ = writeln!(out, "{indent}Le: {ne} bytes expected");
        }
    }
}

fn describe_response(bytes: &[u8], out: &mut String, indent: &str) {
    let Some((data, [sw1, sw2])) = bytes.split_last_chunk::<2>().map(|(d, sw)| (d, *sw)) else {
        let _ = writeln!(out, "{indent}(no status word)");
        return;
    };
    let sw = u16::from_be_bytes([sw1, sw2]);
    let meaning = StatusWord::from_u16(sw).map_or("(not a status word of this card)", StatusWord::meaning);
    let _ = writeln!(out, "{indent}SW {sw:04X}: {meaning}");
    if !data.is_empty() {
        describe_data(data, out, indent);
    }
}

/// BER-TLV tree when the data parses as TLV to its end, else hex.
fn describe_data(data: &[u8], out: &mut String, indent: &str) {
    match tlv::parse_all(data) {
        Ok(objects) if !objects.is_empty() => {
            let _ = writeln!(out, "{indent}data ({} bytes, TLV):", data.len());
            tlv_tree(data, out, &format!("{indent}  "), 0);
        }
        _ => {
            let _ = writeln!(out, "{indent}data ({} bytes): {}", data.len(), hex::encode_upper(data));
        }
    }
}

fn tlv_tree(data: &[u8], out: &mut String, indent: &str, depth: usize) {
    let Ok(objects) = tlv::parse_all(data) else {
        let _ = writeln!(out, "{indent}{}", hex::encode_upper(data));
        return;
    };
    for object in objects {
        let first = if object.tag > 0xFF { (object.tag >> 8) as u8 } else { object.tag as u8 };
        let constructed = first & TAG_CONSTRUCTED != 0;
        if constructed && depth < MAX_TLV_DEPTH && tlv::parse_all(object.value).is_ok() {
            let _ = writeln!(out, "{indent}{:X} ({} bytes)", object.tag, object.value.len());
            tlv_tree(object.value, out, &format!("{indent}  "), depth + 1);
        } else {
            let _ = writeln!(out, "{indent}{:X}: {}", object.tag, hex::encode_upper(object.value));
        }
    }
}

/// Command names (ISO 7816-4 §11, TR-03110-3 B.1, ICAO 9303-11 §9).
fn ins_name(ins: u8) -> &'static str {
    match ins {
        0xA4 => "SELECT",
        0xB0 | 0xB1 => "READ BINARY",
        0xD6 | 0xD7 => "UPDATE BINARY",
        0x20 => "VERIFY",
        0x24 => "CHANGE REFERENCE DATA",
        0x2C => "RESET RETRY COUNTER",
        0x22 => "MANAGE SECURITY ENVIRONMENT",
        0x86 | 0x87 => "GENERAL AUTHENTICATE",
        0x84 => "GET CHALLENGE",
        0x82 => "EXTERNAL AUTHENTICATE",
        0x88 => "INTERNAL AUTHENTICATE",
        0x2A => "PERFORM SECURITY OPERATION",
        0xE6 => "TERMINATE DF",
        0xFE => "TERMINATE CARD USAGE",
        0xC0 => "GET RESPONSE",
        0xCA | 0xCB => "GET DATA",
        _ => "(unknown instruction)",
    }
}

/// What P1-P2 say, for the commands where they carry meaning.
fn p1p2_meaning(ins: u8, p1: u8, p2: u8) -> String {
    match ins {
        0xA4 => {
            let by = match p1 {
                0x00 => "MF, DF or EF by FID",
                0x01 => "child DF by FID",
                0x02 => "EF under the current DF by FID",
                0x03 => "parent DF",
                0x04 => "DF by name (AID)",
                0x08 => "path from the MF",
                0x09 => "path from the current DF",
                _ => "unknown selection",
            };
            let answer = match p2 & 0x0C {
                0x00 => "return FCI",
                0x04 => "return FCP",
                0x08 => "return FMD",
                _ => "no response data",
            };
            format!("P1={p1:02X} {by}, P2={p2:02X} {answer}")
        }
        0xB0 | 0xD6 if p1 & 0x80 != 0 => format!("P1={p1:02X} SFI {:02X}, offset {p2}", p1 & 0x1F),
        0xB0 | 0xD6 => format!("offset {}", u16::from_be_bytes([p1 & 0x7F, p2])),
        0x20 | 0x24 | 0x2C => format!("P1={p1:02X}, reference {p2:02X}{}", pin_name(p2)),
        0x22 => {
            let what = match (p1, p2) {
                (0xC1, 0xA4) => "Set AT: PACE / Chip Authentication",
                (0x81, 0xA4) => "Set AT: Terminal Authentication",
                (0x41, 0xA4) => "Set AT: Chip Authentication",
                (0x81, 0xB6) => "Set DST: certificate verification key",
                (0x41, 0xA6) => "Set KAT: Chip Authentication v1",
                _ => "other security environment",
            };
            format!("P1P2={p1:02X}{p2:02X} {what}")
        }
        _ => format!("P1={p1:02X} P2={p2:02X}"),
    }
}

fn pin_name(reference: u8) -> &'static str {
    match reference {
        0x03 => " (PIN1)",
        0x04 => " (user code)",
        0x81 => " (PIN2)",
        _ => "",
    }
}
