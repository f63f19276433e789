//! One site's crawl, as a session: the frontier, the scope, robots.txt, the pages in flight and
//! the budgets, and the evidence gathered so far. Pages are sent for best-first (links ranked by
//! the rules for the checks still open) and each runs its own journey ([`page`]); the session
//! reads what they bring back, queues their links, and stops once every prerequisite passes or
//! a budget runs out. The one thing verdicts feed back into the crawl is which checks are still
//! open: it ranks the queue, picks what to render, and says when to stop.

mod catch_all;
mod page;
mod seed;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tokio::task::JoinSet;
use tokio::time::Instant;
use url::Url;

use crate::audit::{Observer, Progress};
use crate::check::Evidence;
use crate::config::{Config, CrawlOrder};
use crate::crawl::normalize::normalized;
use crate::crawl::robots::{self, RobotsState};
use crate::crawl::{Entry, FetchError, Fetched, Frontier, Http, Robots, Scope, Source};
use crate::error::{Error, ErrorKind, ErrorLog, Result};
use crate::extract::{self, Area, PageFacts};
use crate::render::Renderer;
use crate::report::model as m;
use crate::report::Status;
use crate::rules::{PageEval, RuleSet, PREREQUISITES};
use crate::score;

use catch_all::CatchAll;
use page::{Done, PageTask};
use seed::Site;

/// Why a crawl stopped; the report's `crawl.stopped_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Every prerequisite passed (without `--exhaustive`).
    Complete,
    /// Nothing left to fetch.
    FrontierEmpty,
    /// `--max-pages` reached with pages still queued.
    MaxPages,
    /// `--max-time` ran out.
    MaxTime,
}

impl StopReason {
    /// The report's name of the reason.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Complete => "complete",
            StopReason::FrontierEmpty => "frontier_empty",
            StopReason::MaxPages => "max_pages",
            StopReason::MaxTime => "max_time",
        }
    }
}

/// What a finished session hands to report assembly.
pub(crate) struct Outcome<'r> {
    pub evidence: Evidence<'r>,
    pub pages: Vec<m::PageRecord>,
    pub errors: ErrorLog,
    pub screenshots: BTreeMap<String, String>,
    pub stopped_by: StopReason,
    pub robots: RobotsState,
    pub sitemap_urls: usize,
    pub final_url: Option<String>,
    pub lang: Option<String>,
    /// Per check, pages that could have given evidence but could not be read.
    pub unreached: Vec<Vec<String>>,
    /// Pages read with HTML and a 2xx status.
    pub pages_ok: usize,
}

/// Per page class, pages already sent for: each beyond the first makes the next link of that
/// class rank lower (a second category grid tells little the first did not).
const SPENT_STEP: i32 = 8;
/// Most rank a class loses that way: its links stay ahead of links no class predicts.
const SPENT_MAX: i32 = 32;

/// One site's crawl in progress.
pub(crate) struct Session<'r> {
    http: &'r Arc<Http>,
    rules: &'r RuleSet,
    /// The same rules, shared with the page tasks.
    shared: Arc<RuleSet>,
    config: &'r Config,
    start: Url,
    deadline: Instant,
    renderer: Option<Arc<Renderer>>,
    observer: Option<&'r Observer>,
    scope: Scope,
    frontier: Frontier,
    robots: Robots,
    robots_state: RobotsState,
    inflight: JoinSet<Done>,
    /// URL and rank of each page task: to name the pages still loading when the time budget
    /// runs out, and to know whether ranked pages are in flight.
    loading: HashMap<tokio::task::Id, (String, i32)>,
    started: usize,
    seed_done: bool,
    evidence: Evidence<'r>,
    pages: Vec<m::PageRecord>,
    errors: ErrorLog,
    screenshots: BTreeMap<String, String>,
    catch_all: CatchAll,
    /// Per prerequisite: not passed yet. The crawl's only feedback from the verdicts.
    open: Vec<bool>,
    /// The four prerequisites whose passing ends the crawl.
    core: Vec<usize>,
    /// The evidence counter last scored, the statuses it gave (open or not), and its product
    /// counts (declared on product pages or in structured data; distinct in all).
    scored: (Option<u64>, Vec<bool>, (usize, usize)),
    /// Predicted product pages queued or in flight: products are settled only once a few were
    /// read (or none are left): the placeholder and price guards need product pages.
    pending_products: usize,
    product_class: Option<usize>,
    spent: Vec<u32>,
    unreached: Vec<Vec<String>>,
    final_url: Option<String>,
    lang: Option<String>,
    sitemap_urls: usize,
    pages_ok: usize,
}

impl<'r> Session<'r> {
    /// A session for the site at `start`; nothing is fetched yet.
    pub fn new(
        http: &'r Arc<Http>,
        start: Url,
        rules: &'r RuleSet,
        config: &'r Config,
        observer: Option<&'r Observer>,
    ) -> Result<Self> {
        let deadline = Instant::now() + config.max_time;
        let renderer = Renderer::new(config, deadline)?;
        let mut frontier =
            Frontier::new(crate::crawl::frontier::MAX_QUEUED, config.max_per_pattern);
        if config.order == CrawlOrder::BreadthFirst {
            frontier = frontier.breadth_first();
        }
        Ok(Session {
            http,
            rules,
            shared: Arc::new(rules.clone()),
            config,
            scope: Scope::new(&start),
            start,
            deadline,
            renderer,
            observer,
            frontier,
            robots: Robots::allow_all(),
            robots_state: RobotsState::Ignored,
            inflight: JoinSet::new(),
            loading: HashMap::new(),
            started: 0,
            seed_done: false,
            evidence: Evidence::new(rules),
            pages: Vec::new(),
            errors: ErrorLog::default(),
            screenshots: BTreeMap::new(),
            catch_all: CatchAll::default(),
            open: vec![true; rules.prerequisites.len()],
            core: PREREQUISITES
                .iter()
                .filter_map(|p| rules.prereq_index(p))
                .collect(),
            scored: (None, Vec::new(), (0, 0)),
            pending_products: 0,
            product_class: rules.class_index("product"),
            spent: vec![0; rules.classes.len()],
            unreached: vec![Vec::new(); rules.prerequisites.len()],
            final_url: None,
            lang: None,
            sitemap_urls: 0,
            pages_ok: 0,
        })
    }

    /// Crawls until every prerequisite passes or a budget runs out. An error only when the
    /// site cannot be reached at all (nothing to report on) or rendering was required and
    /// failed.
    pub async fn run(mut self) -> Result<Outcome<'r>> {
        if self.config.robots {
            let (r, state) =
                robots::fetch(self.http, &self.start, self.deadline, &mut self.errors).await?;
            (self.robots, self.robots_state) = (r, state);
        }
        let _ = self.frontier.push(Entry {
            url: self.start.clone(),
            depth: 0,
            priority: i32::MAX,
            source: Source::Seed,
            text: String::new(),
            area: Area::Body,
            predicted: Vec::new(),
            discount: 0,
        });
        let stop = loop {
            self.fill();
            if self.inflight.is_empty() {
                break if self.started >= self.config.max_pages && !self.frontier.is_empty() {
                    StopReason::MaxPages
                } else {
                    StopReason::FrontierEmpty
                };
            }
            let done = tokio::select! {
                d = self.inflight.join_next_with_id() => d,
                _ = tokio::time::sleep_until(self.deadline) => {
                    self.time_out();
                    break StopReason::MaxTime;
                }
            };
            let done = match done {
                Some(Ok((id, d))) => {
                    self.loading.remove(&id);
                    d
                }
                Some(Err(e)) => {
                    if let Some((url, _)) = self.loading.remove(&e.id()) {
                        self.errors
                            .push(&url, ErrorKind::Other, format!("page task failed: {e}"));
                    }
                    continue;
                }
                None => continue,
            };
            self.read(done).await?;
            self.rescore();
            self.observe();
            if !self.config.exhaustive && self.core.iter().all(|&i| !self.open[i]) {
                self.inflight.abort_all();
                break StopReason::Complete;
            }
            if Instant::now() >= self.deadline {
                self.time_out();
                break StopReason::MaxTime;
            }
        };
        tracing::info!(site = %self.start, pages = self.pages.len(), stopped_by = stop.as_str(), "crawl done");
        self.inflight.shutdown().await;
        if let Some(r) = self.renderer.take() {
            r.shutdown().await;
        }
        Ok(Outcome {
            evidence: self.evidence,
            pages: self.pages,
            errors: self.errors,
            screenshots: self.screenshots,
            stopped_by: stop,
            robots: self.robots_state,
            sitemap_urls: self.sitemap_urls,
            final_url: self.final_url,
            lang: self.lang,
            unreached: self.unreached,
            pages_ok: self.pages_ok,
        })
    }

    /// Fills the pipe: the seed alone first, then up to `--concurrency` pages at once.
    fn fill(&mut self) {
        let concurrency = if self.seed_done {
            self.config.concurrency.max(1)
        } else {
            1
        };
        while self.inflight.len() < concurrency && self.started < self.config.max_pages {
            // Pages no rule ranks (a blog, an about page) wait while ranked ones are in flight:
            // what those bring in (a cart's checkout link, a footer) usually ranks higher, and
            // a verdict reached meanwhile makes the speculative request unnecessary.
            if !self.config.exhaustive
                && self.loading.values().any(|(_, p)| *p > 0)
                && self.frontier.best_priority().is_some_and(|p| p <= 0)
            {
                break;
            }
            let spent = &self.spent;
            let Some(entry) = self.frontier.pop_by(|e| spent_discount(e, spent)) else {
                break;
            };
            if entry.source == Source::Probe && !self.serves_open(&entry) {
                continue; // the probe's checks already passed
            }
            let pq = match entry.url.query() {
                Some(q) => format!("{}?{}", entry.url.path(), q),
                None => entry.url.path().to_string(),
            };
            if !self.robots.allowed(&pq) {
                self.disallowed(&entry);
                continue;
            }
            self.send(entry);
        }
    }

    /// Whether a page of `entry`'s predicted classes could still prove an open check.
    fn serves_open(&self, entry: &Entry) -> bool {
        self.rules
            .classes
            .iter()
            .enumerate()
            .any(|(c, cl)| entry.predicted.contains(&c) && cl.serves.iter().any(|p| self.open[*p]))
    }

    fn disallowed(&mut self, entry: &Entry) {
        if self.is_product(entry) {
            self.pending_products = self.pending_products.saturating_sub(1);
        }
        if entry.source != Source::Probe {
            note_unreached(
                self.rules,
                entry,
                &mut self.unreached,
                "robots.txt disallows",
            );
        }
        self.errors.push(
            entry.url.as_str(),
            ErrorKind::Robots,
            "disallowed by robots.txt",
        );
        if entry.source == Source::Seed {
            self.seed_done = true;
        }
    }

    /// Starts one page's journey.
    fn send(&mut self, entry: Entry) {
        self.started += 1;
        for &c in &entry.predicted {
            self.spent[c] += 1;
        }
        let (url, priority) = (entry.url.to_string(), entry.priority);
        let task = PageTask {
            http: self.http.clone(),
            rules: self.shared.clone(),
            enough: self.evidence.enough(),
            scope: self.scope.clone(),
            entry,
            cap: self.config.max_body,
            renderer: self.renderer.clone(),
            open: (0..self.open.len())
                .map(|i| self.open[i] && self.core.contains(&i))
                .collect(),
        };
        // Boxed: a page's future holds its parse and render states, and a task moves it whole.
        let handle = self.inflight.spawn(Box::pin(page::fetch_page(task)));
        self.loading.insert(handle.id(), (url, priority));
    }

    fn is_product(&self, e: &Entry) -> bool {
        self.product_class.is_some_and(|c| e.predicted.contains(&c))
    }

    /// The time budget ran out: the pages still loading are named and dropped.
    fn time_out(&mut self) {
        for (url, _) in std::mem::take(&mut self.loading).into_values() {
            self.errors.push(
                &url,
                ErrorKind::Timeout,
                "page still loading when the time budget ran out",
            );
        }
        self.inflight.abort_all();
    }

    /// Reads one page's journey: its record, its errors, its evidence and its links.
    async fn read(&mut self, done: Done) -> Result<()> {
        let Done {
            entry,
            result,
            facts,
            eval,
            rendered,
        } = done;
        if self.is_product(&entry) {
            // Counted down when read, not when sent: an in-flight product page is pending.
            self.pending_products = self.pending_products.saturating_sub(1);
        }
        let is_seed = entry.source == Source::Seed;
        let mut record = self.record(&entry, &eval);
        match result {
            Err(e) => self.failed(&entry, e, &mut record)?,
            Ok(f) => {
                // Screenshots are keyed by the page's final URL.
                record.final_url = f.final_url.to_string();
                if let Some(out) = &rendered {
                    if let Some(msg) = &out.fatal {
                        return Err(Error::Other(msg.clone()));
                    }
                    out.note(&mut record, &mut self.errors, &mut self.screenshots);
                }
                self.fetched(&entry, &f, facts.as_ref(), &eval, &mut record);
            }
        }
        self.pages.push(record);
        if is_seed {
            self.seed_done = true;
            self.after_seed().await;
        }
        Ok(())
    }

    fn record(&self, entry: &Entry, eval: &PageEval) -> m::PageRecord {
        m::PageRecord {
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
                .map(|c| self.rules.classes[*c].id.clone())
                .collect(),
            lang: None,
            title: None,
            catch_all: None,
            error: None,
            rendered: false,
            render_ms: None,
            blocked_requests: Vec::new(),
            checkout_probe: None,
        }
    }

    /// A page that could not be fetched. The start page failing to connect before anything
    /// was read means the site cannot be reached; one that answered and broke off mid-body is
    /// reported like any other page.
    fn failed(&mut self, entry: &Entry, e: FetchError, record: &mut m::PageRecord) -> Result<()> {
        record.error = Some(format!("{}: {}", e.kind.as_str(), e.message));
        if let Some(fu) = &e.final_url {
            record.final_url = fu.to_string();
        }
        if entry.source == Source::Seed
            && e.kind.is_unreachable()
            && e.status.is_none()
            && self.pages_ok == 0
        {
            return Err(Error::Unreachable {
                url: entry.url.to_string(),
                reason: e.message,
            });
        }
        if matches!(e.kind, ErrorKind::Timeout | ErrorKind::Connect)
            && entry.source != Source::Probe
        {
            note_unreached(self.rules, entry, &mut self.unreached, "did not answer:");
        }
        if entry.source != Source::Probe || e.kind != ErrorKind::OutOfScope {
            self.errors.push(entry.url.as_str(), e.kind, e.message);
        }
        Ok(())
    }

    /// A page that answered: what it was, what went wrong reading it, and what it proves.
    fn fetched(
        &mut self,
        entry: &Entry,
        f: &Fetched,
        facts: Option<&PageFacts>,
        eval: &PageEval,
        record: &mut m::PageRecord,
    ) {
        let is_seed = entry.source == Source::Seed;
        record.final_url = f.final_url.to_string();
        record.status = f.status;
        record.content_type = f.content_type.clone();
        record.bytes = f.bytes;
        record.elapsed_ms = f.elapsed.as_millis() as u64;
        self.frontier.mark_seen(&f.final_url);
        self.read_errors(entry, f, facts);
        let ok = (200..300).contains(&f.status);
        if is_seed {
            self.scope.add(&f.final_url);
            self.final_url = Some(f.final_url.to_string());
        }
        if let Some(facts) = facts {
            record.title =
                Some(extract::truncate_chars(&facts.title, 150)).filter(|t| !t.is_empty());
            record.lang = facts
                .lang
                .clone()
                .or_else(|| extract::lang::detect(&facts.text).map(str::to_string));
            if is_seed {
                self.lang = record.lang.clone();
            }
        }
        // Catch-all pages (a copy of the home page or of the not-found page) prove nothing.
        let catch_all = match facts {
            Some(facts) if ok && !is_seed => self.catch_all.judge(&facts.text),
            _ => None,
        };
        if is_seed && ok {
            self.catch_all.home = facts.map(|f| catch_all::shingles(&f.text));
        }
        if catch_all.is_none() && (ok || entry.source != Source::Probe) {
            self.evidence
                .add_page(f.final_url.as_str(), eval, facts.filter(|_| ok));
            if ok && facts.is_some() {
                self.pages_ok += 1;
            }
        }
        record.catch_all = catch_all.map(str::to_string);
        if catch_all.is_some() {
            self.screenshots.remove(&record.final_url); // it gave no evidence
        }
        if let (Some(facts), true, None) = (facts, ok, catch_all) {
            if entry.depth < self.config.max_depth {
                self.follow(entry, facts);
            }
        }
    }

    /// What went wrong reading a page that answered: a cut body, bad bytes, not HTML, not 2xx.
    fn read_errors(&mut self, entry: &Entry, f: &Fetched, facts: Option<&PageFacts>) {
        let url = entry.url.as_str();
        if f.truncated {
            let msg = format!("body cut at {} bytes (--max-body)", self.config.max_body);
            self.errors.push(url, ErrorKind::TooLarge, msg);
        }
        if let Some(cap) = facts.and_then(|x| x.markup_capped.as_ref()) {
            self.errors.push(url, ErrorKind::TooLarge, cap.clone());
        }
        if let Some(b) = &f.body {
            if b.had_errors {
                let msg = format!("invalid {} byte sequences were replaced", b.encoding);
                self.errors.push(url, ErrorKind::Decode, msg);
            }
            if b.nul_chars > 0 {
                let msg = format!("{} NUL characters in the body were ignored", b.nul_chars);
                self.errors.push(url, ErrorKind::Decode, msg);
            }
        } else if entry.source != Source::Probe && (200..300).contains(&f.status) {
            let what = f
                .content_type
                .as_deref()
                .unwrap_or("no content type, binary content");
            let msg = format!("not an HTML page ({what}): body not read");
            self.errors.push(url, ErrorKind::Other, msg);
        }
        if !(200..300).contains(&f.status) && entry.source != Source::Probe {
            let msg = format!("HTTP {}", f.status);
            self.errors.push(url, ErrorKind::HttpStatus, msg);
        }
    }

    /// Queues a page's links that are new, on the site and worth fetching, ranked for the
    /// checks still open.
    fn follow(&mut self, entry: &Entry, facts: &PageFacts) {
        for link in &facts.links {
            let Some(u) = normalized(&link.url) else {
                continue;
            };
            // Most links were seen already: that is asked first.
            if !self.frontier.admits(&u) || !self.scope.contains(&u) || seed::skip_by_extension(&u)
            {
                continue;
            }
            let (prio, predicted) = self.rules.link_priority(link, &self.open);
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
            let product = self.is_product(&e);
            if self.frontier.push(e).is_ok() && product {
                self.pending_products += 1;
            }
        }
    }

    /// Once the start page is read: its sitemaps, the site's not-found fingerprint (at once:
    /// on a slow site each may cost a whole request timeout) and the platform probes.
    async fn after_seed(&mut self) {
        let base = self
            .final_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .unwrap_or_else(|| self.start.clone());
        let site = Site {
            http: self.http,
            scope: &self.scope,
            robots: &self.robots,
            rules: self.rules,
            config: self.config,
            deadline: self.deadline,
        };
        let ((added, products), not_found) = tokio::join!(
            seed::sitemaps(
                &site,
                &base,
                &self.open,
                &mut self.frontier,
                &mut self.errors
            ),
            catch_all::not_found_fingerprint(
                self.http,
                &base,
                &self.scope,
                self.config,
                self.deadline,
                self.renderer.as_ref()
            )
        );
        self.sitemap_urls = added;
        self.pending_products += products;
        if not_found.is_some() {
            self.catch_all.not_found = not_found;
        }
        if self.config.probe {
            seed::probes(self.rules, &base, &mut self.frontier);
        }
    }

    /// Re-scores (only when the evidence changed) and re-ranks the queue when the open checks
    /// change.
    fn rescore(&mut self) {
        if self.scored.0 != Some(self.evidence.changes()) {
            self.scored = (
                Some(self.evidence.changes()),
                score::statuses(&self.evidence)
                    .iter()
                    .map(|s| *s != Status::Pass)
                    .collect(),
                (
                    self.evidence.declared_count(),
                    self.evidence.distinct_count(),
                ),
            );
        }
        let mut now_open = self.scored.1.clone();
        if let Some(p) = self.rules.prereq_index("products") {
            // Product pages settle it; a grid alone only when no product page is in sight.
            let (declared, distinct) = self.scored.2;
            let settled = declared >= 3 || (distinct >= 1 && self.pending_products == 0);
            now_open[p] |= !settled;
        }
        if now_open == self.open {
            return;
        }
        self.open = now_open;
        let (rules, open) = (self.rules, &self.open);
        self.frontier.reprioritize(|e| {
            if e.source == Source::Probe {
                return e.priority;
            }
            let link = extract::Link {
                url: e.url.clone(),
                text: e.text.clone(),
                area: e.area,
            };
            rules.link_priority(&link, open).0 - e.depth as i32
        });
    }

    /// Tells the observer, if any, where the crawl stands.
    fn observe(&self) {
        let Some(obs) = self.observer else { return };
        obs(&Progress {
            pages_fetched: self.pages.len(),
            pages_queued: self.frontier.len(),
            errors: self.errors.len(),
            last_url: self.pages.last().map(|p| p.url.clone()).unwrap_or_default(),
            passed: (0..self.open.len())
                .filter(|&i| !self.open[i])
                .map(|i| self.rules.prerequisites[i].id.clone())
                .collect(),
        });
    }
}

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
