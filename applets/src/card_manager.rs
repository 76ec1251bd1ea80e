//! Card manager: personalization. Builds the whole card image from plain
//! input (the emulator maps a profile to `PersoInput`) and ends in the
//! Operational state (docs/spec/card-level.md, docs/spec/life-cycle.md,
//! docs/spec/pace.md for EF.CardAccess and the passwords).

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use card_os::fs::{Df, DfRules, FID_MF};
use card_os::security::{AccessCondition, TerminalRight};
use card_os::{tlv, CardImage, LifeCycle};

use crate::error::PersoError;
use crate::household::HouseholdInput;
use crate::icao::{IcaoFiles, IcaoZoneInput};
use crate::pace_perso::{self, PacePasswords, PaceSetup};
use crate::pin_perso::PinSetup;
use crate::public::PublicZoneInput;
use crate::encrypted::{EacSetup, EncryptedZoneInput};
use crate::certificate::CertificatePerso;
use crate::{certificate, encrypted, household, icao, layout, public};

/// EF.DIR (ISO 7816-4 §8.2.1.1).
pub const FID_EF_DIR: u16 = 0x2F00;
pub const SFI_EF_DIR: u8 = 0x1E;
/// EF.CardAccess (TR-03110-3 §A.1.2.1).
pub const FID_EF_CARD_ACCESS: u16 = 0x011C;
pub const SFI_EF_CARD_ACCESS: u8 = 0x1C;
/// EF.Scratch: test profiles only (docs/spec/card-level.md).
pub const FID_EF_SCRATCH: u16 = 0x2F10;
pub const SFI_EF_SCRATCH: u8 = 0x10;
/// Largest scratch EF: the largest 15-bit offset of READ BINARY B0 (docs/spec/profile.md rule 16).
pub const SCRATCH_MAX_SIZE: usize = 0x7FFF;

/// Application template and its contents (ISO 7816-4 §8.2.1.1).
const TAG_APPLICATION_TEMPLATE: u8 = 0x61;
const TAG_APPLICATION_IDENTIFIER: u8 = 0x4F;
const TAG_APPLICATION_LABEL: u8 = 0x50;

/// Which applications the card carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zones {
    pub icao: bool,
    pub household: bool,
    pub public: bool,
    pub encrypted: bool,
    pub certificate: bool,
}

impl Default for Zones {
    fn default() -> Zones {
        Zones { icao: true, household: true, public: true, encrypted: true, certificate: true }
    }
}

/// Everything personalization needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PersoInput {
    pub household: HouseholdInput,
    pub zones: Zones,
    /// Rule for TERMINATE CARD USAGE. Default: a registry-office terminal
    /// (Terminal Authentication, issue 4); test cards may use `Always`.
    pub terminate_rule: AccessCondition,
    /// Test profiles only: size of EF.Scratch `2F10` (read/update `Always`).
    pub scratch_ef_size: Option<usize>,
    /// The PACE variant in EF.CardAccess.
    pub pace: PaceSetup,
    /// The PACE passwords; an absent one cannot be used on the card.
    pub passwords: PacePasswords,
    /// PIN records (PIN1, user code, PIN2), PIN2's value, and whether the
    /// card leaves in the delivery state (docs/spec/pins.md).
    pub pins: PinSetup,
    /// The public zone's EF contents; `None` leaves its EFs empty. Given with
    /// the public zone disabled → `PersoError::PublicZoneDisabled`.
    pub public: Option<PublicZoneInput>,
    /// The ICAO zone's files, keys and EF.SOD (docs/spec/icao.md); `None`
    /// leaves its EFs empty and offers no BAC, AA or CA. Given with the ICAO
    /// zone disabled → `PersoError::IcaoZoneDisabled`.
    pub icao: Option<IcaoZoneInput>,
    /// The encrypted zone's EF contents (docs/spec/encrypted.md); `None`
    /// leaves its EFs empty.
    pub encrypted: Option<EncryptedZoneInput>,
    /// Terminal / Chip Authentication data and EF.CardSecurity
    /// (docs/spec/eac.md); `None`: the card offers no EAC.
    pub eac: Option<EacSetup>,
    /// The certificate zone's options and card number
    /// (docs/spec/certificate-zone.md); `None`: `CertificatePerso::default()`
    /// (secure messaging, empty TokenInfo serial number). Given with the
    /// zone disabled → `PersoError::Certificate`.
    pub certificate: Option<CertificatePerso>,
}

impl PersoInput {
    /// Every zone enabled, registry-office termination, no scratch EF, PACE
    /// with NIST P-384 and AES-256, no passwords, empty public zone.
    pub fn new(household: HouseholdInput) -> PersoInput {
        PersoInput {
            household,
            zones: Zones::default(),
            terminate_rule: AccessCondition::TerminalRight(TerminalRight::RegistryOffice),
            scratch_ef_size: None,
            pace: PaceSetup::default(),
            passwords: PacePasswords::default(),
            pins: PinSetup::default(),
            public: None,
            icao: None,
            encrypted: None,
            eac: None,
            certificate: None,
        }
    }
}

/// One enabled application: its AID and label, in EF.DIR order.
fn applications(zones: &Zones) -> Vec<(&'static [u8], &'static str)> {
    let all = [
        (zones.icao, icao::AID, icao::LABEL),
        (zones.household, household::AID, household::LABEL),
        (zones.public, public::AID, public::LABEL),
        (zones.encrypted, encrypted::AID, encrypted::LABEL),
        (zones.certificate, certificate::AID, certificate::LABEL),
    ];
    all.into_iter().filter(|(on, _, _)| *on).map(|(_, aid, label)| (aid, label)).collect()
}

/// EF.DIR content: one `61 { 4F aid, 50 label }` per enabled application.
pub fn ef_dir_content(zones: &Zones) -> Vec<u8> {
    let mut out = Vec::new();
    for (aid, label) in applications(zones) {
        let mut template = tlv::build(TAG_APPLICATION_IDENTIFIER, aid);
        tlv::push(&mut template, TAG_APPLICATION_LABEL, label.as_bytes());
        tlv::push(&mut out, TAG_APPLICATION_TEMPLATE, &template);
    }
    out
}

/// Build the card image.
pub fn personalize(input: &PersoInput) -> Result<CardImage, PersoError> {
    let free = || AccessCondition::Always;
    let mut children = vec![
        layout::ef(FID_EF_DIR, Some(SFI_EF_DIR), free(), AccessCondition::Never, ef_dir_content(&input.zones)),
        layout::ef(
            FID_EF_CARD_ACCESS,
            Some(SFI_EF_CARD_ACCESS),
            free(),
            AccessCondition::Never,
            input.pace.card_access(),
        ),
    ];
    if let Some(size) = input.scratch_ef_size {
        if size == 0 || size > SCRATCH_MAX_SIZE {
            return Err(PersoError::ScratchSize { size });
        }
        children.push(layout::ef(FID_EF_SCRATCH, Some(SFI_EF_SCRATCH), free(), free(), vec![0; size]));
    }
    let zones = &input.zones;
    let mut icao_objects = BTreeMap::new();
    match (zones.icao, &input.icao) {
        (true, Some(contents)) => {
            if contents.security_object.is_empty() {
                return Err(PersoError::Icao {
                    field: "icao.security_object",
                    rule: "must hold the signed EF.SOD bytes, not be empty",
                });
            }
            let files = contents.files(&input.pace)?;
            children.push(icao::df(&files, &contents.security_object));
            icao_objects = contents.objects(&input.pace, input.passwords.mrz.as_ref())?;
        }
        (true, None) => children.push(icao::df(&IcaoFiles::default(), &[])),
        (false, Some(_)) => return Err(PersoError::IcaoZoneDisabled),
        (false, None) => {}
    }
    if zones.household {
        children.push(household::df(&input.household)?);
    }
    match (zones.public, &input.public) {
        (true, contents) => children.push(public::df(contents.as_ref())?),
        (false, Some(_)) => return Err(PersoError::PublicZoneDisabled),
        (false, None) => {}
    }
    if zones.encrypted {
        children.push(encrypted::df_with(input.encrypted.as_ref())?);
    }
    if let Some(eac) = &input.eac {
        children.push(eac.card_security_ef());
    }
    let certificate_perso = match (zones.certificate, &input.certificate) {
        (true, perso) => Some(perso.clone().unwrap_or_default()),
        (false, Some(_)) => {
            return Err(PersoError::Certificate {
                field: "certificate",
                rule: "contents given, but zones.certificate is false (the card has no certificate zone)",
            });
        }
        (false, None) => None,
    };
    if let Some(perso) = &certificate_perso {
        children.push(certificate::df(perso)?);
    }
    let mf = Df {
        fid: Some(FID_MF),
        aid: None,
        rules: DfRules { terminate: input.terminate_rule.clone() },
        children,
    };
    let mut objects: BTreeMap<_, _> = pace_perso::objects(&input.pace, &input.passwords)?;
    objects.extend(icao_objects);
    objects.extend(input.pins.objects(&input.passwords)?);
    if let Some(eac) = &input.eac {
        objects.extend(eac.objects()?);
    }
    if let Some(perso) = &certificate_perso {
        objects.extend(certificate::objects(perso));
    }
    let mut image = CardImage { mf, life_cycle: LifeCycle::Personalized, objects };
    image.validate().map_err(PersoError::FileSystem)?;
    // Personalization is complete: the card leaves the issuer's hands.
    image.life_cycle = LifeCycle::Operational;
    Ok(image)
}

