//! `--emulator PROFILE`: every case gets its own in-process card, restored
//! from one personalized image (personalization, with its on-card key
//! generation, runs once). With faults (`with_faults`) every card is made
//! to misbehave (card-os `fault.rs`, docs/spec/faults.md): the mutation run.

use std::path::Path;

use card_os::FaultSet;
use card_os::protocol::scp03::StaticKeys;
use emulator::{CardEngine, Emulator, NeidCard};
use profiles::Profile;
use terminal::{InProcessTransport, Transport};

use crate::runner::{CardUnderTest, TransportFactory};
use crate::suite::Interface;

/// Why the emulator could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorFactoryError {
    #[error(transparent)]
    Profile(#[from] profiles::ProfileError),
    #[error(transparent)]
    Personalize(#[from] emulator::PersonalizeError),
}

/// Fresh emulated cards of one profile.
#[derive(Clone)]
pub struct EmulatorFactory {
    faults: FaultSet,
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
            faults: FaultSet::none(),
            image: card.save_image(),
            contact: profile.card.interfaces.contact,
            contactless: profile.card.interfaces.contactless,
            card: CardUnderTest::from_profile(profile),
            name: format!("in-process emulator, profile {}", profile.name),
        })
    }
}

impl EmulatorFactory {
    /// The same cards, each with `faults` injected.
    pub fn with_faults(&self, faults: FaultSet) -> Self {
        let mut factory = self.clone();
        factory.faults = faults;
        if !faults.is_empty() {
            let names: Vec<&str> = faults.iter().map(card_os::Fault::name).collect();
            factory.name = format!("{} with fault {}", self.name, names.join(","));
        }
        factory
    }

    pub fn faults(&self) -> FaultSet {
        self.faults
    }

    /// The same cards, with the issuer master keys the SCP03 cases use
    /// (`--issuer-keys FILE`) instead of the profile's `card.keys.issuer_keys`.
    pub fn with_issuer_keys(&self, keys: Option<StaticKeys>) -> Self {
        let mut factory = self.clone();
        factory.card.issuer_keys = keys;
        factory
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
        let mut card = NeidCard::restore(&self.image).map_err(|e| format!("emulated card: {e}"))?;
        // On the card, not through `Emulator::set_faults`: that one warns
        // once per card, and a mutation run opens thousands.
        if !self.faults.is_empty() && !card.set_faults(self.faults) {
            return Err("the emulated card does not support fault injection".into());
        }
        Ok(Box::new(InProcessTransport::new(Emulator::new(card, engine_interface, None))))
    }

    fn card(&self) -> &CardUnderTest {
        &self.card
    }

    fn name(&self) -> String {
        self.name.clone()
    }
}
