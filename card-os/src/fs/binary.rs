//! READ BINARY and UPDATE BINARY on transparent EFs (ISO 7816-4 §11.3.3, §11.3.5).
//!
//! Even INS (B0, D6): P1 b8 = 0: offset = P1 b7-b1 ‖ P2 (15 bits) in the current
//! EF; P1 b8 = 1: P1 b7-b6 = 00, b5-b1 = SFI of an EF of the current DF, P2 =
//! offset (8 bits).
//! Odd INS (B1, D7): P1-P2 = 0000 current EF, 00 ‖ 000 SFI (b16-b6 zero) an EF by
//! SFI, otherwise the FID of an EF of the current DF; offset in DO'54', data in
//! DO'53' (ISO 7816-4 §11.3.3 / §10.4 table 63).
//!
//! An EF referenced by SFI or FID becomes the current EF when the command succeeds.
//! Reads: Le absent → 6700; offset > size → 6B00; fewer than Ne bytes because
//! the end of the EF was reached → the bytes up to the end with 6282. Inside
//! an SCP03 session at an R-MAC level, Ne counts the 8 bytes of the R-MAC
//! too (scp03.md §Wrapping): a read gets Ne − 8 bytes.
//! Updates: empty data → 6700; offset > size → 6B00; data past the end of the
//! fixed-size EF → 6A84 "not enough memory space in the file", nothing written.

use alloc::vec::Vec;

use super::tree::{EfRef, Node, SFI_MAX, SFI_MIN};
use crate::apdu::CommandApdu;
use crate::applet::{CommandContext, Response};
use crate::fault::Fault;
use crate::status::StatusWord;
use crate::tlv;

pub const INS_READ_BINARY: u8 = 0xB0;
pub const INS_READ_BINARY_ODD: u8 = 0xB1;
pub const INS_UPDATE_BINARY: u8 = 0xD6;
pub const INS_UPDATE_BINARY_ODD: u8 = 0xD7;

/// P1 b8 of the even INS: b5-b1 is a short EF identifier.
const P1_SFI_FLAG: u8 = 0x80;
/// P1 b7-b6 of the even INS with SFI: must be 00.
const P1_SFI_RFU: u8 = 0x60;
const SFI_MASK: u8 = 0x1F;
/// P1 b7-b1 of the even INS without SFI: high bits of the 15-bit offset.
const P1_OFFSET_MASK: u8 = 0x7F;
/// Odd INS P1-P2: b16-b6 zero means b5-b1 is an SFI (ISO 7816-4 §7.2.2).
const ODD_SFI_FORM_MASK: u16 = 0xFFE0;
const ODD_CURRENT_EF: u16 = 0x0000;

/// Offset data object (ISO 7816-4 §10.4).
const TAG_OFFSET: u16 = 0x54;
/// Discretionary data object carrying the file data.
pub const TAG_DISCRETIONARY: u8 = 0x53;
/// Largest DO'54' value this card accepts: 3 bytes cover any EF size.
const OFFSET_MAX_BYTES: usize = 3;

enum Operation {
    Read,
    Update,
}

/// Where the command points: the EF and the offset in it.
struct Target {
    at: EfRef,
    offset: usize,
}

fn ef_by_sfi(ctx: &CommandContext<'_, '_>, sfi: u8) -> Result<EfRef, StatusWord> {
    if !(SFI_MIN..=SFI_MAX).contains(&sfi) {
        return Err(StatusWord::IncorrectP1P2);
    }
    let df = ctx.current_df().ok_or(StatusWord::FileNotFound)?;
    let index = df.ef_by_sfi(sfi).ok_or(StatusWord::FileNotFound)?;
    Ok(EfRef { df: ctx.selection.df.clone(), index })
}

fn current_ef(ctx: &CommandContext<'_, '_>) -> Result<EfRef, StatusWord> {
    ctx.selection.current_ef().ok_or(StatusWord::NoCurrentEf)
}

/// The EF named by the even-INS P1-P2, and the offset.
fn even_target(ctx: &CommandContext<'_, '_>, p1: u8, p2: u8) -> Result<Target, StatusWord> {
    if p1 & P1_SFI_FLAG != 0 {
        if p1 & P1_SFI_RFU != 0 {
            return Err(StatusWord::IncorrectP1P2);
        }
        let at = ef_by_sfi(ctx, p1 & SFI_MASK)?;
        Ok(Target { at, offset: usize::from(p2) })
    } else {
        let at = current_ef(ctx)?;
        let offset = usize::from(u16::from_be_bytes([p1 & P1_OFFSET_MASK, p2]));
        Ok(Target { at, offset })
    }
}

/// The EF named by the odd-INS P1-P2.
fn odd_ef(ctx: &CommandContext<'_, '_>, p1: u8, p2: u8) -> Result<EfRef, StatusWord> {
    let p1p2 = u16::from_be_bytes([p1, p2]);
    if p1p2 == ODD_CURRENT_EF {
        return current_ef(ctx);
    }
    if p1p2 & ODD_SFI_FORM_MASK == 0 {
        return ef_by_sfi(ctx, p2);
    }
    let df = ctx.current_df().ok_or(StatusWord::FileNotFound)?;
    let index = df.child_by_fid(p1p2).ok_or(StatusWord::FileNotFound)?;
    match df.children.get(index) {
        Some(Node::Ef(_)) => Ok(EfRef { df: ctx.selection.df.clone(), index }),
        _ => Err(StatusWord::FileNotFound),
    }
}

/// DO'54' value as a big-endian offset.
fn offset_value(value: &[u8]) -> Result<usize, StatusWord> {
    if value.is_empty() || value.len() > OFFSET_MAX_BYTES {
        return Err(StatusWord::IncorrectDataField);
    }
    Ok(value.iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b)))
}

/// Check the rule for `op` on the EF and return its content.
fn authorized_data<'a>(
    ctx: &'a CommandContext<'_, '_>,
    at: &EfRef,
    op: Operation,
) -> Result<&'a [u8], StatusWord> {
    let ef = ctx.nvm.image().mf.ef_at(at).ok_or(StatusWord::FileNotFound)?;
    let (rule, skip) = match op {
        Operation::Read => (&ef.rules.read, Fault::ReadAccessSkipped),
        Operation::Update => (&ef.rules.update, Fault::UpdateAccessSkipped),
    };
    if !ctx.faults.has(skip) { rule.check(&ctx.access())?; } // FAULT: else the rule is skipped
    Ok(&ef.data)
}

/// Bytes from `offset`, at most `limit`; `Err(6B00)` past the end.
fn slice_from(data: &[u8], offset: usize, limit: usize) -> Result<&[u8], StatusWord> {
    let rest = data.get(offset..).ok_or(StatusWord::WrongP1P2OffsetOutsideEf)?;
    Ok(&rest[..rest.len().min(limit)])
}

/// Make the EF the current EF (ISO 7816-4 §7.2.2), after success.
fn make_current(ctx: &mut CommandContext<'_, '_>, at: EfRef) {
    ctx.selection.df = at.df;
    ctx.selection.ef = Some(at.index);
}

pub fn read_binary(ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    let ne = match (cmd.data.is_empty(), ctx.data_ne(cmd.ne)) {
        (true, Some(ne)) => ne,
        _ => return Err(StatusWord::WrongLength),
    };
    let target = even_target(ctx, cmd.p1, cmd.p2)?;
    let data = authorized_data(ctx, &target.at, Operation::Read)?;
    let chunk = slice_from(data, target.offset, ne)?;
    let sw = if chunk.len() < ne { StatusWord::EndOfFileReached } else { StatusWord::Success };
    let sw = if ctx.faults.has(Fault::EndOfFileAnswers9000) { StatusWord::Success } else { sw }; // FAULT
    let response = Response { data: chunk.to_vec(), sw };
    make_current(ctx, target.at);
    Ok(response)
}

pub fn read_binary_odd(ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    let ne = ctx.data_ne(cmd.ne).ok_or(StatusWord::WrongLength)?;
    let at = odd_ef(ctx, cmd.p1, cmd.p2)?;
    let offset = match tlv::parse_all(&cmd.data).map_err(|_| StatusWord::IncorrectDataField)?[..] {
        [object] if object.tag == TAG_OFFSET => offset_value(object.value)?,
        _ => return Err(StatusWord::IncorrectDataField),
    };
    let data = authorized_data(ctx, &at, Operation::Read)?;
    let available = data.get(offset..).ok_or(StatusWord::WrongP1P2OffsetOutsideEf)?.len();
    // The largest content whose DO'53' fits in Ne bytes.
    let mut n = available.min(ne.saturating_sub(2));
    while n > 0 && 1 + tlv::length_field_size(n) + n > ne {
        n -= 1;
    }
    if 1 + tlv::length_field_size(n) + n > ne {
        return Err(StatusWord::WrongLength);
    }
    let chunk = slice_from(data, offset, n)?;
    let out: Vec<u8> = tlv::build(TAG_DISCRETIONARY, chunk);
    let sw = if n == available && out.len() < ne {
        StatusWord::EndOfFileReached
    } else {
        StatusWord::Success
    };
    make_current(ctx, at);
    Ok(Response { data: out, sw })
}

pub fn update_binary(ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    if cmd.data.is_empty() {
        return Err(StatusWord::WrongLength);
    }
    let target = even_target(ctx, cmd.p1, cmd.p2)?;
    authorized_data(ctx, &target.at, Operation::Update)?;
    if ctx.faults.has(Fault::TornWrite) { return torn_write(ctx, &target.at, target.offset, &cmd.data); } // FAULT
    ctx.nvm.update_ef(&target.at, target.offset, &cmd.data)?;
    make_current(ctx, target.at);
    Ok(Response::empty())
}

pub fn update_binary_odd(ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    let at = odd_ef(ctx, cmd.p1, cmd.p2)?;
    let objects = tlv::parse_all(&cmd.data).map_err(|_| StatusWord::IncorrectDataField)?;
    let (offset, bytes) = match objects[..] {
        [offset, data] if offset.tag == TAG_OFFSET && data.tag == u16::from(TAG_DISCRETIONARY) => {
            (offset_value(offset.value)?, data.value)
        }
        _ => return Err(StatusWord::IncorrectDataField),
    };
    authorized_data(ctx, &at, Operation::Update)?;
    if ctx.faults.has(Fault::TornWrite) { return torn_write(ctx, &at, offset, bytes); } // FAULT
    ctx.nvm.update_ef(&at, offset, bytes)?;
    make_current(ctx, at);
    Ok(Response::empty())
}

/// `Fault::TornWrite`: the power fails half-way through the write. The first
/// half of the data is durable (`commit_now`), the rest is lost, and the card
/// reports 6581 memory failure instead of writing all or nothing.
fn torn_write(ctx: &mut CommandContext<'_, '_>, at: &EfRef, offset: usize, bytes: &[u8]) -> Result<Response, StatusWord> {
    let half = bytes.get(..bytes.len() / 2).unwrap_or_default();
    ctx.nvm.update_ef(at, offset, half)?;
    ctx.nvm.commit_now();
    Err(StatusWord::MemoryFailure)
}
