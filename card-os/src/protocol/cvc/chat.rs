//! The Certificate Holder Authorization Template of the neid chip: the
//! Authentication Terminal layout of TR-03110-3 C.4.2 (5 bytes of
//! discretionary data, role in the two most significant bits) with the
//! chip's own fields on the read/write bit positions. Layout and departures:
//! docs/spec/chat.md.

use alloc::vec::Vec;

use crate::protocol::oid::{OID_TAG, ObjectIdentifier};
use crate::protocol::tlv;

use super::error::{CvcError, Field};
use super::tags;

/// id-AT, the Authentication Terminal type (TR-03110-3 A.7.5.1 / C.4.2):
/// 0.4.0.127.0.7.3.1.2.2.
pub const ID_AT: [u32; 10] = [0, 4, 0, 127, 0, 7, 3, 1, 2, 2];
/// Discretionary data bytes of the Authentication Terminal CHAT.
pub const CHAT_LEN: usize = 5;
/// 40 bits of discretionary data.
const ALL_BITS: u64 = (1 << (8 * CHAT_LEN)) - 1;
/// Role: bits 39-38 (TR-03110-3 C.4.2).
const ROLE_SHIFT: u32 = 38;
const ROLE_MASK: u64 = 0b11 << ROLE_SHIFT;
const RIGHTS_MASK: u64 = ALL_BITS & !ROLE_MASK;

/// Who a certificate belongs to, from the CHAT role bits (TR-03110-3 C.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CertificateRole {
    /// `11`: country verifying CA.
    Cvca,
    /// `10`: document verifier, official domestic.
    DvDomestic,
    /// `01`: document verifier, non-official / foreign.
    DvForeign,
    /// `00`: terminal.
    Terminal,
}

impl CertificateRole {
    fn bits(self) -> u64 {
        match self {
            CertificateRole::Cvca => 0b11,
            CertificateRole::DvDomestic => 0b10,
            CertificateRole::DvForeign => 0b01,
            CertificateRole::Terminal => 0b00,
        }
    }

    fn from_bits(bits: u64) -> Self {
        match bits & 0b11 {
            0b11 => CertificateRole::Cvca,
            0b10 => CertificateRole::DvDomestic,
            0b01 => CertificateRole::DvForeign,
            _ => CertificateRole::Terminal,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CertificateRole::Cvca => "CVCA",
            CertificateRole::DvDomestic => "domestic DV",
            CertificateRole::DvForeign => "foreign DV",
            CertificateRole::Terminal => "terminal",
        }
    }
}

/// One right the neid chip grants through the CHAT. Bit positions follow the
/// Authentication Terminal template (TR-03110-3 C.4.2, TR-03110-4 §2.2.3.2):
/// reads sit on "Read DG1..DG7" (bits 8..14), writes on "Write DG17..DG22"
/// (bits 37..32), the three functions on their AT bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AccessRight {
    ReadSpouseName,
    ReadFatherName,
    ReadMotherName,
    ReadBirthplace,
    ReadSex,
    ReadPhoto,
    ReadCan,
    WriteMilitaryService,
    WriteHouseholdAddress,
    WriteSpouseName,
    WriteFatherName,
    WriteMotherName,
    WriteBirthplace,
    /// AT bit 5 "PIN management".
    PinManagement,
    /// AT bit 4 "CAN allowed".
    CanAllowed,
    /// AT bit 3 "privileged terminal".
    PrivilegedTerminal,
}

impl AccessRight {
    pub const ALL: [AccessRight; 16] = [
        AccessRight::ReadSpouseName,
        AccessRight::ReadFatherName,
        AccessRight::ReadMotherName,
        AccessRight::ReadBirthplace,
        AccessRight::ReadSex,
        AccessRight::ReadPhoto,
        AccessRight::ReadCan,
        AccessRight::WriteMilitaryService,
        AccessRight::WriteHouseholdAddress,
        AccessRight::WriteSpouseName,
        AccessRight::WriteFatherName,
        AccessRight::WriteMotherName,
        AccessRight::WriteBirthplace,
        AccessRight::PinManagement,
        AccessRight::CanAllowed,
        AccessRight::PrivilegedTerminal,
    ];

    /// Rights an authentication terminal (eService) may hold: the reads.
    pub const READS: [AccessRight; 7] = [
        AccessRight::ReadSpouseName,
        AccessRight::ReadFatherName,
        AccessRight::ReadMotherName,
        AccessRight::ReadBirthplace,
        AccessRight::ReadSex,
        AccessRight::ReadPhoto,
        AccessRight::ReadCan,
    ];

    /// Bit number in the 40-bit discretionary data (0 = least significant).
    pub fn bit(self) -> u32 {
        match self {
            // "Read DGn" is bit 7 + n; encrypted-zone field n (docs/spec/zones.md).
            AccessRight::ReadSpouseName => 8,
            AccessRight::ReadFatherName => 9,
            AccessRight::ReadMotherName => 10,
            AccessRight::ReadBirthplace => 11,
            AccessRight::ReadSex => 12,
            AccessRight::ReadPhoto => 13,
            AccessRight::ReadCan => 14,
            // "Write DG17".."Write DG22" are bits 37..32.
            AccessRight::WriteMilitaryService => 37,
            AccessRight::WriteHouseholdAddress => 36,
            AccessRight::WriteSpouseName => 35,
            AccessRight::WriteFatherName => 34,
            AccessRight::WriteMotherName => 33,
            AccessRight::WriteBirthplace => 32,
            AccessRight::PinManagement => 5,
            AccessRight::CanAllowed => 4,
            AccessRight::PrivilegedTerminal => 3,
        }
    }

    /// The read right for encrypted-zone field `n` (1..=7, docs/spec/zones.md).
    pub fn read_encrypted_field(n: u8) -> Option<AccessRight> {
        AccessRight::READS
            .get(usize::from(n).checked_sub(1)?)
            .copied()
    }

    fn mask(self) -> u64 {
        1 << self.bit()
    }
}

/// A CHAT: role and the 38 right bits. Bits the chip does not define are
/// kept (a foreign CVCA may set them) and take part in `intersect`, but grant
/// nothing here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Chat {
    bits: u64,
}

impl Chat {
    /// A CHAT with `role` and exactly `rights`.
    pub fn new(role: CertificateRole, rights: &[AccessRight]) -> Self {
        let bits = rights
            .iter()
            .fold(role.bits() << ROLE_SHIFT, |b, r| b | r.mask());
        Chat { bits }
    }

    /// `role` with every right bit set (a CVCA of this PKI).
    pub fn all_rights(role: CertificateRole) -> Self {
        Chat {
            bits: (role.bits() << ROLE_SHIFT) | RIGHTS_MASK,
        }
    }

    pub fn role(self) -> CertificateRole {
        CertificateRole::from_bits(self.bits >> ROLE_SHIFT)
    }

    /// The same rights under another role.
    pub fn with_role(self, role: CertificateRole) -> Self {
        Chat {
            bits: (self.bits & RIGHTS_MASK) | (role.bits() << ROLE_SHIFT),
        }
    }

    pub fn contains(self, right: AccessRight) -> bool {
        self.bits & right.mask() != 0
    }

    /// Whether every right bit of `other` is set here (roles ignored).
    pub fn contains_all(self, other: Chat) -> bool {
        other.bits & RIGHTS_MASK & !self.bits == 0
    }

    /// Rights held by both; the role of `self` (the effective authorization
    /// of TR-03110-3 C.4: a child never holds more than its chain).
    pub fn intersect(self, other: Chat) -> Chat {
        Chat {
            bits: (self.bits & ROLE_MASK) | (self.bits & other.bits & RIGHTS_MASK),
        }
    }

    /// The rights the chip defines that this CHAT grants.
    pub fn rights(self) -> impl Iterator<Item = AccessRight> {
        AccessRight::ALL
            .into_iter()
            .filter(move |r| self.contains(*r))
    }

    /// The 5 bytes of discretionary data (DO'53').
    pub fn to_bytes(self) -> [u8; CHAT_LEN] {
        let all = self.bits.to_be_bytes();
        let mut out = [0u8; CHAT_LEN];
        out.copy_from_slice(&all[all.len() - CHAT_LEN..]);
        out
    }

    /// From the discretionary data (DO'53'): exactly 5 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CvcError> {
        if bytes.len() != CHAT_LEN {
            return Err(CvcError::ChatLength { len: bytes.len() });
        }
        let bits = bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        Ok(Chat { bits })
    }

    /// The whole template `7F4C { 06 id-AT, 53 bits }`.
    pub fn encode(self) -> Vec<u8> {
        let mut value = Vec::new();
        tlv::push(
            &mut value,
            OID_TAG,
            &ObjectIdentifier::from_constant_arcs(&ID_AT).to_der_content(),
        );
        tlv::push(&mut value, tags::DISCRETIONARY_DATA, &self.to_bytes());
        tlv::build(tags::CHAT, &value)
    }

    /// From the value of `7F4C`.
    pub(crate) fn decode_template(value: &[u8]) -> Result<Self, CvcError> {
        let mut reader = tags::Reader::new(value, Field::Chat);
        let oid = reader.take(OID_TAG, Field::ChatRole)?;
        let oid = ObjectIdentifier::from_der_content(oid).map_err(|error| CvcError::Oid {
            field: Field::ChatRole,
            error,
        })?;
        if oid.arcs() != ID_AT {
            return Err(CvcError::UnsupportedTerminalType);
        }
        let rights = reader.take(tags::DISCRETIONARY_DATA, Field::ChatRights)?;
        reader.finish()?;
        Chat::from_bytes(rights)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bsi_cvca_chat_bytes() {
        // The BSI test CVCA's CHAT FC 0F 13 FF FF (TR-03110 test PKI).
        let chat = Chat::from_bytes(&[0xFC, 0x0F, 0x13, 0xFF, 0xFF]).unwrap();
        assert_eq!(chat.role(), CertificateRole::Cvca);
        assert!(chat.contains(AccessRight::ReadSpouseName));
        assert!(chat.contains(AccessRight::WriteMilitaryService));
        assert!(!chat.contains(AccessRight::WriteBirthplace));
        assert_eq!(chat.to_bytes(), [0xFC, 0x0F, 0x13, 0xFF, 0xFF]);
    }

    #[test]
    fn examples_of_docs_spec_chat_md() {
        let reader = Chat::new(
            CertificateRole::Terminal,
            &[AccessRight::ReadSpouseName, AccessRight::ReadPhoto],
        );
        assert_eq!(reader.to_bytes(), [0x00, 0x00, 0x00, 0x21, 0x00]);
        let registry = Chat::new(
            CertificateRole::Terminal,
            &[
                AccessRight::WriteMilitaryService,
                AccessRight::WriteHouseholdAddress,
                AccessRight::WriteSpouseName,
                AccessRight::WriteFatherName,
                AccessRight::WriteMotherName,
                AccessRight::WriteBirthplace,
                AccessRight::PinManagement,
                AccessRight::PrivilegedTerminal,
            ],
        );
        assert_eq!(registry.to_bytes(), [0x3F, 0x00, 0x00, 0x00, 0x28]);
        let dv = Chat::new(CertificateRole::DvDomestic, &[AccessRight::ReadPhoto]);
        let effective = registry.intersect(dv);
        assert_eq!(effective.role(), CertificateRole::Terminal);
        assert_eq!(effective.rights().count(), 0);
        assert!(reader.intersect(dv).contains(AccessRight::ReadPhoto));
        assert!(dv.contains_all(reader.intersect(dv)));
        assert!(!dv.contains_all(reader));
    }

    #[test]
    fn every_right_has_its_own_bit_outside_the_role() {
        let mut seen = 0u64;
        for r in AccessRight::ALL {
            assert!(r.bit() < ROLE_SHIFT);
            assert_eq!(seen & r.mask(), 0, "{r:?} shares a bit");
            seen |= r.mask();
        }
        assert_eq!(
            AccessRight::read_encrypted_field(1),
            Some(AccessRight::ReadSpouseName)
        );
        assert_eq!(
            AccessRight::read_encrypted_field(7),
            Some(AccessRight::ReadCan)
        );
        assert_eq!(AccessRight::read_encrypted_field(0), None);
        assert_eq!(AccessRight::read_encrypted_field(8), None);
    }
}
