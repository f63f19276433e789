//! The report model (schema_version 1). Field names are snake_case and stable; additions are
//! fine, renames bump `schema_version`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the JSON report layout.
pub const SCHEMA_VERSION: u32 = 1;

/// Verdict of one check. `inconclusive` means the evidence could not be gathered (blocked,
/// JS-only shell, robots, timeouts) and is never the same as `fail`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The evidence is there: the score reaches the pass mark and every required kind of
    /// evidence was found.
    Pass,
    /// Partly there: the score is between the warn and pass marks, or a rule caps it at warn.
    Warn,
    /// Not there: the score is below the warn mark, or a rule vetoes it.
    Fail,
    /// The evidence could not be gathered; says nothing about the merchant.
    Inconclusive,
}

impl Status {
    /// The name used in reports and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Inconclusive => "inconclusive",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "pass" => Ok(Status::Pass),
            "warn" => Ok(Status::Warn),
            "fail" => Ok(Status::Fail),
            "inconclusive" => Ok(Status::Inconclusive),
            other => Err(format!(
                "unknown status '{other}' (expected pass, warn, fail or inconclusive)"
            )),
        }
    }
}

/// One site's readiness report: what was checked, the evidence, and how the crawl went, so a
/// reviewer can trust (or question) every verdict.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    /// Version of this report layout ([`SCHEMA_VERSION`]); bumped when a field is renamed or
    /// removed.
    pub schema_version: u32,
    /// The program and rules that produced the report.
    pub tool: Tool,
    /// The site that was checked.
    pub target: Target,
    /// RFC 3339, UTC.
    pub started_at: String,
    /// How long the check took, in milliseconds.
    pub duration_ms: u64,
    /// The overall answer: ready for review or not.
    pub verdict: Verdict,
    /// The four prerequisites first (`products`, `shipping_policy`, `refund_policy`,
    /// `checkout`), then advisory checks.
    pub checks: Vec<Check>,
    /// How the crawl went: pages fetched and why it stopped.
    pub crawl: Crawl,
    /// Pages, robots.txt and sitemaps that could not be fetched or read (at most 1,000).
    pub errors: Vec<PageError>,
    /// The budgets and options the run used.
    pub settings: Settings,
    /// Small screenshots of rendered pages that gave evidence (`--screenshots`): page URL →
    /// `data:image/jpeg;base64,…`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub screenshots: std::collections::BTreeMap<String, String>,
}

/// The program and rules that produced the report, so two reports can be compared fairly.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    /// Always `siteready`.
    pub name: String,
    /// Version of the program.
    pub version: String,
    /// SHA-256 of the rule files in use, so two reports can be compared fairly.
    pub rules_digest: String,
}

/// The site that was checked.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Target {
    /// What the user typed (URL or folder).
    pub input: String,
    /// Start URL after normalisation.
    pub url: String,
    /// Where the start URL landed after redirects, when it was reached.
    pub final_url: Option<String>,
    /// Language of the start page (`<html lang>` or detected).
    pub lang: Option<String>,
}

/// The overall answer: ready for KYC review or not.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Verdict {
    /// True only when every prerequisite passes.
    pub ready: bool,
    /// Mean of the four prerequisite scores.
    pub score: u32,
    /// `pass` when ready; else the worst prerequisite status.
    pub status: Status,
    /// One sentence for humans.
    pub summary: String,
}

/// One prerequisite (or advisory check) with its status, score and the evidence behind it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Check {
    /// Stable id of the check (`products`, `shipping_policy`, `refund_policy`, `checkout`, or an
    /// advisory check such as `business_info`).
    pub id: String,
    /// Title of the check, in the report's language.
    pub title: String,
    /// Advisory checks never change `ready`.
    pub advisory: bool,
    /// The check's verdict.
    pub status: Status,
    /// Sum of the weights of the rules that fired, clamped to 0–100.
    pub score: u32,
    /// Why the status is not plain pass/fail by score (veto, cap, inconclusive reason).
    pub reason: Option<String>,
    /// Rule hits behind the status, up to three pages per rule; rules with an effect first, then
    /// by the size of their weight.
    pub evidence: Vec<Evidence>,
    /// What would have made it pass.
    pub missing: Vec<Missing>,
    /// A sentence the reviewer can send to the merchant.
    pub advice: Option<String>,
    /// Extra facts: distinct products seen, payment providers seen, …
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub facts: serde_json::Map<String, serde_json::Value>,
    /// Evidence the quality gate set aside before scoring (template source, placeholder or
    /// label names, pages of a class that never proves this check), so a reviewer sees what
    /// was not counted and why. At most eight.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub discarded: Vec<Discarded>,
}

/// One piece of evidence the quality gate did not count.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Discarded {
    /// The rule whose hit was set aside; absent for a product read off a page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Page it was seen on.
    pub url: String,
    /// What was set aside: a product's name, or the rule id.
    pub what: String,
    /// Why it was not counted.
    pub reason: String,
}

/// One rule hit on one page: the proof behind a status.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// Rule id.
    pub rule: String,
    /// Rule description, for readers who do not know the id.
    pub description: String,
    /// Page the evidence was found on.
    pub url: String,
    /// Signal kind (`text`, `url`, `script_src`, `jsonld`, …).
    pub kind: String,
    /// At most 200 characters around the match, whitespace collapsed.
    pub snippet: String,
    /// The matched text itself (for highlighting).
    pub matched: String,
    /// Weight the rule added (negative rules subtract).
    pub weight: i32,
    /// `veto`, `warn` or `inconclusive` when the rule has an effect beyond its weight.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
}

/// Something a check lacked, so the merchant knows what to add.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Missing {
    /// The evidence tag or score that is lacking.
    pub need: String,
    /// What is lacking, in words, in the report's language.
    pub description: String,
    /// Rules any of which would have supplied it.
    pub rules: Vec<String>,
}

/// How the crawl went: how far it got and why it stopped.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Crawl {
    /// Pages fetched or tried, failures included (robots.txt and sitemaps not counted).
    pub pages_fetched: usize,
    /// `complete` (all passed early), `frontier_empty`, `max_pages` or `max_time`.
    pub stopped_by: String,
    /// `found`, `missing` (4xx: all allowed), `ignored` (`--no-robots`) or `error` (5xx or
    /// unreadable: nothing allowed).
    pub robots: String,
    /// URLs taken from sitemaps.
    pub sitemap_urls: usize,
    /// Every page fetched or tried, in the order they were finished.
    pub pages: Vec<PageRecord>,
}

/// One fetched page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PageRecord {
    /// The URL as queued.
    pub url: String,
    /// Where it landed after redirects.
    pub final_url: String,
    /// HTTP status of the final response; 0 when the fetch failed.
    pub status: u16,
    /// The Content-Type header, when sent.
    pub content_type: Option<String>,
    /// Body bytes read (after decompression); for bodies not downloaded, the declared length.
    pub bytes: usize,
    /// Link hops from the start page.
    pub depth: u32,
    /// Time to fetch the page, redirects and retries included, in milliseconds.
    pub elapsed_ms: u64,
    /// `seed`, `link`, `sitemap` or `probe`.
    pub source: String,
    /// Page classes the rules gave it (`product`, `order`, …).
    pub classes: Vec<String>,
    /// Language of the page (`<html lang>`, else detected from its text).
    pub lang: Option<String>,
    /// Title of the page, capped at 150 characters.
    pub title: Option<String>,
    /// Set when the page looked like the site's not-found page or its home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catch_all: Option<String>,
    /// Why the fetch failed (`kind: message`), when it did.
    pub error: Option<String>,
    /// The facts come from the page as rendered by headless Chromium (a JavaScript-built page).
    #[serde(default)]
    pub rendered: bool,
    /// Time spent rendering (and probing) the page once a tab was free (the browser's start
    /// and the wait for a tab are not counted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub render_ms: Option<u64>,
    /// Requests the rendered page made that were refused (another site, a private address,
    /// a payment gateway).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blocked_requests: Vec<BlockedRequest>,
    /// What the checkout probe did on this order page: the button clicked and what followed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout_probe: Option<String>,
}

/// A request of a rendered page that was refused before it left the browser.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct BlockedRequest {
    /// The refused request's URL.
    pub url: String,
    /// Why it was refused (`another site (out of scope)`, `media is not loaded` …).
    pub reason: String,
}

/// A page that could not be fetched or read; the crawl went on without it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PageError {
    /// The page, robots.txt or sitemap that failed.
    pub url: String,
    /// `timeout`, `too_large`, `redirect_loop`, `too_many_redirects`, `blocked_address`,
    /// `out_of_scope`, `http_status`, `decode`, `robots`, `connect`, `tls`, `dns`, `render`
    /// (a JavaScript-built page read without rendering), `other`.
    pub kind: crate::error::ErrorKind,
    /// What went wrong, in words.
    pub message: String,
}

/// The budgets and options the run used, so a result can be reproduced.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Settings {
    /// Most pages fetched (robots.txt and sitemaps not counted).
    pub max_pages: usize,
    /// Most link hops from the start page.
    pub max_depth: u32,
    /// Time budget for the whole site, in seconds.
    pub max_time_s: f64,
    /// Requests in flight at once for the site.
    pub concurrency: usize,
    /// Requests per second per host; 0 when unlimited.
    pub rate: f64,
    /// Timeout of one request, body included, in seconds.
    pub timeout_s: f64,
    /// Cap on one response body, in bytes.
    pub max_body: usize,
    /// Whether robots.txt was honoured.
    pub robots: bool,
    /// Whether the crawl went on after every prerequisite passed.
    pub exhaustive: bool,
    /// Whether loopback and private addresses were allowed.
    pub allow_private: bool,
    /// The User-Agent header sent.
    pub user_agent: String,
    /// Language of labels and advice (`en` or `ko`).
    pub lang: String,
    /// `never`, `auto` or `always`.
    #[serde(default)]
    pub render: String,
}
