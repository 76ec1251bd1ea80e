//! SELECT (ISO 7816-4 §11.2.2, INS A4).
//!
//! P1: 00 MF/DF/EF by FID (data absent = MF), 01 child DF, 02 EF of the current
//! DF, 03 parent DF, 04 DF name (full match), 08 path from the MF (without
//! 3F00), 09 path from the current DF.
//! P2: 00 FCI (6F), 04 FCP (62), 0C no response data; 08 (FMD) is not
//! supported and answers 6A86 like every other P2 value.

use alloc::vec::Vec;

use super::fcp;
use super::tree::{Df, Node, DF_NAME_MAX_LEN, FID_MF};
use crate::apdu::CommandApdu;
use crate::applet::{CommandContext, Response, Selection};
use crate::status::StatusWord;
use crate::tlv;

pub const INS_SELECT: u8 = 0xA4;

const P1_BY_FID: u8 = 0x00;
const P1_CHILD_DF: u8 = 0x01;
const P1_EF_OF_CURRENT_DF: u8 = 0x02;
const P1_PARENT_DF: u8 = 0x03;
const P1_DF_NAME: u8 = 0x04;
const P1_PATH_FROM_MF: u8 = 0x08;
const P1_PATH_FROM_CURRENT_DF: u8 = 0x09;

/// P2 b4-b3: what to return (ISO 7816-4 table 40).
const P2_RESPONSE_MASK: u8 = 0x0C;
const P2_FCI: u8 = 0x00;
const P2_FCP: u8 = 0x04;
const P2_NO_DATA: u8 = 0x0C;
/// P2 bits that must be 0: b8-b5 (RFU) and b2-b1 (only "first or only occurrence").
const P2_MUST_BE_ZERO: u8 = 0xF3;

const FID_LEN: usize = 2;

enum Answer {
    Fci,
    Fcp,
    Nothing,
}

pub fn select(ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    if cmd.p2 & P2_MUST_BE_ZERO != 0 {
        return Err(StatusWord::IncorrectP1P2);
    }
    let answer = match cmd.p2 & P2_RESPONSE_MASK {
        P2_FCI => Answer::Fci,
        P2_FCP => Answer::Fcp,
        P2_NO_DATA => Answer::Nothing,
        // FMD (08) is not supported.
        _ => return Err(StatusWord::IncorrectP1P2),
    };
    let mf = &ctx.nvm.image().mf;
    let target = resolve(mf, ctx.selection, cmd.p1, &cmd.data)?;
    let content = match (mf.df_at(&target.df), target.ef) {
        (Some(df), None) => fcp::df_content(df, ctx.nvm.image().life_cycle),
        (Some(df), Some(i)) => match df.children.get(i) {
            Some(Node::Ef(ef)) => fcp::ef_content(ef, ctx.nvm.image().life_cycle),
            _ => return Err(StatusWord::FileNotFound),
        },
        (None, _) => return Err(StatusWord::FileNotFound),
    };
    let data = match answer {
        Answer::Fci => tlv::build(fcp::TAG_FCI, &content),
        Answer::Fcp => tlv::build(fcp::TAG_FCP, &content),
        Answer::Nothing => Vec::new(),
    };
    // Refuse before the selection changes, so that a retry with the right Le
    // starts from the same state.
    if !ctx.faults.has(crate::fault::Fault::LongResponseTruncated) { // FAULT: card.rs truncates instead
        ctx.check_ne(cmd.ne, data.len())?;
    }
    *ctx.selection = target;
    Ok(Response::ok(data))
}

fn fid(data: &[u8]) -> Result<u16, StatusWord> {
    match data {
        [hi, lo] => Ok(u16::from_be_bytes([*hi, *lo])),
        _ => Err(StatusWord::WrongLength),
    }
}

/// The selection a SELECT would make, without making it.
fn resolve(mf: &Df, current: &Selection, p1: u8, data: &[u8]) -> Result<Selection, StatusWord> {
    let current_df = mf.df_at(&current.df).ok_or(StatusWord::FileNotFound)?;
    match p1 {
        P1_BY_FID => {
            if data.is_empty() {
                return Ok(Selection::default());
            }
            let fid = fid(data)?;
            if fid == FID_MF {
                return Ok(Selection::default());
            }
            if current_df.fid == Some(fid) {
                return Ok(Selection { df: current.df.clone(), ef: None });
            }
            if let Some(i) = current_df.child_by_fid(fid) {
                return Ok(child(current, current_df, i));
            }
            // ISO 7816-4 §7.2.1: the parent DF is reachable by its FID too.
            if let Some((_, parent_path)) = current.df.split_last()
                && mf.df_at(parent_path).and_then(|p| p.fid) == Some(fid)
            {
                return Ok(Selection { df: parent_path.to_vec(), ef: None });
            }
            Err(StatusWord::FileNotFound)
        }
        P1_CHILD_DF | P1_EF_OF_CURRENT_DF => {
            let fid = fid(data)?;
            let i = current_df.child_by_fid(fid).ok_or(StatusWord::FileNotFound)?;
            match (p1, current_df.children.get(i)) {
                (P1_CHILD_DF, Some(Node::Df(_))) | (P1_EF_OF_CURRENT_DF, Some(Node::Ef(_))) => {
                    Ok(child(current, current_df, i))
                }
                _ => Err(StatusWord::FileNotFound),
            }
        }
        P1_PARENT_DF => {
            if !data.is_empty() {
                return Err(StatusWord::WrongLength);
            }
            match current.df.split_last() {
                Some((_, parent)) => Ok(Selection { df: parent.to_vec(), ef: None }),
                None => Err(StatusWord::FileNotFound),
            }
        }
        P1_DF_NAME => {
            if data.is_empty() || data.len() > DF_NAME_MAX_LEN {
                return Err(StatusWord::WrongLength);
            }
            let df = mf.path_by_name(data).ok_or(StatusWord::FileNotFound)?;
            Ok(Selection { df, ef: None })
        }
        P1_PATH_FROM_MF | P1_PATH_FROM_CURRENT_DF => {
            if data.is_empty() || !data.len().is_multiple_of(FID_LEN) {
                return Err(StatusWord::WrongLength);
            }
            let start = if p1 == P1_PATH_FROM_MF {
                Selection::default()
            } else {
                Selection { df: current.df.clone(), ef: None }
            };
            walk(mf, start, data)
        }
        _ => Err(StatusWord::IncorrectP1P2),
    }
}

/// The selection after choosing child `i` of the current DF.
fn child(current: &Selection, current_df: &Df, i: usize) -> Selection {
    match current_df.children.get(i) {
        Some(Node::Df(_)) => {
            let mut df = current.df.clone();
            df.push(i);
            Selection { df, ef: None }
        }
        _ => Selection { df: current.df.clone(), ef: Some(i) },
    }
}

/// Follow a path of FIDs: every FID but the last names a DF.
fn walk(mf: &Df, start: Selection, path: &[u8]) -> Result<Selection, StatusWord> {
    let mut at = start;
    let mut fids = path.chunks_exact(FID_LEN).peekable();
    while let Some(chunk) = fids.next() {
        let fid = fid(chunk)?;
        let df = mf.df_at(&at.df).ok_or(StatusWord::FileNotFound)?;
        let i = df.child_by_fid(fid).ok_or(StatusWord::FileNotFound)?;
        let last = fids.peek().is_none();
        match df.children.get(i) {
            Some(Node::Df(_)) => at.df.push(i),
            Some(Node::Ef(_)) if last => at.ef = Some(i),
            _ => return Err(StatusWord::FileNotFound),
        }
    }
    Ok(at)
}
