//! The best-first frontier: a priority queue of URLs to fetch, a seen set, and the caps that
//! keep a trap (calendar, paginator, 100,000-link page) from filling memory or the budget.

use std::cmp::Reverse;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};

use url::Url;

use super::normalize::{has_repeating_segments, pattern_key};
use crate::extract::Area;

/// How a URL came to be crawled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The start URL.
    Seed,
    /// A link on a fetched page.
    Link,
    /// A URL listed in the site's sitemap.
    Sitemap,
    /// A well-known platform path fetched directly (`/order/basket.html`, `/cart`, …).
    Probe,
}

impl Source {
    /// The name shown in reports and logs.
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
    /// The URL to fetch (normalised).
    pub url: Url,
    /// Links followed from the start URL to reach it (0 for the start URL).
    pub depth: u32,
    /// How promising the URL is: higher is fetched sooner.
    pub priority: i32,
    /// How the URL was found.
    pub source: Source,
    /// Anchor text (capped), kept so priorities can be recomputed when the open checks change.
    pub text: String,
    /// Where on the page the link sat (nav, footer, body).
    pub area: Area,
    /// Page classes the link text predicts.
    pub predicted: Vec<usize>,
    /// How much `priority` was already lowered by [`Frontier::pop_by`] (0 when ranked fresh).
    pub discount: i32,
}

/// Why a URL was not queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Already queued or fetched.
    Seen,
    /// The seen set or the queue is full and the URL ranks too low to displace another.
    Full,
    /// Too many URLs of the same shape were already queued.
    PatternCap,
    /// The URL repeats path segments, the shape of a crawler trap.
    Trap,
}

/// Priority queue + seen set + caps. When the queue is full, a new URL ranked above the
/// lowest queued one takes its place, so the best links found late are not lost.
pub struct Frontier {
    /// Keyed by (priority, reversed arrival): the last key is the best, earliest found.
    queue: BTreeMap<(i32, Reverse<u64>), Entry>,
    seen: HashSet<u64>,
    per_pattern: HashMap<u64, u32>,
    pattern_cap: u32,
    cap: usize,
    seq: u64,
    /// Ranks ignored: first found, first fetched (the breadth-first diagnostic).
    fifo: bool,
    /// URLs refused or evicted because the frontier or a pattern was full.
    pub dropped: usize,
}

/// Most distinct URLs remembered; past this, new URLs are refused.
const MAX_SEEN: usize = 1_000_000;

/// A queue size that keeps the best links of any site while bounding memory (a few MB).
pub const MAX_QUEUED: usize = 20_000;

fn h(s: &str) -> u64 {
    let mut x = DefaultHasher::new();
    s.hash(&mut x);
    x.finish()
}

impl Frontier {
    /// `cap`: most queued URLs; `pattern_cap`: most URLs of one shape (0 = no cap).
    pub fn new(cap: usize, pattern_cap: u32) -> Self {
        Frontier {
            queue: BTreeMap::new(),
            seen: HashSet::new(),
            per_pattern: HashMap::new(),
            pattern_cap,
            cap: cap.max(1),
            seq: 0,
            fifo: false,
            dropped: 0,
        }
    }

    /// Fetch in the order found, ignoring ranks: a diagnostic that shows what best-first saves.
    pub fn breadth_first(mut self) -> Self {
        self.fifo = true;
        self
    }

    /// The queue key rank of an entry.
    fn rank(&self, e: &Entry) -> i32 {
        if self.fifo {
            0
        } else {
            e.priority
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

    /// Whether a link to `url` could be queued at all (not seen, not a trap shape, its pattern
    /// not full): a cheap test before ranking the link.
    pub fn admits(&self, url: &Url) -> bool {
        if self.is_seen(url) || has_repeating_segments(url) {
            return false;
        }
        self.pattern_cap == 0
            || self
                .per_pattern
                .get(&h(&pattern_key(url)))
                .is_none_or(|n| *n < self.pattern_cap)
    }

    /// Queues an entry unless it was seen, is a trap shape, or a cap is reached.
    pub fn push(&mut self, e: Entry) -> Result<(), Refused> {
        let key = h(e.url.as_str());
        if self.seen.contains(&key) {
            return Err(Refused::Seen);
        }
        if e.source != Source::Seed && has_repeating_segments(&e.url) {
            return Err(Refused::Trap);
        }
        if self.seen.len() >= MAX_SEEN {
            self.dropped += 1;
            return Err(Refused::Full);
        }
        let pattern =
            (self.pattern_cap > 0 && e.source != Source::Seed).then(|| h(&pattern_key(&e.url)));
        if let Some(p) = pattern {
            if self
                .per_pattern
                .get(&p)
                .is_some_and(|n| *n >= self.pattern_cap)
            {
                self.dropped += 1;
                return Err(Refused::PatternCap);
            }
        }
        if self.queue.len() >= self.cap {
            match self.queue.first_key_value() {
                Some((&(lowest, _), _)) if self.rank(&e) > lowest => {
                    self.queue.pop_first();
                    self.dropped += 1;
                }
                _ => {
                    self.dropped += 1;
                    return Err(Refused::Full);
                }
            }
        }
        if let Some(p) = pattern {
            *self.per_pattern.entry(p).or_insert(0) += 1;
        }
        self.seen.insert(key);
        self.seq += 1;
        self.queue.insert((self.rank(&e), Reverse(self.seq)), e);
        Ok(())
    }

    /// Takes the best-ranked entry (earliest found among equals), ignoring discounts.
    pub fn pop(&mut self) -> Option<Entry> {
        self.queue.pop_last().map(|(_, e)| e)
    }

    /// Pops the best entry by its rank *now*: `discount(e)` is how much lower the entry ranks
    /// than when it was ranked (its class already had pages fetched, say), and only grows. An
    /// entry that dropped is requeued at its new rank and the next best looked at, so the queue
    /// stays in order without re-ranking all of it after every page.
    pub fn pop_by(&mut self, mut discount: impl FnMut(&Entry) -> i32) -> Option<Entry> {
        loop {
            let ((_, seq), mut e) = self.queue.pop_last()?;
            let d = discount(&e);
            if self.fifo || d <= e.discount {
                return Some(e);
            }
            e.priority -= d - e.discount;
            e.discount = d;
            self.queue.insert((e.priority, seq), e);
        }
    }

    /// Rank of the best queued entry (before any discount [`Frontier::pop_by`] would apply).
    pub fn best_priority(&self) -> Option<i32> {
        self.queue.last_key_value().map(|(_, e)| e.priority)
    }

    /// Number of queued entries.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Recomputes every queued priority (when a check passes, links that only served it drop).
    pub fn reprioritize(&mut self, mut f: impl FnMut(&Entry) -> i32) {
        if self.fifo {
            return;
        }
        let items = std::mem::take(&mut self.queue);
        self.queue = items
            .into_iter()
            .map(|((_, seq), mut e)| {
                e.priority = f(&e);
                e.discount = 0;
                ((e.priority, seq), e)
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
            discount: 0,
        }
    }

    #[test]
    fn pop_by_requeues_entries_that_rank_lower_now() {
        let mut f = Frontier::new(100, 0);
        let mut a = e("http://s/listing-1", 50);
        a.predicted = vec![1];
        let mut b = e("http://s/listing-2", 50);
        b.predicted = vec![1];
        f.push(a).unwrap();
        f.push(b).unwrap();
        f.push(e("http://s/product", 45)).unwrap();
        let mut spent = 0;
        let mut order = Vec::new();
        while let Some(x) = f.pop_by(|x| if x.predicted == [1] { spent * 10 } else { 0 }) {
            if x.predicted == [1] {
                spent += 1;
            }
            order.push((x.url.path().to_string(), x.priority));
        }
        assert_eq!(
            order,
            [
                ("/listing-1".to_string(), 50),
                ("/product".to_string(), 45),
                ("/listing-2".to_string(), 40)
            ]
        );
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
    fn breadth_first_ignores_ranks() {
        let mut f = Frontier::new(100, 0).breadth_first();
        f.push(e("http://s/a", 0)).unwrap();
        f.push(e("http://s/b", 50)).unwrap();
        f.push(e("http://s/c", 9)).unwrap();
        f.reprioritize(|e| if e.url.path() == "/c" { 99 } else { 0 });
        let order: Vec<String> = std::iter::from_fn(|| f.pop())
            .map(|e| e.url.path().to_string())
            .collect();
        assert_eq!(order, vec!["/a", "/b", "/c"]);
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

    #[test]
    fn a_full_queue_keeps_the_best_links() {
        let mut f = Frontier::new(3, 0);
        for (i, p) in [5, 1, 3, 9, 0, 7].iter().enumerate() {
            let _ = f.push(e(&format!("http://s/p{i}"), *p));
        }
        let kept: Vec<i32> = std::iter::from_fn(|| f.pop()).map(|e| e.priority).collect();
        assert_eq!(kept, vec![9, 7, 5]);
    }

    #[test]
    fn traps_are_refused_but_not_as_the_start_url() {
        let mut f = Frontier::new(10, 2);
        let trap = "http://s/a/b/a/b/a/b/a/b";
        assert!(!f.admits(&Url::parse(trap).unwrap()));
        assert_eq!(f.push(e(trap, 1)), Err(Refused::Trap));
        let mut seed = e(trap, 1);
        seed.source = Source::Seed;
        assert!(f.push(seed).is_ok());
        f.push(e("http://s/cal?day=1", 1)).unwrap();
        f.push(e("http://s/cal?day=2", 1)).unwrap();
        assert!(!f.admits(&Url::parse("http://s/cal?day=3").unwrap()));
    }
}
