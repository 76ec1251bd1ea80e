//! Fault injection for test labs (issue 7): ways real applets misbehave,
//! switched on one by one so a conformance suite can prove it catches them.
//!
//! A `FaultSet` is *volatile configuration* of a `Card` (`Card::with_faults`,
//! `Card::set_faults`): it is never written to the image, survives power-on
//! and reset, and is empty unless the host asks for faults. Each fault is one
//! clearly marked hook (`if …faults.has(Fault::X)`) at the place the
//! misbehaviour happens. docs/spec/faults.md lists the observable effect.

/// One deliberate deviation from the specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Fault {
    /// READ BINARY skips the EF's read access rule: a protected EF is read
    /// without the security status it requires (ISO 7816-4 §7.4.1, chip.md
    /// "Access rules").
    ReadAccessSkipped,
    /// UPDATE BINARY skips the EF's update access rule: a read-only EF is
    /// written (ISO 7816-4 §7.4.1, chip.md "Access rules").
    UpdateAccessSkipped,
    /// READ BINARY that reaches the end of the EF before Ne bytes answers
    /// 9000 instead of the warning 6282 (ISO 7816-4 §11.3.3, table 5).
    EndOfFileAnswers9000,
    /// A response longer than Ne is cut to Ne bytes with 9000 instead of
    /// 6Cxx "wrong Le, xx available" (ISO 7816-4 §5.1, table 6).
    LongResponseTruncated,
    /// A failed VERIFY does not decrement the retry counter: unlimited
    /// guessing (ISO 7816-4 §11.5.6, chip.md "Passwords and counters").
    PinCounterNotDecremented,
    /// The retry counter is decremented only after the comparison, inside
    /// the command's own transaction; a failed command rolls it back, as a
    /// tear after the comparison would (chip.md "anti-tearing": the try is
    /// committed before the comparison). The 63Cx answer still shows the
    /// lower count.
    PinCounterDecrementedAfterComparison,
    /// A correct VERIFY leaves the retry counter where it was instead of
    /// resetting it to its maximum (ISO 7816-4 §11.5.6, docs/spec/pins.md).
    PinCounterNotResetOnSuccess,
    /// PIN commands are accepted on the contactless interface (chip.md
    /// "Interfaces": every PIN operation is contact-only).
    PinAllowedContactless,
    /// Reset and power-on keep the security status (PIN2 verified) instead
    /// of clearing it (ISO 7816-4 §7.4.1: the security status is volatile
    /// and lost at reset).
    SecurityStatusSurvivesReset,
    /// The card does not advance the send sequence counter before
    /// protecting a response: the response MAC uses the command's SSC
    /// (ICAO 9303-11 §9.8.2, §9.8.6.2). AES sessions only.
    SscNotIncremented,
    /// A protected command with an SM error (bad MAC, missing DO) is
    /// answered 6987/6988 but the session stays established (ICAO 9303-11
    /// §9.8.7: the session must end, its keys destroyed).
    SmErrorKeepsSession,
    /// A command without secure messaging during a session is processed and
    /// the session kept (ICAO 9303-11 §9.8.7: a plain command ends it).
    PlainCommandKeepsSession,
    /// Terminal Authentication grants the terminal certificate's CHAT
    /// without intersecting it with the CHAT the holder consented to at PACE
    /// (TR-03110-2 §3.3, TR-03110-3 C.4 "effective authorization").
    ChatNotIntersected,
    /// Certificate verification ignores the expiration date: an expired
    /// CV certificate is accepted (TR-03110-3 §2.5 "certificate validation",
    /// step "expiration date ≥ current date").
    CertificateDateNotChecked,
    /// UPDATE BINARY is torn: the first half of the data reaches NVM and is
    /// kept, the rest is lost and the card answers 6581 memory failure
    /// (chip.md "NVM": a command's writes are all or nothing; ISO 7816-4
    /// table 6).
    TornWrite,
    /// The certificate zone's private-key commands (MSE:SET, PSO:COMPUTE
    /// DIGITAL SIGNATURE, PSO:DECIPHER, INTERNAL AUTHENTICATE) run without
    /// PIN2 verified: anyone holding the card (and the CAN) signs in the
    /// holder's name (certificate-zone.md "Access rules"; ISO 7816-4 §7.4.1).
    Pin2NotRequiredForSignature,
    /// GENERATE ASYMMETRIC KEY PAIR (P1 `00`) runs outside an issuer
    /// session: anyone replaces the holder's keys (certificate-zone.md
    /// "Access rules": GENERATE is issuer only; ISO 7816-8 §5.1).
    IssuerSessionNotRequiredForGenerate,
    /// A command of an SCP03 session whose C-MAC does not verify is
    /// processed anyway (the last 8 data bytes dropped unchecked, the data
    /// taken as sent) and the session kept (scp03.md "Wrapping": a wrong
    /// C-MAC → 6982 and the session ends; GP Amd D §6.2.4).
    Scp03MacNotChecked,
}

impl Fault {
    /// Every fault, in the order of docs/spec/faults.md.
    pub const ALL: [Fault; 18] = [
        Fault::ReadAccessSkipped,
        Fault::UpdateAccessSkipped,
        Fault::EndOfFileAnswers9000,
        Fault::LongResponseTruncated,
        Fault::PinCounterNotDecremented,
        Fault::PinCounterDecrementedAfterComparison,
        Fault::PinCounterNotResetOnSuccess,
        Fault::PinAllowedContactless,
        Fault::SecurityStatusSurvivesReset,
        Fault::SscNotIncremented,
        Fault::SmErrorKeepsSession,
        Fault::PlainCommandKeepsSession,
        Fault::ChatNotIntersected,
        Fault::CertificateDateNotChecked,
        Fault::TornWrite,
        Fault::Pin2NotRequiredForSignature,
        Fault::IssuerSessionNotRequiredForGenerate,
        Fault::Scp03MacNotChecked,
    ];

    /// The name used on command lines (`neid emulate --fault NAME`).
    pub fn name(self) -> &'static str {
        match self {
            Fault::ReadAccessSkipped => "read-access-skipped",
            Fault::UpdateAccessSkipped => "update-access-skipped",
            Fault::EndOfFileAnswers9000 => "end-of-file-answers-9000",
            Fault::LongResponseTruncated => "long-response-truncated",
            Fault::PinCounterNotDecremented => "pin-counter-not-decremented",
            Fault::PinCounterDecrementedAfterComparison => "pin-counter-decremented-after-comparison",
            Fault::PinCounterNotResetOnSuccess => "pin-counter-not-reset-on-success",
            Fault::PinAllowedContactless => "pin-allowed-contactless",
            Fault::SecurityStatusSurvivesReset => "security-status-survives-reset",
            Fault::SscNotIncremented => "ssc-not-incremented",
            Fault::SmErrorKeepsSession => "sm-error-keeps-session",
            Fault::PlainCommandKeepsSession => "plain-command-keeps-session",
            Fault::ChatNotIntersected => "chat-not-intersected",
            Fault::CertificateDateNotChecked => "certificate-date-not-checked",
            Fault::TornWrite => "torn-write",
            Fault::Pin2NotRequiredForSignature => "pin2-not-required-for-signature",
            Fault::IssuerSessionNotRequiredForGenerate => "issuer-session-not-required-for-generate",
            Fault::Scp03MacNotChecked => "scp03-mac-not-checked",
        }
    }

    /// The fault called `name` (as printed by `name`).
    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|fault| fault.name() == name)
    }

    /// One sentence for people: what the card does wrong.
    pub fn description(self) -> &'static str {
        match self {
            Fault::ReadAccessSkipped => "READ BINARY skips the EF's read access rule",
            Fault::UpdateAccessSkipped => "UPDATE BINARY skips the EF's update access rule",
            Fault::EndOfFileAnswers9000 => "a short READ BINARY at the end of the EF answers 9000 instead of 6282",
            Fault::LongResponseTruncated => "a response longer than Ne is truncated with 9000 instead of 6Cxx",
            Fault::PinCounterNotDecremented => "a failed VERIFY does not decrement the retry counter",
            Fault::PinCounterDecrementedAfterComparison => {
                "the retry counter is decremented after the comparison and rolled back with the failed command"
            }
            Fault::PinCounterNotResetOnSuccess => "a correct VERIFY does not reset the retry counter",
            Fault::PinAllowedContactless => "PIN commands are accepted on the contactless interface",
            Fault::SecurityStatusSurvivesReset => "reset keeps the security status (PIN2 verified)",
            Fault::SscNotIncremented => "the SSC is not incremented before a response is protected",
            Fault::SmErrorKeepsSession => "an SM error does not end the secure messaging session",
            Fault::PlainCommandKeepsSession => "a plain command does not end the secure messaging session",
            Fault::ChatNotIntersected => "Terminal Authentication does not intersect the CHAT with the PACE CHAT",
            Fault::CertificateDateNotChecked => "an expired CV certificate is accepted",
            Fault::TornWrite => "UPDATE BINARY keeps half of its data and answers 6581",
            Fault::Pin2NotRequiredForSignature => "the certificate zone's private-key commands run without PIN2",
            Fault::IssuerSessionNotRequiredForGenerate => "GENERATE ASYMMETRIC KEY PAIR runs outside an issuer session",
            Fault::Scp03MacNotChecked => "an SCP03 command with a wrong C-MAC is processed and the session kept",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of faults; empty by default (a conforming card).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultSet(u32);

impl FaultSet {
    /// No fault: the card follows the specification.
    pub const fn none() -> FaultSet {
        FaultSet(0)
    }

    pub fn only(fault: Fault) -> FaultSet {
        FaultSet(fault.bit())
    }

    pub fn with(self, fault: Fault) -> FaultSet {
        FaultSet(self.0 | fault.bit())
    }

    pub fn insert(&mut self, fault: Fault) {
        self.0 |= fault.bit();
    }

    pub fn has(self, fault: Fault) -> bool {
        self.0 & fault.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The faults in the set, in `Fault::ALL` order.
    pub fn iter(self) -> impl Iterator<Item = Fault> {
        Fault::ALL.into_iter().filter(move |fault| self.has(*fault))
    }
}

impl FromIterator<Fault> for FaultSet {
    fn from_iter<I: IntoIterator<Item = Fault>>(iter: I) -> FaultSet {
        iter.into_iter().fold(FaultSet::none(), FaultSet::with)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for fault in Fault::ALL {
            assert_eq!(Fault::from_name(fault.name()), Some(fault));
        }
        assert_eq!(Fault::from_name("no-such-fault"), None);
        let all: FaultSet = Fault::ALL.into_iter().collect();
        assert_eq!(all.iter().count(), Fault::ALL.len());
    }

    #[test]
    fn sets_hold_what_was_inserted() {
        let set = FaultSet::only(Fault::TornWrite).with(Fault::SscNotIncremented);
        assert!(set.has(Fault::TornWrite) && set.has(Fault::SscNotIncremented));
        assert!(!set.has(Fault::ReadAccessSkipped));
        assert!(FaultSet::none().is_empty());
    }
}
