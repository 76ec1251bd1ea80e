//! `FloorCard`: the cheapest possible card, the floor for transport
//! benchmarks (what the vpcd / PC/SC road costs with no card work at all).

use crate::engine::{CardEngine, Interface};
use crate::sw::SW_OK;

/// Answers every APDU with 9000 and never changes NVM.
#[derive(Debug, Default, Clone, Copy)]
pub struct FloorCard;

impl CardEngine for FloorCard {
    fn power_on(&mut self, _interface: Interface) {}

    fn process(&mut self, _apdu: &[u8]) -> Vec<u8> {
        SW_OK.to_vec()
    }

    fn nvm_changed(&mut self) -> bool {
        false
    }

    fn save_image(&self) -> Vec<u8> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_9000_and_never_changes_nvm() {
        let mut card = FloorCard;
        card.power_on(Interface::Contact);
        for apdu in [
            &[][..],
            &[0x00],
            &[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00],
        ] {
            assert_eq!(card.process(apdu), vec![0x90, 0x00]);
            assert!(!card.nvm_changed());
        }
        assert!(card.save_image().is_empty());
    }
}
