//! The terminal (PCD) side of PACE-ECDH-GM (ICAO 9303-11 §4.4.3, TR-03110-2 §3.2.1).
//!
//! `PaceTerminal<TerminalInitialized>` → `decrypt_nonce` → `<TerminalNonceKnown>`
//! → `map_nonce` → `<TerminalMapped>` → `agree_keys` → `<TerminalKeysAgreed>` →
//! `authenticate` → [`PaceResult`]. Each step returns what the terminal sends
//! next in GENERAL AUTHENTICATE.
//!
//! The other mappings reuse these states and replace one step: the
//! Integrated Mapping steps 1–2 (`decrypt_nonce_integrated`, `map_integrated`)
//! are in `im.rs`, the Chip Authentication Mapping step 4 (`authenticate_cam`)
//! in `cam.rs`. Each step checks that it belongs to the run's mapping.

use alloc::vec::Vec;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::token::{self, AUTHENTICATION_TOKEN_LEN, NONCE_LEN};
use super::{PaceError, PaceMapping, PaceProtocol, PaceResult, StandardizedDomainParameters};
use crate::protocol::kdf::{KdfCounter, PacePassword, PaceSecret, kdf};

/// A terminal-side PACE run in state `S`.
pub struct PaceTerminal<S> {
    pub(super) protocol: PaceProtocol,
    pub(super) domain: StandardizedDomainParameters,
    pub(super) password: PacePassword,
    pub(super) state: S,
}

/// Before GA step 1: the password key is known.
pub struct TerminalInitialized {
    pub(super) k_pi: Zeroizing<Vec<u8>>,
}

/// After GA step 1: s decrypted and the terminal's mapping data chosen.
pub struct TerminalNonceKnown {
    pub(super) nonce: Zeroizing<Vec<u8>>,
    pub(super) mapping: TerminalMappingData,
}

/// What the terminal sent in GA step 2.
pub(super) enum TerminalMappingData {
    /// GM and CAM: SK_map,PCD.
    Generic { mapping_private: Zeroizing<Vec<u8>> },
    /// IM: the nonce t.
    Integrated { terminal_nonce: Zeroizing<Vec<u8>> },
}

/// After GA step 2: Ĝ known, the ephemeral key pair chosen.
pub struct TerminalMapped {
    pub(super) private: Zeroizing<Vec<u8>>,
    pub(super) terminal_public_key: Vec<u8>,
    /// PK_map,PICC, which PACE-CAM's chip authentication data must explain.
    pub(super) chip_mapping_key: Option<Vec<u8>>,
}

/// After GA step 3: session keys derived; the chip's token is awaited.
pub struct TerminalKeysAgreed {
    ks_enc: Zeroizing<Vec<u8>>,
    ks_mac: Zeroizing<Vec<u8>>,
    chip_public_key: Vec<u8>,
    terminal_public_key: Vec<u8>,
    chip_mapping_key: Option<Vec<u8>>,
}

impl<S> PaceTerminal<S> {
    pub fn protocol(&self) -> PaceProtocol {
        self.protocol
    }

    pub fn domain_parameters(&self) -> StandardizedDomainParameters {
        self.domain
    }

    pub fn password(&self) -> PacePassword {
        self.password
    }

    /// A step of `mappings` was called: refuse it on a run of another mapping.
    pub(super) fn require_mapping(&self, mappings: &[PaceMapping]) -> Result<(), PaceError> {
        if mappings.contains(&self.protocol.mapping()) {
            Ok(())
        } else {
            Err(PaceError::UnsupportedProtocol)
        }
    }

    pub(super) fn next<T>(self, state: T) -> PaceTerminal<T> {
        PaceTerminal {
            protocol: self.protocol,
            domain: self.domain,
            password: self.password,
            state,
        }
    }
}

impl PaceTerminal<TerminalInitialized> {
    /// Start a run with the parameters sent in MSE:Set AT and the password the
    /// holder entered.
    pub fn new(
        protocol: PaceProtocol,
        domain: StandardizedDomainParameters,
        secret: &PaceSecret,
    ) -> Self {
        PaceTerminal {
            protocol,
            domain,
            password: secret.password(),
            state: TerminalInitialized {
                k_pi: secret.key(protocol.cipher()),
            },
        }
    }

    /// After GA step 1 of GM and CAM: s = D(K_π, z); choose the mapping key
    /// pair and return PK_map,PCD for GA step 2 (ICAO 9303-11 §4.4.3.1,
    /// §4.4.3.3.1). An IM run uses `decrypt_nonce_integrated`.
    pub fn decrypt_nonce(
        self,
        rng: &mut impl CryptoRng,
        encrypted_nonce: &[u8],
    ) -> Result<(PaceTerminal<TerminalNonceKnown>, Vec<u8>), PaceError> {
        self.require_mapping(&[PaceMapping::Generic, PaceMapping::ChipAuthentication])?;
        let nonce: Zeroizing<[u8; NONCE_LEN]> =
            Zeroizing::new(token::decrypt_nonce(&self.state.k_pi, encrypted_nonce)?);
        let mapping_private = self.domain.generate_private_key(rng)?;
        let mapping_public = self.domain.public_key(&mapping_private)?;
        Ok((
            self.next(TerminalNonceKnown {
                nonce: Zeroizing::new(nonce.to_vec()),
                mapping: TerminalMappingData::Generic { mapping_private },
            }),
            mapping_public,
        ))
    }
}

impl PaceTerminal<TerminalNonceKnown> {
    /// After GA step 2 of GM and CAM: Ĝ = s·G + SK_map,PCD·PK_map,PICC;
    /// choose the ephemeral key pair on Ĝ and return PK_PCD for GA step 3.
    pub fn map_nonce(
        self,
        rng: &mut impl CryptoRng,
        chip_mapping_key: &[u8],
    ) -> Result<(PaceTerminal<TerminalMapped>, Vec<u8>), PaceError> {
        let domain = self.domain;
        let TerminalMappingData::Generic { mapping_private } = &self.state.mapping else {
            return Err(PaceError::UnsupportedProtocol);
        };
        let shared_point = Zeroizing::new(domain.multiply(mapping_private, chip_mapping_key)?);
        let generator = domain.map_generator(&self.state.nonce[..], &shared_point)?;
        let chip_mapping_key = (self.protocol.mapping() == PaceMapping::ChipAuthentication)
            .then(|| chip_mapping_key.to_vec());
        self.mapped(rng, &generator, chip_mapping_key)
    }

    /// Ĝ agreed, by whichever mapping: choose the ephemeral key pair on Ĝ and
    /// return PK_PCD for GA step 3 (ICAO 9303-11 §4.4.1 step 3c).
    pub(super) fn mapped(
        self,
        rng: &mut impl CryptoRng,
        generator: &[u8],
        chip_mapping_key: Option<Vec<u8>>,
    ) -> Result<(PaceTerminal<TerminalMapped>, Vec<u8>), PaceError> {
        let private = self.domain.generate_private_key(rng)?;
        let terminal_public_key = self.domain.multiply(&private, generator)?;
        let state = TerminalMapped {
            private,
            terminal_public_key: terminal_public_key.clone(),
            chip_mapping_key,
        };
        Ok((self.next(state), terminal_public_key))
    }
}

impl PaceTerminal<TerminalMapped> {
    /// After GA step 3: K = x(SK_PCD·PK_PICC), KS_enc, KS_mac; return
    /// T_PCD = MAC(KS_mac, PK_PICC) for GA step 4.
    pub fn agree_keys(
        self,
        chip_public_key: &[u8],
    ) -> Result<
        (
            PaceTerminal<TerminalKeysAgreed>,
            [u8; AUTHENTICATION_TOKEN_LEN],
        ),
        PaceError,
    > {
        let domain = self.domain;
        // A chip reflecting our own key would make both tokens equal.
        if bool::from(chip_public_key.ct_eq(self.state.terminal_public_key.as_slice())) {
            return Err(PaceError::EqualEphemeralKeys);
        }
        let shared_point = Zeroizing::new(domain.multiply(&self.state.private, chip_public_key)?);
        let k = Zeroizing::new(domain.x_coordinate(&shared_point)?);
        let cipher = self.protocol.cipher();
        let ks_mac = kdf(&k, KdfCounter::Mac, cipher);
        let terminal_token = token::authentication_token(&ks_mac, self.protocol, chip_public_key)?;
        let terminal_public_key = self.state.terminal_public_key.clone();
        let chip_mapping_key = self.state.chip_mapping_key.clone();
        let state = TerminalKeysAgreed {
            ks_enc: kdf(&k, KdfCounter::Enc, cipher),
            ks_mac,
            chip_public_key: chip_public_key.to_vec(),
            terminal_public_key,
            chip_mapping_key,
        };
        Ok((self.next(state), terminal_token))
    }
}

impl PaceTerminal<TerminalKeysAgreed> {
    /// After GA step 4 of GM and IM: verify T_PICC = MAC(KS_mac, PK_PCD)
    /// (ICAO 9303-11 §4.4.3.4). A CAM run ends with `authenticate_cam`.
    pub fn authenticate(self, chip_token: &[u8]) -> Result<PaceResult, PaceError> {
        self.require_mapping(&[PaceMapping::Generic, PaceMapping::Integrated])?;
        self.finish(chip_token).map(|(result, _)| result)
    }

    /// Step 4 for every mapping: the token check, and PK_map,PICC for CAM.
    pub(super) fn finish(
        self,
        chip_token: &[u8],
    ) -> Result<(PaceResult, Option<Vec<u8>>), PaceError> {
        let s = &self.state;
        token::verify_authentication_token(
            &s.ks_mac,
            self.protocol,
            &s.terminal_public_key,
            chip_token,
        )?;
        let id_picc = self.domain.x_coordinate(&s.chip_public_key)?;
        let PaceTerminal {
            protocol,
            domain,
            password,
            state,
        } = self;
        let result = PaceResult {
            protocol,
            domain_parameters: domain,
            password,
            cipher: protocol.cipher(),
            ks_enc: state.ks_enc,
            ks_mac: state.ks_mac,
            id_picc,
            chip_public_key: state.chip_public_key,
            terminal_public_key: state.terminal_public_key,
        };
        Ok((result, state.chip_mapping_key))
    }
}
