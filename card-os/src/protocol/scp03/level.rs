//! The security level of a session (GP Amd D §7.1.2 table 7-3), chosen by
//! the host in EXTERNAL AUTHENTICATE P1.

/// b1: C-MAC.
const C_MAC: u8 = 0x01;
/// b2: C-DECRYPTION.
const C_DECRYPTION: u8 = 0x02;
/// b5: R-MAC.
const R_MAC: u8 = 0x10;

/// The levels this card offers; R-ENCRYPTION (b6) is not supported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SecurityLevel {
    /// `01`: C-MAC.
    CMac = C_MAC,
    /// `03`: C-DECRYPTION and C-MAC.
    CDecCMac = C_DECRYPTION | C_MAC,
    /// `11`: C-MAC and R-MAC.
    CMacRMac = C_MAC | R_MAC,
    /// `13`: C-DECRYPTION, C-MAC and R-MAC.
    CDecCMacRMac = C_DECRYPTION | C_MAC | R_MAC,
}

impl SecurityLevel {
    pub const ALL: [SecurityLevel; 4] =
        [SecurityLevel::CMac, SecurityLevel::CDecCMac, SecurityLevel::CMacRMac, SecurityLevel::CDecCMacRMac];

    /// The level coded `byte` (EXTERNAL AUTHENTICATE P1); `None` for any other value.
    pub fn from_byte(byte: u8) -> Option<SecurityLevel> {
        SecurityLevel::ALL.into_iter().find(|level| level.to_byte() == byte)
    }

    pub fn to_byte(self) -> u8 {
        self as u8
    }

    /// Command data are encrypted with S-ENC.
    pub fn command_decryption(self) -> bool {
        self.to_byte() & C_DECRYPTION != 0
    }

    /// Responses carry an R-MAC with S-RMAC.
    pub fn response_mac(self) -> bool {
        self.to_byte() & R_MAC != 0
    }
}
