//! `siteready check`: one site, one report (JSON, HTML or both), an optional gate and JUnit file.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use siteready::report::{self, Gate, Inconclusive, Report};

use super::{fail, CrawlArgs, EXIT_GATE, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_USAGE};

/// Which report files to write.
#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The JSON report (the stable, schema-checked contract).
    Json,
    /// One self-contained HTML page for a reviewer.
    Html,
    /// Both; `-o` is the file stem (`-o out/report` → out/report.json and out/report.html).
    Both,
}

/// How an inconclusive prerequisite counts for `--require`.
#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum InconclusiveArg {
    /// Counts as not passing (exit 1).
    Fail,
    /// Counts as passing.
    Pass,
    /// Ends the run with exit code 4.
    Error,
}

#[derive(Args)]
pub struct CheckArgs {
    /// URL (https:// is added when missing) or a local folder.
    pub target: String,
    /// Write the report here instead of stdout (with --format both: the file stem).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Report format: json, html, or both (both needs -o).
    #[arg(long, value_enum, default_value = "json")]
    pub format: Format,
    /// Gate: exit 1 unless these prerequisites pass (`all`, or a comma list such as `products,checkout`).
    #[arg(long, value_name = "LIST")]
    pub require: Option<String>,
    /// Gate: exit 1 when the overall score is below N.
    #[arg(long, value_name = "N")]
    pub fail_under: Option<u32>,
    /// Application value to find in the site's business information (repeatable):
    /// name, reg_no, mail_order_no, representative, phone or email, e.g. `--expect reg_no=123-45-67890`.
    #[arg(long, value_name = "KEY=VALUE", value_parser = siteready::expect::parse)]
    pub expect: Vec<(String, String)>,
    /// How an inconclusive prerequisite counts for --require: fail (exit 1), pass, or error (exit 4).
    #[arg(long, value_enum, default_value = "fail")]
    pub inconclusive: InconclusiveArg,
    /// Also write JUnit XML here (one test case per prerequisite) for CI test reports.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

/// Where each report format goes.
enum Dest {
    Stdout,
    File(PathBuf),
}

/// Maps --format and -o to destinations; `both` needs a stem because stdout can take only one.
fn destinations(format: Format, output: Option<&Path>) -> Result<Vec<(Format, Dest)>, String> {
    let dest = |p: Option<&Path>| match p {
        Some(p) => Dest::File(p.to_path_buf()),
        None => Dest::Stdout,
    };
    match format {
        Format::Json | Format::Html => Ok(vec![(format, dest(output))]),
        Format::Both => {
            let Some(p) = output else {
                return Err("--format both writes two files: give -o STEM (for example -o siteready-report)".into());
            };
            let stem = match p.extension().and_then(|e| e.to_str()) {
                Some(e) if e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("html") => {
                    p.with_extension("")
                }
                _ => p.to_path_buf(),
            };
            let with = |ext: &str| {
                let mut s: OsString = stem.clone().into_os_string();
                s.push(ext);
                PathBuf::from(s)
            };
            Ok(vec![
                (Format::Json, Dest::File(with(".json"))),
                (Format::Html, Dest::File(with(".html"))),
            ])
        }
    }
}

/// The suite name for JUnit: the folder's name for a local folder (its port changes every run),
/// else the site's host.
fn junit_host(target: &str, r: &Report) -> String {
    if let Ok(siteready::Target::Dir(d)) = siteready::parse_target(target) {
        let name = d
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        if let Some(n) = name.filter(|n| !n.is_empty()) {
            return n;
        }
    }
    url::Url::parse(&r.target.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "site".into())
}

/// Colour only on a terminal, and never when NO_COLOR is set (no-color.org) or TERM is dumb.
pub(super) fn colour_wanted() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::env::var("TERM").map_or(true, |t| t != "dumb")
}

pub async fn run(a: CheckArgs) -> u8 {
    let config = match a.crawl.config() {
        Ok(c) => siteready::Config {
            expect: a.expect.clone(),
            ..c
        },
        Err(e) => {
            eprintln!("siteready: {e}");
            return EXIT_USAGE;
        }
    };
    let rules = match a.crawl.ruleset() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let dests = match destinations(a.format, a.output.as_deref()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("siteready: {e}");
            return EXIT_USAGE;
        }
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
    let gate = Gate {
        require: required,
        fail_under: a.fail_under,
        inconclusive: match a.inconclusive {
            InconclusiveArg::Fail => Inconclusive::Fail,
            InconclusiveArg::Pass => Inconclusive::Pass,
            InconclusiveArg::Error => Inconclusive::Error,
        },
    };
    let report = match siteready::audit(&a.target, &rules, &config).await {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let mut written: Vec<String> = Vec::new();
    for (format, dest) in &dests {
        let body = match format {
            Format::Html => report::to_html(&report),
            _ => report::to_json(&report),
        };
        match dest {
            Dest::File(p) => {
                if let Err(e) = report::write_atomic(p, body.as_bytes()) {
                    eprintln!("siteready: {e}");
                    return EXIT_USAGE;
                }
                written.push(p.display().to_string());
            }
            Dest::Stdout => {
                if body.ends_with('\n') {
                    print!("{body}");
                } else {
                    println!("{body}");
                }
                written.push("stdout".into());
            }
        }
    }
    if let Some(p) = &a.junit {
        let xml = report::to_junit(&report, &junit_host(&a.target, &report), &gate);
        if let Err(e) = report::write_atomic(p, xml.as_bytes()) {
            eprintln!("siteready: {e}");
            return EXIT_USAGE;
        }
        written.push(p.display().to_string());
    }
    if !a.crawl.quiet {
        let stderr = std::io::stderr();
        if stderr.is_terminal() {
            eprint!(
                "{}",
                report::text::summary(&report, &written, colour_wanted())
            );
        } else {
            eprintln!("siteready: {} — {}", a.target, report.verdict.summary);
        }
    }
    let result = gate.evaluate(&report);
    if !result.failed.is_empty() {
        eprintln!("siteready: gate failed: {}", result.failed.join("; "));
        EXIT_GATE
    } else if !result.inconclusive.is_empty() {
        eprintln!(
            "siteready: gate inconclusive: {} could not be verified (--inconclusive error)",
            result.inconclusive.join(", ")
        );
        EXIT_INCONCLUSIVE
    } else {
        EXIT_OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(f: Format, o: Option<&str>) -> Vec<String> {
        destinations(f, o.map(Path::new))
            .unwrap()
            .into_iter()
            .map(|(_, d)| match d {
                Dest::Stdout => "-".to_string(),
                Dest::File(p) => p.display().to_string(),
            })
            .collect()
    }

    #[test]
    fn output_names_follow_format() {
        assert_eq!(files(Format::Json, None), ["-"]);
        assert_eq!(files(Format::Html, None), ["-"]);
        assert_eq!(files(Format::Html, Some("r.html")), ["r.html"]);
        assert_eq!(
            files(Format::Both, Some("out/report")),
            ["out/report.json", "out/report.html"]
        );
        assert_eq!(
            files(Format::Both, Some("out/report.html")),
            ["out/report.json", "out/report.html"]
        );
        assert_eq!(
            files(Format::Both, Some("out/site.v2")),
            ["out/site.v2.json", "out/site.v2.html"]
        );
        assert!(destinations(Format::Both, None).is_err());
    }
}
