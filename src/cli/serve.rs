//! `siteready serve`: flags → [`siteready::webapp::Options`], and the exit code.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use siteready::webapp::{self, Options};

use super::{CrawlArgs, EXIT_OK, EXIT_USAGE};

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on. Anything but loopback needs --token-file.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// SQLite database holding every check and report (created on first start).
    #[arg(long, default_value = "siteready.db", value_name = "PATH")]
    pub db: PathBuf,
    /// Checks run at once; more wait in the queue.
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub workers: usize,
    /// File holding the access token (at least 16 characters): requests then need
    /// `Authorization: Bearer <token>`, or the cookie set by /login.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// Most checks waiting in the queue; more are refused with 429.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub max_queue: usize,
    /// Seconds running checks get to finish after SIGTERM; unfinished ones stay queued.
    #[arg(long, default_value_t = 20.0, value_name = "SECS")]
    pub grace: f64,
    #[command(flatten)]
    pub crawl: CrawlArgs,
}

fn options(a: &ServeArgs) -> anyhow::Result<Options> {
    let config = a.crawl.config()?;
    let rules = a.crawl.ruleset()?;
    let token = match &a.token_file {
        Some(p) => {
            let t = std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("--token-file {}: {e}", p.display()))?;
            Some(t.trim().to_string())
        }
        None => None,
    };
    if !(a.grace.is_finite() && a.grace >= 0.0 && a.grace < 86_400.0) {
        anyhow::bail!("--grace must be a number of seconds between 0 and 86400");
    }
    if a.max_queue == 0 {
        anyhow::bail!("--max-queue must be at least 1");
    }
    Ok(Options {
        listen: a.listen,
        db: a.db.clone(),
        workers: a.workers.clamp(1, 64),
        token,
        max_queue: a.max_queue,
        grace: Duration::from_secs_f64(a.grace),
        config,
        rules,
        quiet: a.crawl.quiet,
    })
}

pub async fn run(a: ServeArgs) -> u8 {
    if a.workers == 0 {
        eprintln!("siteready serve: --workers must be at least 1");
        return EXIT_USAGE;
    }
    let opts = match options(&a) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("siteready serve: {e}");
            return EXIT_USAGE;
        }
    };
    match webapp::serve(opts).await {
        Ok(()) => EXIT_OK,
        Err(e) => {
            eprintln!("siteready serve: {e}");
            EXIT_USAGE
        }
    }
}
