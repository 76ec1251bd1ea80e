//! Answers-to-reset for the emulated card.
//!
//! Contact (ISO 7816-3 §8.2): direct convention, T=1 offered in TD2 with
//! IFSC and BWI/CWI, historical bytes, TCK.
//! Contactless: the pseudo-ATR a PC/SC reader builds for an ISO 14443-4 card
//! (PC/SC part 3 §3.1.3.2.3): `3B 8n 80 01 <historical bytes> TCK`, where the
//! historical bytes are those of the ATS (Type A) or ATQB (Type B).
//!
//! Historical bytes (ISO 7816-4 §8.1.1): category indicator 80 followed by
//! COMPACT-TLV objects: card issuer's data "neid" and the card capabilities.

use crate::engine::Interface;

/// TS: direct convention (ISO 7816-3 §8.1).
const TS_DIRECT: u8 = 0x3B;
/// T0 high nibble Y1: only TD1 follows (ISO 7816-3 §8.2.2).
const T0_TD1_PRESENT: u8 = 0x80;
/// TD1: TD2 follows, protocol T=0 (the usual first group of a T=1 ATR).
const TD1_TD2_PRESENT_T0: u8 = 0x80;
/// TD2 of the PC/SC pseudo-ATR: nothing follows, protocol T=1.
const TD2_T1: u8 = 0x01;
/// TD2 of the contact ATR: TA3 and TB3 follow, protocol T=1.
const TD2_TA3_TB3_T1: u8 = 0x31;
/// TA3: IFSC = 254 bytes (ISO 7816-3 §11.4.2).
const TA3_IFSC_254: u8 = 0xFE;
/// TB3: BWI = 4, CWI = 5 (ISO 7816-3 §11.4.3).
const TB3_BWI4_CWI5: u8 = 0x45;

/// Category indicator: COMPACT-TLV data objects follow (ISO 7816-4 §8.1.1.1).
const CATEGORY_COMPACT_TLV: u8 = 0x80;
/// COMPACT-TLV tag 5, card issuer's data, length 4: "neid" (ISO 7816-4 §8.1.1.2.5).
const ISSUER_DATA_NEID: [u8; 5] = [0x54, b'n', b'e', b'i', b'd'];
/// COMPACT-TLV tag 7, card capabilities, length 3 (ISO 7816-4 §8.1.1.2.7):
/// selection by full DF name, path, FID, short EF identifier (B4); data unit
/// one byte (01); command chaining and extended Lc/Le (C0).
const CARD_CAPABILITIES: [u8; 4] = [0x73, 0xB4, 0x01, 0xC0];

/// Low nibble of T0: the number of historical bytes (ISO 7816-3 §8.2.2).
const T0_K_MASK: u8 = 0x0F;

/// The historical bytes, shared by both interfaces (the ATS carries the same
/// ones contactless).
pub fn historical_bytes() -> Vec<u8> {
    let mut hist = vec![CATEGORY_COMPACT_TLV];
    hist.extend_from_slice(&ISSUER_DATA_NEID);
    hist.extend_from_slice(&CARD_CAPABILITIES);
    hist
}

/// The ATR for `interface`.
pub fn atr_for(interface: Interface) -> Vec<u8> {
    match interface {
        Interface::Contact => contact_atr(),
        Interface::Contactless => contactless_atr(),
    }
}

/// Contact ATR: `3B 8n 80 31 FE 45 <hist> TCK`.
pub fn contact_atr() -> Vec<u8> {
    build(&[
        TD1_TD2_PRESENT_T0,
        TD2_TA3_TB3_T1,
        TA3_IFSC_254,
        TB3_BWI4_CWI5,
    ])
}

/// Contactless pseudo-ATR: `3B 8n 80 01 <hist> TCK`.
pub fn contactless_atr() -> Vec<u8> {
    build(&[TD1_TD2_PRESENT_T0, TD2_T1])
}

/// TS, T0 (Y1 = TD1 only, K = number of historical bytes), the interface
/// bytes from TD1 on, the historical bytes, TCK.
fn build(interface_bytes: &[u8]) -> Vec<u8> {
    let hist = historical_bytes();
    // 15 historical bytes at most: K is one nibble. Ours are a constant 10.
    let k = u8::try_from(hist.len()).unwrap_or(T0_K_MASK) & T0_K_MASK;
    let mut atr = vec![TS_DIRECT, T0_TD1_PRESENT | k];
    atr.extend_from_slice(interface_bytes);
    atr.extend_from_slice(&hist[..usize::from(k)]);
    atr.push(tck(&atr[1..]));
    atr
}

/// TCK: the byte that makes the XOR of T0 up to and including TCK zero
/// (ISO 7816-3 §8.2.5). `from_t0` starts at T0 (TS is not included).
pub fn tck(from_t0: &[u8]) -> u8 {
    from_t0.iter().fold(0, |acc, byte| acc ^ byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Historical bytes after walking T0 and the TDi chain (ISO 7816-3 §8.2.2),
    /// excluding TCK.
    fn parse_historical(atr: &[u8]) -> &[u8] {
        let k = usize::from(atr[1] & T0_K_MASK);
        let mut y_and_td = atr[1];
        let mut i = 2;
        loop {
            let y = y_and_td >> 4;
            let count = y.count_ones() as usize;
            let has_td = y & 0x8 != 0;
            i += count;
            if !has_td {
                break;
            }
            y_and_td = atr[i - 1];
        }
        &atr[i..i + k]
    }

    #[test]
    fn tck_of_published_atrs() {
        // From Ludovic Rousseau's smartcard_list.txt: German nPA (contactless
        // pseudo-ATR) and a YubiKey 4 (contact, T=1). Their XOR over T0..TCK is 0.
        let npa = [
            0x3B, 0x8A, 0x80, 0x01, 0x80, 0x31, 0xF8, 0x73, 0xF7, 0x41, 0xE0, 0x82, 0x90, 0x00,
            0x75,
        ];
        let yubikey = [
            0x3B, 0xF8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15, 0x59, 0x75, 0x62, 0x69, 0x6B,
            0x65, 0x79, 0x34, 0xD4,
        ];
        for atr in [&npa[..], &yubikey[..]] {
            let (body, last) = atr.split_at(atr.len() - 1);
            assert_eq!(tck(&body[1..]), last[0], "ATR {atr:02X?}");
        }
    }

    #[test]
    fn contactless_is_a_pcsc_pseudo_atr() {
        let atr = contactless_atr();
        assert_eq!(&atr[..4], &[0x3B, 0x8A, 0x80, 0x01]);
        assert_eq!(parse_historical(&atr), historical_bytes().as_slice());
        assert_eq!(atr.len(), 4 + 10 + 1);
        assert_eq!(tck(&atr[1..]), 0, "XOR of T0..TCK must be zero");
    }

    #[test]
    fn contact_offers_t1_with_ifsc_and_valid_tck() {
        let atr = contact_atr();
        assert_eq!(&atr[..6], &[0x3B, 0x8A, 0x80, 0x31, 0xFE, 0x45]);
        assert_eq!(parse_historical(&atr), historical_bytes().as_slice());
        assert_eq!(tck(&atr[1..]), 0, "XOR of T0..TCK must be zero");
        assert_ne!(atr, contactless_atr());
    }

    #[test]
    fn historical_bytes_name_neid() {
        let hist = historical_bytes();
        assert_eq!(hist[0], 0x80);
        assert!(hist.windows(4).any(|w| w == b"neid"));
        assert!(hist.len() <= 15);
    }
}
