//! `--emulator PROFILE`: every case gets its own in-process card, restored
//! from one personalized image (personalization, with its on-card key
//! generation, runs once).

use std::path::Path;

use emulator::{CardEngine, Emulator, NeidCard};
use profiles::Profile;
use terminal::{InProcessTransport, Transport};

use crate::runner::{CardUnderTest, TransportFactory};
use crate::suite::Interface;

/// Why the emulator could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorFactoryError {
    #[error("{0}")]
    Profile(#[from] profiles::ProfileError),
    #[error("{0}")]
    Personalize(#[from] emulator::PersonalizeError),
}

/// Fresh emulated cards of one profile.
pub struct EmulatorFactory {
    image: Vec<u8>,
    contact: bool,
    contactless: bool,
    card: CardUnderTest,
    name: String,
}

impl EmulatorFactory {
    pub fn from_profile_file(path: &Path) -> Result<Self, EmulatorFactoryError> {
        Self::from_profile(&Profile::from_file(path)?)
    }

    pub fn from_profile(profile: &Profile) -> Result<Self, EmulatorFactoryError> {
        let card = emulator::personalize(profile)?;
        Ok(Self {
            image: card.save_image(),
            contact: profile.card.interfaces.contact,
            contactless: profile.card.interfaces.contactless,
            card: CardUnderTest {
                holder: Some(profile.name.clone()),
                can: Some(profile.holder.can.clone()),
                mrz: Some(profile.holder.mrz.clone()),
            },
            name: format!("in-process emulator, profile {}", profile.name),
        })
    }
}

impl TransportFactory for EmulatorFactory {
    fn open(&self, interface: Interface) -> Result<Box<dyn Transport>, String> {
        let (enabled, engine_interface) = match interface {
            Interface::Contact => (self.contact, emulator::Interface::Contact),
            Interface::Contactless => (self.contactless, emulator::Interface::Contactless),
        };
        if !enabled {
            return Err(format!("the profile switches the {} interface off", interface.label()));
        }
        let card = NeidCard::restore(&self.image).map_err(|e| format!("emulated card: {e}"))?;
        Ok(Box::new(InProcessTransport::new(Emulator::new(card, engine_interface, None))))
    }

    fn card(&self) -> &CardUnderTest {
        &self.card
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}
