//! What a successful PACE run leaves behind.

use alloc::vec::Vec;
use core::fmt;
use zeroize::Zeroizing;

use super::{PaceCipher, PaceProtocol, StandardizedDomainParameters};
use crate::protocol::kdf::PacePassword;

/// The outcome of PACE, on either side. The session keys are zeroized on drop.
pub struct PaceResult {
    pub protocol: PaceProtocol,
    pub domain_parameters: StandardizedDomainParameters,
    /// The password the run proved knowledge of.
    pub password: PacePassword,
    pub cipher: PaceCipher,
    /// KS_enc = KDF(K, 1).
    pub ks_enc: Zeroizing<Vec<u8>>,
    /// KS_mac = KDF(K, 2).
    pub ks_mac: Zeroizing<Vec<u8>>,
    /// ID_PICC = Comp(PK_PICC): the x-coordinate of the chip's ephemeral public
    /// key (TR-03110-3 A.2.2.3), bound into Terminal Authentication.
    pub id_picc: Vec<u8>,
    /// The chip's ephemeral public key PK_PICC (uncompressed).
    pub chip_public_key: Vec<u8>,
    /// The terminal's ephemeral public key PK_PCD (uncompressed).
    pub terminal_public_key: Vec<u8>,
}

impl fmt::Debug for PaceResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaceResult")
            .field("protocol", &self.protocol)
            .field("domain_parameters", &self.domain_parameters)
            .field("password", &self.password)
            .field("cipher", &self.cipher)
            .finish_non_exhaustive()
    }
}
