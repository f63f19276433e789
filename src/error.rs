//! One error enum for the library, so callers (the CLI, batch) can map each failure to an exit code.

use std::path::PathBuf;

/// Errors the library reports to its caller. Page-level failures during a crawl are not errors:
/// they are recorded in the report's `errors` list and the crawl goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The target given on the command line or in a CSV row is not a usable http(s) URL or folder.
    #[error("invalid target '{input}': {reason}")]
    InvalidTarget {
        /// The target as given.
        input: String,
        /// What is wrong with it (empty, no such folder, not http(s) …).
        reason: String,
    },

    /// The target could not be reached at all (DNS, connection refused, TLS, blocked address).
    #[error("cannot reach {url}: {reason}")]
    Unreachable {
        /// The start URL that could not be reached.
        url: String,
        /// The failure, as the fetch reported it.
        reason: String,
    },

    /// One or more rule files are invalid; each problem names its file and line.
    #[error("invalid rules:\n{}", .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Rules(Vec<crate::rules::RuleProblem>),

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder concerned.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// A setting is out of range (`Config::validate`); names the setting.
    #[error("invalid setting {setting}: {reason}")]
    Config {
        /// The setting's name, as in [`Config`](crate::Config) (`max_pages`, `rate` …).
        setting: &'static str,
        /// What the value must be (`must be at least 1` …).
        reason: String,
    },

    /// Anything else that stops a run before a report exists.
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// Why a page, a robots.txt or a sitemap could not be fetched or read. The crawl goes on
/// without it; the kind is written into the report's `errors[].kind` under the names below
/// (`timeout`, `too_large`, ...), which are part of the report's contract.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// No answer (or no whole body) within `--timeout`, or the time budget ran out.
    Timeout,
    /// A body over `--max-body`, or markup too deep or wide to read whole.
    TooLarge,
    /// A redirect led back to a URL already visited.
    RedirectLoop,
    /// More than [`MAX_REDIRECTS`](crate::crawl::fetch::MAX_REDIRECTS) redirects for one URL.
    TooManyRedirects,
    /// A private, loopback or link-local address (the SSRF guard).
    BlockedAddress,
    /// Redirected off the site.
    OutOfScope,
    /// A status outside 2xx.
    HttpStatus,
    /// Bytes that are not text in the page's encoding.
    Decode,
    /// robots.txt forbids the page, or could not be read.
    Robots,
    /// Connection refused, reset or cut mid-body.
    Connect,
    /// The host name could not be resolved.
    Dns,
    /// The TLS handshake failed (bad or expired certificate, unsupported protocol).
    Tls,
    /// A JavaScript-built page that could not be rendered and was read from its static HTML.
    Render,
    /// Anything else (a kind this version does not know, when reading a report).
    #[serde(other)]
    Other,
}

impl ErrorKind {
    /// The report's name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::RedirectLoop => "redirect_loop",
            ErrorKind::TooManyRedirects => "too_many_redirects",
            ErrorKind::BlockedAddress => "blocked_address",
            ErrorKind::OutOfScope => "out_of_scope",
            ErrorKind::HttpStatus => "http_status",
            ErrorKind::Decode => "decode",
            ErrorKind::Robots => "robots",
            ErrorKind::Connect => "connect",
            ErrorKind::Dns => "dns",
            ErrorKind::Tls => "tls",
            ErrorKind::Render => "render",
            ErrorKind::Other => "other",
        }
    }

    /// Failures that mean the host itself cannot be reached (exit code 3 for a start URL).
    /// A timeout is not one of them: the server accepted the connection (connection timeouts
    /// are classified as `connect`), so the report says what it did instead.
    pub fn is_unreachable(self) -> bool {
        matches!(
            self,
            ErrorKind::Connect | ErrorKind::Dns | ErrorKind::Tls | ErrorKind::BlockedAddress
        )
    }
}

/// A kind equals its report name (`kind == "timeout"`), as the report's readers compare it.
impl PartialEq<&str> for ErrorKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The errors of one run, as the report lists them. It owns the cap: a hostile site can fail
/// every one of thousands of pages, and the report stays readable.
#[derive(Debug, Default)]
pub struct ErrorLog {
    errors: Vec<crate::report::model::PageError>,
    /// Errors left out once the cap was reached.
    dropped: usize,
}

impl ErrorLog {
    /// Most errors kept in one report.
    pub const CAP: usize = 1000;

    /// Logs one error (dropped past [`ErrorLog::CAP`]).
    pub fn push(&mut self, url: &str, kind: ErrorKind, message: impl Into<String>) {
        if self.errors.len() < Self::CAP {
            self.errors.push(crate::report::model::PageError {
                url: url.to_string(),
                kind,
                message: message.into(),
            });
        } else {
            self.dropped += 1;
        }
    }

    /// Errors logged so far (up to the cap).
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether no error was logged.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Whether an error of `kind` was logged.
    pub fn any(&self, kind: ErrorKind) -> bool {
        self.errors.iter().any(|e| e.kind == kind)
    }

    /// The first error logged: when no page could be read, the report names it as the reason.
    pub fn first(&self) -> Option<&crate::report::model::PageError> {
        self.errors.first()
    }

    /// The errors, for the report.
    pub fn into_vec(self) -> Vec<crate::report::model::PageError> {
        self.errors
    }
}

/// Library result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
