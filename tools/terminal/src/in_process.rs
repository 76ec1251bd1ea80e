//! The emulator in the same process: no pcscd, no vpcd, the same APDU road as
//! a reader (transport → `Emulator::transmit` → card runtime).

use emulator::{CardEngine, Emulator};

use crate::transport::{Transport, TransportError};

/// A transport straight into an [`Emulator`].
pub struct InProcessTransport<C: CardEngine> {
    emulator: Emulator<C>,
}

impl<C: CardEngine> InProcessTransport<C> {
    pub fn new(emulator: Emulator<C>) -> Self {
        Self { emulator }
    }

    /// The hosted emulator (its card, state, interface).
    pub fn emulator(&self) -> &Emulator<C> {
        &self.emulator
    }

    pub fn into_emulator(self) -> Emulator<C> {
        self.emulator
    }
}

impl<C: CardEngine> Transport for InProcessTransport<C> {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, TransportError> {
        let response = self.emulator.transmit(apdu);
        if response.len() < 2 {
            return Err(TransportError::ResponseTooShort(response.len()));
        }
        Ok(response)
    }

    fn atr(&self) -> Vec<u8> {
        self.emulator.atr().to_vec()
    }

    fn reset(&mut self) -> Result<(), TransportError> {
        self.emulator.reset();
        Ok(())
    }

    fn name(&self) -> String {
        format!("in-process emulator ({:?})", self.emulator.interface()).to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use emulator::{Interface, TestCard};

    #[test]
    fn reads_the_test_card_through_the_transport() {
        let card = TestCard::from_image(&[1, 2, 3]);
        let mut transport = InProcessTransport::new(Emulator::new(card, Interface::Contact, None));
        // READ BINARY offset 0: the whole 3-byte EF ends short of Ne = 256.
        let content = crate::card::read_binary_all(&mut transport).unwrap();
        assert_eq!(content, vec![1, 2, 3]);
        assert_eq!(transport.atr(), emulator::atr::contact_atr());
        assert_eq!(transport.name(), "in-process emulator (contact)");
    }
}
