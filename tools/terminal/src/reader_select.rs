//! Choosing the reader to talk to, as a pure function over what PC/SC reports
//! (reader names and, for each, the ATR of the card it holds), so the rules are
//! tested without pcscd.
//!
//! Rules:
//! * `--reader NAME`: an exact name wins; otherwise NAME is a substring. When it
//!   matches several readers, the one holding a card is used; when several of
//!   those hold a card, the choice is ambiguous.
//! * no `--reader`: the one reader holding a card is used.
//! * anything else (nothing matches, no card anywhere, two cards) is an error
//!   whose message lists every reader and its card.

use std::fmt;

use thiserror::Error;

/// One reader as PC/SC reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReaderInfo {
    pub name: String,
    /// The ATR of the card present in the reader, `None` when it is empty.
    pub atr: Option<Vec<u8>>,
}

impl ReaderInfo {
    pub fn new(name: impl Into<String>, atr: Option<Vec<u8>>) -> Self {
        Self { name: name.into(), atr }
    }
}

impl fmt::Display for ReaderInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.atr {
            Some(atr) => write!(f, "{}: card, ATR {}", self.name, hex::encode_upper(atr)),
            None => write!(f, "{}: no card", self.name),
        }
    }
}

/// The readers, one per line, for error messages.
struct Listing<'a>(&'a [ReaderInfo]);

impl fmt::Display for Listing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return write!(f, "\n  (no readers)");
        }
        for reader in self.0 {
            write!(f, "\n  {reader}")?;
        }
        Ok(())
    }
}

/// Why no single reader could be chosen. Each message lists the readers.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReaderSelectError {
    #[error("--reader \"{requested}\": no reader name equals or contains it; readers:{}", Listing(.readers))]
    NotFound { requested: String, readers: Vec<ReaderInfo> },
    #[error("--reader \"{requested}\" matches several readers holding a card; give a longer name; readers:{}", Listing(.readers))]
    Ambiguous { requested: String, readers: Vec<ReaderInfo> },
    #[error("--reader \"{requested}\": the matching reader(s) hold no card; readers:{}", Listing(.readers))]
    NoCardInMatch { requested: String, readers: Vec<ReaderInfo> },
    #[error("no reader holds a card (use --reader NAME or --emulator PROFILE); readers:{}", Listing(.readers))]
    NoCard { readers: Vec<ReaderInfo> },
    #[error("several readers hold a card: choose one with --reader NAME; readers:{}", Listing(.readers))]
    SeveralCards { readers: Vec<ReaderInfo> },
}

/// Picks the reader to use; returns its full name.
pub fn select_reader(
    readers: &[ReaderInfo],
    requested: Option<&str>,
) -> Result<String, ReaderSelectError> {
    let Some(requested) = requested else {
        let with_card: Vec<&ReaderInfo> = readers.iter().filter(|r| r.atr.is_some()).collect();
        return match with_card.as_slice() {
            [one] => Ok(one.name.clone()),
            [] => Err(ReaderSelectError::NoCard { readers: readers.to_vec() }),
            _ => Err(ReaderSelectError::SeveralCards { readers: readers.to_vec() }),
        };
    };

    if let Some(exact) = readers.iter().find(|r| r.name == requested) {
        return Ok(exact.name.clone());
    }
    let matching: Vec<&ReaderInfo> =
        readers.iter().filter(|r| r.name.contains(requested)).collect();
    if let [one] = matching.as_slice() {
        // A single match is used even when empty: connecting then reports "no card"
        // for exactly the reader the user meant.
        return Ok(one.name.clone());
    }
    if matching.is_empty() {
        return Err(ReaderSelectError::NotFound {
            requested: requested.to_owned(),
            readers: readers.to_vec(),
        });
    }
    let with_card: Vec<&&ReaderInfo> = matching.iter().filter(|r| r.atr.is_some()).collect();
    match with_card.as_slice() {
        [one] => Ok(one.name.clone()),
        [] => Err(ReaderSelectError::NoCardInMatch {
            requested: requested.to_owned(),
            readers: readers.to_vec(),
        }),
        _ => Err(ReaderSelectError::Ambiguous {
            requested: requested.to_owned(),
            readers: readers.to_vec(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ATR: [u8; 4] = [0x3B, 0x80, 0x80, 0x01];

    fn vpcd_pair(card_in_first: bool, card_in_second: bool) -> Vec<ReaderInfo> {
        vec![
            ReaderInfo::new("Virtual PCD 00 00", card_in_first.then(|| ATR.to_vec())),
            ReaderInfo::new("Virtual PCD 00 01", card_in_second.then(|| ATR.to_vec())),
        ]
    }

    #[test]
    fn exact_name_wins_even_without_card() {
        let readers = vpcd_pair(false, true);
        assert_eq!(select_reader(&readers, Some("Virtual PCD 00 00")).unwrap(), "Virtual PCD 00 00");
    }

    #[test]
    fn substring_matching_several_picks_the_one_with_a_card() {
        let readers = vpcd_pair(false, true);
        assert_eq!(select_reader(&readers, Some("Virtual PCD")).unwrap(), "Virtual PCD 00 01");
    }

    #[test]
    fn substring_matching_several_cards_is_ambiguous_and_lists_readers() {
        let readers = vpcd_pair(true, true);
        let err = select_reader(&readers, Some("Virtual")).unwrap_err();
        assert!(matches!(err, ReaderSelectError::Ambiguous { .. }));
        let text = err.to_string();
        assert!(text.contains("Virtual PCD 00 00: card, ATR 3B808001"), "{text}");
        assert!(text.contains("Virtual PCD 00 01: card, ATR 3B808001"), "{text}");
    }

    #[test]
    fn substring_matching_several_without_card_is_an_error() {
        let readers = vpcd_pair(false, false);
        let err = select_reader(&readers, Some("PCD")).unwrap_err();
        assert!(matches!(err, ReaderSelectError::NoCardInMatch { .. }));
        assert!(err.to_string().contains("Virtual PCD 00 01: no card"));
    }

    #[test]
    fn unknown_name_lists_readers() {
        let readers = vpcd_pair(true, false);
        let err = select_reader(&readers, Some("ACS")).unwrap_err();
        assert!(matches!(err, ReaderSelectError::NotFound { .. }));
        assert!(err.to_string().contains("--reader \"ACS\""));
        assert!(err.to_string().contains("Virtual PCD 00 00: card"));
    }

    #[test]
    fn no_request_uses_the_single_reader_with_a_card() {
        let readers = vpcd_pair(false, true);
        assert_eq!(select_reader(&readers, None).unwrap(), "Virtual PCD 00 01");
    }

    #[test]
    fn no_request_and_two_cards_is_an_error() {
        let err = select_reader(&vpcd_pair(true, true), None).unwrap_err();
        assert!(matches!(err, ReaderSelectError::SeveralCards { .. }));
    }

    #[test]
    fn no_request_and_no_card_is_an_error() {
        let err = select_reader(&vpcd_pair(false, false), None).unwrap_err();
        assert!(matches!(err, ReaderSelectError::NoCard { .. }));
        let err = select_reader(&[], None).unwrap_err();
        assert!(err.to_string().contains("(no readers)"));
    }
}
