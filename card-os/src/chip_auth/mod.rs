//! Chip Authentication v1 on the card, in the eMRTD application (ICAO
//! 9303-11 §6.2, TR-03110-3 B.11; docs/spec/chip-authentication.md and
//! docs/spec/icao.md). The cryptography is `protocol::ca::ca_chip_agree`.
//!
//! | cipher | command | response |
//! |---|---|---|
//! | 3DES | MSE:Set KAT `00 22 41 A6 {91 PK_IFD [84 keyId]}` | `90 00`, then the new session |
//! | any offered | MSE:Set AT `00 22 41 A4 {80 OID [84 keyId]}` | `90 00` |
//! | idem | GENERAL AUTHENTICATE `00 86 00 00 7C{80 PK_IFD} 00` | `7C 00 90 00`, then the new session |
//!
//! The completing command is answered under the old session; the card then
//! switches to KS_enc / KS_mac = KDF(x(SK·PK_IFD), 1 / 2) with SSC 0
//! (§6.2.4). The security status (BAC or PACE with the MRZ) is kept.
//!
//! NVM objects, written at personalization, never readable by a command:
//! [`OBJECT_CA_INFOS`] (the DG14 content: the offered ChipAuthenticationInfos
//! and the public key's domain parameters) and [`OBJECT_CA_KEY`] (the static
//! private key, big-endian, field size).
//!
//! | condition | SW |
//! |---|---|
//! | not protected by secure messaging | 6982 |
//! | the card holds no CA key | 6A88 |
//! | protocol not offered in DG14 (MSE:Set KAT: 3DES not offered) | 6A81 |
//! | DO'84' names another key | 6A88 |
//! | malformed data, PK_IFD not on the curve or equal to the chip's key | 6A80 |
//! | GENERAL AUTHENTICATE P1-P2 ≠ 00 00 / Le absent | 6A86 / 6700 |

use alloc::vec::Vec;

use crate::apdu::{class, CommandApdu};
use crate::applet::Response;
use crate::nvm::CardImage;
use crate::pace::{INS_GENERAL_AUTHENTICATE, INS_MSE};
use crate::protocol::ca::messages::{MSE_P1_SET_COMPUTATION, MSE_P2_AT, MSE_P2_KAT};
use crate::protocol::ca::{
    self, decode_dg14, CaCipher, CaCommandData, CaError, CaSecureMessaging, ChipAuthenticationInfo,
};
use crate::secure_messaging::Session;
use crate::status::StatusWord;

/// NVM object: the DG14 content the card offers CA from.
pub const OBJECT_CA_INFOS: &str = "icao.ca.infos";
/// NVM object: the chip's static CA private key.
pub const OBJECT_CA_KEY: &str = "icao.ca.key";
/// P1-P2 of GENERAL AUTHENTICATE for CA (TR-03110-3 B.11.2).
const P1P2_NONE: (u8, u8) = (0x00, 0x00);

/// Volatile CA state: the protocol MSE:Set AT chose, awaiting GENERAL AUTHENTICATE.
#[derive(Debug, Default)]
pub struct ChipAuthState {
    pending: Option<CaCipher>,
}

impl ChipAuthState {
    pub fn awaits_general_authenticate(&self) -> bool {
        self.pending.is_some()
    }
}

/// Whether card-os handles `cmd` as a CA command (in the eMRTD application):
/// MSE:Set KAT, MSE:Set AT `41 A4`, or GENERAL AUTHENTICATE after that Set AT.
pub fn is_chip_auth_command(cmd: &CommandApdu, state: &ChipAuthState) -> bool {
    class::is_interindustry(cmd.cla)
        && match cmd.ins {
            INS_MSE => cmd.p1 == MSE_P1_SET_COMPUTATION && (cmd.p2 == MSE_P2_KAT || cmd.p2 == MSE_P2_AT),
            INS_GENERAL_AUTHENTICATE => state.awaits_general_authenticate(),
            _ => false,
        }
}

fn ca_status(e: CaError) -> StatusWord {
    StatusWord::from_u16(e.status_word()).unwrap_or(StatusWord::NoPreciseDiagnosis)
}

/// What the card offers: its ChipAuthenticationInfos, the key's domain
/// parameters and the static private key.
struct Offer<'a> {
    infos: Vec<ChipAuthenticationInfo>,
    domain: crate::protocol::StandardizedDomainParameters,
    key_id: Option<u32>,
    private_key: &'a [u8],
}

impl Offer<'_> {
    fn load(image: &CardImage) -> Result<Offer<'_>, StatusWord> {
        let private_key = image.objects.get(OBJECT_CA_KEY).ok_or(StatusWord::ReferencedDataNotFound)?;
        let infos = image.objects.get(OBJECT_CA_INFOS).ok_or(StatusWord::ReferencedDataNotFound)?;
        let dg14 = decode_dg14(infos).map_err(|_| StatusWord::NoPreciseDiagnosis)?;
        let public_key = dg14.public_keys.first().ok_or(StatusWord::ReferencedDataNotFound)?;
        Ok(Offer {
            infos: dg14.chip_authentication.clone(),
            domain: public_key.domain,
            key_id: public_key.key_id,
            private_key,
        })
    }

    /// The cipher must be offered, and DO'84' (if any) name the card's key.
    fn check(&self, cipher: CaCipher, key_id: Option<u32>) -> Result<(), StatusWord> {
        if !self.infos.iter().any(|info| info.cipher == cipher) {
            return Err(StatusWord::FunctionNotSupported);
        }
        match key_id {
            Some(id) if Some(id) != self.key_id => Err(StatusWord::ReferencedDataNotFound),
            _ => Ok(()),
        }
    }

    fn agree(&self, cipher: CaCipher, terminal_key: &[u8]) -> Result<Session, StatusWord> {
        let keys = ca::ca_chip_agree(self.domain, cipher, self.private_key, terminal_key).map_err(ca_status)?;
        match keys.session().map_err(ca_status)? {
            CaSecureMessaging::Aes(session) => Ok(Session::Aes(session)),
            CaSecureMessaging::Tdes(session) => Ok(Session::Tdes(session)),
        }
    }
}

/// Run one CA command (`is_chip_auth_command` holds). `Some(session)` when
/// CA completed: the card answers under the old session, then installs it.
pub fn process(
    image: &CardImage,
    state: &mut ChipAuthState,
    protected: bool,
    cmd: &CommandApdu,
) -> Result<(Response, Option<Session>), StatusWord> {
    // Every CA command ends the choice of a previous MSE:Set AT.
    let pending = state.pending.take();
    if !protected {
        return Err(StatusWord::SecurityStatusNotSatisfied);
    }
    let offer = Offer::load(image)?;
    match cmd.ins {
        INS_MSE if cmd.p2 == MSE_P2_KAT => {
            let CaCommandData::SetKat { ephemeral_public_key, key_id } =
                CaCommandData::decode_mse_set_kat(&cmd.data).map_err(ca_status)?
            else {
                return Err(StatusWord::IncorrectDataField);
            };
            offer.check(CaCipher::Tdes, key_id)?;
            let session = offer.agree(CaCipher::Tdes, &ephemeral_public_key)?;
            Ok((Response::empty(), Some(session)))
        }
        INS_MSE => {
            let CaCommandData::SetAt { cipher, key_id } =
                CaCommandData::decode_mse_set_at(&cmd.data).map_err(ca_status)?
            else {
                return Err(StatusWord::IncorrectDataField);
            };
            offer.check(cipher, key_id)?;
            state.pending = Some(cipher);
            Ok((Response::empty(), None))
        }
        _ => {
            let cipher = pending.ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
            if (cmd.p1, cmd.p2) != P1P2_NONE {
                return Err(StatusWord::IncorrectP1P2);
            }
            if cmd.ne.is_none() {
                return Err(StatusWord::WrongLength);
            }
            let CaCommandData::GeneralAuthenticate { ephemeral_public_key } =
                CaCommandData::decode_general_authenticate(&cmd.data).map_err(ca_status)?
            else {
                return Err(StatusWord::IncorrectDataField);
            };
            let session = offer.agree(cipher, &ephemeral_public_key)?;
            Ok((Response::ok(ca::messages::general_authenticate_response()), Some(session)))
        }
    }
}
