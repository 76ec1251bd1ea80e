//! Key derivation (ICAO 9303-11 §9.7.1) and the PACE password key K_π
//! (ICAO 9303-11 §9.7.3, TR-03110-2 §3.2 / TR-03110-3 A.2).

use alloc::vec::Vec;
use core::fmt;
use sha1::{Digest, Sha1};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::pace::PaceCipher;

/// The counter `c` of KDF(K, c) (ICAO 9303-11 §9.7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum KdfCounter {
    /// c = 1: the encryption key KS_enc.
    Enc = 1,
    /// c = 2: the MAC key KS_mac.
    Mac = 2,
    /// c = 3: the password key K_π.
    Password = 3,
}

/// KDF(K, c) = H(K || c) with c a 32-bit big-endian counter, truncated to the
/// key length: SHA-1 for AES-128, SHA-256 for AES-192/256 (ICAO 9303-11 §9.7.1).
pub fn kdf(shared_secret: &[u8], counter: KdfCounter, cipher: PaceCipher) -> Zeroizing<Vec<u8>> {
    let c = (counter as u32).to_be_bytes();
    let mut out = match cipher {
        PaceCipher::Aes128 => {
            let mut h = Sha1::new();
            h.update(shared_secret);
            h.update(c);
            Zeroizing::new(h.finalize().to_vec())
        }
        PaceCipher::Aes192 | PaceCipher::Aes256 => {
            let mut h = Sha256::new();
            h.update(shared_secret);
            h.update(c);
            Zeroizing::new(h.finalize().to_vec())
        }
    };
    out.truncate(cipher.key_len());
    out
}

/// Two-key 3DES key length: K_a ‖ K_b (ICAO 9303-11 §9.7.1.1).
pub const TDES_KEY_LEN: usize = 16;

/// KDF(K, c) for two-key 3DES (ICAO 9303-11 §9.7.1.1): the first 16 bytes of
/// SHA-1(K ‖ c) are K_a ‖ K_b, with the DES parity bits adjusted. Used by BAC
/// for K_enc / K_mac (from K_seed) and KS_enc / KS_mac (from K.IFD ⊕ K.IC).
pub fn kdf_3des(shared_secret: &[u8], counter: KdfCounter) -> Zeroizing<[u8; TDES_KEY_LEN]> {
    let mut h = Sha1::new();
    h.update(shared_secret);
    h.update((counter as u32).to_be_bytes());
    let digest = Zeroizing::new(h.finalize());
    let mut key = Zeroizing::new([0u8; TDES_KEY_LEN]);
    key.copy_from_slice(&digest[..TDES_KEY_LEN]);
    adjust_des_parity(&mut key[..]);
    key
}

/// Set b1 of every byte so that each byte has an odd number of 1 bits (the
/// DES key parity of FIPS 46-3 §2, required by ICAO 9303-11 §9.7.1.1).
pub fn adjust_des_parity(key: &mut [u8]) {
    const PARITY_BIT: u8 = 0x01;
    for byte in key.iter_mut() {
        let key_bits = *byte & !PARITY_BIT;
        *byte = if key_bits.count_ones().is_multiple_of(2) {
            key_bits | PARITY_BIT
        } else {
            key_bits
        };
    }
}

/// The PACE password types with their TR-03110-3 password references
/// (the value of DO'83' in MSE:Set AT, TR-03110-3 D.2.1.1 / B.11.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum PacePassword {
    Mrz = 1,
    Can = 2,
    Pin = 3,
    Puk = 4,
}

impl PacePassword {
    /// The password reference (DO'83').
    pub fn reference(self) -> u8 {
        self as u8
    }

    /// The password type for a reference, `None` for an unknown one.
    pub fn from_reference(reference: u8) -> Option<Self> {
        match reference {
            1 => Some(PacePassword::Mrz),
            2 => Some(PacePassword::Can),
            3 => Some(PacePassword::Pin),
            4 => Some(PacePassword::Puk),
            _ => None,
        }
    }
}

/// Why a password could not be turned into a PACE secret.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordError {
    /// An MRZ field holds a character outside `0-9 A-Z <` (ICAO 9303-3 §4.2).
    MrzCharacter { field: &'static str },
    /// An MRZ field has the wrong length (dates: 6 digits YYMMDD; document number: 1..=22).
    MrzLength { field: &'static str },
    /// A CAN/PIN/PUK character outside ISO/IEC 8859-1.
    NotLatin1 { password: PacePassword },
    /// An empty CAN/PIN/PUK.
    Empty { password: PacePassword },
    /// `PaceSecret::from_bytes` was asked for an MRZ (use `PaceSecret::mrz`).
    MrzNeedsFields,
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordError::MrzCharacter { field } => {
                write!(
                    f,
                    "MRZ {field}: only 0-9, A-Z and '<' are allowed (ICAO 9303-3 §4.2)"
                )
            }
            PasswordError::MrzLength { field } => write!(
                f,
                "MRZ {field}: dates are 6 digits YYMMDD, the document number 1 to 22 characters (ICAO 9303-11 §9.7.3)"
            ),
            PasswordError::NotLatin1 { password } => {
                write!(
                    f,
                    "{password:?} password: every character must be in ISO/IEC 8859-1 (TR-03110-3 A.2.1)"
                )
            }
            PasswordError::Empty { password } => {
                write!(f, "{password:?} password must not be empty")
            }
            PasswordError::MrzNeedsFields => {
                f.write_str("an MRZ password is built from its fields with PaceSecret::mrz")
            }
        }
    }
}

/// Length of the MRZ date fields (YYMMDD).
const MRZ_DATE_LEN: usize = 6;
/// The document number is at least 9 characters, filled with '<' (ICAO 9303-3 §4.2.2).
const MRZ_DOCUMENT_NUMBER_MIN: usize = 9;
/// Longest document number (TD1 with the overflow in the optional data).
const MRZ_DOCUMENT_NUMBER_MAX: usize = 22;
const MRZ_FILLER: u8 = b'<';

/// ICAO 9303-3 §4.9 check digit: weights 7, 3, 1; digits count as themselves,
/// A-Z as 10..35, '<' as 0.
pub fn mrz_check_digit(field: &[u8], name: &'static str) -> Result<u8, PasswordError> {
    const WEIGHTS: [u32; 3] = [7, 3, 1];
    let mut sum = 0u32;
    for (i, &ch) in field.iter().enumerate() {
        let value = match ch {
            b'0'..=b'9' => u32::from(ch - b'0'),
            b'A'..=b'Z' => u32::from(ch - b'A') + 10,
            MRZ_FILLER => 0,
            _ => return Err(PasswordError::MrzCharacter { field: name }),
        };
        sum += value * WEIGHTS[i % WEIGHTS.len()];
    }
    Ok(b'0' + (sum % 10) as u8)
}

/// The MRZ information that BAC and PACE-MRZ hash: document number (filled
/// with '<' to 9 characters) ‖ check digit ‖ date of birth ‖ check digit ‖
/// date of expiry ‖ check digit (ICAO 9303-11 §9.7.2 / §9.7.3). The fields
/// come without check digits; they are computed here.
pub fn mrz_information(
    document_number: &str,
    date_of_birth: &str,
    date_of_expiry: &str,
) -> Result<Zeroizing<Vec<u8>>, PasswordError> {
    let mut number = Zeroizing::new(document_number.as_bytes().to_vec());
    if number.is_empty() || number.len() > MRZ_DOCUMENT_NUMBER_MAX {
        return Err(PasswordError::MrzLength {
            field: "document number",
        });
    }
    while number.len() < MRZ_DOCUMENT_NUMBER_MIN {
        number.push(MRZ_FILLER);
    }
    let mut information = Zeroizing::new(Vec::with_capacity(number.len() + 2 * MRZ_DATE_LEN + 3));
    information.extend_from_slice(&number);
    information.push(mrz_check_digit(&number, "document number")?);
    for (field, name) in [
        (date_of_birth, "date of birth"),
        (date_of_expiry, "date of expiry"),
    ] {
        let bytes = field.as_bytes();
        if bytes.len() != MRZ_DATE_LEN || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(PasswordError::MrzLength { field: name });
        }
        information.extend_from_slice(bytes);
        information.push(mrz_check_digit(bytes, name)?);
    }
    Ok(information)
}

/// The secret π a PACE run starts from, with its password type. Holds the
/// encoded password f(π) and zeroizes it on drop.
pub struct PaceSecret {
    password: PacePassword,
    /// MRZ: SHA-1(MRZ information); CAN/PIN/PUK: the ISO 8859-1 bytes.
    encoded: Zeroizing<Vec<u8>>,
}

impl PaceSecret {
    /// The MRZ password from its three fields, without check digits (they are
    /// computed here): f(π) = SHA-1(document number || check digit || date of
    /// birth || check digit || date of expiry || check digit) (ICAO 9303-11 §9.7.3).
    pub fn mrz(
        document_number: &str,
        date_of_birth: &str,
        date_of_expiry: &str,
    ) -> Result<Self, PasswordError> {
        let information = mrz_information(document_number, date_of_birth, date_of_expiry)?;
        Ok(Self::mrz_information(&information))
    }

    /// The MRZ password from the MRZ information exactly as hashed (fields with
    /// their check digits, e.g. `T22000129364081251010318`).
    pub fn mrz_information(information: &[u8]) -> Self {
        PaceSecret {
            password: PacePassword::Mrz,
            encoded: Zeroizing::new(Sha1::digest(information).to_vec()),
        }
    }

    /// A CAN, PIN or PUK: f(π) is the password as ISO/IEC 8859-1 bytes (TR-03110-3 A.2.1).
    pub fn from_text(password: PacePassword, text: &str) -> Result<Self, PasswordError> {
        if password == PacePassword::Mrz {
            return Err(PasswordError::MrzNeedsFields);
        }
        if text.is_empty() {
            return Err(PasswordError::Empty { password });
        }
        let mut encoded = Zeroizing::new(Vec::with_capacity(text.len()));
        for ch in text.chars() {
            let byte =
                u8::try_from(u32::from(ch)).map_err(|_| PasswordError::NotLatin1 { password })?;
            encoded.push(byte);
        }
        Ok(PaceSecret { password, encoded })
    }

    /// The password type (DO'83' of MSE:Set AT).
    pub fn password(&self) -> PacePassword {
        self.password
    }

    /// K_π = KDF_π(f(π)) = KDF(f(π), 3) (ICAO 9303-11 §9.7.3).
    pub fn key(&self, cipher: PaceCipher) -> Zeroizing<Vec<u8>> {
        kdf(&self.encoded, KdfCounter::Password, cipher)
    }
}

impl fmt::Debug for PaceSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaceSecret")
            .field("password", &self.password)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s.replace(' ', "")).unwrap()
    }

    /// ICAO 9303-11 Appendix G.1: MRZ T22000129 / 640812 / 101031, AES-128.
    #[test]
    fn mrz_password_key_matches_icao_worked_example() {
        let secret = PaceSecret::mrz("T22000129", "640812", "101031").unwrap();
        assert_eq!(
            &secret.key(PaceCipher::Aes128)[..],
            &h("89DED1B2 6624EC1E 634C1989 302849DD")[..]
        );
        let same = PaceSecret::mrz_information(b"T22000129364081251010318");
        assert_eq!(secret.key(PaceCipher::Aes128), same.key(PaceCipher::Aes128));
    }

    /// ICAO 9303-11 Appendix D.2 (BAC worked example) MRZ information, check digits only.
    #[test]
    fn check_digits_match_icao_examples() {
        assert_eq!(mrz_check_digit(b"L898902C<", "n"), Ok(b'3'));
        assert_eq!(mrz_check_digit(b"690806", "n"), Ok(b'1'));
        assert_eq!(mrz_check_digit(b"940623", "n"), Ok(b'6'));
        assert_eq!(mrz_check_digit(b"T22000129", "n"), Ok(b'3'));
        assert_eq!(
            mrz_check_digit(b"l", "n"),
            Err(PasswordError::MrzCharacter { field: "n" })
        );
    }

    /// ICAO 9303-11 Appendix D.2: MRZ information, K_seed, and K_enc / K_mac
    /// before and after the parity adjustment.
    #[test]
    fn bac_key_derivation_matches_icao_appendix_d2() {
        let information = mrz_information("L898902C", "690806", "940623").unwrap();
        assert_eq!(&information[..], b"L898902C<369080619406236");
        let digest = Sha1::digest(&information[..]);
        assert_eq!(
            digest.to_vec(),
            h("239AB9CB282DAF66231DC5A4DF6BFBAEDF477565")
        );
        let k_seed = &digest[..16];
        assert_eq!(k_seed.to_vec(), h("239AB9CB282DAF66231DC5A4DF6BFBAE"));
        assert_eq!(
            &kdf_3des(k_seed, KdfCounter::Enc)[..],
            &h("AB94FDECF2674FDFB9B391F85D7F76F2")[..]
        );
        assert_eq!(
            &kdf_3des(k_seed, KdfCounter::Mac)[..],
            &h("7962D9ECE03D1ACD4C76089DCE131543")[..]
        );
        // D.2 lists K_a / K_b before the parity adjustment.
        for (counter, raw) in [
            (1u32, "AB94FCEDF2664EDFB9B291F85D7F77F2"),
            (2u32, "7862D9ECE03C1BCD4D77089DCF131442"),
        ] {
            let mut d = Sha1::new();
            d.update(k_seed);
            d.update(counter.to_be_bytes());
            assert_eq!(d.finalize()[..16].to_vec(), h(raw));
        }
        let mut raw = h("AB94FCEDF2664EDFB9B291F85D7F77F2 7862D9ECE03C1BCD4D77089DCF131442");
        adjust_des_parity(&mut raw);
        assert_eq!(
            raw,
            h("AB94FDECF2674FDFB9B391F85D7F76F2 7962D9ECE03D1ACD4C76089DCE131543")
        );
    }

    #[test]
    fn des_parity_is_odd_in_every_byte() {
        let mut all: Vec<u8> = (0..=255u8).collect();
        adjust_des_parity(&mut all);
        for (i, b) in all.iter().enumerate() {
            assert_eq!(b.count_ones() % 2, 1, "byte {i:02X}");
            assert_eq!(b & 0xFE, (i as u8) & 0xFE, "only b1 may change");
        }
    }

    #[test]
    fn kdf_lengths_and_hashes_follow_the_cipher() {
        // Appendix G.1: K = 28768D20..., KS_enc = F5F0E35C..., KS_mac = FE251C78...
        let k = h("28768D20 701247DA E81804C9 E780EDE5 82A9996D B4A31502 0B273319 7DB84925");
        assert_eq!(
            &kdf(&k, KdfCounter::Enc, PaceCipher::Aes128)[..],
            &h("F5F0E35C 0D7161EE 6724EE51 3A0D9A7F")[..]
        );
        assert_eq!(
            &kdf(&k, KdfCounter::Mac, PaceCipher::Aes128)[..],
            &h("FE251C78 58B356B2 4514B3BD 5F4297D1")[..]
        );
        let k256 = kdf(&k, KdfCounter::Enc, PaceCipher::Aes256);
        assert_eq!(k256.len(), 32);
        let k192 = kdf(&k, KdfCounter::Enc, PaceCipher::Aes192);
        assert_eq!(
            &k192[..],
            &k256[..24],
            "AES-192 truncates the same SHA-256 output"
        );
    }

    #[test]
    fn text_passwords_are_latin1_and_typed() {
        let can = PaceSecret::from_text(PacePassword::Can, "123456").unwrap();
        assert_eq!(can.password(), PacePassword::Can);
        assert_eq!(
            &can.key(PaceCipher::Aes128)[..],
            &kdf(b"123456", KdfCounter::Password, PaceCipher::Aes128)[..]
        );
        let latin = PaceSecret::from_text(PacePassword::Puk, "é").unwrap();
        assert_eq!(
            &latin.key(PaceCipher::Aes128)[..],
            &kdf(&[0xE9], KdfCounter::Password, PaceCipher::Aes128)[..]
        );
        assert!(matches!(
            PaceSecret::from_text(PacePassword::Pin, "€"),
            Err(PasswordError::NotLatin1 { .. })
        ));
        assert!(matches!(
            PaceSecret::from_text(PacePassword::Pin, ""),
            Err(PasswordError::Empty { .. })
        ));
        assert!(matches!(
            PaceSecret::from_text(PacePassword::Mrz, "x"),
            Err(PasswordError::MrzNeedsFields)
        ));
        assert!(matches!(
            PaceSecret::mrz("T22000129", "64081", "101031"),
            Err(PasswordError::MrzLength { .. })
        ));
        for r in 1..=4 {
            assert_eq!(
                PacePassword::from_reference(r).map(PacePassword::reference),
                Some(r)
            );
        }
        assert_eq!(PacePassword::from_reference(5), None);
    }
}
