//! The public key data object `7F49` of a CV certificate for ECDSA
//! (TR-03110-3 D.3.3): `06` algorithm, then in CVCA certificates the domain
//! parameters `81 p, 82 a, 83 b, 84 G, 85 r`, always `86 Y`, then `87 f`.
//! Only the four standardized curves of this chip are accepted; explicit
//! parameters are matched against their published values (RFC 5639 §3.4/3.6,
//! FIPS 186-4 D.1.2.3/D.1.2.4).

use alloc::vec::Vec;

use crate::protocol::StandardizedDomainParameters;
use crate::protocol::oid::{OID_TAG, ObjectIdentifier};
use crate::protocol::pace::UNCOMPRESSED_POINT_TAG;
use crate::protocol::tlv;

use super::error::{CvcError, Field};
use super::tags::{self, Reader};

/// id-TA-ECDSA = 0.4.0.127.0.7.2.2.2.2 (TR-03110-3 A.6.5.2); the last arc
/// names the hash: 3 = SHA-256, 4 = SHA-384.
const ID_TA_ECDSA: [u32; 10] = [0, 4, 0, 127, 0, 7, 2, 2, 2, 2];
const SHA_256_ARC: u32 = 3;
const SHA_384_ARC: u32 = 4;

/// The signature algorithm a CV certificate key is used with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaAlgorithm {
    /// id-TA-ECDSA-SHA-256, 0.4.0.127.0.7.2.2.2.2.3.
    EcdsaSha256,
    /// id-TA-ECDSA-SHA-384, 0.4.0.127.0.7.2.2.2.2.4.
    EcdsaSha384,
}

impl TaAlgorithm {
    pub fn oid(self) -> ObjectIdentifier {
        let mut arcs = [0u32; 11];
        arcs[..10].copy_from_slice(&ID_TA_ECDSA);
        arcs[10] = match self {
            TaAlgorithm::EcdsaSha256 => SHA_256_ARC,
            TaAlgorithm::EcdsaSha384 => SHA_384_ARC,
        };
        ObjectIdentifier::from_constant_arcs(&arcs)
    }

    pub fn from_oid(oid: &ObjectIdentifier) -> Result<Self, CvcError> {
        match oid.arcs() {
            [prefix @ .., SHA_256_ARC] if prefix == ID_TA_ECDSA => Ok(TaAlgorithm::EcdsaSha256),
            [prefix @ .., SHA_384_ARC] if prefix == ID_TA_ECDSA => Ok(TaAlgorithm::EcdsaSha384),
            _ => Err(CvcError::UnsupportedAlgorithm),
        }
    }

    /// The algorithm this chip pairs with a curve: SHA-256 for 256-bit
    /// curves, SHA-384 for 384-bit curves.
    pub fn for_curve(curve: StandardizedDomainParameters) -> Self {
        if curve.field_size() == 32 {
            TaAlgorithm::EcdsaSha256
        } else {
            TaAlgorithm::EcdsaSha384
        }
    }

    pub(crate) fn check_curve(self, curve: StandardizedDomainParameters) -> Result<(), CvcError> {
        if TaAlgorithm::for_curve(curve) == self {
            Ok(())
        } else {
            Err(CvcError::AlgorithmCurveMismatch)
        }
    }
}

/// Explicit domain parameters of one curve, big-endian.
struct CurveConstants {
    p: &'static str,
    a: &'static str,
    b: &'static str,
    gx: &'static str,
    gy: &'static str,
    r: &'static str,
}

/// Cofactor f of all four curves.
const COFACTOR_ONE: [u8; 1] = [0x01];

fn constants(curve: StandardizedDomainParameters) -> CurveConstants {
    match curve {
        // FIPS 186-4 D.1.2.3 (secp256r1).
        StandardizedDomainParameters::NistP256 => CurveConstants {
            p: "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff",
            a: "ffffffff00000001000000000000000000000000fffffffffffffffffffffffc",
            b: "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b",
            gx: "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296",
            gy: "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
            r: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
        },
        // RFC 5639 §3.4.
        StandardizedDomainParameters::BrainpoolP256r1 => CurveConstants {
            p: "a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5377",
            a: "7d5a0975fc2c3057eef67530417affe7fb8055c126dc5c6ce94a4b44f330b5d9",
            b: "26dc5c6ce94a4b44f330b5d9bbd77cbf958416295cf7e1ce6bccdc18ff8c07b6",
            gx: "8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262",
            gy: "547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997",
            r: "a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7",
        },
        // FIPS 186-4 D.1.2.4 (secp384r1).
        StandardizedDomainParameters::NistP384 => CurveConstants {
            p: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000ffffffff",
            a: "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffeffffffff0000000000000000fffffffc",
            b: "b3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aef",
            gx: "aa87ca22be8b05378eb1c71ef320ad746e1d3b628ba79b9859f741e082542a385502f25dbf55296c3a545e3872760ab7",
            gy: "3617de4a96262c6f5d9e98bf9292dc29f8f41dbd289a147ce9da3113b5f0b8c00a60b1ce1d7e819d7a431d7c90ea0e5f",
            r: "ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973",
        },
        // RFC 5639 §3.6.
        StandardizedDomainParameters::BrainpoolP384r1 => CurveConstants {
            p: "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b412b1da197fb71123acd3a729901d1a71874700133107ec53",
            a: "7bc382c63d8c150c3c72080ace05afa0c2bea28e4fb22787139165efba91f90f8aa5814a503ad4eb04a8c7dd22ce2826",
            b: "04a8c7dd22ce28268b39b55416f0447c2fb77de107dcd2a62e880ea53eeb62d57cb4390295dbc9943ab78696fa504c11",
            gx: "1d1c64f068cf45ffa2a63a81b7c13f6b8847a3e77ef14fe3db7fcafe0cbd10e8e826e03436d646aaef87b2e247d4af1e",
            gy: "8abe1d7520f9c2a45cb1eb8e95cfd55262b70b29feec5864e19c054ff99129280e4646217791811142820341263c5315",
            r: "8cb91e82a3386d280f5d6f7e50e641df152f7109ed5456b31f166e6cac0425a7cf3ab6af6b7fc3103b883202e9046565",
        },
    }
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    // The constants above are fixed lowercase hex of even length.
    let nibble = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        _ => 0,
    };
    hex.as_bytes()
        .chunks(2)
        .map(|pair| (nibble(pair[0]) << 4) | nibble(*pair.get(1).unwrap_or(&b'0')))
        .collect()
}

/// The explicit domain parameter values, in the order of tags 81..85 and 87.
pub(crate) struct ExplicitParameters {
    pub p: Vec<u8>,
    pub a: Vec<u8>,
    pub b: Vec<u8>,
    /// Uncompressed base point `04 ‖ x ‖ y`.
    pub g: Vec<u8>,
    pub r: Vec<u8>,
    pub f: Vec<u8>,
}

pub(crate) fn explicit_parameters(curve: StandardizedDomainParameters) -> ExplicitParameters {
    let c = constants(curve);
    let mut g = alloc::vec![UNCOMPRESSED_POINT_TAG];
    g.extend(hex_bytes(c.gx));
    g.extend(hex_bytes(c.gy));
    ExplicitParameters {
        p: hex_bytes(c.p),
        a: hex_bytes(c.a),
        b: hex_bytes(c.b),
        g,
        r: hex_bytes(c.r),
        f: COFACTOR_ONE.to_vec(),
    }
}

/// Unsigned integers compare without leading zero bytes.
fn same_integer(x: &[u8], y: &[u8]) -> bool {
    let strip = |v: &[u8]| {
        let start = v.iter().position(|&b| b != 0).unwrap_or(v.len());
        v[start..].to_vec()
    };
    strip(x) == strip(y)
}

/// The public key of a CV certificate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CvPublicKey {
    pub algorithm: TaAlgorithm,
    /// Present exactly in CVCA certificates; DV and terminal keys use the
    /// CVCA's (TR-03110-3 D.3.3).
    pub domain_parameters: Option<StandardizedDomainParameters>,
    /// Uncompressed point `04 ‖ x ‖ y`.
    pub point: Vec<u8>,
}

impl CvPublicKey {
    /// The `7F49` data object.
    pub fn encode(&self) -> Vec<u8> {
        let mut value = Vec::new();
        tlv::push(&mut value, OID_TAG, &self.algorithm.oid().to_der_content());
        let explicit = self.domain_parameters.map(explicit_parameters);
        if let Some(e) = &explicit {
            tlv::push(&mut value, tags::PRIME, &e.p);
            tlv::push(&mut value, tags::COEFFICIENT_A, &e.a);
            tlv::push(&mut value, tags::COEFFICIENT_B, &e.b);
            tlv::push(&mut value, tags::BASE_POINT, &e.g);
            tlv::push(&mut value, tags::ORDER, &e.r);
        }
        tlv::push(&mut value, tags::PUBLIC_POINT, &self.point);
        if let Some(e) = &explicit {
            tlv::push(&mut value, tags::COFACTOR, &e.f);
        }
        tlv::build(tags::PUBLIC_KEY, &value)
    }

    /// From the value of `7F49`. The point is checked on the curve when the
    /// domain parameters are present; otherwise only its form (the curve
    /// comes from the CVCA at verification).
    pub(crate) fn decode(value: &[u8]) -> Result<Self, CvcError> {
        let mut reader = Reader::new(value, Field::PublicKey);
        let oid = reader.take(OID_TAG, Field::KeyAlgorithm)?;
        let oid = ObjectIdentifier::from_der_content(oid).map_err(|error| CvcError::Oid {
            field: Field::KeyAlgorithm,
            error,
        })?;
        let algorithm = TaAlgorithm::from_oid(&oid)?;

        let p = reader.take_if(tags::PRIME, Field::Prime)?;
        let explicit = match p {
            Some(p) => {
                let missing = |_| CvcError::IncompleteDomainParameters;
                let a = reader
                    .take(tags::COEFFICIENT_A, Field::CoefficientA)
                    .map_err(missing)?;
                let b = reader
                    .take(tags::COEFFICIENT_B, Field::CoefficientB)
                    .map_err(missing)?;
                let g = reader
                    .take(tags::BASE_POINT, Field::BasePoint)
                    .map_err(missing)?;
                let r = reader.take(tags::ORDER, Field::Order).map_err(missing)?;
                Some((p, a, b, g, r))
            }
            None => None,
        };
        let point = reader
            .take(tags::PUBLIC_POINT, Field::PublicPoint)?
            .to_vec();
        let domain_parameters = match explicit {
            Some((p, a, b, g, r)) => {
                let f = reader
                    .take(tags::COFACTOR, Field::Cofactor)
                    .map_err(|_| CvcError::IncompleteDomainParameters)?;
                let curve = StandardizedDomainParameters::ALL
                    .into_iter()
                    .find(|&curve| {
                        let e = explicit_parameters(curve);
                        same_integer(p, &e.p)
                            && same_integer(a, &e.a)
                            && same_integer(b, &e.b)
                            && g == e.g.as_slice()
                            && same_integer(r, &e.r)
                            && same_integer(f, &e.f)
                    })
                    .ok_or(CvcError::UnsupportedDomainParameters)?;
                algorithm.check_curve(curve)?;
                curve
                    .check_public_key(&point)
                    .map_err(|_| CvcError::InvalidPublicKey)?;
                Some(curve)
            }
            None => {
                if !reader.is_empty() {
                    // 87 without 81..85, or anything else after 86.
                    if reader.take_if(tags::COFACTOR, Field::Cofactor)?.is_some() {
                        return Err(CvcError::IncompleteDomainParameters);
                    }
                }
                let plausible = point.first() == Some(&UNCOMPRESSED_POINT_TAG)
                    && StandardizedDomainParameters::ALL
                        .iter()
                        .any(|c| c.point_size() == point.len());
                if !plausible {
                    return Err(CvcError::InvalidPublicKey);
                }
                None
            }
        };
        reader.finish()?;
        Ok(CvPublicKey {
            algorithm,
            domain_parameters,
            point,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_curve_arithmetic() {
        for curve in StandardizedDomainParameters::ALL {
            let e = explicit_parameters(curve);
            let n = curve.field_size();
            assert_eq!(
                (e.p.len(), e.a.len(), e.b.len(), e.r.len(), e.g.len()),
                (n, n, n, n, 2 * n + 1)
            );
            // G is 1·G of the curve implementation.
            let mut one = alloc::vec![0u8; n];
            one[n - 1] = 1;
            assert_eq!(curve.public_key(&one).unwrap(), e.g, "{curve:?} G");
            // r is the order: r - 1 is a valid scalar, r is not.
            let mut r_minus_1 = e.r.clone();
            r_minus_1[n - 1] -= 1;
            assert!(curve.check_private_key(&r_minus_1).is_ok(), "{curve:?} r-1");
            assert!(curve.check_private_key(&e.r).is_err(), "{curve:?} r");
        }
    }

    #[test]
    fn algorithm_oids() {
        use crate::protocol::oid::ObjectIdentifier as Oid;
        let sha384 = Oid::from_arcs(&[0, 4, 0, 127, 0, 7, 2, 2, 2, 2, 4]).unwrap();
        assert_eq!(TaAlgorithm::from_oid(&sha384), Ok(TaAlgorithm::EcdsaSha384));
        assert_eq!(
            TaAlgorithm::EcdsaSha256.oid().to_der_content(),
            [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x02, 0x02, 0x03]
        );
        let sha512 = Oid::from_arcs(&[0, 4, 0, 127, 0, 7, 2, 2, 2, 2, 5]).unwrap();
        assert_eq!(
            TaAlgorithm::from_oid(&sha512),
            Err(CvcError::UnsupportedAlgorithm)
        );
    }
}
