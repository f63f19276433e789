//! The concurrent runner: up to `jobs` sites at once over one shared HTTP client (so the per-host
//! rate limit holds across the whole batch), one report per row written atomically, and a
//! summary rebuilt from every row at the end — also after a stop request.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;
use url::Url;

use super::baseline::Baseline;
use super::input::{Input, Row};
use super::progress::Progress;
use super::resume::{self, Marker};
use super::summary::{self, SummaryRow, INTERRUPTED, NOT_STARTED};
use super::{Format, Options};
use crate::audit::audit_url;
use crate::config::Config;
use crate::crawl::Http;
use crate::diff::Change;
use crate::error::{Error, Result};
use crate::report::{self, Report};
use crate::rules::RuleSet;

const RUNNING: u8 = 0;
const GRACEFUL: u8 = 1;
const NOW: u8 = 2;

/// Asks a running batch to stop (the CLI calls it from its signal handler).
#[derive(Debug, Clone)]
pub struct StopHandle(Arc<watch::Sender<u8>>);

impl StopHandle {
    /// Stop taking new rows; sites in flight get the grace period to finish.
    pub fn graceful(&self) {
        self.0.send_if_modified(|v| {
            let changed = *v < GRACEFUL;
            *v = (*v).max(GRACEFUL);
            changed
        });
    }

    /// Stop now: sites in flight are cut and marked interrupted.
    pub fn now(&self) {
        self.0.send_replace(NOW);
    }
}

/// The batch's side of [`stop_channel`].
#[derive(Debug)]
pub struct Stop(watch::Receiver<u8>);

/// A stop request channel: keep the handle, give the [`Stop`] to [`run`].
pub fn stop_channel() -> (StopHandle, Stop) {
    let (tx, rx) = watch::channel(RUNNING);
    (StopHandle(Arc::new(tx)), Stop(rx))
}

/// What a batch did.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The summary rows, in input order (this shard's rows only).
    pub rows: Vec<SummaryRow>,
    /// Sites checked by this run.
    pub checked: usize,
    /// Rows whose complete report was reused (`--resume`).
    pub reused: usize,
    /// Rows whose site is ready for review.
    pub ready: usize,
    /// Rows that are not ready, errors included.
    pub not_ready: usize,
    /// Rows without a report (bad row, unreachable, interrupted).
    pub errors: usize,
    /// Rows worse than in the baseline (0 without `--baseline`).
    pub regressed: usize,
    /// Rows better than in the baseline.
    pub improved: usize,
    /// A stop was requested before every row was done.
    pub interrupted: bool,
}

/// Everything a row's task needs, owned.
struct Job {
    line: u64,
    id: String,
    stem: String,
    raw_url: String,
    url: Url,
    columns: BTreeMap<String, String>,
    /// Application values of the row (they replace the shared config's).
    expect: Vec<(String, String)>,
    dir: PathBuf,
    format: Format,
    baseline: Option<Arc<Baseline>>,
}

/// Runs the batch: the rows of `input` in this shard, reports and summary into `opts.out_dir`.
/// Only a failure that stops the whole batch is an error (output folder not writable); every
/// row's own failure is a summary row.
pub async fn run(
    input: &Input,
    opts: &Options,
    rules: &RuleSet,
    config: &Config,
    mut stop: Stop,
    progress: &mut dyn Progress,
) -> Result<Outcome> {
    let dir = opts.out_dir.as_path();
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let since = begin(input, opts)?;

    let baseline = opts.baseline.clone().map(Arc::new);
    let selected: Vec<&Row> = input
        .rows
        .iter()
        .filter(|r| opts.shard.is_none_or(|s| s.contains(&r.id)))
        .collect();
    let ctx = RowContext {
        input,
        opts,
        selected: &selected,
        baseline,
    };
    let mut plan = ctx.plan(since.as_deref());
    let already: Vec<&SummaryRow> = plan.results.iter().flatten().collect();
    progress.start(selected.len(), &already);

    let checkers = Checkers {
        http: Http::new(config, Vec::new())?,
        rules: Arc::new(rules.clone()),
        config: Arc::new(config.clone()),
    };
    let flight = check_rows(&ctx, &checkers, &mut plan, &mut stop, progress).await;

    let stopped = flight.level != RUNNING;
    let (rows, interrupted) = ctx.summary_rows(plan.results, stopped);
    summary::write(dir, &input.columns, &rows)?;
    let outcome = outcome(rows, flight.checked, plan.reused, interrupted);
    progress.finish(&outcome);
    Ok(outcome)
}

/// Where the run's reports may be trusted from: with `--resume`, the start of the run being
/// resumed; otherwise a new run is marked in the folder and nothing before it counts.
fn begin(input: &Input, opts: &Options) -> Result<Option<String>> {
    let dir = opts.out_dir.as_path();
    if opts.resume {
        return Ok(resume::read_marker(dir).map(|m| m.started_at));
    }
    resume::start(
        dir,
        &Marker {
            started_at: resume::now_rfc3339(),
            input: input.path.display().to_string(),
            shard: opts.shard.map(|s| s.to_string()),
            version: env!("CARGO_PKG_VERSION").into(),
        },
    )?;
    Ok(None)
}

/// The rows of this shard and what each summary line is built from.
struct RowContext<'a> {
    input: &'a Input,
    opts: &'a Options,
    /// This shard's rows, in input order; indices below are into this list.
    selected: &'a [&'a Row],
    baseline: Option<Arc<Baseline>>,
}

/// The rows' lines as known before any check, and the rows left to check.
struct Plan {
    results: Vec<Option<SummaryRow>>,
    todo: Vec<usize>,
    /// Rows whose earlier report was reused.
    reused: usize,
}

/// What every check shares: one HTTP client (so the per-host rate limit holds across the
/// batch), the rules and the configuration.
struct Checkers {
    http: Arc<Http>,
    rules: Arc<RuleSet>,
    config: Arc<Config>,
}

impl RowContext<'_> {
    /// Settles the rows that need no check and lists the others.
    fn plan(&self, since: Option<&str>) -> Plan {
        let mut plan = Plan {
            results: vec![None; self.selected.len()],
            todo: Vec::new(),
            reused: 0,
        };
        for (i, row) in self.selected.iter().enumerate() {
            match self.settled(row, since) {
                Some((line, reused)) => {
                    plan.results[i] = Some(line);
                    plan.reused += usize::from(reused);
                }
                None => plan.todo.push(i),
            }
        }
        plan
    }

    /// The line of a row that needs no check: a bad row, or (with `--resume`) one whose
    /// complete report is already in the folder, flagged as reused.
    fn settled(&self, row: &Row, since: Option<&str>) -> Option<(SummaryRow, bool)> {
        let cols = carried(self.input, row);
        let url = match (&row.error, &row.url) {
            (None, Some(u)) => u,
            (e, _) => {
                let e = e.as_deref().unwrap_or("no URL");
                let mut line = SummaryRow::from_error(row.line, &row.id, &shown_url(row), e, cols);
                set_change(&mut line, self.baseline.as_deref(), &row.stem, None);
                return Some((line, false));
            }
        };
        if !self.opts.resume {
            return None;
        }
        let dir = self.opts.out_dir.as_path();
        let name = format!("{}.json", row.stem);
        let r = resume::complete_report(&dir.join(&name), url, since)?;
        let html = dir.join(format!("{}.html", row.stem));
        let mut line = SummaryRow::from_report(row.line, &row.id, &name, &r, cols);
        set_change(&mut line, self.baseline.as_deref(), &row.stem, Some(&r));
        if self.opts.format == Format::Both && !html.is_file() {
            if let Err(e) = write_html(&html, &r) {
                line.error = Some(format!("cannot write report: {e}"));
            }
        }
        Some((line, true))
    }

    /// Everything the task of row `i` needs, owned.
    fn job(&self, i: usize, url: Url) -> Job {
        let row = self.selected[i];
        Job {
            line: row.line,
            id: row.id.clone(),
            stem: row.stem.clone(),
            raw_url: row.raw_url.clone(),
            url,
            columns: carried(self.input, row),
            expect: row.expect.clone(),
            dir: self.opts.out_dir.clone(),
            format: self.opts.format,
            baseline: self.baseline.clone(),
        }
    }

    /// The line of row `i` when its check ended without a report of its own.
    fn failed(&self, i: usize, why: &str) -> SummaryRow {
        let row = self.selected[i];
        let mut line = SummaryRow::from_error(
            row.line,
            &row.id,
            &shown_url(row),
            why,
            carried(self.input, row),
        );
        set_change(&mut line, self.baseline.as_deref(), &row.stem, None);
        line
    }

    /// Every row's line in input order; a row never started is marked so. The flag says the
    /// batch did not finish: rows were left, or a stop cut checks short.
    fn summary_rows(
        &self,
        results: Vec<Option<SummaryRow>>,
        stopped: bool,
    ) -> (Vec<SummaryRow>, bool) {
        let mut interrupted = false;
        let rows: Vec<SummaryRow> = results
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                r.unwrap_or_else(|| {
                    interrupted = true;
                    let row = self.selected[i];
                    SummaryRow::from_error(
                        row.line,
                        &row.id,
                        &shown_url(row),
                        NOT_STARTED,
                        carried(self.input, row),
                    )
                })
            })
            .collect();
        interrupted |= stopped && rows.iter().any(|r| r.error.as_deref() == Some(INTERRUPTED));
        (rows, interrupted)
    }
}

/// The checks in flight and how far a stop request has gone.
struct Flight {
    set: JoinSet<SummaryRow>,
    /// The selected row each task checks.
    task_row: HashMap<tokio::task::Id, usize>,
    level: u8,
    /// False once the stop channel is gone (no stop can come any more).
    watching: bool,
    grace_end: Option<tokio::time::Instant>,
    /// Rows checked to the end (interrupted ones are not).
    checked: usize,
}

/// Checks the planned rows, up to `opts.jobs` at once, until all are done or a stop ends them.
async fn check_rows(
    ctx: &RowContext<'_>,
    checkers: &Checkers,
    plan: &mut Plan,
    stop: &mut Stop,
    progress: &mut dyn Progress,
) -> Flight {
    let jobs = ctx.opts.jobs.max(1);
    let mut fl = Flight {
        set: JoinSet::new(),
        task_row: HashMap::new(),
        level: *stop.0.borrow(),
        watching: true,
        grace_end: None,
        checked: 0,
    };
    let mut next = 0;
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        while fl.level == RUNNING && fl.set.len() < jobs && next < plan.todo.len() {
            let i = plan.todo[next];
            next += 1;
            let Some(url) = ctx.selected[i].url.clone() else {
                continue;
            };
            let job = ctx.job(i, url);
            let h = fl.set.spawn(check_row(
                checkers.http.clone(),
                checkers.rules.clone(),
                checkers.config.clone(),
                job,
            ));
            fl.task_row.insert(h.id(), i);
        }
        if fl.set.is_empty() {
            break;
        }
        tokio::select! {
            done = fl.set.join_next_with_id() => {
                if let Some((i, line)) = fl.finished(ctx, done) {
                    fl.checked += usize::from(line.error.as_deref() != Some(INTERRUPTED));
                    progress.row(&line);
                    plan.results[i] = Some(line);
                }
            }
            changed = stop.0.changed(), if fl.watching && fl.level < NOW => {
                if changed.is_err() {
                    fl.watching = false;
                    continue;
                }
                fl.level = *stop.0.borrow_and_update();
                fl.stop_requested(ctx.opts.grace, progress);
            }
            _ = sleep_until(fl.grace_end), if fl.grace_end.is_some() => {
                fl.set.abort_all();
                fl.grace_end = None;
            }
            _ = ticker.tick() => progress.tick(fl.set.len()),
        }
    }
    fl
}

type Joined = Option<std::result::Result<(tokio::task::Id, SummaryRow), tokio::task::JoinError>>;

impl Flight {
    /// The row and line of a task that ended; a task cut or failed gets an error line.
    fn finished(&mut self, ctx: &RowContext<'_>, done: Joined) -> Option<(usize, SummaryRow)> {
        match done? {
            Ok((id, line)) => self.task_row.remove(&id).map(|i| (i, line)),
            Err(e) => {
                let i = self.task_row.remove(&e.id())?;
                let why = if e.is_cancelled() {
                    INTERRUPTED
                } else {
                    "internal error: the check of this site stopped unexpectedly"
                };
                Some((i, ctx.failed(i, why)))
            }
        }
    }

    /// Acts on the stop level just read: stop now cuts every check, a graceful stop starts the
    /// grace period (none at all when it is zero).
    fn stop_requested(&mut self, grace: Duration, progress: &mut dyn Progress) {
        if self.level >= NOW {
            self.set.abort_all();
        } else if self.level == GRACEFUL && self.grace_end.is_none() {
            self.grace_end = Some(tokio::time::Instant::now() + grace);
            progress.stopping(self.set.len(), grace);
            if grace.is_zero() {
                self.set.abort_all();
            }
        }
    }
}

/// The counts of a finished batch.
fn outcome(rows: Vec<SummaryRow>, checked: usize, reused: usize, interrupted: bool) -> Outcome {
    let ready = rows.iter().filter(|r| r.ready).count();
    Outcome {
        checked,
        reused,
        ready,
        not_ready: rows.len() - ready,
        errors: rows.iter().filter(|r| r.is_error()).count(),
        regressed: count_change(&rows, Change::Regressed),
        improved: count_change(&rows, Change::Improved),
        interrupted,
        rows,
    }
}

fn count_change(rows: &[SummaryRow], c: Change) -> usize {
    rows.iter()
        .filter(|r| r.change.as_deref() == Some(c.as_str()))
        .count()
}

/// Fills the row's `change` against the baseline (interrupted rows have none).
fn set_change(
    line: &mut SummaryRow,
    baseline: Option<&Baseline>,
    stem: &str,
    new: Option<&Report>,
) {
    let Some(b) = baseline else { return };
    if line.is_interrupted() {
        return;
    }
    line.change = Some(b.change(&line.id, stem, new).as_str().to_string());
}

async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}

/// The URL shown for a row: the normalised one when the cell was usable.
fn shown_url(row: &Row) -> String {
    row.url
        .as_ref()
        .map(|u| u.to_string())
        .unwrap_or_else(|| row.raw_url.clone())
}

fn carried(input: &Input, row: &Row) -> BTreeMap<String, String> {
    input
        .columns
        .iter()
        .cloned()
        .zip(row.extra.iter().cloned())
        .collect()
}

async fn check_row(
    http: Arc<Http>,
    rules: Arc<RuleSet>,
    config: Arc<Config>,
    job: Job,
) -> SummaryRow {
    // audit_url keeps its own time budget; this bound only guards against a stuck site.
    let limit = config.max_time + config.timeout + Duration::from_secs(10);
    let config = if job.expect.is_empty() {
        config
    } else {
        Arc::new(Config {
            expect: job.expect.clone(),
            ..(*config).clone()
        })
    };
    let res = tokio::time::timeout(
        limit,
        audit_url(&http, &job.raw_url, job.url.clone(), &rules, &config),
    )
    .await;
    let fail = |job: Job, e: String| {
        remove_stale(&job.dir, &job.stem);
        let mut line = SummaryRow::from_error(job.line, &job.id, job.url.as_str(), &e, job.columns);
        set_change(&mut line, job.baseline.as_deref(), &job.stem, None);
        line
    };
    match res {
        Ok(Ok(report)) => {
            // No await from here on: once the site is checked, its files are written whole
            // even when the batch is being stopped.
            let name = format!("{}.json", job.stem);
            if job.format == Format::Both {
                let html = job.dir.join(format!("{}.html", job.stem));
                if let Err(e) = write_html(&html, &report) {
                    return fail(job, format!("cannot write report: {e}"));
                }
            }
            let json = report::to_json(&report);
            if let Err(e) = report::write_atomic(&job.dir.join(&name), json.as_bytes()) {
                return fail(job, format!("cannot write report: {e}"));
            }
            let mut line = SummaryRow::from_report(job.line, &job.id, &name, &report, job.columns);
            set_change(&mut line, job.baseline.as_deref(), &job.stem, Some(&report));
            line
        }
        Ok(Err(e)) => fail(job, e.to_string()),
        Err(_) => {
            let e = format!("the check did not finish within {} s", limit.as_secs());
            fail(job, e)
        }
    }
}

/// A failed row must not leave an older report behind that a reader (or `--resume`) would take
/// for its result.
fn remove_stale(dir: &Path, stem: &str) {
    for ext in ["json", "html"] {
        let _ = std::fs::remove_file(dir.join(format!("{stem}.{ext}")));
    }
}

/// The reviewer's HTML report beside the JSON one.
fn write_html(path: &Path, r: &Report) -> Result<()> {
    report::write_atomic(path, report::to_html(r).as_bytes())
}
