//! siteready checks whether a merchant's website is ready for payment KYC review: products listed
//! with prices, a shipping policy, a refund/cancellation policy, and a working checkout with a
//! payment step.
//!
//! Data flows one way: [`crawl`] fetches pages (bounded, polite, same site only), [`extract`]
//! turns each page into facts once, [`rules`] (plain TOML files) say what those facts prove,
//! [`check`] gathers evidence across pages, [`score`] turns it into statuses, and [`report`]
//! writes JSON (and HTML).
//!
//! ```no_run
//! # async fn run() -> siteready::Result<()> {
//! let rules = siteready::rules::RuleSet::embedded()?;
//! let report = siteready::audit("https://shop.example", &rules, &siteready::Config::default()).await?;
//! println!("ready: {}", report.verdict.ready);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

pub mod audit;
pub mod batch;
pub mod check;
pub mod config;
pub mod crawl;
pub mod diff;
pub mod error;
pub mod expect;
pub mod extract;
pub mod fixtures;
pub mod render;
pub mod report;
pub mod rules;
pub mod score;
pub mod serve;
mod session;

pub use audit::{audit, audit_url, audit_url_observed, parse_target, Observer, Progress, Target};
pub use config::{Config, Lang};
pub use error::{Error, Result};
pub use report::{Report, Status};
