//! The LDS1 data objects of the ICAO zone (ICAO 9303-10 §4.6-4.7):
//!
//! | EF | content |
//! |---|---|
//! | EF.COM | `60 { 5F01 "0107", 5F36 "040000", 5C tag list }` |
//! | DG1 | `61 { 5F1F <TD1 MRZ, 90 characters> }` |
//! | DG2 | `75 { 7F61 { 02 01 01, 7F60 { A1 {biometric header}, 5F2E <ISO/IEC 19794-5 record> } } }` |
//!
//! DG14 and DG15 are encoded by `card_os::protocol::ca::encode_dg14` and
//! `card_os::protocol::aa::encode_dg15`.

use alloc::vec::Vec;

use card_os::protocol::tlv;

/// EF.COM (ICAO 9303-10 §4.6.1).
pub const TAG_COM: u16 = 0x60;
pub const TAG_LDS_VERSION: u16 = 0x5F01;
pub const TAG_UNICODE_VERSION: u16 = 0x5F36;
pub const TAG_TAG_LIST: u16 = 0x5C;
/// LDS version 1.7 as "aabb" (§4.6.1.1) and Unicode 4.0.0 as "aabbcc".
pub const LDS_VERSION: &[u8] = b"0107";
pub const UNICODE_VERSION: &[u8] = b"040000";

/// Data group tags (ICAO 9303-10 Table 34).
pub const TAG_DG1: u8 = 0x61;
pub const TAG_DG2: u8 = 0x75;
pub const TAG_DG14: u8 = 0x6E;
pub const TAG_DG15: u8 = 0x6F;

/// DG1: the MRZ data element (ICAO 9303-10 §4.7.1).
pub const TAG_MRZ: u16 = 0x5F1F;

/// DG2 (ICAO 9303-10 §4.7.2, ISO/IEC 7816-11 CBEFF).
const TAG_BIOMETRIC_GROUP_TEMPLATE: u16 = 0x7F61;
const TAG_NUMBER_OF_INSTANCES: u16 = 0x02;
const TAG_BIOMETRIC_TEMPLATE: u16 = 0x7F60;
const TAG_BIOMETRIC_HEADER: u16 = 0xA1;
const TAG_HEADER_VERSION: u16 = 0x80;
const TAG_BIOMETRIC_TYPE: u16 = 0x81;
const TAG_BIOMETRIC_SUBTYPE: u16 = 0x82;
const TAG_FORMAT_OWNER: u16 = 0x87;
const TAG_FORMAT_TYPE: u16 = 0x88;
const TAG_BIOMETRIC_DATA: u16 = 0x5F2E;
/// One face.
const NUMBER_OF_INSTANCES: &[u8] = &[0x01];
/// ICAO header version 1.1 (ICAO 9303-10 Table 38).
const HEADER_VERSION: &[u8] = &[0x01, 0x01];
/// CBEFF biometric type "facial features" (ISO/IEC 19785-1), subtype: no information.
const BIOMETRIC_TYPE_FACE: &[u8] = &[0x02];
const BIOMETRIC_SUBTYPE_NONE: &[u8] = &[0x00];
/// Format owner ISO/IEC JTC 1/SC 37, format type "face image" (ISO/IEC 19794-5).
const FORMAT_OWNER_SC37: &[u8] = &[0x01, 0x01];
const FORMAT_TYPE_FACE: &[u8] = &[0x00, 0x08];

/// EF.COM listing the data groups present, by tag.
pub fn ef_com(data_group_tags: &[u8]) -> Vec<u8> {
    let mut inner = tlv::build(TAG_LDS_VERSION, LDS_VERSION);
    tlv::push(&mut inner, TAG_UNICODE_VERSION, UNICODE_VERSION);
    tlv::push(&mut inner, TAG_TAG_LIST, data_group_tags);
    tlv::build(TAG_COM, &inner)
}

/// DG1 holding the MRZ as printed (ASCII, lines concatenated).
pub fn dg1(mrz: &[u8]) -> Vec<u8> {
    tlv::build(u16::from(TAG_DG1), &tlv::build(TAG_MRZ, mrz))
}

/// DG2 with one facial record.
pub fn dg2(facial_record: &[u8]) -> Vec<u8> {
    let mut header = tlv::build(TAG_HEADER_VERSION, HEADER_VERSION);
    tlv::push(&mut header, TAG_BIOMETRIC_TYPE, BIOMETRIC_TYPE_FACE);
    tlv::push(&mut header, TAG_BIOMETRIC_SUBTYPE, BIOMETRIC_SUBTYPE_NONE);
    tlv::push(&mut header, TAG_FORMAT_OWNER, FORMAT_OWNER_SC37);
    tlv::push(&mut header, TAG_FORMAT_TYPE, FORMAT_TYPE_FACE);
    let mut template = tlv::build(TAG_BIOMETRIC_HEADER, &header);
    tlv::push(&mut template, TAG_BIOMETRIC_DATA, facial_record);
    let mut group = tlv::build(TAG_NUMBER_OF_INSTANCES, NUMBER_OF_INSTANCES);
    tlv::push(&mut group, TAG_BIOMETRIC_TEMPLATE, &template);
    tlv::build(u16::from(TAG_DG2), &tlv::build(TAG_BIOMETRIC_GROUP_TEMPLATE, &group))
}
