//! The zone applets and the card manager of the neid chip. Uses card-os only.
#![no_std]
extern crate alloc;

pub mod card_manager;
pub mod certificate;
pub mod encrypted;
pub mod error;
pub mod household;
pub mod icao;
mod layout;
pub mod public;
pub mod public_fields;

use alloc::boxed::Box;

use card_os::{AppletRegistry, Card, CardImage};

pub use card_manager::{personalize, PersoInput, Zones};
pub use error::PersoError;
pub use household::{CnsAnnotation, Division, HouseholdInput};

/// Every zone's applet, by AID.
pub fn registry() -> AppletRegistry {
    let mut registry = AppletRegistry::new();
    registry.register(icao::AID, Box::new(icao::IcaoApplet));
    registry.register(household::AID, Box::new(household::HouseholdApplet));
    registry.register(public::AID, Box::new(public::PublicApplet));
    registry.register(encrypted::AID, Box::new(encrypted::EncryptedApplet));
    registry.register(certificate::AID, Box::new(certificate::CertificateApplet));
    registry
}

/// A card running `image` with every zone's applet.
pub fn card(image: CardImage) -> Card {
    Card::with_applets(image, registry())
}
