//! Evaluating compiled rules against one page's facts, and scoring links for the frontier.

use regex::Regex;
use regex_automata::{meta, Anchored, Input, MatchKind};
use regex_syntax::hir::{self, Hir, HirKind, Look};
use url::Url;

use super::{Owner, RuleSet, Signal};
use crate::extract::{snippet_around, Area, Link, PageFacts};

const SNIPPET: usize = 200;

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
    /// `Some` for patterns with a Unicode word boundary (built as `regex::Regex` builds them).
    pub(crate) fn new(re: &Regex) -> Option<Bounded> {
        let syntax = regex_automata::util::syntax::Config::new().utf8(true);
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(true)
            .build()
            .parse(re.as_str())
            .ok()?;
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
            .build_from_hir(&relax(&hir))
            .ok()?;
        let exact = meta::Builder::new()
            .configure(config)
            .syntax(syntax)
            .build(re.as_str())
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
            fast: self.bounded.get(i).and_then(Option::as_ref),
        }
    }

    /// Evaluates every page-level rule on one page. Non-2xx pages only give class (by URL) and
    /// `status` evidence: an error page's text proves nothing.
    pub fn evaluate(&self, p: PageInput<'_>) -> PageEval {
        let ok = (200..300).contains(&p.status);
        let pq = path_query(p.url);
        let mut ev = PageEval::default();
        ev.classes.extend_from_slice(p.predicted);
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
                (_, Some(f)) => self.match_signal(i, f, p.url, &pq, p.status).is_some(),
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
                Some(f) => self.match_signal(i, f, p.url, &pq, p.status),
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
