//! `siteready batch` and `siteready merge`: flags → [`siteready::batch`], signals → a graceful
//! stop, outcome → exit code.
//!
//! Exit codes: 0 the batch ran to the end (whatever the merchants scored); 1 with
//! `--fail-on-not-ready` when a merchant is not ready, or with `--fail-on-regression` when one
//! regressed against `--baseline`; 2 unreadable CSV, baseline or usage error;
//! 130 interrupted (run again with `--resume`).

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, ValueEnum};
use siteready::batch::progress::{Console, Mode};
use siteready::batch::{self, Format, Input, InputOptions, Options, Outcome, Shard, StopHandle};
use siteready::rules::RuleSet;
use siteready::Config;

use super::{fail, CrawlArgs, EXIT_GATE, EXIT_OK, EXIT_USAGE};

/// Exit code of an interrupted batch (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: u8 = 130;

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Json,
    Both,
}

#[derive(Args)]
pub struct BatchArgs {
    /// CSV with a header row; the URL column is named url, website, homepage or site.
    pub csv: PathBuf,
    /// Folder for `<id>.json` reports, summary.csv and summary.jsonl.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Sites checked at once (one shared HTTP client: the per-host --rate holds across all).
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub jobs: usize,
    /// Skip rows whose report from this batch is complete; rebuild the summary from all.
    #[arg(long)]
    pub resume: bool,
    /// Take only share I of N of the rows (by a stable hash of the id), e.g. 2/5.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Name of the URL column, when it is not url, website, homepage or site.
    #[arg(long, value_name = "NAME")]
    pub url_column: Option<String>,
    /// Name of the id column, when it is not id or merchant_id.
    #[arg(long, value_name = "NAME")]
    pub id_column: Option<String>,
    /// Report files per row: json, or both (json and html).
    #[arg(long, value_enum, default_value = "json")]
    pub format: FormatArg,
    /// After Ctrl-C / SIGTERM, seconds the sites in flight may take to finish.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub grace: f64,
    /// Exit 1 when any merchant is not ready (errors included).
    #[arg(long)]
    pub fail_on_not_ready: bool,
    /// Output folder of an earlier batch: each row is compared with the same id's report there
    /// (summary column `change`: new, same, improved, regressed).
    #[arg(long, value_name = "DIR")]
    pub baseline: Option<PathBuf>,
    /// Exit 1 when any merchant regressed against --baseline.
    #[arg(long, requires = "baseline")]
    pub fail_on_regression: bool,
    /// Do not read application columns (name, reg_no, mail_order_no, representative, phone,
    /// email) as values to cross-check with the site's business information.
    #[arg(long)]
    pub no_expect_columns: bool,
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

#[derive(Args)]
pub struct MergeArgs {
    /// Output folders of the shards (each with summary.jsonl).
    #[arg(required = true, value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Folder for the merged summary.csv and summary.jsonl.
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

pub async fn run(a: BatchArgs) -> u8 {
    let Prepared {
        config,
        rules,
        input,
        options,
    } = match prepare(&a) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let (handle, stop) = batch::stop_channel();
    let signals = tokio::spawn(watch_signals(handle));
    let mut progress = Console::new(Mode::detect(a.crawl.quiet), a.crawl.verbose > 0);
    let outcome = batch::run(&input, &options, &rules, &config, stop, &mut progress).await;
    signals.abort();
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            eprintln!("siteready: {e}");
            return EXIT_USAGE;
        }
    };
    print_outcome(&a, &outcome);
    exit_code(&a, &outcome)
}

/// Everything a batch needs, read and checked before any site is.
struct Prepared {
    config: Config,
    rules: RuleSet,
    input: Input,
    options: Options,
}

/// Reads and checks the flags, rules, CSV and baseline, in that order, so that the first
/// problem is the one reported; the error is the exit code, the message already printed.
fn prepare(a: &BatchArgs) -> Result<Prepared, u8> {
    let config = match a.crawl.config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("siteready: {e}");
            return Err(EXIT_USAGE);
        }
    };
    if !(a.grace.is_finite() && (0.0..1e6).contains(&a.grace)) {
        eprintln!("siteready: --grace must be 0 or a positive number of seconds");
        return Err(EXIT_USAGE);
    }
    if a.jobs == 0 || a.jobs > 1024 {
        eprintln!("siteready: --jobs must be between 1 and 1024");
        return Err(EXIT_USAGE);
    }
    let rules = a.crawl.ruleset().map_err(|e| fail(&e))?;
    let input = match batch::input::read(
        &a.csv,
        &InputOptions {
            url_column: a.url_column.clone(),
            id_column: a.id_column.clone(),
            no_expect_columns: a.no_expect_columns,
        },
    ) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("siteready: {e}");
            return Err(EXIT_USAGE);
        }
    };
    if !a.crawl.quiet {
        describe_input(a, &input);
    }
    let baseline = open_baseline(a)?;
    let options = Options {
        out_dir: a.out_dir.clone(),
        jobs: a.jobs,
        resume: a.resume,
        shard: a.shard,
        format: match a.format {
            FormatArg::Json => Format::Json,
            FormatArg::Both => Format::Both,
        },
        grace: Duration::from_secs_f64(a.grace),
        baseline,
    };
    Ok(Prepared {
        config,
        rules,
        input,
        options,
    })
}

/// Tells how the CSV was read (rows, encoding, columns), so a wrong column shows before the
/// batch runs.
fn describe_input(a: &BatchArgs, input: &Input) {
    eprintln!(
        "siteready: {}: {} row{} read as {}; URL column '{}', {}{}",
        a.csv.display(),
        input.rows.len(),
        if input.rows.len() == 1 { "" } else { "s" },
        input.encoding,
        input.url_column,
        match &input.id_column {
            Some(c) => format!("id column '{c}'"),
            None => "ids derived from the URLs".into(),
        },
        match a.shard {
            Some(s) => format!("; shard {s}"),
            None => String::new(),
        }
    );
    if !input.expect_columns.is_empty() {
        let cols: Vec<String> = input
            .expect_columns
            .iter()
            .map(|(k, h)| {
                if k == h {
                    k.clone()
                } else {
                    format!("{h} ({k})")
                }
            })
            .collect();
        eprintln!(
            "siteready: application values from column{} {}",
            if cols.len() == 1 { "" } else { "s" },
            cols.join(", ")
        );
    }
}

/// The `--baseline` folder, which must be an earlier batch's, not this one's output.
fn open_baseline(a: &BatchArgs) -> Result<Option<batch::Baseline>, u8> {
    match &a.baseline {
        None => Ok(None),
        Some(b) if same_dir(b, &a.out_dir) => {
            eprintln!(
                "siteready: --baseline {} is the output folder; name the folder of an earlier batch",
                b.display()
            );
            Err(EXIT_USAGE)
        }
        Some(b) => match batch::Baseline::open(b) {
            Ok(b) => Ok(Some(b)),
            Err(e) => {
                eprintln!("siteready: {e}");
                Err(EXIT_USAGE)
            }
        },
    }
}

/// The closing lines: counts, where the summary is, and the change against the baseline.
fn print_outcome(a: &BatchArgs, outcome: &Outcome) {
    if !a.crawl.quiet {
        eprintln!(
            "siteready: {} row{}: {} ready, {} not ready ({} without a report); {} checked, {} reused; summary in {}",
            outcome.rows.len(),
            if outcome.rows.len() == 1 { "" } else { "s" },
            outcome.ready,
            outcome.not_ready,
            outcome.errors,
            outcome.checked,
            outcome.reused,
            a.out_dir.join(batch::summary::CSV_NAME).display()
        );
    }
    if a.baseline.is_some() && !a.crawl.quiet {
        eprintln!(
            "siteready: against the baseline: {} regressed, {} improved",
            outcome.regressed, outcome.improved
        );
    }
}

/// The exit code of a batch that ran: interrupted first, then the gates asked for.
fn exit_code(a: &BatchArgs, outcome: &Outcome) -> u8 {
    if outcome.interrupted {
        eprintln!("siteready: batch interrupted; run the same command with --resume to finish it");
        return EXIT_INTERRUPTED;
    }
    if a.fail_on_not_ready && outcome.not_ready > 0 {
        if !a.crawl.quiet {
            eprintln!(
                "siteready: {} merchant{} not ready (--fail-on-not-ready)",
                outcome.not_ready,
                if outcome.not_ready == 1 {
                    " is"
                } else {
                    "s are"
                }
            );
        }
        return EXIT_GATE;
    }
    if a.fail_on_regression && outcome.regressed > 0 {
        if !a.crawl.quiet {
            eprintln!(
                "siteready: {} merchant{} regressed (--fail-on-regression)",
                outcome.regressed,
                if outcome.regressed == 1 { "" } else { "s" }
            );
        }
        return EXIT_GATE;
    }
    EXIT_OK
}

/// Whether two paths name one folder (the output folder may not exist yet).
fn same_dir(a: &std::path::Path, b: &std::path::Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// First SIGINT/SIGTERM: stop gracefully; the second: stop now.
async fn watch_signals(handle: StopHandle) {
    let mut signals = Signals::new();
    let mut seen = 0;
    while signals.next().await {
        seen += 1;
        if seen == 1 {
            handle.graceful();
        } else {
            handle.now();
            return;
        }
    }
}

/// SIGINT and SIGTERM (Kubernetes stops pods with SIGTERM); Ctrl-C elsewhere.
struct Signals {
    #[cfg(unix)]
    streams: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl Signals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let streams = match (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
            ) {
                (Ok(i), Ok(t)) => Some((i, t)),
                _ => None,
            };
            Signals { streams }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Waits for the next signal; false when none can come any more.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        if let Some((int, term)) = &mut self.streams {
            return tokio::select! {
                v = int.recv() => v.is_some(),
                v = term.recv() => v.is_some(),
            };
        }
        tokio::signal::ctrl_c().await.is_ok()
    }
}

pub fn merge(a: MergeArgs) -> u8 {
    match batch::merge(&a.dirs, &a.out_dir) {
        Ok(m) => {
            for w in &m.warnings {
                eprintln!("siteready: warning: {w}");
            }
            if !a.quiet {
                eprintln!(
                    "siteready: merged {} rows from {} folder{} into {}",
                    m.rows.len(),
                    a.dirs.len(),
                    if a.dirs.len() == 1 { "" } else { "s" },
                    a.out_dir.join(batch::summary::CSV_NAME).display()
                );
            }
            EXIT_OK
        }
        Err(e) => {
            eprintln!("siteready: {e}");
            EXIT_USAGE
        }
    }
}
