//! DigestInfo for RSASSA-PKCS1-v1_5 (RFC 8017 §9.2): the DER prefix of
//! `DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest
//! OCTET STRING }` per hash, in one place for the CLI (`neid sign`) and the
//! PKCS#11 module (`CKM_SHA256_RSA_PKCS` …, PKCS#11 v2.40 §2.1.7).
//!
//! The card pads what it is given (PKCS#1 v1.5 type 1), so a terminal sends
//! `prefix ‖ hash`.

use pki::HashAlgorithm;
use thiserror::Error;

/// RFC 8017 §9.2 note 1: the DER of the DigestInfo up to the hash value.
const PREFIX_SHA1: &[u8] = &[0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2B, 0x0E, 0x03, 0x02, 0x1A, 0x05, 0x00, 0x04, 0x14];
const PREFIX_SHA224: &[u8] =
    &[0x30, 0x2D, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1C];
const PREFIX_SHA256: &[u8] =
    &[0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20];
const PREFIX_SHA384: &[u8] =
    &[0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30];
const PREFIX_SHA512: &[u8] =
    &[0x30, 0x51, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40];

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DigestInfoError {
    #[error("a {hash:?} hash has {expected} bytes, not {got}")]
    HashLength { hash: HashAlgorithm, expected: usize, got: usize },
}

/// The DER bytes before the hash value.
pub fn prefix(hash: HashAlgorithm) -> &'static [u8] {
    match hash {
        HashAlgorithm::Sha1 => PREFIX_SHA1,
        HashAlgorithm::Sha224 => PREFIX_SHA224,
        HashAlgorithm::Sha256 => PREFIX_SHA256,
        HashAlgorithm::Sha384 => PREFIX_SHA384,
        HashAlgorithm::Sha512 => PREFIX_SHA512,
    }
}

/// `prefix ‖ digest`, the digest's length checked.
pub fn encode(hash: HashAlgorithm, digest: &[u8]) -> Result<Vec<u8>, DigestInfoError> {
    if digest.len() != hash.output_len() {
        return Err(DigestInfoError::HashLength { hash, expected: hash.output_len(), got: digest.len() });
    }
    Ok([prefix(hash), digest].concat())
}

/// Hash `data` and wrap the hash in its DigestInfo.
pub fn hash_and_encode(hash: HashAlgorithm, data: &[u8]) -> Vec<u8> {
    [prefix(hash).to_vec(), hash.digest(data)].concat()
}

/// The hash algorithm and hash of a DigestInfo with one of the five prefixes.
pub fn decode(digest_info: &[u8]) -> Option<(HashAlgorithm, &[u8])> {
    HashAlgorithm::ALL.into_iter().find_map(|hash| {
        let rest = digest_info.strip_prefix(prefix(hash))?;
        (rest.len() == hash.output_len()).then_some((hash, rest))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prefixes are the DER of the OIDs of RFC 5754 §2 / RFC 3279 with
    /// NULL parameters: cross-checked against the `rsa` crate's own table.
    #[test]
    fn prefixes_match_the_rsa_crate() {
        use rsa::Pkcs1v15Sign;
        let theirs = [
            (HashAlgorithm::Sha1, Pkcs1v15Sign::new::<sha1::Sha1>()),
            (HashAlgorithm::Sha224, Pkcs1v15Sign::new::<sha2::Sha224>()),
            (HashAlgorithm::Sha256, Pkcs1v15Sign::new::<sha2::Sha256>()),
            (HashAlgorithm::Sha384, Pkcs1v15Sign::new::<sha2::Sha384>()),
            (HashAlgorithm::Sha512, Pkcs1v15Sign::new::<sha2::Sha512>()),
        ];
        for (hash, scheme) in theirs {
            assert_eq!(prefix(hash), &*scheme.prefix, "{hash:?}");
            assert_eq!(scheme.hash_len, Some(hash.output_len()));
        }
    }

    #[test]
    fn encode_and_decode() {
        // SHA-256("abc"), FIPS 180-2 Appendix B.1.
        let abc = hex::decode("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD").unwrap();
        let info = hash_and_encode(HashAlgorithm::Sha256, b"abc");
        assert_eq!(info, [PREFIX_SHA256, &abc].concat());
        assert_eq!(info.len(), 51);
        assert_eq!(decode(&info), Some((HashAlgorithm::Sha256, abc.as_slice())));
        assert_eq!(encode(HashAlgorithm::Sha256, &abc).unwrap(), info);
        assert!(encode(HashAlgorithm::Sha384, &abc).is_err());
        assert_eq!(decode(&info[..50]), None);
    }
}
