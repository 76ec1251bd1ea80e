//! The chip (PICC) side of PACE-ECDH-GM (ICAO 9303-11 §4.4.3, TR-03110-2 §3.2.1).
//!
//! `PaceChip<ChipInitialized>` → `encrypt_nonce` → `<ChipNonceSent>` →
//! `map_nonce` → `<ChipMapped>` → `agree_keys` → `<ChipKeysAgreed>` →
//! `authenticate` → [`PaceResult`]. Each step consumes the previous state; a
//! failed step drops it (and its secrets), so a failed run cannot be resumed.
//!
//! The other mappings reuse these states and replace one step: the
//! Integrated Mapping steps 1–2 (`encrypt_nonce_integrated`, `map_integrated`)
//! are in `im.rs`, the Chip Authentication Mapping step 4 (`authenticate_cam`)
//! in `cam.rs`. Each step checks that it belongs to the run's mapping.

use alloc::vec::Vec;
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::token::{self, AUTHENTICATION_TOKEN_LEN, NONCE_LEN};
use super::{PaceError, PaceMapping, PaceProtocol, PaceResult, StandardizedDomainParameters};
use crate::protocol::kdf::{KdfCounter, PacePassword, PaceSecret, kdf};

/// A chip-side PACE run in state `S`.
pub struct PaceChip<S> {
    pub(super) protocol: PaceProtocol,
    pub(super) domain: StandardizedDomainParameters,
    pub(super) password: PacePassword,
    pub(super) state: S,
}

/// After MSE:Set AT: the password key is known.
pub struct ChipInitialized {
    pub(super) k_pi: Zeroizing<Vec<u8>>,
}

/// After GA step 1: the nonce s was sent encrypted (one AES block for GM and
/// CAM, l/8 bytes for IM).
pub struct ChipNonceSent {
    pub(super) nonce: Zeroizing<Vec<u8>>,
}

/// After GA step 2: the mapped generator Ĝ is agreed.
pub struct ChipMapped {
    pub(super) generator: Vec<u8>,
    /// SK_map,IC, kept for the chip authentication data of PACE-CAM only.
    pub(super) mapping_private: Option<Zeroizing<Vec<u8>>>,
}

/// After GA step 3: session keys derived; the terminal's token is awaited.
pub struct ChipKeysAgreed {
    ks_enc: Zeroizing<Vec<u8>>,
    ks_mac: Zeroizing<Vec<u8>>,
    chip_public_key: Vec<u8>,
    terminal_public_key: Vec<u8>,
    mapping_private: Option<Zeroizing<Vec<u8>>>,
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

    /// A step of `mapping` was called: refuse it on a run of another mapping.
    pub(super) fn require_mapping(&self, mappings: &[PaceMapping]) -> Result<(), PaceError> {
        if mappings.contains(&self.protocol.mapping()) {
            Ok(())
        } else {
            Err(PaceError::UnsupportedProtocol)
        }
    }

    pub(super) fn next<T>(self, state: T) -> PaceChip<T> {
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

    /// GA step 1 of GM and CAM: choose s at random and answer z = E(K_π, s)
    /// (ICAO 9303-11 §4.4.3.1). An IM run uses `encrypt_nonce_integrated`.
    pub fn encrypt_nonce(
        self,
        rng: &mut impl CryptoRng,
    ) -> Result<(PaceChip<ChipNonceSent>, [u8; NONCE_LEN]), PaceError> {
        self.require_mapping(&[PaceMapping::Generic, PaceMapping::ChipAuthentication])?;
        let mut nonce = Zeroizing::new([0u8; NONCE_LEN]);
        rng.fill_bytes(&mut nonce[..]);
        let z = token::encrypt_nonce(&self.state.k_pi, &nonce)?;
        let nonce = Zeroizing::new(nonce.to_vec());
        Ok((self.next(ChipNonceSent { nonce }), z))
    }
}

impl PaceChip<ChipNonceSent> {
    /// GA step 2: take the terminal's mapping key PK_map,PCD, answer the chip's
    /// PK_map,PICC and compute Ĝ = s·G + SK_map,PICC·PK_map,PCD
    /// (Generic Mapping, ICAO 9303-11 §4.4.3.3.1; also the mapping of CAM).
    pub fn map_nonce(
        self,
        rng: &mut impl CryptoRng,
        terminal_mapping_key: &[u8],
    ) -> Result<(PaceChip<ChipMapped>, Vec<u8>), PaceError> {
        self.require_mapping(&[PaceMapping::Generic, PaceMapping::ChipAuthentication])?;
        let domain = self.domain;
        domain.check_public_key(terminal_mapping_key)?;
        let mapping_private = domain.generate_private_key(rng)?;
        let mapping_public = domain.public_key(&mapping_private)?;
        let shared_point = Zeroizing::new(domain.multiply(&mapping_private, terminal_mapping_key)?);
        let generator = domain.map_generator(&self.state.nonce[..], &shared_point)?;
        // CAM proves the chip's static key with SK_map,IC in step 4 (ICAO 9303-11 §4.4.3.5.1).
        let mapping_private =
            (self.protocol.mapping() == PaceMapping::ChipAuthentication).then_some(mapping_private);
        let state = ChipMapped {
            generator,
            mapping_private,
        };
        Ok((self.next(state), mapping_public))
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
        let PaceChip {
            protocol,
            domain,
            password,
            state: mapped,
        } = self;
        let state = ChipKeysAgreed {
            ks_enc: kdf(&k, KdfCounter::Enc, cipher),
            ks_mac: kdf(&k, KdfCounter::Mac, cipher),
            chip_public_key: chip_public_key.clone(),
            terminal_public_key: terminal_public_key.to_vec(),
            mapping_private: mapped.mapping_private,
        };
        let chip = PaceChip {
            protocol,
            domain,
            password,
            state,
        };
        Ok((chip, chip_public_key))
    }
}

impl PaceChip<ChipKeysAgreed> {
    /// GA step 4 of GM and IM: verify T_PCD = MAC(KS_mac, PK_PICC) and answer
    /// T_PICC = MAC(KS_mac, PK_PCD) (ICAO 9303-11 §4.4.3.4). A wrong token
    /// means a wrong password: the caller counts the failure. A CAM run ends
    /// with `authenticate_cam`, which adds the chip authentication data.
    pub fn authenticate(
        self,
        terminal_token: &[u8],
    ) -> Result<(PaceResult, [u8; AUTHENTICATION_TOKEN_LEN]), PaceError> {
        self.require_mapping(&[PaceMapping::Generic, PaceMapping::Integrated])?;
        let (result, token, _) = self.finish(terminal_token)?;
        Ok((result, token))
    }

    /// Step 4 for every mapping: the token check and exchange, and SK_map,IC
    /// for CAM.
    #[allow(clippy::type_complexity)]
    pub(super) fn finish(
        self,
        terminal_token: &[u8],
    ) -> Result<
        (
            PaceResult,
            [u8; AUTHENTICATION_TOKEN_LEN],
            Option<Zeroizing<Vec<u8>>>,
        ),
        PaceError,
    > {
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
        Ok((result, chip_token, state.mapping_private))
    }
}
