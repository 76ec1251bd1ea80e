//! The chip (PICC) side of PACE-ECDH-GM (ICAO 9303-11 §4.4.3, TR-03110-2 §3.2.1).
//!
//! `PaceChip<ChipInitialized>` → `encrypt_nonce` → `<ChipNonceSent>` →
//! `map_nonce` → `<ChipMapped>` → `agree_keys` → `<ChipKeysAgreed>` →
//! `authenticate` → [`PaceResult`]. Each step consumes the previous state; a
//! failed step drops it (and its secrets), so a failed run cannot be resumed.

use alloc::vec::Vec;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::token::{self, AUTHENTICATION_TOKEN_LEN, NONCE_LEN};
use super::{PaceError, PaceProtocol, PaceResult, StandardizedDomainParameters};
use crate::protocol::kdf::{KdfCounter, PacePassword, PaceSecret, kdf};

/// A chip-side PACE run in state `S`.
pub struct PaceChip<S> {
    protocol: PaceProtocol,
    domain: StandardizedDomainParameters,
    password: PacePassword,
    state: S,
}

/// After MSE:Set AT: the password key is known.
pub struct ChipInitialized {
    k_pi: Zeroizing<Vec<u8>>,
}

/// After GA step 1: the nonce s was sent encrypted.
pub struct ChipNonceSent {
    nonce: Zeroizing<[u8; NONCE_LEN]>,
}

/// After GA step 2: the mapped generator Ĝ is agreed.
pub struct ChipMapped {
    generator: Vec<u8>,
}

/// After GA step 3: session keys derived; the terminal's token is awaited.
pub struct ChipKeysAgreed {
    ks_enc: Zeroizing<Vec<u8>>,
    ks_mac: Zeroizing<Vec<u8>>,
    chip_public_key: Vec<u8>,
    terminal_public_key: Vec<u8>,
}

impl<S> PaceChip<S> {
    pub fn protocol(&self) -> PaceProtocol {
        self.protocol
    }

    pub fn domain_parameters(&self) -> StandardizedDomainParameters {
        self.domain
    }

    pub fn password(&self) -> PacePassword {
        self.password
    }

    fn next<T>(self, state: T) -> PaceChip<T> {
        PaceChip {
            protocol: self.protocol,
            domain: self.domain,
            password: self.password,
            state,
        }
    }
}

impl PaceChip<ChipInitialized> {
    /// Start a run with the parameters chosen by MSE:Set AT and the chip's
    /// stored password.
    pub fn new(
        protocol: PaceProtocol,
        domain: StandardizedDomainParameters,
        secret: &PaceSecret,
    ) -> Self {
        PaceChip {
            protocol,
            domain,
            password: secret.password(),
            state: ChipInitialized {
                k_pi: secret.key(protocol.cipher()),
            },
        }
    }

    /// GA step 1: choose s at random and answer z = E(K_π, s) (ICAO 9303-11 §4.4.3.1).
    pub fn encrypt_nonce(
        self,
        rng: &mut impl CryptoRng,
    ) -> Result<(PaceChip<ChipNonceSent>, [u8; NONCE_LEN]), PaceError> {
        let mut nonce = Zeroizing::new([0u8; NONCE_LEN]);
        rng.fill_bytes(&mut nonce[..]);
        let z = token::encrypt_nonce(&self.state.k_pi, &nonce)?;
        Ok((self.next(ChipNonceSent { nonce }), z))
    }
}

impl PaceChip<ChipNonceSent> {
    /// GA step 2: take the terminal's mapping key PK_map,PCD, answer the chip's
    /// PK_map,PICC and compute Ĝ = s·G + SK_map,PICC·PK_map,PCD
    /// (Generic Mapping, ICAO 9303-11 §4.4.3.3.1).
    pub fn map_nonce(
        self,
        rng: &mut impl CryptoRng,
        terminal_mapping_key: &[u8],
    ) -> Result<(PaceChip<ChipMapped>, Vec<u8>), PaceError> {
        let domain = self.domain;
        domain.check_public_key(terminal_mapping_key)?;
        let mapping_private = domain.generate_private_key(rng)?;
        let mapping_public = domain.public_key(&mapping_private)?;
        let shared_point = Zeroizing::new(domain.multiply(&mapping_private, terminal_mapping_key)?);
        let generator = domain.map_generator(&self.state.nonce[..], &shared_point)?;
        Ok((self.next(ChipMapped { generator }), mapping_public))
    }
}

impl PaceChip<ChipMapped> {
    /// GA step 3: take PK_PCD, answer PK_PICC = SK_PICC·Ĝ, derive
    /// K = x(SK_PICC·PK_PCD), KS_enc and KS_mac (ICAO 9303-11 §4.4.3.3.2, §9.7.1).
    pub fn agree_keys(
        self,
        rng: &mut impl CryptoRng,
        terminal_public_key: &[u8],
    ) -> Result<(PaceChip<ChipKeysAgreed>, Vec<u8>), PaceError> {
        let domain = self.domain;
        domain.check_public_key(terminal_public_key)?;
        let private = domain.generate_private_key(rng)?;
        let chip_public_key = domain.multiply(&private, &self.state.generator)?;
        // TR-03110-2 §3.2.1: the chip MUST check PK_PCD ≠ PK_PICC (reflection).
        if bool::from(chip_public_key.as_slice().ct_eq(terminal_public_key)) {
            return Err(PaceError::EqualEphemeralKeys);
        }
        let shared_point = Zeroizing::new(domain.multiply(&private, terminal_public_key)?);
        let k = Zeroizing::new(domain.x_coordinate(&shared_point)?);
        let cipher = self.protocol.cipher();
        let state = ChipKeysAgreed {
            ks_enc: kdf(&k, KdfCounter::Enc, cipher),
            ks_mac: kdf(&k, KdfCounter::Mac, cipher),
            chip_public_key: chip_public_key.clone(),
            terminal_public_key: terminal_public_key.to_vec(),
        };
        Ok((self.next(state), chip_public_key))
    }
}

impl PaceChip<ChipKeysAgreed> {
    /// GA step 4: verify T_PCD = MAC(KS_mac, PK_PICC) and answer
    /// T_PICC = MAC(KS_mac, PK_PCD) (ICAO 9303-11 §4.4.3.4). A wrong token
    /// means a wrong password: the caller counts the failure.
    pub fn authenticate(
        self,
        terminal_token: &[u8],
    ) -> Result<(PaceResult, [u8; AUTHENTICATION_TOKEN_LEN]), PaceError> {
        let s = &self.state;
        token::verify_authentication_token(
            &s.ks_mac,
            self.protocol,
            &s.chip_public_key,
            terminal_token,
        )?;
        let chip_token =
            token::authentication_token(&s.ks_mac, self.protocol, &s.terminal_public_key)?;
        let id_picc = self.domain.x_coordinate(&s.chip_public_key)?;
        let PaceChip {
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
        Ok((result, chip_token))
    }
}
