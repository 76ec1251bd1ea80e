//! The commands that use a private key (docs/spec/certificate-zone.md
//! §Access rules): MSE:SET (ISO 7816-4 §11.5.11), PSO:COMPUTE DIGITAL
//! SIGNATURE (ISO 7816-8 §5.4), PSO:DECIPHER (§5.9) and INTERNAL
//! AUTHENTICATE (ISO 7816-4 §11.5.2). All need the contact interface, the
//! profile's secure messaging and PIN2 verified, and never run inside an
//! issuer session.

use alloc::vec::Vec;

use card_os::{AccessCondition, CommandContext, Fault, Response, StatusWord};

use super::keys::{self, PrivateKey};
use super::operations;
use super::rules;
use super::security_environment::{self as se, Algorithm, Selected, Template};
use super::slots::KeyRef;

/// The key-use rule; an issuer session never grants a private-key use
/// (docs/spec/scp03.md §Session rules), whatever PIN2's state.
fn check_key_use(ctx: &CommandContext<'_, '_>, sm: bool) -> Result<(), StatusWord> {
    if ctx.issuer_session {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    let rule = if ctx.faults.has(Fault::Pin2NotRequiredForSignature) { AccessCondition::contact_only(rules::sm(sm)) } else { rules::key_use(sm) }; // FAULT: PIN2 not asked for
    rule.check(&ctx.access())
}

/// The generated key of `key`; 6A88 while the slot is empty.
fn generated(ctx: &CommandContext<'_, '_>, key: KeyRef) -> Result<PrivateKey, StatusWord> {
    keys::load(ctx.nvm.image(), key.slot())?.ok_or(StatusWord::ReferencedDataNotFound)
}

/// MSE:SET DST / CT. The template is cleared first: a refused MSE:SET
/// leaves no earlier selection behind.
pub fn mse_set(
    ctx: &mut CommandContext<'_, '_>,
    template: Template,
    crt: &[u8],
    sm: bool,
) -> Result<Response, StatusWord> {
    check_key_use(ctx, sm)?;
    se::clear(ctx.applet_state, template);
    let (algorithm, key) = se::parse_crt(crt)?;
    let key = KeyRef::new(key).ok_or(StatusWord::ReferencedDataNotFound)?;
    if !keys::is_generated(ctx.nvm.image(), key.slot()) {
        return Err(StatusWord::ReferencedDataNotFound);
    }
    let algorithm = Algorithm::from_reference(algorithm, Some(template))
        .filter(|algorithm| algorithm.allows(key.slot().usage))
        .ok_or(StatusWord::IncorrectDataField)?;
    se::set(ctx.applet_state, template, Selected { algorithm, key });
    Ok(Response::empty())
}

/// PSO:COMPUTE DIGITAL SIGNATURE with the DST's key and algorithm.
pub fn compute_digital_signature(
    ctx: &mut CommandContext<'_, '_>,
    input: &[u8],
    sm: bool,
) -> Result<Response, StatusWord> {
    check_key_use(ctx, sm)?;
    let selected = se::current(ctx.applet_state, Template::Dst)?;
    let key = generated(ctx, selected.key)?;
    let signature = operations::sign(&key, selected.algorithm, input, ctx.rng.as_deref_mut())?;
    Ok(Response::ok(signature))
}

/// PSO:DECIPHER with the CT's key and algorithm.
pub fn decipher(ctx: &mut CommandContext<'_, '_>, input: &[u8], sm: bool) -> Result<Response, StatusWord> {
    check_key_use(ctx, sm)?;
    let selected = se::current(ctx.applet_state, Template::Ct)?;
    let key = generated(ctx, selected.key)?;
    let plaintext = operations::decipher(&key, selected.algorithm, input, ctx.rng.as_deref_mut())?;
    // The response leaves the card: the zeroized copy stays behind.
    Ok(Response::ok(Vec::from(plaintext.as_slice())))
}

/// INTERNAL AUTHENTICATE: algorithm and key from P1-P2, no MSE.
pub fn internal_authenticate(
    ctx: &mut CommandContext<'_, '_>,
    algorithm: Algorithm,
    key: KeyRef,
    challenge: &[u8],
    sm: bool,
) -> Result<Response, StatusWord> {
    check_key_use(ctx, sm)?;
    let key = generated(ctx, key)?;
    let token = operations::sign(&key, algorithm, challenge, ctx.rng.as_deref_mut())?;
    Ok(Response::ok(token))
}
