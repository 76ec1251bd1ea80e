//! What personalization writes into the zone: the file tree with EF.ODF,
//! EF.TokenInfo and EF.AODF filled, every other EF empty, and the profile
//! option in the image object `cert.config` (docs/spec/certificate-zone.md
//! §Profile options).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use card_os::CardImage;
use card_os::fs::Node;
use card_os::security::AccessCondition;

use super::slots::{CERTIFICATE_SLOTS, KEY_SLOTS};
use super::{AID, FID, FID_AODF, FID_CDF, FID_ODF, FID_PRKDF, FID_PUKDF, FID_TOKEN_INFO, pkcs15, rules};
use crate::error::PersoError;
use crate::layout;

/// The image object holding the zone's options: format ‖ flags.
pub const OBJECT_CONFIG: &str = "cert.config";
const CONFIG_FORMAT: u8 = 0x01;
/// Flags b1: reads and key use need PACE secure messaging.
const CONFIG_SECURE_MESSAGING: u8 = 0x01;

/// The zone's personalization input (profile `[card.certificate]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertificatePerso {
    /// Reads and key use need secure messaging after PACE with CAN, MRZ or
    /// PIN1; `false` is the middleware-compat variant.
    pub secure_messaging: bool,
    /// The card number, ASCII digits: TokenInfo.serialNumber.
    pub card_number: String,
}

impl Default for CertificatePerso {
    /// Secure messaging on (the reference profiles); no card number, so
    /// TokenInfo's serial number is empty.
    fn default() -> CertificatePerso {
        CertificatePerso { secure_messaging: true, card_number: String::new() }
    }
}

impl CertificatePerso {
    fn check(&self) -> Result<(), PersoError> {
        if !self.card_number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PersoError::NotDigits { field: "certificate.card_number" });
        }
        Ok(())
    }
}

fn encoding_failed(_: der::Error) -> PersoError {
    PersoError::Certificate { field: "certificate", rule: "the PKCS#15 files must encode in DER" }
}

/// The zone's DF.
pub fn df(perso: &CertificatePerso) -> Result<Node, PersoError> {
    perso.check()?;
    let read = || rules::read(perso.secure_messaging);
    let ef = |fid: u16, data: Vec<u8>| layout::ef(fid, None, read(), AccessCondition::Never, data);
    let mut children = vec![
        ef(FID_ODF, pkcs15::odf().map_err(encoding_failed)?),
        ef(FID_TOKEN_INFO, pkcs15::token_info(perso.card_number.as_bytes()).map_err(encoding_failed)?),
        ef(FID_AODF, pkcs15::aodf().map_err(encoding_failed)?),
        ef(FID_PRKDF, Vec::new()),
        ef(FID_PUKDF, Vec::new()),
        ef(FID_CDF, Vec::new()),
    ];
    children.extend(KEY_SLOTS.iter().map(|slot| ef(slot.public_key_fid, Vec::new())));
    children.extend(CERTIFICATE_SLOTS.iter().map(|slot| ef(slot.fid, Vec::new())));
    Ok(layout::application(Some(FID), AID, children))
}

/// The zone's image objects: its options.
pub fn objects(perso: &CertificatePerso) -> BTreeMap<String, Vec<u8>> {
    let flags = if perso.secure_messaging { CONFIG_SECURE_MESSAGING } else { 0 };
    BTreeMap::from([(String::from(OBJECT_CONFIG), vec![CONFIG_FORMAT, flags])])
}

/// Whether the zone asks for secure messaging. An image without (or with a
/// damaged) `cert.config` gets the stricter rule.
pub fn secure_messaging(image: &CardImage) -> bool {
    match image.objects.get(OBJECT_CONFIG).map(Vec::as_slice) {
        Some(&[CONFIG_FORMAT, flags]) => flags & CONFIG_SECURE_MESSAGING != 0,
        _ => true,
    }
}
