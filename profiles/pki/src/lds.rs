//! The LDSSecurityObject, ICAO 9303-10 §4.6.2.2 (Appendix D.1):
//!
//! ```text
//! LDSSecurityObject ::= SEQUENCE {
//!     version                LDSSecurityObjectVersion,    -- v0(0) here
//!     hashAlgorithm          DigestAlgorithmIdentifier,
//!     dataGroupHashValues    SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash }
//! DataGroupHash ::= SEQUENCE {
//!     dataGroupNumber        DataGroupNumber,             -- INTEGER 1..16
//!     dataGroupHashValue     OCTET STRING }
//! ```
//!
//! neid uses version v0 only (no `ldsVersionInfo`): a v1 object is refused.

use der::Sequence;
use der::asn1::OctetString;
use spki::AlgorithmIdentifierOwned;

/// LDSSecurityObjectVersion v0 (ICAO 9303-10 §4.6.2.2).
pub const LDS_SECURITY_OBJECT_V0: u8 = 0;
/// Lowest data-group (field) number, ICAO 9303-10 `DataGroupNumber`.
pub const FIRST_DATA_GROUP: u8 = 1;
/// `ub-DataGroups`: highest data-group number and most hashes in one object.
pub const UB_DATA_GROUPS: u8 = 16;
/// `SIZE (2..ub-DataGroups)`: fewest hashes in one object.
pub const MIN_DATA_GROUP_HASHES: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub(crate) struct LdsSecurityObject {
    pub version: u8,
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub data_group_hash_values: Vec<DataGroupHash>,
}

#[derive(Debug, Clone, PartialEq, Eq, Sequence)]
pub(crate) struct DataGroupHash {
    pub data_group_number: u8,
    pub data_group_hash_value: OctetString,
}

/// Check the field numbers against `DataGroupNumber` and the SIZE
/// constraint; returns a sentence naming the rule when one is broken.
pub(crate) fn check_field_numbers(numbers: impl Iterator<Item = u8>) -> Result<(), String> {
    let mut seen = [false; UB_DATA_GROUPS as usize + 1];
    let mut count = 0usize;
    for n in numbers {
        if !(FIRST_DATA_GROUP..=UB_DATA_GROUPS).contains(&n) {
            return Err(format!(
                "field number {n} is outside {FIRST_DATA_GROUP}..={UB_DATA_GROUPS} (ICAO 9303-10 DataGroupNumber)"
            ));
        }
        let slot = &mut seen[usize::from(n)];
        if *slot {
            return Err(format!("field number {n} appears twice"));
        }
        *slot = true;
        count += 1;
    }
    if count < MIN_DATA_GROUP_HASHES {
        return Err(format!(
            "{count} field hash(es); dataGroupHashValues needs {MIN_DATA_GROUP_HASHES}..={UB_DATA_GROUPS} (ICAO 9303-10 §4.6.2.2)"
        ));
    }
    Ok(())
}
