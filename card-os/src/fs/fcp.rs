//! File control parameters (ISO 7816-4 §7.4, table 12) returned by SELECT.
//!
//! ```text
//! 62/6F L   FCP template (P2=04) or FCI template (P2=00)
//!   82 01 38 | 01       file descriptor: DF | working EF, transparent
//!   83 02 FID           file identifier (absent for a DF without FID)
//!   84 n  AID           DF name (DFs with a name)
//!   80 02 size          number of data bytes (EFs; more bytes above 65535)
//!   88 01 SFI<<3        short EF identifier (EFs with one; ISO 7816-4 §7.4.3)
//!   8A 01 LCS           life cycle status (ISO 7816-4 table 13)
//! ```

use alloc::vec::Vec;

use super::tree::{Df, Ef};
use crate::lifecycle::LifeCycle;
use crate::tlv;

pub const TAG_FCP: u8 = 0x62;
pub const TAG_FCI: u8 = 0x6F;
const TAG_SIZE: u8 = 0x80;
const TAG_DESCRIPTOR: u8 = 0x82;
const TAG_FID: u8 = 0x83;
const TAG_DF_NAME: u8 = 0x84;
const TAG_SFI: u8 = 0x88;
const TAG_LCS: u8 = 0x8A;
/// File descriptor byte (ISO 7816-4 table 14): DF.
const DESCRIPTOR_DF: u8 = 0x38;
/// File descriptor byte: working EF, transparent structure.
const DESCRIPTOR_TRANSPARENT_EF: u8 = 0x01;
/// DO'88' carries the SFI in b8-b4 (ISO 7816-4 §7.4.3).
const SFI_SHIFT: u32 = 3;
/// DO'80' uses at least two bytes.
const SIZE_MIN_BYTES: usize = 2;

/// The file control parameters' content (without template) of a DF.
pub fn df_content(df: &Df, life_cycle: LifeCycle) -> Vec<u8> {
    let mut out = Vec::new();
    tlv::push(&mut out, TAG_DESCRIPTOR, &[DESCRIPTOR_DF]);
    if let Some(fid) = df.fid {
        tlv::push(&mut out, TAG_FID, &fid.to_be_bytes());
    }
    if let Some(aid) = &df.aid {
        tlv::push(&mut out, TAG_DF_NAME, aid);
    }
    tlv::push(&mut out, TAG_LCS, &[life_cycle.lcs_byte()]);
    out
}

/// The file control parameters' content (without template) of an EF.
pub fn ef_content(ef: &Ef, life_cycle: LifeCycle) -> Vec<u8> {
    let mut out = Vec::new();
    tlv::push(&mut out, TAG_DESCRIPTOR, &[DESCRIPTOR_TRANSPARENT_EF]);
    tlv::push(&mut out, TAG_FID, &ef.fid.to_be_bytes());
    tlv::push(&mut out, TAG_SIZE, &size_bytes(ef.data.len()));
    if let Some(sfi) = ef.sfi {
        tlv::push(&mut out, TAG_SFI, &[sfi << SFI_SHIFT]);
    }
    tlv::push(&mut out, TAG_LCS, &[life_cycle.lcs_byte()]);
    out
}

/// Big-endian size, leading zero bytes dropped down to two bytes.
fn size_bytes(size: usize) -> Vec<u8> {
    let bytes = (size as u64).to_be_bytes();
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    let start = first.min(bytes.len() - SIZE_MIN_BYTES);
    bytes[start..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_encoding() {
        assert_eq!(size_bytes(0), [0, 0]);
        assert_eq!(size_bytes(0x1234), [0x12, 0x34]);
        assert_eq!(size_bytes(0x1_0000), [1, 0, 0]);
    }
}
