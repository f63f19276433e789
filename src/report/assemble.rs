//! A finished crawl session becomes a report: the evidence is scored, the crawl's record and
//! the run's settings are written beside the verdict.

use std::time::Duration;

use url::Url;

use crate::config::{Config, Lang};
use crate::crawl::robots::RobotsState;
use crate::error::ErrorKind;
use crate::extract;
use crate::report::model::{self as m, Report};
use crate::rules::RuleSet;
use crate::score::{self, Access};
use crate::session::{Outcome, StopReason};

/// When and for what the run was made.
pub(crate) struct Run<'a> {
    pub input: &'a str,
    pub start: &'a Url,
    pub started_at: String,
    pub elapsed: Duration,
}

/// The report of one session.
pub(crate) fn assemble(run: Run<'_>, o: Outcome<'_>, rules: &RuleSet, config: &Config) -> Report {
    let access = Access {
        blocked: blocked(&o),
        unreached: o.unreached,
    };
    let checks = score::score(&o.evidence, &access, config.lang, &config.expect);
    let verdict = score::verdict(&checks);
    Report {
        schema_version: m::SCHEMA_VERSION,
        tool: m::Tool {
            name: "siteready".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            rules_digest: rules.digest.clone(),
        },
        target: m::Target {
            input: run.input.to_string(),
            url: run.start.to_string(),
            final_url: o.final_url,
            lang: o.lang,
        },
        started_at: run.started_at,
        duration_ms: run.elapsed.as_millis() as u64,
        verdict,
        checks,
        crawl: m::Crawl {
            pages_fetched: o.pages.len(),
            stopped_by: o.stopped_by.as_str().into(),
            robots: o.robots.as_str().into(),
            sitemap_urls: o.sitemap_urls,
            pages: o.pages,
        },
        errors: o.errors.into_vec(),
        settings: settings(config),
        screenshots: o.screenshots,
    }
}

/// Why no page could be read, when none could: every check then says so.
fn blocked(o: &Outcome<'_>) -> Option<String> {
    if o.pages_ok > 0 {
        return None;
    }
    Some(
        if o.robots == RobotsState::Error || o.errors.any(ErrorKind::Robots) {
            "robots.txt does not allow crawling the pages needed".into()
        } else if o.stopped_by == StopReason::MaxTime || o.errors.any(ErrorKind::Timeout) {
            "the site did not answer within the time budget".into()
        } else if let Some(e) = o.errors.first() {
            format!(
                "no page could be read ({}: {})",
                e.kind,
                extract::truncate_chars(&e.message, 120)
            )
        } else {
            "no page could be read".into()
        },
    )
}

/// The budgets and options the run used, so a result can be reproduced.
fn settings(config: &Config) -> m::Settings {
    m::Settings {
        max_pages: config.max_pages,
        max_depth: config.max_depth,
        max_time_s: config.max_time.as_secs_f64(),
        concurrency: config.concurrency,
        rate: config.rate,
        timeout_s: config.timeout.as_secs_f64(),
        max_body: config.max_body,
        robots: config.robots,
        exhaustive: config.exhaustive,
        allow_private: config.allow_private,
        user_agent: config.user_agent.clone(),
        lang: match config.lang {
            Lang::En => "en".into(),
            Lang::Ko => "ko".into(),
        },
        render: config.render.as_str().into(),
    }
}
