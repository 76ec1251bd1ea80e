//! The encrypted zone (chip.md "Zones"; docs/spec/zones.md): seven field
//! EFs and a security object, read after PACE with PIN1, TA and CA.
//!
//! Field n (1..=7) is EF `0100 + n`, SFI n; EF.SOD is `0110`, SFI `10`.
//! Reading field n needs the read right of field n in the effective CHAT
//! (docs/spec/chat.md: "read DGn", bit 7 + n). A field the terminal is not
//! granted is reported denied, never dropped: the effective CHAT says so,
//! and the card's own answer (6982) is kept beside it.
//!
//! Each field EF holds one data object `A0|n { 80 value }` like the public
//! zone (public.md); text is UTF-8, the photo is kept as bytes. Content in
//! another shape is shown raw, never guessed at.

use card_os::protocol::cvc::{AccessRight, Chat};
use serde_json::{Value, json};

use crate::card::{CardError, read_binary_sfi, select_aid};
use crate::tlv;
use crate::transport::{Transport, TransportError};

/// AID of the encrypted application (ISO 7816-5 category D, country 158).
pub const ENCRYPTED_AID: [u8; 6] = [0xD1, 0x58, 0x00, 0x00, 0x01, 0x03];
/// EF.SOD of the zone: FID `0110`, SFI `10`.
pub const SFI_SOD: u8 = 0x10;
/// Field n's template is `A0 | n` (ISO 8825-1 §8.1.2), its value `80`.
const TAG_FIELD_BASE: u32 = 0xA0;
const TAG_VALUE: u32 = 0x80;
/// Security status not satisfied (ISO 7816-4 table 6).
pub const SW_SECURITY_STATUS: u16 = 0x6982;

/// The seven fields, numbered as on the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EncryptedField {
    SpouseName = 1,
    FatherName = 2,
    MotherName = 3,
    Birthplace = 4,
    Sex = 5,
    Photo = 6,
    Can = 7,
}

impl EncryptedField {
    pub const ALL: [EncryptedField; 7] = [
        Self::SpouseName,
        Self::FatherName,
        Self::MotherName,
        Self::Birthplace,
        Self::Sex,
        Self::Photo,
        Self::Can,
    ];

    /// 1..=7: the EF's SFI and the "read DGn" bit of the CHAT.
    pub fn number(self) -> u8 {
        self as u8
    }

    /// The reference holders' field names (reference-citizens.toml).
    pub fn name(self) -> &'static str {
        match self {
            Self::SpouseName => "spouse_name",
            Self::FatherName => "father_name",
            Self::MotherName => "mother_name",
            Self::Birthplace => "birthplace",
            Self::Sex => "sex",
            Self::Photo => "photo",
            Self::Can => "can",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn read_right(self) -> AccessRight {
        AccessRight::READS[usize::from(self.number()) - 1]
    }

    /// The write right, for the four fields the registry office changes.
    pub fn write_right(self) -> Option<AccessRight> {
        match self {
            Self::SpouseName => Some(AccessRight::WriteSpouseName),
            Self::FatherName => Some(AccessRight::WriteFatherName),
            Self::MotherName => Some(AccessRight::WriteMotherName),
            Self::Birthplace => Some(AccessRight::WriteBirthplace),
            _ => None,
        }
    }
}

/// Parse `a,b,c` into fields; an unknown name is an error naming it.
pub fn parse_fields(list: &str) -> Result<Vec<EncryptedField>, String> {
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let field = EncryptedField::from_name(name).ok_or_else(|| {
            let known: Vec<_> = EncryptedField::ALL.iter().map(|f| f.name()).collect();
            format!(
                "unknown encrypted-zone field `{name}` (known: {})",
                known.join(", ")
            )
        })?;
        if !out.contains(&field) {
            out.push(field);
        }
    }
    Ok(out)
}

/// A decoded field value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue {
    Text(String),
    /// The photo (or any value that is not UTF-8).
    Bytes(Vec<u8>),
}

/// What reading one field gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldOutcome {
    /// Read; `raw` is the EF content the security object hashes.
    Read { value: FieldValue, raw: Vec<u8> },
    /// Not read. `granted` says whether the effective CHAT holds the read
    /// right; `sw` is the card's refusal, when it answered one.
    Denied { granted: bool, sw: Option<u16> },
}

/// The encrypted zone as far as this terminal may read it.
#[derive(Clone, Debug)]
pub struct EncryptedReport {
    pub fields: Vec<(EncryptedField, FieldOutcome)>,
    /// EF.SOD bytes, or why it could not be read.
    pub security_object: Result<Vec<u8>, String>,
    pub effective_chat: Chat,
}

impl EncryptedReport {
    /// Names of the fields not read.
    pub fn denied(&self) -> Vec<&'static str> {
        self.fields
            .iter()
            .filter(|(_, o)| matches!(o, FieldOutcome::Denied { .. }))
            .map(|(f, _)| f.name())
            .collect()
    }

    /// `{ "father_name": "王大同", …, "denied": [...], "denied_detail": {...} }`
    /// (the security object result is added by the caller).
    pub fn to_json(&self) -> Value {
        let mut out = serde_json::Map::new();
        let mut detail = serde_json::Map::new();
        for (field, outcome) in &self.fields {
            match outcome {
                FieldOutcome::Read {
                    value: FieldValue::Text(t),
                    ..
                } => {
                    out.insert(field.name().into(), json!(t));
                }
                FieldOutcome::Read {
                    value: FieldValue::Bytes(b),
                    ..
                } => {
                    out.insert(field.name().into(), json!(hex::encode_upper(b)));
                }
                FieldOutcome::Denied { granted, sw } => {
                    detail.insert(
                        field.name().into(),
                        json!({ "granted_by_chat": granted, "card_sw": sw.map(|s| format!("{s:04X}")) }),
                    );
                }
            }
        }
        out.insert("denied".into(), json!(self.denied()));
        out.insert("denied_detail".into(), Value::Object(detail));
        out.insert(
            "effective_chat".into(),
            json!(
                self.effective_chat
                    .rights()
                    .map(|r| format!("{r:?}"))
                    .collect::<Vec<_>>()
            ),
        );
        Value::Object(out)
    }

    /// One line per field, for people.
    pub fn to_text(&self) -> String {
        let mut lines = Vec::new();
        for (field, outcome) in &self.fields {
            let line = match outcome {
                FieldOutcome::Read {
                    value: FieldValue::Text(t),
                    ..
                } => format!("{:<12} {t}", field.name()),
                FieldOutcome::Read {
                    value: FieldValue::Bytes(b),
                    ..
                } => {
                    format!("{:<12} {} bytes", field.name(), b.len())
                }
                FieldOutcome::Denied { granted, sw } => {
                    let why = if *granted {
                        "granted by the terminal's CHAT but refused by the card"
                    } else {
                        "denied: the effective CHAT does not grant it"
                    };
                    match sw {
                        Some(sw) => format!("{:<12} {why} (card answered {sw:04X})", field.name()),
                        None => format!("{:<12} {why}", field.name()),
                    }
                }
            };
            lines.push(line);
        }
        lines.join("\n")
    }
}

/// Decode the EF content of `field`: `A0|n { 80 value }` → text or bytes;
/// any other shape is kept as raw bytes.
pub fn decode_field(field: EncryptedField, content: &[u8]) -> FieldValue {
    let single = |bytes| match tlv::parse_one(bytes) {
        Ok((object, [])) => Some(object),
        _ => None,
    };
    let inner = single(content)
        .filter(|o| o.tag == TAG_FIELD_BASE | u32::from(field.number()))
        .and_then(|o| single(o.value))
        .filter(|o| o.tag == TAG_VALUE)
        .map(|o| o.value.to_vec());
    match inner {
        Some(value) if field != EncryptedField::Photo => match String::from_utf8(value) {
            Ok(text) => FieldValue::Text(text),
            Err(e) => FieldValue::Bytes(e.into_bytes()),
        },
        Some(value) => FieldValue::Bytes(value),
        None => FieldValue::Bytes(content.to_vec()),
    }
}

/// SELECT the zone and READ each of `fields`, then EF.SOD. Granted fields
/// are read first; the others are still asked, so the card's own answer is
/// reported. A transport error (the SM session ended) stops the reading.
pub fn read_encrypted(
    channel: &mut dyn Transport,
    fields: &[EncryptedField],
    effective_chat: Chat,
) -> Result<EncryptedReport, CardError> {
    select_aid(channel, &ENCRYPTED_AID)?;
    let granted = |f: &EncryptedField| effective_chat.contains(f.read_right());
    let mut order: Vec<EncryptedField> = fields.iter().copied().filter(granted).collect();
    order.extend(fields.iter().copied().filter(|f| !granted(f)));
    let mut results = Vec::new();
    for field in order {
        let outcome = match read_binary_sfi(channel, field.number()) {
            Ok(raw) => FieldOutcome::Read {
                value: decode_field(field, &raw),
                raw,
            },
            Err(CardError::Status { sw, .. }) => FieldOutcome::Denied {
                granted: granted(&field),
                sw: Some(sw),
            },
            Err(CardError::Transport(TransportError::ChannelClosed)) => FieldOutcome::Denied {
                granted: granted(&field),
                sw: None,
            },
            Err(other) => return Err(other),
        };
        results.push((field, outcome));
    }
    results.sort_by_key(|(f, _)| *f);
    let security_object = read_binary_sfi(channel, SFI_SOD).map_err(|e| e.to_string());
    Ok(EncryptedReport {
        fields: results,
        security_object,
        effective_chat,
    })
}
