//! Access conditions and the volatile security status.
//!
//! Every file carries one declarative `AccessCondition` per operation
//! (`fs::EfRules`, `fs::DfRules`). A condition is evaluated against the
//! `SecurityStatus` (volatile, lost on reset: ISO 7816-4 §5.4 "security
//! status"), the interface the command arrived on, and whether the command
//! itself was protected by secure messaging.
//!
//! Every unmet condition, including a command on the wrong interface, is
//! answered 6982 "security status not satisfied" (docs/spec/zones.md): the
//! interface is part of the security status of the session.

use alloc::boxed::Box;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::status::StatusWord;

/// The interface a session runs on (ISO 7816-3 contact, ISO 14443-4 contactless).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Interface {
    Contact,
    Contactless,
}

/// PACE passwords (TR-03110-3 §D.2.1.1, password references 1..4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PacePassword {
    /// Password reference 1: the MRZ.
    Mrz,
    /// Password reference 2: the card access number.
    Can,
    /// Password reference 3: PIN1.
    Pin,
    /// Password reference 4: the user code (PUK).
    Puk,
}

impl PacePassword {
    pub const ALL: [PacePassword; 4] =
        [PacePassword::Mrz, PacePassword::Can, PacePassword::Pin, PacePassword::Puk];

    /// The protocol code's view of the same password (it carries the
    /// reference byte of DO'83', TR-03110-3 D.2.1.1).
    pub fn to_protocol(self) -> crate::protocol::PacePassword {
        match self {
            PacePassword::Mrz => crate::protocol::PacePassword::Mrz,
            PacePassword::Can => crate::protocol::PacePassword::Can,
            PacePassword::Pin => crate::protocol::PacePassword::Pin,
            PacePassword::Puk => crate::protocol::PacePassword::Puk,
        }
    }

    pub fn from_protocol(password: crate::protocol::PacePassword) -> PacePassword {
        match password {
            crate::protocol::PacePassword::Mrz => PacePassword::Mrz,
            crate::protocol::PacePassword::Can => PacePassword::Can,
            crate::protocol::PacePassword::Pin => PacePassword::Pin,
            crate::protocol::PacePassword::Puk => PacePassword::Puk,
        }
    }
}

/// Rights a terminal obtains through Terminal Authentication (TR-03110-3 §C.4,
/// effective CHAT). Granted by issue 4's TA; no session holds any yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TerminalRight {
    /// Registry-office terminal: privileged writes and card termination.
    RegistryOffice,
    /// Authentication terminal allowed to read one encrypted-zone field (1..7).
    ReadEncryptedField(u8),
}

/// A declarative access rule. The enum grows with later work (PIN verified,
/// issuer secure channel) without changing how files store their rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessCondition {
    /// No condition.
    Always,
    /// Never allowed (e.g. update of data fixed at personalization).
    Never,
    /// `then` applies, and only on this interface.
    OnInterface { interface: Interface, then: Box<AccessCondition> },
    /// The command is protected by secure messaging of a session established
    /// by PACE with one of these passwords (TR-03110-2 §3.2).
    SecureMessaging { passwords: Vec<PacePassword> },
    /// The terminal holds this right after Terminal Authentication.
    TerminalRight(TerminalRight),
    /// Every condition holds.
    AllOf(Vec<AccessCondition>),
    /// At least one condition holds.
    AnyOf(Vec<AccessCondition>),
}

impl AccessCondition {
    /// `then`, on the contact interface only.
    pub fn contact_only(then: AccessCondition) -> AccessCondition {
        AccessCondition::OnInterface { interface: Interface::Contact, then: Box::new(then) }
    }

    /// Secure messaging after PACE with one of `passwords`.
    pub fn secure_messaging(passwords: &[PacePassword]) -> AccessCondition {
        AccessCondition::SecureMessaging { passwords: passwords.to_vec() }
    }

    /// Whether the condition holds for this command.
    pub fn is_satisfied(&self, ctx: &AccessContext<'_>) -> bool {
        match self {
            AccessCondition::Always => true,
            AccessCondition::Never => false,
            AccessCondition::OnInterface { interface, then } => {
                *interface == ctx.interface && then.is_satisfied(ctx)
            }
            AccessCondition::SecureMessaging { passwords } => {
                ctx.secure_messaging
                    && ctx.status.pace.as_ref().is_some_and(|pace| passwords.contains(&pace.password))
            }
            // Terminal Authentication arrives with issue 4: no session holds a right yet.
            AccessCondition::TerminalRight(_) => false,
            AccessCondition::AllOf(all) => all.iter().all(|c| c.is_satisfied(ctx)),
            AccessCondition::AnyOf(any) => any.iter().any(|c| c.is_satisfied(ctx)),
        }
    }

    /// `Ok` when satisfied, else 6982.
    pub fn check(&self, ctx: &AccessContext<'_>) -> Result<(), StatusWord> {
        if self.is_satisfied(ctx) { Ok(()) } else { Err(StatusWord::SecurityStatusNotSatisfied) }
    }
}

/// What a successful PACE established (TR-03110-2 §3.2). The session keys
/// themselves live in the card's secure messaging layer, never here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaceOutcome {
    /// The password the terminal proved it knows.
    pub password: PacePassword,
    /// ID_PICC = x(PK_PICC) (TR-03110-3 A.2.2.3): Terminal Authentication
    /// (issue 4) signs over it.
    pub id_picc: Vec<u8>,
    /// The value of DO'7F4C' sent in MSE:Set AT, as received: stored for
    /// Terminal Authentication (issue 4), not evaluated yet.
    pub chat: Option<Vec<u8>>,
}

impl PaceOutcome {
    /// An outcome with only the password (tests, and callers that do not
    /// need ID_PICC or the CHAT).
    pub fn with_password(password: PacePassword) -> PaceOutcome {
        PaceOutcome { password, id_picc: Vec::new(), chat: None }
    }
}

/// The volatile security status: lost on power on / reset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityStatus {
    /// Set by a successful PACE; cleared with the session it started: reset,
    /// any SM error, a plain command, a new PACE, or selecting an application
    /// outside the password's scope (docs/spec/pace.md).
    pub pace: Option<PaceOutcome>,
}

impl SecurityStatus {
    pub fn clear(&mut self) {
        *self = SecurityStatus::default();
    }
}

/// Everything an access condition is evaluated against.
#[derive(Clone, Copy, Debug)]
pub struct AccessContext<'a> {
    pub interface: Interface,
    pub status: &'a SecurityStatus,
    /// The current command arrived protected by secure messaging.
    pub secure_messaging: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn ctx(interface: Interface, status: &SecurityStatus, sm: bool) -> AccessContext<'_> {
        AccessContext { interface, status, secure_messaging: sm }
    }

    #[test]
    fn interface_restriction() {
        let s = SecurityStatus::default();
        let c = AccessCondition::contact_only(AccessCondition::Always);
        assert!(c.is_satisfied(&ctx(Interface::Contact, &s, false)));
        assert_eq!(
            c.check(&ctx(Interface::Contactless, &s, false)),
            Err(StatusWord::SecurityStatusNotSatisfied)
        );
    }

    #[test]
    fn secure_messaging_needs_pace_password_and_protected_command() {
        let c = AccessCondition::secure_messaging(&[PacePassword::Can, PacePassword::Mrz]);
        let none = SecurityStatus::default();
        let can = SecurityStatus { pace: Some(PaceOutcome::with_password(PacePassword::Can)) };
        let pin = SecurityStatus { pace: Some(PaceOutcome::with_password(PacePassword::Pin)) };
        assert!(!c.is_satisfied(&ctx(Interface::Contactless, &none, true)));
        assert!(!c.is_satisfied(&ctx(Interface::Contactless, &can, false)));
        assert!(c.is_satisfied(&ctx(Interface::Contactless, &can, true)));
        assert!(!c.is_satisfied(&ctx(Interface::Contactless, &pin, true)));
    }

    #[test]
    fn password_conversion_round_trips() {
        for p in PacePassword::ALL {
            assert_eq!(PacePassword::from_protocol(p.to_protocol()), p);
        }
        assert_eq!(PacePassword::Can.to_protocol().reference(), 2);
    }

    #[test]
    fn combinators_and_rights() {
        let s = SecurityStatus::default();
        let x = ctx(Interface::Contact, &s, false);
        assert!(AccessCondition::AnyOf(vec![AccessCondition::Never, AccessCondition::Always]).is_satisfied(&x));
        assert!(!AccessCondition::AllOf(vec![AccessCondition::Never, AccessCondition::Always]).is_satisfied(&x));
        assert!(!AccessCondition::TerminalRight(TerminalRight::RegistryOffice).is_satisfied(&x));
    }
}
