//! `siteready serve`: the reviewers' web app. A thin layer over the library: HTTP (axum) → a job
//! queue in an embedded SQLite database → workers calling the same audit as `check` → reports
//! stored as the same JSON (schema_version 1) → pages drawn with the same HTML report.
//!
//! - [`db`]: schema, migrations and every query (the one place that knows SQL).
//! - [`queue`]: the workers and the live-progress hub.
//! - [`submit`]: what a submission may contain (URL, application values, private addresses).
//! - [`auth`]: bearer token and cookie, CSRF defences, security headers.
//! - [`api`]: the JSON API; [`sse`]: Server-Sent Events of a running check.
//! - [`pages`], [`batch`], [`layout`]: server-rendered HTML pages.
//! - [`listen`]: the HTTP loop, with its time and connection limits.

// Handlers return `Result<_, Response>` to answer early; a response is built once per request,
// so its size does not matter.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod auth;
pub mod batch;
pub mod db;
pub mod layout;
pub mod listen;
pub mod pages;
pub mod queue;
pub mod sse;
pub mod submit;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::watch;

use crate::crawl::Http;
use crate::rules::RuleSet;
use crate::Config;

/// Largest JSON or form body accepted.
pub const MAX_BODY: usize = 16 * 1024;
/// Largest CSV upload accepted.
pub const MAX_CSV: usize = 2 * 1024 * 1024;

/// Why the server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A setting makes the server unsafe or impossible to start (exit code 2).
    #[error("{0}")]
    Config(String),
    /// The database could not be opened, migrated or queried.
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    /// Reading or writing a file or socket failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The library refused the crawl settings (e.g. the HTTP client could not be built).
    #[error("{0}")]
    Library(#[from] crate::Error),
    /// A background task failed unexpectedly.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Everything `siteready serve` was told.
#[derive(Debug, Clone)]
pub struct Options {
    /// Address and port to listen on (`--listen`).
    pub listen: SocketAddr,
    /// Path of the SQLite database file (`--db`).
    pub db: PathBuf,
    /// Checks run at once.
    pub workers: usize,
    /// Required on every request when set (`--token-file`).
    pub token: Option<String>,
    /// Most checks waiting in the queue; more are refused with 429.
    pub max_queue: usize,
    /// Time running checks get to finish after SIGTERM.
    pub grace: Duration,
    /// Crawl defaults of every check; `allow_private` also governs submissions.
    pub config: Config,
    /// Rules every check is judged by.
    pub rules: RuleSet,
    /// Suppresses the per-check log lines on stderr.
    pub quiet: bool,
}

impl Options {
    /// Refuses settings that would expose the app: anything but loopback needs a token.
    pub fn validate(&self) -> Result<(), Error> {
        if !self.listen.ip().is_loopback() && self.token.is_none() {
            return Err(Error::Config(format!(
                "refusing to listen on {} without --token-file: anyone who can reach this \
                 address could start crawls and read every report. Give --token-file FILE \
                 (a secret of at least 16 characters), or listen on 127.0.0.1",
                self.listen
            )));
        }
        if let Some(t) = &self.token {
            if t.chars().count() < 16 {
                return Err(Error::Config(
                    "the token in --token-file must be at least 16 characters long".into(),
                ));
            }
        }
        if self.workers == 0 {
            return Err(Error::Config("--workers must be at least 1".into()));
        }
        Ok(())
    }
}

/// State shared by every request.
pub struct App {
    /// The job queue, its database and its workers' shared state.
    pub queue: Arc<queue::Queue>,
    /// Secret every request must present (bearer header or session cookie), when set.
    pub token: Option<String>,
    /// Most checks waiting in the queue; submissions beyond it get 429.
    pub max_queue: usize,
    /// Whether submitted URLs may point at private or loopback addresses.
    pub allow_private: bool,
    /// Turns true when the server is stopping (SSE streams end, no new work).
    pub stopping: watch::Receiver<bool>,
}

impl App {
    /// The database behind the queue.
    pub fn store(&self) -> &db::Store {
        &self.queue.store
    }
}

/// The routes.
pub fn router(app: Arc<App>) -> Router {
    let csv = Router::new()
        .route("/batches", post(batch::upload))
        .layer(DefaultBodyLimit::max(MAX_CSV));
    Router::new()
        .route("/", get(pages::index))
        .route("/checks", post(pages::submit_form))
        .route("/checks/{id}", get(pages::check))
        .route("/checks/{id}/diff", get(pages::diff))
        .route("/sites/{site}", get(pages::site))
        .route("/batches/{id}", get(batch::page))
        .route("/batches/{id}/summary.csv", get(batch::summary_csv))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/static/live.js", get(layout::live_js))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/api/checks", post(api::create).get(api::history))
        .route("/api/checks/{id}", get(api::show))
        .route("/api/checks/{id}/report", get(api::report))
        .route("/api/checks/{id}/events", get(sse::events))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .merge(csv)
        .fallback(pages::not_found)
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            auth::guard,
        ))
        .layer(axum::middleware::map_response(auth::security_headers))
        .with_state(app)
}

/// SIGTERM and Ctrl-C, registered up front: a signal that arrives as soon as the server says it
/// is listening is already handled by the server, not by the default action.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn register() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Waits for the next SIGTERM or Ctrl-C.
    async fn next(&mut self) {
        #[cfg(unix)]
        {
            async fn one(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                _ = one(&mut self.term) => {}
                _ = one(&mut self.int) => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// Runs the server until SIGTERM (or Ctrl-C): then it stops taking requests, lets running checks
/// finish within the grace period, and leaves the rest queued for the next start.
pub async fn serve(opts: Options) -> Result<(), Error> {
    opts.validate()?;
    let path = opts.db.clone();
    let (_lock, store) = tokio::task::spawn_blocking(move || {
        let lock = db::exclusive(&path)?;
        Ok::<_, Error>((lock, db::Store::open(&path)?))
    })
    .await
    .map_err(|e| Error::Internal(format!("database task: {e}")))??;
    let (requeued, gave_up) = store.call(db::recover).await?;
    let http = Http::new(&opts.config, Vec::new())?;
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| Error::Config(format!("cannot listen on {}: {e}", opts.listen)))?;
    let addr = listener.local_addr()?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut signals = Signals::register();
    let queue = Arc::new(queue::Queue {
        store,
        hub: Arc::new(queue::Hub::default()),
        wake: tokio::sync::Notify::new(),
        http,
        rules: Arc::new(opts.rules.clone()),
        config: opts.config.clone(),
        grace: opts.grace,
        quiet: opts.quiet,
    });
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..opts.workers {
        workers.spawn(queue::worker(queue.clone(), stop_rx.clone()));
    }
    let app = Arc::new(App {
        queue,
        token: opts.token.clone(),
        max_queue: opts.max_queue,
        allow_private: opts.config.allow_private,
        stopping: stop_rx.clone(),
    });
    eprintln!(
        "siteready serve: listening on http://{addr} (database {}, {} workers{})",
        opts.db.display(),
        opts.workers,
        if opts.token.is_some() {
            ", token required"
        } else {
            ""
        }
    );
    if requeued + gave_up > 0 {
        eprintln!(
            "siteready serve: {requeued} interrupted checks queued again, {gave_up} given up"
        );
    }
    let server = tokio::spawn(listen::run(listener, router(app), stop_rx.clone()));
    signals.next().await;
    eprintln!(
        "siteready serve: stopping: running checks get {}s to finish, the rest stay queued",
        opts.grace.as_secs()
    );
    let _ = stop_tx.send(true);
    // A second signal means now: running checks stay `running` in the database and are queued
    // again at the next start, as after a crash.
    tokio::spawn(async move {
        signals.next().await;
        eprintln!("siteready serve: second signal: stopping now; running checks run again at the next start");
        std::process::exit(130);
    });
    // Workers end within the grace period (a check that overruns goes back to the queue).
    while workers.join_next().await.is_some() {}
    // Open connections (a browser's keep-alive) get a moment, then the process ends anyway.
    let _ = tokio::time::timeout(Duration::from_secs(6), server).await;
    eprintln!("siteready serve: stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(listen: &str, token: Option<&str>) -> Options {
        Options {
            listen: listen.parse().unwrap(),
            db: PathBuf::from("x.db"),
            workers: 2,
            token: token.map(str::to_string),
            max_queue: 10,
            grace: Duration::from_secs(1),
            config: Config::default(),
            rules: RuleSet::embedded().unwrap(),
            quiet: true,
        }
    }

    #[test]
    fn only_loopback_goes_without_a_token() {
        assert!(opts("127.0.0.1:8080", None).validate().is_ok());
        assert!(opts("[::1]:8080", None).validate().is_ok());
        let e = opts("0.0.0.0:8080", None)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("--token-file"), "{e}");
        assert!(opts("192.168.1.5:8080", None).validate().is_err());
        assert!(opts("0.0.0.0:8080", Some("0123456789abcdef"))
            .validate()
            .is_ok());
        assert!(opts("0.0.0.0:8080", Some("short")).validate().is_err());
    }
}
