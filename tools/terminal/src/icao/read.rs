//! The LDS1 application and its elementary files (ICAO 9303-10 §3.6, §4.6,
//! §4.7), and reading one EF under secure messaging.
//!
//! A file is read by short EF identifier in the first READ BINARY (which also
//! selects it), then at 15-bit offsets (ISO 7816-4 §11.3.3). Each chunk asks
//! for at most [`CHUNK_LEN`] bytes so the protected response fits a short
//! APDU with either SM cipher: many passports do not support extended
//! length. The first chunk's TLV header gives the file length; the reader
//! asks for exactly what remains. A chip that refuses the SFI form gets
//! SELECT EF by file identifier and offsets from 0.

use serde::Serialize;

use crate::card::{CLA_PLAIN, INS_READ_BINARY, INS_SELECT, Response, SW_OK, transmit};
use crate::tlv;
use crate::transport::{Transport, TransportError};

/// The LDS1 eMRTD application (ICAO 9303-10 §3.6.2).
pub const LDS1_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];
/// SELECT P1 `02`: EF under the current DF by file identifier; P2 `0C`: no
/// response data (ISO 7816-4 §11.2.2, tables 39-40).
const SELECT_P1_EF_BY_FID: u8 = 0x02;
const SELECT_P2_NO_RESPONSE_DATA: u8 = 0x0C;
/// READ BINARY P1 bit 8: bits 5-1 carry a short EF identifier (ISO 7816-4 §11.3.3).
const P1_SFI_FLAG: u8 = 0x80;
/// Offsets in P1-P2 are 15 bits (ISO 7816-4 §11.3.3).
const OFFSET_MAX: usize = 0x7FFF;
/// Plain bytes per READ BINARY: 223 padded to 224 gives a 242-byte protected
/// response with AES or 3DES (`87 81 E1 01 C`, `99`, `8E`), under 256.
pub const CHUNK_LEN: usize = 0xDF;
/// Bytes asked first: enough for any tag (≤ 3) + length (≤ 4) header.
const HEADER_PROBE: usize = 8;

/// Status words the reader tells apart (ISO 7816-4 §5.6 table 6).
pub const SW_END_OF_FILE: u16 = 0x6282;
pub const SW_SECURITY_STATUS: u16 = 0x6982;
pub const SW_FILE_NOT_FOUND: u16 = 0x6A82;
const SW_FUNCTION_NOT_SUPPORTED: u16 = 0x6A81;
const SW_INCORRECT_P1_P2: u16 = 0x6A86;
const SW_WRONG_P1_P2: u16 = 0x6B00;
const SW_INS_NOT_SUPPORTED: u16 = 0x6D00;
const SW_COMMAND_NOT_ALLOWED: u16 = 0x6986;

/// An elementary file of LDS1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum LdsFile {
    /// EF.COM, `011E`, SFI `1E`: LDS version and the tag list (ICAO 9303-10 §4.6.1).
    Com,
    /// EF.SOD, `011D`, SFI `1D`: the document security object (§4.6.2).
    Sod,
    /// DG1..DG16, `0101`..`0110`, SFI 1..16 (§4.7).
    Dg(u8),
}

/// First byte of every LDS1 file identifier (ICAO 9303-10 table 35).
const FID_HIGH: u8 = 0x01;
const SFI_COM: u8 = 0x1E;
const SFI_SOD: u8 = 0x1D;
/// Highest data group number (ICAO 9303-10 §4.7).
pub const DG_MAX: u8 = 16;
/// Data-group tags as listed in EF.COM's tag list `5C` (ICAO 9303-10 table 34).
const DG_TAGS: [u8; 16] = [
    0x61, 0x75, 0x63, 0x76, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F, 0x70,
];
/// EF.COM: `60 { 5F01 LDS version, 5F36 Unicode version, 5C tag list }`.
const COM_TAG: u32 = 0x60;
const COM_TAG_LIST: u32 = 0x5C;

impl LdsFile {
    pub fn sfi(self) -> u8 {
        match self {
            LdsFile::Com => SFI_COM,
            LdsFile::Sod => SFI_SOD,
            LdsFile::Dg(n) => n,
        }
    }

    pub fn fid(self) -> [u8; 2] {
        [FID_HIGH, self.sfi()]
    }

    /// `EF.COM`, `EF.SOD`, `DG2`.
    pub fn name(self) -> String {
        match self {
            LdsFile::Com => "EF.COM".into(),
            LdsFile::Sod => "EF.SOD".into(),
            LdsFile::Dg(n) => format!("DG{n}"),
        }
    }

    /// File name for `--out`: `EF_COM.bin`, `EF_SOD.bin`, `DG1.bin`.
    pub fn file_name(self) -> String {
        format!("{}.bin", self.name().replace('.', "_"))
    }
}

/// The data groups EF.COM lists (unknown tags are skipped).
pub fn data_groups_in_com(com: &[u8]) -> Result<Vec<u8>, tlv::TlvError> {
    let (outer, _) = tlv::parse_one(com)?;
    if outer.tag != COM_TAG {
        return Ok(Vec::new());
    }
    let list = tlv::parse_all(outer.value)?
        .into_iter()
        .find(|o| o.tag == COM_TAG_LIST);
    let mut groups: Vec<u8> = list
        .map(|l| {
            l.value
                .iter()
                .filter_map(|tag| DG_TAGS.iter().position(|t| t == tag))
                .filter_map(|i| u8::try_from(i + 1).ok())
                .collect()
        })
        .unwrap_or_default();
    groups.sort_unstable();
    groups.dedup();
    Ok(groups)
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{file}: not on the chip (6A82)")]
    NotFound { file: String },
    #[error(
        "{file}: access denied (6982): needs Terminal Authentication (EAC) or another access right"
    )]
    AccessDenied { file: String },
    #[error("{file}: {command} at offset {offset}: card answered {sw:04X} ({meaning})")]
    Status {
        file: String,
        command: &'static str,
        offset: usize,
        sw: u16,
        meaning: &'static str,
    },
    #[error(
        "{file}: longer than the 32767-byte offset range of READ BINARY (odd INS B1 is not implemented)"
    )]
    TooLarge { file: String },
    #[error("{file}: {error}")]
    Transport { file: String, error: TransportError },
}

/// Read the whole file `file` from the selected LDS1 application.
pub fn read_file(transport: &mut dyn Transport, file: LdsFile) -> Result<Vec<u8>, ReadError> {
    let name = file.name();
    let io = |error| ReadError::Transport {
        file: name.clone(),
        error,
    };
    // First chunk by SFI: it selects the EF too.
    let first = transmit(
        transport,
        &read_apdu(P1_SFI_FLAG | file.sfi(), 0, HEADER_PROBE),
    )
    .map_err(io)?;
    let first = match first.sw {
        SW_OK | SW_END_OF_FILE => first,
        SW_FILE_NOT_FOUND => return Err(ReadError::NotFound { file: name }),
        SW_SECURITY_STATUS => return Err(ReadError::AccessDenied { file: name }),
        SW_INCORRECT_P1_P2
        | SW_FUNCTION_NOT_SUPPORTED
        | SW_INS_NOT_SUPPORTED
        | SW_COMMAND_NOT_ALLOWED
        | SW_WRONG_P1_P2 => select_and_read_header(transport, file, &name)?,
        sw => return Err(status(&name, "READ BINARY (SFI)", 0, sw)),
    };
    let mut content = first.data;
    if first.sw == SW_END_OF_FILE {
        return Ok(content);
    }
    let total = match tlv_total_length(&content) {
        Some(total) => total,
        // Not a TLV file: read on until the card says the file ended.
        None => usize::MAX,
    };
    while content.len() < total {
        let offset = content.len();
        if offset > OFFSET_MAX {
            return Err(ReadError::TooLarge { file: name });
        }
        let want = (total - offset).min(CHUNK_LEN);
        let [p1, p2] = (offset as u16).to_be_bytes();
        let response = transmit(transport, &read_apdu(p1, p2, want)).map_err(io)?;
        match response.sw {
            SW_OK if response.data.is_empty() => break,
            SW_OK => content.extend_from_slice(&response.data),
            SW_END_OF_FILE => {
                content.extend_from_slice(&response.data);
                break;
            }
            // Unknown length and the last chunk ended exactly at the end.
            SW_WRONG_P1_P2 if total == usize::MAX => break,
            sw => return Err(status(&name, "READ BINARY", offset, sw)),
        }
    }
    if total != usize::MAX {
        content.truncate(total);
    }
    Ok(content)
}

fn select_and_read_header(
    transport: &mut dyn Transport,
    file: LdsFile,
    name: &str,
) -> Result<Response, ReadError> {
    let io = |error| ReadError::Transport {
        file: name.to_owned(),
        error,
    };
    let fid = file.fid();
    let select = [
        CLA_PLAIN,
        INS_SELECT,
        SELECT_P1_EF_BY_FID,
        SELECT_P2_NO_RESPONSE_DATA,
        fid.len() as u8,
        fid[0],
        fid[1],
    ];
    let response = transmit(transport, &select).map_err(io)?;
    match response.sw {
        SW_OK => {}
        SW_FILE_NOT_FOUND => {
            return Err(ReadError::NotFound {
                file: name.to_owned(),
            });
        }
        SW_SECURITY_STATUS => {
            return Err(ReadError::AccessDenied {
                file: name.to_owned(),
            });
        }
        sw => return Err(status(name, "SELECT EF", 0, sw)),
    }
    let response = transmit(transport, &read_apdu(0, 0, HEADER_PROBE)).map_err(io)?;
    match response.sw {
        SW_OK | SW_END_OF_FILE => Ok(response),
        SW_SECURITY_STATUS => Err(ReadError::AccessDenied {
            file: name.to_owned(),
        }),
        sw => Err(status(name, "READ BINARY", 0, sw)),
    }
}

fn status(file: &str, command: &'static str, offset: usize, sw: u16) -> ReadError {
    ReadError::Status {
        file: file.to_owned(),
        command,
        offset,
        sw,
        meaning: crate::card::sw_meaning(sw),
    }
}

/// `00 B0 P1 P2 Le` with 1 ≤ Le ≤ 256 (`00` = 256).
fn read_apdu(p1: u8, p2: u8, le: usize) -> [u8; 5] {
    [CLA_PLAIN, INS_READ_BINARY, p1, p2, (le % 256) as u8]
}

/// Tag + length + value length of the TLV the bytes start with, when the
/// header is complete (ISO 8825-1 §8.1.2-3; up to four length bytes).
pub fn tlv_total_length(bytes: &[u8]) -> Option<usize> {
    let first = *bytes.first()?;
    let mut pos = 1;
    if first & 0x1F == 0x1F {
        while *bytes.get(pos)? & 0x80 != 0 {
            pos += 1;
        }
        pos += 1;
    }
    let len_byte = *bytes.get(pos)?;
    pos += 1;
    let value_len = match len_byte {
        short if short < 0x80 => usize::from(short),
        0x81..=0x84 => {
            let n = usize::from(len_byte & 0x7F);
            let len = bytes
                .get(pos..pos + n)?
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            pos += n;
            len
        }
        _ => return None,
    };
    pos.checked_add(value_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_identifiers_follow_9303_10_table_35() {
        assert_eq!(LdsFile::Com.fid(), [0x01, 0x1E]);
        assert_eq!(LdsFile::Sod.fid(), [0x01, 0x1D]);
        assert_eq!(LdsFile::Dg(14).fid(), [0x01, 0x0E]);
        assert_eq!(LdsFile::Dg(2).sfi(), 2);
        assert_eq!(LdsFile::Sod.file_name(), "EF_SOD.bin");
    }

    #[test]
    fn com_tag_list_names_the_data_groups() {
        // 60 { 5F01 "0107", 5F36 "040000", 5C 61 75 6E 6F 99 }
        let com =
            hex::decode("60175F0104303130375F3606303430303030 5C05 61756E6F99".replace(' ', ""))
                .unwrap();
        assert_eq!(data_groups_in_com(&com).unwrap(), vec![1, 2, 14, 15]);
        assert!(data_groups_in_com(&[0x60, 0x05]).is_err());
    }

    #[test]
    fn header_lengths() {
        assert_eq!(tlv_total_length(&[0x61, 0x05]), Some(7));
        assert_eq!(tlv_total_length(&[0x77, 0x82, 0x01, 0x00]), Some(260));
        assert_eq!(tlv_total_length(&[0x7F, 0x61, 0x81, 0x80]), Some(132));
        assert_eq!(
            tlv_total_length(&[0x75, 0x83, 0x01, 0x00, 0x00]),
            Some(65541)
        );
        assert_eq!(tlv_total_length(&[0x75, 0x82, 0x01]), None);
        assert_eq!(tlv_total_length(&[0x75, 0x80]), None);
        assert_eq!(tlv_total_length(&[]), None);
    }
}
