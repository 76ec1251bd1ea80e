//! Command chaining on the card side (ISO 7816-4 §5.3.3).
//!
//! A chain is a sequence of commands with the same CLA (apart from b5), INS,
//! P1 and P2; every part but the last has CLA b5 set. The card answers 9000
//! to each intermediate part and processes the concatenated data field when
//! the last part arrives, with the Le of the last part.
//!
//! Decisions (docs/spec/apdu.md):
//! * a command that does not continue the chain in progress discards the chain
//!   and is answered 6883 "last command of the chain expected";
//! * a chained part for an instruction that does not support chaining is
//!   answered 6884 (and discards any chain in progress);
//! * the assembled data field may not exceed 65 535 bytes (the largest
//!   extended Nc): otherwise 6700 and the chain is discarded.

use alloc::vec::Vec;

use super::class;
use super::command::{CommandApdu, EXTENDED_MAX_NC};
use crate::status::StatusWord;

/// A chain in progress (volatile: cleared on reset).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainState {
    pending: Option<Pending>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Pending {
    cla: u8,
    ins: u8,
    p1: u8,
    p2: u8,
    /// The parts arrived under secure messaging: a chain is all protected or
    /// all plain, never mixed.
    protected: bool,
    data: Vec<u8>,
}

impl Pending {
    fn continued_by(&self, cmd: &CommandApdu, protected: bool) -> bool {
        self.cla == class::without_chaining(cmd.cla)
            && self.ins == cmd.ins
            && self.p1 == cmd.p1
            && self.p2 == cmd.p2
            && self.protected == protected
    }
}

/// What the card does with one received part.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainStep {
    /// An intermediate part was stored: answer 9000.
    Stored,
    /// A complete command (single or assembled) to process.
    Complete(CommandApdu),
}

impl ChainState {
    pub fn clear(&mut self) {
        self.pending = None;
    }

    pub fn in_progress(&self) -> bool {
        self.pending.is_some()
    }

    /// Take one received command (already unwrapped from secure messaging when
    /// `protected`). `supports_chaining` says whether the command's INS
    /// accepts chaining in the current context.
    pub fn accept(
        &mut self,
        cmd: CommandApdu,
        supports_chaining: bool,
        protected: bool,
    ) -> Result<ChainStep, StatusWord> {
        let pending = self.pending.take();
        if let Some(p) = &pending
            && !p.continued_by(&cmd, protected)
        {
            return Err(StatusWord::LastCommandOfChainExpected);
        }
        if class::is_chained(cmd.cla) && !supports_chaining {
            return Err(StatusWord::CommandChainingNotSupported);
        }
        let mut data = match pending {
            Some(p) => p.data,
            None => Vec::new(),
        };
        if data.len() + cmd.data.len() > EXTENDED_MAX_NC {
            return Err(StatusWord::WrongLength);
        }
        data.extend_from_slice(&cmd.data);
        if class::is_chained(cmd.cla) {
            self.pending = Some(Pending {
                cla: class::without_chaining(cmd.cla),
                ins: cmd.ins,
                p1: cmd.p1,
                p2: cmd.p2,
                protected,
                data,
            });
            Ok(ChainStep::Stored)
        } else {
            // Extended if any part was, or if the assembled data needs it.
            let extended = cmd.extended;
            Ok(ChainStep::Complete(CommandApdu { data, extended, ..cmd }))
        }
    }

    /// A command that uses the chaining bit for its own protocol instead of
    /// data chaining (GENERAL AUTHENTICATE, TR-03110-3 B.1: b5 set on every
    /// PACE step but the last). It is never stored; it only interrupts a data
    /// chain in progress like any other command (6883, chain discarded).
    pub fn pass_through(&mut self, cmd: CommandApdu) -> Result<ChainStep, StatusWord> {
        match self.pending.take() {
            Some(_) => Err(StatusWord::LastCommandOfChainExpected),
            None => Ok(ChainStep::Complete(cmd)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn cmd(cla: u8, data: &[u8]) -> CommandApdu {
        CommandApdu::new(cla, 0xD6, 0, 0, data.to_vec(), None)
    }

    #[test]
    fn assembles_parts() {
        let mut s = ChainState::default();
        assert_eq!(s.accept(cmd(0x10, &[1, 2]), true, false), Ok(ChainStep::Stored));
        assert_eq!(s.accept(cmd(0x10, &[3]), true, false), Ok(ChainStep::Stored));
        match s.accept(cmd(0x00, &[4]), true, false) {
            Ok(ChainStep::Complete(c)) => assert_eq!(c.data, vec![1, 2, 3, 4]),
            other => panic!("{other:?}"),
        }
        assert!(!s.in_progress());
    }

    #[test]
    fn broken_chain_is_6883_and_discarded() {
        let mut s = ChainState::default();
        s.accept(cmd(0x10, &[1]), true, false).unwrap();
        let other = CommandApdu::new(0x00, 0xB0, 0, 0, vec![], Some(1));
        assert_eq!(s.accept(other.clone(), false, false), Err(StatusWord::LastCommandOfChainExpected));
        assert!(!s.in_progress());
        assert_eq!(s.accept(other.clone(), false, false), Ok(ChainStep::Complete(other)));
    }

    #[test]
    fn plain_part_does_not_continue_a_protected_chain() {
        let mut s = ChainState::default();
        s.accept(cmd(0x10, &[1]), true, true).unwrap();
        assert_eq!(s.accept(cmd(0x00, &[2]), true, false), Err(StatusWord::LastCommandOfChainExpected));
        assert!(!s.in_progress());
    }

    #[test]
    fn pass_through_interrupts_a_chain() {
        let mut s = ChainState::default();
        let ga = CommandApdu::new(0x10, 0x86, 0, 0, vec![0x7C, 0x00], Some(256));
        assert_eq!(s.pass_through(ga.clone()), Ok(ChainStep::Complete(ga.clone())));
        s.accept(cmd(0x10, &[1]), true, false).unwrap();
        assert_eq!(s.pass_through(ga), Err(StatusWord::LastCommandOfChainExpected));
        assert!(!s.in_progress());
    }

    #[test]
    fn unsupported_is_6884() {
        let mut s = ChainState::default();
        assert_eq!(s.accept(cmd(0x10, &[1]), false, false), Err(StatusWord::CommandChainingNotSupported));
    }
}
