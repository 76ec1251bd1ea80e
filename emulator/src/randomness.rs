//! Where personalization and the card get their randomness.
//!
//! With `card.keys.seed` in the profile, everything personalization draws
//! (the throw-away test PKI's keys and serial numbers) comes from that seed,
//! so a test card is reproducible. The card's own random source (PACE nonces
//! and ephemeral keys, ICAO 9303-11 §9.2) is seeded from the operating
//! system unless a test asks for the deterministic one
//! ([`CardRandomness::FromProfileSeed`]).
//!
//! One master generator is seeded from the profile seed; independent
//! sub-seeds are drawn from it in a fixed order (PKI first, card second), so
//! the PKI's keys never share a stream with the card's nonces.

use profiles::KeySeed;
use rand::rngs::{StdRng, SysRng};
use rand::{Rng, SeedableRng};

/// The card's random source at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CardRandomness {
    /// Seeded from the operating system: what a real chip does.
    #[default]
    Os,
    /// Derived from the profile's `card.keys.seed`: the same PACE nonces on
    /// every run, for tests that compare transcripts.
    FromProfileSeed,
}

/// The operating system's random source failed (getrandom(2)).
#[derive(Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct EntropyError(String);

/// A generator seeded from the operating system.
pub fn os_seeded() -> Result<StdRng, EntropyError> {
    StdRng::try_from_rng(&mut SysRng).map_err(|error| EntropyError(error.to_string()))
}

/// The generators of one personalization.
pub struct PersoRngs {
    /// For the throw-away test PKI of a profile without `card.keys.pki`.
    pub pki: StdRng,
    /// The card's random source when the profile seed is asked for.
    pub card: Option<StdRng>,
}

impl PersoRngs {
    /// From the profile's seed when it has one, else from the OS (the card
    /// part is then `None`: there is no seed to derive it from).
    pub fn new(seed: Option<&KeySeed>) -> Result<Self, EntropyError> {
        let Some(seed) = seed else {
            return Ok(Self {
                pki: os_seeded()?,
                card: None,
            });
        };
        let mut master = StdRng::from_seed(seed.0);
        let pki = StdRng::from_seed(draw_seed(&mut master));
        let card = StdRng::from_seed(draw_seed(&mut master));
        Ok(Self {
            pki,
            card: Some(card),
        })
    }
}

fn draw_seed(master: &mut StdRng) -> <StdRng as SeedableRng>::Seed {
    let mut seed = <StdRng as SeedableRng>::Seed::default();
    master.fill_bytes(&mut seed);
    seed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(rng: &mut StdRng) -> [u8; 16] {
        let mut out = [0; 16];
        rng.fill_bytes(&mut out);
        out
    }

    #[test]
    fn a_seed_gives_the_same_independent_streams_every_time() {
        let seed = KeySeed([7; 32]);
        let mut first = PersoRngs::new(Some(&seed)).unwrap();
        let mut second = PersoRngs::new(Some(&seed)).unwrap();
        let pki = sample(&mut first.pki);
        assert_eq!(pki, sample(&mut second.pki));
        let card = sample(first.card.as_mut().unwrap());
        assert_eq!(card, sample(second.card.as_mut().unwrap()));
        assert_ne!(pki, card, "PKI and card streams differ");
        let mut other = PersoRngs::new(Some(&KeySeed([8; 32]))).unwrap();
        assert_ne!(pki, sample(&mut other.pki));
    }

    #[test]
    fn without_a_seed_the_os_seeds_the_pki_and_there_is_no_card_stream() {
        let mut first = PersoRngs::new(None).unwrap();
        let mut second = PersoRngs::new(None).unwrap();
        assert!(first.card.is_none());
        assert_ne!(sample(&mut first.pki), sample(&mut second.pki));
    }
}
