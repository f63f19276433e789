//! The best-first frontier: a priority queue of URLs to fetch, a seen set, and the caps that
//! keep a trap (calendar, paginator, 100,000-link page) from filling memory or the budget.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use url::Url;

use super::normalize::{has_repeating_segments, pattern_key};
use crate::extract::Area;

/// How a URL came to be crawled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Seed,
    Link,
    Sitemap,
    /// A well-known platform path fetched directly (`/order/basket.html`, `/cart`, …).
    Probe,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Seed => "seed",
            Source::Link => "link",
            Source::Sitemap => "sitemap",
            Source::Probe => "probe",
        }
    }
}

/// A URL waiting to be fetched, with what is known of the link that found it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub url: Url,
    pub depth: u32,
    pub priority: i32,
    pub source: Source,
    /// Anchor text (capped), kept so priorities can be recomputed when the open checks change.
    pub text: String,
    pub area: Area,
    /// Page classes the link text predicts.
    pub predicted: Vec<usize>,
}

struct Item {
    priority: i32,
    seq: u64,
    entry: Entry,
}

impl PartialEq for Item {
    fn eq(&self, o: &Self) -> bool {
        self.priority == o.priority && self.seq == o.seq
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Item {
    // Highest priority first; among equals, first found first (breadth-first within a rank).
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.priority
            .cmp(&o.priority)
            .then_with(|| o.seq.cmp(&self.seq))
    }
}

/// Why a URL was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Seen,
    Full,
    PatternCap,
    Trap,
}

/// Priority queue + seen set + caps.
pub struct Frontier {
    heap: BinaryHeap<Item>,
    seen: HashSet<u64>,
    per_pattern: HashMap<u64, u32>,
    pattern_cap: u32,
    cap: usize,
    seq: u64,
    /// URLs refused because the frontier or a pattern was full.
    pub dropped: usize,
}

/// Most distinct URLs remembered; past this, new URLs are refused.
const MAX_SEEN: usize = 1_000_000;

fn h(s: &str) -> u64 {
    let mut x = DefaultHasher::new();
    s.hash(&mut x);
    x.finish()
}

impl Frontier {
    /// `cap`: most queued URLs; `pattern_cap`: most URLs of one shape (0 = no cap).
    pub fn new(cap: usize, pattern_cap: u32) -> Self {
        Frontier {
            heap: BinaryHeap::new(),
            seen: HashSet::new(),
            per_pattern: HashMap::new(),
            pattern_cap,
            cap,
            seq: 0,
            dropped: 0,
        }
    }

    /// Whether `url` was already queued or fetched.
    pub fn is_seen(&self, url: &Url) -> bool {
        self.seen.contains(&h(url.as_str()))
    }

    /// Marks a URL as seen without queuing it (e.g. the final URL of a redirect).
    pub fn mark_seen(&mut self, url: &Url) {
        if self.seen.len() < MAX_SEEN {
            self.seen.insert(h(url.as_str()));
        }
    }

    /// Queues an entry unless it was seen, is a trap shape, or a cap is reached.
    pub fn push(&mut self, e: Entry) -> Result<(), Refused> {
        let key = h(e.url.as_str());
        if self.seen.contains(&key) {
            return Err(Refused::Seen);
        }
        if has_repeating_segments(&e.url) {
            return Err(Refused::Trap);
        }
        if self.heap.len() >= self.cap || self.seen.len() >= MAX_SEEN {
            self.dropped += 1;
            return Err(Refused::Full);
        }
        if self.pattern_cap > 0 && e.source != Source::Seed {
            let n = self.per_pattern.entry(h(&pattern_key(&e.url))).or_insert(0);
            if *n >= self.pattern_cap {
                self.dropped += 1;
                return Err(Refused::PatternCap);
            }
            *n += 1;
        }
        self.seen.insert(key);
        self.seq += 1;
        self.heap.push(Item {
            priority: e.priority,
            seq: self.seq,
            entry: e,
        });
        Ok(())
    }

    pub fn pop(&mut self) -> Option<Entry> {
        self.heap.pop().map(|i| i.entry)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Recomputes every queued priority (when a check passes, links that only served it drop).
    pub fn reprioritize(&mut self, mut f: impl FnMut(&Entry) -> i32) {
        let items = std::mem::take(&mut self.heap).into_vec();
        self.heap = items
            .into_iter()
            .map(|mut i| {
                i.priority = f(&i.entry);
                i.entry.priority = i.priority;
                i
            })
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(u: &str, p: i32) -> Entry {
        Entry {
            url: Url::parse(u).unwrap(),
            depth: 1,
            priority: p,
            source: Source::Link,
            text: String::new(),
            area: Area::Body,
            predicted: vec![],
        }
    }

    #[test]
    fn best_first_then_fifo() {
        let mut f = Frontier::new(100, 0);
        f.push(e("http://s/a", 0)).unwrap();
        f.push(e("http://s/b", 50)).unwrap();
        f.push(e("http://s/c", 0)).unwrap();
        assert_eq!(f.push(e("http://s/a", 9)), Err(Refused::Seen));
        let order: Vec<String> = std::iter::from_fn(|| f.pop())
            .map(|e| e.url.path().to_string())
            .collect();
        assert_eq!(order, vec!["/b", "/a", "/c"]);
    }

    #[test]
    fn caps_patterns_and_size() {
        let mut f = Frontier::new(100, 3);
        for d in 0..10 {
            let _ = f.push(e(&format!("http://s/cal?day={d}"), 1));
        }
        assert_eq!(f.len(), 3);
        let mut g = Frontier::new(5, 0);
        for d in 0..10 {
            let _ = g.push(e(&format!("http://s/p{d}"), 1));
        }
        assert_eq!(g.len(), 5);
        assert_eq!(g.dropped, 5);
    }
}
