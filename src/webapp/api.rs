//! The JSON API, for scripts: submit a check, read one with its report, list the history of a
//! URL. Every error is `{"error": "…"}` with a 4xx or 5xx status, never an HTML page.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::db::{self, CheckRow, Inserted, NewCheck};
use super::{submit, App};

/// A JSON error response.
pub fn error(status: StatusCode, msg: &str) -> Response {
    (status, Json(json!({ "error": msg }))).into_response()
}

/// A store failure as a 500, logged.
pub fn internal(e: &super::Error) -> Response {
    eprintln!("siteready serve: {e}");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; see the server log",
    )
}

/// The check as the API shows it; `report` is the stored report (schema_version 1) or null.
pub fn check_json(row: &CheckRow, report: Option<Value>) -> Value {
    let prerequisites: serde_json::Map<String, Value> = row
        .chips
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({
        "id": row.id,
        "url": row.url,
        "site": row.site,
        "status": row.state.as_str(),
        "created_at": row.created_at,
        "started_at": row.started_at,
        "finished_at": row.finished_at,
        "expect": row.expect.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
        "ready": row.ready,
        "score": row.score,
        "verdict": row.verdict,
        "prerequisites": prerequisites,
        "batch_id": row.batch_id,
        "report": report,
        "error": row.error,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    url: String,
    #[serde(default)]
    expect: std::collections::BTreeMap<String, String>,
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// Queues checks after the queue-length check; the answer to give when it is full.
pub async fn enqueue(app: &App, checks: Vec<NewCheck>) -> Result<Vec<i64>, Response> {
    let max = app.max_queue;
    match app
        .store()
        .call(move |c| db::insert_checks(c, &checks, max))
        .await
    {
        Ok(Inserted::Ids(ids)) => {
            for _ in &ids {
                app.queue.wake.notify_one();
            }
            Ok(ids)
        }
        Ok(Inserted::QueueFull(n)) => {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!("the queue is full ({n} checks waiting, at most {max}); try again later"),
            );
            r.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from_static("30"));
            Err(r)
        }
        Err(e) => Err(internal(&e)),
    }
}

/// Reads a request body of at most [`super::MAX_BODY`] bytes.
pub async fn read_body(body: Body) -> Result<Bytes, ()> {
    axum::body::to_bytes(body, super::MAX_BODY)
        .await
        .map_err(|_| ())
}

/// `POST /api/checks` with `{"url": …, "expect": {…}}` → 202 `{"id", "status": "queued"}`,
/// answered only once the check is in the database.
pub async fn create(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    if *app.stopping.borrow() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "the server is stopping");
    }
    if !is_json(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the check as JSON with Content-Type: application/json",
        );
    }
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(()) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!("the body is larger than {} bytes", super::MAX_BODY),
            )
        }
    };
    let req: CreateBody = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "the body is not the expected JSON ({{\"url\": …, \"expect\": {{…}}}}): {e}"
                ),
            )
        }
    };
    let new = match submit::new_check(
        &app.queue.http,
        app.allow_private,
        &req.url,
        req.expect.into_iter().collect(),
    )
    .await
    {
        Ok(n) => n,
        Err(r) => return error(StatusCode::UNPROCESSABLE_ENTITY, &r.0),
    };
    match enqueue(&app, vec![new]).await {
        Ok(ids) => {
            let id = ids.first().copied().unwrap_or_default();
            let mut r = (
                StatusCode::ACCEPTED,
                Json(json!({ "id": id, "status": "queued" })),
            )
                .into_response();
            if let Ok(v) = header::HeaderValue::from_str(&format!("/api/checks/{id}")) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Err(r) => r,
    }
}

/// The id of a path, or a 404 JSON error.
pub fn parse_id(raw: &str) -> Result<i64, Response> {
    raw.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "no such check"))
}

/// `GET /api/checks/{id}`.
pub async fn show(State(app): State<Arc<App>>, Path(raw): Path<String>) -> Response {
    let id = match parse_id(&raw) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let found = app
        .store()
        .call(move |c| Ok((db::get(c, id)?, db::report(c, id)?)))
        .await;
    match found {
        Ok((Some(row), report)) => {
            let report = report.and_then(|r| serde_json::from_str::<Value>(&r).ok());
            Json(check_json(&row, report)).into_response()
        }
        Ok((None, _)) => error(StatusCode::NOT_FOUND, "no such check"),
        Err(e) => internal(&e),
    }
}

/// `GET /api/checks/{id}/report`: the report file itself.
pub async fn report(State(app): State<Arc<App>>, Path(raw): Path<String>) -> Response {
    let id = match parse_id(&raw) {
        Ok(i) => i,
        Err(r) => return r,
    };
    match app.store().call(move |c| db::report(c, id)).await {
        Ok(Some(r)) => (
            [
                (header::CONTENT_TYPE, "application/json".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"siteready-check-{id}.json\""),
                ),
            ],
            r,
        )
            .into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no report for this check (yet)"),
        Err(e) => internal(&e),
    }
}

/// Query string of `GET /api/checks`: filter by start URL or site, and how many to list.
#[derive(Deserialize)]
pub struct HistoryQuery {
    url: Option<String>,
    site: Option<String>,
    limit: Option<String>,
}

/// `GET /api/checks?url=…` (or `?site=host`, or nothing for the latest): newest first,
/// without the reports (fetch one with `GET /api/checks/{id}`).
pub async fn history(State(app): State<Arc<App>>, Query(q): Query<HistoryQuery>) -> Response {
    let limit = match q.limit.as_deref().map(str::parse::<usize>) {
        None => 100,
        Some(Ok(n)) => n.clamp(1, 1000),
        Some(Err(_)) => return error(StatusCode::BAD_REQUEST, "limit must be a number"),
    };
    let url = match q.url.as_deref().map(submit::parse_url) {
        Some(Ok(u)) => Some(u.to_string()),
        Some(Err(r)) => return error(StatusCode::BAD_REQUEST, &r.0),
        None => None,
    };
    let site = q.site.clone();
    let rows = app
        .store()
        .call(move |c| match (url, site) {
            (Some(u), _) => db::by_url(c, &u, limit),
            (None, Some(s)) => db::by_site(c, &s, limit),
            (None, None) => db::recent(c, limit),
        })
        .await;
    match rows {
        Ok(rows) => {
            Json(rows.iter().map(|r| check_json(r, None)).collect::<Vec<_>>()).into_response()
        }
        Err(e) => internal(&e),
    }
}
