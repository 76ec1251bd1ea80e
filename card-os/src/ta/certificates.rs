//! MSE:Set DST and PSO:VERIFY CERTIFICATE: the card verifies the terminal's
//! certificate chain one certificate at a time (TR-03110-3 B.11.4, B.11.5;
//! TR-03110-3 2.5 for the trust point and the current date).
//!
//! | condition | SW |
//! |---|---|
//! | not under SM in a PACE session | 6982 |
//! | TA already completed in this session | 6985 |
//! | PACE without a CHAT (the holder approved no rights) | 6985 |
//! | MSE:Set DST data not exactly `83 CAR` | 6A80 |
//! | CAR neither the stored CVCA nor a certificate verified in this session | 6A88 |
//! | PSO before a successful MSE:Set DST | 6985 |
//! | certificate malformed, expired, not yet effective, wrong curve | 6A80 |
//! | CAR of the certificate not the key set by MSE:Set DST | 6A88 |
//! | role not issuable by its issuer (escalation, TR-03110-3 2.5) | 6982 |
//! | signature does not verify | 6300 |

use super::messages::{TAG_CV_CERTIFICATE, TAG_KEY_REFERENCE};
use super::{EacContext, OBJECT_CURRENT_DATE, OBJECT_CVCA};
use crate::apdu::CommandApdu;
use crate::applet::Response;
use crate::nvm::CardImage;
use crate::protocol::cvc::{self, CertificateRole, CvCertificate, CvDate, CvcError, TrustPoint};
use crate::protocol::tlv;
use crate::status::StatusWord;

/// The stored CVCA trust point; 6A88 if personalization wrote none.
pub fn stored_trust_point(image: &CardImage) -> Result<TrustPoint, StatusWord> {
    let bytes = image.objects.get(OBJECT_CVCA).ok_or(StatusWord::ReferencedDataNotFound)?;
    let certificate = CvCertificate::from_bytes(bytes).map_err(|_| StatusWord::ReferencedDataNotFound)?;
    TrustPoint::from_cvca(&certificate).map_err(|_| StatusWord::ReferencedDataNotFound)
}

/// The card's current date; 6985 if personalization wrote none.
pub fn current_date(image: &CardImage) -> Result<CvDate, StatusWord> {
    let bytes = image.objects.get(OBJECT_CURRENT_DATE).ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
    CvDate::decode(bytes).map_err(|_| StatusWord::ConditionsOfUseNotSatisfied)
}

/// The checks every TA step shares: a PACE session under SM whose TA has not
/// completed, and a CHAT given at PACE (docs/spec/eac.md §CHAT at PACE).
pub(crate) fn ta_allowed(ctx: &mut EacContext<'_, '_>) -> Result<(), StatusWord> {
    let session = ctx.session()?;
    if session.eac.authorization.is_some() || session.chat.is_none() {
        return Err(StatusWord::ConditionsOfUseNotSatisfied);
    }
    Ok(())
}

/// `00 22 81 B6 {83 CAR}`: choose the public key that verifies the next certificate.
pub fn mse_set_dst(ctx: &mut EacContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    ta_allowed(ctx)?;
    let car = match tlv::parse_single(&cmd.data, TAG_KEY_REFERENCE) {
        Ok(Some(car)) => car.to_vec(),
        _ => return Err(StatusWord::IncorrectDataField),
    };
    let stored = stored_trust_point(ctx.nvm.image()).ok();
    let session = ctx.session()?;
    session.eac.issuer = None;
    let found = stored
        .into_iter()
        .chain(session.eac.verified.iter().cloned())
        .find(|point| point.holder_reference.as_str().as_bytes() == car.as_slice())
        .ok_or(StatusWord::ReferencedDataNotFound)?;
    session.eac.issuer = Some(found);
    Ok(Response::empty())
}

/// `00 2A 00 BE {7F4E body, 5F37 signature}`: verify one certificate against
/// the key set by MSE:Set DST and the card's current date. A domestic
/// certificate advances (and commits) the current date; a CVCA link
/// certificate replaces the stored trust point; a DV becomes the next issuer;
/// a terminal certificate is kept for MSE:Set AT.
pub fn verify_certificate(ctx: &mut EacContext<'_, '_>, cmd: &CommandApdu) -> Result<Response, StatusWord> {
    ta_allowed(ctx)?;
    let certificate = CvCertificate::from_bytes(&tlv::build(TAG_CV_CERTIFICATE, &cmd.data))
        .map_err(|_| StatusWord::IncorrectDataField)?;
    let today = current_date(ctx.nvm.image())?;
    let issuer = ctx.session()?.eac.issuer.take().ok_or(StatusWord::ConditionsOfUseNotSatisfied)?;
    // FAULT CertificateDateNotChecked: verify as on the earliest date, so no certificate has expired.
    let checked_on = if ctx.faults.has(crate::fault::Fault::CertificateDateNotChecked) { cvc::CvDate::new(2000, 1, 1).unwrap_or(today) } else { today };
    let verified = cvc::verify_certificate(&certificate, &issuer, checked_on).map_err(status_word)?;
    // Never backwards (with CertificateDateNotChecked the check ran on an earlier date).
    if verified.current_date > today {
        ctx.nvm.set_object(OBJECT_CURRENT_DATE, verified.current_date.encode().to_vec());
    }
    let point = verified.trust_point;
    match point.role {
        CertificateRole::Cvca => {
            // A link certificate: the new CVCA key is the card's trust point
            // from now on (TR-03110-3 2.5.1); it must carry domain parameters.
            TrustPoint::from_cvca(&certificate).map_err(|_| StatusWord::IncorrectDataField)?;
            ctx.nvm.set_object(OBJECT_CVCA, certificate.to_bytes());
            remember(ctx, point)?;
        }
        CertificateRole::DvDomestic | CertificateRole::DvForeign => remember(ctx, point)?,
        CertificateRole::Terminal => {
            let eac = &mut ctx.session()?.eac;
            eac.terminal = Some(point);
            eac.ta_setup = None;
            eac.challenge = None;
        }
    }
    Ok(Response::empty())
}

/// A verified issuer key: the next certificate's issuer, and nameable by MSE:Set DST.
fn remember(ctx: &mut EacContext<'_, '_>, point: TrustPoint) -> Result<(), StatusWord> {
    let eac = &mut ctx.session()?.eac;
    eac.verified.retain(|p| p.holder_reference != point.holder_reference);
    eac.verified.push(point.clone());
    eac.issuer = Some(point);
    Ok(())
}

/// TR-03110-3 B.11.5 and docs/spec/eac.md §Status words.
fn status_word(e: CvcError) -> StatusWord {
    match e {
        CvcError::BadSignature | CvcError::SignatureLength { .. } => StatusWord::AuthenticationFailed,
        CvcError::UnknownAuthority => StatusWord::ReferencedDataNotFound,
        CvcError::RoleOrder { .. } => StatusWord::SecurityStatusNotSatisfied,
        _ => StatusWord::IncorrectDataField,
    }
}
