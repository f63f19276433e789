//! `siteready merge`: the summaries of several shards (or several batches) joined into one, in
//! input order. The JSON lines are the source (the CSV's neutralised cells are not data); the
//! CSV header only gives the order of the carried columns.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::resume;
use super::shard::Shard;
use super::summary::{self, neutralise, SummaryRow, FIXED_COLUMNS};
use crate::error::{Error, Result};

/// What a merge did.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The joined rows, in input order (by line, then id).
    pub rows: Vec<SummaryRow>,
    /// Things worth knowing that do not stop the merge (a shard missing).
    pub warnings: Vec<String>,
}

/// Joins `dirs/summary.jsonl` into `out_dir/summary.{csv,jsonl}`, sorted by input line. A row
/// found in two folders is an error: the shards overlap or a folder was given twice.
pub fn merge(dirs: &[PathBuf], out_dir: &Path) -> Result<Merged> {
    if dirs.is_empty() {
        return Err(Error::Other(
            "nothing to merge: give one or more folders".into(),
        ));
    }
    let mut rows: Vec<SummaryRow> = Vec::new();
    let mut seen: BTreeMap<(u64, String), PathBuf> = BTreeMap::new();
    let mut headers: Vec<Vec<String>> = Vec::new();
    let mut shards: Vec<Option<Shard>> = Vec::new();
    for dir in dirs {
        let part = summary::read_jsonl(&dir.join(summary::JSONL_NAME))?;
        for r in part {
            let key = (r.line, r.id.clone());
            if let Some(other) = seen.get(&key) {
                return Err(Error::Other(format!(
                    "line {} (id '{}') is in both {} and {}: shards overlap or a folder was given twice",
                    r.line,
                    r.id,
                    other.display(),
                    dir.display()
                )));
            }
            seen.insert(key, dir.clone());
            rows.push(r);
        }
        headers.push(summary::read_csv_header(&dir.join(summary::CSV_NAME)).unwrap_or_default());
        shards.push(
            resume::read_marker(dir)
                .and_then(|m| m.shard)
                .and_then(|s| s.parse().ok()),
        );
    }
    rows.sort_by(|a, b| (a.line, &a.id).cmp(&(b.line, &b.id)));
    let columns = column_order(&rows, &headers);
    let warnings = shard_warnings(&shards);
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    summary::write(out_dir, &columns, &rows)?;
    Ok(Merged { rows, warnings })
}

/// Carried columns in the order the shards' CSV headers give, then any others by name.
fn column_order(rows: &[SummaryRow], headers: &[Vec<String>]) -> Vec<String> {
    let keys: BTreeSet<&String> = rows.iter().flat_map(|r| r.columns.keys()).collect();
    let mut out: Vec<String> = Vec::new();
    for h in headers {
        for cell in h.iter().skip(FIXED_COLUMNS.len()) {
            if let Some(k) = keys.iter().find(|k| neutralise(k) == cell.as_str()) {
                if !out.contains(k) {
                    out.push((*k).clone());
                }
            }
        }
    }
    for k in keys {
        if !out.contains(k) {
            out.push(k.clone());
        }
    }
    out
}

fn shard_warnings(shards: &[Option<Shard>]) -> Vec<String> {
    let known: Vec<Shard> = shards.iter().flatten().copied().collect();
    if known.is_empty() || known.len() != shards.len() {
        return Vec::new();
    }
    let counts: BTreeSet<u32> = known.iter().map(|s| s.count).collect();
    if counts.len() > 1 {
        return vec![format!(
            "the folders come from splits of different sizes ({})",
            known
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )];
    }
    let n = known[0].count;
    let missing: Vec<String> = (1..=n)
        .filter(|i| !known.iter().any(|s| s.index == *i))
        .map(|i| format!("{i}/{n}"))
        .collect();
    if missing.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "shard{} {} not merged: the summary is incomplete",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_about_missing_shards() {
        let s = |i, n| Some(Shard { index: i, count: n });
        assert!(shard_warnings(&[s(1, 2), s(2, 2)]).is_empty());
        let w = shard_warnings(&[s(1, 3), s(3, 3)]);
        assert_eq!(w, ["shard 2/3 not merged: the summary is incomplete"]);
        assert!(shard_warnings(&[s(1, 3), None]).is_empty());
        assert_eq!(shard_warnings(&[s(1, 2), s(2, 3)]).len(), 1);
    }
}
