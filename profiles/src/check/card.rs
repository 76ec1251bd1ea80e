//! Rules on `[card]`: PACE parameters, interfaces and zones (with BAC and
//! the Active Authentication key), secret policies, scratch EF.

use core::ops::RangeInclusive;

use super::{Issues, Rule};
use crate::card::{
    ActiveAuthKey, CardConfig, PIN1_LENGTHS, PIN2_LENGTHS, PaceDomain, SCRATCH_EF_SIZES, TRIES, USER_CODE_LENGTHS,
};

pub(super) fn check(card: &CardConfig, issues: &mut Issues) {
    check_pace(card, issues);
    check_zones(card, issues);
    check_policies(card, issues);
    if let Some(size) = card.scratch_ef_size
        && !SCRATCH_EF_SIZES.contains(&size)
    {
        issues.push(
            "card.scratch_ef_size",
            Rule::ScratchEf,
            format!(
                "{size} is outside {}..={} bytes",
                SCRATCH_EF_SIZES.start(),
                SCRATCH_EF_SIZES.end()
            ),
        );
    }
}

fn check_pace(card: &CardConfig, issues: &mut Issues) {
    if card.pace.domain().is_none() {
        let known: Vec<String> = PaceDomain::ALL
            .iter()
            .map(|d| format!("{} ({})", d.id(), d.curve_name()))
            .collect();
        issues.push(
            "card.pace.domain_parameter_id",
            Rule::PaceParameters,
            format!(
                "{} is not a standardized domain parameter id the chip supports: {}",
                card.pace.domain_parameter_id,
                known.join(", ")
            ),
        );
    }
    if card.pace.aes().is_none() {
        issues.push(
            "card.pace.aes_key_bits",
            Rule::PaceParameters,
            format!(
                "{} is not an AES key length; expected 128, 192 or 256",
                card.pace.aes_key_bits
            ),
        );
    }
}

fn check_zones(card: &CardConfig, issues: &mut Issues) {
    let i = card.interfaces;
    let z = card.zones;
    if !i.contact && !i.contactless {
        issues.push(
            "card.interfaces",
            Rule::Zones,
            "at least one of contact and contactless must be enabled",
        );
    }
    if !(z.icao || z.household || z.public || z.encrypted || z.certificate) {
        issues.push(
            "card.zones",
            Rule::Zones,
            "at least one zone must be enabled",
        );
    }
    if card.bac && !z.icao {
        issues.push(
            "card.bac",
            Rule::Zones,
            "BAC is offered only in the ICAO zone, which card.zones.icao disables",
        );
    }
    // ICAO 9303-11 §6.1: the AA key is DG15's, so it exists only with LDS1.
    // The default needs no zone, like `bac = false`.
    if card.aa != ActiveAuthKey::default() && !z.icao {
        issues.push(
            "card.aa",
            Rule::Zones,
            format!(
                "\"{}\" chooses the Active Authentication key of the ICAO zone, which card.zones.icao disables",
                card.aa.name()
            ),
        );
    }
    // chip.md "Interfaces": operations with PIN1 or PIN2 are contact-only.
    if !i.contact {
        if z.encrypted {
            issues.push(
                "card.zones.encrypted",
                Rule::Zones,
                "needs PIN1, which is used on the contact interface only, but card.interfaces.contact is false",
            );
        }
        if z.certificate {
            issues.push(
                "card.zones.certificate",
                Rule::Zones,
                "needs PIN2, which is used on the contact interface only, but card.interfaces.contact is false",
            );
        }
    }
}

fn check_policies(card: &CardConfig, issues: &mut Issues) {
    let p1 = card.pin1;
    check_lengths(
        "card.pin1",
        p1.min_length,
        p1.max_length,
        &PIN1_LENGTHS,
        issues,
    );
    check_tries("card.pin1.tries", p1.tries, issues);
    // TR-03110-2 §3.5: suspension comes before blocking, after at least one failure.
    if p1.suspend_after == 0 || p1.suspend_after >= p1.tries {
        issues.push(
            "card.pin1.suspend_after",
            Rule::PinPolicy,
            format!(
                "{} must be at least 1 and less than card.pin1.tries ({})",
                p1.suspend_after, p1.tries
            ),
        );
    }
    let p2 = card.pin2;
    check_lengths(
        "card.pin2",
        p2.min_length,
        p2.max_length,
        &PIN2_LENGTHS,
        issues,
    );
    check_tries("card.pin2.tries", p2.tries, issues);
    let uc = card.user_code;
    check_lengths(
        "card.user_code",
        uc.min_length,
        uc.max_length,
        &USER_CODE_LENGTHS,
        issues,
    );
    check_tries("card.user_code.tries", uc.tries, issues);
}

fn check_lengths(prefix: &str, min: u8, max: u8, chip: &RangeInclusive<u8>, issues: &mut Issues) {
    for (key, value) in [("min_length", min), ("max_length", max)] {
        if !chip.contains(&value) {
            issues.push(
                format!("{prefix}.{key}"),
                Rule::PinPolicy,
                format!(
                    "{value} is outside the chip's {}..={}",
                    chip.start(),
                    chip.end()
                ),
            );
        }
    }
    if min > max {
        issues.push(
            format!("{prefix}.min_length"),
            Rule::PinPolicy,
            format!("{min} is greater than {prefix}.max_length ({max})"),
        );
    }
}

fn check_tries(field: &str, tries: u8, issues: &mut Issues) {
    if !TRIES.contains(&tries) {
        issues.push(
            field,
            Rule::PinPolicy,
            format!("{tries} is outside {}..={}", TRIES.start(), TRIES.end()),
        );
    }
}
