//! The zone's access rules (docs/spec/certificate-zone.md §Access rules).
//! `SM?` is secure messaging after PACE with CAN, MRZ or PIN1 when the
//! profile asks for it, otherwise no condition.

use alloc::vec;

use card_os::security::{AccessCondition, PacePassword};

/// The PACE passwords whose sessions the zone accepts (and keeps, pace.md §Scope).
pub const SM_PASSWORDS: [PacePassword; 3] = [PacePassword::Can, PacePassword::Mrz, PacePassword::Pin];

/// `SM?`.
pub fn sm(secure_messaging: bool) -> AccessCondition {
    if secure_messaging { AccessCondition::secure_messaging(&SM_PASSWORDS) } else { AccessCondition::Always }
}

/// READ BINARY of every EF of the zone, both interfaces.
pub fn read(secure_messaging: bool) -> AccessCondition {
    sm(secure_messaging)
}

/// GENERATE (P1 `00`) and PUT DATA: inside an SCP03 session, on contact.
pub fn issuer() -> AccessCondition {
    AccessCondition::contact_only(AccessCondition::IssuerSession)
}

/// GENERATE (P1 `01`): `SM?` or issuer.
pub fn read_public_key(secure_messaging: bool) -> AccessCondition {
    AccessCondition::AnyOf(vec![sm(secure_messaging), AccessCondition::IssuerSession])
}

/// MSE:SET, PSO:CDS, PSO:DECIPHER, INTERNAL AUTHENTICATE: contact, `SM?`, PIN2 verified.
pub fn key_use(secure_messaging: bool) -> AccessCondition {
    AccessCondition::contact_only(AccessCondition::AllOf(vec![sm(secure_messaging), AccessCondition::Pin2Verified]))
}
