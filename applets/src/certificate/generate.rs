//! GENERATE ASYMMETRIC KEY PAIR (ISO 7816-8 §5.1; docs/spec/certificate-zone.md
//! §GENERATE ASYMMETRIC KEY PAIR): on-card key generation inside an issuer
//! session, and the public key of a slot.

use card_os::{CommandContext, Fault, Response, StatusWord};

use super::directory;
use super::keys::{self, PublicKey};
use super::rules;
use super::slots::KeyRef;

/// `00 46 00 keyref`: a new key pair replaces the slot's key (its certificate
/// stays); in the same transaction the public key EF gets the
/// SubjectPublicKeyInfo and PrKDF / PuKDF are rebuilt. Answers DO'7F49'.
/// An Ne that cannot hold the answer (with the R-MAC of the session, if
/// any) gets 6Cxx before anything is generated (ISO 7816-4 §5.1).
pub fn generate(ctx: &mut CommandContext<'_, '_>, key: KeyRef, ne: Option<usize>) -> Result<Response, StatusWord> {
    if !ctx.faults.has(Fault::IssuerSessionNotRequiredForGenerate) { rules::issuer().check(&ctx.access())?; } // FAULT: else anyone generates
    let slot = key.slot();
    if !ctx.faults.has(Fault::LongResponseTruncated) { // FAULT: card-os truncates the answer instead
        ctx.check_ne(ne, keys::public_key_do_len(slot.kind))?;
    }
    let rng = ctx.rng.as_deref_mut().ok_or(StatusWord::NoPreciseDiagnosis)?;
    let private = keys::generate(slot.kind, rng)?;
    let public = private.public_key();
    let spki = public.to_spki_der().map_err(|_| StatusWord::NoPreciseDiagnosis)?;
    ctx.nvm.set_object(slot.object, private.encode()?.to_vec());
    directory::write_ef(ctx.nvm, slot.public_key_fid, spki)?;
    directory::rebuild(ctx.nvm)?;
    Ok(Response::ok(public.to_public_key_do()))
}

/// `00 46 01 keyref`: the slot's public key, built from the
/// SubjectPublicKeyInfo in its public key EF (the private key is not
/// touched); 6A88 while the EF is empty (no key generated yet).
pub fn read_public_key(ctx: &mut CommandContext<'_, '_>, key: KeyRef, sm: bool) -> Result<Response, StatusWord> {
    rules::read_public_key(sm).check(&ctx.access())?;
    let slot = key.slot();
    let spki = directory::ef_data(ctx.nvm.image(), slot.public_key_fid)?;
    if spki.is_empty() {
        return Err(StatusWord::ReferencedDataNotFound);
    }
    let public = PublicKey::from_spki_der(spki, slot.kind)?;
    Ok(Response::ok(public.to_public_key_do()))
}
