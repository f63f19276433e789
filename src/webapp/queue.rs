//! The job queue: checks wait in the database as `queued`; a fixed number of workers claim the
//! oldest one, run the library's audit with a progress observer, and store the report. The
//! database is the queue, so a server killed at any moment loses nothing: at the next start,
//! checks left `running` are queued again ([`super::db::recover`]).
//!
//! Live progress goes through the [`Hub`]: one `watch` channel per unfinished check, read by the
//! Server-Sent Events of that check. It holds only the latest snapshot, so a slow reader skips
//! snapshots instead of piling them up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use tokio::sync::{watch, Notify};
use url::Url;

use crate::crawl::Http;
use crate::rules::RuleSet;
use crate::{Config, Progress};

use super::db::{self, CheckRow, State, Store};

/// The latest news of one check.
#[derive(Debug, Clone, Serialize)]
pub struct Live {
    /// Where the check stands.
    pub status: State,
    /// Counters of the crawl so far.
    pub progress: Progress,
}

/// Live progress of unfinished checks.
#[derive(Default)]
pub struct Hub {
    map: Mutex<HashMap<i64, watch::Sender<Live>>>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, watch::Sender<Live>>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A receiver of the check's snapshots; call before reading the check's row, so that no
    /// change between the two is missed.
    pub fn subscribe(&self, id: i64) -> watch::Receiver<Live> {
        self.lock()
            .entry(id)
            .or_insert_with(|| {
                watch::channel(Live {
                    status: State::Queued,
                    progress: Progress::default(),
                })
                .0
            })
            .subscribe()
    }

    /// The latest snapshot of a check being watched or run, if any.
    pub fn peek(&self, id: i64) -> Option<Live> {
        self.lock().get(&id).map(|tx| tx.borrow().clone())
    }

    /// Publishes a snapshot (nobody listening is fine).
    pub fn publish(&self, id: i64, live: Live) {
        let mut m = self.lock();
        match m.get(&id) {
            Some(tx) => {
                tx.send_replace(live);
            }
            None if !live.status.is_final() => {
                m.insert(id, watch::channel(live).0);
            }
            None => {}
        }
    }

    /// Publishes the final state and forgets the check: readers see it, then the channel closes.
    pub fn finish(&self, id: i64, status: State) {
        if let Some(tx) = self.lock().remove(&id) {
            let progress = tx.borrow().progress.clone();
            tx.send_replace(Live { status, progress });
        }
    }

    /// Drops the channel of a check nobody runs or watches any more; `held` receivers are the
    /// caller's own, about to go.
    pub fn release(&self, id: i64, held: usize) {
        let mut m = self.lock();
        if m.get(&id).is_some_and(|tx| {
            tx.receiver_count() <= held && !matches!(tx.borrow().status, State::Running)
        }) {
            m.remove(&id);
        }
    }
}

/// What the workers share.
pub struct Queue {
    /// The database, which is also the queue.
    pub store: Store,
    /// Where workers publish live progress for the SSE streams.
    pub hub: Arc<Hub>,
    /// Rung when a check is queued.
    pub wake: Notify,
    /// HTTP client shared by every crawl.
    pub http: Arc<Http>,
    /// Rules every check is judged by.
    pub rules: Arc<RuleSet>,
    /// Crawl defaults of every check (`expect` is set per check).
    pub config: Config,
    /// How long running checks may go on after a graceful stop.
    pub grace: Duration,
    /// Suppresses the per-check log lines on stderr.
    pub quiet: bool,
}

/// Runs one worker until `stop` turns true; the check it holds then gets `grace` to finish,
/// else it goes back to the queue.
pub async fn worker(q: Arc<Queue>, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        match q.store.call(|c| db::claim(c)).await {
            Ok(Some(job)) => run(&q, job, stop.clone()).await,
            Ok(None) => {
                tokio::select! {
                    _ = q.wake.notified() => {}
                    _ = stop.changed() => {}
                    // The notification is a hint; the database is the truth.
                    _ = tokio::time::sleep(Duration::from_secs(2)) => {}
                }
            }
            Err(e) => {
                eprintln!("siteready serve: cannot take a check from the queue: {e}");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// Resolves `grace` after `stop` turns true.
async fn grace_over(mut stop: watch::Receiver<bool>, grace: Duration) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            break;
        }
    }
    tokio::time::sleep(grace).await;
}

async fn run(q: &Arc<Queue>, job: CheckRow, stop: watch::Receiver<bool>) {
    let id = job.id;
    q.hub.publish(
        id,
        Live {
            status: State::Running,
            progress: Progress::default(),
        },
    );
    let start = match Url::parse(&job.url) {
        Ok(u) => u,
        Err(e) => {
            record_failure(q, id, &format!("invalid URL: {e}")).await;
            return;
        }
    };
    let hub = q.hub.clone();
    let observer: crate::Observer = Arc::new(move |p: &Progress| {
        hub.publish(
            id,
            Live {
                status: State::Running,
                progress: p.clone(),
            },
        );
    });
    let config = Config {
        expect: job.expect.clone(),
        ..q.config.clone()
    };
    let (http, rules, url) = (q.http.clone(), q.rules.clone(), job.url.clone());
    // Its own task: a panic in the crawl fails this check, not the worker.
    let mut task = tokio::spawn(async move {
        crate::audit_url_observed(&http, &url, start, &rules, &config, Some(&observer)).await
    });
    let outcome = tokio::select! {
        r = &mut task => Some(r),
        _ = grace_over(stop, q.grace) => None,
    };
    match outcome {
        Some(Ok(Ok(report))) => {
            let json = crate::report::to_json(&report);
            let summary = report.verdict.summary.clone();
            match q
                .store
                .call(move |c| db::finish(c, id, &json, &report))
                .await
            {
                Ok(()) => {
                    q.hub.finish(id, State::Done);
                    if !q.quiet {
                        eprintln!("siteready serve: check {id} done: {} — {summary}", job.url);
                    }
                }
                Err(e) => record_failure(q, id, &format!("cannot store the report: {e}")).await,
            }
        }
        Some(Ok(Err(e))) => record_failure(q, id, &e.to_string()).await,
        Some(Err(e)) => {
            record_failure(q, id, &format!("the check stopped unexpectedly: {e}")).await
        }
        None => {
            task.abort();
            if let Err(e) = q.store.call(move |c| db::requeue(c, id)).await {
                eprintln!("siteready serve: cannot put check {id} back in the queue: {e}");
            }
            q.hub.finish(id, State::Queued);
            if !q.quiet {
                eprintln!("siteready serve: check {id} stopped by shutdown; left queued");
            }
        }
    }
}

async fn record_failure(q: &Arc<Queue>, id: i64, msg: &str) {
    let m = msg.to_string();
    if let Err(e) = q.store.call(move |c| db::fail(c, id, &m)).await {
        eprintln!("siteready serve: cannot record the failure of check {id}: {e}");
    }
    q.hub.finish(id, State::Failed);
    if !q.quiet {
        eprintln!("siteready serve: check {id} failed: {msg}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_channels_come_and_go() {
        let hub = Hub::default();
        let rx = hub.subscribe(1);
        hub.publish(
            1,
            Live {
                status: State::Running,
                progress: Progress {
                    pages_fetched: 3,
                    ..Default::default()
                },
            },
        );
        assert_eq!(rx.borrow().progress.pages_fetched, 3);
        assert_eq!(hub.peek(1).map(|l| l.status), Some(State::Running));
        // Running: kept even when nobody watches.
        hub.release(1, 1);
        assert!(hub.peek(1).is_some());
        hub.finish(1, State::Done);
        assert_eq!(rx.borrow().status, State::Done);
        assert!(hub.peek(1).is_none());
        // A watcher of a queued check leaves: the channel goes with it.
        let rx2 = hub.subscribe(2);
        hub.release(2, 1);
        assert!(hub.peek(2).is_none());
        drop(rx2);
        // Final states of unknown checks are not kept.
        hub.publish(
            3,
            Live {
                status: State::Failed,
                progress: Progress::default(),
            },
        );
        assert!(hub.peek(3).is_none());
    }
}
