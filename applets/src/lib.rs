//! The zone applets and the card manager of the neid chip. Uses card-os only.
#![no_std]
extern crate alloc;

pub mod card_manager;
pub mod certificate;
pub mod encrypted;
pub mod encrypted_fields;
pub mod error;
pub mod household;
pub mod icao;
mod layout;
pub mod pace_perso;
pub mod pin_perso;
pub mod public;
pub mod public_fields;
pub mod registry_update;
pub mod security_object;

use alloc::boxed::Box;

use card_os::{AppletRegistry, Card, CardImage, CardRng};

pub use card_manager::{personalize, PersoInput, Zones};
pub use certificate::CertificatePerso;
pub use error::PersoError;
pub use household::{CnsAnnotation, Division, HouseholdInput};
pub use icao::{CaStaticKey, FaceImage, IcaoFiles, IcaoZoneInput};
pub use pace_perso::{MrzPassword, PacePasswords, PaceSetup};
pub use pin_perso::{PinPolicy, PinSetup};
pub use public::PublicZoneInput;

/// Every zone's applet, by AID, for a personalized `image` (the
/// certificate zone takes its options from the image's `cert.config`).
pub fn registry_for(image: &CardImage) -> AppletRegistry {
    let certificate_applet = certificate::CertificateApplet::for_image(image);
    let mut registry = AppletRegistry::new();
    registry.register(icao::AID, Box::new(icao::IcaoApplet));
    registry.register(household::AID, Box::new(household::HouseholdApplet));
    registry.register(public::AID, Box::new(public::PublicApplet));
    registry.register(encrypted::AID, Box::new(encrypted::EncryptedApplet));
    registry.register(certificate::AID, Box::new(certificate_applet));
    registry
}

/// A card running `image` with every zone's applet, without a random
/// source: give it one (`Card::set_rng`) before PACE.
pub fn card(image: CardImage) -> Card {
    let applets = registry_for(&image);
    Card::with_applets(image, applets)
}

/// A card running `image` with every zone's applet and `rng` for PACE.
pub fn card_with_rng(image: CardImage, rng: CardRng) -> Card {
    let applets = registry_for(&image);
    Card::with_applets(image, applets).with_rng(rng)
}
