//! The persistent card image and the per-command transaction.
//!
//! A command never writes the image directly: it works on a `Transaction`
//! that records what each write replaced (an undo log). The card commits the
//! transaction when the command ends with 9000 or a warning (62xx/63xx) and
//! rolls it back otherwise, so a command changes NVM all or nothing.
//!
//! `Transaction::commit_now` makes the writes so far durable before the command
//! goes on (TR-03110-2 anti-tearing: a retry counter decrement must reach NVM
//! before the comparison result is acted on); they are kept even if the
//! command then fails.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use serde::{Deserialize, Serialize};

use crate::fs::tree::{validate_mf, Df, EfRef, TreeError};
use crate::lifecycle::LifeCycle;
use crate::status::StatusWord;

/// Everything the card keeps across power cycles.
///
/// `Debug` shows the objects' names and sizes only: they hold private keys,
/// PIN values and issuer keys, which must never reach a log.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardImage {
    /// The master file and everything below it.
    pub mf: Df,
    pub life_cycle: LifeCycle,
    /// Named objects that are not files (PIN objects, keys, counters), owned by
    /// the code that defines each name (later issues).
    pub objects: BTreeMap<String, Vec<u8>>,
}

impl fmt::Debug for CardImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Sizes<'a>(&'a BTreeMap<String, Vec<u8>>);
        impl fmt::Debug for Sizes<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map().entries(self.0.iter().map(|(name, value)| (name, value.len()))).finish()
            }
        }
        f.debug_struct("CardImage")
            .field("mf", &self.mf)
            .field("life_cycle", &self.life_cycle)
            .field("object_sizes", &Sizes(&self.objects))
            .finish()
    }
}

impl CardImage {
    /// Check the file system rules (e.g. after loading an image from disk).
    pub fn validate(&self) -> Result<(), TreeError> {
        validate_mf(&self.mf)
    }
}

/// What a write replaced, to undo it (no `Debug`: it holds old object
/// values, i.e. keys and PINs).
enum Undo {
    Ef { at: EfRef, offset: usize, old: Vec<u8> },
    /// The whole content of an EF before `replace_ef` (its size may differ).
    EfContent { at: EfRef, old: Vec<u8> },
    Object { key: String, old: Option<Vec<u8>> },
    LifeCycle(LifeCycle),
}

/// The writes of one command. Dropping it without `commit` rolls it back.
pub struct Transaction<'a> {
    image: &'a mut CardImage,
    undo: Vec<Undo>,
    /// `commit_now` made at least one write durable.
    committed_early: bool,
}

impl fmt::Debug for Transaction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transaction")
            .field("image", &self.image)
            .field("pending_writes", &self.undo.len())
            .field("committed_early", &self.committed_early)
            .finish()
    }
}

impl<'a> Transaction<'a> {
    pub fn begin(image: &'a mut CardImage) -> Transaction<'a> {
        Transaction { image, undo: Vec::new(), committed_early: false }
    }

    /// The image as this command sees it (its own writes included).
    pub fn image(&self) -> &CardImage {
        self.image
    }

    /// Overwrite `bytes` at `offset` of a transparent EF of fixed size.
    /// Offset beyond the end → 6B00; data past the end → 6A84 (nothing written).
    pub fn update_ef(&mut self, at: &EfRef, offset: usize, bytes: &[u8]) -> Result<(), StatusWord> {
        let ef = self.image.mf.ef_at_mut(at).ok_or(StatusWord::FileNotFound)?;
        if offset > ef.data.len() {
            return Err(StatusWord::WrongP1P2OffsetOutsideEf);
        }
        let end = offset.checked_add(bytes.len()).ok_or(StatusWord::NotEnoughMemoryInFile)?;
        let target = ef.data.get_mut(offset..end).ok_or(StatusWord::NotEnoughMemoryInFile)?;
        let old = target.to_vec();
        target.copy_from_slice(bytes);
        self.undo.push(Undo::Ef { at: at.clone(), offset, old });
        Ok(())
    }

    /// Replace the whole content of a transparent EF; the EF's size becomes
    /// `bytes.len()` (a registry-office update writes a field whose new
    /// encoding has another length, docs/spec/eac.md §Registry-office
    /// updates). Undone with the rest of the transaction: rollback puts the
    /// old content, and so the old size, back. Unknown EF → 6A82.
    pub fn replace_ef(&mut self, at: &EfRef, bytes: Vec<u8>) -> Result<(), StatusWord> {
        let ef = self.image.mf.ef_at_mut(at).ok_or(StatusWord::FileNotFound)?;
        let old = core::mem::replace(&mut ef.data, bytes);
        self.undo.push(Undo::EfContent { at: at.clone(), old });
        Ok(())
    }

    pub fn set_object(&mut self, key: &str, value: Vec<u8>) {
        let old = self.image.objects.insert(String::from(key), value);
        self.undo.push(Undo::Object { key: String::from(key), old });
    }

    pub fn remove_object(&mut self, key: &str) {
        let old = self.image.objects.remove(key);
        self.undo.push(Undo::Object { key: String::from(key), old });
    }

    pub fn set_life_cycle(&mut self, state: LifeCycle) {
        let old = core::mem::replace(&mut self.image.life_cycle, state);
        self.undo.push(Undo::LifeCycle(old));
    }

    /// Make every write so far durable now: a later failure of this command
    /// does not undo them.
    pub fn commit_now(&mut self) {
        if !self.undo.is_empty() {
            self.undo.clear();
            self.committed_early = true;
        }
    }

    /// Keep every write. Returns whether this command changed NVM.
    pub fn commit(mut self) -> bool {
        let changed = self.committed_early || !self.undo.is_empty();
        self.undo.clear();
        changed
    }

    /// Undo the writes not yet committed. Returns whether NVM still changed
    /// (through `commit_now`).
    pub fn rollback(mut self) -> bool {
        self.undo_all();
        self.committed_early
    }

    fn undo_all(&mut self) {
        while let Some(entry) = self.undo.pop() {
            match entry {
                Undo::Ef { at, offset, old } => {
                    if let Some(target) = self
                        .image
                        .mf
                        .ef_at_mut(&at)
                        .and_then(|ef| ef.data.get_mut(offset..offset + old.len()))
                    {
                        target.copy_from_slice(&old);
                    }
                }
                Undo::EfContent { at, old } => {
                    if let Some(ef) = self.image.mf.ef_at_mut(&at) {
                        ef.data = old;
                    }
                }
                Undo::Object { key, old: Some(value) } => {
                    self.image.objects.insert(key, value);
                }
                Undo::Object { key, old: None } => {
                    self.image.objects.remove(&key);
                }
                Undo::LifeCycle(state) => self.image.life_cycle = state,
            }
        }
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        self.undo_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::tree::{DfRules, Ef, EfRules, Node};
    use crate::security::AccessCondition;
    use alloc::vec;

    fn image() -> CardImage {
        let ef = Ef {
            fid: 0x2F10,
            sfi: Some(0x10),
            rules: EfRules { read: AccessCondition::Always, update: AccessCondition::Always },
            data: vec![0; 4],
        };
        CardImage {
            mf: Df {
                fid: Some(0x3F00),
                aid: None,
                rules: DfRules { terminate: AccessCondition::Never },
                children: vec![Node::Ef(ef)],
            },
            life_cycle: LifeCycle::Operational,
            objects: BTreeMap::new(),
        }
    }

    /// Objects hold keys and PINs: `Debug` (of the image and of a
    /// transaction that replaced one) names them and gives their size only.
    #[test]
    fn debug_never_shows_object_values() {
        extern crate std;
        let secret = vec![0xA5, 0x5A, 0xC3, 0x3C, 0x96, 0x69];
        let mut image = image();
        image.objects.insert("cert.key.01".into(), secret.clone());
        let shown = std::format!("{image:?}");
        assert!(shown.contains("cert.key.01") && shown.contains('6'), "{shown}");
        assert!(!shown.contains("165") && !shown.contains("a5") && !shown.contains("A5"), "{shown}");
        let mut tx = Transaction::begin(&mut image);
        tx.set_object("cert.key.01", vec![1, 2, 3]);
        let shown = std::format!("{tx:?}");
        assert!(!shown.contains("165") && shown.contains("pending_writes: 1"), "{shown}");
    }

    fn at() -> EfRef {
        EfRef { df: vec![], index: 0 }
    }

    fn data(image: &CardImage) -> Vec<u8> {
        image.mf.ef_at(&at()).map(|ef| ef.data.clone()).unwrap_or_default()
    }

    #[test]
    fn rollback_restores_every_write() {
        let mut img = image();
        let mut tx = Transaction::begin(&mut img);
        tx.update_ef(&at(), 0, &[1, 2]).unwrap();
        tx.update_ef(&at(), 1, &[9, 9, 9]).unwrap();
        tx.set_object("pin1", vec![3]);
        tx.set_life_cycle(LifeCycle::Terminated);
        assert!(!tx.rollback());
        assert_eq!(img, image());
    }

    #[test]
    fn commit_keeps_and_reports_change() {
        let mut img = image();
        let mut tx = Transaction::begin(&mut img);
        tx.update_ef(&at(), 2, &[7, 7]).unwrap();
        assert!(tx.commit());
        assert_eq!(data(&img), vec![0, 0, 7, 7]);
        assert!(!Transaction::begin(&mut img).commit());
    }

    #[test]
    fn bounds() {
        let mut img = image();
        let mut tx = Transaction::begin(&mut img);
        assert_eq!(tx.update_ef(&at(), 5, &[1]), Err(StatusWord::WrongP1P2OffsetOutsideEf));
        assert_eq!(tx.update_ef(&at(), 3, &[1, 2]), Err(StatusWord::NotEnoughMemoryInFile));
        assert!(!tx.commit());
        assert_eq!(data(&img), vec![0; 4]);
    }

    #[test]
    fn replace_ef_changes_the_size_and_rollback_restores_it() {
        let mut img = image();
        let mut tx = Transaction::begin(&mut img);
        tx.update_ef(&at(), 0, &[1]).unwrap();
        tx.replace_ef(&at(), vec![9; 7]).unwrap();
        assert_eq!(data(tx.image()), vec![9; 7]);
        tx.replace_ef(&at(), vec![8, 8]).unwrap();
        assert_eq!(data(tx.image()), vec![8, 8]);
        assert!(!tx.rollback());
        assert_eq!(img, image());
    }

    #[test]
    fn replace_ef_commits_and_refuses_unknown_ef() {
        let mut img = image();
        let mut tx = Transaction::begin(&mut img);
        let missing = EfRef { df: vec![], index: 5 };
        assert_eq!(tx.replace_ef(&missing, vec![1]), Err(StatusWord::FileNotFound));
        tx.replace_ef(&at(), vec![1, 2, 3, 4, 5, 6]).unwrap();
        assert!(tx.commit());
        assert_eq!(data(&img), vec![1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn commit_now_survives_rollback() {
        let mut img = image();
        let mut tx = Transaction::begin(&mut img);
        tx.set_object("counter", vec![2]);
        tx.commit_now();
        tx.update_ef(&at(), 0, &[5]).unwrap();
        assert!(tx.rollback());
        assert_eq!(img.objects.get("counter"), Some(&vec![2]));
        assert_eq!(data(&img), vec![0; 4]);
    }
}
