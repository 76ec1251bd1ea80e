//! The module's state without FFI: slots (readers) with their tokens,
//! sessions, objects. Every method returns `Result<_, CK_RV>`; the entry
//! points in [`crate::ffi`] only move bytes across the C boundary.
//!
//! Slots keep their ID for the life of the module: a reader seen once keeps
//! its index even when unplugged (PKCS#11 v2.40 §5.5: slot IDs are stable
//! while the library is initialized).

use std::collections::BTreeMap;

use cryptoki_sys::*;

use crate::backend::Backend;
use crate::catalog;
use crate::mechanism;
use crate::object::Object;
use crate::session::Session;
use crate::token::{PinStatus, Token, TokenError, TokenObjects};

/// CK_INFO / CK_SLOT_INFO / CK_TOKEN_INFO manufacturerID, and TokenInfo's (certificate-zone.md).
pub const MANUFACTURER: &str = "neid";
/// CK_INFO libraryDescription.
pub const LIBRARY_DESCRIPTION: &str = "neid New eID PKCS#11 module";
/// CK_TOKEN_INFO model.
pub const TOKEN_MODEL: &str = "New eID";
/// PIN2 lengths of the chip (pins.md) for a token whose AODF cannot be read.
const PIN2_MIN: usize = 8;
const PIN2_MAX: usize = 12;

/// A card in a slot, as far as the module knows it.
pub enum CardState {
    /// Not looked at since it was inserted.
    Unprobed,
    /// A card without the PKCS#15 application: the slot shows no token.
    NotToken,
    /// The certificate zone answers but cannot be read (no CAN, PACE failed,
    /// unreadable directory): a token without objects; C_Login fails.
    Locked(TokenError),
    Ready(Box<LoadedToken>),
}

/// An opened certificate zone with its objects.
pub struct LoadedToken {
    pub token: Box<dyn Token>,
    pub label: String,
    pub serial: String,
    pub pin_min: usize,
    pub pin_max: usize,
    /// Token objects and the session objects of every session.
    pub objects: BTreeMap<CK_OBJECT_HANDLE, Object>,
    /// C_Login(CKU_USER) succeeded and no C_Logout since (shared by all sessions, §5.6).
    pub logged_in: bool,
}

pub struct Slot {
    pub reader: String,
    /// The reader was listed by the last scan.
    pub connected: bool,
    pub card_present: bool,
    pub card: CardState,
}

/// What C_GetSlotInfo reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotInfo {
    pub description: String,
    pub flags: CK_FLAGS,
}

/// What C_GetTokenInfo reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    pub label: String,
    pub serial: String,
    pub flags: CK_FLAGS,
    pub pin_min: usize,
    pub pin_max: usize,
    pub sessions: usize,
    pub rw_sessions: usize,
}

/// A two-call output (PKCS#11 v2.40 §5.2): the length asked for, a buffer
/// too small (length needed), or the bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    Length(usize),
    TooSmall(usize),
    Data(Vec<u8>),
}

impl Output {
    /// Decides from the caller's capacity (`None`: NULL output pointer).
    pub fn for_capacity(needed: usize, capacity: Option<usize>) -> Option<Self> {
        match capacity {
            None => Some(Self::Length(needed)),
            Some(c) if c < needed => Some(Self::TooSmall(needed)),
            Some(_) => None,
        }
    }
}

pub struct Module {
    pub(crate) backend: Box<dyn Backend>,
    pub(crate) slots: Vec<Slot>,
    scanned: bool,
    pub(crate) sessions: BTreeMap<CK_SESSION_HANDLE, Session>,
    next_session: CK_SESSION_HANDLE,
    next_object: CK_OBJECT_HANDLE,
}

impl Module {
    pub fn new(backend: Box<dyn Backend>) -> Self {
        Self { backend, slots: Vec::new(), scanned: false, sessions: BTreeMap::new(), next_session: 1, next_object: 1 }
    }

    pub(crate) fn new_object_handle(&mut self) -> CK_OBJECT_HANDLE {
        let handle = self.next_object;
        self.next_object += 1;
        handle
    }

    pub(crate) fn new_session_handle(&mut self) -> CK_SESSION_HANDLE {
        let handle = self.next_session;
        self.next_session += 1;
        handle
    }

    /// Asks the backend for the readers and updates the slots.
    pub fn refresh(&mut self) {
        let readers = match self.backend.readers() {
            Ok(readers) => readers,
            Err(error) => {
                tracing::warn!(%error, "listing readers failed: no slots");
                Vec::new()
            }
        };
        self.scanned = true;
        for index in 0..self.slots.len() {
            let state = readers.iter().find(|r| r.name == self.slots[index].reader);
            self.slots[index].connected = state.is_some();
            let present = state.is_some_and(|r| r.card_present);
            if !present {
                self.remove_card(index);
            }
        }
        for reader in readers {
            if !self.slots.iter().any(|s| s.reader == reader.name) {
                self.slots.push(Slot {
                    reader: reader.name,
                    connected: true,
                    card_present: reader.card_present,
                    card: CardState::Unprobed,
                });
            } else if let Some(slot) = self.slots.iter_mut().find(|s| s.reader == reader.name) {
                slot.card_present = reader.card_present;
            }
        }
    }

    /// The card left (or its transport died): forget the token, close its sessions.
    pub(crate) fn remove_card(&mut self, index: usize) {
        let Some(slot) = self.slots.get_mut(index) else { return };
        slot.card_present = false;
        if !matches!(slot.card, CardState::Unprobed) {
            tracing::info!(reader = %slot.reader, "card removed");
        }
        slot.card = CardState::Unprobed;
        let slot_id = index as CK_SLOT_ID;
        self.sessions.retain(|_, session| session.slot != slot_id);
    }

    /// Opens the card's zone and reads its objects, once per insertion.
    fn probe(&mut self, index: usize) {
        let Some(slot) = self.slots.get(index) else { return };
        if !slot.card_present || !matches!(slot.card, CardState::Unprobed) {
            return;
        }
        let reader = slot.reader.clone();
        let state = match self.open_and_read(&reader) {
            Err(TokenError::NoApplication(sw)) => {
                tracing::info!(%reader, sw = format!("{sw:04X}"), "card without certificate zone");
                CardState::NotToken
            }
            Err(TokenError::Removed(_)) => {
                self.remove_card(index);
                return;
            }
            Err(error @ (TokenError::CanRequired | TokenError::Pace(_))) => {
                tracing::warn!(%reader, %error, "certificate zone locked");
                CardState::Locked(error)
            }
            Err(error @ TokenError::Device(_)) => {
                // Transient (reader busy, transport): try again on the next call.
                tracing::warn!(%reader, %error, "opening the card failed");
                return;
            }
            Err(error) => {
                tracing::warn!(%reader, %error, "certificate zone unreadable");
                CardState::Locked(error)
            }
            Ok((token, contents)) => CardState::Ready(Box::new(self.load(token, &contents))),
        };
        if let Some(slot) = self.slots.get_mut(index) {
            slot.card = state;
        }
    }

    /// Opens the zone (PACE with the CAN when configured) and reads it; a
    /// zone that answers 6882 under PACE has no secure messaging: it is
    /// opened again without PACE.
    fn open_and_read(&mut self, reader: &str) -> Result<(Box<dyn Token>, TokenObjects), TokenError> {
        let mut token = self.backend.open(reader, true)?;
        match token.read_objects() {
            Ok(contents) => Ok((token, contents)),
            Err(TokenError::SecureMessagingUnsupported) => {
                tracing::info!(%reader, "certificate zone without secure messaging: opening it without PACE");
                drop(token);
                let mut token = self.backend.open(reader, false)?;
                let contents = token.read_objects()?;
                Ok((token, contents))
            }
            Err(error) => Err(error),
        }
    }

    fn load(&mut self, token: Box<dyn Token>, contents: &TokenObjects) -> LoadedToken {
        let mut objects = BTreeMap::new();
        for object in catalog::token_objects(contents) {
            objects.insert(self.new_object_handle(), object);
        }
        tracing::info!(serial = %contents.serial, objects = objects.len(), "token loaded");
        LoadedToken {
            token,
            label: contents.label.clone(),
            serial: contents.serial.clone(),
            pin_min: contents.pin_min,
            pin_max: contents.pin_max,
            objects,
            logged_in: false,
        }
    }

    /// The slot index of an ID, `CKR_SLOT_ID_INVALID` for unknown ones.
    pub(crate) fn slot_index(&mut self, slot_id: CK_SLOT_ID) -> Result<usize, CK_RV> {
        if !self.scanned {
            self.refresh();
        }
        usize::try_from(slot_id).ok().filter(|i| *i < self.slots.len()).ok_or(CKR_SLOT_ID_INVALID)
    }

    /// Probes and tells whether the slot holds a token.
    fn token_present(&mut self, index: usize) -> bool {
        self.probe(index);
        self.slots.get(index).is_some_and(|s| matches!(s.card, CardState::Ready(_) | CardState::Locked(_)))
    }

    /// C_GetSlotList: `refresh` on the length query (NULL list), so that
    /// the two calls see the same slots.
    pub fn slot_list(&mut self, token_present: bool, refresh: bool) -> Vec<CK_SLOT_ID> {
        if refresh || !self.scanned {
            self.refresh();
        }
        let mut ids = Vec::new();
        for index in 0..self.slots.len() {
            if !self.slots[index].connected || (token_present && !self.token_present(index)) {
                continue;
            }
            ids.push(index as CK_SLOT_ID);
        }
        ids
    }

    pub fn slot_info(&mut self, slot_id: CK_SLOT_ID) -> Result<SlotInfo, CK_RV> {
        let index = self.slot_index(slot_id)?;
        let mut flags = CKF_REMOVABLE_DEVICE | CKF_HW_SLOT;
        if self.token_present(index) {
            flags |= CKF_TOKEN_PRESENT;
        }
        Ok(SlotInfo { description: self.slots[index].reader.clone(), flags })
    }

    pub fn token_info(&mut self, slot_id: CK_SLOT_ID) -> Result<TokenInfo, CK_RV> {
        let index = self.slot_index(slot_id)?;
        if !self.token_present(index) {
            return Err(CKR_TOKEN_NOT_PRESENT);
        }
        let sessions = self.sessions.values().filter(|s| s.slot == slot_id).count();
        let rw_sessions = self.sessions.values().filter(|s| s.slot == slot_id && s.rw).count();
        let base = CKF_TOKEN_INITIALIZED | CKF_LOGIN_REQUIRED;
        let (label, serial, mut flags, pin_min, pin_max) = match &mut self.slots[index].card {
            CardState::Ready(loaded) => {
                (loaded.label.clone(), loaded.serial.clone(), base, loaded.pin_min, loaded.pin_max)
            }
            CardState::Locked(reason) => {
                let label = match reason {
                    TokenError::CanRequired => "New eID (set NEID_CAN)",
                    TokenError::Pace(_) => "New eID (PACE failed: NEID_CAN?)",
                    _ => "New eID (unreadable)",
                };
                (label.to_owned(), String::new(), base | CKF_USER_PIN_INITIALIZED, PIN2_MIN, PIN2_MAX)
            }
            CardState::Unprobed | CardState::NotToken => return Err(CKR_TOKEN_NOT_PRESENT),
        };
        if let CardState::Ready(loaded) = &mut self.slots[index].card {
            flags |= pin_flags(loaded.token.pin_status());
        }
        Ok(TokenInfo { label, serial, flags, pin_min, pin_max, sessions, rw_sessions })
    }

    pub fn mechanism_list(&mut self, slot_id: CK_SLOT_ID) -> Result<Vec<CK_MECHANISM_TYPE>, CK_RV> {
        let index = self.slot_index(slot_id)?;
        if !self.token_present(index) {
            return Err(CKR_TOKEN_NOT_PRESENT);
        }
        Ok(mechanism::MECHANISMS.iter().map(|(m, _)| *m).collect())
    }

    pub fn mechanism_info(
        &mut self,
        slot_id: CK_SLOT_ID,
        mechanism: CK_MECHANISM_TYPE,
    ) -> Result<mechanism::MechanismInfo, CK_RV> {
        let index = self.slot_index(slot_id)?;
        if !self.token_present(index) {
            return Err(CKR_TOKEN_NOT_PRESENT);
        }
        mechanism::info(mechanism).ok_or(CKR_MECHANISM_INVALID)
    }

    /// C_Finalize: PIN2 back to "not verified" on every card still logged in.
    pub fn finalize(&mut self) {
        self.sessions.clear();
        for slot in &mut self.slots {
            if let CardState::Ready(loaded) = &mut slot.card
                && loaded.logged_in
            {
                if let Err(error) = loaded.token.logout() {
                    tracing::warn!(reader = %slot.reader, %error, "logout at C_Finalize failed");
                }
                loaded.logged_in = false;
            }
        }
    }
}

/// CK_TOKEN_INFO PIN flags (§5.5 table): the card counts PIN2 tries.
fn pin_flags(status: Result<PinStatus, TokenError>) -> CK_FLAGS {
    match status {
        Ok(PinStatus::Verified) => CKF_USER_PIN_INITIALIZED,
        Ok(PinStatus::TriesLeft(1)) => CKF_USER_PIN_INITIALIZED | CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY,
        Ok(PinStatus::TriesLeft(_)) => CKF_USER_PIN_INITIALIZED,
        Ok(PinStatus::Blocked) => CKF_USER_PIN_INITIALIZED | CKF_USER_PIN_LOCKED,
        Ok(PinStatus::NotSet) => 0,
        Err(error) => {
            tracing::debug!(%error, "PIN2 status unknown");
            CKF_USER_PIN_INITIALIZED
        }
    }
}
