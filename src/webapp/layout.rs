//! The frame of every app page (head, navigation, styles), the small pieces pages share
//! (verdict chips, status words, links) and the one script, for live progress. Text from sites
//! and users goes through the HTML report's own escaping, [`esc`], and links through its
//! [`safe_href`], so a merchant's page is shown, never run.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};

pub use crate::report::html::{esc, safe_href};

use super::db::{CheckRow, State};

const CSS: &str = "\
:root{--ink:#1d2733;--muted:#5b6776;--line:#d9dee5;--bg:#f6f7f9;--pass:#16794a;--warn:#946200;\
--fail:#b3261e;--inc:#5b6776;--accent:#1f5fbf}\
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',\
'Noto Sans KR','Apple SD Gothic Neo',sans-serif;color:var(--ink);background:var(--bg)}\
header.app{background:#fff;border-bottom:1px solid var(--line);padding:.6rem 1.2rem;display:flex;\
gap:1.2rem;align-items:center;flex-wrap:wrap}header.app a.brand{font-weight:700;color:var(--ink);\
text-decoration:none}header.app nav a{margin-right:1rem}main{max-width:1100px;margin:0 auto;\
padding:1.2rem}a{color:var(--accent)}h1{font-size:1.5rem;margin:.4rem 0 1rem}h2{font-size:1.15rem;\
margin:1.6rem 0 .6rem}.card{background:#fff;border:1px solid var(--line);border-radius:8px;\
padding:1rem 1.2rem;margin:0 0 1rem}form.check{display:grid;gap:.7rem}form.check .url{display:flex;\
gap:.5rem}form.check .url input{flex:1;font-size:1.05rem;padding:.55rem .7rem}input,button{font:inherit}\
input[type=text],input[type=url],input[type=password]{border:1px solid #b9c1cc;border-radius:6px;\
padding:.4rem .6rem}button{background:var(--accent);color:#fff;border:0;border-radius:6px;\
padding:.5rem 1.1rem;cursor:pointer}details summary{cursor:pointer;color:var(--muted)}\
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:.6rem;margin-top:.6rem}\
.grid label{display:grid;font-size:.9rem;color:var(--muted)}table{width:100%;border-collapse:collapse;\
background:#fff;border:1px solid var(--line)}th,td{text-align:left;padding:.45rem .6rem;\
border-bottom:1px solid var(--line);vertical-align:top;font-size:.92rem}th{background:#eef1f5}\
td.url{word-break:break-all;max-width:30rem}.chip{display:inline-block;border-radius:999px;\
padding:0 .55rem;margin:0 .25rem .2rem 0;font-size:.8rem;border:1px solid currentColor;\
white-space:nowrap}.pass{color:var(--pass)}.warn{color:var(--warn)}.fail{color:var(--fail)}\
.inconclusive,.queued,.running{color:var(--inc)}.failed{color:var(--fail)}.done{color:var(--pass)}\
.improved{color:var(--pass)}.regressed{color:var(--fail)}.same,.new{color:var(--muted)}\
.error{color:var(--fail);font-weight:600}.note{color:var(--muted);font-size:.9rem}\
dl.live{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dl.live dt{color:var(--muted)}\
dl.live dd{margin:0;word-break:break-all}.big{font-size:1.3rem;font-weight:700}\
@media (max-width:600px){td.when,th.when{display:none}}";

/// A whole page: title, navigation, body; `head` adds to `<head>` (a refresh for no-script
/// progress).
pub fn page(title: &str, body: &str, head: Option<&str>) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"same-origin\">\n<title>{} — siteready</title>\n\
         <style>{CSS}</style>\n{}</head>\n<body>\n\
         <header class=\"app\"><a class=\"brand\" href=\"/\">siteready</a>\
         <nav><a href=\"/\">Checks</a><a href=\"/#batch\">CSV batch</a></nav></header>\n\
         <main>\n{body}\n</main>\n</body>\n</html>\n",
        esc(title),
        head.unwrap_or("")
    ))
}

/// An error as a page with a way back.
pub fn error_page(status: StatusCode, msg: &str) -> Response {
    let body = format!(
        "<h1>{}</h1><p class=\"error\">{}</p><p><a href=\"/\">Back to the checks</a></p>",
        esc(status.canonical_reason().unwrap_or("Error")),
        esc(msg)
    );
    (status, page("Error", &body, None)).into_response()
}

/// A status word with its colour class.
pub fn state_word(s: State) -> String {
    format!(
        "<span class=\"chip {0}\" data-status=\"{0}\">{0}</span>",
        s.as_str()
    )
}

/// Short labels of the prerequisites, for chips.
pub fn prereq_label(id: &str) -> &str {
    match id {
        "products" => "products",
        "shipping_policy" => "shipping",
        "refund_policy" => "refund",
        "checkout" => "checkout",
        other => other,
    }
}

/// One chip per prerequisite of a finished check (`products pass`, …).
pub fn chips(row: &CheckRow) -> String {
    if row.state != State::Done {
        return match &row.error {
            Some(e) if row.state == State::Failed => {
                format!("<span class=\"note\">{}</span>", esc(&shorten(e, 120)))
            }
            _ => String::new(),
        };
    }
    let mut o = String::new();
    if let Some(v) = &row.verdict {
        let word = if row.ready == Some(true) {
            "ready"
        } else {
            "not ready"
        };
        o.push_str(&format!(
            "<span class=\"chip {} verdict\" title=\"score {}\">{word}</span>",
            esc(v),
            row.score.unwrap_or(0)
        ));
    }
    for (id, status) in &row.chips {
        o.push_str(&format!(
            "<span class=\"chip {}\" title=\"{}: {}\">{} {}</span>",
            esc(status),
            esc(id),
            esc(status),
            esc(prereq_label(id)),
            esc(status)
        ));
    }
    o
}

/// A URL as a link when it is http(s), as text otherwise.
pub fn ext_link(url: &str) -> String {
    match safe_href(url) {
        Some(h) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
            esc(&h),
            esc(url)
        ),
        None => esc(url),
    }
}

/// Characters escaped in a path segment (a site key is `host` or `host:port`).
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// The path of a site's history page.
pub fn site_path(site: &str) -> String {
    format!(
        "/sites/{}",
        percent_encoding::utf8_percent_encode(site, SEGMENT)
    )
}

/// At most `max` characters, with an ellipsis when cut.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max).collect();
    t.push('…');
    t
}

const LIVE_JS: &str = r#"// Live progress of one check, from its Server-Sent Events; the page reloads when it is done.
(function () {
  var box = document.getElementById('live');
  if (!box || !window.EventSource) return;
  var set = function (id, text) { var el = document.getElementById(id); if (el) el.textContent = text; };
  var es = new EventSource(box.getAttribute('data-events'));
  es.addEventListener('progress', function (e) {
    var d = JSON.parse(e.data);
    set('status', d.status);
    set('pages', d.progress.pages_fetched);
    set('queued', d.progress.pages_queued);
    set('errors', d.progress.errors);
    set('last', d.progress.last_url || '—');
    set('passed', d.progress.passed.length
      ? d.progress.passed.map(function (p) { return p.replace(/_/g, ' '); }).join(', ') : 'none yet');
    var ahead = document.getElementById('ahead');
    if (ahead && d.status !== 'queued') ahead.remove();
  });
  es.addEventListener('done', function () { es.close(); window.location.reload(); });
  es.onerror = function () { if (es.readyState === 2) setTimeout(function () { window.location.reload(); }, 3000); };
})();
"#;

/// `GET /static/live.js`.
pub async fn live_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        LIVE_JS,
    )
        .into_response()
}
