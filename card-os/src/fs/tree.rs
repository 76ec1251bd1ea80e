//! The file tree (ISO 7816-4 §7.1): the MF, DFs (with an optional DF name =
//! application identifier) and transparent EFs (with an optional short EF
//! identifier). The tree's shape is fixed at personalization; only EF contents
//! change afterwards, so positions in `children` are stable and the volatile
//! selection can name files by index path.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::security::AccessCondition;

/// FID of the master file (ISO 7816-4 §7.1.1).
pub const FID_MF: u16 = 0x3F00;
/// Short EF identifiers are 1..=30 (ISO 7816-4 §7.1.1; 0 means the current EF, 31 is RFU).
pub const SFI_MIN: u8 = 1;
pub const SFI_MAX: u8 = 30;
/// A DF name is 1 to 16 bytes (ISO 7816-4 §7.1.1).
pub const DF_NAME_MAX_LEN: usize = 16;

/// Access rules of a transparent EF, one condition per operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EfRules {
    /// READ BINARY.
    pub read: AccessCondition,
    /// UPDATE BINARY.
    pub update: AccessCondition,
}

/// Access rules of a DF.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DfRules {
    /// On the MF: TERMINATE CARD USAGE (ISO 7816-9 §8.5). Other DFs: reserved
    /// for TERMINATE DF.
    pub terminate: AccessCondition,
}

/// A transparent EF of fixed size: `data.len()` is the file size.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ef {
    pub fid: u16,
    pub sfi: Option<u8>,
    pub rules: EfRules,
    pub data: Vec<u8>,
}

/// A dedicated file. The MF is the root DF with FID 3F00. A DF reached only by
/// its name (the ICAO LDS1 application) has no FID.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Df {
    pub fid: Option<u16>,
    /// DF name (application identifier).
    pub aid: Option<Vec<u8>>,
    pub rules: DfRules,
    pub children: Vec<Node>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Node {
    Df(Df),
    Ef(Ef),
}

impl Node {
    pub fn fid(&self) -> Option<u16> {
        match self {
            Node::Df(df) => df.fid,
            Node::Ef(ef) => Some(ef.fid),
        }
    }
}

/// An EF's position: the index path of its DF from the MF, then its index there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EfRef {
    pub df: Vec<usize>,
    pub index: usize,
}

impl Df {
    /// The DF at an index path below this one (empty path: this DF).
    pub fn df_at(&self, path: &[usize]) -> Option<&Df> {
        let mut df = self;
        for &i in path {
            df = match df.children.get(i)? {
                Node::Df(child) => child,
                Node::Ef(_) => return None,
            };
        }
        Some(df)
    }

    pub fn df_at_mut(&mut self, path: &[usize]) -> Option<&mut Df> {
        let mut df = self;
        for &i in path {
            df = match df.children.get_mut(i)? {
                Node::Df(child) => child,
                Node::Ef(_) => return None,
            };
        }
        Some(df)
    }

    pub fn ef_at(&self, at: &EfRef) -> Option<&Ef> {
        match self.df_at(&at.df)?.children.get(at.index)? {
            Node::Ef(ef) => Some(ef),
            Node::Df(_) => None,
        }
    }

    pub fn ef_at_mut(&mut self, at: &EfRef) -> Option<&mut Ef> {
        match self.df_at_mut(&at.df)?.children.get_mut(at.index)? {
            Node::Ef(ef) => Some(ef),
            Node::Df(_) => None,
        }
    }

    /// Index of the child with this FID.
    pub fn child_by_fid(&self, fid: u16) -> Option<usize> {
        self.children.iter().position(|n| n.fid() == Some(fid))
    }

    /// Index of the child EF with this short EF identifier.
    pub fn ef_by_sfi(&self, sfi: u8) -> Option<usize> {
        self.children
            .iter()
            .position(|n| matches!(n, Node::Ef(ef) if ef.sfi == Some(sfi)))
    }

    /// Index path (from this DF) of the first DF, depth first, whose name is `aid`.
    pub fn path_by_name(&self, aid: &[u8]) -> Option<Vec<usize>> {
        if self.aid.as_deref() == Some(aid) {
            return Some(Vec::new());
        }
        for (i, child) in self.children.iter().enumerate() {
            if let Node::Df(df) = child
                && let Some(mut rest) = df.path_by_name(aid)
            {
                rest.insert(0, i);
                return Some(rest);
            }
        }
        None
    }
}

/// Why a tree is not a valid card file system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TreeError {
    /// The root is not a DF with FID 3F00.
    MfFid,
    /// Two children of one DF share a FID.
    DuplicateFid(u16),
    /// Two EFs of one DF share a short EF identifier.
    DuplicateSfi(u8),
    /// A short EF identifier outside 1..=30.
    SfiOutOfRange(u8),
    /// A DF name outside 1..=16 bytes.
    DfNameLength(usize),
    /// A child uses the FID 3F00 reserved for the MF.
    ReservedFid,
}

impl core::fmt::Display for TreeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TreeError::MfFid => write!(f, "the root DF must have FID 3F00 (ISO 7816-4 §7.1.1)"),
            TreeError::DuplicateFid(fid) => write!(f, "FID {fid:04X} appears twice in one DF"),
            TreeError::DuplicateSfi(sfi) => write!(f, "short EF identifier {sfi:02X} appears twice in one DF"),
            TreeError::SfiOutOfRange(sfi) => write!(f, "short EF identifier {sfi} is outside 1..=30"),
            TreeError::DfNameLength(n) => write!(f, "DF name has {n} bytes; it must have 1..=16"),
            TreeError::ReservedFid => write!(f, "FID 3F00 is reserved for the MF"),
        }
    }
}

/// Check the rules a card file system must keep (ISO 7816-4 §7.1.1).
pub fn validate_mf(mf: &Df) -> Result<(), TreeError> {
    if mf.fid != Some(FID_MF) {
        return Err(TreeError::MfFid);
    }
    validate_df(mf)
}

fn validate_df(df: &Df) -> Result<(), TreeError> {
    if let Some(aid) = &df.aid
        && (aid.is_empty() || aid.len() > DF_NAME_MAX_LEN)
    {
        return Err(TreeError::DfNameLength(aid.len()));
    }
    let mut fids: Vec<u16> = Vec::new();
    let mut sfis: Vec<u8> = Vec::new();
    for child in &df.children {
        if let Some(fid) = child.fid() {
            if fid == FID_MF {
                return Err(TreeError::ReservedFid);
            }
            if fids.contains(&fid) {
                return Err(TreeError::DuplicateFid(fid));
            }
            fids.push(fid);
        }
        match child {
            Node::Df(sub) => validate_df(sub)?,
            Node::Ef(ef) => {
                if let Some(sfi) = ef.sfi {
                    if !(SFI_MIN..=SFI_MAX).contains(&sfi) {
                        return Err(TreeError::SfiOutOfRange(sfi));
                    }
                    if sfis.contains(&sfi) {
                        return Err(TreeError::DuplicateSfi(sfi));
                    }
                    sfis.push(sfi);
                }
            }
        }
    }
    Ok(())
}
