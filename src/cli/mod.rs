//! Command-line interface: flags → [`siteready::Config`], library calls, exit codes.
//!
//! Exit codes: 0 report written (and the gate, if any, passed); 1 gate failed (not ready);
//! 2 usage, rule-file or input error; 3 target unreachable; 4 a required check was inconclusive
//! under `--inconclusive error`.

mod batch;
mod check;
mod diff;
mod rules_cmd;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use siteready::config::RenderMode;
use siteready::rules::RuleSet;
use siteready::{Config, Lang};

pub const EXIT_OK: u8 = 0;
pub const EXIT_GATE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_UNREACHABLE: u8 = 3;
pub const EXIT_INCONCLUSIVE: u8 = 4;

#[derive(Parser)]
#[command(name = "siteready", version, about = "Is this merchant's website ready for payment KYC review?", long_about = None)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Crawl one site (URL, or a local folder served on 127.0.0.1) and write a scored report.
    Check(check::CheckArgs),
    /// Check every merchant of a CSV: one report per row plus summary.csv and summary.jsonl.
    Batch(batch::BatchArgs),
    /// Join the summaries of several batch shards into one.
    Merge(batch::MergeArgs),
    /// Compare two reports of one site: status and score changes, evidence gained and lost, pages gone.
    Diff(diff::DiffArgs),
    /// Run the reviewers' web app: paste a URL, watch the crawl, keep every report.
    Serve(serve::ServeArgs),
    /// Validate, list or test rule files.
    Rules {
        #[command(subcommand)]
        cmd: rules_cmd::RulesCmd,
    },
}

/// `--render` values.
#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum RenderArg {
    Never,
    Auto,
    Always,
}

/// `--order` values.
#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum OrderArg {
    BestFirst,
    BreadthFirst,
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    En,
    Ko,
}

/// Flags shared by every command that crawls.
#[derive(Args, Clone)]
pub struct CrawlArgs {
    /// Rule folder replacing the built-in rules.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Most pages fetched per site.
    #[arg(long, default_value_t = 60)]
    pub max_pages: usize,
    /// Most link hops from the start page.
    #[arg(long, default_value_t = 5)]
    pub max_depth: u32,
    /// Time budget per site, in seconds.
    #[arg(long, default_value_t = 60.0, value_name = "SECS")]
    pub max_time: f64,
    /// Requests in flight at once per site.
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Requests per second per host (0 = no limit).
    #[arg(long, default_value_t = 4.0)]
    pub rate: f64,
    /// Timeout of one request, body included, in seconds.
    #[arg(long, default_value_t = 15.0, value_name = "SECS")]
    pub timeout: f64,
    /// Largest response body read, in bytes (decompressed).
    #[arg(long, default_value_t = 5 * 1024 * 1024, value_name = "BYTES")]
    pub max_body: usize,
    /// Most URLs of one shape (`/cal?day=N`) queued (0 = no cap).
    #[arg(long, default_value_t = 25)]
    pub max_per_pattern: u32,
    /// User-Agent header.
    #[arg(long)]
    pub user_agent: Option<String>,
    /// Allow private, loopback and link-local addresses (intranet shops, local tests).
    #[arg(long)]
    pub allow_private: bool,
    /// Ignore robots.txt.
    #[arg(long)]
    pub no_robots: bool,
    /// Keep crawling after every prerequisite passed (spend the whole budget).
    #[arg(long)]
    pub exhaustive: bool,
    /// Do not fetch well-known platform paths (cart, order form, policy pages) that nothing links.
    #[arg(long)]
    pub no_probe: bool,
    /// Language of report labels and advice.
    #[arg(long, value_enum, default_value = "en")]
    pub lang: LangArg,
    /// Render pages in headless Chromium: `auto` renders pages built by JavaScript (empty app
    /// shells), `always` every page, `never` none.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub render: RenderArg,
    /// Chromium binary used for rendering (default: $CHROME, else /usr/bin/chromium).
    #[arg(long, value_name = "PATH")]
    pub chromium: Option<PathBuf>,
    /// Keep a small screenshot of every rendered page that gave evidence (in the report).
    #[arg(long)]
    pub screenshots: bool,
    /// Diagnostic: crawl order. `breadth-first` ignores link ranks, to measure how many requests
    /// the normal best-first order saves; never better for a real check.
    #[arg(long, value_enum, default_value = "best-first", hide = true)]
    pub order: OrderArg,
    /// Print progress to stderr.
    #[arg(short, long)]
    pub verbose: bool,
    /// Print nothing but errors to stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

impl CrawlArgs {
    pub fn config(&self) -> anyhow::Result<Config> {
        let secs = |v: f64, name: &str| -> anyhow::Result<Duration> {
            if !(v.is_finite() && v > 0.0 && v < 1e7) {
                anyhow::bail!("--{name} must be a positive number of seconds");
            }
            Ok(Duration::from_secs_f64(v))
        };
        if !(self.rate.is_finite() && self.rate >= 0.0) {
            anyhow::bail!("--rate must be 0 (no limit) or a positive number");
        }
        if self.max_pages == 0 {
            anyhow::bail!("--max-pages must be at least 1");
        }
        let mut c = Config {
            max_pages: self.max_pages,
            max_depth: self.max_depth,
            max_time: secs(self.max_time, "max-time")?,
            concurrency: self.concurrency.clamp(1, 64),
            rate: self.rate,
            timeout: secs(self.timeout, "timeout")?,
            max_body: self.max_body.max(1024),
            allow_private: self.allow_private,
            robots: !self.no_robots,
            exhaustive: self.exhaustive,
            probe: !self.no_probe,
            max_per_pattern: self.max_per_pattern,
            lang: match self.lang {
                LangArg::En => Lang::En,
                LangArg::Ko => Lang::Ko,
            },
            render: match self.render {
                RenderArg::Never => RenderMode::Never,
                RenderArg::Auto => RenderMode::Auto,
                RenderArg::Always => RenderMode::Always,
            },
            chromium: self.chromium.clone(),
            screenshots: self.screenshots,
            order: match self.order {
                OrderArg::BestFirst => siteready::config::CrawlOrder::BestFirst,
                OrderArg::BreadthFirst => siteready::config::CrawlOrder::BreadthFirst,
            },
            ..Config::default()
        };
        if let Some(ua) = &self.user_agent {
            c.user_agent = ua.clone();
        }
        Ok(c)
    }

    pub fn ruleset(&self) -> Result<RuleSet, siteready::Error> {
        match &self.rules {
            Some(d) => RuleSet::from_dir(d),
            None => RuleSet::embedded(),
        }
    }
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    EXIT_OK
                }
                _ => EXIT_USAGE,
            });
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("siteready: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let code = rt.block_on(async {
        match cli.cmd {
            Cmd::Check(a) => match tokio::spawn(check::run(a)).await {
                Ok(code) => code,
                Err(e) => {
                    eprintln!("siteready: {e}");
                    EXIT_USAGE
                }
            },
            Cmd::Batch(a) => batch::run(a).await,
            Cmd::Merge(a) => batch::merge(a),
            Cmd::Rules { cmd } => rules_cmd::run(cmd).await,
            Cmd::Diff(a) => diff::run(a),
            Cmd::Serve(a) => serve::run(a).await,
        }
    });
    ExitCode::from(code)
}

/// Maps a library error to a one-line message and an exit code.
pub fn fail(e: &siteready::Error) -> u8 {
    match e {
        siteready::Error::Unreachable { .. } => {
            eprintln!("siteready: {e}");
            EXIT_UNREACHABLE
        }
        _ => {
            eprintln!("siteready: {e}");
            EXIT_USAGE
        }
    }
}
