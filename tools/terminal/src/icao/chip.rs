//! Chip Authentication v1 (ICAO 9303-11 §6.2): with the static key pair of
//! DG14 the chip agrees fresh secure-messaging keys with the terminal, which
//! proves the chip holds the private key (so it is not a clone once EF.SOD
//! vouches for DG14) and replaces the session keys that BAC or PACE made.
//!
//! The cryptography and the command data are `card_os::protocol::ca`: this
//! file sends `CaTerminal::commands()` under the current session and, on
//! 9000, restarts secure messaging with the new keys and SSC 0 (§6.2.4: the
//! chip answers the last command under the old keys, then switches).

use card_os::protocol::ca::{
    CaCipher, CaTerminal, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo, decode_dg14,
};
use rand::CryptoRng;

use super::channel::{SmLink, SmSessionKind};
use super::passive::Check;
use crate::card::{SW_OK, sw_meaning, transmit};
use crate::transport::Transport;

/// The first ChipAuthenticationInfo with a public key of the same keyId (or
/// either without one), in DG14 order (TR-03110-3 A.1.1.2).
fn choose<'a>(
    infos: &'a [ChipAuthenticationInfo],
    keys: &'a [ChipAuthenticationPublicKeyInfo],
) -> Option<(
    &'a ChipAuthenticationInfo,
    &'a ChipAuthenticationPublicKeyInfo,
)> {
    infos.iter().find_map(|info| {
        keys.iter()
            .find(|key| match (info.key_id, key.key_id) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            })
            .map(|key| (info, key))
    })
}

fn cipher_name(cipher: CaCipher) -> &'static str {
    match cipher {
        CaCipher::Tdes => "id-CA-ECDH-3DES-CBC-CBC",
        CaCipher::Aes128 => "id-CA-ECDH-AES-CBC-CMAC-128",
        CaCipher::Aes192 => "id-CA-ECDH-AES-CBC-CMAC-192",
        CaCipher::Aes256 => "id-CA-ECDH-AES-CBC-CMAC-256",
    }
}

/// Run Chip Authentication when DG14 offers it; the returned link carries
/// the new session on success, the old one otherwise.
pub fn chip_authentication<T: Transport, R: CryptoRng>(
    mut link: SmLink<T>,
    dg14: &[u8],
    rng: &mut R,
) -> (SmLink<T>, Check) {
    let dg14 = match decode_dg14(dg14) {
        Ok(d) => d,
        Err(e) => {
            return (
                link,
                Check::Failed {
                    reason: format!("DG14: {e}"),
                },
            );
        }
    };
    let Some((info, key)) = choose(&dg14.chip_authentication, &dg14.public_keys) else {
        let reason = if dg14.chip_authentication.is_empty() {
            "DG14 lists no ChipAuthenticationInfo (ECDH)"
        } else {
            "DG14 has no ChipAuthenticationPublicKeyInfo for its ChipAuthenticationInfo"
        };
        return (
            link,
            Check::NotPerformed {
                reason: reason.into(),
            },
        );
    };
    let terminal = match CaTerminal::new(rng, info, key) {
        Ok(t) => t,
        Err(e) => {
            return (
                link,
                Check::Failed {
                    reason: e.to_string(),
                },
            );
        }
    };
    for command in terminal.commands() {
        let step = if command.p2 == card_os::protocol::ca::messages::MSE_P2_KAT {
            "MSE:Set KAT"
        } else if command.ins == crate::pace::INS_MSE {
            "MSE:Set AT"
        } else {
            "GENERAL AUTHENTICATE"
        };
        let result = command
            .to_bytes()
            .map_err(|e| e.to_string())
            .and_then(|apdu| transmit(&mut link, &apdu).map_err(|e| e.to_string()));
        match result {
            Ok(r) if r.sw == SW_OK => {}
            Ok(r) => {
                let reason = format!("{step}: card answered {:04X} ({})", r.sw, sw_meaning(r.sw));
                return (link, Check::Failed { reason });
            }
            Err(e) => {
                return (
                    link,
                    Check::Failed {
                        reason: format!("{step}: {e}"),
                    },
                );
            }
        }
    }
    let cipher = terminal.cipher();
    let session = terminal.finish().and_then(|keys| keys.session());
    match session {
        Ok(session) => {
            let detail = format!(
                "{} on {:?}; secure messaging restarted with the agreed keys",
                cipher_name(cipher),
                key.domain
            );
            (
                link.restart(SmSessionKind::from(session)),
                Check::Passed { detail },
            )
        }
        Err(e) => (
            link,
            Check::Failed {
                reason: e.to_string(),
            },
        ),
    }
}
