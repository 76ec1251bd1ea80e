//! INITIALIZE UPDATE and EXTERNAL AUTHENTICATE on the card
//! (docs/spec/scp03.md §Commands; GP Amd D §7.1).

use crate::apdu::CommandApdu;
use crate::applet::Response;
use crate::nvm::CardImage;
use crate::rng::CardRng;
use crate::protocol::scp03::{self, CardPending, CardSession, Scp03Error, CHALLENGE_LEN, KVN_ANY};
use crate::security::Interface;
use crate::status::StatusWord;

use super::stored_keys;

fn status_word(e: Scp03Error) -> StatusWord {
    StatusWord::from_u16(e.status_word()).unwrap_or(StatusWord::NoPreciseDiagnosis)
}

/// SCP03 runs on the contact interface only: 6985 on the contactless one.
fn contact_only(interface: Interface) -> Result<(), StatusWord> {
    match interface {
        Interface::Contact => Ok(()),
        Interface::Contactless => Err(StatusWord::ConditionsOfUseNotSatisfied),
    }
}

/// INITIALIZE UPDATE `80 50 KVN 00 08 host-challenge 00`: contactless →
/// 6985, P2 → 6A86, Lc → 6700, no keys or another KVN → 6A88, no card
/// RNG → 6F00. Answers `KDD ‖ KVN ‖ 03 ‖ 20 ‖ card challenge ‖ card
/// cryptogram` and the pending authentication.
pub fn initialize_update(
    image: &CardImage,
    interface: Interface,
    rng: Option<&mut CardRng>,
    cmd: &CommandApdu,
) -> Result<(Response, CardPending), StatusWord> {
    contact_only(interface)?;
    let host_challenge = scp03::check_initialize_update(cmd).map_err(status_word)?;
    let (keys, kdd) = stored_keys(image).ok_or(StatusWord::ReferencedDataNotFound)?;
    if cmd.p1 != KVN_ANY && cmd.p1 != keys.kvn {
        return Err(StatusWord::ReferencedDataNotFound);
    }
    let rng = rng.ok_or(StatusWord::NoPreciseDiagnosis)?;
    let mut card_challenge = [0u8; CHALLENGE_LEN];
    rng.fill_bytes(&mut card_challenge);
    let (pending, response) = CardPending::initialize_update(&keys, &kdd, &host_challenge, card_challenge);
    Ok((Response::ok(response.to_bytes()), pending))
}

/// EXTERNAL AUTHENTICATE `84 82 SL 00 10 host-cryptogram ‖ C-MAC`, only
/// directly after INITIALIZE UPDATE (`pending`; else 6985). SL → 6A86,
/// length → 6700, host cryptogram → 6300, C-MAC → 6982; success opens the session.
pub fn external_authenticate(
    pending: Option<CardPending>,
    interface: Interface,
    cmd: &CommandApdu,
) -> Result<CardSession, StatusWord> {
    contact_only(interface)?;
    let pending = pending.ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
    pending.external_authenticate(cmd).map_err(status_word)
}
