//! Reading any ICAO 9303 eMRTD (passport, ID card) through a [`Transport`]:
//!
//! 1. access (ICAO 9303-11 §4.2): PACE when EF.CardAccess offers a PACEInfo
//!    this terminal speaks (`crate::pace::establish_pace`), else BAC with the
//!    MRZ ([`bac`]); SELECT the LDS1 application `A0 00 00 02 47 10 01`;
//! 2. read EF.COM, EF.SOD, DG1, DG14 ([`read`]), Chip Authentication when
//!    DG14 offers it ([`chip`]), then DG2, DG15 and every other data group
//!    EF.COM or EF.SOD lists;
//! 3. Active Authentication when DG15 is present ([`active`]);
//! 4. Passive Authentication: EF.SOD signature, chain to a trusted CSCA and
//!    every data group read against its hash ([`passive`]);
//! 5. DG1 parsed: TD1, TD2 or TD3 with its check digits ([`dg1`]).
//!
//! The result is an [`IcaoReport`] (serde-serializable); the file contents
//! stay in it (not serialized) for [`IcaoReport::write_files`].

pub mod active;
pub mod bac;
pub mod channel;
pub mod chip;
pub mod dg1;
pub mod face;
pub mod passive;
pub mod read;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use card_os::protocol::bac::BacKeys;
use pki::Certificate;
use rand::CryptoRng;
use serde::Serialize;
use thiserror::Error;

use crate::card::{SW_OK, select_aid_apdu, sw_meaning, transmit};
use crate::pace::{MrzInfo, MrzInputError, PaceFailure, PacePasswordInput, establish_pace_any};
use crate::transport::{Transport, TransportError};

pub use bac::{BacFailure, establish_bac};
pub use channel::{IcaoChannel, SmLink, SmSessionKind};
pub use dg1::{CheckDigit, Mrz, MrzFormat, MrzParseError};
pub use face::{FaceImage, face_image};
pub use passive::{Check, DgCheck, PassiveReport, passive_authentication};
pub use read::{LDS1_AID, LdsFile, ReadError, read_file};

/// Data groups always tried, listed in EF.COM or not: the MRZ, the face, the
/// Chip Authentication and Active Authentication keys (ICAO 9303-10 §4.7).
const DG_MRZ: u8 = 1;
const DG_FACE: u8 = 2;
const DG_CHIP_AUTHENTICATION: u8 = 14;
const DG_ACTIVE_AUTHENTICATION: u8 = 15;

/// What the holder or the inspection system gives to open the chip.
#[derive(Clone, PartialEq, Eq)]
pub enum IcaoAccess {
    /// The MRZ lines as printed (TD1, TD2 or TD3): PACE-MRZ or BAC.
    Mrz(Vec<String>),
    /// Document number, date of birth, date of expiry (YYMMDD), no check digits.
    MrzInfo {
        document_number: String,
        date_of_birth: String,
        date_of_expiry: String,
    },
    /// Card access number: PACE only (BAC has no CAN).
    Can(String),
}

impl std::fmt::Debug for IcaoAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Access data is a password: never in logs.
        f.write_str(match self {
            IcaoAccess::Mrz(_) => "IcaoAccess::Mrz(..)",
            IcaoAccess::MrzInfo { .. } => "IcaoAccess::MrzInfo(..)",
            IcaoAccess::Can(_) => "IcaoAccess::Can(..)",
        })
    }
}

impl IcaoAccess {
    /// The PACE password and, for the MRZ, the BAC keys (ICAO 9303-11 §9.7.2-3).
    fn passwords(&self) -> Result<(PacePasswordInput, Option<BacKeys>), IcaoError> {
        let info = match self {
            IcaoAccess::Can(can) => {
                return PacePasswordInput::can(can)
                    .map(|p| (p, None))
                    .map_err(|e| IcaoError::Access(e.to_string()));
            }
            IcaoAccess::MrzInfo {
                document_number,
                date_of_birth,
                date_of_expiry,
            } => MrzInfo::from_fields(document_number, date_of_birth, date_of_expiry)?,
            IcaoAccess::Mrz(lines) => {
                let mrz = Mrz::from_lines(lines).map_err(|e| IcaoError::Access(e.to_string()))?;
                for field in ["document number", "date of birth", "date of expiry"] {
                    if let Some(c) = mrz.check(field).filter(|c| !c.ok) {
                        return Err(IcaoError::Mrz(MrzInputError::CheckDigit {
                            field: c.field,
                            found: c.found,
                            expected: c.expected,
                        }));
                    }
                }
                let (number, birth, expiry) = mrz.access_fields();
                MrzInfo::from_fields(number, birth, expiry)?
            }
        };
        let keys = BacKeys::from_mrz_information(info.information().as_bytes());
        Ok((PacePasswordInput::Mrz(info), Some(keys)))
    }
}

/// Why the chip could not be read at all. Problems with single files or
/// checks are in the [`IcaoReport`], not here.
#[derive(Debug, Error)]
pub enum IcaoError {
    #[error("the card has no ICAO application (SELECT A0000002471001 answered 6A82)")]
    NoIcaoApplication,
    #[error("SELECT of the ICAO application (A0000002471001): card answered {sw:04X} ({meaning})")]
    Select { sw: u16, meaning: &'static str },
    #[error("access data: {0}")]
    Access(String),
    #[error(transparent)]
    Mrz(#[from] MrzInputError),
    #[error("{0}")]
    Pace(PaceFailure),
    #[error("{bac} (PACE was not used: {pace})")]
    Bac { bac: BacFailure, pace: String },
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// How the chip was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AccessMethod {
    #[serde(rename = "PACE")]
    Pace,
    #[serde(rename = "BAC")]
    Bac,
}

/// What happened to one elementary file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FileStatus {
    Read { bytes: usize },
    NotFound,
    AccessDenied,
    Error { reason: String },
}

/// Everything a read found out.
#[derive(Debug, Clone, Serialize)]
pub struct IcaoReport {
    pub access: AccessMethod,
    /// E.g. `PACE EcdhGmAesCbcCmac128 on BrainpoolP256r1 with the MRZ` or `BAC, 3DES secure messaging`.
    pub access_detail: String,
    /// Why PACE was not used when BAC was.
    pub pace_not_used: Option<String>,
    /// Chip Authentication.
    pub ca: Check,
    /// Active Authentication.
    pub aa: Check,
    /// Passive Authentication.
    pub pa: PassiveReport,
    /// DG1 parsed, when read and well-formed.
    pub dg1: Option<Mrz>,
    /// Why DG1 could not be parsed.
    pub dg1_error: Option<String>,
    /// File name (`EF.COM`, `DG2`) → status.
    pub files: BTreeMap<String, FileStatus>,
    /// The contents read.
    #[serde(skip)]
    pub contents: BTreeMap<LdsFile, Vec<u8>>,
}

impl IcaoReport {
    /// Passive Authentication passed, DG1 check digits hold, and neither CA
    /// nor AA failed (not performing them is not a failure: many documents
    /// have neither).
    pub fn genuine(&self) -> bool {
        self.pa.passed()
            && self.dg1.as_ref().is_some_and(Mrz::check_digits_ok)
            && !self.ca.failed()
            && !self.aa.failed()
    }

    /// The facial image of DG2, when read and found.
    pub fn face(&self) -> Option<FaceImage> {
        self.contents
            .get(&LdsFile::Dg(DG_FACE))
            .and_then(|dg2| face_image(dg2))
    }

    /// Write every file read (`EF_COM.bin`, `EF_SOD.bin`, `DG1.bin`, …) and
    /// the face (`face.jpg` / `face.jp2` / `face.j2k`) into `dir` (created
    /// if missing). Returns the paths written.
    pub fn write_files(&self, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        for (file, content) in &self.contents {
            let path = dir.join(file.file_name());
            std::fs::write(&path, content)?;
            written.push(path);
        }
        if let Some(face) = self.face() {
            let path = dir.join(format!("face.{}", face.extension));
            std::fs::write(&path, &face.bytes)?;
            written.push(path);
        }
        Ok(written)
    }
}

/// SELECT the LDS1 application; 6A82 means the card is no eMRTD.
fn select_lds1(transport: &mut dyn Transport) -> Result<(), IcaoError> {
    let response = transmit(transport, &select_aid_apdu(&LDS1_AID))?;
    match response.sw {
        SW_OK => Ok(()),
        read::SW_FILE_NOT_FOUND => Err(IcaoError::NoIcaoApplication),
        sw => Err(IcaoError::Select {
            sw,
            meaning: sw_meaning(sw),
        }),
    }
}

/// PACE failures after which BAC may still work: the chip offers no PACE we
/// speak, or PACE broke on the way (ICAO 9303-11 §4.2: BAC is the fallback).
/// A wrong password is final: BAC would use the same MRZ.
fn bac_may_follow(failure: &PaceFailure) -> bool {
    !matches!(
        failure,
        PaceFailure::WrongPassword { .. } | PaceFailure::Password { .. }
    )
}

/// Whether the chip got as far as MSE:Set AT: then reset it before BAC.
fn pace_started(failure: &PaceFailure) -> bool {
    !matches!(
        failure,
        PaceFailure::NoPaceInfo | PaceFailure::Unsupported { .. } | PaceFailure::CardAccess(_)
    ) && !matches!(failure, PaceFailure::Card { step, .. } if *step == crate::pace::step::SELECT_MF)
        && !matches!(failure, PaceFailure::Protocol { step, .. } if *step == "EF.CardAccess")
}

/// How the chip was opened, for the report.
struct Opened {
    method: AccessMethod,
    detail: String,
    pace_not_used: Option<String>,
    /// PACE-CAM ran and its chip proof verified against EF.CardSecurity.
    chip_authenticated_by_cam: bool,
}

/// Read an eMRTD: access, files, CA, AA, PA, DG1 (see the module docs).
/// `trust`: CSCA certificates; `None` leaves the chain check "not performed".
pub fn read_icao<R: CryptoRng>(
    transport: &mut dyn Transport,
    access: &IcaoAccess,
    trust: Option<&[Certificate]>,
    rng: &mut R,
) -> Result<IcaoReport, IcaoError> {
    let (password, bac_keys) = access.passwords()?;
    // Each arm reads to the end, so the PACE channel's borrow of `transport`
    // ends before the BAC arm borrows it again.
    let failure = match establish_pace_any(&mut *transport, &password, None, rng) {
        Ok(established) => {
            let mut channel = established.channel;
            let info = channel.info();
            select_lds1(&mut channel)?;
            let detail = format!(
                "PACE {:?} on {:?} with the {}",
                info.protocol,
                info.domain_parameters,
                password.label()
            );
            let opened = Opened {
                method: AccessMethod::Pace,
                detail,
                pace_not_used: None,
                chip_authenticated_by_cam: established.chip_authentication.is_some(),
            };
            return Ok(read_lds(SmLink::Pace(channel), opened, trust, rng));
        }
        Err(failure) => failure,
    };
    let Some(keys) = bac_keys.filter(|_| bac_may_follow(&failure)) else {
        return Err(IcaoError::Pace(failure));
    };
    let pace_note = failure.to_string();
    if pace_started(&failure) {
        transport.reset()?;
    }
    select_lds1(&mut *transport)?;
    let channel = establish_bac(transport, keys, rng).map_err(|bac| IcaoError::Bac {
        bac,
        pace: pace_note.clone(),
    })?;
    let opened = Opened {
        method: AccessMethod::Bac,
        detail: "BAC, 3DES secure messaging".into(),
        pace_not_used: Some(pace_note),
        chip_authenticated_by_cam: false,
    };
    Ok(read_lds(SmLink::Own(channel), opened, trust, rng))
}

/// Reads `file` and records the outcome.
fn read_into<T: Transport>(link: &mut SmLink<T>, file: LdsFile, report: &mut IcaoReport) {
    let status = match read_file(link, file) {
        Ok(content) => {
            let status = FileStatus::Read {
                bytes: content.len(),
            };
            report.contents.insert(file, content);
            status
        }
        Err(ReadError::NotFound { .. }) => FileStatus::NotFound,
        Err(ReadError::AccessDenied { .. }) => FileStatus::AccessDenied,
        Err(e) => FileStatus::Error {
            reason: e.to_string(),
        },
    };
    report.files.insert(file.name(), status);
}

/// Everything after access: files, CA, AA, PA, DG1.
fn read_lds<T: Transport, R: CryptoRng>(
    mut link: SmLink<T>,
    opened: Opened,
    trust: Option<&[Certificate]>,
    rng: &mut R,
) -> IcaoReport {
    let mut report = IcaoReport {
        access: opened.method,
        access_detail: opened.detail,
        pace_not_used: opened.pace_not_used,
        ca: Check::NotPerformed {
            reason: "no DG14".into(),
        },
        aa: Check::NotPerformed {
            reason: "no DG15".into(),
        },
        pa: PassiveReport::without_sod("not read yet".into(), std::iter::empty()),
        dg1: None,
        dg1_error: None,
        files: BTreeMap::new(),
        contents: BTreeMap::new(),
    };

    for file in [
        LdsFile::Com,
        LdsFile::Sod,
        LdsFile::Dg(DG_MRZ),
        LdsFile::Dg(DG_CHIP_AUTHENTICATION),
    ] {
        read_into(&mut link, file, &mut report);
    }

    // Chip Authentication before the rest, so it is read under the new keys.
    if let Some(dg14) = report
        .contents
        .get(&LdsFile::Dg(DG_CHIP_AUTHENTICATION))
        .cloned()
    {
        let (next, check) = chip::chip_authentication(link, &dg14, rng);
        link = next;
        report.ca = check;
    }
    // ICAO 9303-11 §4.4.3.5: a verified PACE-CAM replaces Chip Authentication.
    if opened.chip_authenticated_by_cam && !report.ca.passed() && !report.ca.failed() {
        report.ca = Check::Passed {
            detail: "by PACE-CAM: CA_IC matches PK_IC of EF.CardSecurity".into(),
        };
    }

    let mut wanted: Vec<u8> = vec![DG_FACE, DG_ACTIVE_AUTHENTICATION];
    if let Some(com) = report.contents.get(&LdsFile::Com) {
        wanted.extend(read::data_groups_in_com(com).unwrap_or_default());
    }
    if let Some(sod) = report.contents.get(&LdsFile::Sod) {
        wanted.extend(passive::passive_authentication(sod, &BTreeMap::new(), None).sod_lists);
    }
    wanted.sort_unstable();
    wanted.dedup();
    for n in wanted
        .into_iter()
        .filter(|n| (1..=read::DG_MAX).contains(n))
    {
        if !report.files.contains_key(&LdsFile::Dg(n).name()) {
            read_into(&mut link, LdsFile::Dg(n), &mut report);
        }
    }

    if let Some(dg15) = report
        .contents
        .get(&LdsFile::Dg(DG_ACTIVE_AUTHENTICATION))
        .cloned()
    {
        report.aa = active::active_authentication(&mut link, &dg15, rng);
    }

    let dgs: BTreeMap<u8, Vec<u8>> = report
        .contents
        .iter()
        .filter_map(|(file, content)| match file {
            LdsFile::Dg(n) => Some((*n, content.clone())),
            _ => None,
        })
        .collect();
    report.pa = match report.contents.get(&LdsFile::Sod) {
        Some(sod) => passive_authentication(sod, &dgs, trust),
        None => PassiveReport::without_sod("EF.SOD could not be read".into(), dgs.keys().copied()),
    };

    match report
        .contents
        .get(&LdsFile::Dg(DG_MRZ))
        .map(|dg1| Mrz::from_dg1(dg1))
    {
        Some(Ok(mrz)) => report.dg1 = Some(mrz),
        Some(Err(e)) => report.dg1_error = Some(e.to_string()),
        None => report.dg1_error = Some("DG1 could not be read".into()),
    }
    report
}
