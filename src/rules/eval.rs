//! Evaluating compiled rules against one page's facts, and scoring links for the frontier.

use aho_corasick::{AhoCorasick, AhoCorasickKind};
use regex::Regex;
use regex_automata::{meta, Anchored, Input, MatchKind};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{self, Hir, HirKind, Look};
use url::{Position, Url};

use super::{Owner, Rule, RuleSet, Signal};
use crate::extract::{snippet_around, Area, Form, Link, PageFacts, StructuredItem};

const SNIPPET: usize = 200;

/// Matchers built once per rule set, so that a page costs one pass over its text rather than
/// one pass per rule, and never the regex engine's slow path.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fast {
    /// Per rule: the two-step matcher of a pattern with Unicode word boundaries.
    bounded: Vec<Option<Bounded>>,
    /// Which page-text rules can match a page at all, and where, in one pass.
    screen: Option<Screen>,
    /// Which links each link rule can match by their text, in one pass over all link texts…
    links: Option<Screen>,
    /// …and by their href, in one pass over all hrefs, with only the literals an href can
    /// hold (a serialized URL is printable ASCII), which leaves few enough to skip fast.
    hrefs: Option<Screen>,
    /// Per list a rule may read ([`List`]): which rules can match which items, in one pass
    /// over all of them.
    lists: [Option<Screen>; List::COUNT],
    /// Per screened page-text rule: where its matches can start, given where its literals are.
    starts: Vec<Option<Starts>>,
}

impl Fast {
    pub(crate) fn new(rules: &[Rule], regex_of: fn(&Signal) -> Option<&Regex>) -> Fast {
        // Each rule's pattern parsed once, for both matchers.
        let hirs: Vec<Option<Hir>> = rules
            .iter()
            .map(|r| regex_of(&r.signal).and_then(|re| parse(re.as_str())))
            .collect();
        let bounded: Vec<Option<Bounded>> = hirs
            .iter()
            .map(|h| h.as_ref().and_then(Bounded::new))
            .collect();
        let screen = Screen::new(
            rules,
            &hirs,
            |r| matches!(r.signal, Signal::Text { footer: false, .. }),
            |_| true,
        );
        // Class link rules only rank links (`link_priority`); a page's own links are read by
        // the others.
        let link = |r: &Rule| {
            matches!(r.signal, Signal::Link { .. }) && !matches!(r.owner, Owner::Class(_))
        };
        let links = Screen::new(rules, &hirs, link, |_| true);
        let in_url = |l: &[u8]| l.iter().all(|b| (b' '..=b'~').contains(b));
        let hrefs = Screen::new(rules, &hirs, link, in_url);
        let lists = List::ALL.map(|list| {
            Screen::new(
                rules,
                &hirs,
                |r| List::of(&r.signal) == Some(list),
                |_| true,
            )
        });
        let starts = (0..rules.len())
            .map(|i| {
                let back = screen.as_ref()?.back.get(i)?.as_ref()?;
                let hir = hirs.get(i)?.as_ref()?;
                Starts::new(hir, back, bounded.get(i).and_then(Option::as_ref))
            })
            .collect();
        Fast {
            bounded,
            screen,
            links,
            hrefs,
            lists,
            starts,
        }
    }
}

/// A meta regex configured as `regex::Regex` configures its own.
fn build(hir: &Hir) -> Option<meta::Regex> {
    let config = meta::Config::new()
        .match_kind(MatchKind::LeftmostFirst)
        .utf8_empty(true)
        .nfa_size_limit(Some(super::REGEX_SIZE_LIMIT));
    meta::Builder::new()
        .configure(config)
        .syntax(regex_automata::util::syntax::Config::new().utf8(true))
        .build_from_hir(hir)
        .ok()
}

/// A pattern's syntax tree, parsed as `regex::Regex` parses it.
fn parse(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .utf8(true)
        .build()
        .parse(pattern)
        .ok()
}

/// Every match of a page-text rule contains one of the rule's *required literals* (worked out
/// from the pattern once); one Aho-Corasick pass over the page's text finds where they occur.
/// Rules none of whose literals occur are not run at all, and the others only look near the
/// occurrences. Rules without usable literals are always run, over the whole text.
#[derive(Debug, Clone)]
struct Screen {
    find: Find,
    /// Literal id → the rules that require it.
    owners: Vec<Vec<usize>>,
    /// Per rule: screened (false = always run). Shared with every [`Scan`].
    screened: std::sync::Arc<[bool]>,
    /// Per rule: how far before its literal a match can start.
    back: Vec<Option<Back>>,
}

/// Most literals one rule may contribute; a rule needing more is always run.
const MAX_RULE_LITERALS: usize = 2048;
/// Literals are cut to this many bytes (their starts stay where they were): longer ones rarely
/// rule out more, and the screen's automaton grows with every byte.
const MAX_LITERAL_BYTES: usize = 8;
/// Most literals a screen finds with a vectorized search (see `Find::Packed`).
const MAX_PACKED_LITERALS: usize = 64;
/// Most literals drawn from one run of a pattern (case variants multiply them): past this,
/// literals are cut shorter.
const MAX_RUN_LITERALS: usize = 64;

/// Literals of which every match of a pattern contains one, compared ASCII case-insensitively.
#[derive(Debug, Clone)]
struct Required {
    lits: Vec<Vec<u8>>,
    back: Back,
}

/// What can precede a required literal inside a match: of every match, some occurrence of a
/// literal is preceded (from the match's start) by at most `bytes` bytes (`None`: no bound, as
/// after `\s*`), all of them characters of `chars`.
#[derive(Debug, Clone)]
struct Back {
    bytes: Option<usize>,
    chars: hir::ClassUnicode,
}

impl Back {
    /// Nothing: the literal starts the match.
    fn none() -> Back {
        Back {
            bytes: Some(0),
            chars: hir::ClassUnicode::empty(),
        }
    }

    /// How few starts it leaves before an occurrence: 2 for none, 1 for a few (a bound of
    /// at most 64 bytes, or characters that ordinary words are not made of), 0 for too many.
    fn rank(&self) -> u8 {
        match self.bytes {
            Some(0) => 2,
            Some(n) if n <= 64 => 1,
            _ if !self.wordy() => 1,
            _ => 0,
        }
    }

    /// Whether `chars` hold most letters (in lower case: see `fold`), so that ordinary words
    /// are made of them.
    fn wordy(&self) -> bool {
        let has = |c: char| {
            let r = self.chars.ranges();
            r.iter().any(|r| r.start() <= c && c <= r.end())
        };
        ('a'..='z').filter(|&c| has(c)).count() > 8
    }

    /// `self`, then `other`.
    fn then(&self, other: &Back) -> Back {
        let mut chars = self.chars.clone();
        chars.union(&other.chars);
        Back {
            bytes: self
                .bytes
                .zip(other.bytes)
                .and_then(|(a, b)| a.checked_add(b)),
            chars,
        }
    }

    /// Either `self` or `other`.
    fn or(&self, other: &Back) -> Back {
        let mut chars = self.chars.clone();
        chars.union(&other.chars);
        Back {
            bytes: self.bytes.zip(other.bytes).map(|(a, b)| a.max(b)),
            chars,
        }
    }

    /// What a match of `h` is made of.
    fn of(h: &Hir) -> Back {
        let any = || hir::ClassUnicode::new([hir::ClassUnicodeRange::new('\0', char::MAX)]);
        let chars = match h.kind() {
            HirKind::Empty | HirKind::Look(_) => hir::ClassUnicode::empty(),
            HirKind::Literal(hir::Literal(b)) => match std::str::from_utf8(b) {
                Ok(s) => {
                    hir::ClassUnicode::new(s.chars().map(|c| hir::ClassUnicodeRange::new(c, c)))
                }
                Err(_) => any(),
            },
            HirKind::Class(hir::Class::Unicode(c)) => c.clone(),
            HirKind::Class(hir::Class::Bytes(c)) => match c.to_unicode_class() {
                Some(c) => c,
                None => any(),
            },
            HirKind::Repetition(r) => Back::of(&r.sub).chars,
            HirKind::Capture(c) => Back::of(&c.sub).chars,
            HirKind::Concat(v) | HirKind::Alternation(v) => {
                let mut all = hir::ClassUnicode::empty();
                for h in v {
                    all.union(&Back::of(h).chars);
                }
                all
            }
        };
        Back {
            bytes: h.properties().maximum_len(),
            chars,
        }
    }
}

/// `h` with `f` applied to each of its direct sub-patterns (`h` itself when it has none).
fn rebuild(h: &Hir, f: fn(&Hir) -> Hir) -> Hir {
    match h.kind() {
        HirKind::Repetition(r) => Hir::repetition(hir::Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(f(&r.sub)),
        }),
        HirKind::Capture(c) => Hir::capture(hir::Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(f(&c.sub)),
        }),
        HirKind::Concat(v) => Hir::concat(v.iter().map(f).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(f).collect()),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => h.clone(),
    }
}

/// `h` with each class of an ASCII letter and its case variant narrowed to the lower case
/// (`(?i)ship` reads as `ship`). Every match of `h` is then, up to ASCII case, a match of the
/// result, byte for byte, so literals required by the result, compared ASCII
/// case-insensitively, are required by `h`.
fn fold(h: &Hir) -> Hir {
    match h.kind() {
        HirKind::Class(hir::Class::Unicode(c)) => {
            let has = |ch: char| c.ranges().iter().any(|r| r.start() <= ch && ch <= r.end());
            let upper: Vec<hir::ClassUnicodeRange> = ('A'..='Z')
                .filter(|&u| has(u) && has(u.to_ascii_lowercase()))
                .map(|u| hir::ClassUnicodeRange::new(u, u))
                .collect();
            if upper.is_empty() {
                return h.clone();
            }
            let mut narrowed = c.clone();
            narrowed.difference(&hir::ClassUnicode::new(upper));
            Hir::class(hir::Class::Unicode(narrowed))
        }
        HirKind::Class(hir::Class::Bytes(c)) => {
            let has = |b: u8| c.ranges().iter().any(|r| r.start() <= b && b <= r.end());
            let upper: Vec<hir::ClassBytesRange> = (b'A'..=b'Z')
                .filter(|&u| has(u) && has(u.to_ascii_lowercase()))
                .map(|u| hir::ClassBytesRange::new(u, u))
                .collect();
            if upper.is_empty() {
                return h.clone();
            }
            let mut narrowed = c.clone();
            narrowed.difference(&hir::ClassBytes::new(upper));
            Hir::class(hir::Class::Bytes(narrowed))
        }
        _ => rebuild(h, fold),
    }
}

/// A set of literals of which every match of `h` (a [`fold`]ed pattern) contains at least
/// one, if one is known.
fn required(h: &Hir) -> Option<Required> {
    fn usable(set: &[Vec<u8>]) -> bool {
        !set.is_empty() && set.len() <= MAX_RULE_LITERALS && set.iter().all(|l| !l.is_empty())
    }
    // Every match of `h` starts with one of these.
    fn prefixes(h: &Hir) -> Option<Vec<Vec<u8>>> {
        let seq = Extractor::new()
            .kind(ExtractKind::Prefix)
            .limit_total(MAX_RUN_LITERALS)
            .extract(h);
        let lits: Vec<Vec<u8>> = seq
            .literals()?
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect();
        usable(&lits).then_some(lits)
    }
    // Literals that leave few starts to try (see `Back::rank`), then long enough ones, then
    // fewer starts, longer shortest literal, fewer literals.
    fn better(a: &Required, b: &Required) -> bool {
        let key = |r: &Required| {
            let shortest = r.lits.iter().map(Vec::len).min().unwrap_or(0);
            let rank = r.back.rank();
            (
                rank > 0,
                shortest.min(4),
                rank,
                shortest,
                std::cmp::Reverse(r.lits.len()),
            )
        };
        key(a) > key(b)
    }
    let found = match h.kind() {
        HirKind::Capture(c) => required(&c.sub),
        // The first repetition holds a literal already.
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(alts) => {
            let mut lits = Vec::new();
            let mut back: Option<Back> = None;
            for a in alts {
                let r = required(a)?;
                lits.extend(r.lits);
                back = Some(match back {
                    Some(b) => b.or(&r.back),
                    None => r.back,
                });
            }
            lits.sort();
            lits.dedup();
            Some(Required { lits, back: back? })
        }
        HirKind::Concat(v) => {
            let letter = |h: &Hir| matches!(h.kind(), HirKind::Literal(_) | HirKind::Class(_));
            let mut best: Option<Required> = None;
            // What the parts before part `i` can match.
            let mut before = Back::none();
            for i in 0..v.len() {
                // The literals a run of letters starts with, and what each part requires.
                let run = (letter(&v[i]) && (i == 0 || !letter(&v[i - 1])))
                    .then(|| prefixes(&Hir::concat(v[i..].to_vec())))
                    .flatten()
                    .map(|lits| Required {
                        lits,
                        back: before.clone(),
                    });
                let part = required(&v[i]).map(|r| Required {
                    lits: r.lits,
                    back: before.then(&r.back),
                });
                for c in [run, part].into_iter().flatten() {
                    if best.as_ref().is_none_or(|b| better(&c, b)) {
                        best = Some(c);
                    }
                }
                before = before.then(&Back::of(&v[i]));
            }
            best
        }
        HirKind::Literal(_) | HirKind::Class(_) => prefixes(h).map(|lits| Required {
            lits,
            back: Back::none(),
        }),
        _ => None,
    };
    found.filter(|r| usable(&r.lits))
}

/// A required literal as a screen looks for it: cut short, in lower case.
fn screened_literal(l: &[u8]) -> Vec<u8> {
    l[..l.len().min(MAX_LITERAL_BYTES)].to_ascii_lowercase()
}

impl Screen {
    /// Screens the rules `of` picks (page-text rules; link rules), for a text that can only
    /// hold the literals that `keep` keeps. `hirs`: each rule's parsed pattern (see
    /// [`Fast::new`]).
    fn new(
        rules: &[Rule],
        hirs: &[Option<Hir>],
        of: impl Fn(&Rule) -> bool,
        keep: fn(&[u8]) -> bool,
    ) -> Option<Screen> {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut index: std::collections::HashMap<Vec<u8>, usize> = Default::default();
        let mut screened = vec![false; rules.len()];
        let mut back = vec![None; rules.len()];
        for (i, r) in rules.iter().enumerate() {
            if !of(r) {
                continue;
            }
            let Some(req) = hirs
                .get(i)
                .and_then(Option::as_ref)
                .and_then(|h| required(&fold(h)))
            else {
                continue;
            };
            screened[i] = true;
            back[i] = Some(req.back);
            for l in req.lits.into_iter().filter(|l| keep(l)) {
                let l = screened_literal(&l);
                let id = *index.entry(l.clone()).or_insert_with(|| {
                    literals.push(l);
                    owners.push(Vec::new());
                    owners.len() - 1
                });
                if !owners[id].contains(&i) {
                    owners[id].push(i);
                }
            }
        }
        if !screened.contains(&true) {
            return None;
        }
        Some(Screen {
            find: Find::new(literals)?,
            owners,
            screened: screened.into(),
            back,
        })
    }

    /// Where each screened rule's literals occur in `text`.
    /// Where each screened rule's literals occur in `text`. Costs what the text and the
    /// occurrences cost, nothing per rule: lists of a few short items are scanned too.
    fn scan(&self, text: &str) -> Scan {
        let mut found: Vec<(usize, usize)> = Vec::new();
        self.find.each(text, |lit, start| {
            found.extend(self.owners[lit].iter().map(|&r| (r, start)));
        });
        // By rule, then by start (overlapping matches come in order of their ends).
        found.sort_unstable();
        found.dedup();
        let (rule, at) = found.into_iter().unzip();
        Scan {
            screened: self.screened.clone(),
            rule,
            at,
        }
    }

    fn is_screened(&self, i: usize) -> bool {
        self.screened.get(i).copied().unwrap_or(false)
    }

    /// Per rule: whether it can match `text` (always true for rules not screened).
    #[cfg(test)]
    fn possible(&self, text: &str) -> Vec<bool> {
        let scan = self.scan(text);
        (0..self.screened.len()).map(|i| scan.possible(i)).collect()
    }
}

/// How a screen finds every occurrence of its literals (lower case), ASCII case-insensitively.
#[derive(Debug, Clone)]
enum Find {
    /// Many literals: one automaton that folds case (a `(?i)` pattern's case variants are one
    /// literal rather than hundreds, which keeps it small enough to be a DFA).
    Automaton(AhoCorasick),
    /// Few literals: a vectorized search for where any of them starts, in a lower-cased copy
    /// of the text, many times faster than an automaton that looks at every byte.
    Packed {
        starts: aho_corasick::packed::Searcher,
        literals: Vec<Vec<u8>>,
    },
}

impl Find {
    fn new(literals: Vec<Vec<u8>>) -> Option<Find> {
        if literals.len() <= MAX_PACKED_LITERALS {
            let packed = aho_corasick::packed::Config::new()
                .match_kind(aho_corasick::packed::MatchKind::LeftmostFirst)
                .builder()
                .extend(&literals)
                .build();
            if let Some(starts) = packed {
                return Some(Find::Packed { starts, literals });
            }
        }
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&literals)
            .ok()?;
        Some(Find::Automaton(ac))
    }

    /// Calls `found(literal id, start)` for every occurrence of every literal in `text`.
    fn each(&self, text: &str, mut found: impl FnMut(usize, usize)) {
        match self {
            Find::Automaton(ac) => {
                for m in ac.find_overlapping_iter(text) {
                    found(m.pattern().as_usize(), m.start());
                }
            }
            Find::Packed { starts, literals } => {
                // Lower-casing ASCII keeps every byte where it was.
                let text = text.as_bytes().to_ascii_lowercase();
                let mut at = 0;
                // The leftmost match from each position on: every start of any literal, in
                // order; at each, every literal that starts there.
                while let Some(m) = starts.find_in(&text, aho_corasick::Span::from(at..text.len()))
                {
                    let q = m.start();
                    for (id, l) in literals.iter().enumerate() {
                        if text.get(q..).is_some_and(|t| t.starts_with(l)) {
                            found(id, q);
                        }
                    }
                    at = q + 1;
                }
            }
        }
    }
}

/// What the screen found in one page's text.
#[derive(Debug, Clone)]
struct Scan {
    /// The screen's rules (see [`Screen::screened`]).
    screened: std::sync::Arc<[bool]>,
    /// Per literal occurrence, ascending by rule: the rule it belongs to…
    rule: Vec<usize>,
    /// …and where it starts, ascending per rule.
    at: Vec<usize>,
}

impl Scan {
    /// Whether rule `i` can match the text at all (always true for rules not screened).
    fn possible(&self, i: usize) -> bool {
        !self.screened.get(i).copied().unwrap_or(false) || !self.occurrences(i).is_empty()
    }

    fn occurrences(&self, i: usize) -> &[usize] {
        let from = self.rule.partition_point(|&r| r < i);
        let to = from + self.rule[from..].partition_point(|&r| r == i);
        &self.at[from..to]
    }
}

/// A rule pattern with Unicode word boundaries (`\b`), matched in two steps. The regex engine's
/// fast DFA gives up on a Unicode `\b` at the first non-ASCII byte of the text (every Korean page,
/// and most English ones: `–`, `©`, `₩`) and falls back to an NFA simulation that costs a
/// hundred times more, on every page, for every such rule. So the same pattern without its word
/// boundaries, which matches wherever the exact one does (and more) and runs on the DFA, finds
/// candidate starts; the exact pattern then only confirms at those starts, anchored. Results are
/// the exact pattern's, match for match.
#[derive(Debug, Clone)]
pub(crate) struct Bounded {
    loose: meta::Regex,
    exact: meta::Regex,
}

/// The pattern with every Unicode word-boundary assertion replaced by "always true".
fn relax(h: &Hir) -> Hir {
    match h.kind() {
        HirKind::Look(
            Look::WordUnicode
            | Look::WordUnicodeNegate
            | Look::WordStartUnicode
            | Look::WordEndUnicode
            | Look::WordStartHalfUnicode
            | Look::WordEndHalfUnicode,
        ) => Hir::empty(),
        _ => rebuild(h, relax),
    }
}

impl Bounded {
    /// `Some` for patterns (parsed by [`parse`]) with a Unicode word boundary.
    pub(crate) fn new(hir: &Hir) -> Option<Bounded> {
        if !hir.properties().look_set().contains_word_unicode() {
            return None;
        }
        Some(Bounded {
            loose: build(&relax(hir))?,
            exact: build(hir)?,
        })
    }

    /// The leftmost-first match starting at or after `at`: what `Regex::find_at` returns.
    /// No exact match can start before the loose pattern's leftmost start, so each candidate is
    /// confirmed anchored, and the next candidate is searched from one character further.
    fn find_at(&self, hay: &str, mut at: usize) -> Option<(usize, usize)> {
        loop {
            let start = self.loose.search(&Input::new(hay).range(at..))?.start();
            let anchored = Input::new(hay).range(start..).anchored(Anchored::Yes);
            if let Some(m) = self.exact.search(&anchored) {
                return Some((m.start(), m.end()));
            }
            at = start + hay[start..].chars().next()?.len_utf8();
        }
    }
}

/// A rule's regex, with its two-step matcher when it has one, and where its matches can start
/// in the haystack at hand when the screen knows.
#[derive(Clone, Copy)]
pub(crate) struct Pat<'a> {
    re: &'a Regex,
    fast: Option<&'a Bounded>,
    near: Option<Near<'a>>,
}

/// Where a screened rule's matches can start in the text the screen scanned (every match
/// contains an occurrence of one of its required literals).
#[derive(Clone, Copy)]
struct Near<'a> {
    /// Occurrence starts, ascending.
    at: &'a [usize],
    starts: &'a Starts,
    /// [`ANCHORED_COST`], except in tests that force one path or the other.
    cost: usize,
}

/// What one anchored search costs, in bytes of unanchored search: once the starts left to try
/// would cost more than searching the rest of the text, one unanchored search is cheaper.
const ANCHORED_COST: usize = 24;

/// Where a screened page-text rule's matches can start, relative to the occurrences of its
/// literals (see [`Back`]), and the pattern to try there.
#[derive(Debug, Clone)]
struct Starts {
    /// At most this many bytes before an occurrence (`None`: no bound)…
    bytes: Option<usize>,
    /// …all of them characters of this set.
    chars: Chars,
    /// Bytes a match can start with.
    first: [bool; 256],
    /// The pattern, for anchored searches; compiled when a page first needs it, as most
    /// rules' literals never occur on a given site.
    anchored: std::sync::OnceLock<Option<meta::Regex>>,
    hir: Hir,
    /// For a pattern with Unicode word boundaries, the same without them (see [`Bounded`]):
    /// where it does not match, the exact pattern does not either, and it costs far less to
    /// find out.
    loose: Option<meta::Regex>,
}

impl Starts {
    /// `None` when `back` leaves too many starts to be worth trying one by one.
    fn new(hir: &Hir, back: &Back, bounded: Option<&Bounded>) -> Option<Starts> {
        if back.rank() == 0 || runs_wide(hir) {
            return None;
        }
        // The literals were drawn from the pattern with letter case narrowed (see `fold`).
        let mut chars = back.chars.clone();
        chars.case_fold_simple();
        let chars = Chars::new(&chars);
        let mut first = [false; 256];
        if first_bytes(hir, &mut first) {
            first = [true; 256];
        }
        let (anchored, loose) = match bounded {
            Some(b) => (Some(b.exact.clone()).into(), Some(b.loose.clone())),
            None => (Default::default(), None),
        };
        Some(Starts {
            bytes: back.bytes,
            chars,
            first,
            anchored,
            hir: hir.clone(),
            loose,
        })
    }

    fn anchored(&self) -> Option<&meta::Regex> {
        self.anchored.get_or_init(|| build(&self.hir)).as_ref()
    }

    /// The lowest start a match containing the occurrence at `q` can have, but not below
    /// `floor`.
    fn lowest(&self, hay: &str, q: usize, floor: usize) -> usize {
        let floor = match self.bytes {
            Some(b) => floor.max(q.saturating_sub(b)),
            None => floor,
        };
        let mut s = q;
        for c in hay.get(..q).unwrap_or("").chars().rev() {
            let p = s - c.len_utf8();
            if p < floor || !self.chars.contains(c) {
                break;
            }
            s = p;
        }
        s
    }
}

/// Whether `h` repeats, without bound, characters that ordinary words are made of (`.*`,
/// `[^<]+`, `\w+`): one anchored search of such a pattern can read to the end of the text, so
/// trying it at every occurrence of a literal could cost the square of the text's length.
fn runs_wide(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Repetition(r) => {
            (r.max.is_none() && Back::of(&r.sub).wordy()) || runs_wide(&r.sub)
        }
        HirKind::Capture(c) => runs_wide(&c.sub),
        HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().any(runs_wide),
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => false,
    }
}

/// A set of characters, looked up by table for ASCII.
#[derive(Debug, Clone)]
struct Chars {
    ascii: [bool; 128],
    other: Vec<(char, char)>,
}

impl Chars {
    fn new(class: &hir::ClassUnicode) -> Chars {
        let mut ascii = [false; 128];
        for (b, slot) in ascii.iter_mut().enumerate() {
            let c = char::from(b as u8);
            *slot = class
                .ranges()
                .iter()
                .any(|r| r.start() <= c && c <= r.end());
        }
        let other = class
            .ranges()
            .iter()
            .filter(|r| !r.end().is_ascii())
            .map(|r| (r.start(), r.end()))
            .collect();
        Chars { ascii, other }
    }

    fn contains(&self, c: char) -> bool {
        if c.is_ascii() {
            return self.ascii[c as usize];
        }
        let i = self.other.partition_point(|&(_, hi)| hi < c);
        self.other.get(i).is_some_and(|&(lo, _)| lo <= c)
    }
}

/// Marks in `out` the bytes a match of `h` can start with; true when `h` can match the empty
/// string (so what follows it can start the match too).
fn first_bytes(h: &Hir, out: &mut [bool; 256]) -> bool {
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(hir::Literal(b)) => match b.first() {
            Some(&b) => {
                out[usize::from(b)] = true;
                false
            }
            None => true,
        },
        HirKind::Class(hir::Class::Unicode(c)) => {
            let lead = |c: char| c.encode_utf8(&mut [0; 4]).as_bytes()[0];
            for r in c.ranges() {
                for b in lead(r.start())..=lead(r.end()) {
                    out[usize::from(b)] = true;
                }
            }
            false
        }
        HirKind::Class(hir::Class::Bytes(c)) => {
            for r in c.ranges() {
                for b in r.start()..=r.end() {
                    out[usize::from(b)] = true;
                }
            }
            false
        }
        HirKind::Repetition(r) => first_bytes(&r.sub, out) || r.min == 0,
        HirKind::Capture(c) => first_bytes(&c.sub, out),
        HirKind::Concat(v) => v.iter().all(|h| first_bytes(h, out)),
        HirKind::Alternation(v) => v.iter().fold(false, |empty, h| first_bytes(h, out) | empty),
    }
}

impl<'a> Pat<'a> {
    fn find_at(&self, hay: &str, at: usize) -> Option<(usize, usize)> {
        match self.near {
            Some(n) => self.find_near(n, hay, at),
            None => self.find_from(hay, at),
        }
    }

    fn find_from(&self, hay: &str, at: usize) -> Option<(usize, usize)> {
        match self.fast {
            Some(b) => b.find_at(hay, at),
            None => self.re.find_at(hay, at).map(|m| (m.start(), m.end())),
        }
    }

    /// [`Pat::find_at`] that only tries the starts `n` leaves, in order: the first that
    /// matches (anchored, as the unanchored search would match there) is the leftmost match.
    /// A search starting late still sees the text before it, for look-around such as `\b`.
    /// Where candidate starts are dense, one unanchored search from the first is cheaper.
    fn find_near(&self, n: Near<'_>, hay: &str, at: usize) -> Option<(usize, usize)> {
        let Some(anchored) = n.starts.anchored() else {
            return self.find_from(hay, at);
        };
        let occ = n.at;
        let first = occ.partition_point(|&q| q < at);
        // Every start below `done` has been tried. The lowest start an occurrence allows
        // never decreases from one occurrence to the next, so starts are tried in order.
        let mut done = at;
        let mut budget = hay.len().saturating_sub(at);
        for (i, &q) in occ.iter().enumerate().skip(first) {
            if q < done {
                continue;
            }
            let lo = n.starts.lowest(hay, q, done);
            let left = occ.len() - i;
            if left.saturating_mul(n.cost) > hay.len().saturating_sub(lo) {
                return self.find_from(hay, lo);
            }
            for s in lo..=q {
                let Some(&b) = hay.as_bytes().get(s) else {
                    break;
                };
                if !n.starts.first[usize::from(b)] || !hay.is_char_boundary(s) {
                    continue;
                }
                if budget < n.cost {
                    return self.find_from(hay, s);
                }
                budget -= n.cost;
                let input = Input::new(hay).range(s..).anchored(Anchored::Yes);
                if n.starts
                    .loose
                    .as_ref()
                    .is_some_and(|l| !l.is_match(input.clone()))
                {
                    continue;
                }
                if let Some(m) = anchored.search(&input) {
                    return Some((m.start(), m.end()));
                }
            }
            done = q + 1;
        }
        None
    }

    pub(crate) fn find(&self, hay: &str) -> Option<(usize, usize)> {
        self.find_at(hay, 0)
    }

    pub(crate) fn is_match(&self, hay: &str) -> bool {
        match self.fast {
            Some(b) => b.find_at(hay, 0).is_some(),
            None => self.re.is_match(hay),
        }
    }

    /// Successive non-overlapping matches, as `Regex::find_iter` yields them (an empty match
    /// right where the previous match ended is skipped).
    pub(crate) fn find_iter<'h>(&self, hay: &'h str) -> impl Iterator<Item = (usize, usize)> + 'h
    where
        'a: 'h,
    {
        let this = *self;
        let mut at = Some(0usize);
        let mut last_end: Option<usize> = None;
        std::iter::from_fn(move || loop {
            let (s, e) = this.find_at(hay, at?)?;
            if s == e && last_end == Some(e) {
                at = hay[s..].chars().next().map(|c| s + c.len_utf8());
                continue;
            }
            last_end = Some(e);
            at = Some(e);
            return Some((s, e));
        })
    }
}

/// What the evaluator needs to know about one fetched page.
pub struct PageInput<'a> {
    /// The page's URL (after redirects).
    pub url: &'a Url,
    /// The HTTP status it answered.
    pub status: u16,
    /// Facts of the page; `None` when it did not answer with HTML.
    pub facts: Option<&'a PageFacts>,
    /// Classes predicted by the text of links that led here (a "Shipping" link → shipping page).
    pub predicted: &'a [usize],
    /// Rules whose evidence the crawl has enough of: they are not searched on this page.
    pub enough: Option<&'a Enough>,
}

/// Rules a crawl has enough evidence for (a report shows a few pages per rule): a snapshot the
/// crawl hands to each page task when it sends it, so evidence flows one way. A later page's
/// hit of such a rule would be thrown away, so the rule is not searched at all: on a long crawl
/// most of the text rules that can fire on a shop's pages have fired on its first few.
#[derive(Debug, Clone, Default)]
pub struct Enough(std::sync::Arc<[bool]>);

impl Enough {
    /// Nothing is enough yet, for `rules` rules.
    pub fn new(rules: usize) -> Enough {
        Enough(vec![false; rules].into())
    }

    /// This snapshot with rule `i` added.
    pub fn with(&self, i: usize) -> Enough {
        let mut v = self.0.to_vec();
        if let Some(b) = v.get_mut(i) {
            *b = true;
        }
        Enough(v.into())
    }

    /// Whether rule `i` has enough evidence.
    pub fn has(&self, i: usize) -> bool {
        self.0.get(i).copied().unwrap_or(false)
    }
}

/// One matched rule on one page.
#[derive(Debug, Clone)]
pub struct Hit {
    /// Index of the rule in [`RuleSet::rules`](crate::rules::RuleSet::rules).
    pub rule: usize,
    /// A short excerpt of the page showing the match; empty for class rules.
    pub snippet: String,
    /// The text the pattern matched; empty for class rules.
    pub matched: String,
}

/// Classes and rule hits of one page.
#[derive(Debug, Clone, Default)]
pub struct PageEval {
    /// Classes of the page, as indices into [`RuleSet::classes`](crate::rules::RuleSet::classes).
    pub classes: Vec<usize>,
    /// Rules that matched on the page.
    pub hits: Vec<Hit>,
    /// What the page-text screen found, for later searches of the same text.
    pub screen: Option<TextScan>,
    /// Hits the quality gate set aside, with the reason (see `gate`).
    pub discarded: Vec<super::Discard>,
    /// Why the page's products are set aside (template source), if they are.
    pub template: Option<String>,
}

/// Where the page-text screen found each rule's literals in one page's text: later searches of
/// that text (the prices a product page shows) skip the rules that cannot match and look only
/// near the literals of the others, as evaluation did.
#[derive(Debug, Clone)]
pub struct TextScan {
    /// Length of the text scanned: a scan only serves the text it was made of.
    len: usize,
    scan: Scan,
}

/// What evaluating one page works out once and shares between its rules.
struct Page<'f> {
    facts: &'f PageFacts,
    /// Where the screened page-text rules' literals occur (2xx pages).
    scan: Option<Scan>,
    links: std::cell::OnceCell<PageLinks>,
    /// Per [`List`]: where its rules' literals occur, worked out when the first rule asks.
    lists: [std::cell::OnceCell<ListScan>; List::COUNT],
}

/// The lists of short texts rules read item by item: a page has a handful of headings and
/// buttons and a dozen script sources, and each of the many rules that read them used to run
/// its pattern on every item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Headings,
    Buttons,
    Scripts,
}

impl List {
    const COUNT: usize = 3;
    const ALL: [List; List::COUNT] = [List::Headings, List::Buttons, List::Scripts];

    fn of(signal: &Signal) -> Option<List> {
        match signal {
            Signal::Heading(_) => Some(List::Headings),
            Signal::Button(_) => Some(List::Buttons),
            Signal::ScriptSrc(_) => Some(List::Scripts),
            _ => None,
        }
    }

    fn items(self, f: &PageFacts) -> &[String] {
        match self {
            List::Headings => &f.headings,
            List::Buttons => &f.buttons,
            List::Scripts => &f.scripts,
        }
    }
}

/// One screen's pass over a list's items, end to end, each followed by a newline (which no
/// literal holds, so every literal found lies within one item).
struct ListScan {
    scan: Scan,
    /// Per item: where it ends in the scanned text (newline included).
    ends: Vec<usize>,
}

impl ListScan {
    fn new(screen: &Screen, items: &[String]) -> ListScan {
        let mut all = String::with_capacity(items.iter().map(|t| t.len() + 1).sum());
        let mut ends = Vec::with_capacity(items.len());
        for t in items {
            all.push_str(t);
            all.push('\n');
            ends.push(all.len());
        }
        ListScan {
            scan: screen.scan(&all),
            ends,
        }
    }

    /// The items that hold one of rule `i`'s literals, in order.
    fn candidates(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let mut last = None;
        self.scan.occurrences(i).iter().filter_map(move |&q| {
            let k = self.ends.partition_point(|&e| e <= q);
            (last != Some(k)).then(|| {
                last = Some(k);
                k
            })
        })
    }
}

/// The page's links as link rules read them, worked out when the first link rule runs.
struct PageLinks {
    /// Each link's href (path and query), then a newline, in link order: what the href screen
    /// scans, and where hrefs are read from.
    hrefs: String,
    /// Per link: where its text and its href end (newline included).
    ends: Vec<(usize, usize)>,
    /// What the two screens found (in each link's text, then a newline, end to end; and in
    /// `hrefs`), when both exist.
    scans: Option<(Scan, Scan)>,
}

impl PageLinks {
    fn new(links: &[Link], screens: Option<(&Screen, &Screen)>, page: Option<&Url>) -> PageLinks {
        // A link off the site is read as its whole URL (a hosted checkout's host is what it
        // says); a link on the site as its path and query.
        let off = |l: &Link| page.is_some_and(|u| l.url.host_str() != u.host_str());
        let hrefs_len = links.iter().map(|l| path_query(&l.url).len() + 1);
        let mut hrefs = String::with_capacity(hrefs_len.sum());
        let mut ends = Vec::with_capacity(links.len());
        let mut texts_len = 0;
        for l in links {
            texts_len += l.text.len() + 1;
            if off(l) {
                hrefs.push_str(l.url.as_str());
            } else {
                hrefs.push_str(path_query(&l.url));
            }
            hrefs.push('\n');
            ends.push((texts_len, hrefs.len()));
        }
        let scans = screens.map(|(t, h)| {
            let mut texts = String::with_capacity(texts_len);
            for l in links {
                texts.push_str(&l.text);
                texts.push('\n');
            }
            (t.scan(&texts), h.scan(&hrefs))
        });
        PageLinks { hrefs, ends, scans }
    }

    /// Link `k`'s path and query (see [`path_query`]).
    fn href(&self, k: usize) -> Option<&str> {
        let start = match k.checked_sub(1) {
            Some(j) => self.ends.get(j)?.1,
            None => 0,
        };
        let end = self.ends.get(k)?.1.checked_sub(1)?;
        self.hrefs.get(start..end)
    }

    /// The links screened rule `i` can match, in order: those whose text or href holds one of
    /// its literals (`None`: no screens, every link).
    fn candidates(&self, i: usize) -> Option<Vec<usize>> {
        let (texts, hrefs) = self.scans.as_ref()?;
        let link = |q: usize, end: fn(&(usize, usize)) -> usize| {
            self.ends.partition_point(|e| end(e) <= q)
        };
        let mut ks: Vec<usize> = texts
            .occurrences(i)
            .iter()
            .map(|&q| link(q, |e| e.0))
            .chain(hrefs.occurrences(i).iter().map(|&q| link(q, |e| e.1)))
            .collect();
        ks.sort_unstable();
        ks.dedup();
        Some(ks)
    }
}

/// The URL's path and query (`/a/b?c=d`), as the URL holds it.
fn path_query(u: &Url) -> &str {
    &u[Position::BeforePath..Position::AfterQuery]
}

/// Snippet and matched text of a hit, or two empty strings when the caller only asks whether
/// there is one (`evidence` false).
fn hit_at(hay: &str, start: usize, end: usize, evidence: bool) -> (String, String) {
    if !evidence {
        return (String::new(), String::new());
    }
    (
        snippet_around(hay, start, end, SNIPPET),
        hay[start..end].to_string(),
    )
}

fn text_hit(text: &str, re: Pat<'_>, min: usize, evidence: bool) -> Option<(String, String)> {
    let mut it = re.find_iter(text);
    let (start, end) = it.next()?;
    if min > 1 && it.take(min - 1).count() < min - 1 {
        return None;
    }
    Some(hit_at(text, start, end, evidence))
}

fn list_hit<'a>(
    items: impl Iterator<Item = &'a str>,
    re: Pat<'_>,
    evidence: bool,
) -> Option<(String, String)> {
    for s in items {
        if let Some((start, end)) = re.find(s) {
            return Some(hit_at(s, start, end, evidence));
        }
    }
    None
}

/// An `input` rule's first form control whose kind, name and value match.
fn input_hit(forms: &[Form], re: Pat<'_>) -> Option<(String, String)> {
    for form in forms {
        for inp in &form.inputs {
            let s = format!("{} {} {}", inp.kind, inp.name, inp.value);
            if let Some((a, b)) = re.find(&s) {
                return Some((truncate(&s), s[a..b].to_string()));
            }
        }
    }
    None
}

/// The first structured item (JSON-LD or microdata) of one of `types`, with `property` set
/// when the rule names one.
fn structured_hit(
    items: &[StructuredItem],
    types: &[String],
    property: Option<&str>,
    evidence: bool,
) -> Option<(String, String)> {
    for it in items {
        if !it.types.iter().any(|t| types.contains(t)) {
            continue;
        }
        if let Some(prop) = property {
            let vals = it.get_path(prop);
            let present = vals.iter().any(|v| match v {
                serde_json::Value::Null => false,
                serde_json::Value::String(s) => !s.trim().is_empty(),
                _ => true,
            });
            if !present {
                continue;
            }
        }
        if !evidence {
            return Some((String::new(), String::new()));
        }
        return Some((truncate_json(&it.value), it.types.join(",")));
    }
    None
}

/// An `empty` rule's hit: a page with at most `max_chars` of content besides navigation.
fn empty_hit(f: &PageFacts, max_chars: usize) -> Option<(String, String)> {
    let n = f.main_chars;
    (n <= max_chars).then(|| {
        (
            format!(
                "{} characters of content besides navigation: {}",
                n,
                truncate(&f.title)
            ),
            String::new(),
        )
    })
}

/// A `shell` rule's hit: a page that scripts build rather than one that shows its content.
fn shell_hit(f: &PageFacts) -> Option<(String, String)> {
    f.script_shell.then(|| {
        (
            format!(
                "{} characters of visible text, {} scripts: the page is built by JavaScript",
                f.text.chars().count(),
                f.scripts.len()
            ),
            String::new(),
        )
    })
}

/// [`truncate`] of `v`'s JSON text, serializing only as much of `v` as the snippet shows.
fn truncate_json(v: &serde_json::Value) -> String {
    /// Enough bytes for `SNIPPET` whole characters, wherever the last write stopped.
    const HEAD: usize = SNIPPET * 4 + 4;
    struct Head(Vec<u8>);
    impl std::io::Write for Head {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            if self.0.len() >= HEAD {
                // Stops the serializer: the rest would be cut anyway.
                return Err(std::io::ErrorKind::WriteZero.into());
            }
            self.0.extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut head = Head(Vec::with_capacity(HEAD + 64));
    let _cut_short = serde_json::to_writer(&mut head, v);
    let text = match std::str::from_utf8(&head.0) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&head.0[..e.valid_up_to()]).unwrap_or_default(),
    };
    truncate(text)
}

impl RuleSet {
    /// Rule `i`'s regex `re` (one of its signal's), with the two-step matcher when it has one.
    pub(crate) fn pat<'a>(&'a self, i: usize, re: &'a Regex) -> Pat<'a> {
        Pat {
            re,
            fast: self.fast.bounded.get(i).and_then(Option::as_ref),
            near: None,
        }
    }

    /// [`RuleSet::pat`] for a page-text rule, searching only where `scan` (by `screen`, of that
    /// text) says its matches can start.
    fn pat_near<'a>(&'a self, i: usize, re: &'a Regex, screen: &Screen, scan: &'a Scan) -> Pat<'a> {
        let starts = self.fast.starts.get(i).and_then(Option::as_ref);
        let near = starts.filter(|_| screen.is_screened(i)).map(|starts| Near {
            at: scan.occurrences(i),
            starts,
            cost: ANCHORED_COST,
        });
        Pat {
            near,
            ..self.pat(i, re)
        }
    }

    /// [`RuleSet::prices_in`], with what the page's text screen found (see [`PageEval::screen`]):
    /// price rules whose literals are not in the text are skipped, the others search near them.
    pub fn prices_screened(&self, text: &str, screen: Option<&TextScan>) -> Vec<(f64, String)> {
        let scan = screen.filter(|s| s.len == text.len()).map(|s| &s.scan);
        let mut out = Vec::new();
        for &i in &self.price_rules {
            if scan.is_some_and(|s| !s.possible(i)) {
                continue;
            }
            let Signal::Text { re, .. } = &self.rules[i].signal else {
                continue;
            };
            let pat = match (scan, &self.fast.screen) {
                (Some(scan), Some(screen)) => self.pat_near(i, re, screen, scan),
                _ => self.pat(i, re),
            };
            for (s, e) in pat.find_iter(text).take(64) {
                if let Some(p) = crate::extract::parse_price(&text[s..e]) {
                    out.push((p, text[s..e].to_string()));
                }
            }
        }
        out
    }

    /// Evaluates every page-level rule on one page. Non-2xx pages only give class (by URL) and
    /// `status` evidence: an error page's text proves nothing.
    pub fn evaluate(&self, p: PageInput<'_>) -> PageEval {
        let ok = (200..300).contains(&p.status);
        let pq = path_query(p.url);
        let mut ev = PageEval::default();
        ev.classes.extend_from_slice(p.predicted);
        // One pass over the text rules out most text rules before any of them runs, and tells
        // the others where to look.
        let page = p.facts.map(|f| Page {
            facts: f,
            scan: match &self.fast.screen {
                Some(screen) if ok => Some(screen.scan(&f.text)),
                _ => None,
            },
            links: Default::default(),
            lists: Default::default(),
        });
        for (i, r) in self.rules.iter().enumerate() {
            let Owner::Class(c) = r.owner else { continue };
            if ev.classes.contains(&c) {
                continue;
            }
            let hit = match (&r.signal, &page) {
                // Class link rules predict where a link leads; they say nothing about this page.
                (Signal::Link { .. }, _) => false,
                (Signal::Url(re), _) => self.pat(i, re).is_match(pq),
                (_, None) => false,
                _ if !ok => false,
                (_, Some(page)) => self
                    .match_signal(i, page, p.url, pq, p.status, false)
                    .is_some(),
            };
            if hit {
                ev.classes.push(c);
            }
        }
        ev.classes.sort_unstable();
        ev.classes.dedup();

        let never = self.never_proven(&ev.classes);
        ev.template = p
            .facts
            .filter(|_| ok)
            .and_then(super::gate::template_source);
        let sections = std::cell::OnceCell::new();
        for (i, r) in self.rules.iter().enumerate() {
            if matches!(r.owner, Owner::Class(_)) || matches!(r.signal, Signal::Products { .. }) {
                continue;
            }
            if p.enough.is_some_and(|e| e.has(i)) {
                continue;
            }
            if !r.pages.is_empty() && !r.pages.iter().any(|c| ev.classes.contains(c)) {
                // Not a page of the rule's classes: its policy sections may still be.
                let found = match (&page, &r.signal) {
                    (
                        Some(page),
                        Signal::Text {
                            re,
                            min_count,
                            footer: false,
                        },
                    ) if ok => {
                        let secs = sections.get_or_init(|| self.sections(page.facts));
                        self.section_match(i, re, *min_count, page.facts, secs, false)
                    }
                    (Some(page), Signal::Heading(re)) if ok => {
                        let secs = sections.get_or_init(|| self.sections(page.facts));
                        self.section_match(i, re, 1, page.facts, secs, true)
                    }
                    _ => None,
                };
                if let Some((snippet, matched)) = found {
                    self.push_hit(&mut ev, i, snippet, matched, &never);
                }
                continue;
            }
            // Status rules read error pages; so do access rules (a 403 challenge page).
            let reads_errors = matches!(r.signal, Signal::Status { .. })
                || r.effect == Some(super::Effect::Inconclusive);
            if !ok && !reads_errors {
                continue;
            }
            let found = match &page {
                Some(page) => self.match_signal(i, page, p.url, pq, p.status, true),
                None => self.match_without_facts(i, pq, p.status),
            };
            if let Some((snippet, matched)) = found {
                self.push_hit(&mut ev, i, snippet, matched, &never);
            }
        }
        ev.screen = page.and_then(|p| {
            Some(TextScan {
                len: p.facts.text.len(),
                scan: p.scan?,
            })
        });
        ev
    }

    /// Records rule `i`'s hit, or, when the quality gate sets it aside, why.
    fn push_hit(
        &self,
        ev: &mut PageEval,
        i: usize,
        snippet: String,
        matched: String,
        never: &[(usize, usize)],
    ) {
        match self.gate_reason(i, never, ev.template.as_deref()) {
            Some(reason) => ev.discarded.push(super::Discard { rule: i, reason }),
            None => ev.hits.push(Hit {
                rule: i,
                snippet,
                matched,
            }),
        }
    }

    /// A text rule's first hit inside the page's sections of the rule's classes (a heading
    /// rule's, on their labels).
    fn section_match(
        &self,
        i: usize,
        re: &Regex,
        min_count: usize,
        f: &PageFacts,
        sections: &[super::gate::Section],
        label: bool,
    ) -> Option<(String, String)> {
        let pages = &self.rules[i].pages;
        sections
            .iter()
            .filter(|s| pages.contains(&s.class))
            .find_map(|s| {
                let (a, b) = if label { s.label } else { (s.start, s.end) };
                let text = f.text.get(a..b)?;
                text_hit(text, self.pat(i, re), min_count, true)
            })
    }

    fn match_without_facts(&self, i: usize, pq: &str, status: u16) -> Option<(String, String)> {
        match &self.rules[i].signal {
            Signal::Url(re) => self
                .pat(i, re)
                .find(pq)
                .map(|(s, e)| (pq.to_string(), pq[s..e].to_string())),
            Signal::Status { min, max } => (status >= *min && status <= *max)
                .then(|| (format!("HTTP {status} for {pq}"), status.to_string())),
            _ => None,
        }
    }

    /// Rule `i`'s first hit in one of the page's lists: only on the items that hold one of its
    /// literals, when the list's screen has the rule.
    fn list_match(
        &self,
        i: usize,
        re: &Regex,
        page: &Page<'_>,
        list: List,
        evidence: bool,
    ) -> Option<(String, String)> {
        let items = list.items(page.facts);
        if items.is_empty() {
            return None;
        }
        let pat = self.pat(i, re);
        let screen = self.fast.lists[list as usize]
            .as_ref()
            .filter(|s| s.is_screened(i));
        match screen {
            Some(screen) => {
                let scan = page.lists[list as usize].get_or_init(|| ListScan::new(screen, items));
                list_hit(
                    scan.candidates(i)
                        .filter_map(|k| items.get(k).map(String::as_str)),
                    pat,
                    evidence,
                )
            }
            None => list_hit(items.iter().map(String::as_str), pat, evidence),
        }
    }

    /// Rule `i`'s hit on the page, if any: snippet and matched text, which are left empty when
    /// `evidence` is false (class rules only decide the page's classes).
    fn match_signal(
        &self,
        i: usize,
        page: &Page<'_>,
        url: &Url,
        pq: &str,
        status: u16,
        evidence: bool,
    ) -> Option<(String, String)> {
        let f = page.facts;
        match &self.rules[i].signal {
            Signal::Url(_) | Signal::Status { .. } => self.match_without_facts(i, pq, status),
            Signal::PageUrl(re) => self
                .pat(i, re)
                .find(url.as_str())
                .map(|(s, e)| (truncate(url.as_str()), url.as_str()[s..e].to_string())),
            Signal::Link { re, area } => self.link_match(i, re, *area, page, url, evidence),
            Signal::Title(re) => {
                list_hit(std::iter::once(f.title.as_str()), self.pat(i, re), evidence)
            }
            Signal::Heading(re) => self.list_match(i, re, page, List::Headings, evidence),
            Signal::Text {
                re,
                min_count,
                footer,
            } => self.text_match(i, re, *min_count, *footer, page, evidence),
            Signal::Button(re) => self.list_match(i, re, page, List::Buttons, evidence),
            Signal::ScriptSrc(re) => self.list_match(i, re, page, List::Scripts, evidence),
            Signal::Script(re) => text_hit(&f.inline_script, self.pat(i, re), 1, evidence),
            Signal::Input(re) => input_hit(&f.forms, self.pat(i, re)),
            Signal::JsonLd { types, property } => {
                structured_hit(&f.jsonld, types, property.as_deref(), evidence)
            }
            Signal::Microdata { types, property } => {
                structured_hit(&f.microdata, types, property.as_deref(), evidence)
            }
            Signal::Meta { name, re } => self.meta_match(i, f, name, re.as_ref()),
            Signal::Selector { index, source } => f
                .selector_hits
                .iter()
                .find(|(k, _)| k == index)
                .map(|(_, s)| (s.clone(), source.clone())),
            Signal::Empty { max_chars } => empty_hit(f, *max_chars),
            Signal::Shell => shell_hit(f),
            Signal::PgCall(re) => list_hit(
                f.pg_calls.iter().map(String::as_str),
                self.pat(i, re),
                evidence,
            ),
            Signal::Products { .. } => None,
        }
    }

    /// A `link` rule's first hit: on the link text or else the href, in the rule's area; only
    /// the links that hold one of its literals are tried when both screens have the rule.
    fn link_match(
        &self,
        i: usize,
        re: &Regex,
        area: Option<Area>,
        page: &Page<'_>,
        page_url: &Url,
        evidence: bool,
    ) -> Option<(String, String)> {
        let f = page.facts;
        let re = self.pat(i, re);
        let screens = self.fast.links.as_ref().zip(self.fast.hrefs.as_ref());
        let screened = screens.is_some_and(|(t, h)| t.is_screened(i) && h.is_screened(i));
        let links = page
            .links
            .get_or_init(|| PageLinks::new(&f.links, screens, Some(page_url)));
        let hit = |k: usize| {
            let (l, href) = (f.links.get(k)?, links.href(k)?);
            if area.is_some_and(|a| a != l.area) {
                return None;
            }
            let m = re
                .find(&l.text)
                .map(|(s, e)| l.text[s..e].to_string())
                .or_else(|| re.find(href).map(|(s, e)| href[s..e].to_string()))?;
            if !evidence {
                return Some((String::new(), String::new()));
            }
            let snippet = crate::extract::collapse_ws(&format!("{} → {}", l.text, href));
            Some((truncate(&snippet), m))
        };
        match links.candidates(i).filter(|_| screened) {
            Some(ks) => ks.into_iter().find_map(hit),
            None => (0..f.links.len()).find_map(hit),
        }
    }

    /// A `text` rule's hit in the footer text or the page text; the page's literal scan rules
    /// out most rules before any regex runs, and narrows where the others look.
    fn text_match(
        &self,
        i: usize,
        re: &Regex,
        min_count: usize,
        footer: bool,
        page: &Page<'_>,
        evidence: bool,
    ) -> Option<(String, String)> {
        let f = page.facts;
        match &page.scan {
            _ if footer => text_hit(&f.footer_text, self.pat(i, re), min_count, evidence),
            // None of the literals every match needs is in the text.
            Some(s) if !s.possible(i) => None,
            Some(s) => match &self.fast.screen {
                Some(screen) => text_hit(
                    &f.text,
                    self.pat_near(i, re, screen, s),
                    min_count,
                    evidence,
                ),
                None => text_hit(&f.text, self.pat(i, re), min_count, evidence),
            },
            None => text_hit(&f.text, self.pat(i, re), min_count, evidence),
        }
    }

    /// A `meta` rule's first tag `name` whose value matches, or (without a pattern) is not
    /// empty.
    fn meta_match(
        &self,
        i: usize,
        f: &PageFacts,
        name: &str,
        re: Option<&Regex>,
    ) -> Option<(String, String)> {
        for v in f.meta_values(name) {
            match re {
                Some(re) if self.pat(i, re).is_match(v) => {
                    return Some((truncate(&format!("{name} = {v}")), v.to_string()));
                }
                Some(_) => {}
                None if !v.is_empty() => {
                    return Some((truncate(&format!("{name} = {v}")), v.to_string()))
                }
                None => {}
            }
        }
        None
    }

    /// Classes a URL belongs to by its path alone (class `url` rules).
    pub fn url_classes(&self, url: &Url) -> Vec<usize> {
        let pq = path_query(url);
        let mut out = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            if let (Signal::Url(re), Owner::Class(c)) = (&r.signal, r.owner) {
                if !out.contains(&c) && self.pat(i, re).is_match(pq) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// How promising a link is, given which prerequisites are still open, and the page classes
    /// its text and URL predict (they become the target page's classes when its own signals are
    /// silent: a "Shipping" link to an empty page makes an empty shipping page). Higher is
    /// fetched sooner.
    pub fn link_priority(&self, link: &Link, open: &[bool]) -> (i32, Vec<usize>) {
        let href = path_query(&link.url);
        let mut best = 0;
        let mut predicted = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            let matched = match (&r.signal, r.owner) {
                (Signal::Link { re, .. }, Owner::Class(_)) => {
                    !link.text.is_empty() && self.pat(i, re).is_match(&link.text)
                }
                (Signal::Url(re), Owner::Class(_)) => self.pat(i, re).is_match(href),
                (Signal::Link { re, area }, Owner::Prereq(p))
                    if open.get(p).copied().unwrap_or(false) =>
                {
                    let re = self.pat(i, re);
                    let m = area.is_none_or(|a| a == link.area)
                        && (re.is_match(&link.text) || re.is_match(href));
                    if m {
                        best = best.max(r.weight);
                    }
                    continue;
                }
                _ => continue,
            };
            if !matched {
                continue;
            }
            let Owner::Class(c) = r.owner else { continue };
            let class = &self.classes[c];
            if !predicted.contains(&c) {
                predicted.push(c);
            }
            if class
                .serves
                .iter()
                .any(|&p| open.get(p).copied().unwrap_or(false))
            {
                best = best.max(class.priority);
            }
        }
        if best > 0 {
            best += match link.area {
                Area::Footer => 8,
                Area::Nav => 4,
                Area::Body => 0,
            };
        }
        (best, predicted)
    }
}

fn truncate(s: &str) -> String {
    crate::extract::truncate_chars(s, SNIPPET - 1)
}

#[cfg(test)]
mod fast_tests {
    use super::*;
    use std::path::{Path, PathBuf};

    fn pages(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                pages(&p, out);
            } else if p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.contains(".htm") || n.contains(".php"))
            {
                out.push(p);
            }
        }
    }

    /// Every fixture page's texts, decoded and extracted as a crawl would.
    fn corpus(rules: &RuleSet) -> Vec<PageFacts> {
        let mut files = Vec::new();
        pages(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"),
            &mut files,
        );
        assert!(files.len() > 50, "fixture pages not found");
        let base = Url::parse("http://127.0.0.1/").unwrap();
        files
            .iter()
            .map(|p| {
                let bytes = std::fs::read(p).unwrap();
                let d = crate::crawl::decode::decode(&bytes, None, Some("kr"));
                crate::extract::extract(&base, &d.text, &rules.selectors)
            })
            .collect()
    }

    fn hays(f: &PageFacts) -> Vec<&str> {
        let mut v = vec![
            f.text.as_str(),
            f.footer_text.as_str(),
            f.inline_script.as_str(),
            f.title.as_str(),
        ];
        v.extend(f.headings.iter().map(String::as_str));
        v.extend(f.links.iter().map(|l| l.text.as_str()));
        v.extend(f.buttons.iter().map(String::as_str));
        v
    }

    #[test]
    fn two_step_matching_equals_the_regex() {
        let rules = RuleSet::embedded().unwrap();
        let corpus = corpus(&rules);
        let mut checked = 0;
        for (i, r) in rules.rules.iter().enumerate() {
            let Some(re) = super::super::signal_regex(&r.signal) else {
                continue;
            };
            let pat = rules.pat(i, re);
            if pat.fast.is_none() {
                continue;
            }
            for f in &corpus {
                for hay in hays(f) {
                    let want: Vec<(usize, usize)> =
                        re.find_iter(hay).map(|m| (m.start(), m.end())).collect();
                    let got: Vec<(usize, usize)> = pat.find_iter(hay).collect();
                    assert_eq!(got, want, "rule {} on {:?}", r.id, hay);
                    assert_eq!(pat.is_match(hay), re.is_match(hay), "rule {}", r.id);
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    #[test]
    fn the_text_screen_never_rules_out_a_match() {
        let rules = RuleSet::embedded().unwrap();
        let screen = rules.fast.screen.as_ref().unwrap();
        let screened = screen.screened.iter().filter(|s| **s).count();
        assert!(screened > 40, "only {screened} text rules screened");
        let mut corpus = corpus(&rules);
        let base = Url::parse("http://127.0.0.1/").unwrap();
        let shop = "<p>Free shipping on orders over $50. Returns within 30 days of delivery. \
                    배송비 3,000원 · 7일 이내 청약철회 · ₩12,000 · 送料無料 · ¥1,200</p>";
        corpus.push(crate::extract::extract(&base, shop, &[]));
        let mut ruled_out = 0;
        for f in &corpus {
            let possible = screen.possible(&f.text);
            for (i, r) in rules.rules.iter().enumerate() {
                if let Signal::Text {
                    re, footer: false, ..
                } = &r.signal
                {
                    if re.is_match(&f.text) {
                        assert!(possible[i], "rule {} ruled out but matches", r.id);
                    } else if !possible[i] {
                        ruled_out += 1;
                    }
                }
            }
        }
        assert!(ruled_out > corpus.len() * 20, "screen rules out too little");
    }

    /// Pages that stress the searches near literals: dense prices, literals at the very start
    /// and end, next to multi-byte characters, and in other letter cases.
    fn synthetic() -> Vec<PageFacts> {
        let base = Url::parse("http://127.0.0.1/").unwrap();
        let mut dense = String::from("<p>");
        for i in 0..400 {
            dense.push_str(&format!("Tea {i} $1{i}.00 ₩{i},000 {i}원 "));
        }
        dense.push_str("FREE SHIPPING on orders over $50. Returns accepted WITHIN 30 DAYS.</p>");
        let pages = [
            dense,
            "<p>$5</p>".to_string(),
            "<p>free shipping</p>".to_string(),
            "<p>배송비 3,000원 – 무료배송 — 7일 이내 반품 가능. 사업자등록번호 123-45-67890</p>"
                .to_string(),
            "<p>Ships within 2 days. Free Shipping! Inc. ſhipping Ltd CO., LTD</p>".to_string(),
            "<p>–$–£–€–¥ 1,000 円 送料無料 · Rp 10.000 · 500 บาท · 10.000 ₫</p>".to_string(),
        ];
        pages
            .iter()
            .map(|h| crate::extract::extract(&base, h, &[]))
            .collect()
    }

    #[test]
    fn the_search_near_literals_equals_the_regex() {
        let rules = RuleSet::embedded().unwrap();
        let screen = rules.fast.screen.as_ref().unwrap();
        let mut corpus = corpus(&rules);
        corpus.extend(synthetic());
        let mut near = 0;
        for f in &corpus {
            let scan = screen.scan(&f.text);
            for (i, r) in rules.rules.iter().enumerate() {
                let Signal::Text {
                    re, footer: false, ..
                } = &r.signal
                else {
                    continue;
                };
                let want: Vec<(usize, usize)> = re
                    .find_iter(&f.text)
                    .map(|m| (m.start(), m.end()))
                    .collect();
                if !scan.possible(i) {
                    assert!(want.is_empty(), "rule {} ruled out but matches", r.id);
                    continue;
                }
                let pat = rules.pat_near(i, re, screen, &scan);
                let Some(n) = pat.near else {
                    continue;
                };
                near += 1;
                // As evaluated, always anchored, always one unanchored search.
                for cost in [ANCHORED_COST, 0, usize::MAX] {
                    let pat = Pat {
                        near: Some(Near { cost, ..n }),
                        ..pat
                    };
                    let got: Vec<(usize, usize)> = pat.find_iter(&f.text).collect();
                    assert_eq!(got, want, "rule {} (cost {cost}) on {:?}", r.id, f.text);
                }
            }
        }
        assert!(
            near > corpus.len() * 5,
            "only {near} searches near literals"
        );
    }

    #[test]
    fn wide_unbounded_runs_are_never_searched_from_each_literal() {
        let starts = |pattern: &str| {
            let hir = parse(pattern).unwrap();
            let req = required(&fold(&hir)).unwrap();
            Starts::new(&hir, &req.back, None).is_some()
        };
        for wide in [
            r"(?i)shipping.*days",
            r"(?i)refund[^<]+policy",
            r"(?i)free\w+ship",
            r"(?i)(?:ship(?:ping)?.*)?returns",
        ] {
            assert!(!starts(wide), "{wide}");
        }
        for narrow in [
            r"(?i)free\s*shipping",
            r"(?i)ship.{0,40}days",
            r"[$₩]\s?\d{1,3}(?:,\d{3})*",
            r"\d+\s*일\s*이내",
        ] {
            assert!(starts(narrow), "{narrow}");
        }
    }

    #[test]
    fn list_screens_find_the_first_item_every_pattern_finds() {
        let rules = RuleSet::embedded().unwrap();
        let mut corpus = corpus(&rules);
        let base = Url::parse("http://127.0.0.1/order/").unwrap();
        let shop = r#"<script src="https://cdn.iamport.kr/v1/iamport.js"></script>
            <script src="//js.tosspayments.com/v2/standard"></script><script src="/app.js"></script>
            <h2>배송 안내</h2><h3>Refund Policy</h3><h2>교환/반품 안내</h2><h1>Checkout</h1>
            <button>결제하기</button><button>Place order</button><input type=submit value="Pay now">"#;
        corpus.push(crate::extract::extract(&base, shop, &[]));
        let (mut screened, mut hits) = (0, 0);
        for f in &corpus {
            let page = Page {
                facts: f,
                scan: None,
                links: Default::default(),
                lists: Default::default(),
            };
            for (i, r) in rules.rules.iter().enumerate() {
                let Some(list) = List::of(&r.signal) else {
                    continue;
                };
                let (Signal::Heading(re) | Signal::Button(re) | Signal::ScriptSrc(re)) = &r.signal
                else {
                    continue;
                };
                let items = list.items(f).iter().map(String::as_str);
                let want = list_hit(items, rules.pat(i, re), true);
                let got = rules.list_match(i, re, &page, list, true);
                assert_eq!(got, want, "rule {} on {:?}", r.id, list.items(f));
                screened += usize::from(
                    rules.fast.lists[list as usize]
                        .as_ref()
                        .is_some_and(|s| s.is_screened(i)),
                );
                hits += usize::from(want.is_some());
            }
        }
        assert!(
            screened > 1000 && hits > 20,
            "{screened} screened, {hits} hits"
        );
    }

    #[test]
    fn the_link_screen_never_rules_out_a_match() {
        let rules = RuleSet::embedded().unwrap();
        let screens = rules.fast.links.as_ref().zip(rules.fast.hrefs.as_ref());
        let (texts, hrefs) = screens.unwrap();
        let corpus = corpus(&rules);
        let mut screened = 0;
        for f in &corpus {
            let links = PageLinks::new(&f.links, screens, None);
            for (k, l) in f.links.iter().enumerate() {
                let want = match l.url.query() {
                    Some(q) => format!("{}?{}", l.url.path(), q),
                    None => l.url.path().to_string(),
                };
                assert_eq!(links.href(k), Some(want.as_str()));
                assert!(want.bytes().all(|b| (b' '..=b'~').contains(&b)), "{want}");
            }
            for (i, r) in rules.rules.iter().enumerate() {
                let Signal::Link { re, .. } = &r.signal else {
                    continue;
                };
                assert_eq!(texts.is_screened(i), hrefs.is_screened(i), "rule {}", r.id);
                let Some(cands) = links.candidates(i).filter(|_| texts.is_screened(i)) else {
                    continue;
                };
                screened += 1;
                let want: Vec<usize> = (0..f.links.len())
                    .filter(|&k| {
                        re.is_match(&f.links[k].text) || re.is_match(path_query(&f.links[k].url))
                    })
                    .collect();
                assert!(
                    want.iter().all(|k| cands.contains(k)),
                    "rule {}: {want:?} not all in {cands:?}",
                    r.id
                );
                assert!(cands.windows(2).all(|w| w[0] < w[1]));
            }
        }
        assert!(
            screened >= corpus.len() * 3,
            "only {screened} link rules screened"
        );
    }

    #[test]
    fn the_packed_search_finds_what_the_automaton_finds() {
        let rules = RuleSet::embedded().unwrap();
        let mut corpus = corpus(&rules);
        corpus.extend(synthetic());
        let mut hays: Vec<String> = Vec::new();
        for f in &corpus {
            let texts: Vec<&str> = f.links.iter().map(|l| l.text.as_str()).collect();
            let links = PageLinks::new(&f.links, None, None);
            hays.extend([f.text.clone(), texts.join("\n"), links.hrefs]);
        }
        hays.push("PRIVACY Policy · Ftc.Go.Kr · TeRmS oF sErViCe · ſhipping · K".into());
        let occurrences = |find: &Find, hay: &str| {
            let mut v = Vec::new();
            find.each(hay, |lit, start| v.push((lit, start)));
            v.sort_unstable();
            v
        };
        let mut packed = 0;
        for r in &rules.rules {
            let Some(req) = super::super::signal_regex(&r.signal)
                .and_then(|re| parse(re.as_str()))
                .and_then(|h| required(&fold(&h)))
            else {
                continue;
            };
            let mut lits: Vec<Vec<u8>> = req.lits.iter().map(|l| screened_literal(l)).collect();
            lits.sort();
            lits.dedup();
            let Some(fast @ Find::Packed { .. }) = Find::new(lits.clone()) else {
                continue;
            };
            packed += 1;
            let ac = AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(&lits)
                .unwrap();
            let slow = Find::Automaton(ac);
            for hay in &hays {
                assert_eq!(
                    occurrences(&fast, hay),
                    occurrences(&slow, hay),
                    "rule {}",
                    r.id
                );
            }
        }
        assert!(packed > 50, "only {packed} literal sets searched packed");
    }

    #[test]
    fn prices_equal_the_plain_regex_prices() {
        let rules = RuleSet::embedded().unwrap();
        let mut corpus = corpus(&rules);
        corpus.extend(synthetic());
        let url = Url::parse("https://shop.example/products/tea/").unwrap();
        let mut found = 0;
        for f in &corpus {
            let mut want = Vec::new();
            for &i in &rules.price_rules {
                if let Signal::Text { re, .. } = &rules.rules[i].signal {
                    for m in re.find_iter(&f.text).take(64) {
                        if let Some(p) = crate::extract::parse_price(m.as_str()) {
                            want.push((p, m.as_str().to_string()));
                        }
                    }
                }
            }
            assert_eq!(rules.prices_in(&f.text), want);
            let ev = rules.evaluate(PageInput {
                url: &url,
                status: 200,
                facts: Some(f),
                predicted: &[],
                enough: None,
            });
            assert_eq!(rules.prices_screened(&f.text, ev.screen.as_ref()), want);
            found += want.len();
        }
        assert!(found > 100, "only {found} prices");
    }

    #[test]
    fn json_snippets_equal_the_cut_serialization() {
        let rules = RuleSet::embedded().unwrap();
        let corpus = corpus(&rules);
        let mut values: Vec<serde_json::Value> = corpus
            .iter()
            .flat_map(|f| f.jsonld.iter().chain(&f.microdata))
            .map(|it| it.value.clone())
            .collect();
        assert!(values.len() > 20, "only {} structured items", values.len());
        for n in [0, 1, 150, 196, 197, 198, 199, 200, 201, 260, 1000] {
            for unit in ["x", "é", "가", "😀", "\"", "\n"] {
                values.push(serde_json::json!({ "name": unit.repeat(n) }));
                values.push(serde_json::json!([unit.repeat(n), { "a": unit.repeat(n) }]));
            }
        }
        for v in &values {
            assert_eq!(truncate_json(v), truncate(&v.to_string()), "{v}");
        }
    }

    #[test]
    fn evaluation_equals_plain_regex_evaluation() {
        let rules = RuleSet::embedded().unwrap();
        let mut plain = rules.clone();
        plain.fast = Fast::default();
        let mut corpus = corpus(&rules);
        corpus.extend(synthetic());
        let urls = [
            "http://127.0.0.1/",
            "https://shop.example/products/green-tea/",
            "https://shop.example/policies/refund-policy",
            "https://shop.example/product/detail.html?product_no=7",
        ];
        let mut hits = 0;
        for (n, f) in corpus.iter().enumerate() {
            let url = Url::parse(urls[n % urls.len()]).unwrap();
            for status in [200, 403, 404] {
                let input = || PageInput {
                    url: &url,
                    status,
                    facts: Some(f),
                    predicted: &[],
                    enough: None,
                };
                let (a, b) = (rules.evaluate(input()), plain.evaluate(input()));
                assert_eq!(a.classes, b.classes, "page {n}");
                let key = |e: &PageEval| -> Vec<(usize, String, String)> {
                    e.hits
                        .iter()
                        .map(|h| (h.rule, h.snippet.clone(), h.matched.clone()))
                        .collect()
                };
                assert_eq!(key(&a), key(&b), "page {n}, status {status}");
                hits += a.hits.len();
            }
        }
        assert!(hits > corpus.len() * 5, "only {hits} hits");
    }
}
