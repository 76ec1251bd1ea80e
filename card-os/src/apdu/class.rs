//! The class byte CLA (ISO 7816-4 §5.4.1, tables 2 to 4).
//!
//! * `000x xxxx` first interindustry class: b5 chaining, b4-b3 secure messaging,
//!   b2-b1 logical channel 0..3.
//! * `001x xxxx` reserved for future use: invalid.
//! * `01xx xxxx` further interindustry class: b6 secure messaging, b5 chaining,
//!   b4-b1 logical channel 4..19.
//! * `1xxx xxxx` proprietary class, except `FF` which is invalid (ISO 7816-3 PPS).

/// Bits that distinguish the class families.
const FAMILY_MASK: u8 = 0xE0;
const FAMILY_RFU: u8 = 0x20;
const FURTHER_MASK: u8 = 0xC0;
const FURTHER_INTERINDUSTRY: u8 = 0x40;
const PROPRIETARY_BIT: u8 = 0x80;
/// Invalid class value (ISO 7816-4 §5.4.1).
pub const CLA_INVALID: u8 = 0xFF;
/// b5: command chaining control, "not the last command of a chain" (ISO 7816-4 §5.3.3).
pub const CLA_CHAINING: u8 = 0x10;
/// b4-b3 of the first interindustry class: secure messaging indication.
const FIRST_SM_MASK: u8 = 0x0C;
/// b6 of the further interindustry class: secure messaging indication.
const FURTHER_SM_BIT: u8 = 0x20;
const FIRST_CHANNEL_MASK: u8 = 0x03;
const FURTHER_CHANNEL_MASK: u8 = 0x0F;
/// Further interindustry channel numbers start at 4.
const FURTHER_CHANNEL_OFFSET: u8 = 4;

/// Whether CLA is a valid class byte at all (`FF` and `001x xxxx` are not).
pub fn is_valid(cla: u8) -> bool {
    cla != CLA_INVALID && cla & FAMILY_MASK != FAMILY_RFU
}

/// Interindustry class (first or further): the card-os generic commands use these.
pub fn is_interindustry(cla: u8) -> bool {
    is_valid(cla) && cla & PROPRIETARY_BIT == 0
}

/// Whether the command is not the last one of a chain.
pub fn is_chained(cla: u8) -> bool {
    cla & CLA_CHAINING != 0
}

/// CLA with the chaining bit cleared, to compare the parts of one chain.
pub fn without_chaining(cla: u8) -> u8 {
    cla & !CLA_CHAINING
}

/// Whether CLA indicates secure messaging (any SM format).
pub fn indicates_secure_messaging(cla: u8) -> bool {
    if !is_interindustry(cla) {
        return false;
    }
    if cla & FURTHER_MASK == FURTHER_INTERINDUSTRY {
        cla & FURTHER_SM_BIT != 0
    } else {
        cla & FIRST_SM_MASK != 0
    }
}

/// Logical channel number (0 = basic channel); `None` for a proprietary class.
pub fn logical_channel(cla: u8) -> Option<u8> {
    if !is_interindustry(cla) {
        return None;
    }
    if cla & FURTHER_MASK == FURTHER_INTERINDUSTRY {
        Some((cla & FURTHER_CHANNEL_MASK) + FURTHER_CHANNEL_OFFSET)
    } else {
        Some(cla & FIRST_CHANNEL_MASK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        assert!(is_valid(0x00) && is_valid(0x0C) && is_valid(0x80));
        assert!(!is_valid(0xFF) && !is_valid(0x20) && !is_valid(0x3F));
        assert!(is_chained(0x10) && !is_chained(0x00));
        assert!(indicates_secure_messaging(0x0C) && indicates_secure_messaging(0x60));
        assert!(!indicates_secure_messaging(0x10) && !indicates_secure_messaging(0x8C));
        assert_eq!(logical_channel(0x01), Some(1));
        assert_eq!(logical_channel(0x40), Some(4));
        assert_eq!(logical_channel(0x80), None);
    }
}
