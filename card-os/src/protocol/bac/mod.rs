//! Basic Access Control (ICAO 9303-11 §4.3, §9.7.2, Appendix D) and the 3DES
//! secure messaging it starts.
//!
//! 1. Both ends derive K_enc / K_mac from the MRZ information ([`BacKeys`]).
//! 2. GET CHALLENGE: the chip sends RND.IC ([`BacChip`]).
//! 3. EXTERNAL AUTHENTICATE: the terminal ([`BacTerminal`]) sends
//!    E_IFD ‖ M_IFD over S = RND.IFD ‖ RND.IC ‖ K.IFD; the chip checks M_IFD
//!    and RND.IC and answers E_IC ‖ M_IC over R = RND.IC ‖ RND.IFD ‖ K.IC.
//! 4. Both derive KS_enc / KS_mac = KDF(K.IFD ⊕ K.IC, 1 / 2) and
//!    SSC = RND.IC[4..8] ‖ RND.IFD[4..8] ([`BacResult`]) and continue with
//!    [`TdesSmSession`].
//!
//! Both ends are typed state machines: each step consumes the previous
//! state, so a step out of order does not compile.

mod chip;
mod cryptogram;
mod error;
mod keys;
mod messages;
mod result;
mod secure_messaging;
pub mod tdes;
mod terminal;

pub use chip::{BacChip, BacChipChallenged};
pub use error::{BacError, SW_AUTHENTICATION_FAILED, SW_INCORRECT_P1_P2, SW_WRONG_LENGTH};
pub use keys::BacKeys;
pub use messages::{
    AUTHENTICATION_DATA_LEN, CRYPTOGRAM_LEN, INS_EXTERNAL_AUTHENTICATE, INS_GET_CHALLENGE,
    KEY_MATERIAL_LEN, RND_LEN, check_external_authenticate, check_get_challenge,
    external_authenticate_command, get_challenge_command,
};
pub use result::BacResult;
pub use secure_messaging::TdesSmSession;
pub use terminal::{BacTerminal, BacTerminalAuthenticating};
