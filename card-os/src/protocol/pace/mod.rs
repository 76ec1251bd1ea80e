//! PACE v2 over ECDH and AES with the Generic, Integrated and Chip
//! Authentication Mappings (ICAO 9303-11 §4.4, TR-03110-2 §3.2 / §3.4,
//! TR-03110-3 A.3 / B.1 / D.3). The chip offers the Generic Mapping; the
//! terminal runs all three (docs/spec/pace-mappings.md).
//!
//! One implementation for both ends: the chip side [`PaceChip`] and the
//! terminal side [`PaceTerminal`] are typed state machines (each step consumes
//! the previous state), so a step out of order does not compile. Both end in
//! a [`PaceResult`] holding the session keys.
//!
//! | GA step | terminal → chip          | chip → terminal          |
//! |---------|--------------------------|--------------------------|
//! | 1       | `7C 00`                  | `7C { 80 z }`            |
//! | 2       | `7C { 81 PK_map,PCD }`   | `7C { 82 PK_map,PICC }`  |
//! | 3       | `7C { 83 PK_PCD }`       | `7C { 84 PK_PICC }`      |
//! | 4       | `7C { 85 T_PCD }`        | `7C { 86 T_PICC [87 CAR] [88 CAR'] }` |
//!
//! Integrated Mapping (`im.rs`): step 1 sends an l/8-byte s, step 2 is
//! `7C { 81 t }` → `7C 00`. Chip Authentication Mapping (`cam.rs`): step 4's
//! answer adds `8A A_IC`.

mod cam;
mod chip;
mod curve;
mod error;
mod im;
mod info;
pub mod integrated;
mod messages;
mod protocol_id;
mod result;
mod terminal;
mod token;

pub use cam::{
    ChipAuthenticationData, chip_authentication_data, decrypt_chip_authentication_data,
    encrypt_chip_authentication_data, verify_chip_authentication_data,
};
pub use chip::{ChipInitialized, ChipKeysAgreed, ChipMapped, ChipNonceSent, PaceChip};
pub use curve::{StandardizedDomainParameters, UNCOMPRESSED_POINT_TAG};
pub use error::PaceError;
pub use info::{
    PACE_VERSION, PaceInfo, decode_card_access, decode_card_access_all_mappings, encode_card_access,
};
pub use messages::{DynamicAuthenticationData, GaTag, MSE_SET_AT_P1, MSE_SET_AT_P2, MseSetAt};
pub use protocol_id::{PaceCipher, PaceMapping, PaceProtocol};
pub use result::PaceResult;
pub use terminal::{
    PaceTerminal, TerminalInitialized, TerminalKeysAgreed, TerminalMapped, TerminalNonceKnown,
};
pub use token::{
    AUTHENTICATION_TOKEN_LEN, NONCE_LEN, authentication_token, decrypt_nonce, encrypt_nonce,
    public_key_data_object, verify_authentication_token,
};
