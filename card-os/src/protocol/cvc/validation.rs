//! Card-side validation of one certificate chain step (TR-03110-3 2.5,
//! TR-03110-2 §2.4 / B.11.1 for the order CVCA → DV → terminal). Pure: the
//! card passes its trust point and current date and stores what comes back.

use super::certificate::{CertificateReference, CvCertificate};
use super::chat::{CertificateRole, Chat};
use super::date::CvDate;
use super::error::CvcError;
use super::public_key::TaAlgorithm;
use crate::protocol::StandardizedDomainParameters;

use alloc::vec::Vec;

/// A key the chip trusts for the next certificate: a CVCA public key stored
/// at personalization (or updated by a link certificate), or a certificate
/// verified in the current Terminal Authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustPoint {
    pub holder_reference: CertificateReference,
    pub role: CertificateRole,
    pub algorithm: TaAlgorithm,
    /// The CVCA's domain parameters, inherited down the chain.
    pub domain_parameters: StandardizedDomainParameters,
    pub point: Vec<u8>,
    /// The effective authorization so far (intersection of the chain).
    pub chat: Chat,
    /// Whether this key belongs to the domestic chain (CVCA, domestic DV).
    pub domestic: bool,
}

impl TrustPoint {
    /// The trust point of a CVCA certificate: trusted as given (the issuer
    /// writes it at personalization), so its signature is not checked here.
    pub fn from_cvca(certificate: &CvCertificate) -> Result<Self, CvcError> {
        let body = certificate.body();
        let (CertificateRole::Cvca, Some(domain_parameters)) =
            (body.role(), body.public_key.domain_parameters)
        else {
            return Err(CvcError::NotCvca);
        };
        Ok(TrustPoint {
            holder_reference: body.holder_reference.clone(),
            role: CertificateRole::Cvca,
            algorithm: body.public_key.algorithm,
            domain_parameters,
            point: body.public_key.point.clone(),
            chat: body.chat,
            domestic: true,
        })
    }
}

/// What one accepted certificate changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedCertificate {
    /// The certificate's key as the next issuer; for a CVCA link certificate
    /// this is the card's new CVCA trust point.
    pub trust_point: TrustPoint,
    /// The card's current date after this certificate: advanced to its
    /// effective date if the certificate is domestic and newer (TR-03110-3 2.5).
    pub current_date: CvDate,
}

/// Verify `certificate` against `issuer` on a card whose current date is
/// `today`. Checks, in order: CAR = issuer CHR; role order (CVCA → CVCA link
/// or DV; DV → terminal); algorithm and curve; signature; expiration; effective
/// date. The effective CHAT is the certificate's CHAT intersected with the
/// issuer's: a child claiming more rights than its parent keeps only the common
/// ones, while a role escalation is refused by the role order.
pub fn verify_certificate(
    certificate: &CvCertificate,
    issuer: &TrustPoint,
    today: CvDate,
) -> Result<VerifiedCertificate, CvcError> {
    let body = certificate.body();
    if body.authority_reference != issuer.holder_reference {
        return Err(CvcError::UnknownAuthority);
    }
    let subject = body.role();
    let allowed = matches!(
        (issuer.role, subject),
        (
            CertificateRole::Cvca,
            CertificateRole::Cvca | CertificateRole::DvDomestic | CertificateRole::DvForeign
        ) | (
            CertificateRole::DvDomestic | CertificateRole::DvForeign,
            CertificateRole::Terminal
        )
    );
    if !allowed {
        return Err(CvcError::RoleOrder {
            issuer: issuer.role,
            subject,
        });
    }

    // A CVCA (link) certificate brings its own curve; others inherit it.
    let domain_parameters = match body.public_key.domain_parameters {
        Some(own) => own,
        None => issuer.domain_parameters,
    };
    body.public_key.algorithm.check_curve(domain_parameters)?;
    domain_parameters
        .check_public_key(&body.public_key.point)
        .map_err(|_| CvcError::InvalidPublicKey)?;

    certificate.verify_signature(issuer.domain_parameters, &issuer.point)?;

    if body.expiration_date < today {
        return Err(CvcError::Expired);
    }
    let domestic = match subject {
        CertificateRole::Cvca | CertificateRole::DvDomestic => true,
        CertificateRole::DvForeign => false,
        CertificateRole::Terminal => issuer.domestic,
    };
    let current_date = if body.effective_date <= today {
        today
    } else if domestic {
        body.effective_date
    } else {
        return Err(CvcError::NotYetEffective);
    };

    Ok(VerifiedCertificate {
        trust_point: TrustPoint {
            holder_reference: body.holder_reference.clone(),
            role: subject,
            algorithm: body.public_key.algorithm,
            domain_parameters,
            point: body.public_key.point.clone(),
            chat: body.chat.intersect(issuer.chat),
            domestic,
        },
        current_date,
    })
}
