//! The real card runtime (card-os + applets), personalized from a profile,
//! hosted in an [`Emulator`]: what `--emulator PROFILE`, `neid emulate` and
//! `neid demo` run.
//!
//! The profile → `applets::PersoInput` mapping lives here because the
//! terminal is the first crate that sees both a profile and the card runtime.

use std::path::Path;

use applets::{CnsAnnotation, Division, HouseholdInput, PersoInput};
use card_os::security::{AccessCondition, TerminalRight};
use card_os::{Card, CardImage};
use emulator::{CardEngine, Emulator, Interface, StateDir, StateError};
use profiles::holder::ZhField;
use profiles::{Profile, TerminateAccess};
use thiserror::Error;

/// Why a card could not be built from a profile or a state directory.
#[derive(Debug, Error)]
pub enum ProfileCardError {
    #[error("{0}")]
    Profile(#[from] profiles::ProfileError),
    #[error("profile \"{name}\": {issues} (run `neid profile check` for details)")]
    Invalid { name: String, issues: String },
    #[error("profile \"{name}\": card.interfaces.{interface} is false: the card does not answer on that interface")]
    InterfaceDisabled { name: String, interface: &'static str },
    #[error("profile \"{name}\": holder.cns11643: index {index} does not fit the one-byte character index of the card encoding")]
    CnsIndex { name: String, index: usize },
    #[error("{0}")]
    State(#[from] StateError),
    #[error("personalization failed: {0}")]
    Personalize(String),
    #[error("stored card image refused: {0}")]
    Image(String),
}

/// The New eID card runtime (card-os with every zone's applet) as an emulator engine.
pub struct NeidCard {
    card: Card,
}

impl std::fmt::Debug for NeidCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NeidCard").field("life_cycle", &self.card.image().life_cycle).finish()
    }
}

impl NeidCard {
    /// A card running `image` with every zone's applet.
    pub fn from_image(image: CardImage) -> Self {
        Self { card: applets::card(image) }
    }

    /// The card runtime, e.g. to inspect its image in tests.
    pub fn card(&self) -> &Card {
        &self.card
    }
}

impl CardEngine for NeidCard {
    fn power_on(&mut self, interface: Interface) {
        self.card.power_on(match interface {
            Interface::Contact => card_os::Interface::Contact,
            Interface::Contactless => card_os::Interface::Contactless,
        });
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.card.process(apdu)
    }

    fn nvm_changed(&mut self) -> bool {
        self.card.nvm_changed_since_last_check()
    }

    fn save_image(&self) -> Vec<u8> {
        // The image is plain data (strings, numbers, byte vectors, string-keyed
        // maps): serde_json cannot fail on it. Should it ever, an empty image
        // makes the state save fail loudly rather than store something wrong.
        serde_json::to_vec(self.card.image()).unwrap_or_else(|error| {
            tracing::error!(%error, "card image could not be serialized");
            Vec::new()
        })
    }
}

/// The personalization input for `profile`.
pub fn perso_input(profile: &Profile) -> Result<PersoInput, ProfileCardError> {
    let holder = &profile.holder;
    let division = |field: ZhField, code: &str, name_zh: &str, name_en: &str| {
        let mut division = Division::new(code, name_zh, name_en);
        for annotation in holder.cns11643.iter().filter(|c| c.field == field) {
            let index = u8::try_from(annotation.index).map_err(|_| ProfileCardError::CnsIndex {
                name: profile.name.clone(),
                index: annotation.index,
            })?;
            division.cns.push(CnsAnnotation { index, plane: annotation.plane, code: annotation.code });
        }
        Ok::<_, ProfileCardError>(division)
    };
    let household = HouseholdInput {
        county: division(ZhField::County, &holder.county_code, &holder.county, &holder.county_en)?,
        township: division(ZhField::Township, &holder.township_code, &holder.township, &holder.township_en)?,
        village: division(ZhField::Village, &holder.village_code, &holder.village, &holder.village_en)?,
        neighbourhood: holder.neighbourhood,
    };
    let zones = &profile.card.zones;
    let mut input = PersoInput::new(household);
    input.zones = applets::Zones {
        icao: zones.icao,
        household: zones.household,
        public: zones.public,
        encrypted: zones.encrypted,
        certificate: zones.certificate,
    };
    input.terminate_rule = match profile.card.terminate_access {
        TerminateAccess::RegistryOffice => AccessCondition::TerminalRight(TerminalRight::RegistryOffice),
        TerminateAccess::Always => AccessCondition::Always,
    };
    input.scratch_ef_size = profile.card.scratch_ef_size.map(usize::from);
    Ok(input)
}

/// A freshly personalized card for `profile` (checked first: a profile with
/// issues is refused).
pub fn personalize(profile: &Profile) -> Result<NeidCard, ProfileCardError> {
    let issues = profile.check();
    if !issues.is_empty() {
        let issues = issues.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
        return Err(ProfileCardError::Invalid { name: profile.name.clone(), issues });
    }
    let image = applets::personalize(&perso_input(profile)?)
        .map_err(|error| ProfileCardError::Personalize(error.to_string()))?;
    Ok(NeidCard::from_image(image))
}

/// A card restored from a stored image (the JSON `save_image` wrote).
pub fn restore(image: &[u8]) -> Result<NeidCard, ProfileCardError> {
    let image: CardImage =
        serde_json::from_slice(image).map_err(|error| ProfileCardError::Image(error.to_string()))?;
    image.validate().map_err(|error| ProfileCardError::Image(error.to_string()))?;
    Ok(NeidCard::from_image(image))
}

/// Refuses an interface the profile switches off.
fn check_interface(profile: &Profile, interface: Interface) -> Result<(), ProfileCardError> {
    let (enabled, name) = match interface {
        Interface::Contact => (profile.card.interfaces.contact, "contact"),
        Interface::Contactless => (profile.card.interfaces.contactless, "contactless"),
    };
    if enabled {
        Ok(())
    } else {
        Err(ProfileCardError::InterfaceDisabled { name: profile.name.clone(), interface: name })
    }
}

/// An emulator for `profile` on `interface`, without persistence.
pub fn emulator_for(profile: &Profile, interface: Interface) -> Result<Emulator<NeidCard>, ProfileCardError> {
    check_interface(profile, interface)?;
    Ok(Emulator::new(personalize(profile)?, interface, None))
}

/// An emulator for the profile file on `interface`, without persistence.
pub fn emulator_from_profile(
    path: &Path,
    interface: Interface,
) -> Result<Emulator<NeidCard>, ProfileCardError> {
    emulator_for(&Profile::from_file(path)?, interface)
}

/// An emulator backed by the state directory `state_dir`: the stored card
/// when the directory holds one (the profile is then not read), else a card
/// personalized from `profile_path` and saved at once, so the state
/// directory always holds the card being served.
pub fn emulator_with_state(
    profile_path: &Path,
    state_dir: &Path,
    interface: Interface,
) -> Result<Emulator<NeidCard>, ProfileCardError> {
    let (state, image) = StateDir::open(state_dir)?;
    let card = match image {
        Some(image) => {
            tracing::info!(state = %state_dir.display(), "loaded the stored card; the profile is not used");
            restore(&image)?
        }
        None => {
            let profile = Profile::from_file(profile_path)?;
            check_interface(&profile, interface)?;
            let card = personalize(&profile)?;
            state.save(&card.save_image())?;
            card
        }
    };
    Ok(Emulator::new(card, interface, Some(state)))
}
