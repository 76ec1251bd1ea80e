//! The facial image of DG2 (ICAO 9303-10 §4.7.2): `75 { 7F61 { 02 n,
//! 7F60 { A1 header, 5F2E | 7F2E biometric data block } } }`. The block is an
//! ISO/IEC 19794-5 facial record whose image data is JPEG or JPEG 2000; the
//! image is found by its signature, so the record header's version does not
//! matter.

use crate::tlv;

/// Biometric data block tags: primitive `5F2E`, constructed `7F2E` (ICAO 9303-10 §4.7.2.1).
const BDB_TAGS: [u32; 2] = [0x5F2E, 0x7F2E];
/// JPEG start of image + marker (ISO/IEC 10918-1 B.1.1.3).
const JPEG_SOI: [u8; 3] = [0xFF, 0xD8, 0xFF];
/// JP2 signature box (ISO/IEC 15444-1 I.5.1).
const JP2_SIGNATURE: [u8; 12] = [
    0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, 0x0D, 0x0A, 0x87, 0x0A,
];
/// JPEG 2000 codestream SOC + SIZ (ISO/IEC 15444-1 A.4.1).
const J2K_SOC_SIZ: [u8; 4] = [0xFF, 0x4F, 0xFF, 0x51];

/// One image, with the file extension of its format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaceImage {
    pub extension: &'static str,
    pub bytes: Vec<u8>,
}

/// The first facial image in DG2, if any.
pub fn face_image(dg2: &[u8]) -> Option<FaceImage> {
    let block = find_biometric_data_block(dg2)?;
    for (signature, extension) in [
        (&JPEG_SOI[..], "jpg"),
        (&JP2_SIGNATURE[..], "jp2"),
        (&J2K_SOC_SIZ[..], "j2k"),
    ] {
        if let Some(start) = block.windows(signature.len()).position(|w| w == signature) {
            return Some(FaceImage {
                extension,
                bytes: block[start..].to_vec(),
            });
        }
    }
    None
}

/// Depth-first search for the first biometric data block.
fn find_biometric_data_block(bytes: &[u8]) -> Option<&[u8]> {
    let mut rest = bytes;
    while !rest.is_empty() && !tlv::is_padding(rest) {
        let (object, after) = tlv::parse_one(rest).ok()?;
        if BDB_TAGS.contains(&object.tag) {
            return Some(object.value);
        }
        if object.constructed
            && let Some(found) = find_biometric_data_block(object.value)
        {
            return Some(found);
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::icao::dg1::tlv_build;

    #[test]
    fn jpeg_inside_the_nested_template() {
        let mut record = b"FAC\x00010\x00".to_vec();
        record.extend_from_slice(&[0u8; 20]);
        record.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9]);
        let bdb = tlv_build(0x5F2E, &record);
        let mut template = tlv_build(0xA1, &[0x80, 0x02, 0x01, 0x01]);
        template.extend(bdb);
        let mut group = tlv_build(0x02, &[1]);
        group.extend(tlv_build(0x7F60, &template));
        let dg2 = tlv_build(0x75, &tlv_build(0x7F61, &group));
        let face = face_image(&dg2).unwrap();
        assert_eq!(face.extension, "jpg");
        assert_eq!(
            face.bytes,
            vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9]
        );
    }

    #[test]
    fn jp2_and_nothing() {
        let mut record = vec![0u8; 10];
        record.extend_from_slice(&JP2_SIGNATURE);
        record.extend_from_slice(b"rest");
        let dg2 = tlv_build(0x75, &tlv_build(0x7F2E, &record));
        assert_eq!(face_image(&dg2).unwrap().extension, "jp2");
        assert_eq!(
            face_image(&tlv_build(0x75, &tlv_build(0x5F2E, b"no image"))),
            None
        );
        assert_eq!(face_image(&[0x75, 0x05, 0x01]), None);
    }
}
