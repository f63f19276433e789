//! One site, end to end: crawl → extract → rules → evidence → score → report. The crawl is
//! best-first (links ranked by the rules for the checks still open) and stops early once every
//! prerequisite passes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use tokio::task::JoinSet;
use url::Url;

use crate::check::Evidence;
use crate::config::{Config, Lang};
use crate::crawl::normalize::{normalize, normalized};
use crate::crawl::{
    fetch::Fetched, robots, sitemap, Entry, ErrorKind, FetchError, Frontier, Http, Robots, Scope,
    Source, Want,
};
use crate::error::{Error, Result};
use crate::extract::{self, Area, PageFacts};
use crate::render::{Rendered, Renderer};
use crate::report::model::{self as m, Report, Status};
use crate::rules::{Enough, PageEval, PageInput, RuleSet, PREREQUISITES};
use crate::score::{self, Access};

/// What the user asked to check.
#[derive(Debug, Clone)]
pub enum Target {
    Url(Url),
    /// A local folder, served on 127.0.0.1 for the duration of the check.
    Dir(PathBuf),
}

/// Parses a command-line target: an existing folder, or an http(s) URL (`https://` is added
/// when the scheme is missing).
pub fn parse_target(input: &str) -> Result<Target> {
    let s = input.trim();
    if s.is_empty() {
        return Err(Error::InvalidTarget {
            input: input.into(),
            reason: "empty".into(),
        });
    }
    let p = std::path::Path::new(s);
    if p.is_dir() {
        return Ok(Target::Dir(p.to_path_buf()));
    }
    if p.exists() {
        return Err(Error::InvalidTarget {
            input: input.into(),
            reason: "is a file, not a folder or URL".into(),
        });
    }
    let looks_like_path = s.starts_with('.')
        || s.starts_with('/')
        || s.starts_with('~')
        || s.contains('\\')
        || (!s.contains("://") && !s.contains('.') && !s.starts_with("localhost"));
    if looks_like_path {
        return Err(Error::InvalidTarget {
            input: input.into(),
            reason: "no such folder".into(),
        });
    }
    let with_scheme = if s.contains("://") {
        s.to_string()
    } else {
        format!("https://{s}")
    };
    let u = Url::parse(&with_scheme).map_err(|e| Error::InvalidTarget {
        input: input.into(),
        reason: e.to_string(),
    })?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(Error::InvalidTarget {
            input: input.into(),
            reason: format!(
                "scheme '{}' is not supported (http or https only)",
                u.scheme()
            ),
        });
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(Error::InvalidTarget {
            input: input.into(),
            reason: "URLs with credentials are not accepted".into(),
        });
    }
    match u.host_str() {
        Some(h) if !h.is_empty() => {}
        _ => {
            return Err(Error::InvalidTarget {
                input: input.into(),
                reason: "no host".into(),
            })
        }
    }
    normalize(&u)
        .map(Target::Url)
        .ok_or_else(|| Error::InvalidTarget {
            input: input.into(),
            reason: "URL is too long".into(),
        })
}

/// Checks one target (URL or folder) with its own HTTP client.
pub async fn audit(input: &str, rules: &RuleSet, config: &Config) -> Result<Report> {
    match parse_target(input)? {
        Target::Url(u) => {
            let http = Http::new(config, Vec::new())?;
            audit_url(&http, input, u, rules, config).await
        }
        Target::Dir(dir) => {
            let server = crate::serve::serve_dir(&dir).await?;
            let http = Http::new(config, vec![(server.addr.ip(), server.addr.port())])?;
            let url = Url::parse(&server.url()).map_err(|e| Error::Other(e.to_string()))?;
            let report = audit_url(&http, input, url, rules, config).await;
            drop(server);
            report
        }
    }
}

/// Bodies up to this size (decoded) are parsed on the async worker that fetched them.
const INLINE_PARSE_MAX: usize = 256 * 1024;

/// Result of one page task.
struct Done {
    entry: Entry,
    result: std::result::Result<Fetched, FetchError>,
    facts: Option<PageFacts>,
    eval: PageEval,
    /// Set when the page was (or should have been) rendered in headless Chromium.
    rendered: Option<Rendered>,
}

#[allow(clippy::too_many_arguments)]
async fn fetch_page(
    http: Arc<Http>,
    rules: Arc<RuleSet>,
    enough: Enough,
    scope: Scope,
    entry: Entry,
    cap: usize,
    renderer: Option<Arc<Renderer>>,
    open: Vec<bool>,
) -> Done {
    let result = http
        .fetch(
            &entry.url,
            if entry.source == Source::Seed {
                None
            } else {
                Some(&scope)
            },
            Want::Html,
            cap,
        )
        .await;
    let mut result = result;
    let mut facts = None;
    let mut eval = PageEval::default();
    if let Ok(f) = &mut result {
        // Parsing and rule matching are CPU work. A typical page (tens of KB) costs well under
        // a millisecond and runs right here: handing it to another thread would cost more in
        // wake-ups than it saves. Big pages run off the async workers, a few at a time, so that
        // the time budget and the other fetches never wait for them.
        let rules = rules.clone();
        let url = f.final_url.clone();
        let status = f.status;
        let body = f.body.take();
        let predicted = entry.predicted.clone();
        let big = body
            .as_ref()
            .is_some_and(|b| b.text.len() > INLINE_PARSE_MAX);
        let work = move || {
            let pf = body
                .as_ref()
                .map(|b| extract::extract(&url, &b.text, &rules.selectors));
            let ev = rules.evaluate(PageInput {
                url: &url,
                status,
                facts: pf.as_ref(),
                predicted: &predicted,
                enough: Some(&enough),
            });
            (pf, ev, body)
        };
        let done = if big {
            let slot = extract::guard::parse_slot().await;
            tokio::task::spawn_blocking(move || {
                let _slot = slot;
                work()
            })
            .await
            .ok()
        } else {
            Some(work())
        };
        if let Some((pf, ev, body)) = done {
            facts = pf;
            eval = ev;
            f.body = body;
        }
    }
    // JavaScript-built pages: the rendered DOM replaces the static shell.
    let mut rendered = None;
    if let (Ok(f), Some(r)) = (&result, &renderer) {
        let is_seed = entry.source == Source::Seed;
        let unproven = leaves_open(&rules, &open, &eval);
        rendered = r
            .page(
                &http,
                &rules,
                f,
                &scope,
                is_seed,
                &entry.predicted,
                facts.as_ref(),
                unproven,
            )
            .await;
        if let Some(out) = rendered.as_mut() {
            if let (Some(rf), Some(re)) = (out.facts.take(), out.eval.take()) {
                match facts.as_mut() {
                    // Rendered in doubt and showing less than the HTML did (a widget that
                    // replaced static markup, a script that failed): the static read stands,
                    // with the links the scripts added.
                    Some(sf) if out.in_doubt && shows_less(&rules, (&rf, &re), (sf, &eval)) => {
                        add_links(sf, rf.links);
                    }
                    _ => {
                        facts = Some(rf);
                        eval = re;
                    }
                }
            }
        }
    }
    Done {
        entry,
        result,
        facts,
        eval,
        rendered,
    }
}

/// True when the rendered read of a page has fewer products or less positive evidence than its
/// static read.
fn shows_less(
    rules: &RuleSet,
    rendered: (&PageFacts, &PageEval),
    stat: (&PageFacts, &PageEval),
) -> bool {
    let proof = |e: &PageEval| {
        e.hits
            .iter()
            .filter(|h| rules.rules[h.rule].weight > 0)
            .count()
    };
    rendered.0.products.len() < stat.0.products.len() || proof(rendered.1) < proof(stat.1)
}

/// Adds the links of a page's rendered read that its static read lacks.
fn add_links(facts: &mut PageFacts, rendered: Vec<extract::Link>) {
    let seen: std::collections::HashSet<Url> = facts.links.iter().map(|l| l.url.clone()).collect();
    for l in rendered {
        if facts.links.len() >= extract::MAX_LINKS {
            break;
        }
        if !seen.contains(&l.url) {
            facts.links.push(l);
        }
    }
}

/// True when a check still open (as the crawl knew when the page was sent for) found no
/// positive evidence on the page: the page is worth rendering if its scripts build content.
fn leaves_open(rules: &RuleSet, open: &[bool], eval: &PageEval) -> bool {
    open.iter().enumerate().any(|(p, &o)| {
        o && !eval.hits.iter().any(|h| {
            let r = &rules.rules[h.rule];
            r.weight > 0 && matches!(r.owner, crate::rules::Owner::Prereq(q) if q == p)
        })
    })
}

/// A page's word-shingle fingerprint: the distinct hashes of its 3-word windows, sorted.
type Print = Vec<u64>;

/// Word-shingle fingerprint, to recognise catch-all pages (soft 404s, SPAs answering 200 everywhere).
/// Computed for every page, so it uses a cheap multiplicative hash and a sorted vector rather
/// than SipHash and a hash set.
fn shingles(text: &str) -> Print {
    fn word(w: &str) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for chunk in w.as_bytes().chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
        (h ^ w.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
    fn window(w: &[u64]) -> u64 {
        w.iter().fold(0u64, |h, x| {
            (h.rotate_left(21) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95)
        })
    }
    // Page text is whitespace-collapsed already: words are split at single spaces. One pass
    // keeps the last three words; a page of fewer than three is one window of all it has.
    let mut last = [0u64; 3];
    let mut count = 0usize;
    let mut out: Print = Vec::with_capacity((text.len() / 6).min(5000));
    for w in text.split(' ').filter(|w| !w.is_empty()).take(5000) {
        last = [last[1], last[2], word(w)];
        count += 1;
        if count >= 3 {
            out.push(window(&last));
        }
    }
    if (1..3).contains(&count) {
        out.push(window(&last[3 - count..]));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn similar(a: &[u64], b: &[u64]) -> bool {
    if a.is_empty() || b.is_empty() {
        return a.is_empty() && b.is_empty();
    }
    // Sizes alone can rule out a Jaccard index of 0.9.
    let (small, large) = (a.len().min(b.len()), a.len().max(b.len()));
    if (small as f64) < 0.9 * large as f64 {
        return false;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let inter = inter as f64;
    let union = (a.len() + b.len()) as f64 - inter;
    inter / union >= 0.9
}

/// A snapshot of a running check, for callers that show progress while the crawl runs (the web
/// app's live page): sent after every page read.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Progress {
    /// Pages read so far (errors included).
    pub pages_fetched: usize,
    /// URLs waiting in the queue.
    pub pages_queued: usize,
    /// Errors logged so far.
    pub errors: usize,
    /// The page just read.
    pub last_url: String,
    /// Prerequisites already decided as passed, by id (`products`, `checkout`, ...).
    pub passed: Vec<String>,
}

/// Receives [`Progress`] snapshots; called on the crawl's task, so it must return quickly.
pub type Observer = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Checks a URL with a shared HTTP client (batch runs share one client and its politeness).
pub async fn audit_url(
    http: &Arc<Http>,
    input: &str,
    start: Url,
    rules: &RuleSet,
    config: &Config,
) -> Result<Report> {
    audit_url_observed(http, input, start, rules, config, None).await
}

/// [`audit_url`] that reports its progress to `observer` after every page.
pub async fn audit_url_observed(
    http: &Arc<Http>,
    input: &str,
    start: Url,
    rules: &RuleSet,
    config: &Config,
    observer: Option<&Observer>,
) -> Result<Report> {
    let t0 = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let deadline = tokio::time::Instant::now() + config.max_time;
    let renderer = Renderer::new(config, deadline)?;
    let mut screenshots = std::collections::BTreeMap::new();
    let rules = Arc::new(rules.clone());
    let mut scope = Scope::new(&start);
    let mut frontier = Frontier::new(crate::crawl::frontier::MAX_QUEUED, config.max_per_pattern);
    if config.order == crate::config::CrawlOrder::BreadthFirst {
        frontier = frontier.breadth_first();
    }
    let mut errors: Vec<m::PageError> = Vec::new();
    let mut pages: Vec<m::PageRecord> = Vec::new();
    let mut evidence = Evidence::new(&rules);
    let core: Vec<usize> = PREREQUISITES
        .iter()
        .filter_map(|p| rules.prereq_index(p))
        .collect();
    let mut open: Vec<bool> = vec![true; rules.prerequisites.len()];
    let mut target_lang = None;
    let mut final_url = None;
    let mut sitemap_urls = 0usize;
    let mut pages_ok = 0usize;
    let mut stopped_by = "frontier_empty".to_string();
    let push_err = |errors: &mut Vec<m::PageError>, url: &str, kind: &str, msg: String| {
        if errors.len() < 1000 {
            errors.push(m::PageError {
                url: url.to_string(),
                kind: kind.to_string(),
                message: msg,
            });
        }
    };

    // robots.txt first: it may forbid the start page itself.
    let (robots, robots_state) = if !config.robots {
        (Robots::allow_all(), "ignored")
    } else {
        let ru = start
            .join("/robots.txt")
            .map_err(|e| Error::Other(e.to_string()))?;
        match tokio::time::timeout_at(
            deadline,
            http.fetch(&ru, None, Want::Text, robots::MAX_ROBOTS),
        )
        .await
        {
            Ok(Ok(f)) if (200..300).contains(&f.status) => {
                let text = f.body.map(|b| b.text).unwrap_or_default();
                (Robots::parse(&text, "siteready"), "found")
            }
            Ok(Ok(f)) if (400..500).contains(&f.status) => (Robots::allow_all(), "missing"),
            Ok(Ok(f)) => {
                push_err(
                    &mut errors,
                    ru.as_str(),
                    "robots",
                    format!(
                        "robots.txt answered HTTP {}: crawling is not allowed until it can be read",
                        f.status
                    ),
                );
                (Robots::disallow_all(), "error")
            }
            // The start host itself cannot be reached. A robots.txt that redirects somewhere
            // unreachable (or private) is only an unreadable robots.txt.
            Ok(Err(e))
                if e.kind.is_unreachable()
                    && e.final_url.as_ref().is_none_or(|u| {
                        u.host() == start.host()
                            && u.port_or_known_default() == start.port_or_known_default()
                    }) =>
            {
                return Err(Error::Unreachable {
                    url: start.to_string(),
                    reason: e.message,
                });
            }
            Ok(Err(e)) => {
                push_err(
                    &mut errors,
                    ru.as_str(),
                    "robots",
                    format!(
                        "robots.txt could not be read ({}): {}",
                        e.kind.as_str(),
                        e.message
                    ),
                );
                (Robots::disallow_all(), "error")
            }
            Err(_) => {
                push_err(
                    &mut errors,
                    ru.as_str(),
                    "robots",
                    "robots.txt did not answer within the time budget".into(),
                );
                (Robots::disallow_all(), "error")
            }
        }
    };

    frontier
        .push(Entry {
            url: start.clone(),
            depth: 0,
            priority: i32::MAX,
            source: Source::Seed,
            text: String::new(),
            area: Area::Body,
            predicted: Vec::new(),
            discount: 0,
        })
        .ok();
    let mut inflight: JoinSet<Done> = JoinSet::new();
    // URL and rank of each page task: to name the pages still loading when the time budget runs
    // out, and to know whether ranked pages are in flight.
    let mut loading: std::collections::HashMap<tokio::task::Id, (String, i32)> =
        std::collections::HashMap::new();
    let mut started = 0usize;
    let mut seed_done = false;
    let mut home_print: Option<Print> = None;
    // The evidence counter last scored, the open checks it gave, and its distinct products
    // (from product pages and structured data, and in all).
    let mut scored: (Option<u64>, Vec<bool>, (usize, usize)) = (None, Vec::new(), (0, 0));
    let mut soft404_print: Option<Print> = None;
    let concurrency = config.concurrency.max(1);
    // Per check, pages that could have given evidence but could not be read (robots, timeouts).
    let mut unreached: Vec<Vec<String>> = vec![Vec::new(); rules.prerequisites.len()];
    // Products are settled only once a few products were read (or none are left to read): the
    // placeholder, zero-price and price-mismatch guards need product pages, not just a grid.
    let product_class = rules.class_index("product");
    let products_check = rules.prereq_index("products");
    let mut pending_products = 0usize;
    let is_product = |e: &Entry| product_class.is_some_and(|c| e.predicted.contains(&c));
    // Per page class, pages already sent for: each beyond the first makes the next link of that
    // class rank lower (a second category grid tells little the first did not).
    let mut spent: Vec<u32> = vec![0; rules.classes.len()];

    loop {
        // Fill the pipe: the seed alone first, then up to `concurrency` at once.
        while inflight.len() < if seed_done { concurrency } else { 1 } && started < config.max_pages
        {
            // Pages no rule ranks (a blog, an about page) wait while ranked ones are in flight:
            // what those bring in (a cart's checkout link, a footer) usually ranks higher, and a
            // verdict reached meanwhile makes the speculative request unnecessary.
            if !config.exhaustive
                && loading.values().any(|(_, p)| *p > 0)
                && frontier.best_priority().is_some_and(|p| p <= 0)
            {
                break;
            }
            let Some(entry) = frontier.pop_by(|e| spent_discount(e, &spent)) else {
                break;
            };
            if entry.source == Source::Probe
                && !rules.classes.iter().enumerate().any(|(c, cl)| {
                    entry.predicted.contains(&c) && cl.serves.iter().any(|p| open[*p])
                })
            {
                continue; // the probe's checks already passed
            }
            let pq = match entry.url.query() {
                Some(q) => format!("{}?{}", entry.url.path(), q),
                None => entry.url.path().to_string(),
            };
            if !robots.allowed(&pq) {
                if is_product(&entry) {
                    pending_products = pending_products.saturating_sub(1);
                }
                if entry.source != Source::Probe {
                    note_unreached(&rules, &entry, &mut unreached, "robots.txt disallows");
                }
                push_err(
                    &mut errors,
                    entry.url.as_str(),
                    "robots",
                    "disallowed by robots.txt".into(),
                );
                if entry.source == Source::Seed {
                    seed_done = true;
                }
                continue;
            }
            started += 1;
            for &c in &entry.predicted {
                spent[c] += 1;
            }
            let (url, priority) = (entry.url.to_string(), entry.priority);
            let task = inflight.spawn(fetch_page(
                http.clone(),
                rules.clone(),
                evidence.enough(),
                scope.clone(),
                entry,
                config.max_body,
                renderer.clone(),
                open.iter()
                    .enumerate()
                    .map(|(i, o)| *o && core.contains(&i))
                    .collect(),
            ));
            loading.insert(task.id(), (url, priority));
        }
        if inflight.is_empty() {
            if started >= config.max_pages && !frontier.is_empty() {
                stopped_by = "max_pages".into();
            }
            break;
        }
        let done = tokio::select! {
            d = inflight.join_next_with_id() => match d {
                Some(Ok((id, d))) => {
                    loading.remove(&id);
                    d
                }
                Some(Err(e)) => {
                    if let Some((url, _)) = loading.remove(&e.id()) {
                        push_err(&mut errors, &url, "other", format!("page task failed: {e}"));
                    }
                    continue;
                }
                None => continue,
            },
            _ = tokio::time::sleep_until(deadline) => {
                stopped_by = "max_time".into();
                for (url, _) in std::mem::take(&mut loading).into_values() {
                    push_err(&mut errors, &url, "timeout", "page still loading when the time budget ran out".into());
                }
                inflight.abort_all();
                break;
            }
        };
        let Done {
            entry,
            result,
            facts,
            eval,
            rendered,
        } = done;
        if is_product(&entry) {
            // Counted down when read, not when sent: an in-flight product page is still pending.
            pending_products = pending_products.saturating_sub(1);
        }
        let is_seed = entry.source == Source::Seed;
        let mut record = m::PageRecord {
            url: entry.url.to_string(),
            final_url: entry.url.to_string(),
            status: 0,
            content_type: None,
            bytes: 0,
            depth: entry.depth,
            elapsed_ms: 0,
            source: entry.source.as_str().into(),
            classes: eval
                .classes
                .iter()
                .map(|c| rules.classes[*c].id.clone())
                .collect(),
            lang: None,
            title: None,
            catch_all: None,
            error: None,
            rendered: false,
            render_ms: None,
            blocked_requests: Vec::new(),
            checkout_probe: None,
        };
        match result {
            Err(e) => {
                record.error = Some(format!("{}: {}", e.kind.as_str(), e.message));
                if let Some(fu) = &e.final_url {
                    record.final_url = fu.to_string();
                }
                if is_seed && e.kind.is_unreachable() && pages_ok == 0 {
                    return Err(Error::Unreachable {
                        url: entry.url.to_string(),
                        reason: e.message,
                    });
                }
                if matches!(e.kind, ErrorKind::Timeout | ErrorKind::Connect)
                    && entry.source != Source::Probe
                {
                    note_unreached(&rules, &entry, &mut unreached, "did not answer:");
                }
                if entry.source != Source::Probe || e.kind != ErrorKind::OutOfScope {
                    push_err(&mut errors, entry.url.as_str(), e.kind.as_str(), e.message);
                }
            }
            Ok(f) => {
                record.final_url = f.final_url.to_string();
                record.status = f.status;
                record.content_type = f.content_type.clone();
                record.bytes = f.bytes;
                record.elapsed_ms = f.elapsed.as_millis() as u64;
                frontier.mark_seen(&f.final_url);
                if let Some(out) = &rendered {
                    if let Some(msg) = &out.fatal {
                        return Err(Error::Other(msg.clone()));
                    }
                    out.note(&mut record, &mut errors, &mut screenshots);
                }
                if f.truncated {
                    push_err(
                        &mut errors,
                        entry.url.as_str(),
                        "too_large",
                        format!("body cut at {} bytes (--max-body)", config.max_body),
                    );
                }
                if let Some(cap) = facts.as_ref().and_then(|x| x.markup_capped.as_ref()) {
                    push_err(&mut errors, entry.url.as_str(), "too_large", cap.clone());
                }
                if let Some(b) = &f.body {
                    if b.had_errors {
                        push_err(
                            &mut errors,
                            entry.url.as_str(),
                            "decode",
                            format!("invalid {} byte sequences were replaced", b.encoding),
                        );
                    }
                    if b.nul_chars > 0 {
                        push_err(
                            &mut errors,
                            entry.url.as_str(),
                            "decode",
                            format!("{} NUL characters in the body were ignored", b.nul_chars),
                        );
                    }
                } else if entry.source != Source::Probe && (200..300).contains(&f.status) {
                    push_err(
                        &mut errors,
                        entry.url.as_str(),
                        "other",
                        format!(
                            "not an HTML page ({}): body not read",
                            f.content_type
                                .as_deref()
                                .unwrap_or("no content type, binary content")
                        ),
                    );
                }
                let ok = (200..300).contains(&f.status);
                if !ok && entry.source != Source::Probe {
                    push_err(
                        &mut errors,
                        entry.url.as_str(),
                        "http_status",
                        format!("HTTP {}", f.status),
                    );
                }
                if is_seed {
                    scope.add(&f.final_url);
                    final_url = Some(f.final_url.to_string());
                }
                if let Some(facts) = &facts {
                    record.title =
                        Some(extract::truncate_chars(&facts.title, 150)).filter(|t| !t.is_empty());
                    record.lang = facts
                        .lang
                        .clone()
                        .or_else(|| extract::lang::detect(&facts.text).map(str::to_string));
                    if is_seed {
                        target_lang = record.lang.clone();
                    }
                }
                // Catch-all pages (a copy of the home page or of the not-found page) prove nothing.
                let mut catch_all = None;
                if let (Some(facts), true, false) = (&facts, ok, is_seed) {
                    let print = shingles(&facts.text);
                    if home_print.as_ref().is_some_and(|h| similar(h, &print)) {
                        catch_all = Some("same as the home page".to_string());
                    } else if soft404_print.as_ref().is_some_and(|h| similar(h, &print)) {
                        catch_all = Some("same as the site's not-found page".to_string());
                    }
                }
                if is_seed && ok {
                    home_print = facts.as_ref().map(|f| shingles(&f.text));
                }
                if catch_all.is_none() && (ok || entry.source != Source::Probe) {
                    evidence.add_page(f.final_url.as_str(), &eval, facts.as_ref().filter(|_| ok));
                    if ok && facts.is_some() {
                        pages_ok += 1;
                    }
                }
                record.catch_all = catch_all.clone();
                if catch_all.is_some() {
                    screenshots.remove(&record.final_url); // it gave no evidence
                }
                // Follow links.
                if let (Some(facts), true, None) = (&facts, ok, &catch_all) {
                    if entry.depth < config.max_depth {
                        for link in &facts.links {
                            let Some(u) = normalized(&link.url) else {
                                continue;
                            };
                            // Most links were seen already: that is asked first.
                            if !frontier.admits(&u) || !scope.contains(&u) || skip_by_extension(&u)
                            {
                                continue;
                            }
                            let (prio, predicted) = rules.link_priority(link, &open);
                            let e = Entry {
                                url: u.into_owned(),
                                depth: entry.depth + 1,
                                priority: prio - entry.depth as i32,
                                source: Source::Link,
                                text: extract::truncate_chars(&link.text, 100),
                                area: link.area,
                                predicted,
                                discount: 0,
                            };
                            let product = is_product(&e);
                            if frontier.push(e).is_ok() && product {
                                pending_products += 1;
                            }
                        }
                    }
                }
            }
        }
        pages.push(record);

        if is_seed {
            seed_done = true;
            let base = final_url
                .as_deref()
                .and_then(|u| Url::parse(u).ok())
                .unwrap_or_else(|| start.clone());
            // Sitemaps and the not-found probe run at once: on a slow site each may cost a
            // whole request timeout.
            let ((added, products), soft404) = tokio::join!(
                seed_sitemaps(
                    http,
                    &base,
                    &scope,
                    &robots,
                    &rules,
                    &open,
                    &mut frontier,
                    &mut errors,
                    config,
                    deadline,
                ),
                soft404_fingerprint(http, &base, &scope, config, deadline, renderer.as_ref())
            );
            sitemap_urls = added;
            pending_products += products;
            if let Some(p) = soft404 {
                soft404_print = Some(p);
            }
            if config.probe {
                for (c, cl) in rules.classes.iter().enumerate() {
                    for path in &cl.probes {
                        if let Ok(u) = base.join(path) {
                            if let Some(u) = normalize(&u) {
                                let _ = frontier.push(Entry {
                                    url: u,
                                    depth: 1,
                                    priority: cl.priority / 2,
                                    source: Source::Probe,
                                    text: String::new(),
                                    area: Area::Body,
                                    predicted: vec![c],
                                    discount: 0,
                                });
                            }
                        }
                    }
                }
            }
        }

        // Re-score (only when the evidence changed): stop when all four pass; re-rank the queue
        // when the open checks change.
        if scored.0 != Some(evidence.changes()) {
            scored = (
                Some(evidence.changes()),
                score::statuses(&evidence)
                    .iter()
                    .map(|s| *s != Status::Pass)
                    .collect(),
                (evidence.declared_count(), evidence.distinct_count()),
            );
        }
        let mut now_open = scored.1.clone();
        if let Some(p) = products_check {
            // Product pages settle it; a grid alone only when no product page is in sight.
            let (declared, distinct) = scored.2;
            let settled = declared >= 3 || (distinct >= 1 && pending_products == 0);
            now_open[p] |= !settled;
        }
        if now_open != open {
            open = now_open;
            let r = rules.clone();
            let o = open.clone();
            frontier.reprioritize(|e| {
                if e.source == Source::Probe {
                    return e.priority;
                }
                let link = extract::Link {
                    url: e.url.clone(),
                    text: e.text.clone(),
                    area: e.area,
                };
                r.link_priority(&link, &o).0 - e.depth as i32
            });
        }
        if let Some(obs) = observer {
            obs(&Progress {
                pages_fetched: pages.len(),
                pages_queued: frontier.len(),
                errors: errors.len(),
                last_url: pages.last().map(|p| p.url.clone()).unwrap_or_default(),
                passed: open
                    .iter()
                    .enumerate()
                    .filter(|(_, o)| !**o)
                    .map(|(i, _)| rules.prerequisites[i].id.clone())
                    .collect(),
            });
        }
        if !config.exhaustive && core.iter().all(|&i| !open[i]) {
            stopped_by = "complete".into();
            inflight.abort_all();
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            stopped_by = "max_time".into();
            for (url, _) in std::mem::take(&mut loading).into_values() {
                push_err(
                    &mut errors,
                    &url,
                    "timeout",
                    "page still loading when the time budget ran out".into(),
                );
            }
            inflight.abort_all();
            break;
        }
    }

    inflight.shutdown().await;
    if let Some(r) = renderer {
        r.shutdown().await;
    }
    let access = Access {
        unreached,
        blocked: if pages_ok > 0 {
            None
        } else if robots_state == "error" || errors.iter().any(|e| e.kind == "robots") {
            Some("robots.txt does not allow crawling the pages needed".into())
        } else if stopped_by == "max_time" || errors.iter().any(|e| e.kind == "timeout") {
            Some("the site did not answer within the time budget".into())
        } else if let Some(e) = errors.first() {
            Some(format!(
                "no page could be read ({}: {})",
                e.kind,
                extract::truncate_chars(&e.message, 120)
            ))
        } else {
            Some("no page could be read".into())
        },
    };
    let checks = score::score(&evidence, &access, config.lang, &config.expect);
    let verdict = score::verdict(&checks);
    Ok(Report {
        schema_version: m::SCHEMA_VERSION,
        tool: m::Tool {
            name: "siteready".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            rules_digest: rules.digest.clone(),
        },
        target: m::Target {
            input: input.to_string(),
            url: start.to_string(),
            final_url,
            lang: target_lang,
        },
        started_at,
        duration_ms: t0.elapsed().as_millis() as u64,
        verdict,
        checks,
        crawl: m::Crawl {
            pages_fetched: pages.len(),
            stopped_by,
            robots: robots_state.into(),
            sitemap_urls,
            pages,
        },
        errors,
        settings: m::Settings {
            max_pages: config.max_pages,
            max_depth: config.max_depth,
            max_time_s: config.max_time.as_secs_f64(),
            concurrency: config.concurrency,
            rate: config.rate,
            timeout_s: config.timeout.as_secs_f64(),
            max_body: config.max_body,
            robots: config.robots,
            exhaustive: config.exhaustive,
            allow_private: config.allow_private,
            user_agent: config.user_agent.clone(),
            lang: match config.lang {
                Lang::En => "en".into(),
                Lang::Ko => "ko".into(),
            },
            render: config.render.as_str().into(),
        },
        screenshots,
    })
}

/// Rank lost per page of a class already fetched, past the first.
const SPENT_STEP: i32 = 8;
/// Most rank a class loses that way: its links stay ahead of links no class predicts.
const SPENT_MAX: i32 = 32;

/// How much lower `e` ranks now that pages of its predicted classes were fetched: the least
/// discount of its classes, so a link that may be of a fresh class keeps its rank.
fn spent_discount(e: &Entry, spent: &[u32]) -> i32 {
    e.predicted
        .iter()
        .map(|&c| {
            let n = spent.get(c).copied().unwrap_or(0).saturating_sub(1);
            SPENT_STEP.saturating_mul(n.min(1000) as i32).min(SPENT_MAX)
        })
        .min()
        .unwrap_or(0)
}

/// Remembers that a page predicted to serve some checks could not be read, so those checks end
/// `inconclusive` rather than `fail` when nothing else decided them.
fn note_unreached(rules: &RuleSet, entry: &Entry, unreached: &mut [Vec<String>], why: &str) {
    for &c in &entry.predicted {
        for &p in &rules.classes[c].serves {
            if let Some(v) = unreached.get_mut(p) {
                if v.len() < 3 {
                    v.push(format!("{why} {}", entry.url));
                }
            }
        }
    }
}

/// Links to files that are never HTML are not fetched at all.
fn skip_by_extension(u: &Url) -> bool {
    let p = u.path().to_ascii_lowercase();
    let ext = p
        .rsplit('/')
        .next()
        .and_then(|s| s.rsplit_once('.'))
        .map(|(_, e)| e)
        .unwrap_or("");
    matches!(
        ext,
        "jpg"
            | "jpeg"
            | "png"
            | "gif"
            | "webp"
            | "svg"
            | "ico"
            | "bmp"
            | "tif"
            | "tiff"
            | "avif"
            | "css"
            | "js"
            | "mjs"
            | "json"
            | "map"
            | "woff"
            | "woff2"
            | "ttf"
            | "otf"
            | "eot"
            | "pdf"
            | "zip"
            | "gz"
            | "tgz"
            | "rar"
            | "7z"
            | "exe"
            | "dmg"
            | "apk"
            | "msi"
            | "mp3"
            | "mp4"
            | "m4a"
            | "mov"
            | "avi"
            | "webm"
            | "ogg"
            | "wav"
            | "flac"
            | "doc"
            | "docx"
            | "xls"
            | "xlsx"
            | "ppt"
            | "pptx"
            | "csv"
            | "xml"
            | "rss"
            | "atom"
    )
}

#[allow(clippy::too_many_arguments)]
async fn seed_sitemaps(
    http: &Arc<Http>,
    base: &Url,
    scope: &Scope,
    robots: &Robots,
    rules: &RuleSet,
    open: &[bool],
    frontier: &mut Frontier,
    errors: &mut Vec<m::PageError>,
    config: &Config,
    deadline: tokio::time::Instant,
) -> (usize, usize) {
    let product_class = rules.class_index("product");
    let mut products = 0;
    let mut queue: Vec<(String, usize)> = robots.sitemaps.iter().map(|s| (s.clone(), 0)).collect();
    if queue.is_empty() {
        queue.push(("/sitemap.xml".into(), 0));
    }
    let mut fetched = 0;
    let mut added = 0;
    let mut taken = 0;
    // Sitemaps only seed the queue: slow or endless ones may take a quarter of the budget
    // (at least one request timeout), never the whole of it.
    let now = tokio::time::Instant::now();
    let deadline = (now + config.max_time / 4)
        .max(now + config.timeout)
        .min(deadline);
    while let Some((loc, depth)) = queue.pop() {
        if fetched >= sitemap::MAX_SITEMAP_FILES
            || taken >= sitemap::MAX_SITEMAP_URLS
            || tokio::time::Instant::now() >= deadline
        {
            break;
        }
        let Ok(u) = base.join(&loc) else { continue };
        if !scope.contains(&u) || !robots.allowed(u.path()) {
            continue;
        }
        fetched += 1;
        let budget = deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .min(config.timeout);
        let res = tokio::time::timeout(
            budget,
            http.fetch(&u, Some(scope), Want::Text, config.max_body),
        )
        .await;
        let f = match res {
            Ok(Ok(f)) if (200..300).contains(&f.status) => f,
            Ok(Ok(_)) => continue, // no sitemap: normal
            Ok(Err(e)) => {
                if errors.len() < 1000 {
                    errors.push(m::PageError {
                        url: u.to_string(),
                        kind: e.kind.as_str().into(),
                        message: format!("sitemap: {}", e.message),
                    });
                }
                continue;
            }
            Err(_) => {
                if errors.len() < 1000 {
                    errors.push(m::PageError {
                        url: u.to_string(),
                        kind: "timeout".into(),
                        message: "sitemap: no answer within the time left for sitemaps".into(),
                    });
                }
                continue;
            }
        };
        if f.truncated && errors.len() < 1000 {
            errors.push(m::PageError {
                url: u.to_string(),
                kind: "too_large".into(),
                message: format!(
                    "sitemap cut at {} bytes (--max-body): only the URLs before the cut were read",
                    config.max_body
                ),
            });
        }
        let text = f.body.map(|b| b.text).unwrap_or_default();
        let parsed = sitemap::parse(&text, sitemap::MAX_SITEMAP_URLS - taken);
        if depth < sitemap::MAX_SITEMAP_DEPTH {
            queue.extend(parsed.sitemaps.into_iter().map(|s| (s, depth + 1)));
        }
        for (n, loc) in parsed.pages.into_iter().enumerate() {
            // Ranking tens of thousands of URLs is CPU work: it stops with the sitemap budget.
            if n % 256 == 255 && tokio::time::Instant::now() >= deadline {
                break;
            }
            taken += 1;
            let Ok(pu) = base.join(&loc) else { continue };
            let Some(pu) = normalize(&pu) else { continue };
            if !scope.contains(&pu) || !frontier.admits(&pu) || skip_by_extension(&pu) {
                continue;
            }
            let link = extract::Link {
                url: pu.clone(),
                text: String::new(),
                area: Area::Body,
            };
            let (prio, predicted) = rules.link_priority(&link, open);
            let product = product_class.is_some_and(|c| predicted.contains(&c));
            if frontier
                .push(Entry {
                    url: pu,
                    depth: 1,
                    priority: prio - 1,
                    source: Source::Sitemap,
                    text: String::new(),
                    area: Area::Body,
                    predicted,
                    discount: 0,
                })
                .is_ok()
            {
                added += 1;
                products += usize::from(product);
            }
        }
    }
    (added, products)
}

/// Fetches one random path: a site that answers it with 200 is a catch-all, and its answer is
/// the fingerprint of "no such page".
async fn soft404_fingerprint(
    http: &Arc<Http>,
    base: &Url,
    scope: &Scope,
    config: &Config,
    deadline: tokio::time::Instant,
    renderer: Option<&Arc<Renderer>>,
) -> Option<Print> {
    let nonce = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(7);
    let u = base.join(&format!("/siteready-not-found-{nonce:x}")).ok()?;
    let budget = deadline
        .saturating_duration_since(tokio::time::Instant::now())
        .min(config.timeout);
    let f = tokio::time::timeout(
        budget,
        http.fetch(&u, Some(scope), Want::Html, config.max_body),
    )
    .await
    .ok()?
    .ok()?;
    if !(200..300).contains(&f.status) {
        return None;
    }
    let body = f.body.as_ref()?;
    let facts = extract::extract(&f.final_url, &body.text, &[]);
    // A JavaScript-built site shows its not-found page only once rendered.
    if let Some(r) = renderer {
        if let Some(text) = r.text(http, &f, scope, &facts).await {
            return Some(shingles(&text));
        }
    }
    Some(shingles(&facts.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fingerprint as defined: hashes of every 3-word window (or of all words, for fewer
    /// than three), sorted and distinct.
    fn reference(text: &str) -> Print {
        let words: Vec<&str> = text
            .split(' ')
            .filter(|w| !w.is_empty())
            .take(5000)
            .collect();
        let mut out: Print = words
            .windows(3.min(words.len().max(1)))
            .map(|w| shingles(&w.join(" ")))
            .flat_map(|p| p.into_iter().take(1))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn shingles_are_the_hashes_of_three_word_windows() {
        let long: String = (0..6000).map(|i| format!("w{} ", i % 97)).collect();
        for text in [
            "",
            "one",
            "one two",
            "one two three",
            "a b c a b c d",
            &long,
        ] {
            assert_eq!(shingles(text), reference(text), "{:.40}", text);
        }
        assert!(similar(&shingles(&long), &shingles(&long)));
        assert!(!similar(&shingles("a b c d e f"), &shingles("g h i j k l")));
    }
}
