//! GENERATE ASYMMETRIC KEY PAIR (ISO 7816-8 §5.1; docs/spec/certificate-zone.md
//! §GENERATE ASYMMETRIC KEY PAIR): on-card key generation inside an issuer
//! session, and the public key of a slot.

use card_os::{CommandContext, Fault, Response, StatusWord};

use super::directory;
use super::keys;
use super::rules;
use super::slots::KeyRef;

/// `00 46 00 keyref`: a new key pair replaces the slot's key (its certificate
/// stays); in the same transaction the public key EF gets the
/// SubjectPublicKeyInfo and PrKDF / PuKDF are rebuilt. Answers DO'7F49'.
pub fn generate(ctx: &mut CommandContext<'_, '_>, key: KeyRef) -> Result<Response, StatusWord> {
    if !ctx.faults.has(Fault::IssuerSessionNotRequiredForGenerate) { rules::issuer().check(&ctx.access())?; } // FAULT: else anyone generates
    let slot = key.slot();
    let rng = ctx.rng.as_deref_mut().ok_or(StatusWord::NoPreciseDiagnosis)?;
    let private = keys::generate(slot.kind, rng)?;
    let public = private.public_key();
    let spki = public.to_spki_der().map_err(|_| StatusWord::NoPreciseDiagnosis)?;
    ctx.nvm.set_object(slot.object, private.encode()?.to_vec());
    directory::write_ef(ctx.nvm, slot.public_key_fid, spki)?;
    directory::rebuild(ctx.nvm)?;
    Ok(Response::ok(public.to_public_key_do()))
}

/// `00 46 01 keyref`: the slot's public key; 6A88 before it is generated.
pub fn read_public_key(ctx: &mut CommandContext<'_, '_>, key: KeyRef, sm: bool) -> Result<Response, StatusWord> {
    rules::read_public_key(sm).check(&ctx.access())?;
    let private = keys::load(ctx.nvm.image(), key.slot())?.ok_or(StatusWord::ReferencedDataNotFound)?;
    Ok(Response::ok(private.public_key().to_public_key_do()))
}
