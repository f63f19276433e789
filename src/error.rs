//! One error enum for the library, so callers (the CLI, batch) can map each failure to an exit code.

use std::path::PathBuf;

/// Errors the library reports to its caller. Page-level failures during a crawl are not errors:
/// they are recorded in the report's `errors` list and the crawl goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The target given on the command line or in a CSV row is not a usable http(s) URL or folder.
    #[error("invalid target '{input}': {reason}")]
    InvalidTarget { input: String, reason: String },

    /// The target could not be reached at all (DNS, connection refused, TLS, blocked address).
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },

    /// One or more rule files are invalid; each problem names its file and line.
    #[error("invalid rules:\n{}", .0.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Rules(Vec<crate::rules::RuleProblem>),

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
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

/// Library result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
