//! `Emulator`: one hosted card, its interface, its ATR and its persistence.
//! Every transport (in-process, vpcd) sends APDUs through `transmit`.

use crate::atr::atr_for;
use crate::engine::{CardEngine, Interface};
use crate::state::StateDir;
use crate::sw::SW_MEMORY_FAILURE;
use crate::trace::TraceWriter;

/// A card runtime hosted with an optional crash-safe state directory.
#[derive(Debug)]
pub struct Emulator<C: CardEngine> {
    card: C,
    interface: Interface,
    state: Option<StateDir>,
    atr: Vec<u8>,
    /// The card's NVM holds changes the state file lacks (a save failed);
    /// the next command retries the save.
    unsaved: bool,
    /// Where every APDU is recorded, if anywhere (docs/spec/trace.md).
    trace: Option<TraceWriter>,
}

impl<C: CardEngine> Emulator<C> {
    /// Host `card` on `interface` and power it on. With `state`, every
    /// command that changes NVM is persisted before it is answered.
    pub fn new(card: C, interface: Interface, state: Option<StateDir>) -> Self {
        let mut emulator = Self {
            card,
            interface,
            state,
            atr: atr_for(interface),
            unsaved: false,
            trace: None,
        };
        emulator.power_on();
        emulator
    }

    /// Make the card misbehave (card-os `fault.rs`, docs/spec/faults.md).
    /// Faults are volatile configuration: never persisted with the image.
    /// Returns whether the card supports fault injection.
    pub fn set_faults(&mut self, faults: card_os::FaultSet) -> bool {
        if !faults.is_empty() {
            let names: Vec<&str> = faults.iter().map(card_os::Fault::name).collect();
            tracing::warn!(faults = %names.join(","), "fault injection: the card deliberately violates the specification");
        }
        self.card.set_faults(faults)
    }

    /// Record every APDU from now on into `trace`.
    pub fn set_trace(&mut self, trace: TraceWriter) {
        self.trace = Some(trace);
    }

    /// Stop recording; gives back the writer (flushed after every record).
    pub fn take_trace(&mut self) -> Option<TraceWriter> {
        self.trace.take()
    }

    /// Send one command APDU; returns response data + SW1 SW2.
    ///
    /// When the command changed NVM and the image cannot be persisted, the
    /// answer is 6581 (memory failure, ISO 7816-4 table 6) instead of the
    /// card's: the host must not believe a change is durable when it is not.
    /// The state file keeps the last good image and the save is retried after
    /// the next command.
    pub fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        let mut response = self.card.process(apdu);
        if self.card.nvm_changed() {
            self.unsaved = true;
        }
        // After a failed save the card stays in memory failure: every
        // command retries the save and answers 6581 until it succeeds.
        if self.unsaved
            && let Err(err) = self.persist()
        {
            tracing::error!(error = %err, "card image not persisted: answering 6581 memory failure");
            response = SW_MEMORY_FAILURE.to_vec();
        }
        tracing::debug!(command = %hex::encode_upper(apdu), sw = %sw_hex(&response), "apdu");
        if let Some(trace) = &mut self.trace {
            trace.apdu(self.interface, apdu, &response);
            trace.session_after_command(self.card.session_keys(), self.interface);
        }
        response
    }

    fn persist(&mut self) -> Result<(), crate::state::StateError> {
        if let Some(state) = &self.state {
            state.save(&self.card.save_image())?;
        }
        self.unsaved = false;
        Ok(())
    }

    /// Cold power-on: the card drops its volatile state.
    pub fn power_on(&mut self) {
        tracing::debug!(interface = ?self.interface, "power on");
        self.card.power_on(self.interface);
        if let Some(trace) = &mut self.trace {
            trace.power_on(self.interface);
        }
    }

    /// Power off. The card keeps only NVM, which is already persisted; its
    /// volatile state is dropped at the next power-on.
    pub fn power_off(&mut self) {
        tracing::debug!("power off");
    }

    /// Warm reset: same effect on the card as a power-on.
    pub fn reset(&mut self) {
        tracing::debug!(interface = ?self.interface, "reset");
        self.card.power_on(self.interface);
        if let Some(trace) = &mut self.trace {
            trace.power_on(self.interface);
        }
    }

    /// The ATR for the current interface.
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }

    /// The interface the card is reached through.
    pub fn interface(&self) -> Interface {
        self.interface
    }

    /// True when a failed save left NVM changes not yet in the state file.
    pub fn has_unsaved_changes(&self) -> bool {
        self.unsaved
    }

    /// The hosted card.
    pub fn card(&self) -> &C {
        &self.card
    }

    /// The state directory, if any.
    pub fn state(&self) -> Option<&StateDir> {
        self.state.as_ref()
    }

    /// Give back the card (and the state directory, releasing nothing: its
    /// lock is dropped with it).
    pub fn into_parts(self) -> (C, Option<StateDir>) {
        (self.card, self.state)
    }
}

/// SW1 SW2 of a response as 4 hex digits, for logs.
fn sw_hex(response: &[u8]) -> String {
    match response {
        [.., sw1, sw2] => format!("{sw1:02X}{sw2:02X}"),
        _ => "none".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sw::SW_OK;
    use crate::test_card::TestCard;

    #[test]
    fn persists_only_after_nvm_changes() {
        let dir = tempfile::tempdir().unwrap();
        let (state, image) = StateDir::open(dir.path()).unwrap();
        assert!(image.is_none());
        let mut emulator = Emulator::new(TestCard::new(4), Interface::Contact, Some(state));

        assert_eq!(
            emulator.transmit(&TestCard::read_binary_apdu(0, 4)),
            vec![0, 0, 0, 0, 0x90, 0x00]
        );
        assert!(
            emulator.state().unwrap().load().unwrap().is_none(),
            "a read must not write state"
        );

        assert_eq!(
            emulator.transmit(&TestCard::update_binary_apdu(1, &[0xAB])),
            SW_OK
        );
        assert_eq!(
            emulator.state().unwrap().load().unwrap(),
            Some(vec![0, 0xAB, 0, 0])
        );

        // A failing command does not persist: make the next save fail
        // loudly if it were attempted (state.json.tmp is a directory).
        std::fs::create_dir(dir.path().join(crate::state::STATE_TMP_NAME)).unwrap();
        assert_eq!(
            emulator.transmit(&TestCard::update_binary_apdu(9, &[1])),
            [0x6B, 0x00]
        );
        assert!(!emulator.has_unsaved_changes());
    }

    #[test]
    fn save_failure_answers_6581_keeps_last_good_state_and_retries() {
        let dir = tempfile::tempdir().unwrap();
        let (state, _) = StateDir::open(dir.path()).unwrap();
        let mut emulator = Emulator::new(TestCard::new(2), Interface::Contactless, Some(state));
        assert_eq!(
            emulator.transmit(&TestCard::update_binary_apdu(0, &[1])),
            SW_OK
        );

        // Root ignores permissions, so break the save another way: the
        // temporary file's name is taken by a directory.
        let blocker = dir.path().join(crate::state::STATE_TMP_NAME);
        std::fs::create_dir(&blocker).unwrap();
        assert_eq!(
            emulator.transmit(&TestCard::update_binary_apdu(1, &[2])),
            SW_MEMORY_FAILURE
        );
        assert!(emulator.has_unsaved_changes());
        assert_eq!(
            emulator.state().unwrap().load().unwrap(),
            Some(vec![1, 0]),
            "last good state kept"
        );

        // Storage back: the next command (even a read) flushes the change.
        std::fs::remove_dir(&blocker).unwrap();
        assert_eq!(
            emulator.transmit(&TestCard::read_binary_apdu(0, 2)),
            vec![1, 2, 0x90, 0x00]
        );
        assert!(!emulator.has_unsaved_changes());
        assert_eq!(emulator.state().unwrap().load().unwrap(), Some(vec![1, 2]));
    }

    #[test]
    fn power_on_reset_and_atr_follow_the_interface() {
        let mut emulator = Emulator::new(TestCard::new(1), Interface::Contactless, None);
        assert_eq!(emulator.card().power_ons(), 1, "new() powers the card on");
        emulator.power_off();
        emulator.power_on();
        emulator.reset();
        assert_eq!(emulator.card().power_ons(), 3);
        assert_eq!(emulator.atr(), crate::atr::contactless_atr().as_slice());
        let contact = Emulator::new(TestCard::new(1), Interface::Contact, None);
        assert_eq!(contact.atr(), crate::atr::contact_atr().as_slice());
    }
}
