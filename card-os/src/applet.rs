//! The seam between card-os and the applets.
//!
//! card-os handles the generic ISO commands itself (SELECT, READ/UPDATE
//! BINARY, TERMINATE CARD USAGE). Any other command goes to the applet of the
//! currently selected application. Applets are stateless code: their data
//! lives in the image (files, objects) and is reached through the command's
//! transaction, so it is committed or rolled back with the command.

use alloc::boxed::Box;
use alloc::vec::Vec;

use crate::apdu::CommandApdu;
use crate::fault::FaultSet;
use crate::fs::tree::{Df, Ef, EfRef, Node};
use crate::nvm::Transaction;
use crate::security::{AccessContext, Interface, PacePassword, SecurityStatus};
use crate::status::StatusWord;

/// Current DF and current EF (ISO 7816-4 §7.2.1), volatile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Index path of the current DF from the MF (empty: the MF).
    pub df: Vec<usize>,
    /// Index of the current EF among the current DF's children.
    pub ef: Option<usize>,
}

impl Selection {
    pub fn current_ef(&self) -> Option<EfRef> {
        self.ef.map(|index| EfRef { df: self.df.clone(), index })
    }
}

/// Response data and a status word of the 9000 / 62xx / 63xx classes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    pub data: Vec<u8>,
    pub sw: StatusWord,
}

impl Response {
    pub fn empty() -> Response {
        Response { data: Vec::new(), sw: StatusWord::Success }
    }

    pub fn ok(data: Vec<u8>) -> Response {
        Response { data, sw: StatusWord::Success }
    }
}

/// What a command handler may see and change.
pub struct CommandContext<'c, 'i> {
    /// The persistent image, through this command's transaction.
    pub nvm: &'c mut Transaction<'i>,
    pub selection: &'c mut Selection,
    pub security: &'c mut SecurityStatus,
    pub interface: Interface,
    /// The command arrived protected by secure messaging (set by the SM layer, issue 3).
    pub secure_messaging: bool,
    /// The command arrived inside an SCP03 issuer session (set by the GP layer).
    pub issuer_session: bool,
    /// Bytes the card appends after the data of a 9000 / 62xx / 63xx answer:
    /// the R-MAC of an SCP03 session at level 11 or 13, else 0. The data and
    /// these bytes must fit Ne together (`check_ne`; scp03.md §Wrapping).
    pub response_mac_len: usize,
    /// Injected faults (fault.rs); empty on a conforming card.
    pub faults: FaultSet,
    /// The card's random source (on-card key generation, signatures);
    /// `None` on a card built without one: such commands answer 6F00.
    pub rng: Option<&'c mut crate::rng::CardRng>,
    /// The selected application's volatile state (e.g. its security
    /// environment set by MSE:SET): cleared by a reset and whenever another
    /// application (or the MF) becomes current.
    pub applet_state: &'c mut AppletVolatile,
}

/// Volatile state of the current application, by name (ISO 7816-4 §7.3:
/// a current security environment lives in volatile memory).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppletVolatile {
    entries: alloc::collections::BTreeMap<&'static str, Vec<u8>>,
}

impl AppletVolatile {
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.entries.get(name).map(Vec::as_slice)
    }

    pub fn set(&mut self, name: &'static str, value: Vec<u8>) {
        self.entries.insert(name, value);
    }

    pub fn remove(&mut self, name: &str) {
        self.entries.remove(name);
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

impl CommandContext<'_, '_> {
    pub fn access(&self) -> AccessContext<'_> {
        AccessContext {
            interface: self.interface,
            status: self.security,
            secure_messaging: self.secure_messaging,
            issuer_session: self.issuer_session,
        }
    }

    /// Whether an answer of `len` data bytes fits the command's `ne` with
    /// what the card appends (`response_mac_len`): 6Cxx with the total length
    /// otherwise; Ne absent fits (ISO 7816-4 §5.1). card-os checks every
    /// answer so after the command; a handler calls this to refuse before
    /// work it cannot take back or that is costly (key generation).
    pub fn check_ne(&self, ne: Option<usize>, len: usize) -> Result<(), StatusWord> {
        crate::apdu::response::check_ne(ne, len, self.response_mac_len)
    }

    /// The room Ne leaves for response data once the card appends
    /// `response_mac_len` bytes: what a command that reads "up to Ne bytes"
    /// (READ BINARY) reads. Ne absent stays absent.
    pub fn data_ne(&self, ne: Option<usize>) -> Option<usize> {
        ne.map(|ne| ne.saturating_sub(self.response_mac_len))
    }

    pub fn current_df(&self) -> Option<&Df> {
        self.nvm.image().mf.df_at(&self.selection.df)
    }

    pub fn current_ef(&self) -> Option<&Ef> {
        let df = self.current_df()?;
        match df.children.get(self.selection.ef?)? {
            Node::Ef(ef) => Some(ef),
            Node::Df(_) => None,
        }
    }
}

/// Code of one application. Must not panic on any command.
pub trait Applet: Send + Sync {
    /// A command that card-os does not handle itself, with the applet's DF
    /// (or a DF below it) selected.
    fn process(
        &self,
        ctx: &mut CommandContext<'_, '_>,
        cmd: &CommandApdu,
    ) -> Result<Response, StatusWord>;

    /// Whether `ins` accepts command chaining (ISO 7816-4 §5.3.3).
    fn supports_chaining(&self, _ins: u8) -> bool {
        false
    }

    /// Whether a PACE session established with `password` survives the
    /// selection of this application (docs/spec/pace.md, scope rule). The
    /// default keeps no session: an application must name the passwords
    /// whose security status it accepts.
    fn in_pace_scope(&self, _password: PacePassword) -> bool {
        false
    }
}

/// Maps application identifiers (DF names) to applets.
#[derive(Default)]
pub struct AppletRegistry {
    entries: Vec<(Vec<u8>, Box<dyn Applet>)>,
}

impl AppletRegistry {
    pub fn new() -> AppletRegistry {
        AppletRegistry::default()
    }

    /// Register `applet` for the DF named `aid`; a later registration of the same AID wins.
    pub fn register(&mut self, aid: &[u8], applet: Box<dyn Applet>) {
        self.entries.retain(|(a, _)| a.as_slice() != aid);
        self.entries.push((aid.to_vec(), applet));
    }

    pub fn get(&self, aid: &[u8]) -> Option<&dyn Applet> {
        self.entries
            .iter()
            .find(|(a, _)| a.as_slice() == aid)
            .map(|(_, applet)| applet.as_ref())
    }

    /// The applet of the innermost DF on `path` that is a registered application.
    pub fn for_selection(&self, mf: &Df, path: &[usize]) -> Option<&dyn Applet> {
        (0..=path.len()).rev().find_map(|depth| {
            let aid = mf.df_at(path.get(..depth)?)?.aid.as_deref()?;
            self.get(aid)
        })
    }
}
