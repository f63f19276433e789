//! Fixture sites with expected verdicts (`fixtures/sites/<name>/expected.toml`): shared by
//! `siteready rules test` and the integration tests, so both judge the rules the same way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::Config;
use crate::report::{Report, Status};
use crate::rules::{RuleSet, PREREQUISITES};

/// `expected.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// What the fixture site is and which behaviour it tests, in prose.
    pub description: String,
    /// Expected status per check id (`products = "pass"` …).
    pub expect: BTreeMap<String, Status>,
    /// Expected readiness; by default, ready exactly when every prerequisite is expected to pass.
    pub ready: Option<bool>,
    /// The crawl must fetch fewer pages than this: a guard on crawl efficiency.
    pub max_pages: Option<usize>,
    /// Rule ids that must appear among the report's evidence.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Extra `check` options for this fixture (`expect` values for the application cross-check).
    #[serde(default)]
    pub args: Vec<String>,
    /// What the fixture needs beyond the crawler (`chromium`: it is built by JavaScript);
    /// without it the fixture is skipped rather than failed.
    #[serde(default)]
    pub needs: Vec<String>,
}

/// One fixture's outcome.
#[derive(Debug)]
pub struct Outcome {
    /// The fixture's folder name.
    pub name: String,
    /// Its `expected.toml` (empty when it could not be read).
    pub expected: Expected,
    /// The report, when the check produced one.
    pub report: Option<Report>,
    /// Why there is no report (unreadable `expected.toml`, or the check failed).
    pub error: Option<String>,
    /// Human-readable mismatches; empty = the fixture passed.
    pub mismatches: Vec<String>,
    /// Prerequisites that passed although the fixture expects otherwise.
    pub false_pass: usize,
    /// Prerequisites that did not pass although the fixture expects pass.
    pub false_fail: usize,
    /// Why the fixture was not run (a need such as Chromium is missing).
    pub skipped: Option<String>,
}

/// Fixture folders (those with `expected.toml`), sorted by name.
pub fn list(dir: &Path) -> crate::Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| crate::Error::io(dir, e))?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.toml").is_file())
        .collect();
    v.sort();
    Ok(v)
}

/// Reads `expected.toml`.
pub fn expected(dir: &Path) -> crate::Result<Expected> {
    let p = dir.join("expected.toml");
    let s = std::fs::read_to_string(&p).map_err(|e| crate::Error::io(&p, e))?;
    let bad = |m: String| crate::Error::Other(format!("{}: {m}", p.display()));
    let mut table: toml::Table = toml::from_str(&s).map_err(|e| bad(e.message().to_string()))?;
    // The optional keys may also be written inside [expect] (after it, TOML puts them there).
    if let Some(toml::Value::Table(expect)) = table.get_mut("expect") {
        let moved: Vec<(String, toml::Value)> = [
            "ready",
            "max_pages",
            "notes",
            "args",
            "description",
            "needs",
        ]
        .iter()
        .filter_map(|k| expect.remove(*k).map(|v| (k.to_string(), v)))
        .collect();
        for (k, v) in moved {
            table.entry(k).or_insert(v);
        }
    }
    toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| bad(e.message().to_string()))
}

/// The settings fixture runs use: loopback, no politeness delay, generous time.
pub fn config() -> Config {
    Config {
        rate: 0.0,
        max_time: std::time::Duration::from_secs(60),
        ..Config::default()
    }
}

/// Serves one fixture, checks it and compares with `expected.toml`.
pub async fn run(dir: &Path, rules: &RuleSet, config: &Config) -> Outcome {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let expected = match expected(dir) {
        Ok(e) => e,
        Err(e) => {
            return Outcome {
                name,
                expected: Expected {
                    description: String::new(),
                    expect: BTreeMap::new(),
                    ready: None,
                    max_pages: None,
                    notes: vec![],
                    args: vec![],
                    needs: vec![],
                },
                report: None,
                error: Some(e.to_string()),
                mismatches: vec![e.to_string()],
                false_pass: 0,
                false_fail: 0,
                skipped: None,
            }
        }
    };
    if expected.needs.iter().any(|n| n == "chromium") {
        let why = if config.render == crate::config::RenderMode::Never {
            Some("needs rendering (--render never)".to_string())
        } else if !crate::render::chromium_available(config) {
            Some(format!(
                "needs Chromium, not found at {}",
                crate::render::chromium_path(config).display()
            ))
        } else {
            None
        };
        if let Some(why) = why {
            return Outcome {
                name,
                expected,
                report: None,
                error: None,
                mismatches: vec![],
                false_pass: 0,
                false_fail: 0,
                skipped: Some(why),
            };
        }
    }
    let report = crate::audit(&dir.display().to_string(), rules, config).await;
    compare(name, expected, report)
}

fn compare(name: String, expected: Expected, report: crate::Result<Report>) -> Outcome {
    let mut out = Outcome {
        name,
        expected,
        report: None,
        error: None,
        mismatches: vec![],
        false_pass: 0,
        false_fail: 0,
        skipped: None,
    };
    let report = match report {
        Ok(r) => r,
        Err(e) => {
            out.mismatches.push(format!("no report: {e}"));
            out.error = Some(e.to_string());
            return out;
        }
    };
    for (id, want) in &out.expected.expect {
        let got = report.checks.iter().find(|c| &c.id == id).map(|c| c.status);
        match got {
            Some(g) if g == *want => {}
            Some(g) => {
                out.mismatches
                    .push(format!("{id}: expected {want}, got {g}"));
                if g == Status::Pass {
                    out.false_pass += 1;
                } else if *want == Status::Pass {
                    out.false_fail += 1;
                }
            }
            None => out
                .mismatches
                .push(format!("{id}: no such check in the report")),
        }
    }
    let want_ready = out.expected.ready.unwrap_or_else(|| {
        PREREQUISITES
            .iter()
            .all(|p| out.expected.expect.get(*p) == Some(&Status::Pass))
    });
    if report.verdict.ready != want_ready {
        out.mismatches.push(format!(
            "ready: expected {want_ready}, got {}",
            report.verdict.ready
        ));
    }
    if let Some(max) = out.expected.max_pages {
        if report.crawl.pages_fetched >= max {
            out.mismatches.push(format!(
                "fetched {} pages, expected fewer than {max}",
                report.crawl.pages_fetched
            ));
        }
    }
    for note in &out.expected.notes {
        let seen = report
            .checks
            .iter()
            .any(|c| c.evidence.iter().any(|e| &e.rule == note));
        if !seen {
            out.mismatches
                .push(format!("rule {note} expected among the evidence"));
        }
    }
    out.report = Some(report);
    out
}
