//! The personalized card seen through APDUs: household zone, card-level files,
//! SELECT variants, FCP, and the error status words.

mod common;

use common::*;
use card_os::Interface;

#[test]
fn household_by_aid_and_sfi_on_both_interfaces() {
    for interface in [Interface::Contact, Interface::Contactless] {
        let mut c = card(&adult_input(), interface);
        assert_eq!(tx(&mut c, SELECT_HOUSEHOLD), "9000");
        // Le = exact length → 9000; Le = 00 (Ne 256) → end of file reached, 6282.
        assert_eq!(tx(&mut c, "00B0810021"), format!("{COUNTY}9000"));
        assert_eq!(tx(&mut c, "00B0820000"), format!("{TOWNSHIP}6282"));
        assert_eq!(tx(&mut c, "00B0830000"), format!("{VILLAGE}6282"));
        assert_eq!(tx(&mut c, "00B0840000"), format!("{NEIGHBOURHOOD}6282"));
    }
}

#[test]
fn household_by_fid_and_offset() {
    let mut c = card(&adult_input(), Interface::Contactless);
    assert_eq!(tx(&mut c, SELECT_HOUSEHOLD), "9000");
    assert_eq!(tx(&mut c, "00A4020C020101"), "9000");
    assert_eq!(tx(&mut c, "00B0000000"), format!("{COUNTY}6282"));
    // Offset 2, 5 bytes: 80 05 "630".
    assert_eq!(tx(&mut c, "00B0000205"), "80053633309000");
    // The current EF follows an SFI read.
    assert_eq!(tx(&mut c, "00B0840000"), format!("{NEIGHBOURHOOD}6282"));
    assert_eq!(tx(&mut c, "00B0000100"), "03800135 6282".replace(' ', ""));
}

#[test]
fn odd_read_binary_wraps_in_do53() {
    let mut c = card(&adult_input(), Interface::Contact);
    tx(&mut c, SELECT_HOUSEHOLD);
    // P1-P2 = 0004: SFI 04; DO'54' offset 0.
    assert_eq!(tx(&mut c, "00B10004035401 0000"), "5305A4038001356282");
    // Current EF (0000) at offset 2, Ne 5: DO'53' with 3 bytes, more remain → 9000.
    assert_eq!(tx(&mut c, "00B1000003540102 05"), "5303800135 9000".replace(' ', ""));
    // FID form.
    assert_eq!(tx(&mut c, "00B10104035401 0000"), "5305A4038001356282");
    // Missing DO'54' → 6A80.
    assert_eq!(tx(&mut c, "00B100000353010000"), "6A80");
}

#[test]
fn select_by_path_and_parent() {
    let mut c = card(&adult_input(), Interface::Contact);
    assert_eq!(tx(&mut c, "00A4080C04DF010104"), "9000");
    assert_eq!(tx(&mut c, "00B0000000"), format!("{NEIGHBOURHOOD}6282"));
    assert_eq!(tx(&mut c, "00A4080C02DF01"), "9000");
    assert_eq!(tx(&mut c, "00A4090C020103"), "9000");
    assert_eq!(tx(&mut c, "00B0000000"), format!("{VILLAGE}6282"));
    // Parent of DF01 is the MF: EF.DIR readable by SFI there.
    assert_eq!(tx(&mut c, "00A4030C"), "9000");
    assert!(tx(&mut c, "00B09E0000").starts_with("61"));
    // A path through an EF is not a path.
    assert_eq!(tx(&mut c, "00A4080C06DF0101010101"), "6A82");
    // MF by FID, and by empty data.
    assert_eq!(tx(&mut c, "00A4000C023F00"), "9000");
    assert_eq!(tx(&mut c, "00A4000C"), "9000");
}

#[test]
fn ef_dir_lists_enabled_applications() {
    let mut c = card(&adult_input(), Interface::Contactless);
    let expected = concat!(
        "611A4F07A0000002471001500F4943414F20654D525444204C445331",
        "611B4F06D158000001015011486F757365686F6C642061646472657373",
        "61154F06D15800000102500B5075626C69632064617461",
        "61184F06D15800000103500E456E637279707465642064617461",
        "611C4F0CA000000063504B43532D3135500C4365727469666963617465 73",
    )
    .replace(' ', "");
    assert_eq!(tx(&mut c, "00B09E0000"), format!("{expected}6282"));
    // EF.CardAccess: one PACEInfo, id-PACE-ECDH-GM-AES-CBC-CMAC-256, version 2,
    // parameterId 15 (NIST P-384), the default PaceSetup (ICAO 9303-11 §9.2.1).
    assert_eq!(tx(&mut c, "00B09C0000"), "3114 3012060A04007F00070202040204020102 02010F 6282".replace(' ', ""));

    let mut input = adult_input();
    input.zones.icao = false;
    input.zones.certificate = false;
    let mut c = card(&input, Interface::Contact);
    let expected = concat!(
        "611B4F06D158000001015011486F757365686F6C642061646472657373",
        "61154F06D15800000102500B5075626C69632064617461",
        "61184F06D15800000103500E456E637279707465642064617461",
    );
    assert_eq!(tx(&mut c, "00B09E0000"), format!("{expected}6282"));
    assert_eq!(tx(&mut c, "00A4040C07A0000002471001"), "6A82");
}

#[test]
fn fcp_and_fci() {
    let mut c = card(&adult_input(), Interface::Contact);
    // EF.DIR: descriptor 01, FID 2F00, size, SFI 1E (F0), LCS 05 operational.
    // Size: the five application templates, 2 + 0x1A, 0x1B, 0x15, 0x18, 0x1C bytes.
    let dir_len = 10 + 0x1A + 0x1B + 0x15 + 0x18 + 0x1C;
    assert_eq!(
        tx(&mut c, "00A40204022F0000"),
        format!("6211820101 83022F00 8002{dir_len:04X} 8801F0 8A0105 9000").replace(' ', "")
    );
    assert_eq!(
        tx(&mut c, "00A4040406D1580000010100"),
        "6212820138 8302DF01 8406D15800000101 8A0105 9000".replace(' ', "")
    );
    // FCI template 6F with the same content.
    assert_eq!(
        tx(&mut c, "00A4040006D1580000010100"),
        "6F12820138 8302DF01 8406D15800000101 8A0105 9000".replace(' ', "")
    );
    // Le absent: no response data (ISO 7816-4 §5.1).
    assert_eq!(tx(&mut c, "00A4040006D15800000101"), "9000");
    // Le too small: 6Cxx with the exact length, selection unchanged.
    assert_eq!(tx(&mut c, "00A4000C023F00"), "9000");
    assert_eq!(tx(&mut c, "00A4020402010100"), "6A82");
    assert_eq!(tx(&mut c, "00A4040406D1580000010105"), "6C14");
    assert_eq!(tx(&mut c, "00B0810000"), "6A82");
}

#[test]
fn error_status_words() {
    let mut c = card(&adult_input(), Interface::Contact);
    // No current EF at the MF.
    assert_eq!(tx(&mut c, "00B0000000"), "6986");
    tx(&mut c, SELECT_HOUSEHOLD);
    // Offset past the end of EF.County (33 bytes).
    assert_eq!(tx(&mut c, "00B0812200"), "6B00");
    assert_eq!(tx(&mut c, "00B0812100"), "6282");
    // SFI not present, SFI 0, RFU bits in P1.
    assert_eq!(tx(&mut c, "00B0850000"), "6A82");
    assert_eq!(tx(&mut c, "00B0800000"), "6A86");
    assert_eq!(tx(&mut c, "00B0A10000"), "6A86");
    // READ BINARY without Le, or with data.
    assert_eq!(tx(&mut c, "00B08100"), "6700");
    // Unknown application, unknown P1, FMD, wrong Lc for P1=02.
    assert_eq!(tx(&mut c, "00A4040C06D15800000199"), "6A82");
    assert_eq!(tx(&mut c, "00A4050C020101"), "6A86");
    assert_eq!(tx(&mut c, "00A4040806D15800000101"), "6A86");
    assert_eq!(tx(&mut c, "00A4020C03010101"), "6700");
    // Malformed lengths.
    assert_eq!(tx(&mut c, "00A404"), "6700");
    assert_eq!(tx(&mut c, "00A4040C06D158"), "6700");
    // Unsupported INS inside an application and at the MF.
    assert_eq!(tx(&mut c, "00E0000100"), "6D00");
    tx(&mut c, "00A4000C");
    assert_eq!(tx(&mut c, "00CA010000"), "6D00");
    // Invalid and unsupported classes; other logical channels; SM not yet.
    assert_eq!(tx(&mut c, "FFA4000C"), "6E00");
    assert_eq!(tx(&mut c, "80CA000000"), "6E00");
    assert_eq!(tx(&mut c, "01A4000C"), "6881");
    assert_eq!(tx(&mut c, "0CB0810000"), "6882");
    // The household fields cannot be updated.
    tx(&mut c, SELECT_HOUSEHOLD);
    assert_eq!(tx(&mut c, "00D6810001FF"), "6982");
}

#[test]
fn protected_zones_answer_6982() {
    for interface in [Interface::Contact, Interface::Contactless] {
        let mut c = card(&adult_input(), interface);
        assert_eq!(tx(&mut c, "00A4040C06D15800000102"), "9000");
        for sfi in ["81", "85", "89", "90"] {
            assert_eq!(tx(&mut c, &format!("00B0{sfi}0000")), "6982");
        }
        assert_eq!(tx(&mut c, "00A4040C06D15800000103"), "9000");
        assert_eq!(tx(&mut c, "00B0810000"), "6982");
        assert_eq!(tx(&mut c, "00A4040C0CA000000063504B43532D3135"), "9000");
        assert_eq!(tx(&mut c, "00A4020C025031"), "9000");
        assert_eq!(tx(&mut c, "00B0000000"), "6982");
        assert_eq!(tx(&mut c, "00A4040C07A0000002471001"), "9000");
        assert_eq!(tx(&mut c, "00B09E0000"), "6982");
        assert_eq!(tx(&mut c, "00B0810000"), "6982");
    }
}
