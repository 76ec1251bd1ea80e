//! File system: the tree, SELECT, READ/UPDATE BINARY and the FCP.

pub mod binary;
pub mod fcp;
pub mod select;
pub mod tree;

pub use tree::{Df, DfRules, Ef, EfRef, EfRules, Node, FID_MF};
