//! Active Authentication (ICAO 9303-11 §6.1): RSA / ISO 9796-2 scheme 1 and
//! ECDSA P-384 round trips, rejection of altered data, DG15 and
//! ActiveAuthenticationInfo encodings, and a published ISO 9796-2 AA vector.

use card_os::protocol::aa::info::{decode_subject_public_key_info, encode_subject_public_key_info};
use card_os::protocol::aa::{
    AA_CHALLENGE_LEN, AaError, AaPrivateKey, AaPublicKey, ActiveAuthenticationInfo,
    Iso9796Hash, aa_sign, aa_verify, decode_dg15, encode_dg15,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rsa::BoxedUint;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

fn rng() -> StdRng {
    StdRng::seed_from_u64(0x4E45_4944)
}

fn rsa_key(rng: &mut StdRng) -> rsa::PrivateKey {
    rsa::PrivateKey::new(rng, 2048).unwrap()
}

const CHALLENGE: [u8; AA_CHALLENGE_LEN] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];

fn assert_rejects_alterations(public: &AaPublicKey, signature: &[u8]) {
    let mut other = CHALLENGE;
    other[7] ^= 0x01;
    assert_eq!(aa_verify(public, &other, signature).map_err(|_| ()), Err(()));
    let mut tampered = signature.to_vec();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x01;
    assert!(aa_verify(public, &CHALLENGE, &tampered).is_err());
    assert!(aa_verify(public, &CHALLENGE, &signature[1..]).is_err());
    assert_eq!(
        aa_verify(public, &CHALLENGE[..7], signature),
        Err(AaError::ChallengeLength { len: 7 })
    );
}

#[test]
fn rsa_iso9796_round_trip_and_rejections() {
    let mut rng = rng();
    let key = rsa_key(&mut rng);
    for hash in [Iso9796Hash::Sha1Implicit, Iso9796Hash::Sha256] {
        let private = AaPrivateKey::Rsa {
            key: key.clone(),
            hash,
        };
        let public = private.public_key();
        let signature = aa_sign(&private, &CHALLENGE, &mut rng).unwrap();
        assert_eq!(signature.len(), 256);
        aa_verify(&public, &CHALLENGE, &signature).unwrap();
        assert_rejects_alterations(&public, &signature);
        // A signature with another key does not verify.
        let stranger = AaPrivateKey::Rsa {
            key: rsa_key(&mut rng),
            hash,
        };
        assert!(aa_verify(&stranger.public_key(), &CHALLENGE, &signature).is_err());
    }
    assert_eq!(
        aa_sign(
            &AaPrivateKey::Rsa {
                key,
                hash: Iso9796Hash::Sha1Implicit
            },
            &[0; 9],
            &mut rng
        ),
        Err(AaError::ChallengeLength { len: 9 })
    );
}

#[test]
fn ecdsa_p384_round_trip_and_rejections() {
    let mut rng = rng();
    let signing = p384::ecdsa::SigningKey::from_slice(&[0x2A; 48]).unwrap();
    let private = AaPrivateKey::EcdsaP384(signing);
    let public = private.public_key();
    let signature = aa_sign(&private, &CHALLENGE, &mut rng).unwrap();
    assert_eq!(signature.len(), 96, "plain r ‖ s (TR-03111 §5.2.1)");
    aa_verify(&public, &CHALLENGE, &signature).unwrap();
    assert_rejects_alterations(&public, &signature);
}

/// Bouncy Castle `ISO9796Test.doTest13` (bcgit/bc-java,
/// core/src/test/java/org/bouncycastle/crypto/test/ISO9796Test.java): an RSA-1024
/// AA response to INTERNAL AUTHENTICATE with the all-zero challenge, ISO 9796-2
/// scheme 1 with SHA-1 and partial recovery, produced by a real card.
#[test]
fn iso9796_verifies_bouncy_castle_internal_authenticate_vector() {
    let n = h("CDCBDABBF93BE8E8294E32B055256BBD0397735189BF75816341BB0D488D05D627991221DF7D59835C76A4BB4808ADEEB779E7794504E956ADC2A661B46904CDC71337DD29DDDD454124EF79CFDD7BC2C21952573CEFBA485CC38C6BD2428809B5A31A898A6B5648CAA4ED678D9743B589134B7187478996300EDBA16271A861");
    let signature = h("482E20D1EDDED34359C38F5E7C01203F9D6B2641CDCA5C404D49ADAEDE034C7481D781D043722587761C90468DE69C6585A1E8B9C322F90E1B580EEDAB3F6007D0C366CF92B4DB8B41C8314929DCE2BE889C0129123484D2FD3D12763D2EBFD12AC8E51D7061AFCA1A53DEDEC7B9A617472A78C952CCC72467AE008E5F132994");
    let key = rsa::PublicKey::new(
        BoxedUint::from_be_slice_vartime(&n),
        BoxedUint::from_be_slice_vartime(&[0x01, 0x00, 0x01]),
    )
    .unwrap();
    let public = AaPublicKey::Rsa(key);
    aa_verify(&public, &[0u8; 8], &signature).unwrap();
    assert_eq!(
        aa_verify(&public, &[0, 0, 0, 0, 0, 0, 0, 1], &signature),
        Err(AaError::SignatureInvalid)
    );
}

#[test]
fn dg15_round_trips_both_key_types() {
    let mut rng = rng();
    let rsa_public = AaPublicKey::Rsa(rsa_key(&mut rng).to_public_key());
    let dg15 = encode_dg15(&rsa_public);
    assert_eq!(dg15[0], 0x6F);
    // 6F 82 01 26 { 30 82 01 22 { 30 0D { rsaEncryption, NULL } 03 82 01 0F 00 { 30 82 01 0A { n, e } } } }
    assert_eq!(
        &dg15[..32],
        &h("6F820126 30820122 300D06092A864886F70D0101010500 0382010F00 3082010A")[..]
    );
    assert_eq!(decode_dg15(&dg15).unwrap(), rsa_public);

    let ec_public =
        AaPrivateKey::EcdsaP384(p384::ecdsa::SigningKey::from_slice(&[0x2A; 48]).unwrap())
            .public_key();
    let spki = encode_subject_public_key_info(&ec_public);
    // SEQUENCE { SEQUENCE { id-ecPublicKey, secp384r1 }, BIT STRING 00 04 … }
    assert_eq!(&spki[..24], &h("3076 3010 06072A8648CE3D0201 06052B81040022 036200 04")[..]);
    assert_eq!(decode_subject_public_key_info(&spki).unwrap(), ec_public);
    assert_eq!(decode_dg15(&encode_dg15(&ec_public)).unwrap(), ec_public);

    assert!(decode_dg15(&spki).is_err(), "missing 6F");
    assert!(decode_dg15(&h("6F03300100")).is_err());
    let mut wrong_curve = spki.clone();
    wrong_curve[19] = 0x23; // secp521r1
    assert!(decode_subject_public_key_info(&wrong_curve).is_err());
}

#[test]
fn active_authentication_info_encodes_ecdsa_plain_sha384() {
    // SEQUENCE { id-AA 2.23.136.1.1.5, INTEGER 1, ecdsa-plain-SHA384 0.4.0.127.0.7.1.1.4.1.4 }
    assert_eq!(
        ActiveAuthenticationInfo::ecdsa_plain_sha384().encode(),
        h("3017 0606678108010105 020101 060A04007F00070101040104")
    );
}
