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

impl TerminalRight {
    /// Whether the session's Terminal Authentication grants this right:
    /// `RegistryOffice` is the CHAT's "privileged terminal" bit, a field read
    /// its "read" bit (docs/spec/chat.md, docs/spec/eac.md).
    pub fn granted_by(self, eac: &crate::ta::EacStatus) -> bool {
        use crate::protocol::cvc::AccessRight;
        match self {
            TerminalRight::RegistryOffice => eac.grants(AccessRight::PrivilegedTerminal),
            TerminalRight::ReadEncryptedField(n) => {
                AccessRight::read_encrypted_field(n).is_some_and(|right| eac.grants(right))
            }
        }
    }
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
    /// The command is protected by secure messaging of a session established
    /// by Basic Access Control (ICAO 9303-11 §4.3): the MRZ, proven with BAC.
    BasicAccessControl,
    /// PIN2 was verified (VERIFY `00 20 00 81`) since the last reset
    /// (docs/spec/pins.md): the certificate zone's private-key rule.
    Pin2Verified,
    /// Chip Authentication v2 succeeded in this PACE session (TR-03110-2 §3.4).
    ChipAuthenticated,
    /// The command arrived inside a GlobalPlatform SCP03 secure channel opened
    /// with the card's issuer keys (GP Card Spec 2.3 Amd D; docs/spec/scp03.md).
    IssuerSession,
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
            AccessCondition::BasicAccessControl => ctx.secure_messaging && ctx.status.bac,
            // The effective authorization of Terminal Authentication (TR-03110-3 C.4).
            AccessCondition::TerminalRight(right) => {
                ctx.status.pace.as_ref().is_some_and(|pace| right.granted_by(&pace.eac))
            }
            AccessCondition::ChipAuthenticated => {
                ctx.status.pace.as_ref().is_some_and(|pace| pace.eac.chip_authenticated())
            }
            AccessCondition::Pin2Verified => ctx.status.pin2_verified,
            AccessCondition::IssuerSession => ctx.issuer_session,
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
    /// Terminal and Chip Authentication in this session (docs/spec/eac.md):
    /// ends with the session.
    pub eac: crate::ta::EacStatus,
}

impl PaceOutcome {
    /// An outcome with only the password (tests, and callers that do not
    /// need ID_PICC or the CHAT).
    pub fn with_password(password: PacePassword) -> PaceOutcome {
        PaceOutcome { password, id_picc: Vec::new(), chat: None, eac: crate::ta::EacStatus::default() }
    }
}

/// The volatile security status: lost on power on / reset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecurityStatus {
    /// Set by a successful PACE; cleared with the session it started: reset,
    /// any SM error, a plain command, a new PACE, or selecting an application
    /// outside the password's scope (docs/spec/pace.md).
    pub pace: Option<PaceOutcome>,
    /// Set by a successful BAC EXTERNAL AUTHENTICATE (docs/spec/bac.md);
    /// cleared with its session like `pace`. BAC proves the MRZ but is not
    /// PACE: only rules naming `BasicAccessControl` accept it.
    pub bac: bool,
    /// PIN2 verified (docs/spec/pins.md). Volatile: only a reset, a failed
    /// VERIFY, VERIFY with P1 = FF or a new PIN2 value clear it; the end of
    /// a secure messaging session does not.
    pub pin2_verified: bool,
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
    /// The current command arrived inside an SCP03 issuer session
    /// (docs/spec/scp03.md), with its C-MAC verified.
    pub issuer_session: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn ctx(interface: Interface, status: &SecurityStatus, sm: bool) -> AccessContext<'_> {
        AccessContext { interface, status, secure_messaging: sm, issuer_session: false }
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
        let can = SecurityStatus { pace: Some(PaceOutcome::with_password(PacePassword::Can)), ..SecurityStatus::default() };
        let pin = SecurityStatus { pace: Some(PaceOutcome::with_password(PacePassword::Pin)), ..SecurityStatus::default() };
        assert!(!c.is_satisfied(&ctx(Interface::Contactless, &none, true)));
        assert!(!c.is_satisfied(&ctx(Interface::Contactless, &can, false)));
        assert!(c.is_satisfied(&ctx(Interface::Contactless, &can, true)));
        assert!(!c.is_satisfied(&ctx(Interface::Contactless, &pin, true)));
    }

    #[test]
    fn basic_access_control_needs_a_bac_session_and_a_protected_command() {
        let c = AccessCondition::BasicAccessControl;
        let bac = SecurityStatus { bac: true, ..SecurityStatus::default() };
        let mrz = SecurityStatus { pace: Some(PaceOutcome::with_password(PacePassword::Mrz)), ..SecurityStatus::default() };
        assert!(c.is_satisfied(&ctx(Interface::Contactless, &bac, true)));
        assert!(!c.is_satisfied(&ctx(Interface::Contactless, &bac, false)));
        assert!(!c.is_satisfied(&ctx(Interface::Contactless, &mrz, true)));
        // BAC is not PACE: an SM{MRZ} rule is not met by it.
        assert!(!AccessCondition::secure_messaging(&[PacePassword::Mrz]).is_satisfied(&ctx(Interface::Contact, &bac, true)));
    }

    #[test]
    fn pin2_verified_is_its_own_condition() {
        let verified = SecurityStatus { pin2_verified: true, ..SecurityStatus::default() };
        assert!(AccessCondition::Pin2Verified.is_satisfied(&ctx(Interface::Contact, &verified, false)));
        assert!(!AccessCondition::Pin2Verified.is_satisfied(&ctx(Interface::Contact, &SecurityStatus::default(), true)));
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
