//! Issuance of the citizen certificates over APDUs
//! (docs/spec/certificate-zone.md §Issuance, docs/spec/scp03.md): what
//! `neid issue certs` and the emulator's personalization run.
//!
//! 0. Before any command: the period, and what the user certificates take
//!    from the holder (subject, validity), so a bad holder never changes
//!    the card;
//! 1. SELECT the PKCS#15 application (ISO 7816-4 §11.2.2) — selecting an
//!    application would end an SCP03 session, so it comes first;
//! 2. INITIALIZE UPDATE with the issuer key set's KVN, the card's keys
//!    diversified with the KDD it answers, card cryptogram checked;
//!    EXTERNAL AUTHENTICATE (GP Amd D §7.1; SL `13` by default);
//!    With C-DECRYPTION, a SELECT of EF.ODF inside the session proves
//!    K-ENC (the card cryptogram proves K-MAC only) before the card changes;
//! 3. PUT DATA without data of the user certificates `4433`–`4435`: an
//!    interrupted run then never leaves a certificate for a replaced key;
//! 4. GENERATE ASYMMETRIC KEY PAIR (ISO 7816-8 §5.1) for keys `01`–`05`,
//!    extended Le (an RSA answer is 270 bytes);
//! 5. X.509 certificates for keys `01`, `02`, `03` from the citizen CA;
//! 6. PUT DATA (ISO 7816-4 §11.4.6) of the root, the citizen CA and the three
//!    user certificates, in command chains (§5.3.3) whose wrapped links
//!    fit a short APDU (Lc ≤ 255).
//!
//! Every command after EXTERNAL AUTHENTICATE is wrapped by
//! `card_os::protocol::scp03::HostSession`. Errors name the step and the
//! status word.

mod apdus;
mod public_key;
#[cfg(test)]
mod tests;

use core::fmt;

use card_os::StatusWord;
use card_os::protocol::scp03::{
    self, CHALLENGE_LEN, HostSession, InitializeUpdateResponse, Kdd, Scp03Error, SecurityLevel,
    StaticKeys,
};
use der::Encode;
use profiles::{CertificatePeriod, IssuerKeys, ValidityError};
use rand::CryptoRng;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use crate::PkiError;
use crate::citizen::{CertifiedKey, CitizenCa, Holder, UserCertificate, check_user_fields};

pub use apdus::{
    CERTIFICATE_FIDS, FID_INTERMEDIATE_CERTIFICATE, FID_ROOT_CERTIFICATE, GENERATED_KEY_REFS,
    PKCS15_AID, max_link_data,
};
pub use public_key::{CardPublicKey, parse_public_key};

const SW_SUCCESS: u16 = 0x9000;
/// "Referenced data not found": INITIALIZE UPDATE without a key set of that
/// KVN (scp03.md).
const SW_NOT_FOUND: u16 = 0x6A88;
/// "Security status not satisfied": a command the card could not unwrap
/// (wrong C-MAC or padding after decryption) ends the session with it.
const SW_SECURITY_STATUS: u16 = 0x6982;

/// Which certificate period the user certificates get.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Period {
    /// Issue date to issue date + 5 years − 1 day.
    #[default]
    First,
    /// The key-rollover period (`neid issue certs --rollover`).
    Second,
}

/// The validity of the user certificates of `holder` for `period`
/// (`profiles::certificate_periods`); a holder under 14 at issue has no
/// second period.
pub fn certificate_period(
    holder: &profiles::Holder,
    period: Period,
) -> Result<CertificatePeriod, IssuanceError> {
    let periods = holder.certificate_periods()?;
    match period {
        Period::First => Ok(periods.first),
        Period::Second => periods.second.ok_or(IssuanceError::NoSecondPeriod {
            age: periods.age,
            band: periods.band.describe(),
        }),
    }
}

/// The issuer master keys of a key file, as SCP03 takes them. The copy is
/// a `StaticKeys`, which wipes itself when dropped (as `IssuerKeys` does).
pub fn master_keys(keys: &IssuerKeys) -> StaticKeys {
    StaticKeys {
        kvn: keys.kvn,
        enc: keys.enc,
        mac: keys.mac,
        dek: keys.dek,
    }
}

/// What to issue.
#[derive(Debug)]
pub struct IssuanceRequest<'a> {
    /// The issuer's master keys (not diversified).
    pub master_keys: &'a StaticKeys,
    pub ca: &'a CitizenCa,
    /// The holder of the card: subject and validity of the certificates.
    pub holder: &'a profiles::Holder,
    pub period: Period,
    /// Security level of the SCP03 session; the spec's default is `13`.
    pub level: SecurityLevel,
}

impl<'a> IssuanceRequest<'a> {
    /// First period, security level `13` (C-DECRYPTION, C-MAC, R-MAC).
    pub fn new(
        master_keys: &'a StaticKeys,
        ca: &'a CitizenCa,
        holder: &'a profiles::Holder,
    ) -> Self {
        IssuanceRequest {
            master_keys,
            ca,
            holder,
            period: Period::First,
            level: SecurityLevel::CDecCMacRMac,
        }
    }
}

/// A key the card generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedKey {
    pub key_ref: u8,
    pub public_key: CardPublicKey,
    pub spki: SubjectPublicKeyInfoOwned,
}

/// A certificate written to the card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenCertificate {
    /// The certificate EF (P1-P2 of PUT DATA).
    pub fid: u16,
    /// Its PKCS#15 label (certificate-zone.md §PKCS#15 files).
    pub label: &'static str,
    pub certificate: Certificate,
    pub der: Vec<u8>,
    /// Command APDUs (links) it took.
    pub links: usize,
}

/// What [`issue_certificates`] did.
#[derive(Clone, Debug)]
pub struct IssuanceReport {
    /// The card's key diversification data (its card number).
    pub kdd: Kdd,
    pub kvn: u8,
    pub level: SecurityLevel,
    pub period: Period,
    pub validity: CertificatePeriod,
    /// Keys `01`–`05`, in that order.
    pub keys: Vec<GeneratedKey>,
    /// Root, citizen CA, then the user certificates of keys `01`, `02`, `03`.
    pub certificates: Vec<WrittenCertificate>,
}

/// Why issuance stopped. Each message is one line naming the step.
#[derive(Debug, thiserror::Error)]
pub enum IssuanceError {
    /// The transport failed (no answer from the card).
    #[error("{step}: {message}")]
    Transport { step: String, message: String },
    /// The card answered an error status word.
    #[error("{step}: card answered {sw:04X} ({}){}", sw_meaning(*.sw), hint(.step, *.sw))]
    Card { step: String, sw: u16 },
    /// The card cryptogram of INITIALIZE UPDATE does not verify.
    #[error("issuer keys do not match this card (card cryptogram)")]
    CardCryptogram,
    /// The card could not decrypt the first encrypted command: K-ENC differs.
    #[error(
        "issuer keys do not match this card (K-ENC: the card could not decrypt an encrypted command)"
    )]
    EncKeyMismatch,
    /// Another SCP03 failure (R-MAC, KVN, protocol).
    #[error("{step}: {source}")]
    Scp03 {
        step: String,
        #[source]
        source: Scp03Error,
    },
    /// The card's answer is not what the command returns.
    #[error("{step}: {reason}")]
    Response { step: String, reason: String },
    /// The card is not the holder's.
    #[error(
        "the card's key diversification data {card} is not that of the holder's card number {holder}: the holder profile names another card"
    )]
    WrongCard { card: String, holder: String },
    /// A holder field the user certificates take is unusable (nothing was sent).
    #[error("holder profile: {reason}")]
    Holder { reason: String },
    #[error("no second certificate period: holder aged {age} at issue ({band}) has none")]
    NoSecondPeriod { age: u16, band: &'static str },
    #[error("certificate validity: {0}")]
    Validity(#[from] ValidityError),
    #[error("{what}: {source}")]
    Certificate {
        what: String,
        #[source]
        source: PkiError,
    },
}

fn sw_meaning(sw: u16) -> &'static str {
    StatusWord::from_u16(sw).map_or("unknown status word", StatusWord::meaning)
}

fn hint(step: &str, sw: u16) -> &'static str {
    if step == apdus::STEP_INITIALIZE_UPDATE && sw == SW_NOT_FOUND {
        ": the card has no SCP03 key set of this version (issuer keys not installed, or another KVN)"
    } else {
        ""
    }
}

/// One command and its response, with errors naming `step`.
struct Exchange<'f, F> {
    transceive: &'f mut F,
}

impl<F, E> Exchange<'_, F>
where
    F: FnMut(&[u8]) -> Result<Vec<u8>, E>,
    E: fmt::Display,
{
    /// Send `apdu` plain; the response data on 9000, else `Card`.
    fn plain(&mut self, step: &str, apdu: &[u8]) -> Result<Vec<u8>, IssuanceError> {
        let response = self.raw(step, apdu)?;
        split_success(step, &response)
    }

    fn raw(&mut self, step: &str, apdu: &[u8]) -> Result<Vec<u8>, IssuanceError> {
        (self.transceive)(apdu).map_err(|e| IssuanceError::Transport {
            step: step.to_owned(),
            message: e.to_string(),
        })
    }

    /// Wrap `apdu` in the session, send it, check the R-MAC; the response
    /// data on 9000, else `Card`.
    fn secured(
        &mut self,
        session: &mut HostSession,
        step: &str,
        apdu: &[u8],
    ) -> Result<Vec<u8>, IssuanceError> {
        let scp03 = |source| IssuanceError::Scp03 {
            step: step.to_owned(),
            source,
        };
        let wrapped = session.wrap_command(apdu).map_err(scp03)?;
        let response = self.raw(step, &wrapped)?;
        let (data, sw) = session.unwrap_response(&response).map_err(scp03)?;
        if sw != SW_SUCCESS {
            return Err(IssuanceError::Card {
                step: step.to_owned(),
                sw,
            });
        }
        Ok(data)
    }
}

fn split_success(step: &str, response: &[u8]) -> Result<Vec<u8>, IssuanceError> {
    match response.split_last_chunk::<2>() {
        Some((data, sw)) if u16::from_be_bytes(*sw) == SW_SUCCESS => Ok(data.to_vec()),
        Some((_, sw)) => Err(IssuanceError::Card {
            step: step.to_owned(),
            sw: u16::from_be_bytes(*sw),
        }),
        None => Err(IssuanceError::Response {
            step: step.to_owned(),
            reason: format!("response of {} bytes has no status word", response.len()),
        }),
    }
}

/// Run the issuance (module docs) over `transceive` (command APDU in,
/// response APDU with SW1 SW2 out). `rng` draws the host challenge and
/// blinds the CA's RSA operations.
pub fn issue_certificates<F, E, R>(
    mut transceive: F,
    request: &IssuanceRequest<'_>,
    rng: &mut R,
) -> Result<IssuanceReport, IssuanceError>
where
    F: FnMut(&[u8]) -> Result<Vec<u8>, E>,
    E: fmt::Display,
    R: CryptoRng + ?Sized,
{
    // Step 0: everything the holder gives is checked before the card changes.
    let validity = certificate_period(request.holder, request.period)?;
    let holder = Holder::from(request.holder);
    check_user_fields(&holder, validity).map_err(|source| match source {
        PkiError::InvalidFields { reason } => IssuanceError::Holder { reason },
        source => IssuanceError::Certificate {
            what: "user certificate subject and validity".to_owned(),
            source,
        },
    })?;
    let mut card = Exchange {
        transceive: &mut transceive,
    };

    card.plain(apdus::STEP_SELECT, &apdus::select_pkcs15())?;
    let (mut session, kdd) = open_session(&mut card, request, rng)?;
    if request.level.command_decryption() {
        // The card cryptogram proves K-MAC only (it is computed with
        // S-MAC, GP Amd D §6.2.2.2); prove K-ENC with a harmless encrypted
        // command before anything on the card changes.
        match card.secured(&mut session, apdus::STEP_ENC_CHECK, &apdus::select_odf()) {
            Err(IssuanceError::Card {
                sw: SW_SECURITY_STATUS,
                ..
            }) => {
                return Err(IssuanceError::EncKeyMismatch);
            }
            other => other?,
        };
    }

    // The user certificates go before their keys do: after an interrupted
    // run the card holds no certificate for a key it replaced.
    for key in CertifiedKey::ALL {
        let fid = apdus::certificate_fid(key);
        let step = format!(
            "PUT DATA {fid:04X} without data (delete the {})",
            apdus::certificate_label(fid)
        );
        card.secured(&mut session, &step, &apdus::delete_certificate(fid))?;
    }

    let mut keys = Vec::with_capacity(GENERATED_KEY_REFS.len());
    for key_ref in GENERATED_KEY_REFS {
        let step = format!("GENERATE ASYMMETRIC KEY PAIR (key {key_ref:02X})");
        let data = card.secured(&mut session, &step, &apdus::generate(key_ref))?;
        let public_key = parse_public_key(&data).map_err(|reason| IssuanceError::Response {
            step: step.clone(),
            reason,
        })?;
        let spki = public_key
            .spki()
            .map_err(|source| IssuanceError::Certificate {
                what: format!("{step}: public key"),
                source,
            })?;
        keys.push(GeneratedKey {
            key_ref,
            public_key,
            spki,
        });
    }

    let mut to_write = vec![
        (FID_ROOT_CERTIFICATE, request.ca.root().clone()),
        (
            FID_INTERMEDIATE_CERTIFICATE,
            request.ca.intermediate().clone(),
        ),
    ];
    for key in CertifiedKey::ALL {
        let spki = keys
            .iter()
            .find(|k| k.key_ref == key.key_ref())
            .map(|k| k.spki.clone())
            .ok_or_else(|| IssuanceError::Response {
                step: format!("certificate for {}", key.label()),
                reason: "the key was not generated".to_owned(),
            })?;
        let certificate = request
            .ca
            .issue(
                &UserCertificate {
                    holder: &holder,
                    key,
                    public_key: spki,
                    period: validity,
                },
                rng,
            )
            .map_err(|source| IssuanceError::Certificate {
                what: format!("certificate for {}", key.label()),
                source,
            })?;
        to_write.push((apdus::certificate_fid(key), certificate));
    }

    let mut certificates = Vec::with_capacity(to_write.len());
    for (fid, certificate) in to_write {
        let label = apdus::certificate_label(fid);
        let step = format!("PUT DATA {fid:04X} ({label})");
        let der = certificate
            .to_der()
            .map_err(|e| IssuanceError::Certificate {
                what: step.clone(),
                source: PkiError::Build {
                    what: "certificate DER",
                    reason: e.to_string(),
                },
            })?;
        let links = apdus::put_data_chain(fid, &der, max_link_data(request.level));
        for (index, link) in links.iter().enumerate() {
            let link_step = if links.len() > 1 {
                format!("{step}, link {} of {}", index + 1, links.len())
            } else {
                step.clone()
            };
            card.secured(&mut session, &link_step, link)?;
        }
        certificates.push(WrittenCertificate {
            fid,
            label,
            certificate,
            der,
            links: links.len(),
        });
    }

    Ok(IssuanceReport {
        kdd,
        kvn: request.master_keys.kvn,
        level: request.level,
        period: request.period,
        validity,
        keys,
        certificates,
    })
}

/// INITIALIZE UPDATE and EXTERNAL AUTHENTICATE with the keys diversified
/// for the card that answers.
fn open_session<F, E, R>(
    card: &mut Exchange<'_, F>,
    request: &IssuanceRequest<'_>,
    rng: &mut R,
) -> Result<(HostSession, Kdd), IssuanceError>
where
    F: FnMut(&[u8]) -> Result<Vec<u8>, E>,
    E: fmt::Display,
    R: CryptoRng + ?Sized,
{
    let step = apdus::STEP_INITIALIZE_UPDATE;
    let mut host_challenge = [0u8; CHALLENGE_LEN];
    rng.fill_bytes(&mut host_challenge);
    let command = scp03::initialize_update_command(request.master_keys.kvn, &host_challenge);
    let data = card.plain(step, &command)?;
    let response =
        InitializeUpdateResponse::parse(&data).map_err(|source| IssuanceError::Scp03 {
            step: step.to_owned(),
            source,
        })?;
    let holder_kdd =
        scp03::kdd_from_card_number(&request.holder.card_number).map_err(|source| {
            IssuanceError::Scp03 {
                step: "holder card number".to_owned(),
                source,
            }
        })?;
    if holder_kdd != response.kdd {
        return Err(IssuanceError::WrongCard {
            card: String::from_utf8_lossy(&response.kdd.0).into_owned(),
            holder: request.holder.card_number.clone(),
        });
    }
    let card_keys = scp03::diversify(request.master_keys, &response.kdd);
    let (session, external_authenticate) =
        HostSession::open(&card_keys, &host_challenge, &response, request.level).map_err(
            |source| match source {
                Scp03Error::CardCryptogramMismatch => IssuanceError::CardCryptogram,
                source => IssuanceError::Scp03 {
                    step: step.to_owned(),
                    source,
                },
            },
        )?;
    card.plain(apdus::STEP_EXTERNAL_AUTHENTICATE, &external_authenticate)?;
    Ok((session, response.kdd))
}
