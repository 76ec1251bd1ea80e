//! Tags of the CV certificate data objects (TR-03110-3 D.2, Table D.1) and a
//! strict reader over a template's value: each call takes the next data
//! object, which must carry the expected tag and a shortest-form length.

use crate::protocol::tlv::{self, DataObject};

use super::error::{CvcError, Field};

pub const CV_CERTIFICATE: u16 = 0x7F21;
pub const CERTIFICATE_BODY: u16 = 0x7F4E;
pub const PROFILE_IDENTIFIER: u16 = 0x5F29;
pub const AUTHORITY_REFERENCE: u16 = 0x42;
pub const PUBLIC_KEY: u16 = 0x7F49;
pub const HOLDER_REFERENCE: u16 = 0x5F20;
pub const CHAT: u16 = 0x7F4C;
pub const DISCRETIONARY_DATA: u16 = 0x53;
pub const EFFECTIVE_DATE: u16 = 0x5F25;
pub const EXPIRATION_DATE: u16 = 0x5F24;
pub const EXTENSIONS: u16 = 0x65;
pub const SIGNATURE: u16 = 0x5F37;
/// Elliptic-curve public key data objects (TR-03110-3 D.3.3).
pub const PRIME: u16 = 0x81;
pub const COEFFICIENT_A: u16 = 0x82;
pub const COEFFICIENT_B: u16 = 0x83;
pub const BASE_POINT: u16 = 0x84;
pub const ORDER: u16 = 0x85;
pub const PUBLIC_POINT: u16 = 0x86;
pub const COFACTOR: u16 = 0x87;

/// Bytes a length field of `len` takes in shortest form (ISO 7816-4 §6.3).
fn length_field_len(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        _ => 3,
    }
}

fn tag_len(tag: u16) -> usize {
    if tag > 0xFF { 2 } else { 1 }
}

/// Reads the data objects of one template in their fixed order.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
    template: Field,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(value: &'a [u8], template: Field) -> Self {
        Reader {
            rest: value,
            template,
        }
    }

    /// The next data object, whatever its tag; `None` at the end.
    fn next(&mut self, field: Field) -> Result<Option<DataObject<'a>>, CvcError> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (object, _) =
            tlv::parse_one(self.rest).map_err(|error| CvcError::Tlv { field, error })?;
        let canonical = tag_len(object.tag) + length_field_len(object.value.len());
        if object.encoded.len() != canonical + object.value.len() {
            return Err(CvcError::NonMinimalLength { field });
        }
        Ok(Some(object))
    }

    /// The value of the next data object, which must have tag `tag`.
    pub(crate) fn take(&mut self, tag: u16, field: Field) -> Result<&'a [u8], CvcError> {
        match self.take_optional(tag, field)? {
            None => Err(CvcError::Missing { field }),
            Some(None) => Err(CvcError::UnexpectedTag {
                field,
                found: self.peek_tag(),
            }),
            Some(Some(value)) => Ok(value),
        }
    }

    /// `Ok(Some(Some(value)))` when the next object has tag `tag`,
    /// `Ok(Some(None))` when another object follows, `Ok(None)` at the end.
    #[allow(clippy::type_complexity)]
    fn take_optional(
        &mut self,
        tag: u16,
        field: Field,
    ) -> Result<Option<Option<&'a [u8]>>, CvcError> {
        let before = self.rest;
        let Some(object) = self.next(field)? else {
            return Ok(None);
        };
        if object.tag != tag {
            self.rest = before;
            return Ok(Some(None));
        }
        self.rest = &before[object.encoded.len()..];
        Ok(Some(Some(object.value)))
    }

    /// The value of the next object if it has tag `tag`, else nothing is consumed.
    pub(crate) fn take_if(&mut self, tag: u16, field: Field) -> Result<Option<&'a [u8]>, CvcError> {
        Ok(self.take_optional(tag, field)?.flatten())
    }

    fn peek_tag(&self) -> u16 {
        tlv::parse_one(self.rest)
            .map(|(o, _)| o.tag)
            .unwrap_or_default()
    }

    /// Bytes not yet taken.
    pub(crate) fn remaining(&self) -> usize {
        self.rest.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// Nothing may follow the template's last data object.
    pub(crate) fn finish(self) -> Result<(), CvcError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(CvcError::TrailingBytes {
                field: self.template,
            })
        }
    }
}
