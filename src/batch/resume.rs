//! What `--resume` may reuse. A fresh batch writes a marker with its start time into the output
//! folder; a resumed batch reuses a row's report only if it parses, checked the row's URL and
//! was started after that marker. So an old report left from last month's run in the same
//! folder is checked again, not passed off as this batch's result.

use std::path::Path;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, Result};
use crate::report::model::SCHEMA_VERSION;
use crate::report::{write_atomic, Report};

/// File name of the marker (a dot file: ids cannot start with a dot, so no report clashes).
pub const MARKER: &str = ".siteready-batch.json";

/// The marker's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Marker {
    /// RFC 3339 UTC, seconds; reports started before it belong to an earlier batch.
    pub started_at: String,
    /// The CSV the batch read.
    pub input: String,
    /// `i/n` when the batch is one shard.
    pub shard: Option<String>,
    /// Version of siteready that started the batch.
    pub version: String,
}

/// Now, in the reports' `started_at` format (string order = time order).
pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Writes the marker of a fresh batch.
pub fn start(dir: &Path, marker: &Marker) -> Result<()> {
    let json = serde_json::to_vec_pretty(marker).map_err(|e| Error::Other(e.to_string()))?;
    write_atomic(&dir.join(MARKER), &json)
}

/// Reads the marker of the batch being resumed, if any.
pub fn read_marker(dir: &Path) -> Option<Marker> {
    let bytes = std::fs::read(dir.join(MARKER)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A report of this batch for this URL, if `path` holds one that is whole.
pub fn complete_report(path: &Path, url: &Url, since: Option<&str>) -> Option<Report> {
    let r = crate::report::read(path).ok()?;
    let fresh = since.is_none_or(|s| r.started_at.as_str() >= s);
    (r.schema_version == SCHEMA_VERSION && r.target.url == url.as_str() && fresh).then_some(r)
}
