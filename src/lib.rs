//! siteready checks whether a merchant's website is ready for payment KYC review: products listed
//! with prices, a shipping policy, a refund/cancellation policy, and a working checkout with a
//! payment step.
//!
//! # Checking a site
//!
//! - [`audit()`] checks one target, a URL or a local folder (served on 127.0.0.1 for the
//!   duration), with an HTTP client of its own. [`audit_url`] checks a URL with a shared
//!   [`Http`] client, so that a batch of sites shares one client and its per-host
//!   politeness; [`audit_url_observed`] does the same and hands a [`Progress`] snapshot to an
//!   [`Observer`] after every page, for callers that show a crawl as it runs.
//! - [`Config`] holds the run's budgets and options (pages, depth, time, rate, robots.txt,
//!   rendering, report language). [`Config::validate`] checks every value; each audit calls it
//!   first, so a bad setting is an [`Error`], never a panic deep inside a crawl.
//! - [`RuleSet`] says what the facts of a page prove. The rules are plain TOML
//!   files: the embedded set ([`RuleSet::embedded`](rules::RuleSet::embedded)) or a folder of
//!   one's own ([`RuleSet::from_dir`](rules::RuleSet::from_dir)), compiled once and reusable
//!   for every site of a run.
//! - [`Report`] is the answer: the verdict (ready or not), a [`Status`] with score, evidence and
//!   advice per check, and how the crawl went. Its JSON form is a stable contract with a
//!   published schema (`schema/report.schema.json`); [`report`] also writes HTML for a reviewer,
//!   JUnit and a CI gate.
//! - [`Error`] is returned only when no report can exist: an invalid target, an unreachable
//!   site, invalid rules or settings. A page that cannot be fetched is not an error: its
//!   [`error::ErrorKind`] is recorded in the report's `errors` (through the run's
//!   [`error::ErrorLog`], which caps the list) and the crawl goes on.
//!
//! # How a check runs
//!
//! Data flows one way. For each site, a crawl session (the private `session` module) gathers
//! the evidence, page by page:
//!
//! 1. `crawl` fetches pages: bounded, polite, same site only, best-first from a frontier
//!    ranked by the rules.
//! 2. `extract` turns each page into facts once; the HTML is dropped after that.
//! 3. [`rules`] say what those facts prove: the classes of the page and the rule hits on it.
//! 4. `check` gathers the hits and the products across pages into the site's evidence.
//!
//! Then `score` turns the evidence into a score and a status per check, and [`report`]
//! assembles the [`Report`]. The crawl stops early once every prerequisite passes (or a budget
//! runs out): which checks are still open is the one thing verdicts feed back into the crawl.
//!
//! The pipeline's parts (`crawl`, `extract`, `check`, `score`, `render`, and the test helpers
//! `fixtures` and `serve`) are hidden from these docs: they are public for the crate's own tests
//! and benches, not an API to build on.
//!
//! Around that core: `render` renders JavaScript-built pages in headless Chromium, [`expect`]
//! cross-checks the values of a merchant's application against the site, [`diff`] compares two
//! reports of one site, [`batch`] checks a CSV of merchants (resumable, shardable), `serve`
//! serves a local folder, and `fixtures` judges the rules against sites with known verdicts.
//!
//! # Example
//!
//! ```no_run
//! # async fn run() -> siteready::Result<()> {
//! let rules = siteready::rules::RuleSet::embedded()?;
//! let report = siteready::audit("https://shop.example", &rules, &siteready::Config::default()).await?;
//! println!("ready: {}", report.verdict.ready);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

// The modules marked `doc(hidden)` are the pipeline's parts: public so that the crate's own
// tests, benches and examples can reach them, not part of the API, which is what the crate root
// and the documented modules export.

mod audit;
pub mod batch;
#[doc(hidden)]
pub mod check;
pub mod config;
#[doc(hidden)]
pub mod crawl;
pub mod diff;
pub mod error;
pub mod expect;
#[doc(hidden)]
pub mod extract;
#[doc(hidden)]
pub mod fixtures;
#[doc(hidden)]
pub mod render;
pub mod report;
pub mod rules;
#[doc(hidden)]
pub mod score;
#[doc(hidden)]
pub mod serve;
mod session;
pub mod webapp;

pub use audit::{audit, audit_url, audit_url_observed, parse_target, Observer, Progress, Target};
pub use config::{Config, Lang};
pub use crawl::Http;
pub use error::{Error, ErrorKind, Result};
pub use report::{Report, Status};
pub use rules::RuleSet;
