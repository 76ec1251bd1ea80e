//! Emulators for a profile: what `--emulator PROFILE`, `neid emulate` and
//! `neid demo` run. With a state directory the stored card wins over the
//! profile, so a card keeps its history across restarts.

use std::path::Path;

use profiles::Profile;

use crate::emulator::Emulator;
use crate::engine::{CardEngine, Interface};
use crate::neid_card::{ImageError, NeidCard};
use crate::personalize::{PersonalizeError, personalize};
use crate::state::{StateDir, StateError};

/// Why an emulator could not be set up for a profile or a state directory.
#[derive(Debug, thiserror::Error)]
pub enum ProfileEmulatorError {
    #[error(transparent)]
    Profile(#[from] profiles::ProfileError),
    #[error(
        "profile \"{name}\": card.interfaces.{interface} is false: the card does not answer on that interface"
    )]
    InterfaceDisabled {
        name: String,
        interface: &'static str,
    },
    #[error(transparent)]
    Personalize(#[from] PersonalizeError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Image(#[from] ImageError),
}

/// Refuses an interface the profile switches off.
fn check_interface(profile: &Profile, interface: Interface) -> Result<(), ProfileEmulatorError> {
    let (enabled, name) = match interface {
        Interface::Contact => (profile.card.interfaces.contact, "contact"),
        Interface::Contactless => (profile.card.interfaces.contactless, "contactless"),
    };
    if enabled {
        Ok(())
    } else {
        Err(ProfileEmulatorError::InterfaceDisabled {
            name: profile.name.clone(),
            interface: name,
        })
    }
}

/// An emulator for `profile` on `interface`, without persistence.
pub fn emulator_for(
    profile: &Profile,
    interface: Interface,
) -> Result<Emulator<NeidCard>, ProfileEmulatorError> {
    check_interface(profile, interface)?;
    Ok(Emulator::new(personalize(profile)?, interface, None))
}

/// An emulator for the profile file on `interface`, without persistence.
pub fn emulator_from_profile(
    path: &Path,
    interface: Interface,
) -> Result<Emulator<NeidCard>, ProfileEmulatorError> {
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
) -> Result<Emulator<NeidCard>, ProfileEmulatorError> {
    let (state, image) = StateDir::open(state_dir)?;
    let card = match image {
        Some(image) => {
            tracing::info!(state = %state_dir.display(), "loaded the stored card; the profile is not used");
            NeidCard::restore(&image)?
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
