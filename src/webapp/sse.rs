//! `GET /api/checks/{id}/events`: Server-Sent Events of one check. `progress` events carry
//! `{"status", "progress": {pages_fetched, pages_queued, errors, last_url, passed}}` as the crawl
//! goes; one `done` event carries `{"id", "status", "ready", "verdict", "error"}` and ends the
//! stream. A check already finished gets its `done` event at once.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde_json::json;
use tokio::sync::watch;

use super::api::{error, internal, parse_id};
use super::db::{self, CheckRow};
use super::queue::Live;
use super::App;

fn done_event(row: &CheckRow) -> Event {
    Event::default().event("done").data(
        json!({
            "id": row.id,
            "status": row.state.as_str(),
            "ready": row.ready,
            "verdict": row.verdict,
            "error": row.error,
        })
        .to_string(),
    )
}

fn progress_event(live: &Live) -> Event {
    Event::default()
        .event("progress")
        .data(serde_json::to_string(live).unwrap_or_else(|_| "{}".into()))
}

/// Where the stream is.
enum Step {
    /// Send the current snapshot next.
    Snapshot,
    /// Wait for a change.
    Wait,
    /// Read the row and send `done`.
    Final,
    Ended,
}

struct Feed {
    app: Arc<App>,
    id: i64,
    rx: watch::Receiver<Live>,
    stop: watch::Receiver<bool>,
    step: Step,
}

impl Drop for Feed {
    fn drop(&mut self) {
        // `self.rx` is still alive here: it is the one receiver allowed.
        self.app.queue.hub.release(self.id, 1);
    }
}

async fn next(mut f: Feed) -> Option<(Result<Event, Infallible>, Feed)> {
    loop {
        match f.step {
            Step::Ended => return None,
            Step::Snapshot => {
                let live = f.rx.borrow_and_update().clone();
                f.step = if live.status.is_final() {
                    Step::Final
                } else {
                    Step::Wait
                };
                return Some((Ok(progress_event(&live)), f));
            }
            Step::Wait => {
                tokio::select! {
                    changed = f.rx.changed() => {
                        f.step = if changed.is_ok() { Step::Snapshot } else { Step::Final };
                    }
                    _ = f.stop.changed() => {
                        f.step = Step::Ended;
                    }
                }
            }
            Step::Final => {
                f.step = Step::Ended;
                let id = f.id;
                let row = f.app.store().call(move |c| db::get(c, id)).await;
                match row {
                    Ok(Some(r)) if r.state.is_final() => return Some((Ok(done_event(&r)), f)),
                    // Put back in the queue by a shutdown: the page keeps waiting.
                    Ok(Some(r)) => {
                        let live = Live {
                            status: r.state,
                            progress: Default::default(),
                        };
                        return Some((Ok(progress_event(&live)), f));
                    }
                    _ => return None,
                }
            }
        }
    }
}

fn feed(
    app: Arc<App>,
    id: i64,
    rx: watch::Receiver<Live>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let stop = app.stopping.clone();
    stream::unfold(
        Feed {
            app,
            id,
            rx,
            stop,
            step: Step::Snapshot,
        },
        next,
    )
}

/// The handler.
pub async fn events(State(app): State<Arc<App>>, Path(raw): Path<String>) -> Response {
    let id = match parse_id(&raw) {
        Ok(i) => i,
        Err(r) => return r,
    };
    // Subscribe first, then read the row: a check that finishes in between is seen either way.
    let rx = app.queue.hub.subscribe(id);
    let row = match app.store().call(move |c| db::get(c, id)).await {
        Ok(Some(r)) => r,
        Ok(None) => {
            drop(rx);
            app.queue.hub.release(id, 0);
            return error(StatusCode::NOT_FOUND, "no such check");
        }
        Err(e) => return internal(&e),
    };
    let keep = KeepAlive::new().interval(Duration::from_secs(15));
    if row.state.is_final() {
        drop(rx);
        app.queue.hub.release(id, 0);
        let once = stream::iter([Ok::<_, Infallible>(done_event(&row))]);
        return Sse::new(once).keep_alive(keep).into_response();
    }
    Sse::new(feed(app, id, rx)).keep_alive(keep).into_response()
}
