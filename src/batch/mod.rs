//! Many merchants at once, from a CSV export: one report per row plus a summary, resumable after
//! an interruption and splittable into shards across machines.
//!
//! ```no_run
//! # async fn run() -> siteready::Result<()> {
//! use siteready::batch::{self, Options};
//! let input = batch::input::read(std::path::Path::new("merchants.csv"), &Default::default())?;
//! let rules = siteready::rules::RuleSet::embedded()?;
//! let (_stop_handle, stop) = batch::stop_channel();
//! let options = Options::new("reports");
//! let outcome = batch::run(&input, &options, &rules, &siteready::Config::default(), stop,
//!     &mut batch::progress::Silent).await?;
//! println!("{} not ready", outcome.not_ready);
//! # Ok(()) }
//! ```

pub mod baseline;
pub mod id;
pub mod input;
pub mod merge;
pub mod progress;
pub mod resume;
pub mod run;
pub mod shard;
pub mod summary;

use std::path::PathBuf;
use std::time::Duration;

pub use baseline::Baseline;
pub use input::{Input, InputOptions, Row};
pub use merge::merge;
pub use run::{run, stop_channel, Outcome, Stop, StopHandle};
pub use shard::Shard;
pub use summary::SummaryRow;

/// Which files are written for each row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// `<id>.json` only.
    #[default]
    Json,
    /// `<id>.json` and `<id>.html`.
    Both,
}

/// How a batch runs; the CLI fills it from flags.
#[derive(Debug, Clone)]
pub struct Options {
    /// Reports, the summary and the resume marker go here.
    pub out_dir: PathBuf,
    /// Sites checked at once (they share one HTTP client and its per-host rate limit).
    pub jobs: usize,
    /// Skip rows whose report from this batch is already complete.
    pub resume: bool,
    /// Only this share of the rows.
    pub shard: Option<Shard>,
    /// Report files per row.
    pub format: Format,
    /// After a stop request, how long sites in flight may take to finish before they are cut.
    pub grace: Duration,
    /// An earlier batch's folder to compare every row with (`change` column).
    pub baseline: Option<Baseline>,
}

impl Options {
    /// Defaults of the CLI: 8 jobs, JSON reports, 10 s grace, no resume, no shard, no baseline.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        Options {
            out_dir: out_dir.into(),
            jobs: 8,
            resume: false,
            shard: None,
            format: Format::Json,
            grace: Duration::from_secs(10),
            baseline: None,
        }
    }
}
