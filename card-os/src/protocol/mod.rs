//! Protocol cryptography shared by card and terminal (PACE, KDF, secure messaging).
