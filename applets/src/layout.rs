//! Small builders for the file tree the card manager writes.

use alloc::vec::Vec;

use card_os::fs::{Df, DfRules, Ef, EfRules, Node};
use card_os::security::AccessCondition;

/// A transparent EF whose size is its content's length.
pub fn ef(fid: u16, sfi: Option<u8>, read: AccessCondition, update: AccessCondition, data: Vec<u8>) -> Node {
    Node::Ef(Ef { fid, sfi, rules: EfRules { read, update }, data })
}

/// An application DF (terminating a single DF is not offered: `Never`).
pub fn application(fid: Option<u16>, aid: &[u8], children: Vec<Node>) -> Node {
    Node::Df(Df {
        fid,
        aid: Some(aid.to_vec()),
        rules: DfRules { terminate: AccessCondition::Never },
        children,
    })
}
