//! The reviewer's pages: `/` (paste a URL, recent checks), `/checks/{id}` (live progress, then
//! the HTML report with links to its JSON, the previous check and the diff), `/checks/{id}/diff`
//! and `/sites/{site}` (every check of one site and what changed between them). All of it works
//! without JavaScript; the live page only gets faster with it.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use super::auth::{csrf_ok, csrf_token, with_cookie};
use super::db::{self, CheckRow, State as CheckState};
use super::layout::{self, chips, error_page, esc, ext_link, page, site_path, state_word};
use super::{api, submit, App};
use crate::diff::{self, Change};
use crate::report::Report;

/// Application values the form offers, with their labels (as in the batch CSV columns).
const EXPECT_FIELDS: [(&str, &str); 6] = [
    ("name", "상호 · Company name"),
    ("reg_no", "사업자등록번호 · Business registration no."),
    (
        "mail_order_no",
        "통신판매업신고번호 · Mail-order registration no.",
    ),
    ("representative", "대표자 · Representative"),
    ("phone", "전화번호 · Phone"),
    ("email", "이메일 · Email"),
];

/// Fields of an `application/x-www-form-urlencoded` body.
pub fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn internal(e: &super::Error) -> Response {
    eprintln!("siteready serve: {e}");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on the server; see its log.",
    )
}

fn when(row: &CheckRow) -> String {
    row.finished_at
        .as_deref()
        .unwrap_or(&row.created_at)
        .replace('T', " ")
        .replace('Z', " UTC")
}

/// The table of checks used on `/` and on batch pages.
pub fn checks_table(rows: &[CheckRow], changes: Option<&[Option<(Change, i64)>]>) -> String {
    if rows.is_empty() {
        return "<p class=\"note\">No checks yet.</p>".into();
    }
    let mut o = String::from(
        "<table class=\"checks\"><thead><tr><th>#</th><th>Site</th><th class=\"when\">When</th>\
         <th>Status</th><th>Verdict</th>",
    );
    if changes.is_some() {
        o.push_str("<th>Change</th>");
    }
    o.push_str("</tr></thead><tbody>\n");
    for (i, r) in rows.iter().enumerate() {
        o.push_str(&format!(
            "<tr data-id=\"{id}\"><td><a href=\"/checks/{id}\">#{id}</a></td>\
             <td class=\"url\">{url}<br><a class=\"note\" href=\"{site}\">{site_name} history</a></td>\
             <td class=\"when\">{when}</td><td>{status}</td><td>{chips}</td>",
            id = r.id,
            url = ext_link(&r.url),
            site = esc(&site_path(&r.site)),
            site_name = esc(&r.site),
            when = esc(&when(r)),
            status = state_word(r.state),
            chips = chips(r),
        ));
        if let Some(ch) = changes {
            match ch.get(i).copied().flatten() {
                Some((c, prev)) => o.push_str(&format!(
                    "<td><a class=\"chip {0}\" href=\"/checks/{1}/diff\" title=\"against #{2}\">{0}</a></td>",
                    c.as_str(),
                    r.id,
                    prev
                )),
                None => o.push_str("<td></td>"),
            }
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody></table>");
    o
}

fn check_form(csrf: &str, values: &[(String, String)], error: Option<&str>) -> String {
    let v = |k: &str| {
        values
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| esc(v))
            .unwrap_or_default()
    };
    let mut fields = String::new();
    for (key, label) in EXPECT_FIELDS {
        fields.push_str(&format!(
            "<label>{label}<input type=\"text\" name=\"{key}\" value=\"{}\" maxlength=\"{}\"></label>",
            v(key),
            submit::MAX_EXPECT_LEN
        ));
    }
    let err = error
        .map(|e| format!("<p class=\"error\" id=\"form-error\">{}</p>", esc(e)))
        .unwrap_or_default();
    format!(
        "<form method=\"post\" action=\"/checks\" class=\"card check\" id=\"check-form\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <div class=\"url\"><input type=\"text\" name=\"url\" id=\"url\" value=\"{}\" \
         placeholder=\"https://shop.example.com\" maxlength=\"{}\" required autofocus \
         aria-label=\"Website URL\"><button type=\"submit\" id=\"submit\">Check</button></div>{err}\
         <details><summary>Application values (optional): checked against the site's business \
         information · 신청 정보 대조</summary><div class=\"grid\">{fields}</div></details></form>",
        esc(csrf),
        v("url"),
        submit::MAX_URL_LEN
    )
}

fn batch_form(csrf: &str) -> String {
    format!(
        "<h2 id=\"batch\">CSV batch</h2><form method=\"post\" action=\"/batches\" \
         enctype=\"multipart/form-data\" class=\"card\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"file\" name=\"csv\" accept=\".csv,.tsv,.txt,text/csv\" required> \
         <button type=\"submit\">Start batch</button><p class=\"note\">The same file as \
         <code>siteready batch</code>: a URL column (url, website, 홈페이지 …), optionally an id \
         column and application values (상호, 사업자등록번호, 통신판매업신고번호 …). At most {} MB.</p></form>",
        esc(csrf),
        super::MAX_CSV / (1024 * 1024)
    )
}

async fn index_page(
    app: &App,
    headers: &HeaderMap,
    values: &[(String, String)],
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let rows = match app.store().call(|c| db::recent(c, 50)).await {
        Ok(r) => r,
        Err(e) => return internal(&e),
    };
    let (csrf, set) = csrf_token(headers);
    let body = format!(
        "<h1>Is this merchant's website ready for review?</h1>{}\
         <h2>Recent checks</h2>{}{}",
        check_form(&csrf, values, error),
        checks_table(&rows, None),
        batch_form(&csrf)
    );
    with_cookie((status, page("Checks", &body, None)).into_response(), set)
}

/// `GET /`.
pub async fn index(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    index_page(&app, &headers, &[], None, StatusCode::OK).await
}

/// `POST /checks`: the form on `/`. Redirects to the new check's page.
pub async fn submit_form(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    let Ok(body): Result<Bytes, ()> = api::read_body(body).await else {
        return error_page(StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.");
    };
    let fields = form_fields(&body);
    let get = |k: &str| {
        fields
            .iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    if !csrf_ok(&headers, &get("csrf")) {
        return index_page(
            &app,
            &headers,
            &fields,
            Some("The form expired (or came from another site); please submit it again."),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    if *app.stopping.borrow() {
        return error_page(StatusCode::SERVICE_UNAVAILABLE, "The server is stopping.");
    }
    let expect: Vec<(String, String)> = EXPECT_FIELDS
        .iter()
        .map(|(k, _)| (k.to_string(), get(k)))
        .collect();
    let new = match submit::new_check(&app.queue.http, app.allow_private, &get("url"), expect).await
    {
        Ok(n) => n,
        Err(r) => {
            return index_page(
                &app,
                &headers,
                &fields,
                Some(&r.0),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    match api::enqueue(&app, vec![new]).await {
        Ok(ids) => {
            Redirect::to(&format!("/checks/{}", ids.first().copied().unwrap_or(0))).into_response()
        }
        Err(r) if r.status() == StatusCode::TOO_MANY_REQUESTS => error_page(
            StatusCode::TOO_MANY_REQUESTS,
            "The queue is full; please try again in a minute.",
        ),
        Err(r) => r,
    }
}

fn parse_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|i| *i > 0)
}

/// `GET /checks/{id}`.
pub async fn check(State(app): State<Arc<App>>, Path(raw): Path<String>) -> Response {
    let Some(id) = parse_id(&raw) else {
        return not_found().await;
    };
    let found = app
        .store()
        .call(move |c| {
            let Some(row) = db::get(c, id)? else {
                return Ok(None);
            };
            let prev = db::previous_done(c, id, &row.site)?;
            let report = if row.state == CheckState::Done {
                db::report(c, id)?
            } else {
                None
            };
            let ahead = if row.state == CheckState::Queued {
                db::ahead_of(c, &row)?
            } else {
                0
            };
            Ok(Some((row, prev, report, ahead)))
        })
        .await;
    let (row, prev, report, ahead) = match found {
        Ok(Some(f)) => f,
        Ok(None) => return not_found().await,
        Err(e) => return internal(&e),
    };
    match row.state {
        CheckState::Done => {
            let parsed = report.and_then(|r| serde_json::from_str::<Report>(&r).ok());
            match parsed {
                Some(r) => report_page(&row, prev, &r),
                None => error_page(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "The stored report cannot be read.",
                ),
            }
        }
        CheckState::Failed => failed_page(&row, prev),
        _ => live_page(&row, app.queue.hub.peek(id), ahead),
    }
}

fn app_nav(row: &CheckRow, prev: Option<i64>, with_json: bool) -> String {
    let mut links = vec![
        "<a href=\"/\">← All checks</a>".to_string(),
        format!(
            "<a href=\"{}\">Every check of {}</a>",
            esc(&site_path(&row.site)),
            esc(&row.site)
        ),
    ];
    if with_json {
        links.push(format!(
            "<a href=\"/api/checks/{}/report\" id=\"json-link\">JSON report</a>",
            row.id
        ));
    }
    if let Some(p) = prev {
        links.push(format!(
            "<a href=\"/checks/{p}\" id=\"previous-link\">Previous check (#{p})</a>"
        ));
        if with_json {
            links.push(format!(
                "<a href=\"/checks/{}/diff\" id=\"diff-link\">What changed since #{p}</a>",
                row.id
            ));
        }
    }
    links.join(" · ")
}

const NAV_STYLE: &str = "<style>nav.siteready-app{font:14px/1.6 system-ui,sans-serif;\
background:#1d2733;color:#fff;padding:.5rem 1rem}nav.siteready-app a{color:#cfe0ff}</style>";

/// The finished check: the HTML report exactly as `--format html` writes it, with the app's
/// links on top.
fn report_page(row: &CheckRow, prev: Option<i64>, r: &Report) -> Response {
    let html = crate::report::to_html(r);
    let nav = format!(
        "<body>\n{NAV_STYLE}<nav class=\"siteready-app\" data-check=\"{}\">Check #{} · {}</nav>\n",
        row.id,
        row.id,
        app_nav(row, prev, true)
    );
    axum::response::Html(html.replacen("<body>", &nav, 1)).into_response()
}

fn failed_page(row: &CheckRow, prev: Option<i64>) -> Response {
    let body = format!(
        "<p>{}</p><h1>Check #{} failed</h1><div class=\"card\"><p>{}</p>\
         <p class=\"error\" id=\"check-error\">{}</p></div>",
        app_nav(row, prev, false),
        row.id,
        ext_link(&row.url),
        esc(row.error.as_deref().unwrap_or("unknown error"))
    );
    page(&format!("Check #{} failed", row.id), &body, None).into_response()
}

fn live_page(row: &CheckRow, live: Option<super::queue::Live>, ahead: i64) -> Response {
    let p = live.map(|l| l.progress).unwrap_or_default();
    let passed = if p.passed.is_empty() {
        "none yet".to_string()
    } else {
        p.passed
            .iter()
            .map(|id| id.replace('_', " "))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let waiting = if row.state == CheckState::Queued {
        format!(
            "<p class=\"note\" id=\"ahead\">Waiting for a worker: {ahead} {} ahead.</p>",
            if ahead == 1 { "check" } else { "checks" }
        )
    } else {
        String::new()
    };
    let body = format!(
        "<p>{nav}</p><h1>Check #{id}</h1><div class=\"card\"><p>{url}</p>\
         <div id=\"live\" data-events=\"/api/checks/{id}/events\">\
         <dl class=\"live\"><dt>Status</dt><dd class=\"big\" id=\"status\">{status}</dd>\
         <dt>Pages read</dt><dd id=\"pages\">{pages}</dd><dt>Pages waiting</dt><dd id=\"queued\">{queued}</dd>\
         <dt>Errors</dt><dd id=\"errors\">{errors}</dd><dt>Last page</dt><dd id=\"last\">{last}</dd>\
         <dt>Passed so far</dt><dd id=\"passed\">{passed}</dd></dl>{waiting}</div>\
         <p class=\"note\">This page follows the check live and shows the report when it is \
         done. Submitted {created}.</p></div>\
         <script src=\"/static/live.js\" defer></script>",
        nav = app_nav(row, None, false),
        id = row.id,
        url = ext_link(&row.url),
        status = esc(row.state.as_str()),
        created = esc(&row.created_at),
        pages = p.pages_fetched,
        queued = p.pages_queued,
        errors = p.errors,
        last = if p.last_url.is_empty() {
            "—".to_string()
        } else {
            esc(&p.last_url)
        },
        passed = esc(&passed),
    );
    // Without JavaScript the page reloads itself until the report is there.
    let head = "<noscript><meta http-equiv=\"refresh\" content=\"3\"></noscript>\n";
    page(&format!("Check #{}", row.id), &body, Some(head)).into_response()
}

/// `GET /checks/{id}/diff`: what changed since the previous finished check of the same site.
pub async fn diff(State(app): State<Arc<App>>, Path(raw): Path<String>) -> Response {
    let Some(id) = parse_id(&raw) else {
        return not_found().await;
    };
    let found = app
        .store()
        .call(move |c| {
            let Some(row) = db::get(c, id)? else {
                return Ok(None);
            };
            let prev = db::previous_done(c, id, &row.site)?;
            let new = db::report(c, id)?;
            let old = match prev {
                Some(p) => db::report(c, p)?,
                None => None,
            };
            Ok(Some((row, prev, new, old)))
        })
        .await;
    let (row, prev, new, old) = match found {
        Ok(Some(f)) => f,
        Ok(None) => return not_found().await,
        Err(e) => return internal(&e),
    };
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str::<Report>(&s).ok());
    let (Some(new), Some(old), Some(prev)) = (parse(new), parse(old), prev) else {
        return error_page(
            StatusCode::NOT_FOUND,
            "There is nothing to compare: this check has no report yet, or it is the first finished check of its site.",
        );
    };
    let d = diff::compare(&old, &new);
    let body = format!(
        "<p>{}</p><h1>Check #{} against #{prev}</h1>{}",
        app_nav(&row, Some(prev), true),
        row.id,
        diff_html(&d)
    );
    page(&format!("Changes of check #{}", row.id), &body, None).into_response()
}

fn diff_html(d: &diff::Diff) -> String {
    let ready = |b: bool| if b { "ready" } else { "not ready" };
    let mut o = format!(
        "<div class=\"card\"><p class=\"big\"><span class=\"chip {0}\" id=\"change\">{0}</span></p>\
         <p>{1} → {2} · score {3} → {4}</p></div>",
        d.change.as_str(),
        ready(d.old_ready),
        ready(d.new_ready),
        d.old_score,
        d.new_score
    );
    o.push_str("<table><thead><tr><th>Check</th><th>Before</th><th>Now</th><th>Evidence gained</th><th>Evidence lost</th></tr></thead><tbody>");
    let st = |s: Option<crate::Status>, score: Option<u32>| match s {
        Some(s) => format!(
            "<span class=\"chip {0}\">{0}</span> {1}",
            s.as_str(),
            score.unwrap_or(0)
        ),
        None => "—".into(),
    };
    let list = |v: &[String]| {
        v.iter()
            .map(|s| format!("<li>{}</li>", esc(s)))
            .collect::<String>()
    };
    for c in &d.checks {
        o.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><ul>{}</ul></td><td><ul>{}</ul></td></tr>",
            esc(&c.id),
            st(c.old_status, c.old_score),
            st(c.new_status, c.new_score),
            list(&c.gained),
            list(&c.lost)
        ));
    }
    o.push_str("</tbody></table>");
    if !d.pages_gone.is_empty() {
        o.push_str("<h2>Pages that answered before and do not now</h2><ul>");
        for p in &d.pages_gone {
            o.push_str(&format!(
                "<li>{} — was {}, now {}{}</li>",
                ext_link(&p.url),
                p.old_status,
                p.new_status,
                p.error
                    .as_deref()
                    .map(|e| format!(" ({})", esc(e)))
                    .unwrap_or_default()
            ));
        }
        o.push_str("</ul>");
    }
    o
}

/// `GET /sites/{site}`: every check of one site, newest first, each finished one judged against
/// the finished one before it (improved / regressed / same).
pub async fn site(
    State(app): State<Arc<App>>,
    Path(site): Path<String>,
    headers: HeaderMap,
) -> Response {
    let key = site.clone();
    let found = app
        .store()
        .call(move |c| {
            let rows = db::by_site(c, &key, 100)?;
            let mut reports = Vec::with_capacity(rows.len());
            for r in &rows {
                reports.push(if r.state == CheckState::Done {
                    db::report(c, r.id)?
                } else {
                    None
                });
            }
            Ok((rows, reports))
        })
        .await;
    let (rows, reports) = match found {
        Ok(f) => f,
        Err(e) => return internal(&e),
    };
    if rows.is_empty() {
        return error_page(StatusCode::NOT_FOUND, "No checks of this site yet.");
    }
    let changes = tokio::task::spawn_blocking(move || {
        let c = judge(&rows, reports);
        (rows, c)
    })
    .await
    .ok();
    let Some((rows, changes)) = changes else {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Cannot compare the reports.",
        );
    };
    let (csrf, set) = csrf_token(&headers);
    let latest = rows.first().map(|r| r.url.clone()).unwrap_or_default();
    let again = format!(
        "<form method=\"post\" action=\"/checks\" class=\"card\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <input type=\"hidden\" name=\"url\" value=\"{}\"><button type=\"submit\">Check {} again</button></form>",
        esc(&csrf),
        esc(&latest),
        esc(&site)
    );
    let body = format!(
        "<h1>Every check of {}</h1>{again}{}",
        esc(&site),
        checks_table(&rows, Some(&changes))
    );
    with_cookie(page(&site, &body, None).into_response(), set)
}

/// For each row (newest first), its change against the next older finished row.
fn judge(rows: &[CheckRow], reports: Vec<Option<String>>) -> Vec<Option<(Change, i64)>> {
    let parsed: Vec<Option<Report>> = reports
        .into_iter()
        .map(|r| r.and_then(|s| serde_json::from_str(&s).ok()))
        .collect();
    let mut out = vec![None; rows.len()];
    for i in 0..rows.len() {
        let Some(new) = parsed[i].as_ref() else {
            continue;
        };
        let older = (i + 1..rows.len()).find(|j| parsed[*j].is_some());
        out[i] = match older {
            Some(j) => parsed[j]
                .as_ref()
                .map(|old| (diff::change_of(Some(old), new), rows[j].id)),
            None => None,
        };
    }
    out
}

/// Any other path.
pub async fn not_found() -> Response {
    layout::error_page(StatusCode::NOT_FOUND, "There is no such page.")
}
