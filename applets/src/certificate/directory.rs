//! The zone's EFs inside the image, and the PKCS#15 directory files the
//! card keeps itself: PrKDF, PuKDF and CDF are rebuilt, in the command's
//! transaction, from which keys exist and which certificate EFs are not
//! empty (docs/spec/certificate-zone.md: "the directory never names an
//! absent object").

use alloc::vec::Vec;

use card_os::fs::EfRef;
use card_os::{CardImage, StatusWord, Transaction};

use super::keys::is_generated;
use super::slots::{CERTIFICATE_SLOTS, KEY_SLOTS};
use super::{AID, FID_CDF, FID_PRKDF, FID_PUKDF, pkcs15};

/// The position of the zone's EF `fid`; 6A82 when the image has no such EF.
pub fn ef_ref(image: &CardImage, fid: u16) -> Result<EfRef, StatusWord> {
    let df = image.mf.path_by_name(AID).ok_or(StatusWord::FileNotFound)?;
    let index = image.mf.df_at(&df).and_then(|zone| zone.child_by_fid(fid)).ok_or(StatusWord::FileNotFound)?;
    Ok(EfRef { df, index })
}

/// The content of the zone's EF `fid`.
pub fn ef_data(image: &CardImage, fid: u16) -> Result<&[u8], StatusWord> {
    let at = ef_ref(image, fid)?;
    image.mf.ef_at(&at).map(|ef| ef.data.as_slice()).ok_or(StatusWord::FileNotFound)
}

/// Replace the content of the zone's EF `fid` in the transaction.
pub fn write_ef(tx: &mut Transaction<'_>, fid: u16, bytes: Vec<u8>) -> Result<(), StatusWord> {
    let at = ef_ref(tx.image(), fid)?;
    tx.replace_ef(&at, bytes)
}

/// Rebuild EF.PrKDF, EF.PuKDF and EF.CDF from the image as the transaction sees it.
pub fn rebuild(tx: &mut Transaction<'_>) -> Result<(), StatusWord> {
    let image = tx.image();
    let keys: Vec<_> = KEY_SLOTS.iter().filter(|slot| is_generated(image, slot)).map(|slot| slot.key_ref).collect();
    let mut certificates = Vec::new();
    for slot in &CERTIFICATE_SLOTS {
        if !ef_data(image, slot.fid)?.is_empty() {
            certificates.push(slot);
        }
    }
    let encoding_failed = |_| StatusWord::NoPreciseDiagnosis;
    let prkdf = pkcs15::prkdf(&keys).map_err(encoding_failed)?;
    let pukdf = pkcs15::pukdf(&keys).map_err(encoding_failed)?;
    let cdf = pkcs15::cdf(&certificates).map_err(encoding_failed)?;
    write_ef(tx, FID_PRKDF, prkdf)?;
    write_ef(tx, FID_PUKDF, pukdf)?;
    write_ef(tx, FID_CDF, cdf)
}
