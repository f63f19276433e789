//! Evaluating compiled rules against one page's facts, and scoring links for the frontier.

use aho_corasick::AhoCorasick;
use regex::Regex;
use regex_automata::{meta, Anchored, Input, MatchKind};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use regex_syntax::hir::{self, Hir, HirKind, Look};
use url::Url;

use super::{Owner, Rule, RuleSet, Signal};
use crate::extract::{snippet_around, Area, Link, PageFacts};

const SNIPPET: usize = 200;

/// Matchers built once per rule set, so that a page costs one pass over its text rather than
/// one pass per rule, and never the regex engine's slow path.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fast {
    /// Per rule: the two-step matcher of a pattern with Unicode word boundaries.
    bounded: Vec<Option<Bounded>>,
    /// Which page-text rules can match a page at all, in one pass.
    screen: Option<Screen>,
}

impl Fast {
    pub(crate) fn new(rules: &[Rule], regex_of: fn(&Signal) -> Option<&Regex>) -> Fast {
        // Each rule's pattern parsed once, for both matchers.
        let hirs: Vec<Option<Hir>> = rules
            .iter()
            .map(|r| regex_of(&r.signal).and_then(|re| parse(re.as_str())))
            .collect();
        Fast {
            bounded: hirs
                .iter()
                .map(|h| h.as_ref().and_then(Bounded::new))
                .collect(),
            screen: Screen::new(rules, &hirs),
        }
    }
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
/// from the pattern once); one Aho-Corasick pass over the page's text finds which literals
/// occur, and rules none of whose literals occur are not run at all. Rules without usable
/// literals are always run.
#[derive(Debug, Clone)]
struct Screen {
    ac: AhoCorasick,
    /// Literal id → the rules that require it.
    owners: Vec<Vec<usize>>,
    /// Per rule: screened (false = always run).
    screened: Vec<bool>,
}

/// Most literals one rule may contribute; a rule needing more is always run.
const MAX_RULE_LITERALS: usize = 2048;
/// Most literals drawn from one run of a pattern (case variants multiply them): past this,
/// literals are cut shorter.
const MAX_RUN_LITERALS: usize = 64;

/// A set of literals of which every match of `h` contains at least one, if one is known.
fn required(h: &Hir) -> Option<Vec<Vec<u8>>> {
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
    // Longer shortest literal first, then fewer literals.
    fn better(a: &[Vec<u8>], b: &[Vec<u8>]) -> bool {
        let min = |s: &[Vec<u8>]| s.iter().map(Vec::len).min().unwrap_or(0);
        (min(a), std::cmp::Reverse(a.len())) > (min(b), std::cmp::Reverse(b.len()))
    }
    let found = match h.kind() {
        HirKind::Capture(c) => required(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => required(&r.sub),
        HirKind::Alternation(alts) => {
            let mut all = Vec::new();
            for a in alts {
                all.extend(required(a)?);
            }
            all.sort();
            all.dedup();
            Some(all)
        }
        HirKind::Concat(v) => {
            let letter = |h: &Hir| matches!(h.kind(), HirKind::Literal(_) | HirKind::Class(_));
            let mut best: Option<Vec<Vec<u8>>> = None;
            for i in 0..v.len() {
                // The literals a run of letters starts with, and what each part requires.
                let run = (letter(&v[i]) && (i == 0 || !letter(&v[i - 1])))
                    .then(|| prefixes(&Hir::concat(v[i..].to_vec())))
                    .flatten();
                for c in [run, required(&v[i])].into_iter().flatten() {
                    if best.as_ref().is_none_or(|b| better(&c, b)) {
                        best = Some(c);
                    }
                }
            }
            best
        }
        HirKind::Literal(_) | HirKind::Class(_) => prefixes(h),
        _ => None,
    };
    found.filter(|s| usable(s))
}

impl Screen {
    /// `hirs`: each rule's parsed pattern (see [`Fast::new`]).
    fn new(rules: &[Rule], hirs: &[Option<Hir>]) -> Option<Screen> {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut owners: Vec<Vec<usize>> = Vec::new();
        let mut index: std::collections::HashMap<Vec<u8>, usize> = Default::default();
        let mut screened = vec![false; rules.len()];
        for (i, r) in rules.iter().enumerate() {
            if !matches!(r.signal, Signal::Text { footer: false, .. }) {
                continue;
            }
            let Some(lits) = hirs.get(i).and_then(Option::as_ref).and_then(required) else {
                continue;
            };
            screened[i] = true;
            for l in lits {
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
        if literals.is_empty() {
            return None;
        }
        let ac = AhoCorasick::builder().build(&literals).ok()?;
        Some(Screen {
            ac,
            owners,
            screened,
        })
    }

    /// Per rule: whether it can match `text` (always true for rules not screened).
    fn possible(&self, text: &str) -> Vec<bool> {
        let mut out: Vec<bool> = self.screened.iter().map(|s| !s).collect();
        for m in self.ac.find_overlapping_iter(text) {
            for &r in &self.owners[m.pattern().as_usize()] {
                out[r] = true;
            }
        }
        out
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
        HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) | HirKind::Look(_) => h.clone(),
        HirKind::Repetition(r) => Hir::repetition(hir::Repetition {
            min: r.min,
            max: r.max,
            greedy: r.greedy,
            sub: Box::new(relax(&r.sub)),
        }),
        HirKind::Capture(c) => Hir::capture(hir::Capture {
            index: c.index,
            name: c.name.clone(),
            sub: Box::new(relax(&c.sub)),
        }),
        HirKind::Concat(v) => Hir::concat(v.iter().map(relax).collect()),
        HirKind::Alternation(v) => Hir::alternation(v.iter().map(relax).collect()),
    }
}

impl Bounded {
    /// `Some` for patterns (parsed by [`parse`]) with a Unicode word boundary.
    pub(crate) fn new(hir: &Hir) -> Option<Bounded> {
        let syntax = regex_automata::util::syntax::Config::new().utf8(true);
        if !hir.properties().look_set().contains_word_unicode() {
            return None;
        }
        let config = meta::Config::new()
            .match_kind(MatchKind::LeftmostFirst)
            .utf8_empty(true)
            .nfa_size_limit(Some(super::REGEX_SIZE_LIMIT));
        let loose = meta::Builder::new()
            .configure(config.clone())
            .syntax(syntax)
            .build_from_hir(&relax(hir))
            .ok()?;
        let exact = meta::Builder::new()
            .configure(config)
            .syntax(syntax)
            .build_from_hir(hir)
            .ok()?;
        Some(Bounded { loose, exact })
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

/// A rule's regex, with its two-step matcher when it has one.
#[derive(Clone, Copy)]
pub(crate) struct Pat<'a> {
    re: &'a Regex,
    fast: Option<&'a Bounded>,
}

impl<'a> Pat<'a> {
    fn find_at(&self, hay: &str, at: usize) -> Option<(usize, usize)> {
        match self.fast {
            Some(b) => b.find_at(hay, at),
            None => self.re.find_at(hay, at).map(|m| (m.start(), m.end())),
        }
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
    pub url: &'a Url,
    pub status: u16,
    pub facts: Option<&'a PageFacts>,
    /// Classes predicted by the text of links that led here (a "Shipping" link → shipping page).
    pub predicted: &'a [usize],
}

/// One matched rule on one page.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule: usize,
    pub snippet: String,
    pub matched: String,
}

/// Classes and rule hits of one page.
#[derive(Debug, Clone, Default)]
pub struct PageEval {
    pub classes: Vec<usize>,
    pub hits: Vec<Hit>,
    /// The page-text screen: the length of the text screened, and per rule whether its
    /// pattern can match that text at all (false only for rules that cannot).
    pub possible: Option<(usize, Vec<bool>)>,
}

fn path_query(u: &Url) -> String {
    match u.query() {
        Some(q) => format!("{}?{}", u.path(), q),
        None => u.path().to_string(),
    }
}

fn text_hit(text: &str, re: Pat<'_>, min: usize) -> Option<(String, String)> {
    let mut it = re.find_iter(text);
    let (start, end) = it.next()?;
    if min > 1 && it.take(min - 1).count() < min - 1 {
        return None;
    }
    Some((
        snippet_around(text, start, end, SNIPPET),
        text[start..end].to_string(),
    ))
}

fn list_hit<'a>(items: impl Iterator<Item = &'a str>, re: Pat<'_>) -> Option<(String, String)> {
    for s in items {
        if let Some((start, end)) = re.find(s) {
            return Some((
                snippet_around(s, start, end, SNIPPET),
                s[start..end].to_string(),
            ));
        }
    }
    None
}

impl RuleSet {
    /// Rule `i`'s regex `re` (one of its signal's), with the two-step matcher when it has one.
    pub(crate) fn pat<'a>(&'a self, i: usize, re: &'a Regex) -> Pat<'a> {
        Pat {
            re,
            fast: self.fast.bounded.get(i).and_then(Option::as_ref),
        }
    }

    /// Evaluates every page-level rule on one page. Non-2xx pages only give class (by URL) and
    /// `status` evidence: an error page's text proves nothing.
    pub fn evaluate(&self, p: PageInput<'_>) -> PageEval {
        let ok = (200..300).contains(&p.status);
        let pq = path_query(p.url);
        let mut ev = PageEval::default();
        ev.classes.extend_from_slice(p.predicted);
        // One pass over the text rules out most text rules before any of them runs.
        let possible = match (p.facts, &self.fast.screen) {
            (Some(f), Some(screen)) if ok => Some(screen.possible(&f.text)),
            _ => None,
        };
        for (i, r) in self.rules.iter().enumerate() {
            let Owner::Class(c) = r.owner else { continue };
            if ev.classes.contains(&c) {
                continue;
            }
            let hit = match (&r.signal, p.facts) {
                // Class link rules predict where a link leads; they say nothing about this page.
                (Signal::Link { .. }, _) => false,
                (Signal::Url(re), _) => self.pat(i, re).is_match(&pq),
                (_, None) => false,
                _ if !ok => false,
                (_, Some(f)) => self
                    .match_signal(i, f, p.url, &pq, p.status, possible.as_deref())
                    .is_some(),
            };
            if hit {
                ev.classes.push(c);
            }
        }
        ev.classes.sort_unstable();
        ev.classes.dedup();

        for (i, r) in self.rules.iter().enumerate() {
            if matches!(r.owner, Owner::Class(_)) || matches!(r.signal, Signal::Products { .. }) {
                continue;
            }
            if !r.pages.is_empty() && !r.pages.iter().any(|c| ev.classes.contains(c)) {
                continue;
            }
            // Status rules read error pages; so do access rules (a 403 challenge page).
            let reads_errors = matches!(r.signal, Signal::Status { .. })
                || r.effect == Some(super::Effect::Inconclusive);
            if !ok && !reads_errors {
                continue;
            }
            let found = match p.facts {
                Some(f) => self.match_signal(i, f, p.url, &pq, p.status, possible.as_deref()),
                None => self.match_without_facts(i, &pq, p.status),
            };
            if let Some((snippet, matched)) = found {
                ev.hits.push(Hit {
                    rule: i,
                    snippet,
                    matched,
                });
            }
        }
        ev.possible = p.facts.zip(possible).map(|(f, v)| (f.text.len(), v));
        ev
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

    fn match_signal(
        &self,
        i: usize,
        f: &PageFacts,
        url: &Url,
        pq: &str,
        status: u16,
        possible: Option<&[bool]>,
    ) -> Option<(String, String)> {
        match &self.rules[i].signal {
            Signal::Url(_) | Signal::Status { .. } => self.match_without_facts(i, pq, status),
            Signal::PageUrl(re) => self
                .pat(i, re)
                .find(url.as_str())
                .map(|(s, e)| (truncate(url.as_str()), url.as_str()[s..e].to_string())),
            Signal::Link { re, area } => {
                let re = self.pat(i, re);
                for l in &f.links {
                    if area.is_some_and(|a| a != l.area) {
                        continue;
                    }
                    let href = path_query(&l.url);
                    let found = re
                        .find(&l.text)
                        .map(|(s, e)| l.text[s..e].to_string())
                        .or_else(|| re.find(&href).map(|(s, e)| href[s..e].to_string()));
                    if let Some(m) = found {
                        let snippet = crate::extract::collapse_ws(&format!("{} → {}", l.text, href));
                        return Some((truncate(&snippet), m));
                    }
                }
                None
            }
            Signal::Title(re) => list_hit(std::iter::once(f.title.as_str()), self.pat(i, re)),
            Signal::Heading(re) => {
                list_hit(f.headings.iter().map(String::as_str), self.pat(i, re))
            }
            Signal::Text { re, min_count, footer } => {
                if !*footer && possible.is_some_and(|p| !p.get(i).copied().unwrap_or(true)) {
                    return None; // none of the literals every match needs is in the text
                }
                let hay = if *footer { &f.footer_text } else { &f.text };
                text_hit(hay, self.pat(i, re), *min_count)
            }
            Signal::Button(re) => list_hit(f.buttons.iter().map(String::as_str), self.pat(i, re)),
            Signal::ScriptSrc(re) => {
                list_hit(f.scripts.iter().map(String::as_str), self.pat(i, re))
            }
            Signal::Script(re) => text_hit(&f.inline_script, self.pat(i, re), 1),
            Signal::Input(re) => {
                let re = self.pat(i, re);
                for form in &f.forms {
                    for inp in &form.inputs {
                        let s = format!("{} {} {}", inp.kind, inp.name, inp.value);
                        if let Some((a, b)) = re.find(&s) {
                            return Some((truncate(&s), s[a..b].to_string()));
                        }
                    }
                }
                None
            }
            Signal::JsonLd { types, property } | Signal::Microdata { types, property } => {
                let items = if matches!(self.rules[i].signal, Signal::JsonLd { .. }) {
                    &f.jsonld
                } else {
                    &f.microdata
                };
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
                    let mut s = it.value.to_string();
                    s = truncate(&s);
                    return Some((s, it.types.join(",")));
                }
                None
            }
            Signal::Meta { name, re } => {
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
            Signal::Selector { index, source } => f
                .selector_hits
                .iter()
                .find(|(k, _)| k == index)
                .map(|(_, s)| (s.clone(), source.clone())),
            Signal::Empty { max_chars } => {
                let n = f.main_chars;
                (n <= *max_chars).then(|| {
                    (
                        format!("{} characters of content besides navigation: {}", n, truncate(&f.title)),
                        String::new(),
                    )
                })
            }
            Signal::Shell => f.script_shell.then(|| {
                (
                    format!(
                        "{} characters of visible text, {} scripts: the page is built by JavaScript",
                        f.text.chars().count(),
                        f.scripts.len()
                    ),
                    String::new(),
                )
            }),
            Signal::PgCall(re) => {
                list_hit(f.pg_calls.iter().map(String::as_str), self.pat(i, re))
            }
            Signal::Products { .. } => None,
        }
    }

    /// Classes a URL belongs to by its path alone (class `url` rules).
    pub fn url_classes(&self, url: &Url) -> Vec<usize> {
        let pq = path_query(url);
        let mut out = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            if let (Signal::Url(re), Owner::Class(c)) = (&r.signal, r.owner) {
                if !out.contains(&c) && self.pat(i, re).is_match(&pq) {
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
                (Signal::Url(re), Owner::Class(_)) => self.pat(i, re).is_match(&href),
                (Signal::Link { re, area }, Owner::Prereq(p))
                    if open.get(p).copied().unwrap_or(false) =>
                {
                    let re = self.pat(i, re);
                    let m = area.is_none_or(|a| a == link.area)
                        && (re.is_match(&link.text) || re.is_match(&href));
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
}
