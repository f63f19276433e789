//! `summary.csv` (for spreadsheets, formula-safe) and `summary.jsonl` (for programs, values as
//! they are): one line per row of the input, in input order.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::report::{write_atomic, Report};

/// Name of the spreadsheet summary inside the output folder (formula-safe cells).
pub const CSV_NAME: &str = "summary.csv";
/// Name of the JSON-lines summary: the one `merge` and `--resume` read back.
pub const JSONL_NAME: &str = "summary.jsonl";

/// Columns of the summary before the carried ones, in order.
pub const FIXED_COLUMNS: [&str; 17] = [
    "line",
    "id",
    "url",
    "ready",
    "score",
    "status",
    "products",
    "shipping_policy",
    "refund_policy",
    "checkout",
    "business_info",
    "application",
    "change",
    "pages",
    "duration_ms",
    "error",
    "report",
];

/// `status` of a row that has no report (bad row, unreachable site, interrupted).
pub const STATUS_ERROR: &str = "error";
/// `error` of a row whose site was still being checked when the batch was stopped.
pub const INTERRUPTED: &str = "interrupted";
/// `error` of a row the batch never reached because it was stopped.
pub const NOT_STARTED: &str = "not started: batch interrupted";

/// One row of the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// Line of the input file where the row starts: the summary's order.
    pub line: u64,
    /// The merchant's id (from the id column, else derived from the URL or line): the key for
    /// resume, shards, merge and baselines.
    pub id: String,
    /// The normalised URL that was checked, else the cell as written.
    pub url: String,
    /// Every prerequisite passes. False for rows without a report.
    pub ready: bool,
    /// Readiness score of the report (0–100); empty without a report.
    pub score: Option<u32>,
    /// The verdict (`pass`, `warn`, `fail`, `inconclusive`), or `error` without a report.
    pub status: String,
    /// Status of the `products` check; empty without a report.
    pub products: Option<String>,
    /// Status of the `shipping_policy` check; empty without a report.
    pub shipping_policy: Option<String>,
    /// Status of the `refund_policy` check; empty without a report.
    pub refund_policy: Option<String>,
    /// Status of the `checkout` check; empty without a report.
    pub checkout: Option<String>,
    /// Status of the `business_info` check; empty without a report or when the rules have none.
    pub business_info: Option<String>,
    /// The application cross-check of the row's CSV values: `match`, or what went wrong per
    /// key (`reg_no mismatch; phone missing`); empty without application values.
    #[serde(default)]
    pub application: Option<String>,
    /// Against `--baseline`: `new`, `same`, `improved` or `regressed`; empty without a
    /// baseline or when the row was interrupted.
    #[serde(default)]
    pub change: Option<String>,
    /// Pages fetched for the report; empty without a report.
    pub pages: Option<usize>,
    /// How long the site's check took, in milliseconds; empty without a report.
    pub duration_ms: Option<u64>,
    /// Why the row has no report.
    pub error: Option<String>,
    /// Report file name in the output folder (`<id>.json`).
    pub report: Option<String>,
    /// Carried columns of the input.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

impl SummaryRow {
    /// The summary line of a checked site.
    pub fn from_report(
        line: u64,
        id: &str,
        report_file: &str,
        r: &Report,
        columns: BTreeMap<String, String>,
    ) -> Self {
        let status_of = |c: &str| {
            r.checks
                .iter()
                .find(|k| k.id == c)
                .map(|k| k.status.to_string())
        };
        SummaryRow {
            line,
            id: id.to_string(),
            url: r.target.url.clone(),
            ready: r.verdict.ready,
            score: Some(r.verdict.score),
            status: r.verdict.status.to_string(),
            products: status_of("products"),
            shipping_policy: status_of("shipping_policy"),
            refund_policy: status_of("refund_policy"),
            checkout: status_of("checkout"),
            business_info: status_of("business_info"),
            application: application_of(r),
            change: None,
            pages: Some(r.crawl.pages_fetched),
            duration_ms: Some(r.duration_ms),
            error: None,
            report: Some(report_file.to_string()),
            columns,
        }
    }

    /// The summary line of a row without a report.
    pub fn from_error(
        line: u64,
        id: &str,
        url: &str,
        error: &str,
        columns: BTreeMap<String, String>,
    ) -> Self {
        SummaryRow {
            line,
            id: id.to_string(),
            url: url.to_string(),
            ready: false,
            score: None,
            status: STATUS_ERROR.into(),
            products: None,
            shipping_policy: None,
            refund_policy: None,
            checkout: None,
            business_info: None,
            application: None,
            change: None,
            pages: None,
            duration_ms: None,
            error: Some(error.to_string()),
            report: None,
            columns,
        }
    }

    /// Whether the row stands for a failure to check (as opposed to a verdict).
    pub fn is_error(&self) -> bool {
        self.error.is_some()
    }

    /// Whether a stopped batch left the row unfinished: it says nothing about the merchant.
    pub fn is_interrupted(&self) -> bool {
        matches!(self.error.as_deref(), Some(INTERRUPTED | NOT_STARTED))
    }

    fn fixed_cells(&self) -> [String; 17] {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        [
            self.line.to_string(),
            self.id.clone(),
            self.url.clone(),
            self.ready.to_string(),
            self.score.map(|s| s.to_string()).unwrap_or_default(),
            self.status.clone(),
            o(&self.products),
            o(&self.shipping_policy),
            o(&self.refund_policy),
            o(&self.checkout),
            o(&self.business_info),
            o(&self.application),
            o(&self.change),
            self.pages.map(|s| s.to_string()).unwrap_or_default(),
            self.duration_ms.map(|s| s.to_string()).unwrap_or_default(),
            o(&self.error),
            o(&self.report),
        ]
    }
}

/// The `application` cell: `match` when every value was found, else the keys that were not.
fn application_of(r: &Report) -> Option<String> {
    let facts = r
        .checks
        .iter()
        .find(|k| k.id == "business_info")?
        .facts
        .get("application")?
        .as_object()?;
    let bad: Vec<String> = facts
        .iter()
        .filter_map(|(k, v)| {
            let v = v.as_str().unwrap_or("?");
            (v != "match").then(|| format!("{k} {v}"))
        })
        .collect();
    Some(if bad.is_empty() {
        "match".into()
    } else {
        bad.join("; ")
    })
}

/// Makes a cell inert in spreadsheets: cells starting with `=`, `+`, `-`, `@`, tab or carriage
/// return (or their full-width forms) are formulas to Excel, LibreOffice and Google Sheets, so a
/// merchant-controlled value could run one; a leading `'` makes them plain text.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            format!("'{cell}").into()
        }
        _ => cell.into(),
    }
}

/// The summary as CSV bytes: UTF-8 with a BOM (so Excel, Korean Excel included, opens it as
/// UTF-8), every cell neutralised.
pub fn to_csv(columns: &[String], rows: &[SummaryRow]) -> Result<Vec<u8>> {
    let mut buf = b"\xef\xbb\xbf".to_vec();
    {
        let mut w = csv::WriterBuilder::new().from_writer(&mut buf);
        let header = FIXED_COLUMNS
            .iter()
            .map(|s| s.to_string())
            .chain(columns.iter().cloned());
        w.write_record(header.map(|h| neutralise(&h).into_owned()))
            .map_err(csv_err)?;
        for r in rows {
            let extra = columns
                .iter()
                .map(|c| r.columns.get(c).cloned().unwrap_or_default());
            let cells: Vec<String> = r
                .fixed_cells()
                .into_iter()
                .chain(extra)
                .map(|c| neutralise(&c).into_owned())
                .collect();
            w.write_record(&cells).map_err(csv_err)?;
        }
        w.flush()
            .map_err(|e| Error::Other(format!("summary.csv: {e}")))?;
    }
    Ok(buf)
}

fn csv_err(e: csv::Error) -> Error {
    Error::Other(format!("summary.csv: {e}"))
}

/// The summary as JSON lines.
pub fn to_jsonl(rows: &[SummaryRow]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        if let Ok(line) = serde_json::to_string(r) {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
    out
}

/// Writes `summary.csv` and `summary.jsonl` into `dir`, each atomically.
pub fn write(dir: &Path, columns: &[String], rows: &[SummaryRow]) -> Result<()> {
    write_atomic(&dir.join(JSONL_NAME), &to_jsonl(rows))?;
    write_atomic(&dir.join(CSV_NAME), &to_csv(columns, rows)?)
}

/// Reads a `summary.jsonl`.
pub fn read_jsonl(path: &Path) -> Result<Vec<SummaryRow>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| {
            serde_json::from_str(l)
                .map_err(|e| Error::Other(format!("{}:{}: {e}", path.display(), n + 1)))
        })
        .collect()
}

/// Header of a `summary.csv` (BOM removed, neutralisation undone is not attempted: callers match
/// neutralised names).
pub fn read_csv_header(path: &Path) -> Result<Vec<String>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    match r.records().next() {
        Some(Ok(rec)) => Ok(rec.iter().map(str::to_string).collect()),
        Some(Err(e)) => Err(Error::Other(format!("{}: {e}", path.display()))),
        None => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for f in [
            "=1+1",
            "+82 10",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "＝HYPERLINK(\"x\")",
        ] {
            assert_eq!(neutralise(f), format!("'{f}"));
        }
        for ok in ["shop", "1", "", "a=b", " =x", "'quoted"] {
            assert_eq!(neutralise(ok), ok);
        }
    }

    #[test]
    fn csv_has_bom_header_and_safe_cells() {
        let mut cols = BTreeMap::new();
        cols.insert("=evil".to_string(), "=cmd|' /C calc'!A0".to_string());
        let rows = vec![SummaryRow::from_error(2, "@id", "-x", "no URL", cols)];
        let bytes = to_csv(&["=evil".to_string()], &rows).unwrap();
        assert!(bytes.starts_with(b"\xef\xbb\xbf"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        assert!(
            header.starts_with("line,id,url,ready,score,status,"),
            "{header}"
        );
        assert!(header.ends_with(",'=evil"), "{header}");
        let row = lines.next().unwrap();
        assert!(row.starts_with("2,'@id,'-x,false,,error,"), "{row}");
        assert!(row.contains("'=cmd|"), "{row}");
        let back: Vec<SummaryRow> = to_jsonl(&rows)
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(back, rows, "JSON lines keep values as they are");
    }
}
