//! `siteready rules validate|list|test`.

use std::path::PathBuf;

use clap::Subcommand;
use siteready::rules::{Owner, RuleSet};

use super::{fail, EXIT_GATE, EXIT_OK, EXIT_USAGE};

#[derive(Subcommand)]
pub enum RulesCmd {
    /// Check rule files; every problem is printed with file and line (exit 2 on any).
    Validate {
        /// Rule folder (default: the built-in rules).
        dir: Option<PathBuf>,
    },
    /// List rules: id, prerequisite, weight, description.
    List {
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
    },
    /// Run every fixture site and compare with its expected verdicts (exit 1 on any mismatch).
    Test {
        #[arg(long, value_name = "DIR")]
        rules: Option<PathBuf>,
        /// Fixture folder.
        #[arg(long, default_value = "fixtures/sites", value_name = "DIR")]
        fixtures: PathBuf,
        /// Only fixtures whose name contains this.
        #[arg(long)]
        only: Option<String>,
    },
}

fn load(dir: &Option<PathBuf>) -> Result<RuleSet, siteready::Error> {
    match dir {
        Some(d) => RuleSet::from_dir(d),
        None => RuleSet::embedded(),
    }
}

pub async fn run(cmd: RulesCmd) -> u8 {
    match cmd {
        RulesCmd::Validate { dir } => match load(&dir) {
            Ok(r) => {
                println!(
                    "ok: {} rules, {} checks, {} page classes ({})",
                    r.rules.len(),
                    r.prerequisites.len(),
                    r.classes.len(),
                    r.digest
                );
                EXIT_OK
            }
            Err(siteready::Error::Rules(problems)) => {
                for p in &problems {
                    eprintln!("{p}");
                }
                eprintln!("siteready: {} problem(s) in rule files", problems.len());
                EXIT_USAGE
            }
            Err(e) => fail(&e),
        },
        RulesCmd::List { rules } => {
            let r = match load(&rules) {
                Ok(r) => r,
                Err(e) => return fail(&e),
            };
            println!("{:<44} {:<16} {:>6}  description", "id", "for", "weight");
            for rule in &r.rules {
                let owner = match rule.owner {
                    Owner::Prereq(p) => r.prerequisites[p].id.clone(),
                    Owner::All => "all".into(),
                    Owner::Class(c) => format!("class:{}", r.classes[c].id),
                };
                let effect = rule
                    .effect
                    .map(|e| format!(" [{}]", e.as_str()))
                    .unwrap_or_default();
                println!(
                    "{:<44} {:<16} {:>6}  {}{}",
                    rule.id, owner, rule.weight, rule.description, effect
                );
            }
            EXIT_OK
        }
        RulesCmd::Test {
            rules,
            fixtures,
            only,
        } => {
            let r = match load(&rules) {
                Ok(r) => r,
                Err(e) => return fail(&e),
            };
            let dirs = match siteready::fixtures::list(&fixtures) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("siteready: {e}");
                    return EXIT_USAGE;
                }
            };
            let config = siteready::fixtures::config();
            let ids: Vec<String> = r.prerequisites.iter().map(|p| p.id.clone()).collect();
            let short = |id: &str| {
                match id {
                    "products" => "products",
                    "shipping_policy" => "shipping",
                    "refund_policy" => "refund",
                    "checkout" => "checkout",
                    "business_info" => "business",
                    other => other,
                }
                .to_string()
            };
            print!("{:<32}", "site");
            for id in &ids {
                print!(" {:<22}", short(id));
            }
            println!(" {:>5}  result", "pages");
            let (mut false_pass, mut false_fail, mut bad) = (0, 0, 0);
            let mut n = 0;
            for d in dirs {
                let name = d
                    .file_name()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if only.as_deref().is_some_and(|o| !name.contains(o)) {
                    continue;
                }
                n += 1;
                let o = siteready::fixtures::run(&d, &r, &config).await;
                false_pass += o.false_pass;
                false_fail += o.false_fail;
                print!("{:<32}", o.name);
                for id in &ids {
                    let got = o
                        .report
                        .as_ref()
                        .and_then(|rep| rep.checks.iter().find(|c| &c.id == id))
                        .map(|c| c.status.as_str())
                        .unwrap_or("-");
                    let cell = match o.expected.expect.get(id) {
                        Some(w) if w.as_str() == got => got.to_string(),
                        Some(w) => format!("{got}≠{w}"),
                        None => format!("({got})"),
                    };
                    print!(" {:<22}", cell);
                }
                let pages = o
                    .report
                    .as_ref()
                    .map(|r| r.crawl.pages_fetched)
                    .unwrap_or(0);
                if o.mismatches.is_empty() {
                    println!(" {pages:>5}  ok");
                } else {
                    bad += 1;
                    println!(" {pages:>5}  MISMATCH: {}", o.mismatches.join("; "));
                }
            }
            println!("\n{n} fixtures, {bad} mismatched; false passes: {false_pass}, false fails: {false_fail}");
            if bad > 0 {
                EXIT_GATE
            } else {
                EXIT_OK
            }
        }
    }
}
