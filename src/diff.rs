//! What changed between two reports of the same site: per check, status and score changes,
//! evidence gained and lost, and pages that disappeared (a refund page that now 404s).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::report::{Report, Status};

/// Overall direction of a change, for batch summaries and CI gates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// No earlier report.
    New,
    /// No check changed status and readiness is unchanged.
    Same,
    /// A check's status rose (none fell), or the site became ready.
    Improved,
    /// A check's status fell, or the site is no longer ready.
    Regressed,
}

impl Change {
    /// The name used in summaries and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Same => "same",
            Change::Improved => "improved",
            Change::Regressed => "regressed",
        }
    }
}

/// Changes of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckDiff {
    /// The check's id (`products`, `refund_policy` …).
    pub id: String,
    /// Status in the earlier report; `None` when the check was not in it.
    pub old_status: Option<Status>,
    /// Status in the new report; `None` when the check is no longer in it.
    pub new_status: Option<Status>,
    /// Score in the earlier report, when the check was in it.
    pub old_score: Option<u32>,
    /// Score in the new report, when the check is in it.
    pub new_score: Option<u32>,
    /// `rule @ url` pairs present now and not before.
    pub gained: Vec<String>,
    /// `rule @ url` pairs present before and not now.
    pub lost: Vec<String>,
}

/// A page that answered 2xx before and does not now.
#[derive(Debug, Clone, Serialize)]
pub struct PageChange {
    /// The page's path and query (compared without the host, whose port may differ).
    pub url: String,
    /// The 2xx status the page answered before.
    pub old_status: u16,
    /// 0 when the page was not fetched this time.
    pub new_status: u16,
    /// Why the page failed this time, if it did.
    pub error: Option<String>,
}

/// The whole comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    /// Overall direction of the change.
    pub change: Change,
    /// Whether the site was ready in the earlier report.
    pub old_ready: bool,
    /// Whether the site is ready in the new report.
    pub new_ready: bool,
    /// Overall score in the earlier report.
    pub old_score: u32,
    /// Overall score in the new report.
    pub new_score: u32,
    /// Per check, status and score changes and evidence gained or lost, in report order.
    pub checks: Vec<CheckDiff>,
    /// Pages that answered 2xx before and do not now (or that gave evidence and were not
    /// reached this time).
    pub pages_gone: Vec<PageChange>,
}

/// How good a status is, for deciding improved vs regressed.
fn rank(s: Status) -> u8 {
    match s {
        Status::Pass => 3,
        Status::Warn => 2,
        Status::Inconclusive => 1,
        Status::Fail => 0,
    }
}

fn path_of(url: &str) -> String {
    // Reports of local folders carry an ephemeral port: compare by path and query.
    match url::Url::parse(url) {
        Ok(u) => match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        },
        Err(_) => url.to_string(),
    }
}

/// Classifies a new report against an optional earlier one.
pub fn change_of(old: Option<&Report>, new: &Report) -> Change {
    match old {
        None => Change::New,
        Some(old) => compare(old, new).change,
    }
}

/// Compares two reports of one site.
pub fn compare(old: &Report, new: &Report) -> Diff {
    let mut ids: Vec<String> = old.checks.iter().map(|c| c.id.clone()).collect();
    for c in &new.checks {
        if !ids.contains(&c.id) {
            ids.push(c.id.clone());
        }
    }
    let mut better = false;
    let mut worse = false;
    let mut checks = Vec::new();
    for id in ids {
        let o = old.checks.iter().find(|c| c.id == id);
        let n = new.checks.iter().find(|c| c.id == id);
        let ev = |c: Option<&crate::report::model::Check>| -> BTreeSet<String> {
            c.map(|c| {
                c.evidence
                    .iter()
                    .map(|e| format!("{} @ {}", e.rule, path_of(&e.url)))
                    .collect()
            })
            .unwrap_or_default()
        };
        let (eo, en) = (ev(o), ev(n));
        let advisory = n.or(o).is_some_and(|c| c.advisory);
        if let (Some(o), Some(n)) = (o, n) {
            if !advisory {
                match rank(n.status).cmp(&rank(o.status)) {
                    std::cmp::Ordering::Greater => better = true,
                    std::cmp::Ordering::Less => worse = true,
                    std::cmp::Ordering::Equal => {}
                }
            }
        }
        checks.push(CheckDiff {
            id,
            old_status: o.map(|c| c.status),
            new_status: n.map(|c| c.status),
            old_score: o.map(|c| c.score),
            new_score: n.map(|c| c.score),
            gained: en.difference(&eo).cloned().collect(),
            lost: eo.difference(&en).cloned().collect(),
        });
    }
    let new_pages: BTreeMap<String, &crate::report::model::PageRecord> = new
        .crawl
        .pages
        .iter()
        .map(|p| (path_of(&p.url), p))
        .collect();
    let mut pages_gone = Vec::new();
    for p in &old.crawl.pages {
        if !(200..300).contains(&p.status) || p.catch_all.is_some() {
            continue;
        }
        let key = path_of(&p.url);
        match new_pages.get(&key) {
            Some(np) if (200..300).contains(&np.status) => {}
            Some(np) => pages_gone.push(PageChange {
                url: key,
                old_status: p.status,
                new_status: np.status,
                error: np.error.clone(),
            }),
            None => {
                // Not fetched this time: only worth saying when it gave evidence before.
                let gave = old
                    .checks
                    .iter()
                    .any(|c| c.evidence.iter().any(|e| path_of(&e.url) == key));
                if gave {
                    pages_gone.push(PageChange {
                        url: key,
                        old_status: p.status,
                        new_status: 0,
                        error: Some("not reached this time".into()),
                    });
                }
            }
        }
    }
    let change = if worse || (old.verdict.ready && !new.verdict.ready) {
        Change::Regressed
    } else if better || (!old.verdict.ready && new.verdict.ready) {
        Change::Improved
    } else {
        Change::Same
    };
    Diff {
        change,
        old_ready: old.verdict.ready,
        new_ready: new.verdict.ready,
        old_score: old.verdict.score,
        new_score: new.verdict.score,
        checks,
        pages_gone,
    }
}

/// The diff as text for a terminal or a ticket.
pub fn to_text(d: &Diff) -> String {
    let mut s = format!(
        "{}: ready {} → {}, score {} → {}\n",
        d.change.as_str(),
        d.old_ready,
        d.new_ready,
        d.old_score,
        d.new_score
    );
    let st = |s: Option<Status>| s.map(|s| s.as_str()).unwrap_or("-");
    let sc = |s: Option<u32>| s.map(|s| s.to_string()).unwrap_or_else(|| "-".into());
    for c in &d.checks {
        let same = c.old_status == c.new_status && c.old_score == c.new_score;
        if same && c.gained.is_empty() && c.lost.is_empty() {
            s.push_str(&format!(
                "  {:<16} {} ({}) unchanged\n",
                c.id,
                st(c.new_status),
                sc(c.new_score)
            ));
            continue;
        }
        s.push_str(&format!(
            "  {:<16} {} ({}) → {} ({})\n",
            c.id,
            st(c.old_status),
            sc(c.old_score),
            st(c.new_status),
            sc(c.new_score)
        ));
        for g in &c.gained {
            s.push_str(&format!("      + {g}\n"));
        }
        for l in &c.lost {
            s.push_str(&format!("      - {l}\n"));
        }
    }
    for p in &d.pages_gone {
        let now = if p.new_status == 0 {
            p.error.clone().unwrap_or_default()
        } else {
            format!("HTTP {}", p.new_status)
        };
        s.push_str(&format!(
            "  page gone: {} (was HTTP {}, now {now})\n",
            p.url, p.old_status
        ));
    }
    s
}
