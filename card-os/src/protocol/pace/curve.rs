//! The standardized elliptic-curve domain parameters of PACE and the point and
//! scalar operations the Generic Mapping needs, over one generic body for the
//! four curves (TR-03110-3 A.2.1.1 Table 4, ICAO 9303-11 §9.5.1).
//!
//! Points cross this API as uncompressed SEC1 encodings `04 || x || y`
//! (TR-03110-3 D.3.4: ECDH public keys in GENERAL AUTHENTICATE are
//! uncompressed), scalars as big-endian bytes of the field size. Every point
//! received is decoded with an on-curve check; the identity is refused.

use alloc::vec::Vec;
use elliptic_curve::sec1::{FromSec1Point, ModulusSize, ToSec1Point};
use elliptic_curve::{
    AffinePoint, CurveArithmetic, FieldBytes, FieldBytesSize, Group, PrimeField, ProjectivePoint,
    Scalar,
};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::PaceError;
use super::integrated::point_encoding as encode_point_integrated;

/// SEC1 tag of an uncompressed point (SEC 1 v2 §2.3.3).
pub const UNCOMPRESSED_POINT_TAG: u8 = 0x04;

/// A random scalar is drawn as field-size bytes and rejected unless 0 < k < n;
/// brainpool orders are far below 2^bits, so a few draws may be needed. A
/// working RNG needs more than this many with probability < 2^-60.
const MAX_SCALAR_DRAWS: usize = 64;

/// Run one generic function for the curve of `$params`.
macro_rules! dispatch {
    ($params:expr, $f:ident $(, $arg:expr)*) => {
        match $params {
            StandardizedDomainParameters::NistP256 => $f::<p256::NistP256>($($arg),*),
            StandardizedDomainParameters::BrainpoolP256r1 => $f::<bp256::BrainpoolP256r1>($($arg),*),
            StandardizedDomainParameters::NistP384 => $f::<p384::NistP384>($($arg),*),
            StandardizedDomainParameters::BrainpoolP384r1 => $f::<bp384::BrainpoolP384r1>($($arg),*),
        }
    };
}

/// Standardized domain parameters usable for PACE (TR-03110-3 A.2.1.1, the
/// parameterId of PACEInfo and DO'84' of MSE:Set AT).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum StandardizedDomainParameters {
    /// NIST P-256 (secp256r1).
    NistP256 = 12,
    BrainpoolP256r1 = 13,
    /// NIST P-384 (secp384r1).
    NistP384 = 15,
    BrainpoolP384r1 = 16,
}

impl StandardizedDomainParameters {
    pub const ALL: [StandardizedDomainParameters; 4] = [
        StandardizedDomainParameters::NistP256,
        StandardizedDomainParameters::BrainpoolP256r1,
        StandardizedDomainParameters::NistP384,
        StandardizedDomainParameters::BrainpoolP384r1,
    ];

    /// The standardized domain parameter identifier.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// The parameters for an identifier; other ids (MODP groups, 192/224/320/512-bit
    /// curves) are not supported by this chip.
    pub fn from_id(id: u8) -> Result<Self, PaceError> {
        Self::ALL
            .into_iter()
            .find(|p| p.id() == id)
            .ok_or(PaceError::UnsupportedDomainParameters { id })
    }

    /// Byte length of a field element and of a scalar (both curves' orders
    /// have the same byte length as their primes).
    pub fn field_size(self) -> usize {
        match self {
            Self::NistP256 | Self::BrainpoolP256r1 => 32,
            Self::NistP384 | Self::BrainpoolP384r1 => 48,
        }
    }

    /// Byte length of an uncompressed point.
    pub fn point_size(self) -> usize {
        1 + 2 * self.field_size()
    }

    /// A random private key 0 < k < n, as big-endian bytes of the field size.
    pub fn generate_private_key(
        self,
        rng: &mut impl CryptoRng,
    ) -> Result<Zeroizing<Vec<u8>>, PaceError> {
        let mut candidate = Zeroizing::new(alloc::vec![0u8; self.field_size()]);
        for _ in 0..MAX_SCALAR_DRAWS {
            rng.fill_bytes(&mut candidate);
            if self.check_private_key(&candidate).is_ok() {
                return Ok(candidate);
            }
        }
        Err(PaceError::RandomGenerator)
    }

    /// Whether bytes are a private key 0 < k < n of this curve.
    pub fn check_private_key(self, private_key: &[u8]) -> Result<(), PaceError> {
        dispatch!(self, check_scalar, private_key)
    }

    /// Check a received public key: uncompressed, on the curve, not the identity.
    pub fn check_public_key(self, point: &[u8]) -> Result<(), PaceError> {
        dispatch!(self, check_point, point)
    }

    /// `k·G` on the standard generator G.
    pub fn public_key(self, private_key: &[u8]) -> Result<Vec<u8>, PaceError> {
        dispatch!(self, mul_generator, private_key)
    }

    /// `k·P` for a received point P (checked), as an uncompressed point.
    pub fn multiply(self, private_key: &[u8], point: &[u8]) -> Result<Vec<u8>, PaceError> {
        dispatch!(self, mul_point, private_key, point)
    }

    /// Generic Mapping: Ĝ = s·G + H (ICAO 9303-11 §4.4.3.3.1), with the nonce
    /// `s` as a big-endian integer and H the mapping shared point.
    pub fn map_generator(self, nonce: &[u8], shared_point: &[u8]) -> Result<Vec<u8>, PaceError> {
        dispatch!(self, generic_map, nonce, shared_point)
    }

    /// Integrated Mapping point encoding Ĝ = f_G(R mod p) of the bytes R of
    /// the pseudo-random mapping (ICAO 9303-11 §4.4.3.3.2), checked on the curve.
    pub fn encode_to_point(self, random: &[u8]) -> Result<Vec<u8>, PaceError> {
        let point = dispatch!(self, encode_point_integrated, random)?;
        self.check_public_key(&point)?;
        Ok(point)
    }

    /// `numerator · denominator⁻¹ mod n` for two private keys of this curve,
    /// as a field-size scalar (PACE-CAM: CA_IC = SK_IC⁻¹·SK_map,IC, ICAO
    /// 9303-11 §4.4.3.5.1). Both must be 1..n-1, so the result is too.
    pub fn scalar_quotient(
        self,
        numerator: &[u8],
        denominator: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, PaceError> {
        dispatch!(self, quotient, numerator, denominator)
    }

    /// The x-coordinate of an uncompressed point (the ECDH shared secret and
    /// Comp() of ICAO 9303-11 §9.4.4 / TR-03110-3 A.2.2.3).
    pub fn x_coordinate(self, point: &[u8]) -> Result<Vec<u8>, PaceError> {
        self.check_public_key(point)?;
        Ok(point[1..1 + self.field_size()].to_vec())
    }
}

/// What the generic body needs of a curve.
trait PaceCurve: CurveArithmetic
where
    FieldBytesSize<Self>: ModulusSize,
    AffinePoint<Self>: FromSec1Point<Self> + ToSec1Point<Self>,
{
}
impl<C> PaceCurve for C
where
    C: CurveArithmetic,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
}

fn decode_scalar<C>(bytes: &[u8]) -> Result<Scalar<C>, PaceError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let repr = FieldBytes::<C>::try_from(bytes).map_err(|_| PaceError::InvalidPrivateKey)?;
    let scalar: Option<Scalar<C>> = Scalar::<C>::from_repr(repr).into();
    match scalar {
        Some(k) if !bool::from(elliptic_curve::Field::is_zero(&k)) => Ok(k),
        _ => Err(PaceError::InvalidPrivateKey),
    }
}

fn decode_point<C>(bytes: &[u8]) -> Result<ProjectivePoint<C>, PaceError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    // Only the uncompressed form is accepted (TR-03110-3 D.3.4).
    if bytes.first() != Some(&UNCOMPRESSED_POINT_TAG) {
        return Err(PaceError::InvalidPublicKey);
    }
    let point =
        AffinePoint::<C>::from_sec1_bytes(bytes).map_err(|_| PaceError::InvalidPublicKey)?;
    let point = ProjectivePoint::<C>::from(point);
    if bool::from(point.is_identity()) {
        return Err(PaceError::InvalidPublicKey);
    }
    Ok(point)
}

fn encode_point<C>(point: ProjectivePoint<C>) -> Result<Vec<u8>, PaceError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    // A result at infinity means a degenerate exchange (e.g. Ĝ = O): abort.
    if bool::from(point.is_identity()) {
        return Err(PaceError::IdentityPoint);
    }
    let affine: AffinePoint<C> = point.into();
    Ok(affine.to_sec1_point(false).as_bytes().to_vec())
}

fn check_scalar<C>(bytes: &[u8]) -> Result<(), PaceError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    decode_scalar::<C>(bytes).map(|_| ())
}

fn check_point<C>(bytes: &[u8]) -> Result<(), PaceError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    decode_point::<C>(bytes).map(|_| ())
}

fn mul_generator<C>(private_key: &[u8]) -> Result<Vec<u8>, PaceError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let k = decode_scalar::<C>(private_key)?;
    encode_point::<C>(ProjectivePoint::<C>::generator() * k)
}

fn mul_point<C>(private_key: &[u8], point: &[u8]) -> Result<Vec<u8>, PaceError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let k = decode_scalar::<C>(private_key)?;
    let p = decode_point::<C>(point)?;
    encode_point::<C>(p * k)
}

fn generic_map<C>(nonce: &[u8], shared_point: &[u8]) -> Result<Vec<u8>, PaceError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    // The nonce is shorter than the order (16..32 bytes against ≥ 32): left-pad
    // it to a field-size integer; it is then always < n.
    let mut padded = Zeroizing::new(FieldBytes::<C>::default());
    let offset = padded
        .len()
        .checked_sub(nonce.len())
        .ok_or(PaceError::NonceLength)?;
    padded[offset..].copy_from_slice(nonce);
    let s = decode_scalar::<C>(&padded).map_err(|_| PaceError::NonceLength)?;
    let h = decode_point::<C>(shared_point)?;
    encode_point::<C>(ProjectivePoint::<C>::generator() * s + h)
}

fn quotient<C>(numerator: &[u8], denominator: &[u8]) -> Result<Zeroizing<Vec<u8>>, PaceError>
where
    C: PaceCurve,
    FieldBytesSize<C>: ModulusSize,
    AffinePoint<C>: FromSec1Point<C> + ToSec1Point<C>,
{
    let a = decode_scalar::<C>(numerator)?;
    let b = decode_scalar::<C>(denominator)?;
    let inverse: Option<Scalar<C>> = elliptic_curve::Field::invert(&b).into();
    let inverse = inverse.ok_or(PaceError::InvalidPrivateKey)?;
    let repr = Zeroizing::new((a * inverse).to_repr());
    Ok(Zeroizing::new(repr.to_vec()))
}
