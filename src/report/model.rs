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
    Pass,
    Warn,
    Fail,
    Inconclusive,
}

impl Status {
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
    pub schema_version: u32,
    pub tool: Tool,
    pub target: Target,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub duration_ms: u64,
    pub verdict: Verdict,
    /// The four prerequisites first (`products`, `shipping_policy`, `refund_policy`,
    /// `checkout`), then advisory checks.
    pub checks: Vec<Check>,
    pub crawl: Crawl,
    pub errors: Vec<PageError>,
    pub settings: Settings,
    /// Small screenshots of rendered pages that gave evidence (`--screenshots`): page URL →
    /// `data:image/jpeg;base64,…`.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub screenshots: std::collections::BTreeMap<String, String>,
}

/// The program and rules that produced the report, so two reports can be compared fairly.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    pub name: String,
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
    pub id: String,
    pub title: String,
    /// Advisory checks never change `ready`.
    pub advisory: bool,
    pub status: Status,
    pub score: u32,
    /// Why the status is not plain pass/fail by score (veto, cap, inconclusive reason).
    pub reason: Option<String>,
    pub evidence: Vec<Evidence>,
    /// What would have made it pass.
    pub missing: Vec<Missing>,
    /// A sentence the reviewer can send to the merchant.
    pub advice: Option<String>,
    /// Extra facts: distinct products seen, payment providers seen, …
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub facts: serde_json::Map<String, serde_json::Value>,
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
    pub description: String,
    /// Rules any of which would have supplied it.
    pub rules: Vec<String>,
}

/// How the crawl went: how far it got and why it stopped.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Crawl {
    pub pages_fetched: usize,
    /// `complete` (all passed early), `frontier_empty`, `max_pages` or `max_time`.
    pub stopped_by: String,
    /// `found`, `missing` (4xx: all allowed), `ignored` (`--no-robots`) or `error` (5xx or
    /// unreadable: nothing allowed).
    pub robots: String,
    /// URLs taken from sitemaps.
    pub sitemap_urls: usize,
    pub pages: Vec<PageRecord>,
}

/// One fetched page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PageRecord {
    pub url: String,
    pub final_url: String,
    pub status: u16,
    pub content_type: Option<String>,
    pub bytes: usize,
    pub depth: u32,
    pub elapsed_ms: u64,
    /// `seed`, `link`, `sitemap` or `probe`.
    pub source: String,
    /// Page classes the rules gave it (`product`, `order`, …).
    pub classes: Vec<String>,
    pub lang: Option<String>,
    pub title: Option<String>,
    /// Set when the page looked like the site's not-found page or its home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catch_all: Option<String>,
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
    pub url: String,
    pub reason: String,
}

/// A page that could not be fetched or read; the crawl went on without it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PageError {
    pub url: String,
    /// `timeout`, `too_large`, `redirect_loop`, `too_many_redirects`, `blocked_address`,
    /// `out_of_scope`, `http_status`, `decode`, `robots`, `connect`, `tls`, `dns`, `render`
    /// (a JavaScript-built page read without rendering), `other`.
    pub kind: crate::error::ErrorKind,
    pub message: String,
}

/// The budgets and options the run used, so a result can be reproduced.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Settings {
    pub max_pages: usize,
    pub max_depth: u32,
    pub max_time_s: f64,
    pub concurrency: usize,
    pub rate: f64,
    pub timeout_s: f64,
    pub max_body: usize,
    pub robots: bool,
    pub exhaustive: bool,
    pub allow_private: bool,
    pub user_agent: String,
    pub lang: String,
    /// `never`, `auto` or `always`.
    #[serde(default)]
    pub render: String,
}
