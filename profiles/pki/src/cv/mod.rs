//! The CV certificate half of the test PKI (issue 4): a test CVCA, its link
//! certificates, document verifiers and terminals, as directories of
//! `.cvcert` files (TR-03110-3 C.1 encodings) and PKCS#8 PEM keys. The
//! codec and the chain rules live in `card_os::protocol::cvc`; this module
//! only issues and stores. Layout: docs/spec/cv-certificates.md.
//!
//! * [`init_cvca`] — a self-signed CVCA in a new directory.
//! * [`link`] — a new CVCA key, its link certificate signed by the old key.
//! * [`dv`] — a document verifier directory under a CVCA directory.
//! * [`terminal`] — a terminal directory under a DV directory: its chain and key.
//! * [`load_terminal`], [`read_certificate`], [`import_cvca`] — reading back.

mod error;
mod files;
mod keys;

use std::path::{Path, PathBuf};

use card_os::protocol::StandardizedDomainParameters as Curve;
use card_os::protocol::cvc::{
    AccessRight, CertificateBody, CertificateReference, CertificateRole, Chat, CvCertificate,
    CvDate, CvPublicKey, TaAlgorithm, TrustPoint, verify_certificate,
};
use rand::CryptoRng;
use zeroize::Zeroizing;

pub use error::CvPkiError;
pub use files::{
    CV_CERTIFICATE_EXTENSION, CVCA_CERTIFICATE, CVCA_KEY, DV_CERTIFICATE, DV_KEY,
    TERMINAL_CERTIFICATE, TERMINAL_KEY,
};

/// Suggested validity periods of the test PKI, in days. TR-03110-3 leaves
/// them to the certificate policy; these are long enough for test cards.
pub const CVCA_VALIDITY_DAYS: i64 = 3 * 365;
pub const DV_VALIDITY_DAYS: i64 = 365;
pub const TERMINAL_VALIDITY_DAYS: i64 = 90;

/// The effective and expiration dates of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    pub effective: CvDate,
    pub expiration: CvDate,
}

impl Validity {
    /// From `effective`, valid for `days` days (expiration = effective + days − 1).
    pub fn days_from(effective: CvDate, days: i64) -> Result<Self, CvPkiError> {
        let expiration = effective
            .add_days(days.saturating_sub(1).max(0))
            .map_err(|source| CvPkiError::Date { source })?;
        Ok(Validity {
            effective,
            expiration,
        })
    }
}

/// Today (UTC) by the system clock.
pub fn today() -> Result<CvDate, CvPkiError> {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = i64::try_from(seconds / 86_400).unwrap_or(i64::MAX);
    CvDate::from_days_since_unix_epoch(days).map_err(|source| CvPkiError::Date { source })
}

/// Which document verifier role (TR-03110-3 C.4: CHAT role bits 10 / 01).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DvKind {
    Domestic,
    Foreign,
}

/// Which kind of terminal (chip.md "EAC"): both are Authentication
/// Terminals in the CHAT; they differ by the rights they may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminalRole {
    /// eService terminal: read rights (and CAN allowed) only.
    Authentication,
    /// Registry-office terminal: writes, PIN management, privileged.
    RegistryOffice,
}

/// A certificate and the private key of its holder.
pub struct Authority {
    pub certificate: CvCertificate,
    /// The curve of the whole chain (the CVCA's domain parameters).
    pub curve: Curve,
    private_key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key is never printed.
        f.debug_struct("Authority")
            .field("holder", &self.certificate.holder_reference().as_str())
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

impl Authority {
    /// The holder's private key: big-endian scalar of the curve's field size.
    pub fn private_key(&self) -> &[u8] {
        &self.private_key
    }
}

/// A terminal directory read back: its chain from the CVCA down and its key.
#[derive(Debug)]
pub struct TerminalChain {
    /// Link certificates from older CVCA keys, oldest first.
    pub links: Vec<CvCertificate>,
    pub cvca: CvCertificate,
    pub dv: CvCertificate,
    /// The terminal certificate with its private key.
    pub terminal: Authority,
}

fn draw_key<R: CryptoRng>(
    curve: Curve,
    rng: &mut R,
) -> Result<(Zeroizing<Vec<u8>>, Vec<u8>), CvPkiError> {
    let private = curve
        .generate_private_key(rng)
        .map_err(|_| CvPkiError::Random)?;
    let point = curve.public_key(&private).map_err(|_| CvPkiError::Random)?;
    Ok((private, point))
}

fn reference(chr: &str, what: &'static str) -> Result<CertificateReference, CvPkiError> {
    CertificateReference::new(chr).map_err(|source| CvPkiError::Build { what, source })
}

/// Sign a body for `subject_point` under `issuer`.
#[allow(clippy::too_many_arguments)]
fn issue(
    issuer: &Authority,
    subject_point: Vec<u8>,
    subject_curve: Curve,
    chr: CertificateReference,
    chat: Chat,
    validity: Validity,
    what: &'static str,
) -> Result<CvCertificate, CvPkiError> {
    let body = CertificateBody {
        authority_reference: issuer.certificate.holder_reference().clone(),
        public_key: CvPublicKey {
            algorithm: TaAlgorithm::for_curve(subject_curve),
            domain_parameters: (chat.role() == CertificateRole::Cvca).then_some(subject_curve),
            point: subject_point,
        },
        holder_reference: chr,
        chat,
        effective_date: validity.effective,
        expiration_date: validity.expiration,
        extensions: None,
    };
    CvCertificate::sign(body, issuer.curve, issuer.private_key())
        .map_err(|source| CvPkiError::Build { what, source })
}

/// A self-signed CVCA certificate on `curve` with every right.
fn self_signed_cvca(
    curve: Curve,
    chr: CertificateReference,
    private: &[u8],
    point: Vec<u8>,
    validity: Validity,
) -> Result<CvCertificate, CvPkiError> {
    let body = CertificateBody {
        authority_reference: chr.clone(),
        public_key: CvPublicKey {
            algorithm: TaAlgorithm::for_curve(curve),
            domain_parameters: Some(curve),
            point,
        },
        holder_reference: chr,
        chat: Chat::all_rights(CertificateRole::Cvca),
        effective_date: validity.effective,
        expiration_date: validity.expiration,
        extensions: None,
    };
    CvCertificate::sign(body, curve, private).map_err(|source| CvPkiError::Build {
        what: "CVCA certificate",
        source,
    })
}

/// Create a test CVCA in `dir` (created if missing): `cvca.cvcert`
/// (self-signed, every right) and `cvca-key.pem`. Refuses to overwrite.
pub fn init_cvca<R: CryptoRng>(
    dir: &Path,
    curve: Curve,
    chr: &str,
    validity: Validity,
    rng: &mut R,
) -> Result<Authority, CvPkiError> {
    let chr = reference(chr, "CVCA holder reference")?;
    files::refuse_existing(&[&dir.join(CVCA_CERTIFICATE), &dir.join(CVCA_KEY)])?;
    let (private, point) = draw_key(curve, rng)?;
    let certificate = self_signed_cvca(curve, chr, &private, point, validity)?;
    files::create_dir(dir)?;
    files::write_key(&dir.join(CVCA_KEY), curve, &private)?;
    files::write_certificate(&dir.join(CVCA_CERTIFICATE), &certificate)?;
    Ok(Authority {
        certificate,
        curve,
        private_key: private,
    })
}

/// Read the CVCA of a CVCA directory with its key.
pub fn load_cvca(dir: &Path) -> Result<Authority, CvPkiError> {
    let path = dir.join(CVCA_CERTIFICATE);
    let certificate = import_cvca(&path)?;
    let curve = certificate
        .body()
        .public_key
        .domain_parameters
        .ok_or_else(|| files::wrong(&path, "CVCA certificate without domain parameters"))?;
    let private_key = files::read_key(
        &dir.join(CVCA_KEY),
        curve,
        &certificate.body().public_key.point,
    )?;
    Ok(Authority {
        certificate,
        curve,
        private_key,
    })
}

/// Roll the CVCA of `dir` over to a new key on `curve` with holder reference
/// `new_chr`: writes `link-<new_chr>.cvcert` (the new key signed by the old
/// one, TR-03110-3 2.5 "link certificate"), keeps the old certificate and key
/// as `cvca-<old_chr>.cvcert` / `cvca-<old_chr>-key.pem`, and makes the new
/// self-signed certificate and key the directory's `cvca.cvcert` /
/// `cvca-key.pem`. Returns the link certificate.
pub fn link<R: CryptoRng>(
    dir: &Path,
    curve: Curve,
    new_chr: &str,
    validity: Validity,
    rng: &mut R,
) -> Result<CvCertificate, CvPkiError> {
    let old = load_cvca(dir)?;
    let new_chr = reference(new_chr, "new CVCA holder reference")?;
    let old_chr = old.certificate.holder_reference().as_str().to_owned();
    let link_path = dir.join(files::link_name(new_chr.as_str()));
    let archive_cert = dir.join(format!("cvca-{old_chr}.{CV_CERTIFICATE_EXTENSION}"));
    let archive_key = dir.join(format!("cvca-{old_chr}-key.pem"));
    files::refuse_existing(&[&link_path, &archive_cert, &archive_key])?;

    let (private, point) = draw_key(curve, rng)?;
    let link = issue(
        &old,
        point.clone(),
        curve,
        new_chr.clone(),
        Chat::all_rights(CertificateRole::Cvca),
        validity,
        "link certificate",
    )?;
    let own = self_signed_cvca(curve, new_chr, &private, point, validity)?;

    files::write_certificate(&archive_cert, &old.certificate)?;
    files::write_key(&archive_key, old.curve, old.private_key())?;
    files::write_certificate(&link_path, &link)?;
    files::replace(
        &dir.join(CVCA_KEY),
        keys::to_pem(curve, &private, &dir.join(CVCA_KEY))?.as_bytes(),
        true,
    )?;
    files::replace(&dir.join(CVCA_CERTIFICATE), &own.to_bytes(), false)?;
    Ok(link)
}

/// Issue a document verifier under the CVCA of `cvca_dir` into `dv_dir`:
/// `cvca.cvcert` and the CVCA's `link-*.cvcert` (copies), `dv.cvcert`,
/// `dv-key.pem`. The DV holds `rights` (its CHAT, role by `kind`).
#[allow(clippy::too_many_arguments)]
pub fn dv<R: CryptoRng>(
    cvca_dir: &Path,
    dv_dir: &Path,
    chr: &str,
    kind: DvKind,
    rights: &[AccessRight],
    validity: Validity,
    rng: &mut R,
) -> Result<Authority, CvPkiError> {
    let cvca = load_cvca(cvca_dir)?;
    let chr = reference(chr, "DV holder reference")?;
    let links = files::links(cvca_dir)?;
    files::refuse_existing(&[
        &dv_dir.join(CVCA_CERTIFICATE),
        &dv_dir.join(DV_CERTIFICATE),
        &dv_dir.join(DV_KEY),
    ])?;
    let role = match kind {
        DvKind::Domestic => CertificateRole::DvDomestic,
        DvKind::Foreign => CertificateRole::DvForeign,
    };
    let (private, point) = draw_key(cvca.curve, rng)?;
    let certificate = issue(
        &cvca,
        point,
        cvca.curve,
        chr,
        Chat::new(role, rights),
        validity,
        "DV certificate",
    )?;
    files::create_dir(dv_dir)?;
    files::copy_links(&links, dv_dir)?;
    files::write_certificate(&dv_dir.join(CVCA_CERTIFICATE), &cvca.certificate)?;
    files::write_key(&dv_dir.join(DV_KEY), cvca.curve, &private)?;
    files::write_certificate(&dv_dir.join(DV_CERTIFICATE), &certificate)?;
    Ok(Authority {
        certificate,
        curve: cvca.curve,
        private_key: private,
    })
}

/// Read the DV of a DV directory with its key (and its CVCA).
pub fn load_dv(dir: &Path) -> Result<(CvCertificate, Authority), CvPkiError> {
    let cvca = import_cvca(&dir.join(CVCA_CERTIFICATE))?;
    let curve = cvca
        .body()
        .public_key
        .domain_parameters
        .ok_or_else(|| files::wrong(&dir.join(CVCA_CERTIFICATE), "no domain parameters"))?;
    let dv_path = dir.join(DV_CERTIFICATE);
    let certificate = read_certificate(&dv_path)?;
    if !matches!(
        certificate.role(),
        CertificateRole::DvDomestic | CertificateRole::DvForeign
    ) {
        return Err(files::wrong(
            &dv_path,
            "not a DV certificate (CHAT role bits 10 or 01)",
        ));
    }
    let private_key = files::read_key(
        &dir.join(DV_KEY),
        curve,
        &certificate.body().public_key.point,
    )?;
    Ok((
        cvca,
        Authority {
            certificate,
            curve,
            private_key,
        },
    ))
}

/// Issue a terminal under the DV of `dv_dir` into `terminal_dir`: the chain
/// (`link-*.cvcert`, `cvca.cvcert`, `dv.cvcert`, `terminal.cvcert`) and
/// `terminal-key.pem`. An authentication terminal may hold only read rights
/// and CAN allowed.
#[allow(clippy::too_many_arguments)]
pub fn terminal<R: CryptoRng>(
    dv_dir: &Path,
    terminal_dir: &Path,
    chr: &str,
    role: TerminalRole,
    rights: &[AccessRight],
    validity: Validity,
    rng: &mut R,
) -> Result<TerminalChain, CvPkiError> {
    let not_for_authentication =
        |r: &&AccessRight| !AccessRight::READS.contains(r) && **r != AccessRight::CanAllowed;
    if role == TerminalRole::Authentication
        && let Some(&right) = rights.iter().find(not_for_authentication)
    {
        return Err(CvPkiError::RightNotForRole { right });
    }
    let (cvca, dv) = load_dv(dv_dir)?;
    let chr = reference(chr, "terminal holder reference")?;
    let links = files::links(dv_dir)?;
    let targets = [
        CVCA_CERTIFICATE,
        DV_CERTIFICATE,
        TERMINAL_CERTIFICATE,
        TERMINAL_KEY,
    ]
    .map(|n| terminal_dir.join(n));
    files::refuse_existing(&targets.iter().collect::<Vec<_>>())?;
    let (private, point) = draw_key(dv.curve, rng)?;
    let certificate = issue(
        &dv,
        point,
        dv.curve,
        chr,
        Chat::new(CertificateRole::Terminal, rights),
        validity,
        "terminal certificate",
    )?;
    files::create_dir(terminal_dir)?;
    files::copy_links(&links, terminal_dir)?;
    files::write_certificate(&terminal_dir.join(CVCA_CERTIFICATE), &cvca)?;
    files::write_certificate(&terminal_dir.join(DV_CERTIFICATE), &dv.certificate)?;
    files::write_key(&terminal_dir.join(TERMINAL_KEY), dv.curve, &private)?;
    files::write_certificate(&terminal_dir.join(TERMINAL_CERTIFICATE), &certificate)?;
    load_terminal(terminal_dir)
}

/// Read a terminal directory; checks that the key belongs to the terminal
/// certificate and that links → CVCA → DV → terminal verify, each on the date
/// it takes effect (TR-03110-3 2.5 order and signatures; validity is the
/// card's business).
pub fn load_terminal(dir: &Path) -> Result<TerminalChain, CvPkiError> {
    let links = files::links(dir)?
        .iter()
        .map(|p| read_certificate(p))
        .collect::<Result<Vec<_>, _>>()?;
    let cvca_path = dir.join(CVCA_CERTIFICATE);
    let cvca = import_cvca(&cvca_path)?;
    let curve = cvca
        .body()
        .public_key
        .domain_parameters
        .ok_or_else(|| files::wrong(&cvca_path, "no domain parameters"))?;
    let dv = read_certificate(&dir.join(DV_CERTIFICATE))?;
    let terminal_path = dir.join(TERMINAL_CERTIFICATE);
    let terminal = read_certificate(&terminal_path)?;
    let private_key = files::read_key(
        &dir.join(TERMINAL_KEY),
        curve,
        &terminal.body().public_key.point,
    )?;

    let chain_error = |source| CvPkiError::Chain {
        path: dir.to_path_buf(),
        source,
    };
    let trust = TrustPoint::from_cvca(&cvca).map_err(chain_error)?;
    let step = verify_certificate(&dv, &trust, dv.body().effective_date).map_err(chain_error)?;
    verify_certificate(&terminal, &step.trust_point, terminal.body().effective_date)
        .map_err(chain_error)?;
    Ok(TerminalChain {
        links,
        cvca,
        dv,
        terminal: Authority {
            certificate: terminal,
            curve,
            private_key,
        },
    })
}

/// Read any `.cvcert` file: one CV certificate, parsed strictly.
pub fn read_certificate(path: &Path) -> Result<CvCertificate, CvPkiError> {
    let bytes = std::fs::read(path).map_err(|e| CvPkiError::io(path, e))?;
    CvCertificate::from_bytes(&bytes).map_err(|source| CvPkiError::Certificate {
        path: path.to_path_buf(),
        source,
    })
}

/// Import a CVCA certificate made by any tool: it must parse and be a CVCA
/// (role 11, domain parameters present), so it can be a card's trust point.
pub fn import_cvca(path: &Path) -> Result<CvCertificate, CvPkiError> {
    let certificate = read_certificate(path)?;
    TrustPoint::from_cvca(&certificate).map_err(|_| {
        files::wrong(
            path,
            "not a CVCA certificate (CHAT role bits 11 with domain parameters)",
        )
    })?;
    Ok(certificate)
}

/// The link certificate files of a directory in name order.
pub fn link_certificates(dir: &Path) -> Result<Vec<PathBuf>, CvPkiError> {
    files::links(dir)
}
