//! `NeidCard`: the New eID card runtime (card-os with every zone's applet)
//! as an emulator engine, and its restoration from a stored image.

use card_os::{Card, CardImage, CardRng};

use crate::engine::{CardEngine, Interface};
use crate::randomness::{EntropyError, os_seeded};

/// The New eID card runtime (card-os with every zone's applet) as an emulator engine.
pub struct NeidCard {
    card: Card,
}

/// Why a stored card image was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("stored card image is not a card image (JSON): {0}")]
    Decode(#[from] serde_json::Error),
    #[error("stored card image is inconsistent: {0}")]
    Invalid(String),
    #[error(transparent)]
    Entropy(#[from] EntropyError),
}

impl std::fmt::Debug for NeidCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NeidCard")
            .field("life_cycle", &self.card.image().life_cycle)
            .finish()
    }
}

impl NeidCard {
    /// A card running `image` with every zone's applet and no random
    /// source: it refuses PACE (tests of the plain zones only).
    pub fn from_image(image: CardImage) -> Self {
        Self {
            card: applets::card(image),
        }
    }

    /// A card running `image` with every zone's applet and `rng` as its
    /// random source (PACE nonces and ephemeral keys).
    pub fn with_rng(image: CardImage, rng: CardRng) -> Self {
        Self {
            card: applets::card_with_rng(image, rng),
        }
    }

    /// A card restored from a stored image (the JSON [`CardEngine::save_image`]
    /// wrote), checked for consistency before it is served; its random
    /// source is seeded from the OS.
    pub fn restore(image: &[u8]) -> Result<Self, ImageError> {
        let image: CardImage = serde_json::from_slice(image)?;
        image
            .validate()
            .map_err(|error| ImageError::Invalid(error.to_string()))?;
        Ok(Self::with_rng(image, Box::new(os_seeded()?)))
    }

    /// The card runtime, e.g. to inspect its image in tests.
    pub fn card(&self) -> &Card {
        &self.card
    }
}

impl CardEngine for NeidCard {
    fn power_on(&mut self, interface: Interface) {
        self.card.power_on(interface);
    }

    fn process(&mut self, apdu: &[u8]) -> Vec<u8> {
        self.card.process(apdu)
    }

    fn nvm_changed(&mut self) -> bool {
        self.card.nvm_changed_since_last_check()
    }

    fn set_faults(&mut self, faults: card_os::FaultSet) -> bool {
        self.card.set_faults(faults);
        true
    }

    fn session_keys(&self) -> Option<card_os::SessionKeys> {
        self.card.session_keys()
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
