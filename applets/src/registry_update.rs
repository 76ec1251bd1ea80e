//! Registry-office updates (docs/spec/eac.md §Registry-office updates):
//! `PUT DATA 00 DA 00 00 {51 FID, 53 new field content [, 77 new security
//! object]}`. The card checks the terminal's write right (TA) and Chip
//! Authentication, verifies the new security object's signature with the
//! management-system key it holds, that the new field content hashes to the
//! value the security object lists and that every other field of the zone
//! still matches it, then writes the field EF and EF.SOD in the command's
//! transaction: both or nothing.
//!
//! The household zone has no security object: there the data field is
//! `51 FID, 53 content` only and the write right is "household address"
//! (chat.md bit 36) for its four EFs (docs/spec/household.md §Update).
//!
//! Checks, in order, each answering at the first failure (nothing written):
//!
//! | check | SW |
//! |---|---|
//! | INS is PUT DATA (else the applet has no such command) | 6D00 |
//! | P1-P2 = `00 00` | 6A86 |
//! | SM session in which TA and CA v2 succeeded | 6982 |
//! | the effective CHAT holds a write right of this zone | 6982 |
//! | data field: `51 02 FID`, `53 L content`, `77 L SO` (zones with SO) and nothing else | 6A80 |
//! | FID is a writable field of the zone and its right is granted | 6982 |
//! | content is exactly one data object with tag `A0 + n` (n = FID − 0100) | 6A80 |
//! | the SO parses (DER, security_object.rs) | 6A80 |
//! | no management key on the card | 6A88 |
//! | SO signature (management key), messageDigest | 6300 |
//! | SO lists exactly the zone's fields; hash(new content) and hash(each other field) match | 6300 |

use alloc::vec::Vec;

use card_os::apdu::CommandApdu;
use card_os::fs::{EfRef, Node};
use card_os::protocol::cvc::AccessRight;
use card_os::{tlv, CommandContext, Response, StatusWord};

use crate::security_object::{self, SecurityObjectError, SignedFieldHashes, TAG_SECURITY_OBJECT};

/// PUT DATA (ISO 7816-4 §11.4.6), even INS.
pub const INS_PUT_DATA: u8 = 0xDA;
/// NVM object: the management-system public key (uncompressed P-384 point).
pub const OBJECT_MANAGEMENT_KEY: &str = "eac.management.key";
/// DO'51': file reference, the FID of the field EF (ISO 7816-4 §5.3.1.2, table 12).
pub const TAG_FILE_REFERENCE: u16 = 0x51;
/// DO'53': discretionary data, the new field EF content.
pub const TAG_CONTENT: u16 = 0x53;
/// Field EF n has FID `0100 + n` and template tag `A0 | n` (zones.md).
const FID_FIELD_BASE: u16 = 0x0100;
const TAG_FIELD_BASE: u16 = 0xA0;
/// The field numbers a zone may use: FIDs `0101..=010F` (0110 is EF.SOD).
const FIELD_NUMBERS: core::ops::RangeInclusive<u16> = 1..=15;
/// A FID is two bytes.
const FID_LEN: usize = 2;

/// Which fields of a zone a registry office may write, and with which right.
pub struct ZonePolicy {
    /// (field EF FID, the CHAT right that allows writing it).
    pub fields: &'static [(u16, AccessRight)],
    /// FID of the zone's security object EF; `None`: the zone has none and
    /// PUT DATA carries no DO'77'.
    pub security_object: Option<u16>,
}

/// Encrypted zone: spouse, father, mother, birthplace (chip.md §Zones).
pub const ENCRYPTED_ZONE: ZonePolicy = ZonePolicy {
    fields: &[
        (0x0101, AccessRight::WriteSpouseName),
        (0x0102, AccessRight::WriteFatherName),
        (0x0103, AccessRight::WriteMotherName),
        (0x0104, AccessRight::WriteBirthplace),
    ],
    security_object: Some(0x0110),
};

/// Public zone: household address (field 4) and military-service status
/// (field 6) (chip.md §Zones, chat.md bits 36 and 37).
pub const PUBLIC_ZONE: ZonePolicy = ZonePolicy {
    fields: &[(0x0104, AccessRight::WriteHouseholdAddress), (0x0106, AccessRight::WriteMilitaryService)],
    security_object: Some(0x0110),
};

/// Household zone: county, township, village, neighbourhood, all under the
/// household-address right; no security object (docs/spec/household.md).
pub const HOUSEHOLD_ZONE: ZonePolicy = ZonePolicy {
    fields: &[
        (0x0101, AccessRight::WriteHouseholdAddress),
        (0x0102, AccessRight::WriteHouseholdAddress),
        (0x0103, AccessRight::WriteHouseholdAddress),
        (0x0104, AccessRight::WriteHouseholdAddress),
    ],
    security_object: None,
};

/// The decoded PUT DATA data field.
struct PutData<'a> {
    fid: u16,
    content: &'a [u8],
    /// The whole DO'77' (tag and length included: EF.SOD's content).
    security_object: Option<&'a [u8]>,
}

/// `51 02 FID, 53 L content [, 77 L …]`, in this order, nothing else.
fn parse_put_data(data: &[u8]) -> Result<PutData<'_>, StatusWord> {
    let malformed = |_| StatusWord::IncorrectDataField;
    let (reference, rest) = tlv::parse_one(data).map_err(malformed)?;
    let (content, rest) = tlv::parse_one(rest).map_err(malformed)?;
    if reference.tag != TAG_FILE_REFERENCE || content.tag != TAG_CONTENT {
        return Err(StatusWord::IncorrectDataField);
    }
    let fid: [u8; FID_LEN] = reference.value.try_into().map_err(|_| StatusWord::IncorrectDataField)?;
    let security_object = if rest.is_empty() {
        None
    } else {
        let (so, after) = tlv::parse_one(rest).map_err(malformed)?;
        if so.tag != u16::from(TAG_SECURITY_OBJECT) || !after.is_empty() {
            return Err(StatusWord::IncorrectDataField);
        }
        Some(rest)
    };
    Ok(PutData { fid: u16::from_be_bytes(fid), content: content.value, security_object })
}

/// Field number n of FID `0100 + n` (n = 1..=15).
fn field_number(fid: u16) -> Option<u8> {
    let n = fid.checked_sub(FID_FIELD_BASE)?;
    if FIELD_NUMBERS.contains(&n) { u8::try_from(n).ok() } else { None }
}

/// The content must be one data object `A0|n { … }` whose value is itself
/// BER-TLV: the zone's field encoding (public.md, encrypted.md,
/// household.md). Deeper rules are the security object's to vouch for.
fn check_content(n: u8, content: &[u8]) -> Result<(), StatusWord> {
    match tlv::parse_all(content).as_deref() {
        Ok([object]) if object.tag == TAG_FIELD_BASE | u16::from(n) && tlv::parse_all(object.value).is_ok() => Ok(()),
        _ => Err(StatusWord::IncorrectDataField),
    }
}

/// The EF with `fid` in the current DF.
fn ef_ref(ctx: &CommandContext<'_, '_>, fid: u16) -> Option<EfRef> {
    let df = ctx.current_df()?;
    let index = df.child_by_fid(fid)?;
    match df.children.get(index)? {
        Node::Ef(_) => Some(EfRef { df: ctx.selection.df.clone(), index }),
        Node::Df(_) => None,
    }
}

/// Every field EF of the current DF (FIDs `0101..=010F`) with its content.
fn zone_fields(ctx: &CommandContext<'_, '_>) -> Vec<(u8, Vec<u8>)> {
    let Some(df) = ctx.current_df() else { return Vec::new() };
    df.children
        .iter()
        .filter_map(|node| match node {
            Node::Ef(ef) => field_number(ef.fid).map(|n| (n, ef.data.clone())),
            Node::Df(_) => None,
        })
        .collect()
}

/// The security object lists exactly the zone's fields, field `n` with the
/// hash of `content`, every other with the hash of its current content.
fn hashes_match(signed: &SignedFieldHashes, fields: &[(u8, Vec<u8>)], n: u8, content: &[u8]) -> bool {
    signed.entries.len() == fields.len()
        && fields.iter().all(|(m, current)| {
            let expected = if *m == n { content } else { current.as_slice() };
            signed.matches(*m, expected)
        })
}

/// A registry-office command for a zone; anything else → 6D00.
pub fn process(ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu, policy: &ZonePolicy) -> Result<Response, StatusWord> {
    if cmd.ins != INS_PUT_DATA {
        return Err(StatusWord::InsNotSupported);
    }
    // P1-P2 00 00: the data field names the object (ISO 7816-4 §11.4.6, "P1-P2 = 0000 … tag in the data field").
    if (cmd.p1, cmd.p2) != (0, 0) {
        return Err(StatusWord::IncorrectP1P2);
    }
    let eac = match &ctx.security.pace {
        Some(pace) if ctx.secure_messaging => pace.eac.clone(),
        _ => return Err(StatusWord::SecurityStatusNotSatisfied),
    };
    if !eac.terminal_authenticated() || !eac.chip_authenticated() {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    if !policy.fields.iter().any(|(_, right)| eac.grants(*right)) {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    let put = parse_put_data(&cmd.data)?;
    if put.security_object.is_some() != policy.security_object.is_some() {
        return Err(StatusWord::IncorrectDataField);
    }
    let right = policy.fields.iter().find(|(fid, _)| *fid == put.fid).map(|(_, right)| *right);
    if !right.is_some_and(|right| eac.grants(right)) {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    let n = field_number(put.fid).ok_or(StatusWord::IncorrectDataField)?;
    check_content(n, put.content)?;
    let field_ef = ef_ref(ctx, put.fid).ok_or(StatusWord::FileNotFound)?;

    let sod_write = match (put.security_object, policy.security_object) {
        (Some(so), Some(sod_fid)) => {
            let key = ctx
                .nvm
                .image()
                .objects
                .get(OBJECT_MANAGEMENT_KEY)
                .ok_or(StatusWord::ReferencedDataNotFound)?;
            let signed = security_object::verify(so, key).map_err(|e| match e {
                SecurityObjectError::Malformed { .. } | SecurityObjectError::UnsupportedAlgorithm { .. } => {
                    StatusWord::IncorrectDataField
                }
                SecurityObjectError::BadSignature | SecurityObjectError::DigestMismatch => {
                    StatusWord::AuthenticationFailed
                }
            })?;
            if !hashes_match(&signed, &zone_fields(ctx), n, put.content) {
                return Err(StatusWord::AuthenticationFailed);
            }
            let sod_ef = ef_ref(ctx, sod_fid).ok_or(StatusWord::FileNotFound)?;
            Some((sod_ef, so.to_vec()))
        }
        _ => None,
    };
    ctx.nvm.replace_ef(&field_ef, put.content.to_vec())?;
    if let Some((sod_ef, so)) = sod_write {
        ctx.nvm.replace_ef(&sod_ef, so)?;
    }
    Ok(Response::empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_field_is_51_53_then_77() {
        let data = [0x51, 0x02, 0x01, 0x04, 0x53, 0x03, 0xA4, 0x01, 0x00, 0x77, 0x01, 0x30];
        let put = parse_put_data(&data).unwrap();
        assert_eq!(put.fid, 0x0104);
        assert_eq!(put.content, &[0xA4, 0x01, 0x00]);
        assert_eq!(put.security_object, Some(&[0x77, 0x01, 0x30][..]));
        assert!(parse_put_data(&data[..9]).unwrap().security_object.is_none());
        // Wrong order, FID of one byte, trailing data, another tag instead of 77.
        assert!(parse_put_data(&[0x53, 0x00, 0x51, 0x02, 0x01, 0x04]).is_err());
        assert!(parse_put_data(&[0x51, 0x01, 0x04, 0x53, 0x00]).is_err());
        assert!(parse_put_data(&[0x51, 0x02, 0x01, 0x04, 0x53, 0x00, 0x77, 0x00, 0x00]).is_err());
        assert!(parse_put_data(&[0x51, 0x02, 0x01, 0x04, 0x53, 0x00, 0x78, 0x00]).is_err());
    }

    #[test]
    fn content_is_one_template_of_the_field() {
        assert!(check_content(4, &[0xA4, 0x03, 0x80, 0x01, 0x35]).is_ok());
        assert!(check_content(4, &[0xA3, 0x03, 0x80, 0x01, 0x35]).is_err());
        assert!(check_content(4, &[0xA4, 0x03, 0x80, 0x01, 0x35, 0x00]).is_err());
        assert!(check_content(4, &[0xA4, 0x02, 0x80, 0x05]).is_err());
        assert_eq!(field_number(0x0106), Some(6));
        assert_eq!(field_number(0x0110), None);
        assert_eq!(field_number(0x0100), None);
    }
}
