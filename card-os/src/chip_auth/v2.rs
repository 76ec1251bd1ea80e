//! Chip Authentication v2 on the card (TR-03110-2 §3.4, TR-03110-3 B.11.7):
//! after Terminal Authentication, the chip agrees new secure-messaging keys
//! with the terminal's ephemeral key from TA, using its static key (public
//! key in EF.CardSecurity), and proves it with a token.
//!
//! `MSE:Set AT 00 22 41 A4 {80 id-CA-ECDH-AES-…, [84 keyId]}` then
//! `GENERAL AUTHENTICATE 00 86 00 00 7C{80 PK_PCD}` → `7C{81 r_PICC, 82 T_PICC}`.
//! K = x(SK_PICC · PK_PCD); KS = KDF(K, r_PICC, c); T_PICC = MAC(KS_mac, PK_PCD).
//! The response travels under the old keys; the new session (SSC 0) starts
//! with the next command.
//!
//! | condition | SW |
//! |---|---|
//! | not after a successful TA in this PACE session | (not routed here: PACE / CA v1 path) |
//! | card holds no CA key (`eac.ca.key`) | 6A88 |
//! | MSE data malformed or OID not the card's CA protocol | 6A80 |
//! | GA data not `7C{80 point}`, point invalid | 6A80 |
//! | Comp(PK_PCD) ≠ the key of TA's MSE:Set AT | 6A80 |
//! | CA already done in this session | 6985 |

use alloc::vec::Vec;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::messages::{self, CA_NONCE_LEN, TAG_CA_EPHEMERAL_KEY, TAG_DYNAMIC_AUTHENTICATION_DATA, TAG_MECHANISM, TAG_PRIVATE_KEY_REFERENCE};
use super::{EacContext, EacReply, OBJECT_CA_KEY};
use crate::apdu::CommandApdu;
use crate::applet::Response;
use crate::nvm::CardImage;
use crate::protocol::ca::CaCipher;
use crate::protocol::oid::ObjectIdentifier;
use crate::protocol::{tlv, SmSession, StandardizedDomainParameters};
use crate::status::StatusWord;

/// The card's static CA key as stored at personalization.
pub struct CaKey {
    pub domain: StandardizedDomainParameters,
    pub cipher: CaCipher,
    pub private_key: Zeroizing<Vec<u8>>,
}

/// Layout of `eac.ca.key`: domain parameter id, cipher arc, scalar.
const CA_KEY_HEADER_LEN: usize = 2;

/// Encode the NVM object `eac.ca.key` (personalization).
pub fn encode_ca_key(domain: StandardizedDomainParameters, cipher: CaCipher, private_key: &[u8]) -> Vec<u8> {
    let arc = CaCipher::ALL.iter().position(|c| *c == cipher).unwrap_or(0) as u8 + 1;
    let mut out = Vec::with_capacity(CA_KEY_HEADER_LEN + private_key.len());
    out.push(domain.id());
    out.push(arc);
    out.extend_from_slice(private_key);
    out
}

/// The stored CA key; 6A88 when absent or unreadable.
pub fn stored_ca_key(image: &CardImage) -> Result<CaKey, StatusWord> {
    let bytes = image.objects.get(OBJECT_CA_KEY).ok_or(StatusWord::ReferencedDataNotFound)?;
    let [domain, arc, scalar @ ..] = bytes.as_slice() else {
        return Err(StatusWord::ReferencedDataNotFound);
    };
    let domain = StandardizedDomainParameters::from_id(*domain).map_err(|_| StatusWord::ReferencedDataNotFound)?;
    let cipher = usize::from(*arc)
        .checked_sub(1)
        .and_then(|i| CaCipher::ALL.get(i))
        .copied()
        .ok_or(StatusWord::ReferencedDataNotFound)?;
    Ok(CaKey { domain, cipher, private_key: Zeroizing::new(scalar.to_vec()) })
}

/// `00 22 41 A4 {80 CA OID [84 keyId]}`.
pub fn mse_set_at(ctx: &mut EacContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    let key = stored_ca_key(ctx.nvm.image())?;
    let session = ctx.session()?;
    session.eac.ca_selected = None;
    if session.eac.chip_authenticated {
        return Err(StatusWord::ConditionsOfUseNotSatisfied);
    }
    let objects = tlv::parse_all(&cmd.data).map_err(|_| StatusWord::IncorrectDataField)?;
    let oid = match objects.as_slice() {
        [oid] if oid.tag == TAG_MECHANISM => oid.value,
        [oid, id] if oid.tag == TAG_MECHANISM && id.tag == TAG_PRIVATE_KEY_REFERENCE => oid.value,
        _ => return Err(StatusWord::IncorrectDataField),
    };
    let oid = ObjectIdentifier::from_der_content(oid).map_err(|_| StatusWord::IncorrectDataField)?;
    if CaCipher::from_oid(&oid).ok() != Some(key.cipher) || key.cipher.aes().is_none() {
        return Err(StatusWord::IncorrectDataField);
    }
    session.eac.ca_selected = Some(key.cipher);
    Ok(Response::empty())
}

/// `00 86 00 00 7C{80 PK_PCD}` → `7C{81 r_PICC, 82 T_PICC}` and the new session.
pub fn general_authenticate(ctx: &mut EacContext<'_, '_>, cmd: &CommandApdu) -> Result<EacReply, StatusWord> {
    let key = stored_ca_key(ctx.nvm.image())?;
    let session = ctx.session()?;
    if session.eac.chip_authenticated {
        return Err(StatusWord::ConditionsOfUseNotSatisfied);
    }
    let cipher = session.eac.ca_selected.take().ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
    let expected = session.eac.terminal_ephemeral_key.clone().ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
    let public_key = match tlv::parse_single(&cmd.data, TAG_DYNAMIC_AUTHENTICATION_DATA) {
        Ok(Some(inner)) => match tlv::parse_single(inner, TAG_CA_EPHEMERAL_KEY) {
            Ok(Some(point)) => point.to_vec(),
            _ => return Err(StatusWord::IncorrectDataField),
        },
        _ => return Err(StatusWord::IncorrectDataField),
    };
    key.domain.check_public_key(&public_key).map_err(|_| StatusWord::IncorrectDataField)?;
    // TR-03110-3 B.11.7: the key must be the one TA's MSE:Set AT announced.
    let compressed = messages::compressed_key(key.domain, &public_key).map_err(|_| StatusWord::IncorrectDataField)?;
    if !bool::from(compressed.as_slice().ct_eq(expected.as_slice())) {
        return Err(StatusWord::IncorrectDataField);
    }
    let shared_point = Zeroizing::new(
        key.domain.multiply(&key.private_key, &public_key).map_err(|_| StatusWord::IncorrectDataField)?,
    );
    let k = Zeroizing::new(key.domain.x_coordinate(&shared_point).map_err(|_| StatusWord::IncorrectDataField)?);
    let rng = ctx.rng.as_mut().ok_or(StatusWord::NoPreciseDiagnosis)?;
    let mut nonce = [0u8; CA_NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let (ks_enc, ks_mac) = messages::ca_v2_session_keys(cipher, &k, &nonce).ok_or(StatusWord::NoPreciseDiagnosis)?;
    let token = messages::ca_v2_token(&ks_mac, cipher, &public_key).ok_or(StatusWord::NoPreciseDiagnosis)?;
    let new_session = SmSession::new(&ks_enc, &ks_mac).map_err(|_| StatusWord::NoPreciseDiagnosis)?;
    let data = messages::ca_v2_response(&nonce, &token);
    if cmd.ne.is_some_and(|ne| data.len() > ne) {
        return Err(crate::apdu::response::wrong_le(data.len()));
    }
    ctx.session()?.eac.chip_authenticated = true;
    Ok(EacReply { response: Response::ok(data), new_session: Some(new_session) })
}
