//! `siteready diff OLD.json NEW.json`: what changed since the last check.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use siteready::diff::{self, Change};
use siteready::report;

use super::{EXIT_GATE, EXIT_OK, EXIT_USAGE};

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
}

#[derive(Args)]
pub struct DiffArgs {
    /// The earlier report.
    pub old: PathBuf,
    /// The newer report.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: DiffFormat,
    /// Exit 1 when the newer report is worse (a check's status dropped or ready was lost).
    #[arg(long)]
    pub fail_on_regression: bool,
}

pub fn run(a: DiffArgs) -> u8 {
    let (old, new) = match (report::read(&a.old), report::read(&a.new)) {
        (Ok(o), Ok(n)) => (o, n),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("siteready: {e}");
            return EXIT_USAGE;
        }
    };
    let d = diff::compare(&old, &new);
    match a.format {
        DiffFormat::Text => print!("{}", diff::to_text(&d)),
        DiffFormat::Json => match serde_json::to_string_pretty(&d) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("siteready: {e}");
                return EXIT_USAGE;
            }
        },
    }
    if a.fail_on_regression && d.change == Change::Regressed {
        eprintln!("siteready: regressed since {}", a.old.display());
        return EXIT_GATE;
    }
    EXIT_OK
}
