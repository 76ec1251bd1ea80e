//! Reading the PKCS#15 files of the certificate zone (ISO/IEC 7816-15 §8,
//! PKCS #15 v1.1 §6; contents in docs/spec/certificate-zone.md §PKCS#15 files).
//!
//! The encodings read, in the module's IMPLICIT TAGS (X.680 §31.2.7: a
//! tag on a parameterized type is explicit):
//!
//! * EF.ODF: `[n] Path` per directory, `Path ::= SEQUENCE { path OCTET
//!   STRING, … }` — `A0` PrKDF, `A1` PuKDF, `A4` CDF, `A8` AODF.
//! * EF.TokenInfo: `SEQUENCE { version, serialNumber OCTET STRING,
//!   manufacturerID UTF8String OPTIONAL, label [0] OPTIONAL, tokenflags … }`.
//! * directory entries: `PKCS15Object ::= SEQUENCE { commonObjectAttributes,
//!   classAttributes, subClassAttributes [0] OPTIONAL, typeAttributes [1] }`;
//!   `privateRSAKey` / `publicRSAKey` / `x509Certificate` / `pin` untagged
//!   (`30`), `privateECKey` / `publicECKey` `[0]` (`A0`). `[0]`/`[1]` of the
//!   attributes are explicit (`A1 { 30 … }`); an implicit `A1 { … }` is read
//!   too.
//!
//! Directory files may end in `00`/`FF` padding (ISO 7816-15 §8.4).

use crate::tlv::{self, Tlv};

use super::mechanism::KeyAlgorithm;

/// Universal tags (X.690 §8).
const TAG_BOOLEAN: u32 = 0x01;
const TAG_INTEGER: u32 = 0x02;
const TAG_BIT_STRING: u32 = 0x03;
const TAG_OCTET_STRING: u32 = 0x04;
const TAG_ENUMERATED: u32 = 0x0A;
const TAG_UTF8_STRING: u32 = 0x0C;
const TAG_SEQUENCE: u32 = 0x30;
/// Context tags: `[0]` primitive (TokenInfo label, PinAttributes
/// pinReference), `[0]`/`[1]` constructed (EC key choice, sub-class and type attributes).
const TAG_CONTEXT_0: u32 = 0x80;
const TAG_CONTEXT_0_CONSTRUCTED: u32 = 0xA0;
const TAG_CONTEXT_1_CONSTRUCTED: u32 = 0xA1;
/// PKCS15Objects choices of EF.ODF (PKCS #15 v1.1 §6.4.1).
pub const ODF_PRIVATE_KEYS: u32 = 0xA0;
pub const ODF_PUBLIC_KEYS: u32 = 0xA1;
pub const ODF_CERTIFICATES: u32 = 0xA4;
pub const ODF_AUTH_OBJECTS: u32 = 0xA8;
/// DER TRUE (X.690 §11.1).
const DER_TRUE: u8 = 0xFF;
/// The FIDs a path may run through to an EF of the zone: MF, then DF `5015`.
const FID_MF: [u8; 2] = [0x3F, 0x00];
const FID_APPLICATION: [u8; 2] = [0x50, 0x15];
const FID_LEN: usize = 2;

/// Why a PKCS#15 file does not read: the caller names the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub String);

type Result<T> = std::result::Result<T, Malformed>;

fn malformed(reason: impl Into<String>) -> Malformed {
    Malformed(reason.into())
}

impl From<tlv::TlvError> for Malformed {
    fn from(error: tlv::TlvError) -> Self {
        Malformed(format!("not DER: {error}"))
    }
}

/// The top-level objects of a file, trailing `00`/`FF` padding skipped.
fn file_objects(content: &[u8]) -> Result<Vec<Tlv<'_>>> {
    let mut objects = Vec::new();
    let mut rest = content;
    while !rest.is_empty() && !tlv::is_padding(rest) {
        let (object, after) = tlv::parse_one(rest)?;
        objects.push(object);
        rest = after;
    }
    Ok(objects)
}

fn children<'a>(object: &Tlv<'a>) -> Result<Vec<Tlv<'a>>> {
    Ok(tlv::parse_all(object.value)?)
}

/// A non-negative INTEGER of at most 32 bits. A one-byte value with b8 set
/// (e.g. pinReference `81`, which DER would write `00 81`) is read as
/// unsigned, as middleware does.
fn unsigned(value: &[u8], field: &str) -> Result<u32> {
    let start = value.iter().position(|&b| b != 0).unwrap_or(value.len());
    let magnitude = &value[start..];
    if value.is_empty() || magnitude.len() > 4 {
        return Err(malformed(format!("{field}: not an INTEGER of at most 32 bits")));
    }
    Ok(magnitude.iter().fold(0, |n, &b| (n << 8) | u32::from(b)))
}

fn utf8(value: &[u8], field: &str) -> Result<String> {
    String::from_utf8(value.to_vec()).map_err(|_| malformed(format!("{field}: not UTF-8")))
}

fn expect<'a>(object: Option<&Tlv<'a>>, tag: u32, field: &str) -> Result<Tlv<'a>> {
    match object {
        Some(found) if found.tag == tag => Ok(*found),
        Some(found) => Err(malformed(format!("{field}: expected tag {tag:02X}, found {:02X}", found.tag))),
        None => Err(malformed(format!("{field} missing"))),
    }
}

/// The FID of the EF a `Path` names: `FID`, or the absolute `3F00 5015 FID`.
pub fn path_fid(path_sequence: &Tlv<'_>, field: &str) -> Result<u16> {
    let fields = children(path_sequence)?;
    let path = expect(fields.first(), TAG_OCTET_STRING, &format!("{field} path"))?.value;
    let mut absolute = FID_MF.to_vec();
    absolute.extend_from_slice(&FID_APPLICATION);
    let fid = match path.len() {
        FID_LEN => path,
        len if len == absolute.len() + FID_LEN && path.starts_with(&absolute) => &path[absolute.len()..],
        _ => {
            return Err(malformed(format!(
                "{field} path {} is not an EF of the application 3F005015",
                hex::encode_upper(path)
            )));
        }
    };
    Ok(u16::from_be_bytes([fid[0], fid[1]]))
}

/// EF.ODF: the FID of each directory file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Odf {
    pub aodf: Option<u16>,
    pub prkdf: Option<u16>,
    pub pukdf: Option<u16>,
    pub cdf: Option<u16>,
}

pub fn parse_odf(content: &[u8]) -> Result<Odf> {
    let mut odf = Odf::default();
    for entry in file_objects(content)? {
        let slot = match entry.tag {
            ODF_AUTH_OBJECTS => &mut odf.aodf,
            ODF_PRIVATE_KEYS => &mut odf.prkdf,
            ODF_PUBLIC_KEYS => &mut odf.pukdf,
            ODF_CERTIFICATES => &mut odf.cdf,
            // Trusted / useful certificates, data objects, secret keys: not on this card.
            _ => continue,
        };
        let inner = children(&entry)?;
        let name = format!("entry {:02X}", entry.tag);
        let path = expect(inner.first(), TAG_SEQUENCE, &name)?;
        if slot.replace(path_fid(&path, &name)?).is_some() {
            return Err(malformed(format!("{name} appears twice")));
        }
    }
    Ok(odf)
}

/// EF.TokenInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// serialNumber: the card number as ASCII (hex when not ASCII).
    pub serial: String,
    pub manufacturer: Option<String>,
    pub label: Option<String>,
}

pub fn parse_token_info(content: &[u8]) -> Result<TokenInfo> {
    let top = file_objects(content)?;
    let sequence = expect(top.first(), TAG_SEQUENCE, "TokenInfo")?;
    let fields = children(&sequence)?;
    expect(fields.first(), TAG_INTEGER, "version")?;
    let serial = expect(fields.get(1), TAG_OCTET_STRING, "serialNumber")?.value;
    let serial = match std::str::from_utf8(serial) {
        Ok(text) if text.bytes().all(|b| b.is_ascii_graphic()) => text.to_owned(),
        _ => hex::encode_upper(serial),
    };
    let mut info = TokenInfo { serial, manufacturer: None, label: None };
    for field in &fields[2..] {
        match field.tag {
            TAG_UTF8_STRING if info.manufacturer.is_none() => {
                info.manufacturer = Some(utf8(field.value, "manufacturerID")?)
            }
            TAG_CONTEXT_0 => info.label = Some(utf8(field.value, "label")?),
            _ => {}
        }
    }
    Ok(info)
}

/// A PIN object of EF.AODF (PinAttributes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinEntry {
    pub label: Option<String>,
    pub auth_id: Vec<u8>,
    pub min_length: usize,
    pub stored_length: usize,
    pub max_length: Option<usize>,
    /// pinReference (`81` for PIN2); DEFAULT 0.
    pub reference: u32,
    pub pad_char: Option<u8>,
}

/// One directory entry split into its parts.
struct Object<'a> {
    label: Option<String>,
    /// CommonObjectAttributes authId.
    auth_id: Option<Vec<u8>>,
    class: Vec<Tlv<'a>>,
    type_attributes: Vec<Tlv<'a>>,
}

fn parse_object<'a>(entry: &Tlv<'a>) -> Result<Object<'a>> {
    let fields = children(entry)?;
    let common = children(&expect(fields.first(), TAG_SEQUENCE, "commonObjectAttributes")?)?;
    let mut label = None;
    let mut auth_id = None;
    for field in &common {
        match field.tag {
            TAG_UTF8_STRING => label = Some(utf8(field.value, "label")?),
            TAG_OCTET_STRING => auth_id = Some(field.value.to_vec()),
            _ => {}
        }
    }
    let class = children(&expect(fields.get(1), TAG_SEQUENCE, "classAttributes")?)?;
    let typed = fields
        .iter()
        .skip(2)
        .find(|f| f.tag == TAG_CONTEXT_1_CONSTRUCTED)
        .ok_or_else(|| malformed("typeAttributes [1] missing"))?;
    Ok(Object { label, auth_id, class, type_attributes: type_attributes(typed)? })
}

/// The fields of `typeAttributes [1]`: explicit `A1 { 30 { fields } }` (the
/// X.680 reading) or implicit `A1 { fields }`. The first field of every
/// attribute type read here is a Path (`30`) or PinFlags (`03`), which
/// tells the two apart.
fn type_attributes<'a>(typed: &Tlv<'a>) -> Result<Vec<Tlv<'a>>> {
    let inner = children(typed)?;
    if let [only] = inner.as_slice()
        && only.tag == TAG_SEQUENCE
    {
        let fields = children(only)?;
        if fields.first().is_some_and(|f| f.tag == TAG_SEQUENCE || f.tag == TAG_BIT_STRING) {
            return Ok(fields);
        }
    }
    Ok(inner)
}

fn entries<'a>(content: &'a [u8], parse: impl Fn(&Tlv<'a>) -> Result<()>) -> Result<()> {
    for (index, entry) in file_objects(content)?.iter().enumerate() {
        parse(entry).map_err(|Malformed(reason)| malformed(format!("entry {}: {reason}", index + 1)))?;
    }
    Ok(())
}

pub fn parse_aodf(content: &[u8]) -> Result<Vec<PinEntry>> {
    let found = std::cell::RefCell::new(Vec::new());
    entries(content, |entry| {
        // Only `pin` (untagged) is read; biometric and other choices are skipped.
        if entry.tag != TAG_SEQUENCE {
            return Ok(());
        }
        let object = parse_object(entry)?;
        let auth_id =
            object.class.iter().find(|f| f.tag == TAG_OCTET_STRING).map(|f| f.value.to_vec()).unwrap_or_default();
        let attrs = &object.type_attributes;
        expect(attrs.first(), TAG_BIT_STRING, "pinFlags")?;
        expect(attrs.get(1), TAG_ENUMERATED, "pinType")?;
        let min_length = unsigned(expect(attrs.get(2), TAG_INTEGER, "minLength")?.value, "minLength")? as usize;
        let stored_length =
            unsigned(expect(attrs.get(3), TAG_INTEGER, "storedLength")?.value, "storedLength")? as usize;
        let mut pin = PinEntry {
            label: object.label,
            auth_id,
            min_length,
            stored_length,
            max_length: None,
            reference: 0,
            pad_char: None,
        };
        for field in &attrs[4..] {
            match field.tag {
                TAG_INTEGER => pin.max_length = Some(unsigned(field.value, "maxLength")? as usize),
                TAG_CONTEXT_0 => pin.reference = unsigned(field.value, "pinReference")?,
                TAG_OCTET_STRING => match field.value {
                    [pad] => pin.pad_char = Some(*pad),
                    _ => return Err(malformed("padChar: not one byte")),
                },
                _ => {}
            }
        }
        found.borrow_mut().push(pin);
        Ok(())
    })?;
    Ok(found.into_inner())
}

/// A private key of EF.PrKDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivateKeyEntry {
    pub algorithm: KeyAlgorithm,
    pub label: String,
    pub id: Vec<u8>,
    /// CommonKeyAttributes keyReference (the card's key reference).
    pub key_reference: Option<u32>,
    /// CommonObjectAttributes authId (PIN2 is `01`).
    pub auth_id: Option<Vec<u8>>,
    /// PrivateRSAKeyAttributes modulusLength.
    pub modulus_bits: Option<u32>,
}

/// The algorithm of a key entry: `30` RSA, `A0` EC (PKCS #15 v1.1 §6.6, §6.7).
fn key_algorithm(choice: u32) -> Result<KeyAlgorithm> {
    match choice {
        TAG_SEQUENCE => Ok(KeyAlgorithm::Rsa2048),
        TAG_CONTEXT_0_CONSTRUCTED => Ok(KeyAlgorithm::EcP384),
        other => Err(malformed(format!("key type {other:02X} is neither RSA (30) nor EC (A0)"))),
    }
}

/// CommonKeyAttributes: iD and keyReference.
fn key_attributes(class: &[Tlv<'_>]) -> Result<(Vec<u8>, Option<u32>)> {
    let id = expect(class.first(), TAG_OCTET_STRING, "iD")?.value.to_vec();
    let key_reference =
        class.iter().skip(1).find(|f| f.tag == TAG_INTEGER).map(|f| unsigned(f.value, "keyReference")).transpose()?;
    Ok((id, key_reference))
}

pub fn parse_prkdf(content: &[u8]) -> Result<Vec<PrivateKeyEntry>> {
    let found = std::cell::RefCell::new(Vec::new());
    entries(content, |entry| {
        let algorithm = key_algorithm(entry.tag)?;
        let object = parse_object(entry)?;
        let (id, key_reference) = key_attributes(&object.class)?;
        let modulus_bits = match algorithm {
            KeyAlgorithm::Rsa2048 => Some(unsigned(
                expect(object.type_attributes.get(1), TAG_INTEGER, "modulusLength")?.value,
                "modulusLength",
            )?),
            KeyAlgorithm::EcP384 => None,
        };
        found.borrow_mut().push(PrivateKeyEntry {
            algorithm,
            label: object.label.unwrap_or_default(),
            id,
            key_reference,
            auth_id: object.auth_id,
            modulus_bits,
        });
        Ok(())
    })?;
    Ok(found.into_inner())
}

/// A public key of EF.PuKDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeyEntry {
    pub algorithm: KeyAlgorithm,
    pub label: String,
    pub id: Vec<u8>,
    /// The EF holding the SubjectPublicKeyInfo.
    pub fid: u16,
}

/// `value ObjectValue` as an indirect Path (the only form this card writes).
fn value_path(attrs: &[Tlv<'_>]) -> Result<u16> {
    let value = expect(attrs.first(), TAG_SEQUENCE, "value (Path)")?;
    path_fid(&value, "value")
}

pub fn parse_pukdf(content: &[u8]) -> Result<Vec<PublicKeyEntry>> {
    let found = std::cell::RefCell::new(Vec::new());
    entries(content, |entry| {
        let algorithm = key_algorithm(entry.tag)?;
        let object = parse_object(entry)?;
        let (id, _) = key_attributes(&object.class)?;
        let fid = value_path(&object.type_attributes)?;
        found.borrow_mut().push(PublicKeyEntry { algorithm, label: object.label.unwrap_or_default(), id, fid });
        Ok(())
    })?;
    Ok(found.into_inner())
}

/// An X.509 certificate of EF.CDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateEntry {
    pub label: String,
    pub id: Vec<u8>,
    pub authority: bool,
    pub fid: u16,
}

pub fn parse_cdf(content: &[u8]) -> Result<Vec<CertificateEntry>> {
    let found = std::cell::RefCell::new(Vec::new());
    entries(content, |entry| {
        // x509Certificate only (attribute / SPKI certificates are choices [0]..).
        if entry.tag != TAG_SEQUENCE {
            return Ok(());
        }
        let object = parse_object(entry)?;
        let id = expect(object.class.first(), TAG_OCTET_STRING, "iD")?.value.to_vec();
        // authority BOOLEAN DEFAULT FALSE.
        let authority = match object.class.get(1) {
            Some(field) if field.tag == TAG_BOOLEAN => match field.value {
                [byte] => *byte == DER_TRUE,
                _ => return Err(malformed("authority: not a BOOLEAN")),
            },
            _ => false,
        };
        let fid = value_path(&object.type_attributes)?;
        found.borrow_mut().push(CertificateEntry { label: object.label.unwrap_or_default(), id, authority, fid });
        Ok(())
    })?;
    Ok(found.into_inner())
}

/// DER builders for the files above: the tests build the spec's files with
/// them, so the reader is checked against encodings written from the
/// definitions rather than against itself.
#[cfg(test)]
pub(crate) mod build {
    use card_os::protocol::tlv;

    pub fn node(tag: u16, parts: &[Vec<u8>]) -> Vec<u8> {
        tlv::build(tag, &parts.concat())
    }
    pub fn octets(value: &[u8]) -> Vec<u8> {
        tlv::build(0x04, value)
    }
    pub fn utf8(text: &str) -> Vec<u8> {
        tlv::build(0x0C, text.as_bytes())
    }
    pub fn int(value: &[u8]) -> Vec<u8> {
        tlv::build(0x02, value)
    }
    pub fn path(fid: u16) -> Vec<u8> {
        let mut bytes = vec![0x3F, 0x00, 0x50, 0x15];
        bytes.extend(fid.to_be_bytes());
        node(0x30, &[octets(&bytes)])
    }
    /// `typeAttributes [1]` explicit: `A1 { 30 { fields } }`.
    pub fn typed(fields: &[Vec<u8>]) -> Vec<u8> {
        node(0xA1, &[node(0x30, fields)])
    }
    /// CommonObjectAttributes { label, flags, authId? }.
    pub fn common(label: &str, auth_id: Option<u8>) -> Vec<u8> {
        let mut parts = vec![utf8(label)];
        if let Some(id) = auth_id {
            parts.push(tlv::build(0x03, &[0x07, 0x80]));
            parts.push(octets(&[id]));
        }
        node(0x30, &parts)
    }
    pub fn private_key(ec: bool, label: &str, key_ref: u8) -> Vec<u8> {
        let class = node(0x30, &[octets(&[key_ref]), tlv::build(0x03, &[0x02, 0x24]), int(&[key_ref])]);
        let mut attrs = vec![path(0x4400 + u16::from(key_ref))];
        if !ec {
            attrs.push(int(&[0x08, 0x00]));
        }
        node(if ec { 0xA0 } else { 0x30 }, &[common(label, Some(1)), class, typed(&attrs)])
    }
    pub fn public_key(ec: bool, label: &str, key_ref: u8) -> Vec<u8> {
        let class = node(0x30, &[octets(&[key_ref]), tlv::build(0x03, &[0x06, 0x40])]);
        let mut attrs = vec![path(0x4420 + u16::from(key_ref))];
        if !ec {
            attrs.push(int(&[0x08, 0x00]));
        }
        node(if ec { 0xA0 } else { 0x30 }, &[common(label, None), class, typed(&attrs)])
    }
    pub fn certificate(label: &str, id: u8, authority: bool, fid: u16) -> Vec<u8> {
        let mut class = vec![octets(&[id])];
        if authority {
            class.push(tlv::build(0x01, &[0xFF]));
        }
        node(0x30, &[common(label, None), node(0x30, &class), typed(&[path(fid)])])
    }
    /// The AODF PinObject of the spec: PIN2, authId 01, ascii-numeric 8..12,
    /// stored 12, pinReference 81 (written `80 01 81`), padChar FF.
    pub fn pin2() -> Vec<u8> {
        pin2_with_reference(&[0x81])
    }
    pub fn pin2_with_reference(reference: &[u8]) -> Vec<u8> {
        let class = node(0x30, &[octets(&[0x01])]);
        let attrs = [
            tlv::build(0x03, &[0x02, 0x4C]),
            tlv::build(0x0A, &[0x01]),
            int(&[8]),
            int(&[12]),
            int(&[12]),
            tlv::build(0x80, reference),
            octets(&[0xFF]),
            node(0x30, &[octets(&[0x3F, 0x00, 0x50, 0x15])]),
        ];
        node(0x30, &[common("PIN2", None), class, typed(&attrs)])
    }
    pub fn odf() -> Vec<u8> {
        [(0xA8, 0x4401), (0xA0, 0x4402), (0xA1, 0x4403), (0xA4, 0x4404)]
            .iter()
            .flat_map(|&(tag, fid)| node(tag, &[path(fid)]))
            .collect()
    }
    pub fn token_info(serial: &str) -> Vec<u8> {
        node(
            0x30,
            &[
                int(&[0]),
                octets(serial.as_bytes()),
                utf8("neid"),
                tlv::build(0x80, b"Taiwan New eID"),
                tlv::build(0x03, &[0x06, 0xC0]),
            ],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::build::*;
    use super::*;

    #[test]
    fn odf_names_the_four_directories() {
        let mut content = odf();
        content.extend([0x00; 7]); // padding
        let parsed = parse_odf(&content).unwrap();
        assert_eq!(parsed, Odf { aodf: Some(0x4401), prkdf: Some(0x4402), pukdf: Some(0x4403), cdf: Some(0x4404) });
    }

    #[test]
    fn odf_refuses_a_path_outside_the_application() {
        let entry = node(0xA0, &[node(0x30, &[octets(&[0x3F, 0x00, 0x50, 0x00, 0x44, 0x02])])]);
        let error = parse_odf(&entry).unwrap_err();
        assert!(error.0.contains("3F0050004402 is not an EF of the application"), "{error:?}");
    }

    #[test]
    fn token_info_of_the_spec() {
        let info = parse_token_info(&token_info("210012345")).unwrap();
        assert_eq!(info.serial, "210012345");
        assert_eq!(info.manufacturer.as_deref(), Some("neid"));
        assert_eq!(info.label.as_deref(), Some("Taiwan New eID"));
        // The spec's tokenflags, readOnly + loginRequired.
        assert!(hex::encode_upper(token_info("1")).ends_with("030206C0"));
    }

    #[test]
    fn aodf_pin2_with_unsigned_reference() {
        let pins = parse_aodf(&pin2()).unwrap();
        assert_eq!(
            pins,
            vec![PinEntry {
                label: Some("PIN2".into()),
                auth_id: vec![1],
                min_length: 8,
                stored_length: 12,
                max_length: Some(12),
                reference: 0x81,
                pad_char: Some(0xFF),
            }]
        );
        // The DER form `80 02 00 81` reads the same.
        assert_eq!(parse_aodf(&pin2_with_reference(&[0x00, 0x81])).unwrap()[0].reference, 0x81);
    }

    #[test]
    fn prkdf_rsa_and_ec_keys() {
        let content =
            [private_key(false, "Signature and authentication key", 1), private_key(true, "ECC key 1", 3)].concat();
        let keys = parse_prkdf(&content).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0].algorithm, KeyAlgorithm::Rsa2048);
        assert_eq!(keys[0].label, "Signature and authentication key");
        assert_eq!(
            (keys[0].id.as_slice(), keys[0].key_reference, keys[0].modulus_bits),
            (&[1u8][..], Some(1), Some(2048))
        );
        assert_eq!(keys[0].auth_id.as_deref(), Some(&[1u8][..]));
        assert_eq!(keys[1].algorithm, KeyAlgorithm::EcP384);
        assert_eq!((keys[1].key_reference, keys[1].modulus_bits), (Some(3), None));
    }

    #[test]
    fn pukdf_paths_explicit_and_implicit() {
        let explicit = [public_key(false, "Encipherment key", 2), public_key(true, "ECC key 3", 5)].concat();
        let keys = parse_pukdf(&explicit).unwrap();
        assert_eq!(keys.iter().map(|k| k.fid).collect::<Vec<_>>(), vec![0x4422, 0x4425]);
        assert_eq!(keys[1].algorithm, KeyAlgorithm::EcP384);
        // Implicit [1]: A1 { Path } for an EC key, A1 { Path, modulusLength } for RSA.
        let class = node(0x30, &[octets(&[5])]);
        let implicit_ec = node(0xA0, &[common("ECC key 3", None), class.clone(), node(0xA1, &[path(0x4425)])]);
        let implicit_rsa = node(0x30, &[common("k", None), class, node(0xA1, &[path(0x4421), int(&[8, 0])])]);
        let keys = parse_pukdf(&[implicit_ec, implicit_rsa].concat()).unwrap();
        assert_eq!(keys.iter().map(|k| k.fid).collect::<Vec<_>>(), vec![0x4425, 0x4421]);
    }

    #[test]
    fn cdf_authority_flag_and_paths() {
        let content = [
            certificate("Root CA certificate", 0x11, true, 0x4431),
            certificate("Signature and authentication certificate", 0x01, false, 0x4433),
        ]
        .concat();
        let certs = parse_cdf(&content).unwrap();
        assert_eq!(
            certs[0],
            CertificateEntry { label: "Root CA certificate".into(), id: vec![0x11], authority: true, fid: 0x4431 }
        );
        assert!(!certs[1].authority);
        assert_eq!(certs[1].fid, 0x4433);
    }

    #[test]
    fn truncated_entry_is_an_error_naming_the_entry() {
        let mut content = certificate("Root CA certificate", 0x11, true, 0x4431);
        content.extend(certificate("x", 1, false, 0x4433));
        let cut = content.len() - 3;
        let error = parse_cdf(&content[..cut]).unwrap_err();
        assert!(error.0.starts_with("not DER") || error.0.starts_with("entry 2"), "{error:?}");
        let missing_type = node(0x30, &[common("x", None), node(0x30, &[octets(&[1])])]);
        assert_eq!(parse_cdf(&missing_type).unwrap_err().0, "entry 1: typeAttributes [1] missing");
    }
}
