//! CSV batches from the browser: the upload is read with `siteready batch`'s own CSV rules
//! (encodings, URL and id columns, application-value columns, one error per bad row), each good
//! row becomes a queued check, and the batch gets a progress page and the same summary CSV as
//! `siteready batch` writes.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::csrf_ok;
use super::db::{self, BatchLine, NewBatch, NewBatchLine};
use super::layout::{self, error_page, esc, ext_link, state_word};
use super::{submit, App};
use crate::batch::input::{self, InputOptions};
use crate::batch::summary::{self, SummaryRow};
use crate::report::Report;

struct Upload {
    csrf: String,
    name: String,
    bytes: Vec<u8>,
}

async fn read_upload(mut m: Multipart) -> Result<Upload, (StatusCode, String)> {
    let mut up = Upload {
        csrf: String::new(),
        name: String::new(),
        bytes: Vec::new(),
    };
    let too_big = |e: axum::extract::multipart::MultipartError| {
        (
            e.status(),
            format!(
                "The upload could not be read ({}). Files may be at most {} MB.",
                e.body_text(),
                super::MAX_CSV / (1024 * 1024)
            ),
        )
    };
    while let Some(field) = m.next_field().await.map_err(too_big)? {
        match field.name().unwrap_or("") {
            "csrf" => up.csrf = field.text().await.map_err(too_big)?,
            "csv" => {
                up.name = field.file_name().unwrap_or("upload.csv").to_string();
                up.bytes = field.bytes().await.map_err(too_big)?.to_vec();
            }
            _ => {}
        }
    }
    Ok(up)
}

/// `POST /batches` (multipart: `csrf`, `csv`).
pub async fn upload(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    m: Result<Multipart, MultipartRejection>,
) -> Response {
    let m = match m {
        Ok(m) => m,
        Err(e) => return error_page(e.status(), &format!("Upload a CSV file: {}", e.body_text())),
    };
    let up = match read_upload(m).await {
        Ok(u) => u,
        Err((status, msg)) => return error_page(status, &msg),
    };
    if !csrf_ok(&headers, &up.csrf) {
        return error_page(
            StatusCode::FORBIDDEN,
            "The form expired (or came from another site); please upload the file again from the start page.",
        );
    }
    if up.bytes.is_empty() {
        return error_page(StatusCode::BAD_REQUEST, "The file is empty.");
    }
    let parsed = match input::parse(
        std::path::Path::new(&up.name),
        &up.bytes,
        &InputOptions::default(),
    ) {
        Ok(p) => p,
        Err(e) => return error_page(StatusCode::UNPROCESSABLE_ENTITY, &e.to_string()),
    };
    let mut rows = Vec::with_capacity(parsed.rows.len());
    for r in parsed.rows {
        let check = match (&r.error, &r.url) {
            (Some(e), _) => Err(e.clone()),
            (None, None) => Err("no URL".to_string()),
            (None, Some(u)) => submit::new_check(
                &app.queue.http,
                app.allow_private,
                u.as_str(),
                r.expect.clone(),
            )
            .await
            .map_err(|e| e.0),
        };
        rows.push(NewBatchLine {
            line: r.line,
            row_id: r.id,
            raw_url: r.raw_url,
            extra: r.extra,
            check,
        });
    }
    let batch = NewBatch {
        name: up.name,
        encoding: parsed.encoding.to_string(),
        url_column: parsed.url_column,
        columns: parsed.columns,
        rows,
    };
    let max = app.max_queue;
    match app
        .store()
        .call(move |c| db::insert_batch(c, &batch, max))
        .await
    {
        Ok(Ok((id, n))) => {
            for _ in 0..n {
                app.queue.wake.notify_one();
            }
            Redirect::to(&format!("/batches/{id}")).into_response()
        }
        Ok(Err(queued)) => error_page(
            StatusCode::TOO_MANY_REQUESTS,
            &format!(
                "The queue cannot take this batch ({queued} checks are waiting, at most {max}); \
                 try a smaller file or again later."
            ),
        ),
        Err(e) => {
            eprintln!("siteready serve: {e}");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, "Cannot store the batch.")
        }
    }
}

async fn load(app: &App, raw: &str) -> Result<(db::BatchRow, Vec<BatchLine>), Response> {
    let Some(id) = raw.parse::<i64>().ok().filter(|i| *i > 0) else {
        return Err(error_page(StatusCode::NOT_FOUND, "There is no such batch."));
    };
    match app
        .store()
        .call(move |c| Ok(db::batch(c, id)?.map(|b| (b, db::batch_lines(c, id)))))
        .await
    {
        Ok(Some((b, Ok(lines)))) => Ok((b, lines)),
        Ok(None) => Err(error_page(StatusCode::NOT_FOUND, "There is no such batch.")),
        Ok(Some((_, Err(e)))) => Err(store_error(&e.into())),
        Err(e) => Err(store_error(&e)),
    }
}

fn store_error(e: &super::Error) -> Response {
    eprintln!("siteready serve: {e}");
    error_page(StatusCode::INTERNAL_SERVER_ERROR, "Cannot read the batch.")
}

/// `GET /batches/{id}`: progress of every row; reloads itself until every check is finished.
async fn page_handler(app: &App, raw: &str) -> Response {
    let (b, lines) = match load(app, raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let total = lines.len();
    let finished = lines
        .iter()
        .filter(|l| l.check.as_ref().is_none_or(|c| c.state.is_final()))
        .count();
    let ready = lines
        .iter()
        .filter(|l| l.check.as_ref().is_some_and(|c| c.ready == Some(true)))
        .count();
    let mut table = String::from(
        "<table><thead><tr><th>Line</th><th>Id</th><th>URL</th><th>Status</th><th>Verdict</th></tr></thead><tbody>",
    );
    for l in &lines {
        let (status, verdict) = match &l.check {
            Some(c) => (
                format!("<a href=\"/checks/{}\">{}</a>", c.id, state_word(c.state)),
                super::layout::chips(c),
            ),
            None => (
                "<span class=\"chip failed\">error</span>".into(),
                format!(
                    "<span class=\"note\">{}</span>",
                    esc(l.error.as_deref().unwrap_or(""))
                ),
            ),
        };
        table.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"url\">{}</td><td>{status}</td><td>{verdict}</td></tr>",
            l.line,
            esc(&l.row_id),
            ext_link(&l.raw_url),
        ));
    }
    table.push_str("</tbody></table>");
    let body = format!(
        "<h1>Batch #{id}: {name}</h1><div class=\"card\"><p class=\"big\" id=\"batch-progress\">\
         {finished} of {total} rows finished · {ready} ready</p><p class=\"note\">Read as {enc}, \
         URLs from the column “{col}”.</p><p><a href=\"/batches/{id}/summary.csv\" id=\"summary-link\">\
         Download summary.csv</a> (the same columns as <code>siteready batch</code>)</p></div>{table}",
        id = b.id,
        name = esc(&b.name),
        enc = esc(&b.encoding),
        col = esc(&b.url_column),
    );
    let head = (finished < total).then_some("<meta http-equiv=\"refresh\" content=\"3\">\n");
    layout::page(&format!("Batch #{}", b.id), &body, head).into_response()
}

/// `GET /batches/{id}`.
pub async fn page(State(app): State<Arc<App>>, Path(raw): Path<String>) -> Response {
    page_handler(&app, &raw).await
}

/// `GET /batches/{id}/summary.csv`: one line per CSV row, as `siteready batch` writes it;
/// rows still waiting say so in `error`.
pub async fn summary_csv(State(app): State<Arc<App>>, Path(raw): Path<String>) -> Response {
    let (b, lines) = match load(&app, &raw).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let ids: Vec<i64> = lines
        .iter()
        .filter_map(|l| {
            l.check
                .as_ref()
                .filter(|c| c.state == db::State::Done)
                .map(|c| c.id)
        })
        .collect();
    let reports = match app
        .store()
        .call(move |c| {
            ids.iter()
                .map(|id| Ok((*id, db::report(c, *id)?)))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .await
    {
        Ok(r) => r,
        Err(e) => return store_error(&e),
    };
    let columns = b.columns.clone();
    let built = tokio::task::spawn_blocking(move || {
        let reports: BTreeMap<i64, Report> = reports
            .into_iter()
            .filter_map(|(id, r)| Some((id, serde_json::from_str(&r?).ok()?)))
            .collect();
        let rows: Vec<SummaryRow> = lines
            .iter()
            .map(|l| summary_row(l, &columns, &reports))
            .collect();
        summary::to_csv(&columns, &rows)
    })
    .await;
    match built {
        Ok(Ok(bytes)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"batch-{}-summary.csv\"", b.id),
                ),
            ],
            bytes,
        )
            .into_response(),
        _ => error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot build the summary.",
        ),
    }
}

fn summary_row(l: &BatchLine, columns: &[String], reports: &BTreeMap<i64, Report>) -> SummaryRow {
    let cols: BTreeMap<String, String> = columns
        .iter()
        .cloned()
        .zip(l.extra.iter().cloned())
        .collect();
    match &l.check {
        Some(c) => match reports.get(&c.id) {
            Some(r) => {
                SummaryRow::from_report(l.line, &l.row_id, &format!("/checks/{}", c.id), r, cols)
            }
            None => {
                let why = match (c.state, &c.error) {
                    (db::State::Failed, Some(e)) => e.clone(),
                    (s, _) => format!("not finished: {}", s.as_str()),
                };
                SummaryRow::from_error(l.line, &l.row_id, &c.url, &why, cols)
            }
        },
        None => SummaryRow::from_error(
            l.line,
            &l.row_id,
            &l.raw_url,
            l.error.as_deref().unwrap_or("no URL"),
            cols,
        ),
    }
}
