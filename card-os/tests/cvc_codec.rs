//! CV certificate codec: the published BSI test PKI certificates decode to
//! their known fields, re-encode to the same bytes and their signatures
//! verify; generated certificates round-trip on every curve; malformed
//! certificates are refused with the right reason and never panic.

mod cvc_vectors;

use card_os::protocol::StandardizedDomainParameters as Curve;
use card_os::protocol::cvc::{
    AccessRight, CertificateRole, Chat, CvCertificate, CvcError, DateError, Field, TaAlgorithm,
};
use card_os::protocol::tlv;
use cvc_vectors::*;

#[test]
fn bsi_cvca_00004_decodes_to_its_published_fields() {
    let bytes = bytes(CVCA_00004);
    let cert = CvCertificate::from_bytes(&bytes).unwrap();
    let body = cert.body();
    assert_eq!(body.authority_reference.as_str(), "DETESTeID00004");
    assert_eq!(body.holder_reference.as_str(), "DETESTeID00004");
    assert_eq!(body.holder_reference.country_code(), "DE");
    assert_eq!(body.public_key.algorithm, TaAlgorithm::EcdsaSha256);
    assert_eq!(
        body.public_key.domain_parameters,
        Some(Curve::BrainpoolP256r1)
    );
    assert_eq!(&body.public_key.point[..5], &[0x04, 0x74, 0xFF, 0x63, 0xAB]);
    assert_eq!(cert.role(), CertificateRole::Cvca);
    assert_eq!(body.chat.to_bytes(), [0xFC, 0x0F, 0x13, 0xFF, 0xFF]);
    assert_eq!(body.effective_date, date(2012, 5, 11));
    assert_eq!(body.expiration_date, date(2015, 5, 11));
    assert_eq!(body.extensions, None);
    assert_eq!(&cert.signature()[..4], &[0x8C, 0xAC, 0x3E, 0x84]);
    // Exact bytes: re-encoding the decoded fields gives the published body.
    assert_eq!(cert.to_bytes(), bytes);
    assert_eq!(body.encode(), cert.body_encoding());
    // Self-signed: the signature verifies under its own key.
    cert.verify_signature(Curve::BrainpoolP256r1, &body.public_key.point)
        .unwrap();
}

#[test]
fn bsi_link_and_dv_certificates_verify_under_their_issuers() {
    let cvca4 = CvCertificate::from_bytes(&bytes(CVCA_00004)).unwrap();
    let cvca5 = CvCertificate::from_bytes(&bytes(CVCA_00005)).unwrap();
    let link = CvCertificate::from_bytes(&bytes(LINK_00004_TO_00005)).unwrap();
    let dv = CvCertificate::from_bytes(&bytes(DV_GVNK00012)).unwrap();
    for (cert, hex_text) in [
        (&cvca5, CVCA_00005),
        (&link, LINK_00004_TO_00005),
        (&dv, DV_GVNK00012),
    ] {
        assert_eq!(cert.to_bytes(), bytes(hex_text));
    }
    let bp = Curve::BrainpoolP256r1;
    cvca5
        .verify_signature(bp, &cvca5.body().public_key.point)
        .unwrap();
    // The link certificate carries the 00005 key, signed by 00004.
    assert_eq!(link.authority_reference().as_str(), "DETESTeID00004");
    assert_eq!(link.holder_reference().as_str(), "DETESTeID00005");
    assert_eq!(link.body().public_key, cvca5.body().public_key);
    link.verify_signature(bp, &cvca4.body().public_key.point)
        .unwrap();
    assert_eq!(
        link.verify_signature(bp, &cvca5.body().public_key.point),
        Err(CvcError::BadSignature)
    );
    // The DV: only 06 + 86 in its key, role 01, issued by 00005.
    assert_eq!(dv.role(), CertificateRole::DvForeign);
    assert_eq!(dv.holder_reference().as_str(), "DEDVtIDGVNK00012");
    assert_eq!(dv.body().public_key.domain_parameters, None);
    assert_eq!(dv.body().chat.to_bytes(), [0x40, 0x05, 0x13, 0xFF, 0x87]);
    assert_eq!(dv.body().effective_date, date(2016, 5, 18));
    assert_eq!(dv.body().expiration_date, date(2016, 8, 16));
    dv.verify_signature(bp, &cvca5.body().public_key.point)
        .unwrap();
}

#[test]
fn generated_certificates_round_trip_on_every_curve() {
    for curve in Curve::ALL {
        let cvca = Key::new(curve, "cvca");
        let dv = Key::new(curve, "dv");
        let cvca_cert = issue(
            &cvca,
            "TWCVCA00001",
            &cvca,
            "TWCVCA00001",
            Chat::all_rights(CertificateRole::Cvca),
            date(2026, 1, 1),
            date(2029, 1, 1),
        );
        let dv_cert = issue(
            &cvca,
            "TWCVCA00001",
            &dv,
            "TWDVREG00001",
            Chat::new(
                CertificateRole::DvDomestic,
                &[AccessRight::ReadSex, AccessRight::WriteBirthplace],
            ),
            date(2026, 2, 1),
            date(2027, 2, 1),
        );
        for cert in [&cvca_cert, &dv_cert] {
            let decoded = CvCertificate::from_bytes(&cert.to_bytes()).unwrap();
            assert_eq!(&decoded, cert, "{curve:?}");
            assert_eq!(cert.signature().len(), 2 * curve.field_size());
            decoded.verify_signature(curve, &cvca.point).unwrap();
        }
        assert_eq!(cvca_cert.body().public_key.domain_parameters, Some(curve));
        assert_eq!(dv_cert.body().public_key.domain_parameters, None);
        assert_eq!(
            dv_cert.body().public_key.algorithm,
            TaAlgorithm::for_curve(curve)
        );
    }
}

/// Re-assemble a certificate from body data objects and a signature.
fn assemble(objects: &[(u16, Vec<u8>)], signature: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    for (tag, value) in objects {
        tlv::push(&mut body, *tag, value);
    }
    let mut value = tlv::build(0x7F4E, &body);
    tlv::push(&mut value, 0x5F37, signature);
    tlv::build(0x7F21, &value)
}

/// The body data objects of the BSI CVCA, in order.
fn bsi_objects() -> (Vec<(u16, Vec<u8>)>, Vec<u8>) {
    let cert = bytes(CVCA_00004);
    let outer = tlv::parse_single(&cert, 0x7F21).unwrap().unwrap();
    let parts = tlv::parse_all(outer).unwrap();
    let body = tlv::parse_all(parts[0].value).unwrap();
    (
        body.iter().map(|o| (o.tag, o.value.to_vec())).collect(),
        parts[1].value.to_vec(),
    )
}

#[test]
fn reassembly_without_change_is_the_published_certificate() {
    let (objects, signature) = bsi_objects();
    assert_eq!(assemble(&objects, &signature), bytes(CVCA_00004));
}

#[test]
fn malformed_certificates_are_refused_with_their_reason() {
    let (objects, signature) = bsi_objects();
    let parse =
        |objects: &[(u16, Vec<u8>)]| CvCertificate::from_bytes(&assemble(objects, &signature));

    // Wrong order: CAR before CPI.
    let mut swapped = objects.clone();
    swapped.swap(0, 1);
    assert_eq!(
        parse(&swapped),
        Err(CvcError::UnexpectedTag {
            field: Field::ProfileIdentifier,
            found: 0x42
        })
    );
    // Missing CHAT.
    let mut missing = objects.clone();
    missing.remove(4);
    assert_eq!(
        parse(&missing),
        Err(CvcError::UnexpectedTag {
            field: Field::Chat,
            found: 0x5F25
        })
    );
    // Missing expiration date at the end of the body.
    assert_eq!(
        parse(&objects[..6]),
        Err(CvcError::Missing {
            field: Field::ExpirationDate
        })
    );
    // Profile identifier 01.
    let mut cpi = objects.clone();
    cpi[0].1 = vec![0x01];
    assert_eq!(parse(&cpi), Err(CvcError::ProfileIdentifier));
    // Bad dates: month 13, a non-BCD digit, 7 bytes, 2015-02-29.
    for (value, error) in [
        (vec![1, 2, 1, 3, 0, 1], DateError::NoSuchDay),
        (vec![1, 2, 0, 5, 0, 0x0A], DateError::NotBcd),
        (vec![1, 2, 0, 5, 0, 1, 0], DateError::Length { len: 7 }),
        (vec![1, 5, 0, 2, 2, 9], DateError::NoSuchDay),
    ] {
        let mut bad = objects.clone();
        bad[5].1 = value;
        assert_eq!(
            parse(&bad),
            Err(CvcError::Date {
                field: Field::EffectiveDate,
                error
            })
        );
    }
    // Expiration before effective.
    let mut inverted = objects.clone();
    inverted[6].1 = vec![1, 1, 0, 1, 0, 1];
    assert_eq!(parse(&inverted), Err(CvcError::ValidityInverted));
    // CHR of 7 and 17 characters, and a lower-case country code.
    for (chr, error) in [
        (
            "DETEST1",
            CvcError::ReferenceLength {
                field: Field::HolderReference,
                len: 7,
            },
        ),
        (
            "DETESTeID00004567",
            CvcError::ReferenceLength {
                field: Field::HolderReference,
                len: 17,
            },
        ),
        (
            "deTESTeID00004",
            CvcError::ReferenceCharacters {
                field: Field::HolderReference,
            },
        ),
        (
            "DETESTeID0000-",
            CvcError::ReferenceCharacters {
                field: Field::HolderReference,
            },
        ),
    ] {
        let mut bad = objects.clone();
        bad[3].1 = chr.as_bytes().to_vec();
        assert_eq!(parse(&bad), Err(error), "{chr}");
    }
    // An unknown object after the expiration date.
    let mut extra = objects.clone();
    extra.push((0x5F30, vec![0]));
    assert_eq!(
        parse(&extra),
        Err(CvcError::TrailingBytes { field: Field::Body })
    );
    // CHAT of another terminal type (id-IS) and of 4 bytes.
    let mut is_chat = objects.clone();
    is_chat[4].1[10] = 0x01;
    assert_eq!(parse(&is_chat), Err(CvcError::UnsupportedTerminalType));
    let mut short_chat = objects.clone();
    short_chat[4].1 = [&short_chat[4].1[..12], &[0x04, 0xFC, 0x0F, 0x13, 0xFF]].concat();
    assert_eq!(parse(&short_chat), Err(CvcError::ChatLength { len: 4 }));
    // A CVCA role without domain parameters: drop 81..85 and 87.
    let key = tlv::parse_all(&objects[2].1).unwrap();
    let mut bare_key = Vec::new();
    for o in key.iter().filter(|o| o.tag == 0x06 || o.tag == 0x86) {
        bare_key.extend_from_slice(o.encoded);
    }
    let mut bare = objects.clone();
    bare[2].1 = bare_key.clone();
    assert_eq!(parse(&bare), Err(CvcError::MissingDomainParameters));
    // ... and a DV role with them.
    let mut dv_with_params = objects.clone();
    dv_with_params[4].1[11 + 2] = 0x80; // role bits 10
    assert_eq!(
        parse(&dv_with_params),
        Err(CvcError::UnexpectedDomainParameters)
    );
    // Half the domain parameters.
    let mut half = Vec::new();
    for o in key
        .iter()
        .filter(|o| matches!(o.tag, 0x06 | 0x81 | 0x82 | 0x86))
    {
        half.extend_from_slice(o.encoded);
    }
    let mut incomplete = objects.clone();
    incomplete[2].1 = half;
    assert_eq!(
        parse(&incomplete),
        Err(CvcError::IncompleteDomainParameters)
    );
    // Unknown curve: change the prime's last byte.
    let mut odd_curve = objects.clone();
    odd_curve[2].1[12 + 2 + 31] ^= 0x01;
    assert_eq!(
        parse(&odd_curve),
        Err(CvcError::UnsupportedDomainParameters)
    );
    // A point not on the curve.
    let mut off_curve = objects.clone();
    let len = off_curve[2].1.len();
    off_curve[2].1[len - 4] ^= 0x01; // last byte of Y, before 87 01 01
    assert_eq!(parse(&off_curve), Err(CvcError::InvalidPublicKey));
}

#[test]
fn outer_structure_faults_are_refused() {
    let cert = bytes(CVCA_00004);
    // Trailing byte after the certificate.
    let mut trailing = cert.clone();
    trailing.push(0x00);
    assert_eq!(
        CvCertificate::from_bytes(&trailing),
        Err(CvcError::TrailingBytes {
            field: Field::Certificate
        })
    );
    // Non-minimal length: 7F21 82 01B6 re-encoded as 7F21 82 01B6 is fine,
    // but the CPI as 5F29 81 01 00 is not.
    let (objects, signature) = bsi_objects();
    let mut body = vec![0x5F, 0x29, 0x81, 0x01, 0x00];
    for (tag, value) in &objects[1..] {
        tlv::push(&mut body, *tag, value);
    }
    let mut value = tlv::build(0x7F4E, &body);
    tlv::push(&mut value, 0x5F37, &signature);
    assert_eq!(
        CvCertificate::from_bytes(&tlv::build(0x7F21, &value)),
        Err(CvcError::NonMinimalLength {
            field: Field::ProfileIdentifier
        })
    );
    // Not a certificate at all.
    assert_eq!(
        CvCertificate::from_bytes(&[0x7F, 0x4E, 0x00]),
        Err(CvcError::UnexpectedTag {
            field: Field::Certificate,
            found: 0x7F4E
        })
    );
    assert_eq!(
        CvCertificate::from_bytes(&[]),
        Err(CvcError::Missing {
            field: Field::Certificate
        })
    );
    // Odd-length signature.
    let mut value = tlv::build(0x7F4E, &{
        let mut b = Vec::new();
        for (tag, v) in &objects {
            tlv::push(&mut b, *tag, v);
        }
        b
    });
    tlv::push(&mut value, 0x5F37, &signature[..63]);
    assert_eq!(
        CvCertificate::from_bytes(&tlv::build(0x7F21, &value)),
        Err(CvcError::SignatureLength { len: 63 })
    );
}

#[test]
fn every_truncation_is_refused() {
    let cert = bytes(CVCA_00004);
    for len in 0..cert.len() {
        assert!(
            CvCertificate::from_bytes(&cert[..len]).is_err(),
            "prefix of {len} bytes accepted"
        );
    }
}

#[test]
fn every_single_byte_flip_is_refused_or_breaks_the_signature() {
    let cert = bytes(CVCA_00004);
    let issuer = CvCertificate::from_bytes(&cert)
        .unwrap()
        .body()
        .public_key
        .point
        .clone();
    for i in 0..cert.len() {
        for mask in [0x01u8, 0x80, 0xFF] {
            let mut flipped = cert.clone();
            flipped[i] ^= mask;
            if let Ok(parsed) = CvCertificate::from_bytes(&flipped) {
                assert!(
                    parsed
                        .verify_signature(Curve::BrainpoolP256r1, &issuer)
                        .is_err(),
                    "flip {mask:02X} at {i} still verifies"
                );
            }
        }
    }
}
