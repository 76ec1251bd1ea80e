//! Registry-office updates, terminal side (chip.md "Updates from the
//! registry office"; docs/spec/eac.md §Registry-office updates):
//! `PUT DATA 00 DA 00 00 {51 FID, 53 new field EF content, 77 new security
//! object}` inside an EAC session whose effective CHAT holds the field's
//! write right. The card verifies the security object with the
//! management-system key and the field's hash against it, then writes both
//! or nothing.
//!
//! The security object is passed as EF.SOD stores it: `77 L ContentInfo`
//! (security-object.md), which is itself the DO'77'.
//!
//! Zone updates built on it ([`update_public`], [`update_household`]): read
//! the zone's current field EFs in the EAC session, encode the changed
//! fields with the card's own encoders (`applets::public_fields`,
//! `applets::household`), and for the public zone re-sign the security
//! object over every field with the document signer before each PUT DATA.
//! The household zone has no security object: `51 FID, 53 content` only.

use card_os::protocol::sm::Command;
use card_os::protocol::tlv;
use thiserror::Error;

use crate::card::{CLA_PLAIN, CardError, read_binary_sfi, select_aid, sw_meaning, transmit};
use crate::household::{self, HOUSEHOLD_AID, HouseholdError};
use crate::public::{self, FIELD_COUNT, PUBLIC_AID, PublicData, PublicEf, PublicError};
use crate::transport::{Transport, TransportError};

/// A county, township or village as the household zone encodes it.
pub use applets::Division;

/// PUT DATA, even INS (ISO 7816-4 §11.4.6).
pub const INS_PUT_DATA: u8 = 0xDA;
/// DO'51': the FID of the field EF; DO'53': its new content (discretionary data).
const TAG_FILE_REFERENCE: u16 = 0x51;
const TAG_CONTENT: u16 = 0x53;
/// EF.SOD's own tag `77` ([APPLICATION 23], ICAO 9303-10 §4.6.2).
pub const TAG_SECURITY_OBJECT: u8 = 0x77;
const SW_OK: u16 = 0x9000;

#[derive(Debug, Error)]
pub enum UpdateError {
    #[error("PUT DATA (EF {fid:04X}): card answered {sw:04X} ({meaning}){hint}")]
    Card {
        fid: u16,
        sw: u16,
        meaning: &'static str,
        hint: &'static str,
    },
    #[error("PUT DATA: the security object must be EF.SOD bytes starting with tag 77")]
    SecurityObjectTag,
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error(transparent)]
    Read(#[from] CardError),
    #[error("public zone as read: {0}")]
    Public(#[from] PublicError),
    #[error("household zone as read: {0}")]
    Household(#[from] HouseholdError),
    #[error("new value refused: {0}")]
    Encode(String),
    #[error("security object: {0}")]
    SecurityObject(String),
}

/// FID of field EF n (`0100 + n`, zones.md) and the zone's EF.SOD SFI.
const FID_FIELD_BASE: u16 = 0x0100;
const SFI_SECURITY_OBJECT: u8 = 0x10;
/// Field numbers of the household address and the military-service status
/// in the public zone (public.md).
pub const PUBLIC_HOUSEHOLD_ADDRESS: u8 = 4;
pub const PUBLIC_MILITARY_SERVICE: u8 = 6;

/// What the registry office changes in the public zone (`None`: keep).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicChange {
    pub household_address_zh: Option<String>,
    pub household_address_en: Option<String>,
    pub village_code: Option<String>,
    /// A code word of public.md §Code words (`completed`, `exempted`, …).
    pub military_service: Option<String>,
}

impl PublicChange {
    pub fn is_empty(&self) -> bool {
        *self == PublicChange::default()
    }
}

/// What the registry office changes in the household zone (`None`: keep).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdChange {
    pub county: Option<applets::Division>,
    pub township: Option<applets::Division>,
    pub village: Option<applets::Division>,
    pub neighbourhood: Option<u16>,
}

impl HouseholdChange {
    pub fn is_empty(&self) -> bool {
        *self == HouseholdChange::default()
    }
}

fn cns(list: &[household::CnsAnnotation]) -> Vec<applets::CnsAnnotation> {
    list.iter().map(|c| applets::CnsAnnotation { index: c.index, plane: c.plane, code: c.code }).collect()
}

/// The card's decoded public data as the personalization encoder's input.
fn public_fields(data: &PublicData) -> applets::public_fields::PublicFields {
    applets::public_fields::PublicFields {
        name_zh: data.name_zh.clone(),
        name_en: data.name_en.clone(),
        name_mrz: data.name_mrz.clone(),
        name_cns: cns(&data.name_cns),
        id_number: data.id_number.clone(),
        date_of_birth: data.date_of_birth.to_compact(),
        household_address_zh: data.household_address_zh.clone(),
        household_address_en: data.household_address_en.clone(),
        village_code: data.village_code.clone(),
        address_cns: cns(&data.address_cns),
        marital_status: data.marital_status.code().to_owned(),
        military_service: data.military_service.code().to_owned(),
        card_number: data.card_number.clone(),
        renewal_date: data.renewal_date.map(|d| d.to_compact()),
        issue_date: data.issue_date.to_compact(),
    }
}

/// The new contents of the public fields `change` touches: (field number,
/// EF content). A new zh address drops the address's CNS annotations (their
/// indices belong to the old text).
pub fn public_changes(current: &[Vec<u8>; FIELD_COUNT], change: &PublicChange) -> Result<Vec<(u8, Vec<u8>)>, UpdateError> {
    let mut fields = public_fields(&public::decode(current)?);
    let mut touched = Vec::new();
    if change.household_address_zh.is_some() || change.household_address_en.is_some() || change.village_code.is_some() {
        if let Some(zh) = &change.household_address_zh {
            fields.household_address_zh = zh.clone();
            fields.address_cns.clear();
        }
        if let Some(en) = &change.household_address_en {
            fields.household_address_en = en.clone();
        }
        if let Some(code) = &change.village_code {
            fields.village_code = code.clone();
        }
        touched.push(PUBLIC_HOUSEHOLD_ADDRESS);
    }
    if let Some(code) = &change.military_service {
        fields.military_service = code.clone();
        touched.push(PUBLIC_MILITARY_SERVICE);
    }
    let encoded = applets::public_fields::encode(&fields).map_err(|e| UpdateError::Encode(e.to_string()))?;
    Ok(touched
        .into_iter()
        .filter_map(|n| encoded.get(usize::from(n) - 1).map(|content| (n, content.clone())))
        .filter(|(n, content)| current.get(usize::from(*n) - 1) != Some(content))
        .collect())
}

/// Sends the changed fields of a zone with a security object, one PUT DATA
/// each: `contents` (all fields, by number) is updated field by field and
/// the security object re-signed over all of them with `signer`, so each
/// command's object matches the card's other fields (eac.md).
pub fn put_signed_fields(
    channel: &mut dyn Transport,
    contents: &mut [(u8, Vec<u8>)],
    changes: &[(u8, Vec<u8>)],
    hash: pki::HashAlgorithm,
    signer: &pki::DocumentSigner,
) -> Result<(), UpdateError> {
    for (n, content) in changes {
        if let Some(slot) = contents.iter_mut().find(|(m, _)| m == n) {
            slot.1 = content.clone();
        }
        let fields: Vec<(u8, &[u8])> = contents.iter().map(|(m, c)| (*m, c.as_slice())).collect();
        let so = pki::sign_security_object(hash, &fields, signer).map_err(|e| UpdateError::SecurityObject(e.to_string()))?;
        put_data(channel, FID_FIELD_BASE + u16::from(*n), content, &so)?;
    }
    Ok(())
}

/// The public zone update over an EAC session of a privileged terminal
/// (the card lets it read the zone in its PIN1 session): read the nine
/// fields and EF.SOD, encode the change, re-sign with the hash algorithm of
/// the current object, PUT DATA. Returns the numbers of the fields written
/// (none when the change leaves every field as it is).
pub fn update_public(
    channel: &mut dyn Transport,
    change: &PublicChange,
    signer: &pki::DocumentSigner,
) -> Result<Vec<u8>, UpdateError> {
    select_aid(channel, &PUBLIC_AID)?;
    let mut current: [Vec<u8>; FIELD_COUNT] = Default::default();
    for (slot, ef) in current.iter_mut().zip(PublicEf::ALL) {
        *slot = read_binary_sfi(channel, ef.sfi())?;
    }
    let sod = read_binary_sfi(channel, SFI_SECURITY_OBJECT)?;
    let hash = pki::verify_security_object_without_chain(&sod, None)
        .map_err(|e| UpdateError::SecurityObject(format!("the card's current object: {e}")))?
        .hash_algorithm();
    let changes = public_changes(&current, change)?;
    let mut contents: Vec<(u8, Vec<u8>)> = (1u8..).zip(current).collect();
    put_signed_fields(channel, &mut contents, &changes, hash, signer)?;
    Ok(changes.into_iter().map(|(n, _)| n).collect())
}

fn division(d: &household::Division) -> applets::Division {
    applets::Division { code: d.code.clone(), name_zh: d.name_zh.clone(), name_en: d.name_en.clone(), cns: cns(&d.cns) }
}

/// The new contents of the household fields `change` touches.
pub fn household_changes(current: &household::Household, change: &HouseholdChange) -> Result<Vec<(u8, Vec<u8>)>, UpdateError> {
    let neighbourhood = u16::try_from(current.neighbourhood)
        .map_err(|_| UpdateError::Encode(format!("neighbourhood {} on the card is out of range", current.neighbourhood)))?;
    let before = applets::HouseholdInput {
        county: division(&current.county),
        township: division(&current.township),
        village: division(&current.village),
        neighbourhood,
    };
    let after = applets::HouseholdInput {
        county: change.county.clone().unwrap_or_else(|| before.county.clone()),
        township: change.township.clone().unwrap_or_else(|| before.township.clone()),
        village: change.village.clone().unwrap_or_else(|| before.village.clone()),
        neighbourhood: change.neighbourhood.unwrap_or(before.neighbourhood),
    };
    let encode = |input: &applets::HouseholdInput| {
        applets::household::encode(input).map_err(|e| UpdateError::Encode(e.to_string()))
    };
    let (old, new) = (encode(&before)?, encode(&after)?);
    Ok((1u8..).zip(old.into_iter().zip(new)).filter(|(_, (o, n))| o != n).map(|(k, (_, n))| (k, n)).collect())
}

/// The household zone update: read the four fields (free), encode the
/// change, PUT DATA `51 FID, 53 content` for each changed field.
pub fn update_household(channel: &mut dyn Transport, change: &HouseholdChange) -> Result<Vec<u8>, UpdateError> {
    let current = household::read_household(channel)?;
    let changes = household_changes(&current, change)?;
    select_aid(channel, &HOUSEHOLD_AID)?;
    for (n, content) in &changes {
        put_data_unsigned(channel, FID_FIELD_BASE + u16::from(*n), content)?;
    }
    Ok(changes.into_iter().map(|(n, _)| n).collect())
}

/// The data field `51 FID, 53 content, 77 …` (the SO already is the DO'77').
pub fn put_data_field(
    fid: u16,
    content: &[u8],
    security_object: &[u8],
) -> Result<Vec<u8>, UpdateError> {
    if security_object.first() != Some(&TAG_SECURITY_OBJECT) {
        return Err(UpdateError::SecurityObjectTag);
    }
    let mut data = tlv::build(TAG_FILE_REFERENCE, &fid.to_be_bytes());
    tlv::push(&mut data, TAG_CONTENT, content);
    data.extend_from_slice(security_object);
    Ok(data)
}

/// Send PUT DATA for one field and its zone's new security object (the
/// zone's application must be selected).
pub fn put_data(
    channel: &mut dyn Transport,
    fid: u16,
    content: &[u8],
    security_object: &[u8],
) -> Result<(), UpdateError> {
    let data = put_data_field(fid, content, security_object)?;
    send_put_data(channel, fid, data)
}

/// PUT DATA `51 FID, 53 content` without a security object: the household
/// zone (registry_update.rs on the card).
pub fn put_data_unsigned(channel: &mut dyn Transport, fid: u16, content: &[u8]) -> Result<(), UpdateError> {
    let mut data = tlv::build(TAG_FILE_REFERENCE, &fid.to_be_bytes());
    tlv::push(&mut data, TAG_CONTENT, content);
    send_put_data(channel, fid, data)
}

fn send_put_data(channel: &mut dyn Transport, fid: u16, data: Vec<u8>) -> Result<(), UpdateError> {
    let bytes = Command {
        cla: CLA_PLAIN,
        ins: INS_PUT_DATA,
        p1: 0,
        p2: 0,
        data,
        ne: None,
    }
    .to_bytes()
    .map_err(TransportError::SecureMessaging)?;
    let sw = transmit(channel, &bytes)?.sw;
    if sw == SW_OK {
        return Ok(());
    }
    let hint = match sw {
        0x6982 => {
            " — the terminal's effective CHAT lacks the field's write right, or CA v2 did not run"
        }
        0x6D00 => " — this card does not support registry-office updates",
        0x6300 => {
            " — the card refused the security object: not signed with its management key, or a field hash does not match"
        }
        0x6A80 => " — the card found the data field or the security object malformed",
        _ => "",
    };
    Err(UpdateError::Card {
        fid,
        sw,
        meaning: sw_meaning(sw),
        hint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adult() -> [Vec<u8>; FIELD_COUNT] {
        applets::public_fields::encode(&applets::public_fields::PublicFields {
            name_zh: "王小明".into(),
            name_en: "WANG, HSIAO-MING".into(),
            name_mrz: "WANG<<HSIAO<MING".into(),
            name_cns: Vec::new(),
            id_number: "A123456789".into(),
            date_of_birth: "19900315".into(),
            household_address_zh: "臺北市大安區龍泉里5鄰和平東路一段100號".into(),
            household_address_en: "No. 100, Sec. 1, Heping E. Rd., Longquan Vil., Da'an Dist., Taipei City".into(),
            village_code: "63000030-017".into(),
            address_cns: Vec::new(),
            marital_status: "married".into(),
            military_service: "completed".into(),
            card_number: "210012345".into(),
            renewal_date: Some("20360314".into()),
            issue_date: "20260315".into(),
        })
        .unwrap()
    }

    #[test]
    fn public_changes_touch_only_the_changed_fields() {
        let current = adult();
        let military = PublicChange { military_service: Some("exempted".into()), ..PublicChange::default() };
        let changes = public_changes(&current, &military).unwrap();
        assert_eq!(changes, vec![(PUBLIC_MILITARY_SERVICE, hex_bytes("A60A8008657865 6D70746564"))]);
        // The value the card already holds: nothing to send.
        let same = PublicChange { military_service: Some("completed".into()), ..PublicChange::default() };
        assert!(public_changes(&current, &same).unwrap().is_empty());
        // A code word the spec does not list is refused before any APDU.
        let bad = PublicChange { military_service: Some("retired".into()), ..PublicChange::default() };
        assert!(matches!(public_changes(&current, &bad), Err(UpdateError::Encode(_))));
        let moved = PublicChange { village_code: Some("63000020-005".into()), ..PublicChange::default() };
        let changes = public_changes(&current, &moved).unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].0, PUBLIC_HOUSEHOLD_ADDRESS);
        assert!(changes[0].1.ends_with(b"\x82\x0C63000020-005"));
    }

    fn hex_bytes(text: &str) -> Vec<u8> {
        hex::decode(text.replace(' ', "")).unwrap()
    }

    #[test]
    fn data_field_is_51_53_then_the_sod() {
        let data = put_data_field(0x0102, &[0xA2, 0x01, 0x00], &[0x77, 0x01, 0x30]).unwrap();
        assert_eq!(
            data,
            [
                0x51, 0x02, 0x01, 0x02, 0x53, 0x03, 0xA2, 0x01, 0x00, 0x77, 0x01, 0x30
            ]
        );
        assert!(matches!(
            put_data_field(1, &[], &[0x30]),
            Err(UpdateError::SecurityObjectTag)
        ));
    }
}
