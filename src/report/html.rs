//! The HTML report: one self-contained file a reviewer can open, print or attach to a ticket.
//!
//! Inline CSS only, no script, no external request (a Content-Security-Policy forbids both, so
//! even a bug here cannot make a merchant's page run code in the reviewer's browser). The markup
//! is the askama template `templates/report.html`, compiled into the binary and escaping every
//! value it prints (through [`Esc`]); this module only turns the report into plain values for it.
//! Links are emitted only for `http`/`https` URLs, images only for base64 `data:` images.

use std::collections::{BTreeMap, HashSet};

use askama::Template;
use url::Url;

use super::labels::{self, Labels};
use super::model::{Check, Evidence, PageRecord, Report, Status};

/// The report as one HTML document, labelled in the report's language (`settings.lang`).
pub fn to_html(r: &Report) -> String {
    match page(r).render() {
        Ok(html) => html,
        // Rendering writes into a String and the values are plain data: it cannot fail.
        Err(e) => format!(
            "<!doctype html>\n<p>report could not be rendered: {}</p>\n",
            esc(&e.to_string())
        ),
    }
}

/// The escaper of the report template: the five HTML specials as named or short entities (safe in
/// element content and in both kinds of quoted attribute), and C0 controls other than tab and
/// newlines dropped (they are parse errors in HTML).
#[derive(Debug, Clone, Copy)]
pub struct Esc;

impl askama::filters::Escaper for Esc {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, s: &str) -> std::fmt::Result {
        let mut start = 0;
        for (i, ch) in s.char_indices() {
            let rep = match ch {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => "",
                _ => continue,
            };
            dest.write_str(&s[start..i])?;
            dest.write_str(rep)?;
            start = i + ch.len_utf8();
        }
        dest.write_str(&s[start..])
    }
}

/// Escapes text for HTML element content and double- or single-quoted attribute values, as the
/// template does.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    // Writing into a String cannot fail.
    let _ = askama::filters::Escaper::write_escaped_str(&Esc, &mut out, s);
    out
}

/// The URL to put in an `href`, or `None` when it is not http(s) (`javascript:`, `data:` …).
pub fn safe_href(url: &str) -> Option<String> {
    let u = Url::parse(url.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.to_string())
}

#[derive(Template)]
#[template(path = "report.html")]
struct Page<'a> {
    l: &'static Labels,
    tool_name: &'a str,
    tool_version: &'a str,
    host: String,
    word: &'static str,
    target: Link,
    input: &'a str,
    final_link: Option<Link>,
    site_lang: Option<&'a str>,
    started_at: &'a str,
    duration: String,
    verdict_class: &'static str,
    ready: bool,
    summary: String,
    any_inconclusive: bool,
    score: u32,
    prereqs: Vec<Card<'a>>,
    advisory: Vec<Card<'a>>,
    todo: Vec<Todo<'a>>,
    shots: Vec<Shot<'a>>,
    crawl: &'a super::model::Crawl,
    stopped_by: &'a str,
    pages: Vec<PageRow<'a>>,
    errors: Vec<ErrorRow<'a>>,
    settings: Vec<Setting>,
}

/// A link when the URL is http(s) (`href`), plain text otherwise.
struct Link {
    href: Option<String>,
    text: String,
}

fn link(url: &str, text: impl Into<String>) -> Link {
    Link {
        href: safe_href(url),
        text: text.into(),
    }
}

struct Badge {
    class: &'static str,
    status: &'static str,
    label: &'static str,
}

fn badge(s: Status, l: &'static Labels) -> Badge {
    Badge {
        class: status_class(s),
        status: s.as_str(),
        label: l.status(s),
    }
}

struct Todo<'a> {
    slug: String,
    title: &'a str,
    advice: &'a str,
}

struct Card<'a> {
    badge: Badge,
    advisory: bool,
    slug: String,
    id: &'a str,
    title: &'a str,
    score: u32,
    reason: Option<&'a str>,
    advice: Option<&'a str>,
    missing: Vec<MissingRow<'a>>,
    facts: Vec<(&'a str, FactValue)>,
    groups: Vec<Group<'a>>,
}

struct MissingRow<'a> {
    description: &'a str,
    rules: Vec<&'a str>,
    more: Option<String>,
}

enum FactValue {
    Text(String),
    Code(String),
    Tags(Vec<String>, Option<String>),
}

/// Evidence of one rule (same weight and effect).
struct Group<'a> {
    rule: &'a str,
    description: &'a str,
    weight: i32,
    effect: Option<String>,
    hits: Vec<Hit<'a>>,
}

/// One match, with the other pages where the same match was seen.
struct Hit<'a> {
    kind: &'a str,
    link: Link,
    snip: Snip,
    also: Vec<Link>,
    thumb: Option<Thumb>,
}

/// A snippet, split around the highlighted match when there is one.
struct Snip {
    before: String,
    mark: Option<String>,
    after: String,
}

struct Thumb {
    src: String,
    alt: String,
}

struct Shot<'a> {
    uri: &'a str,
    link: Link,
}

struct PageRow<'a> {
    link: Link,
    sub: Vec<SubPart>,
    status_class: &'static str,
    status: u16,
    content_type: &'a str,
    bytes: String,
    time: String,
    depth: u32,
    source: &'a str,
}

/// Parts of the small line under a page's URL, shown joined by ` · `.
enum SubPart {
    Title(String),
    Tags(Vec<String>),
    Redirect(Link),
    Warn(String),
    Error(String),
}

struct ErrorRow<'a> {
    link: Link,
    kind: &'a str,
    message: &'a str,
}

struct Setting {
    label: &'static str,
    value: String,
    wrap: Wrap,
}

enum Wrap {
    Plain,
    Code,
    Digest,
}

/// Everything the page shows, in the order it shows it (screenshot thumbnails are attached to
/// the first evidence of their page, so cards are built in display order).
fn page(r: &Report) -> Page<'_> {
    let l = labels::for_lang(&r.settings.lang);
    let origin = Url::parse(r.target.final_url.as_deref().unwrap_or(&r.target.url))
        .or_else(|_| Url::parse(&r.target.url))
        .ok()
        .map(|u| u.origin());
    let mut cx = Cx {
        l,
        origin,
        shots: &r.screenshots,
        shown: HashSet::new(),
    };
    let v = &r.verdict;
    let (prereq_checks, advisory_checks): (Vec<&Check>, Vec<&Check>) =
        r.checks.iter().partition(|c| !c.advisory);
    let prereqs: Vec<Card> = prereq_checks.iter().map(|c| card(c, &mut cx)).collect();
    let advisory: Vec<Card> = advisory_checks.iter().map(|c| card(c, &mut cx)).collect();
    let todo = prereq_checks
        .iter()
        .filter(|c| c.status != Status::Pass)
        .filter_map(|c| {
            let advice = c.advice.as_deref().filter(|a| !a.trim().is_empty())?;
            Some(Todo {
                slug: slug(&c.id),
                title: &c.title,
                advice,
            })
        })
        .collect();
    Page {
        l,
        tool_name: &r.tool.name,
        tool_version: &r.tool.version,
        host: host_of(r),
        word: if v.ready { l.ready } else { l.not_ready },
        target: link(&r.target.url, r.target.url.as_str()),
        input: &r.target.input,
        final_link: r
            .target
            .final_url
            .as_deref()
            .filter(|f| *f != r.target.url)
            .map(|f| link(f, f)),
        site_lang: r.target.lang.as_deref(),
        started_at: &r.started_at,
        duration: human_ms(r.duration_ms),
        verdict_class: if v.ready {
            "s-pass"
        } else {
            status_class(v.status)
        },
        ready: v.ready,
        summary: summary(r, &prereq_checks, l),
        any_inconclusive: prereq_checks
            .iter()
            .any(|c| c.status == Status::Inconclusive),
        score: v.score,
        prereqs,
        advisory,
        todo,
        shots: shots(r, &cx),
        crawl: &r.crawl,
        stopped_by: l.stopped_by_value(&r.crawl.stopped_by),
        pages: r.crawl.pages.iter().map(|p| page_row(p, &cx)).collect(),
        errors: r
            .errors
            .iter()
            .map(|e| ErrorRow {
                link: link(&e.url, short_url(&e.url, cx.origin.as_ref())),
                kind: e.kind.as_str(),
                message: &e.message,
            })
            .collect(),
        settings: settings(r, l),
    }
}

struct Cx<'a> {
    l: &'static Labels,
    origin: Option<url::Origin>,
    /// Screenshots of rendered pages (page URL → data URI), each shown once, at its first
    /// evidence.
    shots: &'a BTreeMap<String, String>,
    shown: HashSet<String>,
}

fn summary(r: &Report, prereqs: &[&Check], l: &Labels) -> String {
    if r.verdict.ready {
        return l.ready_summary.to_string();
    }
    let not: Vec<String> = prereqs
        .iter()
        .filter(|c| c.status != Status::Pass)
        .map(|c| format!("{} ({})", c.title, l.status(c.status)))
        .collect();
    format!(
        "{} {}: {}.",
        l.not_ready_lead,
        l.not_passing,
        not.join(", ")
    )
}

fn card<'a>(c: &'a Check, cx: &mut Cx<'_>) -> Card<'a> {
    const SHOWN_RULES: usize = 6;
    let l = cx.l;
    let missing = c
        .missing
        .iter()
        .map(|m| MissingRow {
            description: &m.description,
            rules: m
                .rules
                .iter()
                .take(SHOWN_RULES)
                .map(String::as_str)
                .collect(),
            more: (m.rules.len() > SHOWN_RULES).then(|| more(m.rules.len() - SHOWN_RULES, l)),
        })
        .collect();
    Card {
        badge: badge(c.status, l),
        advisory: c.advisory,
        slug: slug(&c.id),
        id: &c.id,
        title: &c.title,
        score: c.score,
        reason: c.reason.as_deref().filter(|s| !s.trim().is_empty()),
        advice: c.advice.as_deref().filter(|s| !s.trim().is_empty()),
        missing,
        facts: c
            .facts
            .iter()
            .map(|(k, v)| (l.fact(k), fact_value(v, l)))
            .collect(),
        groups: evidence(&c.evidence, cx),
    }
}

fn fact_value(v: &serde_json::Value, l: &Labels) -> FactValue {
    use serde_json::Value;
    const SHOWN: usize = 12;
    match v {
        Value::Null => FactValue::Text("—".into()),
        Value::Bool(b) => FactValue::Text((if *b { l.yes } else { l.no }).into()),
        Value::Number(n) => FactValue::Text(n.to_string()),
        Value::String(s) => FactValue::Text(s.clone()),
        Value::Array(a) if a.is_empty() => FactValue::Text("—".into()),
        Value::Array(a) => FactValue::Tags(
            a.iter()
                .take(SHOWN)
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect(),
            (a.len() > SHOWN).then(|| more(a.len() - SHOWN, l)),
        ),
        Value::Object(_) => FactValue::Code(v.to_string()),
    }
}

/// Evidence grouped by rule (first-seen order); within a rule, the same match on several pages
/// (usually the footer) is one snippet with the other pages listed after it.
fn evidence<'a>(ev: &'a [Evidence], cx: &mut Cx<'_>) -> Vec<Group<'a>> {
    let mut groups: Vec<(&Evidence, Vec<&Evidence>)> = Vec::new();
    for e in ev {
        match groups
            .iter_mut()
            .find(|(f, _)| f.rule == e.rule && f.weight == e.weight && f.effect == e.effect)
        {
            Some((_, v)) => v.push(e),
            None => groups.push((e, vec![e])),
        }
    }
    groups
        .into_iter()
        .map(|(first, items)| {
            let mut hits: Vec<(&Evidence, Vec<&Evidence>)> = Vec::new();
            for e in items {
                match hits
                    .iter_mut()
                    .find(|(f, _)| f.kind == e.kind && f.matched == e.matched)
                {
                    Some((_, also)) => also.push(e),
                    None => hits.push((e, Vec::new())),
                }
            }
            Group {
                rule: &first.rule,
                description: &first.description,
                weight: first.weight,
                effect: first.effect.as_deref().map(|e| effect_label(e, cx.l)),
                hits: hits
                    .into_iter()
                    .map(|(e, also)| hit(e, &also, cx))
                    .collect(),
            }
        })
        .collect()
}

fn hit<'a>(e: &'a Evidence, also: &[&Evidence], cx: &mut Cx<'_>) -> Hit<'a> {
    let origin = cx.origin.as_ref();
    Hit {
        kind: &e.kind,
        link: link(&e.url, short_url(&e.url, origin)),
        snip: highlight(&e.snippet, &e.matched),
        also: also
            .iter()
            .map(|a| link(&a.url, short_url(&a.url, origin)))
            .collect(),
        thumb: thumbnail(&e.url, cx),
    }
}

/// A thumbnail of the page's screenshot, the first time the page appears as evidence. Only
/// base64 JPEG/PNG data URIs are embedded: the report file may come from anywhere.
fn thumbnail(url: &str, cx: &mut Cx<'_>) -> Option<Thumb> {
    let data = cx.shots.get(url)?;
    let ok = ["data:image/jpeg;base64,", "data:image/png;base64,"]
        .iter()
        .any(|p| data.strip_prefix(p).is_some_and(is_base64));
    if !ok || !cx.shown.insert(url.to_string()) {
        return None;
    }
    Some(Thumb {
        src: data.clone(),
        alt: format!("{url} (rendered)"),
    })
}

fn is_base64(s: &str) -> bool {
    s.bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
}

/// True for `data:image/{png,jpeg,webp};base64,…` with nothing but base64 after the comma: the
/// only image sources the report shows (its policy allows `data:` images and nothing else).
fn safe_image(uri: &str) -> bool {
    [
        "data:image/png;base64,",
        "data:image/jpeg;base64,",
        "data:image/webp;base64,",
    ]
    .iter()
    .find_map(|p| uri.strip_prefix(p))
    .is_some_and(|rest| !rest.is_empty() && is_base64(rest))
}

/// Thumbnails of rendered pages that gave evidence (`--screenshots`).
fn shots<'a>(r: &'a Report, cx: &Cx<'_>) -> Vec<Shot<'a>> {
    r.screenshots
        .iter()
        .filter(|(_, uri)| safe_image(uri))
        .map(|(url, uri)| Shot {
            uri,
            link: link(url, short_url(url, cx.origin.as_ref())),
        })
        .collect()
}

fn page_row<'a>(p: &'a PageRecord, cx: &Cx<'_>) -> PageRow<'a> {
    let mut sub = Vec::new();
    if let Some(t) = p.title.as_deref().filter(|t| !t.trim().is_empty()) {
        sub.push(SubPart::Title(t.to_string()));
    }
    if !p.classes.is_empty() {
        sub.push(SubPart::Tags(p.classes.clone()));
    }
    if p.final_url != p.url {
        let short = short_url(&p.final_url, cx.origin.as_ref());
        sub.push(SubPart::Redirect(link(&p.final_url, short)));
    }
    if let Some(ca) = &p.catch_all {
        sub.push(SubPart::Warn(ca.clone()));
    }
    if let Some(e) = &p.error {
        sub.push(SubPart::Error(e.clone()));
    }
    PageRow {
        link: link(&p.url, short_url(&p.url, cx.origin.as_ref())),
        sub,
        status_class: match p.status {
            200..=299 => "ok",
            300..=399 => "redir",
            _ => "bad",
        },
        status: p.status,
        content_type: p.content_type.as_deref().unwrap_or("—"),
        bytes: human_bytes(p.bytes),
        time: human_ms(p.elapsed_ms),
        depth: p.depth,
        source: &p.source,
    }
}

fn settings(r: &Report, l: &'static Labels) -> Vec<Setting> {
    let s = &r.settings;
    let yn = |b: bool| if b { l.yes } else { l.no }.to_string();
    let rate = if s.rate <= 0.0 {
        l.no_limit.to_string()
    } else {
        format!("{} {}", num(s.rate), l.per_second)
    };
    let plain = |label, value| Setting {
        label,
        value,
        wrap: Wrap::Plain,
    };
    vec![
        plain(l.version, format!("{} {}", r.tool.name, r.tool.version)),
        Setting {
            label: l.rules_digest,
            value: r.tool.rules_digest.clone(),
            wrap: Wrap::Digest,
        },
        plain(l.started, r.started_at.clone()),
        plain(l.duration, human_ms(r.duration_ms)),
        plain(l.max_pages, s.max_pages.to_string()),
        plain(l.max_depth, s.max_depth.to_string()),
        plain(l.max_time, format!("{} s", num(s.max_time_s))),
        plain(l.concurrency, s.concurrency.to_string()),
        plain(l.rate, rate),
        plain(l.timeout, format!("{} s", num(s.timeout_s))),
        plain(l.max_body, human_bytes(s.max_body)),
        plain(l.honour_robots, yn(s.robots)),
        plain(l.exhaustive, yn(s.exhaustive)),
        plain(l.allow_private, yn(s.allow_private)),
        Setting {
            label: l.user_agent,
            value: s.user_agent.clone(),
            wrap: Wrap::Code,
        },
        plain(l.report_lang, s.lang.clone()),
    ]
}

/// Path and query when the URL is on the report's own site, else the whole URL.
fn short_url(url: &str, origin: Option<&url::Origin>) -> String {
    if let (Ok(u), Some(o)) = (Url::parse(url), origin) {
        if &u.origin() == o {
            let mut s = u.path().to_string();
            if let Some(q) = u.query() {
                s.push('?');
                s.push_str(q);
            }
            return s;
        }
    }
    url.to_string()
}

/// The snippet split around the first occurrence of `matched` (exact, else ignoring ASCII case).
fn highlight(snippet: &str, matched: &str) -> Snip {
    let m = matched.trim();
    let at = if m.is_empty() {
        None
    } else {
        snippet.find(m).or_else(|| find_ascii_ci(snippet, m))
    };
    match at {
        Some(i) => {
            let end = i + m.len();
            Snip {
                before: snippet[..i].to_string(),
                mark: Some(snippet[i..end].to_string()),
                after: snippet[end..].to_string(),
            }
        }
        None => Snip {
            before: snippet.to_string(),
            mark: None,
            after: String::new(),
        },
    }
}

/// Byte offset of `needle` in `hay`, ignoring ASCII case; only at char boundaries.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| {
        hay.is_char_boundary(i)
            && hay.is_char_boundary(i + n.len())
            && h[i..i + n.len()].eq_ignore_ascii_case(n)
    })
}

/// `1.2 KiB`, `3.4 MiB`.
fn human_bytes(n: usize) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f < K {
        format!("{n} B")
    } else if f < K * K {
        format!("{:.1} KiB", f / K)
    } else {
        format!("{:.1} MiB", f / (K * K))
    }
}

fn human_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// An id safe to use as an HTML id and CSS-free anchor.
fn slug(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Pass => "s-pass",
        Status::Warn => "s-warn",
        Status::Fail => "s-fail",
        Status::Inconclusive => "s-inc",
    }
}

fn host_of(r: &Report) -> String {
    Url::parse(&r.target.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| r.target.input.clone())
}

/// `+3 more` / `+3개 더`.
fn more(n: usize, l: &Labels) -> String {
    if l.lang == "ko" {
        format!("+{n}{}", l.and_more)
    } else {
        format!("+{n} {}", l.and_more)
    }
}

fn effect_label(e: &str, l: &Labels) -> String {
    match e {
        "veto" => l.effect_veto.to_string(),
        "warn" => l.effect_warn.to_string(),
        "inconclusive" => l.effect_inconclusive.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>"x"&'y'</script>"#),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("a\u{0}b\u{7}c\nd"), "abc\nd");
    }

    #[test]
    fn only_http_links() {
        assert!(safe_href("javascript:alert(1)").is_none());
        assert!(safe_href(" JavaScript:alert(1)").is_none());
        assert!(safe_href("data:text/html,<script>").is_none());
        assert!(safe_href("vbscript:x").is_none());
        assert_eq!(
            safe_href("https://shop.example/a?b=\"c\"").as_deref(),
            Some("https://shop.example/a?b=%22c%22")
        );
        assert!(link("javascript:alert(1)", "x").href.is_none());
    }

    fn highlighted(snippet: &str, matched: &str) -> String {
        let s = highlight(snippet, matched);
        match s.mark {
            Some(m) => format!(
                "{}<mark>{}</mark>{}",
                esc(&s.before),
                esc(&m),
                esc(&s.after)
            ),
            None => esc(&s.before),
        }
    }

    #[test]
    fn highlights_the_match_escaped() {
        assert_eq!(
            highlighted("cost <b>3,000원</b> flat", "3,000원"),
            "cost &lt;b&gt;<mark>3,000원</mark>&lt;/b&gt; flat"
        );
        assert_eq!(
            highlighted("Free Shipping over $50", "free shipping"),
            "<mark>Free Shipping</mark> over $50"
        );
        assert_eq!(highlighted("no match here", "zzz"), "no match here");
        assert_eq!(
            highlighted("배송비 무료", "무료"),
            "배송비 <mark>무료</mark>"
        );
    }

    #[test]
    fn only_base64_image_screenshots_are_shown() {
        assert!(safe_image("data:image/jpeg;base64,/9j/4AAQSkZJRg=="));
        assert!(!safe_image("data:image/svg+xml;base64,PHN2Zz4="));
        assert!(!safe_image("data:text/html;base64,PHNjcmlwdD4="));
        assert!(!safe_image(
            "data:image/png;base64,AAAA\" onerror=\"alert(1)"
        ));
        assert!(!safe_image("javascript:alert(1)"));
        let mut r: Report = serde_json::from_str(include_str!("testdata/mini.json")).unwrap();
        r.screenshots.insert(
            "https://shop.example/cart".into(),
            "data:image/png;base64,iVBORw0KGgo=".into(),
        );
        r.screenshots.insert(
            "https://shop.example/x".into(),
            "data:text/html,<script>".into(),
        );
        let html = to_html(&r);
        assert_eq!(html.matches("<img ").count(), 1, "only the valid image");
        assert!(html.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""));
        assert!(!html.contains("data:text/html"));
    }

    #[test]
    fn short_urls_on_the_same_site() {
        let o = Url::parse("http://127.0.0.1:4000/").unwrap().origin();
        assert_eq!(
            short_url("http://127.0.0.1:4000/a/b?x=1", Some(&o)),
            "/a/b?x=1"
        );
        assert_eq!(
            short_url("https://elsewhere.example/a", Some(&o)),
            "https://elsewhere.example/a"
        );
    }
}
