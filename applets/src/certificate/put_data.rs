//! PUT DATA for the certificate EFs (ISO 7816-4 §11.4.6;
//! docs/spec/certificate-zone.md §PUT DATA certificate): issuer only.

use card_os::{CommandContext, Response, StatusWord};
use der::asn1::AnyRef;
use der::{Decode, Tag, Tagged};

use super::directory;
use super::rules;
use super::slots::CertificateSlot;

/// Largest certificate an EF takes.
pub const CERTIFICATE_MAX_LEN: usize = 3072;

/// Write `certificate` into the slot's EF (empty: delete it) and rebuild
/// the directory, in one transaction.
pub fn put_certificate(
    ctx: &mut CommandContext<'_, '_>,
    slot: &CertificateSlot,
    certificate: &[u8],
) -> Result<Response, StatusWord> {
    rules::issuer().check(&ctx.access())?;
    if !certificate.is_empty() {
        check_certificate(certificate)?;
    }
    directory::write_ef(ctx.nvm, slot.fid, certificate.to_vec())?;
    directory::rebuild(ctx.nvm)?;
    Ok(Response::empty())
}

/// One DER SEQUENCE (an X.509 Certificate's outer structure, RFC 5280
/// §4.1) filling the data exactly, at most 3072 bytes; else 6A80.
fn check_certificate(data: &[u8]) -> Result<(), StatusWord> {
    if data.len() > CERTIFICATE_MAX_LEN {
        return Err(StatusWord::IncorrectDataField);
    }
    // `from_der` refuses trailing bytes and non-DER lengths.
    let outer = AnyRef::from_der(data).map_err(|_| StatusWord::IncorrectDataField)?;
    if outer.tag() != Tag::Sequence {
        return Err(StatusWord::IncorrectDataField);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn certificate_shape() {
        assert_eq!(check_certificate(&[0x30, 0x03, 0x02, 0x01, 0x05]), Ok(()));
        let mut long = vec![0x30, 0x82, 0x0B, 0xFC];
        long.resize(3072, 0x00);
        assert_eq!(check_certificate(&long), Ok(()));
        for bad in [
            vec![0x31, 0x00],
            vec![0x30, 0x03, 0x02, 0x01],
            vec![0x30, 0x00, 0x00],
            vec![0x30, 0x81, 0x01, 0x00],
            vec![0x30, 0x80, 0x00, 0x00],
        ] {
            assert_eq!(check_certificate(&bad), Err(StatusWord::IncorrectDataField), "{bad:02X?}");
        }
        let mut too_long = vec![0x30, 0x82, 0x0B, 0xFD];
        too_long.resize(3073, 0x00);
        assert_eq!(check_certificate(&too_long), Err(StatusWord::IncorrectDataField));
    }
}
