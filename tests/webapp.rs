//! `siteready serve` driven over HTTP as a script or a reviewer's browser would: the JSON API,
//! Server-Sent Events, the pages, the CSV batch, the private-address guard, the token, CSRF
//! defences, limits, a burst of checks, SIGTERM, and kill -9 followed by a restart on the same
//! database. Every server and shop runs on 127.0.0.1 with an ephemeral port.

mod webapp_support;

use std::time::{Duration, Instant};

use scraper::{Html, Selector};
use serde_json::{json, Value};
use webapp_support::{client, get_json, json_of, serve_site, site, start, submit, wait_final};

const READY_SHOP: &str = "kr-cafe24-complete";

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

fn schema_validator() -> jsonschema::Validator {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/report.schema.json");
    let s = std::fs::read_to_string(path).expect("schema file");
    let v: Value = serde_json::from_str(&s).expect("schema JSON");
    jsonschema::validator_for(&v).expect("schema compiles")
}

/// Reads the Server-Sent Events of a check until `done`; returns (progress events, done data).
async fn follow_events(c: &reqwest::Client, url: &str) -> (usize, Value) {
    let mut r = c.get(url).send().await.expect("GET events");
    assert_eq!(r.status(), 200);
    assert!(r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/event-stream")));
    let mut buf = String::new();
    let mut progress = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        let chunk = tokio::time::timeout(Duration::from_secs(30), r.chunk())
            .await
            .expect("an event within 30 s")
            .expect("stream");
        let Some(chunk) = chunk else { break };
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let ev: String = buf.drain(..end + 2).collect();
            let name = ev.lines().find_map(|l| l.strip_prefix("event: "));
            let data = ev.lines().find_map(|l| l.strip_prefix("data: "));
            match (name, data) {
                (Some("progress"), Some(_)) => progress += 1,
                (Some("done"), Some(d)) => return (progress, serde_json::from_str(d).unwrap()),
                _ => {}
            }
        }
    }
    panic!("no done event; got {buf}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_check_events_history_and_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    let s = start(&db, &["--allow-private", "--rate", "0"]);
    let (_shop, shop_url) = serve_site(&site(READY_SHOP)).await;
    let c = client();

    let t0 = Instant::now();
    let r = c
        .post(s.url("/api/checks"))
        .header("content-type", "application/json")
        .body(json!({ "url": shop_url, "expect": { "name": "테스트 상점" } }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/api/checks/1")
    );
    let body: Value = json_of(r).await;
    assert_eq!(body, json!({ "id": 1, "status": "queued" }));
    // Written before the 202: another connection to the file already sees the row.
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let url: String = conn
            .query_row("SELECT url FROM checks WHERE id = 1", [], |r| r.get(0))
            .expect("the check is in the database");
        assert_eq!(url, shop_url);
    }
    let (progress, done) = follow_events(&c, &s.url("/api/checks/1/events")).await;
    eprintln!("submit → verdict: {:?}", t0.elapsed());
    assert_eq!(done["status"], "done", "{done}");
    assert_eq!(done["ready"], true);
    assert!(progress >= 1, "at least one progress event");

    let (code, v) = get_json(&c, &s.url("/api/checks/1")).await;
    assert_eq!(code, 200);
    for k in ["id", "url", "status", "created_at", "report", "error"] {
        assert!(v.get(k).is_some(), "{k} in {v}");
    }
    assert_eq!(v["status"], "done");
    assert_eq!(v["error"], Value::Null);
    assert_eq!(v["expect"]["name"], "테스트 상점");
    let report = &v["report"];
    assert_eq!(report["schema_version"], 1);
    let problems: Vec<String> = schema_validator()
        .iter_errors(report)
        .map(|e| e.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:?}");

    // A second check of the same site: history, previous link, diff, site page.
    let id2 = submit(&c, &s, &shop_url).await;
    wait_final(&c, &s, id2, Duration::from_secs(60)).await;
    let (_, hist) = get_json(&c, &s.url(&format!("/api/checks?url={shop_url}"))).await;
    let ids: Vec<i64> = hist
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![id2, 1], "newest first");
    assert_eq!(hist[0]["report"], Value::Null, "history leaves reports out");

    let page = c
        .get(s.url(&format!("/checks/{id2}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let doc = Html::parse_document(&html);
    let verdict = doc
        .select(&sel("#verdict"))
        .next()
        .expect("the report's verdict");
    assert_eq!(verdict.value().attr("data-ready"), Some("true"));
    let href = |id: &str| {
        doc.select(&sel(&format!("a#{id}")))
            .next()
            .and_then(|a| a.value().attr("href").map(str::to_string))
    };
    assert_eq!(href("previous-link").as_deref(), Some("/checks/1"));
    assert_eq!(href("json-link"), Some(format!("/api/checks/{id2}/report")));
    let diff = c
        .get(s.url(&href("diff-link").expect("diff link")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(diff.contains("id=\"change\">same<"), "{diff}");
    let json_report: Value = json_of(
        c.get(s.url(&format!("/api/checks/{id2}/report")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(json_report["schema_version"], 1);

    let site_key = shop_url.trim_start_matches("http://").trim_end_matches('/');
    let sp = c
        .get(s.url(&format!("/sites/{site_key}")))
        .send()
        .await
        .unwrap();
    assert_eq!(sp.status(), 200);
    let sp = sp.text().await.unwrap();
    assert!(sp.contains(&format!("href=\"/checks/{id2}/diff\"")) && sp.contains(">same<"));

    let index = c
        .get(s.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let doc = Html::parse_document(&index);
    assert!(doc
        .select(&sel("form#check-form input[name=url]"))
        .next()
        .is_some());
    assert!(doc
        .select(&sel("form#check-form input[name=reg_no]"))
        .next()
        .is_some());
    let row = doc
        .select(&sel("tr[data-id=\"1\"]"))
        .next()
        .expect("recent check listed");
    let text: String = row.text().collect();
    assert!(
        text.contains("ready") && text.contains("products pass"),
        "{text}"
    );
    // A finished check's events: one `done` at once.
    let (p, d) = follow_events(&c, &s.url("/api/checks/1/events")).await;
    assert_eq!((p, d["status"].as_str()), (0, Some("done")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_json_4xx() {
    let tmp = tempfile::tempdir().unwrap();
    // No --allow-private: the default.
    let s = start(&tmp.path().join("app.db"), &[]);
    let (_shop, shop_url) = serve_site(&site(READY_SHOP)).await;
    let c = client();
    let post = |body: String, ctype: &'static str| {
        let c = c.clone();
        let url = s.url("/api/checks");
        async move {
            let r = c
                .post(url)
                .header("content-type", ctype)
                .body(body)
                .send()
                .await
                .unwrap();
            let code = r.status().as_u16();
            let v: Value = json_of(r).await;
            (code, v["error"].as_str().unwrap_or("").to_string())
        }
    };
    let j = "application/json";
    let cases: Vec<(String, &str, u16, &str)> = vec![
        (
            json!({ "url": shop_url }).to_string(),
            j,
            422,
            "private or reserved",
        ),
        (
            json!({ "url": "http://localhost:9/" }).to_string(),
            j,
            422,
            "private or reserved",
        ),
        (
            json!({ "url": "http://10.1.2.3/" }).to_string(),
            j,
            422,
            "private or reserved",
        ),
        (
            json!({ "url": "ftp://shop.example/" }).to_string(),
            j,
            422,
            "not an http(s) URL",
        ),
        (
            json!({ "url": "https://u:p@shop.example/" }).to_string(),
            j,
            422,
            "credentials",
        ),
        (
            json!({ "url": "/etc/passwd" }).to_string(),
            j,
            422,
            "not an http(s) URL",
        ),
        (
            json!({ "url": format!("https://shop.example/{}", "a".repeat(3000)) }).to_string(),
            j,
            422,
            "longer than 2048",
        ),
        (
            json!({ "url": "https://shop.example/", "expect": { "colour": "red" } }).to_string(),
            j,
            422,
            "unknown key",
        ),
        (
            json!({ "link": "https://shop.example/" }).to_string(),
            j,
            400,
            "not the expected JSON",
        ),
        (
            "url=https://shop.example/".to_string(),
            j,
            400,
            "not the expected JSON",
        ),
        (
            json!({ "url": "https://shop.example/" }).to_string(),
            "text/plain",
            415,
            "Content-Type",
        ),
        ("x".repeat(20_000), j, 413, "larger than"),
    ];
    for (body, ctype, code, words) in cases {
        let (got, msg) = post(body, ctype).await;
        assert_eq!(got, code, "{msg}");
        assert!(msg.contains(words), "{msg:?} should say {words:?}");
    }
    // A browser form from another site is refused.
    let r = c
        .post(s.url("/api/checks"))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/json")
        .body(json!({ "url": "https://shop.example/" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A name other than the address (DNS rebinding) is refused without a token.
    let r = c
        .get(s.url("/api/checks"))
        .header("host", "rebind.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 421);
    assert!(json_of(r).await["error"]
        .as_str()
        .unwrap()
        .contains("localhost"));
    // Unknown ids.
    assert_eq!(get_json(&c, &s.url("/api/checks/999")).await.0, 404);
    assert_eq!(get_json(&c, &s.url("/api/checks/abc")).await.0, 404);
    assert_eq!(get_json(&c, &s.url("/api/checks/999/events")).await.0, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_429() {
    // A site that accepts connections and never answers keeps the one worker busy.
    let hang = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hang_url = format!("http://{}/", hang.local_addr().unwrap());
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = hang.accept().await {
            held.push(s);
        }
    });
    let tmp = tempfile::tempdir().unwrap();
    let mut s = start(
        &tmp.path().join("app.db"),
        &[
            "--allow-private",
            "--workers",
            "1",
            "--max-queue",
            "2",
            "--grace",
            "0",
        ],
    );
    let c = client();
    let first = submit(&c, &s, &hang_url).await;
    // Wait until the worker holds it, so the queue is empty again.
    let t = Instant::now();
    while get_json(&c, &s.url(&format!("/api/checks/{first}")))
        .await
        .1["status"]
        != "running"
    {
        assert!(t.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    submit(&c, &s, &hang_url).await;
    let third = submit(&c, &s, &hang_url).await;
    // Its page says how many wait before it.
    let page = c
        .get(s.url(&format!("/checks/{third}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("1 check ahead"), "{page}");
    let r = c
        .post(s.url("/api/checks"))
        .header("content-type", "application/json")
        .body(json!({ "url": hang_url }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let v: Value = json_of(r).await;
    assert!(
        v["error"].as_str().unwrap().contains("queue is full"),
        "{v}"
    );
    // SIGTERM with no grace: the running check goes back to the queue, nothing is lost.
    let status = s.term(Duration::from_secs(15)).await;
    assert!(status.success(), "{status:?}");
    let conn = rusqlite::Connection::open(&s.db).unwrap();
    let queued: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM checks WHERE status = 'queued'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(queued, 3);
    holder.abort();
}

#[test]
fn listening_beyond_loopback_needs_a_token() {
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(webapp_support::bin())
        .args(["serve", "--listen", "0.0.0.0:0", "--db"])
        .arg(tmp.path().join("app.db"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("without --token-file"), "{err}");
    // A token that is too short is refused too.
    let tok = tmp.path().join("token");
    std::fs::write(&tok, "short\n").unwrap();
    let out = std::process::Command::new(webapp_support::bin())
        .args(["serve", "--listen", "0.0.0.0:0", "--token-file"])
        .arg(&tok)
        .arg("--db")
        .arg(tmp.path().join("app.db"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 16"));
}

/// The CSRF cookie and token of a page's form.
async fn form_token(c: &reqwest::Client, url: &str, cookie: &str) -> (String, String) {
    let r = c.get(url).header("cookie", cookie).send().await.unwrap();
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("siteready_csrf="))
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .expect("a CSRF cookie");
    let html = r.text().await.unwrap();
    let doc = Html::parse_document(&html);
    let token = doc
        .select(&sel("input[name=csrf]"))
        .next()
        .and_then(|i| i.value().attr("value").map(str::to_string))
        .expect("a csrf field");
    (set, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_cookie_and_csrf() {
    let tmp = tempfile::tempdir().unwrap();
    let tok = tmp.path().join("token");
    let secret = "0123456789abcdef-secret";
    std::fs::write(&tok, format!("{secret}\n")).unwrap();
    let s = start(
        &tmp.path().join("app.db"),
        &["--token-file", tok.to_str().unwrap()],
    );
    let c = client();
    // The API without the token: 401 JSON.
    let r = c.get(s.url("/api/checks")).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    assert!(json_of(r).await["error"].is_string());
    let r = c
        .get(s.url("/api/checks"))
        .bearer_auth("wrong-token-wrong-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .get(s.url("/api/checks"))
        .bearer_auth(secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Pages without it go to the login form.
    let r = c.get(s.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login");
    // A page with the header once sets the session cookie.
    let r = c.get(s.url("/")).bearer_auth(secret).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let session = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("siteready_session="))
        .expect("a session cookie")
        .to_string();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"));
    assert!(
        !session.contains(secret),
        "the cookie is not the token itself"
    );
    let session = session.split(';').next().unwrap().to_string();
    assert_eq!(
        c.get(s.url("/"))
            .header("cookie", &session)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // The login form works too, and refuses a wrong token.
    let (csrf_cookie, csrf) = form_token(&c, &s.url("/login"), "").await;
    let r = c
        .post(s.url("/login"))
        .header("cookie", &csrf_cookie)
        .form(&[("csrf", csrf.as_str()), ("token", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = c
        .post(s.url("/login"))
        .header("cookie", &csrf_cookie)
        .form(&[("csrf", csrf.as_str()), ("token", secret)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("siteready_session="));

    // CSRF: the form needs the token that matches the browser's cookie.
    let (csrf_cookie, csrf) = form_token(&c, &s.url("/"), &session).await;
    let cookies = format!("{session}; {csrf_cookie}");
    let form = |token: &str| {
        vec![
            ("csrf".to_string(), token.to_string()),
            ("url".to_string(), "https://shop.invalid/".to_string()),
        ]
    };
    let r = c
        .post(s.url("/checks"))
        .header("cookie", &cookies)
        .form(&form("forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .post(s.url("/checks"))
        .header("cookie", &session)
        .form(&form(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "a token without its cookie is refused");
    let r = c
        .post(s.url("/checks"))
        .header("cookie", &cookies)
        .header("origin", "http://evil.example")
        .form(&form(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403, "another origin is refused");
    let r = c
        .post(s.url("/checks"))
        .header("cookie", &cookies)
        .header("origin", s.base.clone())
        .header("sec-fetch-site", "same-origin")
        .form(&form(&csrf))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/checks/"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_markup_stays_text_on_the_report_page() {
    let tmp = tempfile::tempdir().unwrap();
    let s = start(
        &tmp.path().join("app.db"),
        &["--allow-private", "--rate", "0", "--exhaustive"],
    );
    let hostile =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hostile/xss-shop");
    let (_shop, url) = serve_site(&hostile).await;
    let c = client();
    let id = submit(&c, &s, &url).await;
    let v = wait_final(&c, &s, id, Duration::from_secs(60)).await;
    assert_eq!(v["status"], "done", "{v}");
    let problems: Vec<String> = schema_validator()
        .iter_errors(&v["report"])
        .map(|e| e.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
    let r = c.get(s.url(&format!("/checks/{id}"))).send().await.unwrap();
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("default-src 'none'"));
    let html = r.text().await.unwrap();
    assert!(html.contains("onerror=alert"), "the hostile data is shown");
    assert_inert(&html);
    for page in [
        "/",
        &format!(
            "/sites/{}",
            url.trim_start_matches("http://").trim_end_matches('/')
        ),
    ] {
        let html = c
            .get(s.url(page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_inert(&html);
    }
}

/// No element, attribute or URL from the site became live markup.
fn assert_inert(html: &str) {
    let doc = Html::parse_document(html);
    for node in doc.tree.nodes() {
        if let Some(el) = node.value().as_element() {
            assert!(
                !matches!(
                    el.name(),
                    "img" | "iframe" | "object" | "embed" | "svg" | "textarea" | "base"
                ),
                "a <{}> element came from the site",
                el.name()
            );
            for (attr, value) in el.attrs() {
                assert!(
                    !attr.to_ascii_lowercase().starts_with("on"),
                    "event handler {attr}={value:?}"
                );
                let v = value.trim().to_ascii_lowercase();
                assert!(
                    !v.starts_with("javascript:"),
                    "script URL in {attr}={value:?}"
                );
            }
        }
    }
    for s in doc.select(&sel("script")) {
        assert_eq!(
            s.value().attr("src"),
            Some("/static/live.js"),
            "only the app's own script"
        );
        assert_eq!(s.text().collect::<String>(), "");
    }
    assert_eq!(doc.select(&sel("title")).count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_twelve_checks_all_finish() {
    let tmp = tempfile::tempdir().unwrap();
    let s = start(
        &tmp.path().join("app.db"),
        &["--allow-private", "--rate", "0", "--workers", "2", "-q"],
    );
    let shops = [
        "kr-cafe24-complete",
        "en-shopify-complete",
        "kr-missing-refund",
    ];
    let mut served = Vec::new();
    for name in shops {
        served.push(serve_site(&site(name)).await);
    }
    let c = client();
    let t0 = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..12 {
        let url = served[i % served.len()].1.clone();
        let (c, u) = (c.clone(), s.url("/api/checks"));
        tasks.spawn(async move {
            let r = c
                .post(u)
                .header("content-type", "application/json")
                .body(json!({ "url": url }).to_string())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 202);
            json_of(r).await["id"].as_i64().unwrap()
        });
    }
    let mut ids = Vec::new();
    while let Some(id) = tasks.join_next().await {
        ids.push(id.unwrap());
    }
    ids.sort();
    assert_eq!(ids, (1..=12).collect::<Vec<i64>>());
    for id in &ids {
        let v = wait_final(&c, &s, *id, Duration::from_secs(120)).await;
        assert_eq!(v["status"], "done", "{v}");
    }
    eprintln!(
        "burst of 12: {:?}; peak RSS {} KiB",
        t0.elapsed(),
        s.peak_rss_kib().unwrap_or(0)
    );
    let (_, hist) = get_json(&c, &s.url("/api/checks?limit=50")).await;
    assert_eq!(hist.as_array().unwrap().len(), 12);
    assert!(hist
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["status"] == "done"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_check_then_restart_finishes_every_check() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    let (_shop, url) = serve_site(&site(READY_SHOP)).await;
    let c = client();
    // Slow crawls (2 requests a second) so that the kill lands mid-check.
    let mut s = start(&db, &["--allow-private", "--rate", "2", "--workers", "2"]);
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(submit(&c, &s, &url).await);
    }
    let t = Instant::now();
    loop {
        let (_, v) = get_json(&c, &s.url(&format!("/api/checks/{}", ids[0]))).await;
        if v["status"] == "running" {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(20), "{v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(700)).await;
    s.kill9();
    let running: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT COUNT(*) FROM checks WHERE status = 'running'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(running >= 1, "the kill landed mid-check");

    let s = start(&db, &["--allow-private", "--rate", "0", "--workers", "2"]);
    assert!(
        s.log().contains("queued again") || {
            tokio::time::sleep(Duration::from_millis(200)).await;
            s.log().contains("queued again")
        }
    );
    for id in &ids {
        let v = wait_final(&c, &s, *id, Duration::from_secs(60)).await;
        assert_eq!(v["status"], "done", "{v}");
        assert_eq!(v["report"]["schema_version"], 1);
    }
    let (_, hist) = get_json(&c, &s.url(&format!("/api/checks?url={url}"))).await;
    assert_eq!(hist.as_array().unwrap().len(), 4, "history intact");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_the_running_check_finish_and_keeps_the_rest_queued() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    let (_shop, url) = serve_site(&site(READY_SHOP)).await;
    let c = client();
    let mut s = start(
        &db,
        &[
            "--allow-private",
            "--rate",
            "4",
            "--workers",
            "1",
            "--grace",
            "30",
        ],
    );
    let ids = [
        submit(&c, &s, &url).await,
        submit(&c, &s, &url).await,
        submit(&c, &s, &url).await,
    ];
    let t = Instant::now();
    while get_json(&c, &s.url(&format!("/api/checks/{}", ids[0])))
        .await
        .1["status"]
        != "running"
    {
        assert!(t.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = s.term(Duration::from_secs(40)).await;
    assert!(status.success(), "{status:?}\n{}", s.log());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let states: Vec<String> = ids
        .iter()
        .map(|id| {
            conn.query_row("SELECT status FROM checks WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
        })
        .collect();
    assert_eq!(states, ["done", "queued", "queued"], "{}", s.log());
    // New work is refused while stopping: the port is closed now.
    assert!(c.get(s.url("/")).send().await.is_err());
}

fn multipart(boundary: &str, csrf: &str, csv: &str) -> String {
    format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"csv\"; filename=\"merchants.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_batch_upload_progress_and_summary() {
    let tmp = tempfile::tempdir().unwrap();
    let s = start(
        &tmp.path().join("app.db"),
        &["--allow-private", "--rate", "0"],
    );
    let (_a, a) = serve_site(&site(READY_SHOP)).await;
    let (_b, b) = serve_site(&site("kr-missing-refund")).await;
    let c = client();
    let (cookie, csrf) = form_token(&c, &s.url("/"), "").await;
    let csv = format!("id,홈페이지,상호\nm1,{a},가게\nm2,{b},=cmd\nm3,,없음\nm4,ftp://x/,x\n");
    let boundary = "siteready-test-boundary";
    let send = |csrf: String| {
        let c = c.clone();
        let (u, cookie, body) = (
            s.url("/batches"),
            cookie.clone(),
            multipart(boundary, &csrf, &csv),
        );
        async move {
            c.post(u)
                .header("cookie", cookie)
                .header(
                    "content-type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body)
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(send("forged".into()).await.status(), 403);
    let r = send(csrf.clone()).await;
    assert_eq!(r.status(), 303);
    let page = r.headers()["location"].to_str().unwrap().to_string();
    let t = Instant::now();
    loop {
        let html = c
            .get(s.url(&page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if html.contains("4 of 4 rows finished") {
            assert!(html.contains("1 ready"), "{html}");
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "{html}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = c
        .get(s.url(&format!("{page}/summary.csv")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = r.text().await.unwrap();
    let mut rdr = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let col = |n: &str| {
        header
            .iter()
            .position(|h| h == n)
            .unwrap_or_else(|| panic!("{n} in {header:?}"))
    };
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][col("id")], "m1");
    assert_eq!(&rows[0][col("ready")], "true");
    assert_eq!(&rows[1][col("ready")], "false");
    assert_eq!(&rows[1][col("상호")], "'=cmd", "formula cells neutralised");
    assert_eq!(&rows[2][col("status")], "error");
    assert_eq!(&rows[3][col("status")], "error");
    // A file that is too large: a clear 413.
    let big = "url\n".to_string() + &"https://shop.example/\n".repeat(120_000);
    let r = c
        .post(s.url("/batches"))
        .header("cookie", cookie.clone())
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(multipart(boundary, &csrf, &big))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_server_per_database() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    let mut s = start(&db, &[]);
    let out = std::process::Command::new(webapp_support::bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another siteready serve"), "{err}");
    // The first server is unharmed.
    assert_eq!(get_json(&client(), &s.url("/api/checks")).await.0, 200);
    assert!(s.term(Duration::from_secs(15)).await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_stops_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("app.db");
    let (_shop, url) = serve_site(&site(READY_SHOP)).await;
    let c = client();
    let mut s = start(&db, &["--allow-private", "--rate", "1", "--grace", "60"]);
    let id = submit(&c, &s, &url).await;
    let t = Instant::now();
    while get_json(&c, &s.url(&format!("/api/checks/{id}"))).await.1["status"] != "running" {
        assert!(t.elapsed() < Duration::from_secs(20));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // SAFETY: kill(2) on our own child.
    unsafe {
        libc::kill(s.pid() as i32, libc::SIGTERM);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let t = Instant::now();
    let status = s.term(Duration::from_secs(10)).await;
    assert!(t.elapsed() < Duration::from_secs(5), "stopped at once");
    assert_eq!(status.code(), Some(130), "{}", s.log());
    // The interrupted check is picked up by the next start.
    let s = start(&db, &["--allow-private", "--rate", "0"]);
    let v = wait_final(&c, &s, id, Duration::from_secs(60)).await;
    assert_eq!(v["status"], "done", "{v}");
}
