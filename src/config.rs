//! Run settings shared by `check`, `batch` and the library API; the CLI fills them from flags.

use std::path::PathBuf;
use std::time::Duration;

/// Language of the labels and advice written into reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Korean.
    Ko,
}

/// When pages are rendered in headless Chromium before extraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RenderMode {
    /// Static HTML only: JavaScript-built shops end `inconclusive`.
    Never,
    /// Render only pages whose static HTML is a script shell (empty app root, SPA bundle).
    #[default]
    Auto,
    /// Render every HTML page (and probe every order page).
    Always,
}

impl RenderMode {
    /// The name used on the command line and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            RenderMode::Never => "never",
            RenderMode::Auto => "auto",
            RenderMode::Always => "always",
        }
    }
}

/// Order in which queued pages are fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CrawlOrder {
    /// Links ranked by the rules for the checks still open: policies and the order page first.
    #[default]
    BestFirst,
    /// First found, first fetched, ranks ignored: a diagnostic baseline that shows how many
    /// requests best-first saves.
    BreadthFirst,
}

/// Budgets and politeness for one site. Defaults are the documented CLI defaults.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Config {
    /// Most pages fetched (robots.txt and sitemaps are not counted).
    pub max_pages: usize,
    /// Most link hops from the start page.
    pub max_depth: u32,
    /// Wall-clock budget for the whole site.
    #[serde(with = "secs")]
    pub max_time: Duration,
    /// Requests in flight at once for one site.
    pub concurrency: usize,
    /// Requests per second per host; 0 turns the limiter off.
    pub rate: f64,
    /// Timeout of one request, body included.
    #[serde(with = "secs")]
    pub timeout: Duration,
    /// Cap on one decoded response body, in bytes.
    pub max_body: usize,
    /// User-Agent header, also the token matched in robots.txt.
    pub user_agent: String,
    /// Allow loopback and private addresses (tests, local folders, intranet shops).
    pub allow_private: bool,
    /// Honour robots.txt.
    pub robots: bool,
    /// Keep crawling after every prerequisite passed.
    pub exhaustive: bool,
    /// Fetch well-known platform URLs (cart, order form, policy pages) that links may not show.
    pub probe: bool,
    /// Most URLs of one shape (`/cal?day=N`) queued; 0 = no cap.
    pub max_per_pattern: u32,
    /// Report language.
    pub lang: Lang,
    /// Application values to find in the site's business information (`--expect KEY=VALUE`).
    pub expect: Vec<(String, String)>,
    /// Rendering in headless Chromium: JavaScript-built shops show their content only then.
    pub render: RenderMode,
    /// Chromium binary; `None` = `$CHROME`, else `/usr/bin/chromium`.
    pub chromium: Option<PathBuf>,
    /// Keep a small screenshot of every rendered page that gave evidence.
    pub screenshots: bool,
    /// Crawl order (breadth-first only as a diagnostic).
    pub order: CrawlOrder,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_pages: 60,
            max_depth: 5,
            max_time: Duration::from_secs(60),
            concurrency: 4,
            rate: 4.0,
            timeout: Duration::from_secs(15),
            max_body: 5 * 1024 * 1024,
            user_agent: format!(
                "siteready/{} (+merchant website readiness check)",
                env!("CARGO_PKG_VERSION")
            ),
            allow_private: false,
            robots: true,
            exhaustive: false,
            probe: true,
            max_per_pattern: 25,
            lang: Lang::En,
            expect: Vec::new(),
            render: RenderMode::Auto,
            chromium: None,
            screenshots: false,
            order: CrawlOrder::BestFirst,
        }
    }
}

impl Config {
    /// Checks every budget before a run, so that a library caller gets an error, never a
    /// panic deep inside (a rate of 1e-30 makes a rate-limit period no clock can hold).
    pub fn validate(&self) -> crate::Result<()> {
        let bad = |setting: &'static str, reason: &str| {
            Err(crate::Error::Config {
                setting,
                reason: reason.to_string(),
            })
        };
        let secs_ok = |d: Duration| !d.is_zero() && d < Duration::from_secs(10_000_000);
        if self.max_pages == 0 {
            return bad("max_pages", "must be at least 1");
        }
        if !secs_ok(self.max_time) {
            return bad("max_time", "must be a positive number of seconds");
        }
        if !secs_ok(self.timeout) {
            return bad("timeout", "must be a positive number of seconds");
        }
        if self.concurrency == 0 || self.concurrency > 64 {
            return bad("concurrency", "must be between 1 and 64");
        }
        if !(self.rate.is_finite() && (self.rate == 0.0 || self.rate >= MIN_RATE)) {
            return bad(
                "rate",
                "must be 0 (no limit) or at least 0.001 requests per second",
            );
        }
        if self.max_body < 1024 {
            return bad("max_body", "must be at least 1024 bytes");
        }
        if self.user_agent.is_empty()
            || !self
                .user_agent
                .bytes()
                .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
        {
            return bad("user_agent", "must be non-empty printable ASCII");
        }
        Ok(())
    }
}

/// The slowest rate limit accepted: one request every 1000 seconds.
pub const MIN_RATE: f64 = 0.001;

mod secs {
    use std::time::Duration;
    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}
