//! `--shard i/n`: a deterministic share of the rows, so a Kubernetes Indexed Job or a CI matrix
//! can split one CSV across machines without coordinating. Every machine reads the whole CSV
//! and keeps the rows whose id hashes to its share; the hash is fixed (FNV-1a), so the split is
//! the same on every machine and every run.

use std::fmt;
use std::str::FromStr;

use super::id::fnv1a64;

/// Share `index` of `count` (1-based: `1/3`, `2/3`, `3/3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// Which share this is, from 1 to `count`.
    pub index: u32,
    /// How many shares the rows are split into (at least 1).
    pub count: u32,
}

impl Shard {
    /// Whether the row with this id belongs to this shard.
    pub fn contains(&self, id: &str) -> bool {
        fnv1a64(id.as_bytes()) % u64::from(self.count) == u64::from(self.index - 1)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("'{s}' is not a shard: expected I/N with 1 ≤ I ≤ N, e.g. 2/5");
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_based_shards() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "-1/2", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(Shard { index: 1, count: 4 }.to_string(), "1/4");
    }

    #[test]
    fn shards_partition_ids() {
        let ids: Vec<String> = (0..300).map(|i| format!("M{i:04}")).collect();
        let shards: Vec<Shard> = (1..=3).map(|i| Shard { index: i, count: 3 }).collect();
        for id in &ids {
            assert_eq!(shards.iter().filter(|s| s.contains(id)).count(), 1, "{id}");
        }
        for s in &shards {
            let n = ids.iter().filter(|id| s.contains(id)).count();
            assert!((60..=140).contains(&n), "shard {s} got {n} of 300");
        }
        // Pinned: the split must never change between versions or machines.
        assert!(Shard { index: 1, count: 1 }.contains("anything"));
        for (id, of3, of5) in [
            ("M0000", 1, 2),
            ("M0001", 2, 3),
            ("merchant-42", 3, 5),
            ("가맹점7", 2, 5),
            ("shop.example.com-1a2b3c4d", 3, 1),
            ("line-9", 3, 3),
        ] {
            assert!(
                Shard {
                    index: of3,
                    count: 3
                }
                .contains(id),
                "{id}"
            );
            assert!(
                Shard {
                    index: of5,
                    count: 5
                }
                .contains(id),
                "{id}"
            );
        }
    }
}
