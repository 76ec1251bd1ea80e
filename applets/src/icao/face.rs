//! The facial record of DG2: ISO/IEC 19794-5:2005 (the format ICAO 9303-10
//! §4.7.2 names for DG2) with one frontal image, and a synthetic face for
//! test cards.
//!
//! ```text
//! Facial Record Header     'FAC\0' '010\0' record length (4) number of images (2)   14 bytes
//! Facial Information       block length (4) feature points (2) gender (1) eye (1)
//!                          hair (1) feature mask (3) expression (2) pose (3)
//!                          pose uncertainty (3)                                  20 bytes
//! Image Information        face image type (1) image data type (1) width (2)
//!                          height (2) colour space (1) source type (1)
//!                          device type (2) quality (2)                           12 bytes
//! Image Data               the JPEG
//! ```
//! Every "unspecified" field is 0 (ISO/IEC 19794-5 §5.5).

use alloc::vec::Vec;

/// Format identifier and version (ISO/IEC 19794-5 §5.4.1, §5.4.2).
const FORMAT_IDENTIFIER: &[u8; 4] = b"FAC\0";
const VERSION: &[u8; 4] = b"010\0";
const RECORD_HEADER_LEN: usize = 14;
const FACIAL_INFORMATION_LEN: usize = 20;
const IMAGE_INFORMATION_LEN: usize = 12;
/// One facial image per record.
const NUMBER_OF_IMAGES: u16 = 1;
/// Face image type: full frontal (§5.7.1); image data type: JPEG (§5.7.2).
const FACE_IMAGE_TYPE_FULL_FRONTAL: u8 = 0x01;
const IMAGE_DATA_TYPE_JPEG: u8 = 0x00;
/// Colour space: greyscale (§5.7.5); source type: static photo, digital still camera (§5.7.6).
const COLOUR_SPACE_GREY: u8 = 0x03;
const SOURCE_TYPE_STATIC_PHOTO_DIGITAL_STILL: u8 = 0x02;

/// A synthetic 8×8 grey (level 128) baseline JPEG: DQT of ones, one DC and
/// one AC Huffman code, a single block with DC difference 0 and EOB.
/// Checked with libjpeg's `djpeg` (8×8, every pixel 128): see
/// docs/spec/icao.md §DG2.
pub const SYNTHETIC_FACE_JPEG: &[u8] = &[
    0xFF, 0xD8, // SOI
    0xFF, 0xDB, 0x00, 0x43, 0x00, // DQT, table 0, 8-bit
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, //
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, //
    0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x08, 0x00, 0x08, 0x01, 0x01, 0x11, 0x00, // SOF0 8×8, 1 component
    0xFF, 0xC4, 0x00, 0x14, 0x00, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, // DHT DC 0
    0xFF, 0xC4, 0x00, 0x14, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, // DHT AC 0
    0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, // SOS
    0x3F, // DC diff 0 ('0'), EOB ('0'), padding ones
    0xFF, 0xD9, // EOI
];
pub const SYNTHETIC_FACE_WIDTH: u16 = 8;
pub const SYNTHETIC_FACE_HEIGHT: u16 = 8;

/// A face image to store in DG2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceImage {
    /// A JPEG (ISO/IEC 10918-1).
    pub jpeg: Vec<u8>,
    pub width: u16,
    pub height: u16,
}

impl FaceImage {
    /// The synthetic face of test cards.
    pub fn synthetic() -> FaceImage {
        FaceImage {
            jpeg: SYNTHETIC_FACE_JPEG.to_vec(),
            width: SYNTHETIC_FACE_WIDTH,
            height: SYNTHETIC_FACE_HEIGHT,
        }
    }

    /// The ISO/IEC 19794-5 facial record; `None` when it would exceed the
    /// 4-byte record length.
    pub fn facial_record(&self) -> Option<Vec<u8>> {
        let block_len = FACIAL_INFORMATION_LEN + IMAGE_INFORMATION_LEN + self.jpeg.len();
        let record_len = u32::try_from(RECORD_HEADER_LEN + block_len).ok()?;
        let block_len = u32::try_from(block_len).ok()?;
        let mut out = Vec::with_capacity(record_len as usize);
        out.extend_from_slice(FORMAT_IDENTIFIER);
        out.extend_from_slice(VERSION);
        out.extend_from_slice(&record_len.to_be_bytes());
        out.extend_from_slice(&NUMBER_OF_IMAGES.to_be_bytes());
        // Facial information: no feature points, every attribute unspecified.
        out.extend_from_slice(&block_len.to_be_bytes());
        out.extend_from_slice(&[0; FACIAL_INFORMATION_LEN - 4]);
        // Image information.
        out.push(FACE_IMAGE_TYPE_FULL_FRONTAL);
        out.push(IMAGE_DATA_TYPE_JPEG);
        out.extend_from_slice(&self.width.to_be_bytes());
        out.extend_from_slice(&self.height.to_be_bytes());
        out.push(COLOUR_SPACE_GREY);
        out.push(SOURCE_TYPE_STATIC_PHOTO_DIGITAL_STILL);
        out.extend_from_slice(&[0, 0, 0, 0]); // device type, quality: unspecified
        out.extend_from_slice(&self.jpeg);
        Some(out)
    }
}
