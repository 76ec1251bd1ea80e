//! The real [`Token`]: the certificate zone of a New eID card through
//! neid-terminal's [`CertificateZone`] (PACE with the CAN first when one is
//! given, then SELECT of the PKCS#15 application).

use terminal::{Transport, TransportError};
use terminal::certs::{CertificateZone, CertsError, KeySlot};

use crate::token::*;

/// 6982 security status not satisfied (ISO 7816-4 §5.6): to a private-key
/// command it means PIN2 is not verified (certificate-zone.md §PSO).
const SW_SECURITY_STATUS: u16 = 0x6982;
/// 6882 secure messaging not supported (ISO 7816-4 §5.6): a zone without SM.
const SW_SM_NOT_SUPPORTED: u16 = 0x6882;

/// The zone owns its transport; `dyn Transport + Send` keeps it `Send`, as
/// the module's global state needs.
type Zone = CertificateZone<'static, dyn Transport + Send>;

pub struct CardToken {
    zone: Zone,
}

impl CardToken {
    /// Opens the certificate zone (PACE with `can` first when given).
    pub fn open(transport: Box<dyn Transport + Send>, can: Option<String>) -> Result<Self, TokenError> {
        let zone = Zone::open_owned(transport, can.as_deref()).map_err(certs_error)?;
        tracing::debug!(secure = zone.is_secure(), "certificate zone opened");
        Ok(Self { zone })
    }

    fn zone(&mut self) -> &mut Zone {
        &mut self.zone
    }
}

fn slot(key_ref: u8) -> Result<KeySlot, TokenError> {
    KeySlot::from_ref(key_ref)
        .ok_or_else(|| TokenError::InvalidInput { sw: None, reason: format!("no key reference {key_ref:02X}") })
}

/// CertsError → TokenError (the PKCS#11 code is chosen per operation).
fn certs_error(error: CertsError) -> TokenError {
    match error {
        CertsError::NotAvailable { sw } => TokenError::NoApplication(sw),
        CertsError::WrongPin2 { tries_left: 0 } | CertsError::Pin2Blocked => TokenError::PinBlocked,
        CertsError::WrongPin2 { tries_left } => TokenError::PinIncorrect { tries_left },
        CertsError::Pin2NotSet => TokenError::PinNotSet,
        CertsError::InvalidPin2 { rule } => TokenError::PinFormat(rule),
        CertsError::NeedsSecureMessaging { .. } => TokenError::CanRequired,
        CertsError::Card { sw: SW_SECURITY_STATUS, .. } => TokenError::NotLoggedIn,
        CertsError::Card { sw: SW_SM_NOT_SUPPORTED, .. } => TokenError::SecureMessagingUnsupported,
        CertsError::Card { sw, step } if is_input_refusal(sw) => {
            TokenError::InvalidInput { sw: Some(sw), reason: step }
        }
        CertsError::Card { sw, step } => {
            tracing::debug!(%step, sw = format!("{sw:04X}"), "card refused");
            TokenError::Card { operation: "certificate zone command", sw }
        }
        CertsError::InvalidInput { what, rule } => {
            TokenError::InvalidInput { sw: None, reason: format!("{what}: {rule}") }
        }
        CertsError::Transport(e) => transport_error(e),
        CertsError::Pace(e) => TokenError::Pace(e.to_string()),
        other @ CertsError::Malformed { .. } => TokenError::Malformed(other.to_string()),
    }
}

/// 6700 wrong length, 6A80 wrong data (ISO 7816-4 §5.6; certificate-zone.md §PSO).
fn is_input_refusal(sw: u16) -> bool {
    matches!(sw, 0x6700 | 0x6A80)
}

impl Token for CardToken {
    fn read_objects(&mut self) -> Result<TokenObjects, TokenError> {
        let objects = self.zone().read_objects().map_err(certs_error)?;
        Ok(TokenObjects {
            serial: objects.serial,
            label: objects.label,
            pin_min: objects.pin2_min,
            pin_max: objects.pin2_max,
            keys: objects
                .keys
                .into_iter()
                .map(|key| KeyObject {
                    key_ref: key.slot.key_ref(),
                    label: key.label,
                    id: key.id,
                    usage: KeyUsage::for_key_ref(key.slot.key_ref()),
                    spki_der: key.spki_der,
                })
                .collect(),
            certificates: objects
                .certificates
                .into_iter()
                .map(|c| CertificateObject { label: c.label, id: c.id, authority: c.authority, der: c.der })
                .collect(),
        })
    }

    fn pin_status(&mut self) -> Result<PinStatus, TokenError> {
        match self.zone().pin2_tries_left() {
            Ok(None) => Ok(PinStatus::Verified),
            Ok(Some(0)) => Ok(PinStatus::Blocked),
            Ok(Some(n)) => Ok(PinStatus::TriesLeft(n)),
            Err(CertsError::Pin2NotSet) => Ok(PinStatus::NotSet),
            Err(e) => Err(certs_error(e)),
        }
    }

    fn verify_pin(&mut self, pin: &[u8]) -> Result<(), TokenError> {
        let pin = std::str::from_utf8(pin).map_err(|_| TokenError::PinFormat("not UTF-8 digits".into()))?;
        self.zone().verify_pin2(pin).map_err(certs_error)
    }

    fn logout(&mut self) -> Result<(), TokenError> {
        self.zone().clear_pin2().map_err(certs_error)
    }

    fn sign(&mut self, key_ref: u8, mechanism: SignMechanism, input: &[u8]) -> Result<Vec<u8>, TokenError> {
        let mechanism = match mechanism {
            SignMechanism::RsaPkcs1 => terminal::SignMechanism::RsaPkcs1,
            SignMechanism::RsaPss => terminal::SignMechanism::RsaPss,
            SignMechanism::Ecdsa => terminal::SignMechanism::Ecdsa,
        };
        let slot = slot(key_ref)?;
        self.zone().sign(slot, mechanism, input).map_err(certs_error)
    }

    fn decipher(
        &mut self,
        key_ref: u8,
        mechanism: DecipherMechanism,
        cryptogram: &[u8],
    ) -> Result<Vec<u8>, TokenError> {
        let mechanism = match mechanism {
            DecipherMechanism::RsaPkcs1 => terminal::DecipherMechanism::RsaPkcs1,
            DecipherMechanism::RsaOaepSha1 => terminal::DecipherMechanism::RsaOaepSha1,
            DecipherMechanism::RsaOaepSha256 => terminal::DecipherMechanism::RsaOaepSha256,
        };
        let slot = slot(key_ref)?;
        self.zone().decipher(slot, mechanism, cryptogram).map_err(certs_error)
    }

    fn ecdh(&mut self, key_ref: u8, point: &[u8]) -> Result<Vec<u8>, TokenError> {
        let slot = slot(key_ref)?;
        self.zone().ecdh(slot, point).map_err(certs_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use terminal::TransportError;

    #[test]
    fn card_errors_map_to_token_errors() {
        assert!(matches!(certs_error(CertsError::NotAvailable { sw: 0x6A82 }), TokenError::NoApplication(0x6A82)));
        assert!(matches!(
            certs_error(CertsError::WrongPin2 { tries_left: 2 }),
            TokenError::PinIncorrect { tries_left: 2 }
        ));
        assert!(matches!(certs_error(CertsError::WrongPin2 { tries_left: 0 }), TokenError::PinBlocked));
        assert!(matches!(certs_error(CertsError::NeedsSecureMessaging { step: "x".into() }), TokenError::CanRequired));
        assert!(matches!(certs_error(CertsError::Card { step: "PSO".into(), sw: 0x6982 }), TokenError::NotLoggedIn));
        assert!(matches!(
            certs_error(CertsError::Card { step: "READ BINARY".into(), sw: 0x6882 }),
            TokenError::SecureMessagingUnsupported
        ));
        assert!(matches!(
            certs_error(CertsError::Card { step: "PSO".into(), sw: 0x6A80 }),
            TokenError::InvalidInput { sw: Some(0x6A80), .. }
        ));
        assert!(matches!(
            certs_error(CertsError::Transport(TransportError::NoCard("r".into()))),
            TokenError::Removed(_)
        ));
    }
}

/// Maps transport failures: a vanished card or reader is `Removed`.
pub fn transport_error(error: TransportError) -> TokenError {
    match error {
        TransportError::NoCard(reader) => TokenError::Removed(reader),
        TransportError::NoReaders => TokenError::Removed("no reader".into()),
        other => TokenError::Device(other.to_string()),
    }
}
