//! PACE with Chip Authentication Mapping (ICAO 9303-11 §4.4.3.5, TR-03110-2
//! §3.4): id-PACE-ECDH-CAM-AES-CBC-CMAC-*. Steps 1–3 are the Generic Mapping;
//! in step 4 the chip also proves its static Chip Authentication key pair
//! (SK_IC, PK_IC), on the PACE domain parameters:
//!
//! ```text
//! CA_IC = SK_IC⁻¹ · SK_map,IC mod n                  (§4.4.3.5.1)
//! A_IC  = E(KS_enc, CA_IC), AES-CBC, IV = E(KS_enc, −1), ISO 7816-4 padding
//! chip → terminal: 7C { 86 T_IC, 8A A_IC }
//! terminal: CA_IC = D(KS_enc, A_IC); PK_map,IC =? CA_IC · PK_IC  (§4.4.3.5.2)
//! ```
//!
//! The terminal learns PK_IC from EF.CardSecurity, which it reads (under
//! secure messaging) and verifies only after PACE; so its step 4 returns a
//! [`ChipAuthenticationData`] to be checked against PK_IC afterwards.

use alloc::vec::Vec;
use core::fmt;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::chip::{ChipKeysAgreed, PaceChip};
use super::terminal::{PaceTerminal, TerminalKeysAgreed};
use super::token::AUTHENTICATION_TOKEN_LEN;
use super::{PaceError, PaceMapping, PaceResult, StandardizedDomainParameters};
use crate::protocol::symmetric::{self, BLOCK_SIZE};

/// The IV of A_IC is E(KS_enc, −1): −1 is the all-ones block (ICAO 9303-11
/// §4.4.3.5.1, as the SSC-derived IV of §9.8.6.1 but with −1).
const MINUS_ONE_BLOCK: [u8; BLOCK_SIZE] = [0xFF; BLOCK_SIZE];

const FIELD_A_IC: &str = "GENERAL AUTHENTICATE DO'8A' (encrypted chip authentication data)";

/// CA_IC = SK_IC⁻¹ · SK_map,IC mod n, field-size bytes.
pub fn chip_authentication_data(
    domain: StandardizedDomainParameters,
    chip_static_private_key: &[u8],
    chip_mapping_private_key: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    domain.scalar_quotient(chip_mapping_private_key, chip_static_private_key)
}

fn chip_authentication_iv(ks_enc: &[u8]) -> Result<[u8; BLOCK_SIZE], PaceError> {
    let mut iv = MINUS_ONE_BLOCK;
    symmetric::encrypt_block(ks_enc, &mut iv)?;
    Ok(iv)
}

/// A_IC = E(KS_enc, CA_IC ‖ padding) in CBC mode with IV = E(KS_enc, −1).
pub fn encrypt_chip_authentication_data(
    ks_enc: &[u8],
    chip_authentication_data: &[u8],
) -> Result<Vec<u8>, PaceError> {
    let iv = chip_authentication_iv(ks_enc)?;
    let mut data = symmetric::padded(chip_authentication_data);
    symmetric::cbc_encrypt(ks_enc, &iv, &mut data)?;
    Ok(data)
}

/// CA_IC = D(KS_enc, A_IC), unpadded, as field-size bytes in 1..n-1 (a
/// shorter integer is left-padded with zeros).
pub fn decrypt_chip_authentication_data(
    domain: StandardizedDomainParameters,
    ks_enc: &[u8],
    encrypted: &[u8],
) -> Result<Zeroizing<Vec<u8>>, PaceError> {
    if encrypted.is_empty() || !encrypted.len().is_multiple_of(BLOCK_SIZE) {
        return Err(PaceError::MalformedData {
            field: FIELD_A_IC,
            rule: "must be whole AES blocks",
        });
    }
    let iv = chip_authentication_iv(ks_enc)?;
    let mut data = Zeroizing::new(encrypted.to_vec());
    symmetric::cbc_decrypt(ks_enc, &iv, &mut data)?;
    symmetric::unpad(&mut data).map_err(|_| PaceError::MalformedData {
        field: FIELD_A_IC,
        rule: "must decrypt to CA_IC with ISO 7816-4 padding (ICAO 9303-11 §4.4.3.5.1)",
    })?;
    let offset = domain
        .field_size()
        .checked_sub(data.len())
        .ok_or(PaceError::MalformedData {
            field: FIELD_A_IC,
            rule: "CA_IC is longer than the curve order",
        })?;
    let mut ca_ic = Zeroizing::new(alloc::vec![0u8; domain.field_size()]);
    ca_ic[offset..].copy_from_slice(&data);
    domain
        .check_private_key(&ca_ic)
        .map_err(|_| PaceError::MalformedData {
            field: FIELD_A_IC,
            rule: "CA_IC must be an integer 1..n-1",
        })?;
    Ok(ca_ic)
}

/// Check PK_map,IC = CA_IC · PK_IC (ICAO 9303-11 §4.4.3.5.2).
pub fn verify_chip_authentication_data(
    domain: StandardizedDomainParameters,
    chip_authentication_data: &[u8],
    chip_static_public_key: &[u8],
    chip_mapping_public_key: &[u8],
) -> Result<(), PaceError> {
    let expected = domain.multiply(chip_authentication_data, chip_static_public_key)?;
    if bool::from(expected.as_slice().ct_eq(chip_mapping_public_key)) {
        Ok(())
    } else {
        Err(PaceError::MalformedData {
            field: FIELD_A_IC,
            rule: "CA_IC·PK_IC must equal the chip's mapping key PK_map,IC (ICAO 9303-11 §4.4.3.5.2): \
                   the chip does not hold the static key of EF.CardSecurity",
        })
    }
}

/// The chip's CAM proof as the terminal received it: CA_IC and PK_map,IC.
/// The chip is authenticated only once [`ChipAuthenticationData::verify`]
/// passes with PK_IC from the verified EF.CardSecurity.
#[must_use = "PACE-CAM authenticates the chip only when verify() passes with PK_IC"]
pub struct ChipAuthenticationData {
    domain: StandardizedDomainParameters,
    ca_ic: Zeroizing<Vec<u8>>,
    chip_mapping_public_key: Vec<u8>,
}

impl ChipAuthenticationData {
    /// CA_IC, field-size bytes.
    pub fn value(&self) -> &[u8] {
        &self.ca_ic
    }

    /// PK_map,IC, the chip's mapping key of GA step 2.
    pub fn chip_mapping_public_key(&self) -> &[u8] {
        &self.chip_mapping_public_key
    }

    /// Check PK_map,IC = CA_IC · PK_IC for the chip's static public key
    /// (uncompressed point on the PACE curve).
    pub fn verify(&self, chip_static_public_key: &[u8]) -> Result<(), PaceError> {
        verify_chip_authentication_data(
            self.domain,
            &self.ca_ic,
            chip_static_public_key,
            &self.chip_mapping_public_key,
        )
    }
}

impl fmt::Debug for ChipAuthenticationData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChipAuthenticationData")
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl PaceChip<ChipKeysAgreed> {
    /// GA step 4 of CAM: verify T_PCD, answer T_PICC and A_IC (DO'86' and
    /// DO'8A'). `chip_static_private_key` is SK_IC of the chip's Chip
    /// Authentication key, on the PACE domain parameters.
    #[allow(clippy::type_complexity)]
    pub fn authenticate_cam(
        self,
        terminal_token: &[u8],
        chip_static_private_key: &[u8],
    ) -> Result<(PaceResult, [u8; AUTHENTICATION_TOKEN_LEN], Vec<u8>), PaceError> {
        self.require_mapping(&[PaceMapping::ChipAuthentication])?;
        let domain = self.domain;
        domain.check_private_key(chip_static_private_key)?;
        let (result, token, mapping_private) = self.finish(terminal_token)?;
        let mapping_private = mapping_private.ok_or(PaceError::UnsupportedProtocol)?;
        let ca_ic = chip_authentication_data(domain, chip_static_private_key, &mapping_private)?;
        let a_ic = encrypt_chip_authentication_data(&result.ks_enc, &ca_ic)?;
        Ok((result, token, a_ic))
    }
}

impl PaceTerminal<TerminalKeysAgreed> {
    /// After GA step 4 of CAM: verify T_PICC and decrypt A_IC (DO'8A').
    /// The returned [`ChipAuthenticationData`] must then be verified against
    /// PK_IC from EF.CardSecurity.
    pub fn authenticate_cam(
        self,
        chip_token: &[u8],
        encrypted_chip_authentication_data: &[u8],
    ) -> Result<(PaceResult, ChipAuthenticationData), PaceError> {
        self.require_mapping(&[PaceMapping::ChipAuthentication])?;
        let domain = self.domain;
        let (result, chip_mapping_key) = self.finish(chip_token)?;
        let chip_mapping_public_key = chip_mapping_key.ok_or(PaceError::UnsupportedProtocol)?;
        let ca_ic = decrypt_chip_authentication_data(
            domain,
            &result.ks_enc,
            encrypted_chip_authentication_data,
        )?;
        let proof = ChipAuthenticationData {
            domain,
            ca_ic,
            chip_mapping_public_key,
        };
        Ok((result, proof))
    }
}
