//! Deterministic random generators for the PACE and SM tests.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};
use sha2::{Digest, Sha256};

/// Hands out exactly the scripted byte strings, one per `fill_bytes`, in
/// order; panics (failing the test) on any other request.
pub struct ScriptedRng {
    script: VecDeque<Vec<u8>>,
}

impl ScriptedRng {
    pub fn new(script: &[&str]) -> Self {
        ScriptedRng {
            script: script.iter().map(|s| hex(s)).collect(),
        }
    }

    pub fn is_exhausted(&self) -> bool {
        self.script.is_empty()
    }
}

impl TryRng for ScriptedRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        panic!("PACE must draw bytes, not u32")
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        panic!("PACE must draw bytes, not u64")
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        let next = self.script.pop_front().expect("script exhausted");
        assert_eq!(
            next.len(),
            dst.len(),
            "scripted random value has the wrong length"
        );
        dst.copy_from_slice(&next);
        Ok(())
    }
}
impl TryCryptoRng for ScriptedRng {}

/// SHA-256 in counter mode from a seed: reproducible, good enough for tests.
pub struct TestRng {
    seed: [u8; 32],
    counter: u64,
}

impl TestRng {
    pub fn new(label: &str) -> Self {
        TestRng {
            seed: Sha256::digest(label.as_bytes()).into(),
            counter: 0,
        }
    }
}

impl TryRng for TestRng {
    type Error = Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_be_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_be_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for chunk in dst.chunks_mut(32) {
            let mut h = Sha256::new();
            h.update(self.seed);
            h.update(self.counter.to_be_bytes());
            self.counter += 1;
            chunk.copy_from_slice(&h.finalize()[..chunk.len()]);
        }
        Ok(())
    }
}
impl TryCryptoRng for TestRng {}

pub fn hex(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).expect("test hex")
}
