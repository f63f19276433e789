//! One site, end to end: the target is parsed, a crawl session (the private `session` module)
//! gathers the evidence (crawl → extract → rules → check), and the report is assembled from it
//! (score → report). The crawl is best-first and stops early once every prerequisite passes.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use url::Url;

use crate::config::Config;
use crate::crawl::normalize::normalize;
use crate::crawl::Http;
use crate::error::{Error, Result};
use crate::report::assemble::{assemble, Run};
use crate::report::model::Report;
use crate::rules::RuleSet;
use crate::session::Session;

/// What the user asked to check.
#[derive(Debug, Clone)]
pub enum Target {
    /// A live website, crawled from this start URL.
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
    config.validate()?;
    let t0 = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let session = Session::new(http, start.clone(), rules, config, observer)?;
    let outcome = session.run().await?;
    let run = Run {
        input,
        start: &start,
        started_at,
        elapsed: t0.elapsed(),
    };
    Ok(assemble(run, outcome, rules, config))
}
