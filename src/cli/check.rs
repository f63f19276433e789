//! `siteready check`: one site, one report, an optional gate.

use std::path::PathBuf;

use clap::Args;
use siteready::report::{self, Status};

use super::{fail, CrawlArgs, EXIT_GATE, EXIT_OK, EXIT_USAGE};

#[derive(Args)]
pub struct CheckArgs {
    /// URL (https:// is added when missing) or a local folder.
    pub target: String,
    /// Write the report here instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Gate: exit 1 unless these prerequisites pass (`all`, or a comma list such as `products,checkout`).
    #[arg(long, value_name = "LIST")]
    pub require: Option<String>,
    /// Gate: exit 1 when the overall score is below N.
    #[arg(long, value_name = "N")]
    pub fail_under: Option<u32>,
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

pub async fn run(a: CheckArgs) -> u8 {
    let config = match a.crawl.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("siteready: {e}");
            return EXIT_USAGE;
        }
    };
    let rules = match a.crawl.ruleset() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let required: Vec<String> = match a.require.as_deref() {
        None => Vec::new(),
        Some("all") => siteready::rules::PREREQUISITES
            .iter()
            .map(|s| s.to_string())
            .collect(),
        Some(list) => {
            let v: Vec<String> = list
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            for id in &v {
                if rules.prereq_index(id).is_none() {
                    eprintln!(
                        "siteready: --require: unknown check '{id}' (known: all, {})",
                        rules
                            .prerequisites
                            .iter()
                            .map(|p| p.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    return EXIT_USAGE;
                }
            }
            v
        }
    };
    let report = match siteready::audit(&a.target, &rules, &config).await {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let json = report::to_json(&report);
    match &a.output {
        Some(p) => {
            if let Err(e) = report::write_atomic(p, json.as_bytes()) {
                eprintln!("siteready: {e}");
                return EXIT_USAGE;
            }
        }
        None => println!("{json}"),
    }
    if !a.crawl.quiet {
        eprintln!("siteready: {} — {}", a.target, report.verdict.summary);
    }
    let mut failed: Vec<String> = Vec::new();
    for id in &required {
        if let Some(c) = report.checks.iter().find(|c| &c.id == id) {
            if c.status != Status::Pass {
                failed.push(format!("{id} is {}", c.status));
            }
        }
    }
    if let Some(n) = a.fail_under {
        if report.verdict.score < n {
            failed.push(format!("score {} is under {n}", report.verdict.score));
        }
    }
    if failed.is_empty() {
        EXIT_OK
    } else {
        eprintln!("siteready: gate failed: {}", failed.join("; "));
        EXIT_GATE
    }
}
