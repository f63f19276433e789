//! Progress of a batch on stderr: a live bar on a terminal, plain periodic lines in logs (CI,
//! Kubernetes), nothing when quiet. The runner only reports events; how they are shown is here.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::run::Outcome;
use super::summary::SummaryRow;

/// The bar on screen, if any, so that other stderr writers (log lines) can step around it.
static LIVE_BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Runs `write` (which prints to stderr) with the live progress bar, if any, lifted out of the
/// way and redrawn after, so that the line and the bar do not garble each other.
pub fn above_bar(write: impl FnOnce()) {
    let bar = LIVE_BAR.lock().ok().and_then(|b| b.clone());
    match bar {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

fn set_live_bar(bar: Option<ProgressBar>) {
    if let Ok(mut live) = LIVE_BAR.lock() {
        *live = bar;
    }
}

/// Receives the batch's events.
pub trait Progress: Send {
    /// The batch starts with `total` rows, of which `done` are already settled (bad rows,
    /// reports reused by `--resume`).
    fn start(&mut self, total: usize, done: &[&SummaryRow]);
    /// One more row is done.
    fn row(&mut self, row: &SummaryRow);
    /// A stop was requested; `in_flight` sites get `grace` to finish.
    fn stopping(&mut self, in_flight: usize, grace: Duration);
    /// The summary is written.
    fn finish(&mut self, outcome: &Outcome);
    /// Called about once a second while sites are in flight, so slow batches still show life.
    fn tick(&mut self, _in_flight: usize) {}
}

/// Shows nothing (library use, tests).
pub struct Silent;

impl Progress for Silent {
    fn start(&mut self, _: usize, _: &[&SummaryRow]) {}
    fn row(&mut self, _: &SummaryRow) {}
    fn stopping(&mut self, _: usize, _: Duration) {}
    fn finish(&mut self, _: &Outcome) {}
}

/// How [`Console`] shows progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A redrawn bar (stderr is a terminal).
    Bar,
    /// A line every 10 rows or 5 seconds (logs).
    Lines,
    /// Nothing.
    Quiet,
}

impl Mode {
    /// The bar on a terminal, lines otherwise, nothing when quiet.
    pub fn detect(quiet: bool) -> Mode {
        if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        }
    }
}

/// Progress on stderr.
pub struct Console {
    mode: Mode,
    verbose: bool,
    bar: Option<ProgressBar>,
    total: usize,
    done: usize,
    not_ready: usize,
    errors: usize,
    started: Instant,
    checked: usize,
    last_line: Instant,
    last_done: usize,
}

impl Console {
    /// `verbose` adds one line per finished row (in both visible modes).
    pub fn new(mode: Mode, verbose: bool) -> Self {
        Console {
            mode,
            verbose,
            bar: None,
            total: 0,
            done: 0,
            not_ready: 0,
            errors: 0,
            started: Instant::now(),
            checked: 0,
            last_line: Instant::now(),
            last_done: 0,
        }
    }

    fn count(&mut self, r: &SummaryRow) {
        self.done += 1;
        self.not_ready += usize::from(!r.ready);
        self.errors += usize::from(r.is_error());
    }

    fn msg(&self) -> String {
        format!(
            "{} not ready · {} error{}",
            self.not_ready,
            self.errors,
            if self.errors == 1 { "" } else { "s" }
        )
    }

    fn line(&mut self, in_flight: Option<usize>) {
        let secs = self.started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            self.checked as f64 / secs
        } else {
            0.0
        };
        let left = self.total.saturating_sub(self.done);
        let eta = if rate > 0.0 {
            format!(", ETA {}", fmt_secs(left as f64 / rate))
        } else {
            String::new()
        };
        let flying = match in_flight {
            Some(n) => format!(", {n} in flight"),
            None => String::new(),
        };
        eprintln!(
            "siteready: batch {}/{} ({:.1} sites/s{eta}), {}{flying}",
            self.done,
            self.total,
            rate,
            self.msg()
        );
        self.last_line = Instant::now();
        self.last_done = self.done;
    }
}

fn fmt_secs(s: f64) -> String {
    let s = s.round() as u64;
    if s >= 3600 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

impl Progress for Console {
    fn start(&mut self, total: usize, done: &[&SummaryRow]) {
        self.total = total;
        for r in done {
            self.count(r);
        }
        self.started = Instant::now();
        match self.mode {
            Mode::Bar => {
                let bar =
                    ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
                if let Ok(style) = ProgressStyle::with_template(
                    "{spinner} {wide_bar} {pos}/{len} · {per_sec} · ETA {eta} · {msg}",
                ) {
                    bar.set_style(style.progress_chars("=> "));
                }
                bar.set_position(self.done as u64);
                bar.reset_eta();
                bar.set_message(self.msg());
                bar.enable_steady_tick(Duration::from_millis(200));
                set_live_bar(Some(bar.clone()));
                self.bar = Some(bar);
            }
            Mode::Lines => {
                let settled = if self.done > 0 {
                    format!(
                        " ({} settled already: bad rows or complete reports)",
                        self.done
                    )
                } else {
                    String::new()
                };
                eprintln!(
                    "siteready: batch of {total} row{}, {} to check{settled}",
                    if total == 1 { "" } else { "s" },
                    total - self.done
                );
                self.last_done = self.done;
            }
            Mode::Quiet => {}
        }
    }

    fn row(&mut self, r: &SummaryRow) {
        self.count(r);
        self.checked += 1;
        if self.verbose && self.mode != Mode::Quiet {
            let what = match (&r.error, r.score) {
                (Some(e), _) => format!("error: {e}"),
                (None, Some(s)) if r.ready => format!("ready, score {s}"),
                (None, Some(s)) => format!("not ready ({}), score {s}", r.status),
                (None, None) => r.status.clone(),
            };
            let text = format!("siteready: {} {} — {what}", r.id, r.url);
            match &self.bar {
                Some(b) => b.println(text),
                None => eprintln!("{text}"),
            }
        }
        match self.mode {
            Mode::Bar => {
                if let Some(b) = &self.bar {
                    b.set_position(self.done as u64);
                    b.set_message(self.msg());
                }
            }
            Mode::Lines => {
                if self.done - self.last_done >= 10
                    || self.last_line.elapsed() >= Duration::from_secs(5)
                    || self.done == self.total
                {
                    self.line(None);
                }
            }
            Mode::Quiet => {}
        }
    }

    fn stopping(&mut self, in_flight: usize, grace: Duration) {
        if self.mode == Mode::Quiet {
            return;
        }
        let text = format!(
            "siteready: stopping: no new sites; waiting up to {} for {in_flight} in flight (press Ctrl-C again to stop now)",
            fmt_secs(grace.as_secs_f64())
        );
        match &self.bar {
            Some(b) => b.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn finish(&mut self, _outcome: &Outcome) {
        if let Some(b) = self.bar.take() {
            set_live_bar(None);
            b.finish_and_clear();
        }
    }

    fn tick(&mut self, in_flight: usize) {
        if self.mode == Mode::Lines && self.last_line.elapsed() >= Duration::from_secs(5) {
            self.line(Some(in_flight));
        }
    }
}
