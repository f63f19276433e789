//! One page's journey, run as its own task: fetch, extract the facts once, evaluate the
//! rules, and render in headless Chromium when the static read is a shell or in doubt.

use std::sync::Arc;

use url::Url;

use crate::crawl::{fetch::Fetched, Entry, FetchError, Http, Scope, Source, Want};
use crate::extract::{self, PageFacts};
use crate::render::{Rendered, Renderer};
use crate::rules::{Enough, PageEval, PageInput, RuleSet};

/// Bodies up to this size (decoded) are parsed on the async worker that fetched them.
const INLINE_PARSE_MAX: usize = 256 * 1024;

/// Result of one page task.
pub(crate) struct Done {
    pub entry: Entry,
    pub result: std::result::Result<Fetched, FetchError>,
    pub facts: Option<PageFacts>,
    pub eval: PageEval,
    /// Set when the page was (or should have been) rendered in headless Chromium.
    pub rendered: Option<Rendered>,
}

/// What one page task needs: everything is owned or shared, so the task runs on its own.
pub(crate) struct PageTask {
    pub http: Arc<Http>,
    pub rules: Arc<RuleSet>,
    /// Rules with enough evidence when the page was sent for (not searched).
    pub enough: Enough,
    pub scope: Scope,
    pub entry: Entry,
    /// `--max-body`.
    pub cap: usize,
    pub renderer: Option<Arc<Renderer>>,
    /// Core checks still open when the page was sent for: a page that leaves one without
    /// evidence may be rendered in doubt.
    pub open: Vec<bool>,
}

/// One page's journey: fetch → extract → evaluate → render (when it is a script shell, or in
/// doubt). Never fails: a failed fetch is in [`Done::result`].
pub(crate) async fn fetch_page(task: PageTask) -> Done {
    let PageTask {
        http,
        rules,
        enough,
        scope,
        entry,
        cap,
        renderer,
        open,
    } = task;
    let mut result = http
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
        // Boxed: most pages are never rendered, and the render's state would otherwise sit in
        // every page's future.
        rendered = Box::pin(r.page(
            &http,
            &rules,
            f,
            &scope,
            is_seed,
            &entry.predicted,
            facts.as_ref(),
            unproven,
        ))
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
    let mut seen: std::collections::HashSet<Url> =
        facts.links.iter().map(|l| l.url.clone()).collect();
    for l in rendered {
        if facts.links.len() >= extract::MAX_LINKS {
            break;
        }
        if seen.insert(l.url.clone()) {
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
