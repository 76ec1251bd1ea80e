//! The certificate zone from the terminal: the PKCS#15 application (ISO/IEC
//! 7816-15) with the citizen's key pairs and certificates, and the private-key
//! operations after PIN2 (docs/spec/certificate-zone.md, docs/spec/pins.md).
//!
//! ```text
//! let mut zone = CertificateZone::open(&mut transport, Some("012345"))?; // PACE-CAN, SELECT in SM
//! let objects = zone.read_objects()?;            // ODF → AODF, PrKDF, PuKDF, CDF; keys + certificates
//! zone.verify_pin2("13572468")?;
//! let signature = zone.sign(KeySlot::SignAuth, SignMechanism::RsaPkcs1, &digest_info)?;
//! ```
//!
//! **Ownership.** `CertificateZone<'t, T = dyn Transport + 't>` holds the
//! transport as a `Box<T>`, and, after PACE, the [`SecureChannel`] that owns
//! it. [`CertificateZone::open`] borrows (`&'t mut dyn Transport`: the caller
//! keeps its `PcscTransport` / `InProcessTransport` and may use it again when
//! the zone is dropped); [`CertificateZone::open_owned`] takes a `Box<T>`
//! for a zone that lives on its own, e.g. `CertificateZone<'static, dyn
//! Transport + Send>` in a PKCS#11 module (`Send` because the box is).
//! [`CertificateZone::transport`] gives the (protected, when SM runs)
//! transport for other commands of the same session.
//!
//! **PKCS#1 v1.5 decipherment** uses implicit rejection on the card
//! (certificate-zone.md §PSO:DECIPHER): a cryptogram with bad padding
//! answers a pseudo-random plaintext, not `6A80`; authenticate what you
//! decrypt.
//!
//! **Secure messaging.** The reference profiles protect every command of the
//! zone with PACE SM (CAN, MRZ or PIN1). `open` with a CAN runs PACE first and
//! selects the application inside SM; without one, everything is plain (the
//! middleware-compat profile; on an SM card the first read answers `6982`,
//! reported with a hint to give the CAN). PIN2's verified status survives
//! the end of an SM session, not a reset.
//!
//! **Long commands.** PSO:DECIPHER of a 2048-bit cryptogram (257 data bytes)
//! is sent as a chain (CLA `10`, `1C` inside SM) of links of at most 255
//! bytes (223 inside SM, so each protected link stays short); RSA responses
//! inside SM and GENERATE's 270-byte answer use extended Le (the channel sets
//! it, DO'97' carries two bytes for an extended plain Le).

mod commands;
mod mechanism;
mod objects;
mod pkcs15;

use std::marker::PhantomData;

use card_os::protocol::SmError;
use card_os::protocol::sm::Command;
use rand::CryptoRng;
use thiserror::Error;

use crate::card::{CardError, read_binary_all, sw_meaning, transmit};
use crate::pace::{PaceFailure, PacePasswordInput, establish_pace};
use crate::pin::{self, PinKind, PinState};
use crate::secure_channel::SecureChannel;
use crate::transport::{Transport, TransportError};

pub use commands::{AID, FID_ODF, FID_TOKEN_INFO, REF_PIN2};
pub use mechanism::{
    DecipherMechanism, ECDSA_INPUT_MAX, ECDSA_P384_SIGNATURE_LEN, KeyAlgorithm, KeySlot, P384_POINT_LEN,
    RSA_CRYPTOGRAM_LEN, RSA_PKCS1_INPUT_MAX, RSA_PSS_HASH_LENGTHS, RSA_SIGNATURE_LEN, SignMechanism,
};
pub use objects::{
    CertificateDetails, CertificateObject, KeyObject, OID_SECP384R1, PublicKeyValue, TokenObjects, decode_spki,
};

const SW_OK: u16 = 0x9000;
const SW_SECURITY_STATUS: u16 = 0x6982;
const SW_BLOCKED: u16 = 0x6983;
const SW_NOT_SET: u16 = 0x6984;
const SW_CONDITIONS: u16 = 0x6985;
const SW_WRONG_DATA: u16 = 0x6A80;
const SW_REFERENCED_DATA_NOT_FOUND: u16 = 0x6A88;
/// `63Cx`: verification failed, x tries left (ISO 7816-4 §5.6).
const SW_COUNTER_MASK: u16 = 0xFFF0;
const SW_COUNTER: u16 = 0x63C0;
/// PIN2 is stored padded to 12 bytes with `FF` (AODF storedLength, padChar).
const PIN2_STORED_LENGTH: usize = 12;
const PIN2_PAD_CHAR: u8 = 0xFF;
/// PIN2 of the chip (pins.md) when the AODF has no PinObject for it.
const PIN2_MIN_DEFAULT: usize = 8;
const PIN2_MAX_DEFAULT: usize = 12;

/// Why a certificate-zone operation failed.
#[derive(Debug, Error)]
pub enum CertsError {
    /// SELECT of the PKCS#15 application failed: the card has no certificate zone.
    #[error(
        "the card has no certificate zone (SELECT PKCS#15 application A000000063504B43532D3135: card answered {sw:04X} ({}))",
        sw_meaning(*sw)
    )]
    NotAvailable { sw: u16 },
    /// VERIFY answered `63Cx`.
    #[error("wrong PIN2 (card answered 63C{tries_left:X}): {}", tries_hint(*tries_left))]
    WrongPin2 { tries_left: u8 },
    #[error(
        "PIN2 is blocked (card answered 6983): unblock it with the user code (`neid pin unblock --pin2 --user-code …`)"
    )]
    Pin2Blocked,
    #[error("PIN2 is not set (card answered 6984): set it with the user code (`neid pin set --user-code … --pin2 …`)")]
    Pin2NotSet,
    /// A PIN2 value that breaks the format (nothing was sent).
    #[error("PIN2: {rule}")]
    InvalidPin2 { rule: String },
    /// A read refused with `6982` on a plain connection: the zone needs PACE SM.
    #[error(
        "{step}: card answered 6982 (security status not satisfied): the certificate zone needs secure messaging — open it with the CAN (--can)"
    )]
    NeedsSecureMessaging { step: String },
    /// Any other status word, with the command that got it.
    #[error("{step}: card answered {sw:04X} ({}){}", sw_meaning(*sw), sw_hint(*sw))]
    Card { step: String, sw: u16 },
    /// A PKCS#15 file, public key or certificate that does not decode, or a
    /// card answer of the wrong shape (`file` then names the command).
    #[error("{file}: {reason}")]
    Malformed { file: String, reason: String },
    /// An argument that cannot be sent (wrong length, mechanism not for the key); nothing was sent.
    #[error("{what}: {rule}")]
    InvalidInput { what: &'static str, rule: String },
    /// Not `#[from]`: `{:#}` chains would print the inner error twice.
    #[error("{0}")]
    Transport(TransportError),
    #[error("{0}")]
    Pace(PaceFailure),
}

fn tries_hint(tries_left: u8) -> String {
    match tries_left {
        0 => "PIN2 is now blocked; unblock it with the user code".into(),
        1 => "1 try left".into(),
        n => format!("{n} tries left"),
    }
}

fn sw_hint(sw: u16) -> &'static str {
    match sw {
        SW_SECURITY_STATUS => {
            " — PIN2 not verified, or the zone needs secure messaging (open it with the CAN), or the contactless interface"
        }
        SW_CONDITIONS => " — conditions of use not satisfied (no MSE:SET for the operation)",
        SW_REFERENCED_DATA_NOT_FOUND => " — the key is not generated (issue the certificates first)",
        SW_WRONG_DATA => " — the card refused the data (undecryptable cryptogram, bad padding, point not on the curve)",
        _ => "",
    }
}

impl CertsError {
    /// The card's status word, when the card answered one.
    pub fn sw(&self) -> Option<u16> {
        match self {
            CertsError::NotAvailable { sw } | CertsError::Card { sw, .. } => Some(*sw),
            CertsError::NeedsSecureMessaging { .. } => Some(SW_SECURITY_STATUS),
            CertsError::WrongPin2 { tries_left } => Some(SW_COUNTER | u16::from(*tries_left)),
            CertsError::Pin2Blocked => Some(SW_BLOCKED),
            CertsError::Pin2NotSet => Some(SW_NOT_SET),
            _ => None,
        }
    }
}

impl From<TransportError> for CertsError {
    fn from(error: TransportError) -> Self {
        CertsError::Transport(error)
    }
}

impl From<PaceFailure> for CertsError {
    fn from(error: PaceFailure) -> Self {
        CertsError::Pace(error)
    }
}

/// The road to the card: plain, or the secure channel of a PACE session.
enum Link<T: Transport + ?Sized> {
    Plain(Box<T>),
    Secure(SecureChannel<Box<T>>),
}

/// An opened certificate zone (the PKCS#15 application is selected).
///
/// `T` is the boxed transport: `dyn Transport + 't` by default; a zone that
/// must be `Send` (a PKCS#11 module's global state) uses
/// `CertificateZone<'static, dyn Transport + Send>` from
/// [`open_owned`](Self::open_owned).
pub struct CertificateZone<'t, T: Transport + ?Sized + 't = dyn Transport + 't> {
    link: Link<T>,
    _borrow: PhantomData<&'t mut ()>,
}

impl<'t> CertificateZone<'t> {
    /// PACE with the CAN first when given (then SELECT inside SM), else a
    /// plain SELECT of the application.
    pub fn open(transport: &'t mut dyn Transport, can: Option<&str>) -> Result<Self, CertsError> {
        Self::open_owned(Box::new(transport), can)
    }
}

impl<'t, T: Transport + ?Sized + 't> CertificateZone<'t, T> {
    /// As [`open`](CertificateZone::open), taking the transport (e.g.
    /// `Box<dyn Transport + Send>`). After a failed PACE the transport is
    /// gone with the error.
    pub fn open_owned(transport: Box<T>, can: Option<&str>) -> Result<Self, CertsError> {
        let password = can
            .map(PacePasswordInput::can)
            .transpose()
            .map_err(|e| CertsError::InvalidInput { what: "CAN", rule: e.to_string() })?;
        Self::open_with(transport, password.as_ref(), &mut rand::rng())
    }

    /// As [`open_owned`](Self::open_owned) with any PACE password the zone
    /// keeps (CAN, MRZ or PIN1) and a chosen random source.
    pub fn open_with<R: CryptoRng>(
        transport: Box<T>,
        password: Option<&PacePasswordInput>,
        rng: &mut R,
    ) -> Result<Self, CertsError> {
        let link = match password {
            Some(password) => Link::Secure(establish_pace(transport, password, rng)?),
            None => Link::Plain(transport),
        };
        let mut zone = Self { link, _borrow: PhantomData };
        zone.select_application()?;
        Ok(zone)
    }

    /// Whether commands run under PACE secure messaging.
    pub fn is_secure(&self) -> bool {
        matches!(self.link, Link::Secure(_))
    }

    /// The transport commands of this zone go through (the secure channel
    /// when SM runs): for commands this type does not offer.
    pub fn transport(&mut self) -> &mut (dyn Transport + 't) {
        match &mut self.link {
            Link::Plain(transport) => transport,
            Link::Secure(channel) => channel,
        }
    }

    fn send(&mut self, command: &Command) -> Result<crate::card::Response, CertsError> {
        let bytes = command.to_bytes().map_err(TransportError::SecureMessaging)?;
        transmit(self.transport(), &bytes).map_err(session_ended)
    }

    /// Send and require `9000`; the data of the response.
    fn expect_ok(&mut self, command: &Command, step: impl FnOnce() -> String) -> Result<Vec<u8>, CertsError> {
        let response = self.send(command)?;
        if response.sw != SW_OK {
            return Err(CertsError::Card { step: step(), sw: response.sw });
        }
        Ok(response.data)
    }

    fn select_application(&mut self) -> Result<(), CertsError> {
        let response = transmit(self.transport(), &crate::card::select_aid_apdu(&AID))?;
        match response.sw {
            SW_OK => Ok(()),
            sw => Err(CertsError::NotAvailable { sw }),
        }
    }

    /// SELECT an EF of the application by FID and read it whole.
    pub fn read_ef(&mut self, fid: u16, name: &str) -> Result<Vec<u8>, CertsError> {
        let select = self.send(&commands::select_ef(fid))?;
        if select.sw != SW_OK {
            return Err(self.read_error(format!("SELECT {name} ({fid:04X})"), select.sw));
        }
        match read_binary_all(self.transport()) {
            Ok(content) => Ok(content),
            Err(CardError::Transport(t)) => Err(session_ended(t)),
            Err(CardError::Status { sw, .. }) => Err(self.read_error(format!("READ BINARY {name} ({fid:04X})"), sw)),
            Err(other) => Err(CertsError::Malformed { file: format!("{name} ({fid:04X})"), reason: other.to_string() }),
        }
    }

    fn read_error(&self, step: String, sw: u16) -> CertsError {
        if sw == SW_SECURITY_STATUS && !self.is_secure() {
            CertsError::NeedsSecureMessaging { step }
        } else {
            CertsError::Card { step, sw }
        }
    }

    /// EF.ODF, then EF.TokenInfo, EF.AODF, EF.PrKDF, EF.PuKDF and EF.CDF;
    /// each key's public key EF and each certificate EF the directories name.
    pub fn read_objects(&mut self) -> Result<TokenObjects, CertsError> {
        let odf_name = "EF.ODF";
        let odf = pkcs15::parse_odf(&self.read_ef(FID_ODF, odf_name)?).map_err(|e| malformed(odf_name, FID_ODF, e))?;
        let token_name = "EF.TokenInfo";
        let token = pkcs15::parse_token_info(&self.read_ef(FID_TOKEN_INFO, token_name)?)
            .map_err(|e| malformed(token_name, FID_TOKEN_INFO, e))?;

        let pins = self.read_directory(odf.aodf, "EF.AODF", pkcs15::parse_aodf)?;
        let pin2 = pins.iter().find(|p| p.reference == u32::from(REF_PIN2));
        let (pin2_min, pin2_max) = match pin2 {
            Some(p) => (p.min_length, p.max_length.unwrap_or(p.stored_length)),
            None => (PIN2_MIN_DEFAULT, PIN2_MAX_DEFAULT),
        };

        let private_keys = self.read_directory(odf.prkdf, "EF.PrKDF", pkcs15::parse_prkdf)?;
        let public_keys = self.read_directory(odf.pukdf, "EF.PuKDF", pkcs15::parse_pukdf)?;
        let mut keys = Vec::with_capacity(private_keys.len());
        for private in private_keys {
            let key_ref = private.key_reference.or_else(|| private.id.first().map(|&b| u32::from(b)));
            let slot = key_ref.and_then(|r| u8::try_from(r).ok()).and_then(KeySlot::from_ref).ok_or_else(|| {
                CertsError::Malformed {
                    file: "EF.PrKDF".into(),
                    reason: format!("key \"{}\": key reference {key_ref:?} is not one of 01..05", private.label),
                }
            })?;
            let public = public_keys.iter().find(|p| p.id == private.id).ok_or_else(|| CertsError::Malformed {
                file: "EF.PuKDF".into(),
                reason: format!("no public key with iD {} ({slot})", hex::encode_upper(&private.id)),
            })?;
            let file = format!("public key EF {:04X} ({slot})", public.fid);
            let spki_der = self.read_ef(public.fid, "public key")?;
            let (algorithm, _) =
                decode_spki(&spki_der).map_err(|reason| CertsError::Malformed { file: file.clone(), reason })?;
            if algorithm != private.algorithm || algorithm != slot.algorithm() {
                return Err(CertsError::Malformed {
                    file,
                    reason: format!("{algorithm} key, but the PrKDF lists {} for {slot}", private.algorithm),
                });
            }
            keys.push(KeyObject { slot, label: private.label, id: private.id, algorithm, spki_der });
        }

        let mut certificates = Vec::new();
        for entry in self.read_directory(odf.cdf, "EF.CDF", pkcs15::parse_cdf)? {
            let der = self.read_ef(entry.fid, "certificate")?;
            if der.is_empty() {
                return Err(CertsError::Malformed {
                    file: format!("certificate EF {:04X}", entry.fid),
                    reason: format!("empty, but EF.CDF lists \"{}\"", entry.label),
                });
            }
            certificates.push(CertificateObject {
                fid: entry.fid,
                label: entry.label,
                id: entry.id,
                authority: entry.authority,
                der,
            });
        }
        Ok(TokenObjects {
            serial: token.serial,
            label: token.label.unwrap_or_default(),
            pin2_min,
            pin2_max,
            keys,
            certificates,
        })
    }

    /// A directory file the ODF names (none listed: no entries).
    fn read_directory<E>(
        &mut self,
        fid: Option<u16>,
        name: &str,
        parse: fn(&[u8]) -> Result<Vec<E>, pkcs15::Malformed>,
    ) -> Result<Vec<E>, CertsError> {
        let Some(fid) = fid else { return Ok(Vec::new()) };
        let content = self.read_ef(fid, name)?;
        parse(&content).map_err(|e| malformed(name, fid, e))
    }

    /// VERIFY `00 20 00 81 0C PIN2‖FF…` (pins.md; padded to the AODF storedLength 12).
    pub fn verify_pin2(&mut self, pin2: &str) -> Result<(), CertsError> {
        pin::check_format(PinKind::Pin2, pin2).map_err(|_| CertsError::InvalidPin2 {
            rule: format!("must be {PIN2_MIN_DEFAULT} to {PIN2_MAX_DEFAULT} digits"),
        })?;
        let mut field = pin2.as_bytes().to_vec();
        field.resize(PIN2_STORED_LENGTH, PIN2_PAD_CHAR);
        match self.send(&commands::verify(field))?.sw {
            SW_OK => Ok(()),
            SW_BLOCKED => Err(CertsError::Pin2Blocked),
            SW_NOT_SET => Err(CertsError::Pin2NotSet),
            s if s & SW_COUNTER_MASK == SW_COUNTER => Err(CertsError::WrongPin2 { tries_left: (s & 0x0F) as u8 }),
            sw => Err(CertsError::Card { step: "VERIFY (PIN2)".into(), sw }),
        }
    }

    /// VERIFY `00 20 00 81` without data: `None` when PIN2 is verified (its
    /// counter is then full), `Some(x)` tries left when not, `Some(0)` when
    /// blocked; not set → [`CertsError::Pin2NotSet`].
    pub fn pin2_tries_left(&mut self) -> Result<Option<u8>, CertsError> {
        match self.pin2_state()? {
            PinState::Usable => Ok(None),
            PinState::TriesLeft(n) => Ok(Some(n)),
            PinState::Blocked => Ok(Some(0)),
            PinState::NotSet => Err(CertsError::Pin2NotSet),
            PinState::Other(sw) => Err(CertsError::Card { step: "VERIFY (PIN2 status)".into(), sw }),
        }
    }

    /// PIN2's state as VERIFY without data shows it.
    pub fn pin2_state(&mut self) -> Result<PinState, CertsError> {
        Ok(PinState::from_sw(self.send(&commands::verify(Vec::new()))?.sw))
    }

    /// VERIFY `00 20 FF 81`: PIN2 back to "not verified" (a PKCS#11 logout).
    pub fn clear_pin2(&mut self) -> Result<(), CertsError> {
        self.expect_ok(&commands::verify_reset(), || "VERIFY P1=FF (PIN2 back to not verified)".into())?;
        Ok(())
    }

    /// MSE:SET DST, then PSO:COMPUTE DIGITAL SIGNATURE. Inputs: `RsaPkcs1` a
    /// DigestInfo (see [`crate::digest_info`]) or raw data ≤ 245 bytes;
    /// `RsaPss` a SHA-256/384/512 hash; `Ecdsa` a hash ≤ 64 bytes (output r‖s).
    pub fn sign(&mut self, slot: KeySlot, mech: SignMechanism, input: &[u8]) -> Result<Vec<u8>, CertsError> {
        check_sign(slot, mech, input)?;
        self.expect_ok(&commands::mse_set_dst(mech.algorithm_id(), slot), || {
            format!("MSE:SET DST ({slot}, {})", mech.name())
        })?;
        let step = || format!("PSO:COMPUTE DIGITAL SIGNATURE ({slot}, {})", mech.name());
        let signature = self.expect_ok(&commands::pso_cds(input), step)?;
        check_signature(slot, signature, step)
    }

    /// MSE:SET CT, then PSO:DECIPHER of `00 ‖ cryptogram` (256 bytes, chained).
    pub fn decipher(
        &mut self,
        slot: KeySlot,
        mech: DecipherMechanism,
        cryptogram: &[u8],
    ) -> Result<Vec<u8>, CertsError> {
        if slot != KeySlot::Decipher {
            return Err(CertsError::InvalidInput {
                what: "key",
                rule: format!("{slot} does not decipher; {} does", KeySlot::Decipher),
            });
        }
        if cryptogram.len() != RSA_CRYPTOGRAM_LEN {
            return Err(CertsError::InvalidInput {
                what: "cryptogram",
                rule: format!("{} bytes; an RSA-2048 cryptogram has {RSA_CRYPTOGRAM_LEN}", cryptogram.len()),
            });
        }
        self.expect_ok(&commands::mse_set_ct(mech.algorithm_id(), slot), || {
            format!("MSE:SET CT ({slot}, {})", mech.name())
        })?;
        self.pso_decipher(cryptogram, mech.name())
    }

    /// MSE:SET CT alg `60`, then PSO:DECIPHER of `00 ‖ point`: the x-coordinate
    /// of the shared point (48 bytes). `peer_point`: uncompressed P-384 (97 bytes).
    pub fn ecdh(&mut self, slot: KeySlot, peer_point: &[u8]) -> Result<Vec<u8>, CertsError> {
        if slot.algorithm() != KeyAlgorithm::EcP384 {
            return Err(CertsError::InvalidInput {
                what: "key",
                rule: format!("{slot} is not an ECC key (ecc1..ecc3)"),
            });
        }
        if peer_point.len() != P384_POINT_LEN || peer_point.first() != Some(&mechanism::UNCOMPRESSED_POINT) {
            return Err(CertsError::InvalidInput {
                what: "peer point",
                rule: format!(
                    "{} bytes; an uncompressed P-384 point is 04 ‖ X ‖ Y, {P384_POINT_LEN} bytes",
                    peer_point.len()
                ),
            });
        }
        self.expect_ok(&commands::mse_set_ct(mechanism::ALG_ECDH, slot), || format!("MSE:SET CT ({slot}, ECDH)"))?;
        self.pso_decipher(peer_point, "ECDH")
    }

    fn pso_decipher(&mut self, data: &[u8], what: &str) -> Result<Vec<u8>, CertsError> {
        let links = commands::pso_decipher(data, self.is_secure());
        let count = links.len();
        let mut answer = Vec::new();
        for (index, link) in links.iter().enumerate() {
            answer = self.expect_ok(link, || {
                if count == 1 {
                    format!("PSO:DECIPHER ({what})")
                } else {
                    format!("PSO:DECIPHER ({what}, chained part {} of {count})", index + 1)
                }
            })?;
        }
        Ok(answer)
    }

    /// INTERNAL AUTHENTICATE `00 88 alg 8x`: client authentication without
    /// MSE. Key `01`: PKCS#1 v1.5 of `input` (≤ 245 bytes, e.g. a TLS
    /// DigestInfo); keys `03`–`05`: ECDSA of a hash ≤ 64 bytes.
    pub fn internal_authenticate(&mut self, slot: KeySlot, input: &[u8]) -> Result<Vec<u8>, CertsError> {
        let mech = SignMechanism::for_internal_authenticate(slot).ok_or_else(|| CertsError::InvalidInput {
            what: "key",
            rule: format!("{slot} does not authenticate; {} and the ECC keys do", KeySlot::SignAuth),
        })?;
        check_sign(slot, mech, input)?;
        let algorithm = mech.internal_authenticate_id().unwrap_or_default();
        let step = || format!("INTERNAL AUTHENTICATE ({slot})");
        let signature = self.expect_ok(&commands::internal_authenticate(algorithm, slot, input), step)?;
        check_signature(slot, signature, step)
    }

    /// GENERATE ASYMMETRIC KEY PAIR P1 `01`: the key's public key DO'7F49'
    /// as the card answers it (extended Le; `6A88` when not generated).
    pub fn generated_public_key(&mut self, slot: KeySlot) -> Result<Vec<u8>, CertsError> {
        self.expect_ok(&commands::read_public_key(slot), || format!("GENERATE ASYMMETRIC KEY PAIR P1=01 ({slot})"))
    }
}

fn check_sign(slot: KeySlot, mech: SignMechanism, input: &[u8]) -> Result<(), CertsError> {
    if !mech.allowed_for(slot) {
        return Err(CertsError::InvalidInput {
            what: "mechanism",
            rule: format!("{} is not a mechanism of {slot} ({})", mech.name(), slot.algorithm()),
        });
    }
    match mech.input_violation(input) {
        Some(rule) => Err(CertsError::InvalidInput { what: "input", rule }),
        None => Ok(()),
    }
}

/// A signature answer must have the key's signature length (RSA-2048 256
/// bytes, ECDSA P-384 r ‖ s 96 bytes): anything else is a card fault.
fn check_signature(slot: KeySlot, signature: Vec<u8>, step: impl FnOnce() -> String) -> Result<Vec<u8>, CertsError> {
    let expected = slot.algorithm().signature_len();
    if signature.len() == expected {
        return Ok(signature);
    }
    Err(CertsError::Malformed {
        file: format!("{} answer", step()),
        reason: format!("{} bytes; a {} signature has {expected}", signature.len(), slot.algorithm()),
    })
}

/// What a plain answer inside SM means here: the card ended the PACE session.
const STEP_SESSION_ENDED: &str = "the card ended the PACE session: this certificate zone keeps none (a zone without \
     secure messaging, e.g. the middleware-compat profile): open it without the CAN";

/// A plain answer inside SM (the card ended the session) becomes a card
/// error that says so; every other transport error stays as it is.
fn session_ended(error: TransportError) -> CertsError {
    match error {
        TransportError::SecureMessaging(SmError::Unprotected { sw }) => {
            CertsError::Card { step: STEP_SESSION_ENDED.to_owned(), sw }
        }
        other => CertsError::Transport(other),
    }
}

fn malformed(name: &str, fid: u16, error: pkcs15::Malformed) -> CertsError {
    CertsError::Malformed { file: format!("{name} ({fid:04X})"), reason: error.0 }
}

#[cfg(test)]
mod tests;
