//! The current security environment of the zone (ISO 7816-4 §7.3: volatile),
//! set by MSE:SET (ISO 7816-4 §11.5.11) and used by PSO:CDS and PSO:DECIPHER.
//!
//! It lives in the card's per-application volatile state
//! (`CommandContext::applet_state`): card-os clears it on reset and whenever
//! another application (or the MF) becomes current. One entry per template:
//!
//! | entry | value |
//! |---|---|
//! | `cert.se.dst` | algorithm ‖ key ref, for PSO:COMPUTE DIGITAL SIGNATURE |
//! | `cert.se.ct` | algorithm ‖ key ref, for PSO:DECIPHER |

use alloc::vec;

use card_os::{AppletVolatile, StatusWord};

use super::slots::{KeyRef, KeyUse};

/// MSE P1 `41`: SET for computation, decipherment, internal authentication
/// and key agreement (ISO 7816-4 table 78).
pub const P1_SET_COMPUTATION: u8 = 0x41;
/// MSE P2: control reference templates (ISO 7816-4 table 79).
pub const P2_DST: u8 = 0xB6;
pub const P2_CT: u8 = 0xB8;

/// Control reference data objects (ISO 7816-4 table 80).
const TAG_ALGORITHM: u16 = 0x80;
const TAG_KEY_REFERENCE: u16 = 0x84;

const ENTRY_DST: &str = "cert.se.dst";
const ENTRY_CT: &str = "cert.se.ct";

/// A control reference template of MSE:SET.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// Digital signature template: PSO:COMPUTE DIGITAL SIGNATURE.
    Dst,
    /// Confidentiality template: PSO:DECIPHER.
    Ct,
}

impl Template {
    pub fn from_p2(p2: u8) -> Option<Template> {
        match p2 {
            P2_DST => Some(Template::Dst),
            P2_CT => Some(Template::Ct),
            _ => None,
        }
    }

    fn entry(self) -> &'static str {
        match self {
            Template::Dst => ENTRY_DST,
            Template::Ct => ENTRY_CT,
        }
    }
}

/// The algorithm references of the zone (docs/spec/certificate-zone.md
/// §MSE:SET and §INTERNAL AUTHENTICATE). Proprietary values, as ISO 7816-4
/// leaves them to the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// `02`: RSASSA-PKCS1-v1_5 over data given by the host (a DigestInfo).
    RsaPkcs1Signature,
    /// `05`: RSASSA-PSS, hash by length, MGF1 with that hash, salt = hash length.
    RsaPss,
    /// `40`: ECDSA P-384 over a hash.
    Ecdsa,
    /// `1A`: RSAES-PKCS1-v1_5 decryption.
    RsaPkcs1Decipher,
    /// `1B`: RSAES-OAEP with SHA-1.
    RsaOaepSha1,
    /// `1C`: RSAES-OAEP with SHA-256.
    RsaOaepSha256,
    /// `60`: ECDH on P-384, the shared x-coordinate.
    Ecdh,
    /// `01` (INTERNAL AUTHENTICATE): RSASSA-PKCS1-v1_5 over the challenge.
    RsaPkcs1Authentication,
    /// `41` (INTERNAL AUTHENTICATE): ECDSA P-384 over the challenge.
    EcdsaAuthentication,
}

/// Every algorithm with its reference, template (`None`: INTERNAL
/// AUTHENTICATE only) and the key use it needs.
const ALGORITHMS: [(Algorithm, u8, Option<Template>, KeyUse); 9] = [
    (Algorithm::RsaPkcs1Signature, 0x02, Some(Template::Dst), KeyUse::SignatureAuthentication),
    (Algorithm::RsaPss, 0x05, Some(Template::Dst), KeyUse::SignatureAuthentication),
    (Algorithm::Ecdsa, 0x40, Some(Template::Dst), KeyUse::SignatureAgreement),
    (Algorithm::RsaPkcs1Decipher, 0x1A, Some(Template::Ct), KeyUse::Decipherment),
    (Algorithm::RsaOaepSha1, 0x1B, Some(Template::Ct), KeyUse::Decipherment),
    (Algorithm::RsaOaepSha256, 0x1C, Some(Template::Ct), KeyUse::Decipherment),
    (Algorithm::Ecdh, 0x60, Some(Template::Ct), KeyUse::SignatureAgreement),
    (Algorithm::RsaPkcs1Authentication, 0x01, None, KeyUse::SignatureAuthentication),
    (Algorithm::EcdsaAuthentication, 0x41, None, KeyUse::SignatureAgreement),
];

impl Algorithm {
    /// The algorithm with reference `value` usable in `template`
    /// (`None`: INTERNAL AUTHENTICATE).
    pub fn from_reference(value: u8, template: Option<Template>) -> Option<Algorithm> {
        ALGORITHMS.iter().find(|(_, v, t, _)| *v == value && *t == template).map(|(a, ..)| *a)
    }

    pub fn reference(self) -> u8 {
        ALGORITHMS.iter().find(|(a, ..)| *a == self).map_or(0, |(_, v, ..)| *v)
    }

    /// Whether a key of this use may run the algorithm.
    pub fn allows(self, usage: KeyUse) -> bool {
        ALGORITHMS.iter().any(|(a, _, _, u)| *a == self && *u == usage)
    }
}

/// What MSE:SET selected for one template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selected {
    pub algorithm: Algorithm,
    pub key: KeyRef,
}

/// The control reference template of MSE:SET: exactly one `80 01 alg` and
/// one `84 01 keyref`, nothing else (missing, repeated, unknown or
/// mis-sized DO → 6A80). Returns the raw algorithm and key reference bytes.
pub fn parse_crt(data: &[u8]) -> Result<(u8, u8), StatusWord> {
    let objects = card_os::tlv::parse_all(data).map_err(|_| StatusWord::IncorrectDataField)?;
    let mut algorithm = None;
    let mut key = None;
    for object in objects {
        let slot = match object.tag {
            TAG_ALGORITHM => &mut algorithm,
            TAG_KEY_REFERENCE => &mut key,
            _ => return Err(StatusWord::IncorrectDataField),
        };
        let ([value], None) = (object.value, *slot) else {
            return Err(StatusWord::IncorrectDataField);
        };
        *slot = Some(*value);
    }
    match (algorithm, key) {
        (Some(algorithm), Some(key)) => Ok((algorithm, key)),
        _ => Err(StatusWord::IncorrectDataField),
    }
}

pub fn set(state: &mut AppletVolatile, template: Template, selected: Selected) {
    state.set(template.entry(), vec![selected.algorithm.reference(), selected.key.value()]);
}

pub fn clear(state: &mut AppletVolatile, template: Template) {
    state.remove(template.entry());
}

/// The selection for `template`; none → 6985 (ISO 7816-4 §11.5.11: the
/// PSO needs a current security environment).
pub fn current(state: &AppletVolatile, template: Template) -> Result<Selected, StatusWord> {
    let none = StatusWord::ConditionsOfUseNotSatisfied;
    let &[algorithm, key] = state.get(template.entry()).ok_or(none)? else {
        return Err(none);
    };
    let algorithm = Algorithm::from_reference(algorithm, Some(template)).ok_or(none)?;
    let key = KeyRef::new(key).ok_or(none)?;
    Ok(Selected { algorithm, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crt_needs_exactly_one_algorithm_and_one_key() {
        assert_eq!(parse_crt(&[0x80, 0x01, 0x02, 0x84, 0x01, 0x01]), Ok((0x02, 0x01)));
        assert_eq!(parse_crt(&[0x84, 0x01, 0x03, 0x80, 0x01, 0x40]), Ok((0x40, 0x03)));
        for bad in [
            &[][..],
            &[0x80, 0x01, 0x02],
            &[0x84, 0x01, 0x01],
            &[0x80, 0x01, 0x02, 0x80, 0x01, 0x02, 0x84, 0x01, 0x01],
            &[0x80, 0x02, 0x00, 0x02, 0x84, 0x01, 0x01],
            &[0x80, 0x01, 0x02, 0x84, 0x01, 0x01, 0x83, 0x01, 0x01],
            &[0x80, 0x01],
        ] {
            assert_eq!(parse_crt(bad), Err(StatusWord::IncorrectDataField), "{bad:02X?}");
        }
    }

    #[test]
    fn algorithms_belong_to_their_template() {
        assert_eq!(Algorithm::from_reference(0x02, Some(Template::Dst)), Some(Algorithm::RsaPkcs1Signature));
        assert_eq!(Algorithm::from_reference(0x02, Some(Template::Ct)), None);
        assert_eq!(Algorithm::from_reference(0x60, Some(Template::Ct)), Some(Algorithm::Ecdh));
        assert_eq!(Algorithm::from_reference(0x01, Some(Template::Dst)), None);
        assert_eq!(Algorithm::from_reference(0x41, None), Some(Algorithm::EcdsaAuthentication));
        for (algorithm, value, _, usage) in ALGORITHMS {
            assert_eq!(algorithm.reference(), value);
            assert!(algorithm.allows(usage));
        }
    }

    #[test]
    fn state_round_trips_and_clears() {
        let mut state = AppletVolatile::default();
        assert_eq!(current(&state, Template::Dst), Err(StatusWord::ConditionsOfUseNotSatisfied));
        let selected = Selected { algorithm: Algorithm::RsaPss, key: KeyRef::new(1).unwrap() };
        set(&mut state, Template::Dst, selected);
        assert_eq!(current(&state, Template::Dst), Ok(selected));
        assert_eq!(current(&state, Template::Ct), Err(StatusWord::ConditionsOfUseNotSatisfied));
        clear(&mut state, Template::Dst);
        assert_eq!(current(&state, Template::Dst), Err(StatusWord::ConditionsOfUseNotSatisfied));
    }
}
