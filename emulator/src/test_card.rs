//! `TestCard`: a card with one transparent EF and nothing else, so the
//! emulator's persistence, crash and transport behaviour can be tested
//! without the real card runtime.
//!
//! It understands short-length READ BINARY (`00 B0 P1 P2 Le`) and UPDATE
//! BINARY (`00 D6 P1 P2 Lc data`) with a 15-bit offset in P1-P2
//! (ISO 7816-4 §11.3.3: P1 bit 8 = 0). Its image is the EF content.

use crate::engine::{CardEngine, Interface};
use crate::sw::{
    SW_CLA_NOT_SUPPORTED, SW_FUNCTION_NOT_SUPPORTED, SW_INS_NOT_SUPPORTED, SW_OK, SW_WRONG_LENGTH,
    SW_WRONG_P1P2,
};

/// CLA of an interindustry command without SM or chaining (ISO 7816-4 §5.4.1).
const CLA_PLAIN: u8 = 0x00;
/// READ BINARY, even INS (ISO 7816-4 §11.3.3).
pub const INS_READ_BINARY: u8 = 0xB0;
/// UPDATE BINARY, even INS (ISO 7816-4 §11.3.5).
pub const INS_UPDATE_BINARY: u8 = 0xD6;
/// P1 bit 8 set means "P1 carries a short EF identifier" (ISO 7816-4 §11.3.3).
const P1_SFI_FLAG: u8 = 0x80;
/// Short Le = 00 means Ne = 256 (ISO 7816-4 §5.1).
const SHORT_LE_MAX: usize = 256;
/// Warning: end of file reached before reading Ne bytes (ISO 7816-4 table 6).
const SW_END_OF_FILE: [u8; 2] = [0x62, 0x82];

/// A card holding one writable byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCard {
    ef: Vec<u8>,
    changed: bool,
    power_ons: u32,
}

impl TestCard {
    /// A card whose EF is `size` zero bytes.
    pub fn new(size: usize) -> Self {
        Self::from_image(&vec![0; size])
    }

    /// A card restored from an image made by [`CardEngine::save_image`].
    pub fn from_image(image: &[u8]) -> Self {
        Self {
            ef: image.to_vec(),
            changed: false,
            power_ons: 0,
        }
    }

    /// The EF content.
    pub fn ef(&self) -> &[u8] {
        &self.ef
    }

    /// How many times the card was powered on or reset.
    pub fn power_ons(&self) -> u32 {
        self.power_ons
    }

    /// UPDATE BINARY `00 D6 P1 P2 Lc data` (short case 3). `data` must be
    /// 1 to 255 bytes (a short Lc); a test helper, not a codec.
    pub fn update_binary_apdu(offset: u16, data: &[u8]) -> Vec<u8> {
        debug_assert!((1..=255).contains(&data.len()), "short Lc is 1..=255");
        let [p1, p2] = offset.to_be_bytes();
        let mut apdu = vec![CLA_PLAIN, INS_UPDATE_BINARY, p1, p2, data.len() as u8];
        apdu.extend_from_slice(data);
        apdu
    }

    /// READ BINARY `00 B0 P1 P2 Le` (short case 2); `le` 0 means 256.
    pub fn read_binary_apdu(offset: u16, le: u8) -> Vec<u8> {
        let [p1, p2] = offset.to_be_bytes();
        vec![CLA_PLAIN, INS_READ_BINARY, p1, p2, le]
    }

    fn offset(p1: u8, p2: u8) -> Result<usize, [u8; 2]> {
        if p1 & P1_SFI_FLAG != 0 {
            return Err(SW_FUNCTION_NOT_SUPPORTED);
        }
        Ok(usize::from(u16::from_be_bytes([p1, p2])))
    }

    fn read_binary(&self, p1: u8, p2: u8, body: &[u8]) -> Result<Vec<u8>, [u8; 2]> {
        let offset = Self::offset(p1, p2)?;
        let ne = match body {
            [0] => SHORT_LE_MAX,
            [le] => usize::from(*le),
            _ => return Err(SW_WRONG_LENGTH),
        };
        if offset >= self.ef.len() {
            return Err(SW_WRONG_P1P2);
        }
        let end = self.ef.len().min(offset + ne);
        let mut response = self.ef[offset..end].to_vec();
        response.extend_from_slice(if end - offset < ne {
            &SW_END_OF_FILE
        } else {
            &SW_OK
        });
        Ok(response)
    }

    fn update_binary(&mut self, p1: u8, p2: u8, body: &[u8]) -> Result<Vec<u8>, [u8; 2]> {
        let offset = Self::offset(p1, p2)?;
        let (lc, data) = match body {
            [lc, data @ ..] if *lc != 0 && usize::from(*lc) == data.len() => {
                (usize::from(*lc), data)
            }
            _ => return Err(SW_WRONG_LENGTH),
        };
        let end = offset + lc;
        let target = self.ef.get_mut(offset..end).ok_or(SW_WRONG_P1P2)?;
        target.copy_from_slice(data);
        self.changed = true;
        Ok(SW_OK.to_vec())
    }
}

impl CardEngine for TestCard {
    fn power_on(&mut self, _interface: Interface) {
        self.power_ons = self.power_ons.saturating_add(1);
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.changed = false;
        let result = match apdu {
            [cla, ..] if *cla != CLA_PLAIN => Err(SW_CLA_NOT_SUPPORTED),
            [_, INS_READ_BINARY, p1, p2, body @ ..] => self.read_binary(*p1, *p2, body),
            [_, INS_UPDATE_BINARY, p1, p2, body @ ..] => self.update_binary(*p1, *p2, body),
            [_, _, _, _, ..] => Err(SW_INS_NOT_SUPPORTED),
            _ => Err(SW_WRONG_LENGTH),
        };
        result.unwrap_or_else(|sw| sw.to_vec())
    }

    fn nvm_changed(&mut self) -> bool {
        std::mem::take(&mut self.changed)
    }

    fn save_image(&self) -> Vec<u8> {
        self.ef.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_then_read_back() {
        let mut card = TestCard::new(8);
        assert_eq!(
            card.process(&TestCard::update_binary_apdu(2, &[1, 2, 3])),
            SW_OK
        );
        assert!(card.nvm_changed());
        assert!(!card.nvm_changed(), "the flag is consumed");
        assert_eq!(
            card.process(&TestCard::read_binary_apdu(1, 4)),
            vec![0, 1, 2, 3, 0x90, 0x00]
        );
        assert!(!card.nvm_changed());
        assert_eq!(card.ef(), &[0, 0, 1, 2, 3, 0, 0, 0]);
    }

    #[test]
    fn read_past_end_warns_end_of_file() {
        let mut card = TestCard::from_image(&[7, 8, 9]);
        assert_eq!(
            card.process(&TestCard::read_binary_apdu(1, 0)),
            vec![8, 9, 0x62, 0x82]
        );
        assert_eq!(
            card.process(&TestCard::read_binary_apdu(3, 1)),
            SW_WRONG_P1P2
        );
    }

    #[test]
    fn rejects_malformed_commands_without_changing_nvm() {
        let mut card = TestCard::new(4);
        let cases: [(&[u8], [u8; 2]); 8] = [
            (&[], SW_WRONG_LENGTH),
            (&[0x00, 0xD6, 0x00], SW_WRONG_LENGTH),
            (&[0x00, 0xD6, 0x00, 0x00, 0x02, 0xAA], SW_WRONG_LENGTH),
            (&[0x00, 0xD6, 0x00, 0x00, 0x00], SW_WRONG_LENGTH),
            (&[0x00, 0xD6, 0x00, 0x03, 0x02, 0xAA, 0xBB], SW_WRONG_P1P2),
            (
                &[0x00, 0xD6, 0x81, 0x00, 0x01, 0xAA],
                SW_FUNCTION_NOT_SUPPORTED,
            ),
            (&[0x80, 0xB0, 0x00, 0x00, 0x01], SW_CLA_NOT_SUPPORTED),
            (&[0x00, 0xCA, 0x00, 0x00, 0x00], SW_INS_NOT_SUPPORTED),
        ];
        for (apdu, sw) in cases {
            assert_eq!(card.process(apdu), sw, "APDU {apdu:02X?}");
            assert!(!card.nvm_changed(), "APDU {apdu:02X?}");
        }
        assert_eq!(card.ef(), &[0; 4]);
    }
}
