//! `--baseline DIR`: every row compared with the same merchant's report from an earlier batch,
//! so operations see which merchants got worse since the last run (`change` column) and CI can
//! fail on it.
//!
//! Merchants are matched by id. The earlier folder's `summary.jsonl` says which report file
//! belongs to which id (and which ids had no report); without one, `<stem>.json` is used, so a
//! folder of reports written by `check -o` works too.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::summary::{self, JSONL_NAME};
use crate::diff::{change_of, Change};
use crate::error::{Error, Result};
use crate::report::Report;

/// What the earlier batch had for one id.
#[derive(Debug, Clone)]
enum Entry {
    /// A report file in the folder.
    Report(String),
    /// The row had no report (bad row, unreachable site).
    Error,
}

/// The earlier batch's folder, indexed by id.
#[derive(Debug, Clone)]
pub struct Baseline {
    dir: PathBuf,
    /// From `summary.jsonl`; `None` when the folder has none.
    rows: Option<HashMap<String, Entry>>,
}

impl Baseline {
    /// Opens `dir`; an error when it is not a readable folder or its `summary.jsonl` is broken.
    pub fn open(dir: &Path) -> Result<Baseline> {
        if !dir.is_dir() {
            return Err(Error::Other(format!(
                "{}: baseline folder not found",
                dir.display()
            )));
        }
        let jsonl = dir.join(JSONL_NAME);
        let rows = if jsonl.is_file() {
            let mut map = HashMap::new();
            for r in summary::read_jsonl(&jsonl)? {
                if r.is_interrupted() {
                    continue;
                }
                let e = match (&r.report, &r.error) {
                    (Some(f), None) => Entry::Report(f.clone()),
                    _ => Entry::Error,
                };
                map.insert(r.id, e);
            }
            Some(map)
        } else {
            None
        };
        Ok(Baseline {
            dir: dir.to_path_buf(),
            rows,
        })
    }

    /// The change of one row: `new` is its report from this run (`None` when it has none),
    /// `stem` its report's file stem (used when the baseline has no summary).
    pub fn change(&self, id: &str, stem: &str, new: Option<&Report>) -> Change {
        let old = match &self.rows {
            Some(rows) => match rows.get(id) {
                None => return Change::New,
                Some(Entry::Error) => None,
                // A report the summary names but that is gone or unreadable: no baseline.
                Some(Entry::Report(f)) => match self.read(f) {
                    Some(r) => Some(r),
                    None => return Change::New,
                },
            },
            None => match self.read(&format!("{stem}.json")) {
                Some(r) => Some(r),
                None => return Change::New,
            },
        };
        match (old, new) {
            (Some(old), Some(new)) => change_of(Some(&old), new),
            (Some(_), None) => Change::Regressed,
            (None, Some(_)) => Change::Improved,
            (None, None) => Change::Same,
        }
    }

    /// A report of the folder, if it is there and parses.
    fn read(&self, file: &str) -> Option<Report> {
        // Only a plain file name: the summary is data, not a path to follow.
        if file.contains(['/', '\\']) || file.starts_with('.') {
            return None;
        }
        crate::report::read(&self.dir.join(file)).ok()
    }
}
