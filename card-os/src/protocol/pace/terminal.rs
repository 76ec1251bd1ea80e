//! The terminal (PCD) side of PACE-ECDH-GM (ICAO 9303-11 §4.4.3, TR-03110-2 §3.2.1).
//!
//! `PaceTerminal<TerminalInitialized>` → `decrypt_nonce` → `<TerminalNonceKnown>`
//! → `map_nonce` → `<TerminalMapped>` → `agree_keys` → `<TerminalKeysAgreed>` →
//! `authenticate` → [`PaceResult`]. Each step returns what the terminal sends
//! next in GENERAL AUTHENTICATE.

use alloc::vec::Vec;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::token::{self, AUTHENTICATION_TOKEN_LEN, NONCE_LEN};
use super::{PaceError, PaceProtocol, PaceResult, StandardizedDomainParameters};
use crate::protocol::kdf::{KdfCounter, PacePassword, PaceSecret, kdf};

/// A terminal-side PACE run in state `S`.
pub struct PaceTerminal<S> {
    protocol: PaceProtocol,
    domain: StandardizedDomainParameters,
    password: PacePassword,
    state: S,
}

/// Before GA step 1: the password key is known.
pub struct TerminalInitialized {
    k_pi: Zeroizing<Vec<u8>>,
}

/// After GA step 1: s decrypted, the mapping key pair chosen.
pub struct TerminalNonceKnown {
    nonce: Zeroizing<[u8; NONCE_LEN]>,
    mapping_private: Zeroizing<Vec<u8>>,
}

/// After GA step 2: Ĝ known, the ephemeral key pair chosen.
pub struct TerminalMapped {
    private: Zeroizing<Vec<u8>>,
    terminal_public_key: Vec<u8>,
}

/// After GA step 3: session keys derived; the chip's token is awaited.
pub struct TerminalKeysAgreed {
    ks_enc: Zeroizing<Vec<u8>>,
    ks_mac: Zeroizing<Vec<u8>>,
    chip_public_key: Vec<u8>,
    terminal_public_key: Vec<u8>,
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

    fn next<T>(self, state: T) -> PaceTerminal<T> {
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

    /// After GA step 1: s = D(K_π, z); choose the mapping key pair and return
    /// PK_map,PCD for GA step 2 (ICAO 9303-11 §4.4.3.1, §4.4.3.3.1).
    pub fn decrypt_nonce(
        self,
        rng: &mut impl CryptoRng,
        encrypted_nonce: &[u8],
    ) -> Result<(PaceTerminal<TerminalNonceKnown>, Vec<u8>), PaceError> {
        let nonce = Zeroizing::new(token::decrypt_nonce(&self.state.k_pi, encrypted_nonce)?);
        let mapping_private = self.domain.generate_private_key(rng)?;
        let mapping_public = self.domain.public_key(&mapping_private)?;
        Ok((
            self.next(TerminalNonceKnown {
                nonce,
                mapping_private,
            }),
            mapping_public,
        ))
    }
}

impl PaceTerminal<TerminalNonceKnown> {
    /// After GA step 2: Ĝ = s·G + SK_map,PCD·PK_map,PICC; choose the ephemeral
    /// key pair on Ĝ and return PK_PCD for GA step 3.
    pub fn map_nonce(
        self,
        rng: &mut impl CryptoRng,
        chip_mapping_key: &[u8],
    ) -> Result<(PaceTerminal<TerminalMapped>, Vec<u8>), PaceError> {
        let domain = self.domain;
        let shared_point =
            Zeroizing::new(domain.multiply(&self.state.mapping_private, chip_mapping_key)?);
        let generator = domain.map_generator(&self.state.nonce[..], &shared_point)?;
        let private = domain.generate_private_key(rng)?;
        let terminal_public_key = domain.multiply(&private, &generator)?;
        let state = TerminalMapped {
            private,
            terminal_public_key: terminal_public_key.clone(),
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
        let state = TerminalKeysAgreed {
            ks_enc: kdf(&k, KdfCounter::Enc, cipher),
            ks_mac,
            chip_public_key: chip_public_key.to_vec(),
            terminal_public_key,
        };
        Ok((self.next(state), terminal_token))
    }
}

impl PaceTerminal<TerminalKeysAgreed> {
    /// After GA step 4: verify T_PICC = MAC(KS_mac, PK_PCD) (ICAO 9303-11 §4.4.3.4).
    pub fn authenticate(self, chip_token: &[u8]) -> Result<PaceResult, PaceError> {
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
        Ok(PaceResult {
            protocol,
            domain_parameters: domain,
            password,
            cipher: protocol.cipher(),
            ks_enc: state.ks_enc,
            ks_mac: state.ks_mac,
            id_picc,
            chip_public_key: state.chip_public_key,
            terminal_public_key: state.terminal_public_key,
        })
    }
}
