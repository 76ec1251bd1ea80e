//! Case-id filters: `*` any run of characters, `?` one character; several
//! patterns separated by commas match when any does (`PUB-*,SM-00?`).

/// A parsed `--filter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    patterns: Vec<Vec<char>>,
}

impl Glob {
    pub fn new(text: &str) -> Self {
        Self { patterns: text.split(',').map(|p| p.trim().chars().collect()).filter(|p: &Vec<char>| !p.is_empty()).collect() }
    }

    pub fn matches(&self, id: &str) -> bool {
        let id: Vec<char> = id.chars().collect();
        self.patterns.iter().any(|p| glob_match(p, &id))
    }
}

/// Iterative wildcard match with one backtracking point (the last `*`).
fn glob_match(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if *c == '?' || *c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        let g = Glob::new("PUB-*-CAN-*");
        assert!(g.matches("PUB-ACC-0101-RD-CAN-CL"));
        assert!(!g.matches("PUB-ACC-0101-RD-MRZ-CL"));
        assert!(Glob::new("SM-00?").matches("SM-001"));
        assert!(!Glob::new("SM-00?").matches("SM-0010"));
        assert!(Glob::new("X,HH-*").matches("HH-001"));
        assert!(Glob::new("*").matches(""));
        assert!(!Glob::new("A").matches(""));
    }
}
