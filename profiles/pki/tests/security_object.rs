//! Signing and verifying zone security objects.

mod common;

use common::{adult_public_fields, as_refs, fixture};
use pki::{FieldMismatch, HashAlgorithm, PkiError};

fn signed(f: &common::Fixture, alg: HashAlgorithm) -> (Vec<u8>, Vec<(u8, Vec<u8>)>) {
    let fields = adult_public_fields();
    let sod = pki::sign_security_object(alg, &as_refs(&fields), &f.pki.document_signer).unwrap();
    (sod, fields)
}

#[test]
fn round_trip_nine_fields_sha384() {
    let f = fixture(20);
    let (sod, fields) = signed(&f, HashAlgorithm::Sha384);
    assert_eq!(sod[0], pki::SOD_TAG);
    let verified = pki::verify_security_object(
        &sod,
        &f.trust,
        Some(pki::DateTime::from_system_time(std::time::SystemTime::now()).unwrap()),
    )
    .unwrap();
    assert_eq!(verified.hash_algorithm(), HashAlgorithm::Sha384);
    assert_eq!(verified.field_hashes().len(), 9);
    assert_eq!(verified.signer_subject(), pki::DS_SUBJECT);
    assert_eq!(verified.anchor_subject(), Some(pki::CSCA_SUBJECT));
    for (n, content) in &fields {
        verified.check_field(*n, content).unwrap();
        assert_eq!(
            verified.field_hashes()[n],
            HashAlgorithm::Sha384.digest(content)
        );
    }
    // The bare ContentInfo verifies as well.
    let bare = pki::content_info_of(&sod).unwrap();
    assert_eq!(bare[0], 0x30);
    pki::verify_security_object(bare, &f.trust, None).unwrap();
}

#[test]
fn round_trip_sha256_encrypted_zone() {
    let f = fixture(21);
    let fields: Vec<(u8, Vec<u8>)> = [
        "林美華",
        "王大同",
        "陳秀英",
        "臺灣省臺南市",
        "M",
        "photo",
        "012345",
    ]
    .iter()
    .zip(1u8..)
    .map(|(v, n)| (n, v.as_bytes().to_vec()))
    .collect();
    let sod = pki::sign_security_object(
        HashAlgorithm::Sha256,
        &as_refs(&fields),
        &f.pki.document_signer,
    )
    .unwrap();
    let verified = pki::verify_security_object(&sod, &f.trust, None).unwrap();
    assert_eq!(verified.hash_algorithm(), HashAlgorithm::Sha256);
    assert_eq!(
        verified.field_hashes().keys().copied().collect::<Vec<_>>(),
        (1..=7).collect::<Vec<u8>>()
    );
    for (n, c) in &fields {
        verified.check_field(*n, c).unwrap();
    }
    assert_eq!(
        verified.check_field(8, b""),
        Err(FieldMismatch::NotCovered { field: 8 })
    );
}

#[test]
fn changed_field_mismatches_on_that_field_only() {
    let f = fixture(22);
    let (sod, mut fields) = signed(&f, HashAlgorithm::Sha384);
    let verified = pki::verify_security_object(&sod, &f.trust, None).unwrap();
    fields[5].1 = b"exempt".to_vec(); // field 6: military-service status
    for (n, content) in &fields {
        let result = verified.check_field(*n, content);
        if *n == 6 {
            assert_eq!(result, Err(FieldMismatch::HashDiffers { field: 6 }));
        } else {
            assert_eq!(result, Ok(()), "field {n}");
        }
    }
}

#[test]
fn flipped_signature_bit_is_bad_signature() {
    let f = fixture(23);
    let (mut sod, _) = signed(&f, HashAlgorithm::Sha384);
    // The SignerInfo signature is the last element of the last SignerInfo,
    // with no unsigned attributes after it: the final byte is the last byte
    // of the Ecdsa-Sig-Value's s.
    let last = sod.len() - 1;
    sod[last] ^= 0x01;
    assert!(matches!(
        pki::verify_security_object(&sod, &f.trust, None),
        Err(PkiError::BadSignature)
    ));
}

#[test]
fn changed_field_hash_is_digest_mismatch() {
    let f = fixture(24);
    let (mut sod, fields) = signed(&f, HashAlgorithm::Sha384);
    let hash = HashAlgorithm::Sha384.digest(&fields[0].1);
    let at = sod
        .windows(hash.len())
        .position(|w| w == hash.as_slice())
        .expect("field 1 hash inside the eContent");
    sod[at] ^= 0x80;
    assert!(matches!(
        pki::verify_security_object(&sod, &f.trust, None),
        Err(PkiError::DigestMismatch)
    ));
}

#[test]
fn document_signer_of_another_pki_breaks_the_chain() {
    let ours = fixture(25);
    let theirs = fixture(26);
    let (sod, _) = signed(&theirs, HashAlgorithm::Sha384);
    match pki::verify_security_object(&sod, &ours.trust, None) {
        Err(PkiError::ChainBroken { reason }) => {
            assert!(reason.contains("does not verify"), "{reason}")
        }
        other => panic!("expected ChainBroken, got {other:?}"),
    }
    // With no anchor of that name at all.
    assert!(matches!(
        pki::verify_security_object(&sod, &[], None),
        Err(PkiError::ChainBroken { .. })
    ));
    // A DS certificate is not a trust anchor (not a CA).
    assert!(matches!(
        pki::verify_security_object(
            &sod,
            &[theirs.pki.document_signer.certificate().clone()],
            None
        ),
        Err(PkiError::ChainBroken { .. })
    ));
}

#[test]
fn validity_is_checked_at_the_given_date() {
    let f = fixture(27);
    let (sod, _) = signed(&f, HashAlgorithm::Sha384);
    let before = pki::DateTime::new(2000, 1, 1, 0, 0, 0).unwrap();
    assert!(matches!(
        pki::verify_security_object(&sod, &f.trust, Some(before)),
        Err(PkiError::NotValidAt { .. })
    ));
    let after = pki::DateTime::new(2099, 1, 1, 0, 0, 0).unwrap();
    assert!(matches!(
        pki::verify_security_object(&sod, &f.trust, Some(after)),
        Err(PkiError::NotValidAt { .. })
    ));
}

#[test]
fn invalid_field_lists_are_refused() {
    let f = fixture(28);
    let ds = &f.pki.document_signer;
    let one: &[(u8, &[u8])] = &[(1, b"a")];
    let duplicate: &[(u8, &[u8])] = &[(1, b"a"), (1, b"b")];
    let zero: &[(u8, &[u8])] = &[(0, b"a"), (1, b"b")];
    let seventeen: &[(u8, &[u8])] = &[(1, b"a"), (17, b"b")];
    for fields in [one, duplicate, zero, seventeen] {
        assert!(
            matches!(
                pki::sign_security_object(HashAlgorithm::Sha384, fields, ds),
                Err(PkiError::InvalidFields { .. })
            ),
            "{fields:?}"
        );
    }
}

#[test]
fn every_truncation_is_malformed_never_a_panic() {
    let f = fixture(29);
    let (sod, _) = signed(&f, HashAlgorithm::Sha384);
    for len in 0..sod.len() {
        match pki::verify_security_object(&sod[..len], &f.trust, None) {
            Err(PkiError::Malformed { .. }) => {}
            other => panic!("truncation to {len} bytes: expected Malformed, got {other:?}"),
        }
    }
    let bare = pki::content_info_of(&sod).unwrap();
    for len in 0..bare.len() {
        assert!(
            matches!(
                pki::verify_security_object(&bare[..len], &f.trust, None),
                Err(PkiError::Malformed { .. })
            ),
            "bare truncation to {len}"
        );
    }
    // Trailing garbage after the tag 77 object.
    let mut long = sod.clone();
    long.push(0);
    assert!(matches!(
        pki::verify_security_object(&long, &f.trust, None),
        Err(PkiError::Malformed { .. })
    ));
}

#[test]
fn a_bit_flip_in_any_byte_is_rejected_without_panic() {
    let f = fixture(30);
    let (sod, _) = signed(&f, HashAlgorithm::Sha384);
    let mut accepted = Vec::new();
    // One bit per byte, cycling through the bit positions (all 8 bits of
    // every byte would take ~10k verifications: too slow for a debug build).
    for i in 0..sod.len() {
        let bit = i % 8;
        let mut bad = sod.clone();
        bad[i] ^= 1 << bit;
        if pki::verify_security_object(&bad, &f.trust, None).is_ok() {
            accepted.push((i, bit));
        }
    }
    assert!(accepted.is_empty(), "bit flips accepted at {accepted:?}");
}

#[test]
fn random_bytes_are_malformed_never_a_panic() {
    use rand::{RngExt, SeedableRng};
    let f = fixture(31);
    let mut rng = rand::rngs::StdRng::seed_from_u64(31);
    for i in 0..2000 {
        let len = rng.random_range(0..200usize);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        // Start like a real object half the time, so decoding goes deeper.
        if let Some(first) = bytes.first_mut() {
            *first = if i % 2 == 0 { pki::SOD_TAG } else { 0x30 };
        }
        assert!(
            matches!(
                pki::verify_security_object(&bytes, &f.trust, None),
                Err(PkiError::Malformed { .. })
            ),
            "{bytes:02x?}"
        );
    }
}

#[test]
fn in_memory_pki_signs_like_the_one_on_disk() {
    use rand::SeedableRng;
    let mut rng = rand::rngs::StdRng::seed_from_u64(32);
    let test_pki = pki::TestPki::generate(&mut rng).unwrap();
    let fields = adult_public_fields();
    let sod = pki::sign_security_object(
        HashAlgorithm::Sha384,
        &as_refs(&fields),
        &test_pki.document_signer,
    )
    .unwrap();
    let verified =
        pki::verify_security_object(&sod, std::slice::from_ref(&test_pki.csca), None).unwrap();
    verified.check_field(2, b"A123456789").unwrap();
}

#[test]
fn without_chain_checks_signature_and_hashes_but_names_no_anchor() {
    let f = fixture(27);
    let (sod, fields) = signed(&f, HashAlgorithm::Sha384);
    let verified = pki::verify_security_object_without_chain(&sod, None).unwrap();
    assert_eq!(verified.anchor_subject(), None);
    assert_eq!(verified.signer_subject(), pki::DS_SUBJECT);
    for (n, content) in &fields {
        verified.check_field(*n, content).unwrap();
    }
    // A signature that does not verify is still refused without a chain.
    let mut tampered = sod.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    assert!(matches!(
        pki::verify_security_object_without_chain(&tampered, None),
        Err(PkiError::BadSignature | PkiError::Malformed { .. })
    ));
    // With an empty trust list the chained verification refuses it.
    assert!(matches!(
        pki::verify_security_object(&sod, &[], None),
        Err(PkiError::ChainBroken { .. })
    ));
}
