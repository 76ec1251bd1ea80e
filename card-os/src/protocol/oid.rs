//! OBJECT IDENTIFIER content octets (ISO/IEC 8825-1 §8.19): the first two arcs
//! share one subidentifier (40·a + b), each subidentifier is base-128 with b8
//! set on every byte but the last.

use alloc::vec::Vec;
use core::fmt;

/// DER tag of OBJECT IDENTIFIER.
pub const OID_TAG: u16 = 0x06;
/// b8 of a subidentifier byte: more bytes follow.
const CONTINUATION: u8 = 0x80;
const SEVEN_BITS: u32 = 0x7F;

/// An object identifier, held as its arcs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ObjectIdentifier {
    arcs: Vec<u32>,
}

/// Why content octets are not an object identifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OidError {
    Empty,
    /// The last subidentifier has b8 set (it continues past the end).
    Truncated,
    /// A subidentifier starts with `80` (not minimal) or exceeds 32 bits.
    NonCanonical,
    /// Fewer than two arcs, or a first arc above 2, or a second arc ≥ 40 under 0 or 1.
    BadArcs,
}

impl fmt::Display for OidError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            OidError::Empty => "object identifier is empty",
            OidError::Truncated => "object identifier ends inside a subidentifier",
            OidError::NonCanonical => {
                "object identifier subidentifier is not minimal or exceeds 32 bits (X.690 §8.19.2)"
            }
            OidError::BadArcs => {
                "object identifier needs at least two arcs, the first 0..=2 (X.660)"
            }
        })
    }
}

impl ObjectIdentifier {
    /// From its arcs; at least two, the first 0..=2, the second < 40 under 0 and 1.
    pub fn from_arcs(arcs: &[u32]) -> Result<Self, OidError> {
        match arcs {
            [first, second, ..] if *first <= 1 && *second < 40 => {}
            [2, second, ..] if *second <= u32::MAX - 80 => {}
            _ => return Err(OidError::BadArcs),
        }
        Ok(ObjectIdentifier {
            arcs: arcs.to_vec(),
        })
    }

    /// For the crate's own OID constants, which satisfy `from_arcs`' rules
    /// (checked by the tests of each constant's module).
    pub(crate) fn from_constant_arcs(arcs: &[u32]) -> Self {
        ObjectIdentifier {
            arcs: arcs.to_vec(),
        }
    }

    pub fn arcs(&self) -> &[u32] {
        &self.arcs
    }

    /// The content octets (without tag and length).
    pub fn to_der_content(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if let [first, second, rest @ ..] = self.arcs.as_slice() {
            push_subidentifier(&mut out, first.saturating_mul(40).saturating_add(*second));
            for &arc in rest {
                push_subidentifier(&mut out, arc);
            }
        }
        out
    }

    /// From content octets (without tag and length).
    pub fn from_der_content(content: &[u8]) -> Result<Self, OidError> {
        if content.is_empty() {
            return Err(OidError::Empty);
        }
        let mut subidentifiers = Vec::new();
        let mut value: u32 = 0;
        let mut started = false;
        for &byte in content {
            if !started && byte == CONTINUATION {
                return Err(OidError::NonCanonical);
            }
            if value > (u32::MAX >> 7) {
                return Err(OidError::NonCanonical);
            }
            value = (value << 7) | (u32::from(byte) & SEVEN_BITS);
            if byte & CONTINUATION == 0 {
                subidentifiers.push(value);
                value = 0;
                started = false;
            } else {
                started = true;
            }
        }
        if started {
            return Err(OidError::Truncated);
        }
        let first = subidentifiers[0];
        let (a, b) = match first {
            0..=39 => (0, first),
            40..=79 => (1, first - 40),
            _ => (2, first - 80),
        };
        let mut arcs = Vec::with_capacity(subidentifiers.len() + 1);
        arcs.push(a);
        arcs.push(b);
        arcs.extend_from_slice(&subidentifiers[1..]);
        Ok(ObjectIdentifier { arcs })
    }
}

fn push_subidentifier(out: &mut Vec<u8>, value: u32) {
    let mut groups = [0u8; 5];
    let mut n = 0;
    let mut v = value;
    loop {
        groups[n] = (v & SEVEN_BITS) as u8;
        n += 1;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(groups[i] | if i == 0 { 0 } else { CONTINUATION });
    }
}

impl fmt::Display for ObjectIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arc) in self.arcs.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_bsi_and_large_arcs() {
        let pace = ObjectIdentifier::from_arcs(&[0, 4, 0, 127, 0, 7, 2, 2, 4, 2, 2]).unwrap();
        assert_eq!(
            pace.to_der_content(),
            hex::decode("04007F00070202040202").unwrap()
        );
        assert_eq!(
            ObjectIdentifier::from_der_content(&pace.to_der_content()).unwrap(),
            pace
        );
        assert_eq!(alloc::format!("{pace}"), "0.4.0.127.0.7.2.2.4.2.2");
        // id-ecPublicKey 1.2.840.10045.2.1 = 2A 86 48 CE 3D 02 01
        let ec = ObjectIdentifier::from_arcs(&[1, 2, 840, 10045, 2, 1]).unwrap();
        assert_eq!(ec.to_der_content(), hex::decode("2A8648CE3D0201").unwrap());
        assert_eq!(
            ObjectIdentifier::from_der_content(&ec.to_der_content()).unwrap(),
            ec
        );
    }

    #[test]
    fn rejects_malformed_content() {
        assert_eq!(
            ObjectIdentifier::from_der_content(&[]),
            Err(OidError::Empty)
        );
        assert_eq!(
            ObjectIdentifier::from_der_content(&[0x2A, 0x86]),
            Err(OidError::Truncated)
        );
        assert_eq!(
            ObjectIdentifier::from_der_content(&[0x2A, 0x80, 0x01]),
            Err(OidError::NonCanonical)
        );
        assert_eq!(
            ObjectIdentifier::from_der_content(&[0x2A, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F]),
            Err(OidError::NonCanonical)
        );
        assert_eq!(ObjectIdentifier::from_arcs(&[3, 1]), Err(OidError::BadArcs));
        assert_eq!(ObjectIdentifier::from_arcs(&[1]), Err(OidError::BadArcs));
    }
}
