//! Command-line interface: flags → [`siteready::Config`], library calls, exit codes.
//!
//! Exit codes: 0 report written (and the gate, if any, passed); 1 gate failed (not ready);
//! 2 usage, rule-file or input error; 3 target unreachable; 4 a required check was inconclusive
//! under `--inconclusive error`.

mod batch;
mod check;
mod config_file;
mod diff;
mod log;
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

/// Flags shared by every command that crawls. Settings left off the command line come from
/// `siteready.toml` (see [`config_file`]), else from the defaults shown.
#[derive(Args, Clone)]
pub struct CrawlArgs {
    /// Settings file (default: ./siteready.toml when present); flags win over it.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Rule folder replacing the built-in rules.
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// Most pages fetched per site [default: 60].
    #[arg(long, value_name = "N")]
    pub max_pages: Option<usize>,
    /// Most link hops from the start page [default: 5].
    #[arg(long, value_name = "N")]
    pub max_depth: Option<u32>,
    /// Time budget per site, in seconds [default: 60].
    #[arg(long, value_name = "SECS")]
    pub max_time: Option<f64>,
    /// Requests in flight at once per site [default: 4].
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// Requests per second per host (0 = no limit) [default: 4].
    #[arg(long, value_name = "RATE")]
    pub rate: Option<f64>,
    /// Timeout of one request, body included, in seconds [default: 15].
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Largest response body read, in bytes (decompressed) [default: 5242880].
    #[arg(long, value_name = "BYTES")]
    pub max_body: Option<usize>,
    /// Most URLs of one shape (`/cal?day=N`) queued (0 = no cap) [default: 25].
    #[arg(long, value_name = "N")]
    pub max_per_pattern: Option<u32>,
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
    /// Language of report labels and advice [default: en].
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Render pages in headless Chromium: `auto` renders pages built by JavaScript (script
    /// shells, and a few pages whose content scripts fill), `always` every page, `never` none
    /// [default: auto].
    #[arg(long, value_enum, value_name = "WHEN")]
    pub render: Option<RenderArg>,
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
    /// More diagnostics on stderr: `-v` info (robots.txt, sitemaps, pages), `-vv` debug, `-vvv`
    /// trace; in a batch `-v` also prints one line per finished site.
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Print nothing but errors to stderr.
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
}

impl CrawlArgs {
    /// The run's settings: flags, over `siteready.toml`, over the defaults. Out-of-range
    /// values are refused here with the flag's name, and again by `Config::validate`.
    pub fn config(&self) -> anyhow::Result<Config> {
        let (file, from) = config_file::FileConfig::load(self.config.as_deref())?;
        let src = from
            .map(|p| format!(" (in {})", p.display()))
            .unwrap_or_default();
        let secs = |v: f64, name: &str| -> anyhow::Result<Duration> {
            if !(v.is_finite() && v > 0.0 && v < 1e7) {
                anyhow::bail!("--{name} must be a positive number of seconds{src}");
            }
            Ok(Duration::from_secs_f64(v))
        };
        let d = Config::default();
        let rate = self.rate.or(file.rate).unwrap_or(d.rate);
        if !(rate.is_finite() && (rate == 0.0 || rate >= siteready::config::MIN_RATE)) {
            anyhow::bail!("--rate must be 0 (no limit) or at least 0.001{src}");
        }
        let max_pages = self.max_pages.or(file.max_pages).unwrap_or(d.max_pages);
        if max_pages == 0 {
            anyhow::bail!("--max-pages must be at least 1{src}");
        }
        let lang = match (self.lang, file.lang.as_deref()) {
            (Some(l), _) => l,
            (None, Some(l)) => LangArg::from_str(l, true)
                .map_err(|_| anyhow::anyhow!("lang must be en or ko{src}"))?,
            (None, None) => LangArg::En,
        };
        let render = match (self.render, file.render.as_deref()) {
            (Some(r), _) => r,
            (None, Some(r)) => RenderArg::from_str(r, true)
                .map_err(|_| anyhow::anyhow!("render must be never, auto or always{src}"))?,
            (None, None) => RenderArg::Auto,
        };
        let c = Config {
            max_pages,
            max_depth: self.max_depth.or(file.max_depth).unwrap_or(d.max_depth),
            max_time: secs(
                self.max_time
                    .or(file.max_time)
                    .unwrap_or(d.max_time.as_secs_f64()),
                "max-time",
            )?,
            concurrency: self
                .concurrency
                .or(file.concurrency)
                .unwrap_or(d.concurrency)
                .clamp(1, 64),
            rate,
            timeout: secs(
                self.timeout
                    .or(file.timeout)
                    .unwrap_or(d.timeout.as_secs_f64()),
                "timeout",
            )?,
            max_body: self
                .max_body
                .or(file.max_body)
                .unwrap_or(d.max_body)
                .max(1024),
            allow_private: self.allow_private || file.allow_private == Some(true),
            robots: !self.no_robots && file.robots != Some(false),
            exhaustive: self.exhaustive || file.exhaustive == Some(true),
            probe: !self.no_probe && file.probe != Some(false),
            max_per_pattern: self
                .max_per_pattern
                .or(file.max_per_pattern)
                .unwrap_or(d.max_per_pattern),
            lang: match lang {
                LangArg::En => Lang::En,
                LangArg::Ko => Lang::Ko,
            },
            render: match render {
                RenderArg::Never => RenderMode::Never,
                RenderArg::Auto => RenderMode::Auto,
                RenderArg::Always => RenderMode::Always,
            },
            chromium: self.chromium.clone().or(file.chromium),
            screenshots: self.screenshots || file.screenshots == Some(true),
            order: match self.order {
                OrderArg::BestFirst => siteready::config::CrawlOrder::BestFirst,
                OrderArg::BreadthFirst => siteready::config::CrawlOrder::BreadthFirst,
            },
            user_agent: self
                .user_agent
                .clone()
                .or(file.user_agent)
                .unwrap_or(d.user_agent),
            ..d
        };
        c.validate().map_err(|e| anyhow::anyhow!("{e}{src}"))?;
        Ok(c)
    }

    /// The rules: `--rules`, else `rules` in the settings file, else the built-in ones.
    pub fn ruleset(&self) -> Result<RuleSet, siteready::Error> {
        let from_file = || {
            config_file::FileConfig::load(self.config.as_deref())
                .ok()
                .and_then(|(f, _)| f.rules)
        };
        match self.rules.clone().or_else(from_file) {
            Some(d) => RuleSet::from_dir(&d),
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
    let level = match &cli.cmd {
        Cmd::Check(a) => log::level(a.crawl.verbose, a.crawl.quiet),
        Cmd::Batch(a) => log::level(a.crawl.verbose, a.crawl.quiet),
        _ => log::level(0, false),
    };
    log::init(level);
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
