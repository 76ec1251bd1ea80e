//! The certificate zone at personalization (docs/spec/certificate-zone.md):
//! its options for the card manager, then — when the profile names issuer
//! keys — the issuer's work done the way `neid issue certs` does it: the
//! card's diversified SCP03 keys installed (docs/spec/scp03.md §Keys), and
//! the issuance flow (`pki::issuance::issue_certificates`) run over APDUs
//! through `Card::process`, in process.
//!
//! The citizen CA is `<card.keys.pki>/citizen-ca` (the committed test CA for
//! the reference profiles); a profile without one gets a throw-away CA made
//! in memory, which nobody can verify against.
//!
//! Randomness: with `card.keys.seed`, the card's generator during issuance
//! (its key pairs, its SCP03 challenge) and the issuer's (host challenge,
//! RSA blinding) are drawn from the seed — a third and fourth stream after
//! the PKI and the card streams of `PersoRngs` — so a reference card is the
//! same on every run. Without a seed both come from the OS.

use std::path::PathBuf;

use applets::CertificatePerso;
use card_os::protocol::scp03;
use card_os::{CardImage, Interface};
use pki::citizen::{self, CitizenCa};
use pki::issuance::{self, IssuanceRequest};
use profiles::{IssuerKeys, KeySeed, Profile};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::error::PersonalizeError;
use crate::randomness::os_seeded;

/// Sub-directory of `card.keys.pki` that holds the citizen CA.
pub const CITIZEN_CA_DIR: &str = "citizen-ca";
/// Year the throw-away citizen CA is valid from (1 January): the reference
/// holders' issue dates lie in it or later.
const THROW_AWAY_CA_FIRST_YEAR: u16 = 2026;
/// Streams drawn from the profile seed before the issuance ones (`PersoRngs`:
/// PKI, card).
const EARLIER_STREAMS: usize = 2;

/// The zone's personalization input: the profile option and the card
/// number (TokenInfo.serialNumber); `None` when the zone is disabled.
pub fn certificate_perso(profile: &Profile) -> Option<CertificatePerso> {
    profile.card.zones.certificate.then(|| CertificatePerso {
        secure_messaging: profile.card.certificate.secure_messaging,
        card_number: profile.holder.card_number.clone(),
    })
}

/// Whether personalization issues certificates for this profile: the zone
/// is enabled and the profile names issuer keys.
pub fn issues_certificates(profile: &Profile) -> bool {
    profile.card.zones.certificate && profile.card.keys.issuer_keys.is_some()
}

/// Install the card's SCP03 keys into `image` and run the issuance flow on
/// it; the image with the generated keys and written certificates.
pub fn issue(profile: &Profile, mut image: CardImage) -> Result<CardImage, PersonalizeError> {
    let keys = issuer_keys(profile)?;
    let master = issuance::master_keys(&keys);
    let kdd = scp03::kdd_from_card_number(&profile.holder.card_number).map_err(|error| {
        PersonalizeError::Field {
            name: profile.name.clone(),
            field: "holder.card_number",
            reason: error.to_string(),
        }
    })?;
    card_os::gp::install_keys(&mut image, &scp03::diversify(&master, &kdd), &kdd);

    let mut rngs = IssuanceRngs::new(profile.card.keys.seed.as_ref())?;
    let ca = citizen_ca(profile, &mut rngs.host)?;
    let mut card = applets::card_with_rng(image, Box::new(rngs.card));
    card.power_on(Interface::Contact);
    let request = IssuanceRequest::new(&master, &ca, &profile.holder);
    issuance::issue_certificates(
        |apdu: &[u8]| Ok::<_, core::convert::Infallible>(card.process(apdu)),
        &request,
        &mut rngs.host,
    )
    .map_err(|error| PersonalizeError::Issuance {
        name: profile.name.clone(),
        reason: error.to_string(),
    })?;
    Ok(card.into_image())
}

fn issuer_keys(profile: &Profile) -> Result<IssuerKeys, PersonalizeError> {
    let error = |reason: String| PersonalizeError::Field {
        name: profile.name.clone(),
        field: "card.keys.issuer_keys",
        reason,
    };
    profile
        .issuer_keys()
        .map_err(|e| error(e.to_string()))?
        .ok_or_else(|| error("absent".to_owned()))
}

/// `<card.keys.pki>/citizen-ca` when it exists, else a throw-away CA.
fn citizen_ca(profile: &Profile, rng: &mut StdRng) -> Result<CitizenCa, PersonalizeError> {
    let dir: Option<PathBuf> = profile
        .pki_dir()
        .map(|pki| pki.join(CITIZEN_CA_DIR))
        .filter(|dir| dir.is_dir());
    match dir {
        Some(dir) => citizen::load(&dir).map_err(|error| PersonalizeError::Pki {
            name: profile.name.clone(),
            dir: dir.display().to_string(),
            reason: error.to_string(),
        }),
        None => {
            tracing::info!(profile = %profile.name, "no <card.keys.pki>/citizen-ca: issuing with a throw-away citizen CA");
            CitizenCa::generate(rng, THROW_AWAY_CA_FIRST_YEAR).map_err(|error| {
                PersonalizeError::Issuance {
                    name: profile.name.clone(),
                    reason: format!("throw-away citizen CA: {error}"),
                }
            })
        }
    }
}

/// The card's and the issuer's generators during issuance.
struct IssuanceRngs {
    card: StdRng,
    host: StdRng,
}

impl IssuanceRngs {
    fn new(seed: Option<&KeySeed>) -> Result<IssuanceRngs, PersonalizeError> {
        let Some(seed) = seed else {
            return Ok(IssuanceRngs {
                card: os_seeded()?,
                host: os_seeded()?,
            });
        };
        // The same master sequence as `PersoRngs`, past its two streams.
        let mut master = StdRng::from_seed(seed.0);
        for _ in 0..EARLIER_STREAMS {
            draw_seed(&mut master);
        }
        Ok(IssuanceRngs {
            card: StdRng::from_seed(draw_seed(&mut master)),
            host: StdRng::from_seed(draw_seed(&mut master)),
        })
    }
}

fn draw_seed(master: &mut StdRng) -> <StdRng as SeedableRng>::Seed {
    let mut seed = <StdRng as SeedableRng>::Seed::default();
    master.fill_bytes(&mut seed);
    seed
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use card_os::protocol::scp03::StaticKeys;
    use pki::{Certificate, Decode, Encode};

    use super::super::{personalize_with, personalized_image};
    use super::*;
    use crate::engine::CardEngine;
    use crate::randomness::{CardRandomness, PersoRngs};
    use crate::{Emulator, NeidCard};

    const SELECT_PKCS15: [u8; 17] = [
        0x00, 0xA4, 0x04, 0x0C, 0x0C, 0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D,
        0x31, 0x35,
    ];
    const SHORT_READ: usize = 256;

    fn reference(name: &str) -> Profile {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("../profiles/reference/{name}.toml"));
        Profile::from_file(path).unwrap_or_else(|e| panic!("{e}"))
    }

    fn card_of(profile: &Profile) -> Emulator<NeidCard> {
        let card = personalize_with(profile, CardRandomness::FromProfileSeed)
            .unwrap_or_else(|e| panic!("{e}"));
        Emulator::new(card, Interface::Contact, None)
    }

    fn ok(response: Vec<u8>) -> Vec<u8> {
        match response.split_last_chunk::<2>() {
            Some((data, [0x90, 0x00])) => data.to_vec(),
            _ => panic!("card answered {response:02X?}"),
        }
    }

    /// SELECT by FID and READ BINARY in 256-byte steps (ISO 7816-4 §11.3.3).
    fn read_ef(card: &mut Emulator<NeidCard>, fid: u16) -> Vec<u8> {
        let [hi, lo] = fid.to_be_bytes();
        ok(card.transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]));
        let mut content = Vec::new();
        loop {
            let [p1, p2] = u16::try_from(content.len())
                .unwrap_or_default()
                .to_be_bytes();
            let response = card.transmit(&[0x00, 0xB0, p1, p2, 0x00]);
            let (data, sw) = response
                .split_last_chunk::<2>()
                .unwrap_or_else(|| panic!("no SW"));
            content.extend_from_slice(data);
            match sw {
                [0x90, 0x00] if data.len() == SHORT_READ => continue,
                [0x90, 0x00] | [0x62, 0x82] => return content,
                // Offset at the end of the EF.
                [0x6B, 0x00] => return content,
                other => panic!("READ BINARY {fid:04X} at {}: {other:02X?}", content.len()),
            }
        }
    }

    fn committed_ca() -> CitizenCa {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../profiles/test-pki/citizen-ca");
        citizen::load(&dir).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_compat_card_comes_with_the_citizen_ca_certificates() {
        let profile = reference("adult-middleware-compat");
        let mut card = card_of(&profile);
        let ca = committed_ca();
        // No secure messaging in this variant: the zone reads in plain.
        ok(card.transmit(&SELECT_PKCS15));
        assert_eq!(Some(read_ef(&mut card, 0x4431)), ca.root().to_der().ok());
        assert_eq!(
            Some(read_ef(&mut card, 0x4432)),
            ca.intermediate().to_der().ok()
        );
        for (fid, key_ref) in [(0x4433u16, 0x01u8), (0x4434, 0x02), (0x4435, 0x03)] {
            let der = read_ef(&mut card, fid);
            let cert = Certificate::from_der(&der).unwrap_or_else(|e| panic!("{fid:04X}: {e}"));
            let tbs = cert.tbs_certificate();
            assert_eq!(tbs.issuer(), ca.intermediate().tbs_certificate().subject());
            assert_eq!(
                tbs.subject().to_string(),
                "CN=WANG\\, HSIAO-MING,SERIALNUMBER=6789,C=TW"
            );
            assert_eq!(
                tbs.validity().not_before.to_string(),
                "2026-03-15T00:00:00Z"
            );
            assert_eq!(tbs.validity().not_after.to_string(), "2031-03-14T23:59:59Z");
            // The certified key is the one the card generated: its public key EF.
            let spki = read_ef(&mut card, 0x4420 + u16::from(key_ref));
            assert_eq!(
                tbs.subject_public_key_info().to_der().ok(),
                Some(spki),
                "key {key_ref:02X}"
            );
        }
        assert!(
            read_ef(&mut card, 0x4436).is_empty(),
            "reserved slot 2 stays empty"
        );
    }

    #[test]
    fn every_reference_card_gets_keys_and_certificates() {
        for name in ["adult", "minor", "senior"] {
            let profile = reference(name);
            let card = personalize_with(&profile, CardRandomness::FromProfileSeed)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let image = card.card().image();
            assert!(
                image.objects.contains_key(card_os::gp::KEYS_OBJECT),
                "{name}"
            );
            for key in 1..=5 {
                assert!(
                    image.objects.contains_key(&format!("cert.key.{key:02}")),
                    "{name}: key {key}"
                );
            }
        }
    }

    #[test]
    fn issuance_is_deterministic_from_the_profile_seed() {
        let profile = reference("minor");
        let make = || {
            let mut rngs =
                PersoRngs::new(profile.card.keys.seed.as_ref()).unwrap_or_else(|e| panic!("{e}"));
            personalized_image(&profile, &mut rngs).unwrap_or_else(|e| panic!("{e}"))
        };
        assert_eq!(make(), make());
    }

    #[test]
    fn the_issuer_can_issue_again_and_a_wrong_key_is_refused() {
        let profile = reference("senior");
        let mut card = card_of(&profile);
        let keys = profile
            .issuer_keys()
            .ok()
            .flatten()
            .unwrap_or_else(|| panic!("issuer keys"));
        let master = issuance::master_keys(&keys);
        let ca = committed_ca();
        let mut rng = StdRng::seed_from_u64(21);

        let mut issue_with = |keys: &StaticKeys, card: &mut Emulator<NeidCard>| {
            let request = IssuanceRequest::new(keys, &ca, &profile.holder);
            issuance::issue_certificates(
                |apdu: &[u8]| Ok::<_, core::convert::Infallible>(card.transmit(apdu)),
                &request,
                &mut rng,
            )
            .err()
            .map(|e| e.to_string())
        };
        let before = card.card().save_image();
        let mut wrong: StaticKeys = master.clone();
        wrong.mac[15] ^= 0x01;
        assert_eq!(
            issue_with(&wrong, &mut card).as_deref(),
            Some("issuer keys do not match this card (card cryptogram)")
        );
        let mut wrong: StaticKeys = master.clone();
        wrong.enc[15] ^= 0x01;
        assert_eq!(
            issue_with(&wrong, &mut card).as_deref(),
            Some(
                "issuer keys do not match this card (K-ENC: the card could not decrypt an encrypted command)"
            )
        );
        assert!(
            card.card().save_image() == before,
            "a refused issuer changed nothing"
        );

        let mut request = IssuanceRequest::new(&master, &ca, &profile.holder);
        request.period = issuance::Period::Second;
        let report = issuance::issue_certificates(
            |apdu: &[u8]| Ok::<_, core::convert::Infallible>(card.transmit(apdu)),
            &request,
            &mut rng,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let user = &report.certificates[2].certificate;
        assert_eq!(
            user.tbs_certificate().validity().not_before.to_string(),
            "2031-01-05T00:00:00Z"
        );
        assert_eq!(
            user.tbs_certificate().validity().not_after.to_string(),
            "2036-01-04T23:59:59Z"
        );
        assert!(card.card().save_image().len() > 0);
    }

    #[test]
    fn a_profile_without_issuer_keys_keeps_an_empty_zone() {
        let mut profile = reference("adult-middleware-compat");
        profile.card.keys.issuer_keys = None;
        assert!(!issues_certificates(&profile));
        let mut card = card_of(&profile);
        ok(card.transmit(&SELECT_PKCS15));
        assert!(read_ef(&mut card, 0x4433).is_empty());
        assert!(
            !card
                .card()
                .card()
                .image()
                .objects
                .contains_key(card_os::gp::KEYS_OBJECT)
        );
    }
}
