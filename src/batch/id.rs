//! Row ids and report file names. Ids must be stable across runs (resume, shards, merge all key
//! on them), so every hash here is fixed (FNV-1a, SHA-256), never the std randomised hasher.

use std::collections::HashSet;

use sha2::{Digest, Sha256};
use url::Url;

/// 64-bit FNV-1a: tiny, fixed and the same on every machine, which is all sharding needs.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// First `n` hex digits of SHA-256, for short collision-resistant suffixes.
fn short_hash(s: &str, n: usize) -> String {
    let d = Sha256::digest(s.as_bytes());
    let mut out = String::with_capacity(n);
    for b in d.iter() {
        if out.len() >= n {
            break;
        }
        out.push_str(&format!("{b:02x}"));
    }
    out.truncate(n);
    out
}

/// An id for a row without one: the host (so people can read it) and a hash of the whole
/// normalised URL (so two pages of one host differ), e.g. `shop.example.com-1a2b3c4d`.
pub fn from_url(u: &Url) -> String {
    let host = u.host_str().unwrap_or("site").trim_matches(['[', ']']);
    let host: String = host
        .chars()
        .map(|c| if c == ':' { '_' } else { c })
        .collect();
    format!("{host}-{}", short_hash(u.as_str(), 8))
}

/// An id for a row that has neither an id nor a usable URL: its line in the file.
pub fn from_line(line: u64) -> String {
    format!("line-{line}")
}

const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Whether an id can be used as a file name as it is, on every common file system.
fn is_safe(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && !id.starts_with('.')
        && !id.ends_with('.')
        && id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !RESERVED.contains(
            &id.split('.')
                .next()
                .unwrap_or("")
                .to_ascii_uppercase()
                .as_str(),
        )
}

/// Hands out report file stems: the id itself when it is a safe file name, else a cleaned-up
/// id plus a hash of the original, so that no id can escape the output folder and two ids
/// never share a file (not even on case-insensitive file systems).
#[derive(Debug, Default)]
pub struct Stems {
    used: HashSet<String>,
}

impl Stems {
    /// The file stem for `id` (call once per distinct id, in input order).
    pub fn assign(&mut self, id: &str) -> String {
        let stem = if is_safe(id) && !self.used.contains(&id.to_lowercase()) {
            id.to_string()
        } else {
            let mut clean: String = id
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || matches!(c, '-' | '_') {
                        c
                    } else {
                        '_'
                    }
                })
                .take(60)
                .collect();
            if clean.is_empty() {
                clean.push_str("id");
            }
            format!("{clean}-{}", short_hash(id, 8))
        };
        self.used.insert(stem.to_lowercase());
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_is_the_published_function() {
        // Reference values of 64-bit FNV-1a.
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x85944171f73967e8);
    }

    #[test]
    fn derived_ids_are_stable_and_readable() {
        let u = Url::parse("https://shop.example.com/").unwrap();
        let a = from_url(&u);
        assert!(a.starts_with("shop.example.com-"), "{a}");
        assert_eq!(a, from_url(&u));
        let v = Url::parse("https://shop.example.com/b").unwrap();
        assert_ne!(a, from_url(&v));
        let ip = Url::parse("http://[::1]:8080/").unwrap();
        assert!(is_safe(&from_url(&ip)), "{}", from_url(&ip));
    }

    #[test]
    fn unsafe_ids_never_escape_the_folder() {
        let mut s = Stems::default();
        assert_eq!(s.assign("M-001"), "M-001");
        assert_eq!(s.assign("가맹점7"), "가맹점7");
        for bad in [
            "../etc/passwd",
            "a/b",
            "a\\b",
            ".hidden",
            "CON",
            "nul.txt",
            "",
            "x\u{0}y",
        ] {
            let stem = s.assign(bad);
            assert!(is_safe(&stem), "{bad:?} → {stem:?}");
            assert!(!stem.contains('/') && !stem.contains('\\') && !stem.starts_with('.'));
        }
        // Case-insensitive file systems: M-001 and m-001 must not share a file.
        let other = s.assign("m-001");
        assert_ne!(other.to_lowercase(), "m-001");
    }
}
