//! PC/SC reader waits through pcscd: a reader appears, a card is inserted
//! (a virtual card connected to vpcd and answered its ATR), a card is gone.
//!
//! Readers are matched by substring, as pcscd names vpcd's readers
//! `Virtual PCD 00 00` and `Virtual PCD 00 01`.

use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Context, ReaderState, Scope, State};

use crate::error::TestbedError;

/// How often reader states are polled.
const POLL: Duration = Duration::from_millis(20);

/// The names of the readers pcscd knows now (empty when none).
pub fn list_readers() -> Result<Vec<String>, TestbedError> {
    let context = establish()?;
    names(&context)
}

/// The first reader name that contains `substring`.
pub fn find_reader<'a>(readers: &'a [String], substring: &str) -> Option<&'a str> {
    readers
        .iter()
        .map(String::as_str)
        .find(|name| name.contains(substring))
}

/// Wait until a reader whose name contains `substring` exists; returns its
/// full name.
pub fn wait_for_reader(substring: &str, timeout: Duration) -> Result<String, TestbedError> {
    let context = establish()?;
    wait_reader(&context, substring, Instant::now() + timeout, timeout)
}

/// Wait until the reader whose name contains `substring` shows a card
/// present; returns the reader's full name.
pub fn wait_for_card(reader_substring: &str, timeout: Duration) -> Result<String, TestbedError> {
    wait_for_state(reader_substring, timeout, Wanted::Card)
}

/// Wait until the reader whose name contains `substring` shows no card;
/// returns the reader's full name.
pub fn wait_for_no_card(reader_substring: &str, timeout: Duration) -> Result<String, TestbedError> {
    wait_for_state(reader_substring, timeout, Wanted::NoCard)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Card,
    NoCard,
}

impl Wanted {
    /// A usable card is present and answers (not mute); no card is empty.
    fn reached(self, state: State) -> bool {
        match self {
            Wanted::Card => state.contains(State::PRESENT) && !state.contains(State::MUTE),
            Wanted::NoCard => !state.contains(State::PRESENT),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Wanted::Card => "card present",
            Wanted::NoCard => "no card",
        }
    }
}

fn wait_for_state(
    substring: &str,
    timeout: Duration,
    wanted: Wanted,
) -> Result<String, TestbedError> {
    let deadline = Instant::now() + timeout;
    let context = establish()?;
    let reader = wait_reader(&context, substring, deadline, timeout)?;
    let name = CString::new(reader.as_str()).map_err(|_| TestbedError::NoSuchReader {
        substring: substring.to_owned(),
        timeout,
        readers: vec![reader.clone()],
    })?;
    loop {
        // UNAWARE: report the current state at once.
        let mut states = [ReaderState::new(name.clone(), State::UNAWARE)];
        context
            .get_status_change(Some(Duration::ZERO), &mut states)
            .map_err(|source| TestbedError::Pcsc {
                operation: "SCardGetStatusChange",
                source,
            })?;
        if wanted.reached(states[0].event_state()) {
            return Ok(reader);
        }
        if Instant::now() >= deadline {
            return Err(TestbedError::CardWaitTimeout {
                reader,
                wanted: wanted.describe(),
                timeout,
            });
        }
        std::thread::sleep(POLL);
    }
}

fn wait_reader(
    context: &Context,
    substring: &str,
    deadline: Instant,
    timeout: Duration,
) -> Result<String, TestbedError> {
    loop {
        let readers = names(context)?;
        if let Some(name) = find_reader(&readers, substring) {
            return Ok(name.to_owned());
        }
        if Instant::now() >= deadline {
            return Err(TestbedError::NoSuchReader {
                substring: substring.to_owned(),
                timeout,
                readers,
            });
        }
        std::thread::sleep(POLL);
    }
}

fn establish() -> Result<Context, TestbedError> {
    Context::establish(Scope::User).map_err(|source| TestbedError::Pcsc {
        operation: "SCardEstablishContext (is pcscd running?)",
        source,
    })
}

fn names(context: &Context) -> Result<Vec<String>, TestbedError> {
    match context.list_readers_owned() {
        Ok(names) => Ok(names
            .into_iter()
            .map(|name| name.to_string_lossy().into_owned())
            .collect()),
        Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
        Err(source) => Err(TestbedError::Pcsc {
            operation: "SCardListReaders",
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_readers_by_substring() {
        let readers = vec![
            "Virtual PCD 00 00".to_owned(),
            "Virtual PCD 00 01".to_owned(),
        ];
        assert_eq!(find_reader(&readers, "00 01"), Some("Virtual PCD 00 01"));
        assert_eq!(
            find_reader(&readers, "Virtual PCD"),
            Some("Virtual PCD 00 00")
        );
        assert_eq!(find_reader(&readers, "Omnikey"), None);
        assert_eq!(find_reader(&[], "Virtual"), None);
    }

    #[test]
    fn card_states() {
        assert!(Wanted::Card.reached(State::PRESENT | State::CHANGED));
        assert!(!Wanted::Card.reached(State::PRESENT | State::MUTE));
        assert!(!Wanted::Card.reached(State::EMPTY));
        assert!(Wanted::NoCard.reached(State::EMPTY));
        assert!(!Wanted::NoCard.reached(State::PRESENT | State::INUSE));
    }
}
