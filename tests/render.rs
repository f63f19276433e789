//! JavaScript-built shops: rendering in headless Chromium, the checkout probe, blocked requests,
//! screenshots and the fallbacks when Chromium is missing. Everything is served on 127.0.0.1;
//! tests that need Chromium say so and return early when it is not installed.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use siteready::config::RenderMode;
use siteready::report::{Report, Status};
use siteready::rules::RuleSet;
use siteready::rules::PREREQUISITES as PREREQ_IDS;
use siteready::Config;

fn config(render: RenderMode) -> Config {
    Config {
        render,
        ..siteready::fixtures::config()
    }
}

/// False (and a note on stderr) when Chromium is not installed here.
/// Whether Chromium is here. Locally a missing browser skips the test with a message; with
/// `SITEREADY_REQUIRE_CHROMIUM=1` (set by CI) it is a failure: a test that passes because its
/// tool is missing proves nothing.
fn have_chromium() -> bool {
    let ok = siteready::render::chromium_available(&Config::default());
    if !ok {
        assert!(
            std::env::var("SITEREADY_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "Chromium not found ($CHROME or /usr/bin/chromium) and SITEREADY_REQUIRE_CHROMIUM=1"
        );
        eprintln!("skipped: Chromium not found ($CHROME or /usr/bin/chromium)");
    }
    ok
}

async fn check(dir: &str, config: &Config) -> Report {
    let rules = RuleSet::embedded().expect("embedded rules");
    siteready::audit(dir, &rules, config)
        .await
        .expect("a report")
}

fn status(r: &Report, id: &str) -> Status {
    r.checks
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.status)
        .expect("check present")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spa_shop_without_rendering_is_not_ready_and_says_why() {
    let r = check("fixtures/sites/spa-shop", &config(RenderMode::Never)).await;
    assert!(!r.verdict.ready);
    for id in PREREQ_IDS {
        assert_eq!(status(&r, id), Status::Inconclusive, "{id}");
    }
    let products = r.checks.iter().find(|c| c.id == "products").unwrap();
    assert!(
        products
            .evidence
            .iter()
            .any(|e| e.rule == "access.js_shell"),
        "{:?}",
        products.evidence
    );
    assert!(r.crawl.pages.iter().all(|p| !p.rendered));
    assert_eq!(r.settings.render, "never");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spa_shop_rendered_passes_and_the_click_names_the_payment_call() {
    if !have_chromium() {
        return;
    }
    let r = check("fixtures/sites/spa-shop", &config(RenderMode::Auto)).await;
    for id in PREREQ_IDS {
        assert_eq!(status(&r, id), Status::Pass, "{id}: {:#?}", r.checks);
    }
    assert!(r.verdict.ready);
    // Which pages were rendered is in the report.
    let home = &r.crawl.pages[0];
    assert!(home.rendered && home.render_ms.is_some(), "{home:?}");
    // The checkout evidence names the call the click on 결제하기 made, with the dummy buyer.
    let checkout = r.checks.iter().find(|c| c.id == "checkout").unwrap();
    let probe = checkout
        .evidence
        .iter()
        .find(|e| e.rule == "checkout.probe.pg_call")
        .unwrap_or_else(|| panic!("no probe evidence: {:#?}", checkout.evidence));
    assert!(
        probe
            .snippet
            .starts_with("click on 결제하기 called IMP.request_pay("),
        "{}",
        probe.snippet
    );
    assert!(probe.snippet.contains("html5_inicis"), "{}", probe.snippet);
    let order = r
        .crawl
        .pages
        .iter()
        .find(|p| p.url.ends_with("/checkout"))
        .expect("order page crawled");
    let summary = order.checkout_probe.as_deref().unwrap_or("");
    assert!(summary.contains("홍길동"), "{summary}");
    assert!(summary.contains("010-0000-0000"), "{summary}");
    // The gateway's SDK was never fetched: blocked and recorded.
    assert!(
        order
            .blocked_requests
            .iter()
            .any(|b| b.url.starts_with("https://cdn.iamport.kr/")
                && b.reason.contains("payment gateway")),
        "{:?}",
        order.blocked_requests
    );
    // Paths that render to the app's not-found view prove nothing.
    let orderform = r
        .crawl
        .pages
        .iter()
        .find(|p| p.url.ends_with("/order/orderform.html"));
    if let Some(p) = orderform {
        assert!(p.catch_all.is_some(), "{p:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_script_shell_is_rendered_and_a_self_hosted_sdk_never_runs() {
    if !have_chromium() {
        return;
    }
    let r = check("fixtures/sites/spa-pg-stub", &config(RenderMode::Auto)).await;
    assert!(r.verdict.ready, "{:#?}", r.checks);
    let rendered: Vec<&str> = r
        .crawl
        .pages
        .iter()
        .filter(|p| p.rendered)
        .map(|p| p.url.as_str())
        .collect();
    assert!(
        !rendered.is_empty() && rendered.iter().all(|u| u.contains("/checkout")),
        "{rendered:?}"
    );
    let checkout = r.checks.iter().find(|c| c.id == "checkout").unwrap();
    let probe = checkout
        .evidence
        .iter()
        .find(|e| e.rule == "checkout.probe.pg_call")
        .expect("probe evidence");
    assert!(
        probe
            .snippet
            .starts_with("click on Place order called IMP.request_pay("),
        "{}",
        probe.snippet
    );
    assert!(probe.snippet.contains("tosspayments"), "{}", probe.snippet);
}

/// A page with real static text whose nav, product grid and footer are filled by script is not
/// a shell, yet nothing can be reached without rendering it: it is rendered "in doubt", and the
/// static pages it links are read as they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_whose_links_are_built_by_script_is_rendered_in_doubt() {
    let dir = "fixtures/sites/rw-script-built-nav";
    let r = check(dir, &config(RenderMode::Never)).await;
    assert!(!r.verdict.ready);
    assert_eq!(status(&r, "products"), Status::Fail);
    if !have_chromium() {
        return;
    }
    let r = check(dir, &config(RenderMode::Auto)).await;
    assert!(r.verdict.ready, "{:#?}", r.checks);
    let rendered: Vec<&str> = r
        .crawl
        .pages
        .iter()
        .filter(|p| p.rendered)
        .map(|p| p.url.as_str())
        .collect();
    assert_eq!(
        rendered.len(),
        1,
        "only the home page is in doubt: {rendered:?}"
    );
    assert_eq!(url::Url::parse(rendered[0]).unwrap().path(), "/");
    assert!(
        r.checks
            .iter()
            .flat_map(|c| &c.evidence)
            .all(|e| e.rule != "access.js_shell"),
        "a page with text is never a shell"
    );
}

/// The doubt budget: on a site whose every page is in doubt and proves nothing, at most
/// `DOUBT_BUDGET` pages are rendered and the rest are read from their static HTML.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_doubt_are_rendered_within_the_budget() {
    if !have_chromium() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let n = 16;
    for i in 0..n {
        let links: String = (0..n)
            .map(|j| format!("<a href=\"/p{j}.html\">Page {j}</a> "))
            .collect();
        let page = format!(
            "<!DOCTYPE html><html><head><title>Page {i}</title><script src=\"/app.js\"></script></head>\
             <body><h1>Page {i}</h1><p>Notes from the workshop, part {i}.</p><nav>{links}</nav>\
             <ul class=\"prdList\"></ul></body></html>"
        );
        let name = if i == 0 {
            "index.html".to_string()
        } else {
            format!("p{i}.html")
        };
        std::fs::write(dir.path().join(name), page).unwrap();
    }
    std::fs::write(dir.path().join("app.js"), "void 0;").unwrap();
    let cfg = Config {
        probe: false,
        ..config(RenderMode::Auto)
    };
    let r = check(dir.path().to_str().unwrap(), &cfg).await;
    let rendered = r.crawl.pages.iter().filter(|p| p.rendered).count();
    assert!(r.crawl.pages.len() >= n, "{}", r.crawl.pages.len());
    assert_eq!(
        rendered,
        siteready::render::DOUBT_BUDGET,
        "{:?}",
        r.crawl.pages
    );
}

/// A script shell that sends itself on to another page as it starts never fires `load` for
/// its first document; the page it lands on is read as soon as that one has loaded and
/// settled, not after the whole load budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shell_that_sends_itself_on_is_read_when_the_next_page_settles() {
    if !have_chromium() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let shell = |to: &str| {
        format!(
            "<!DOCTYPE html><html><head><title>Shop</title><script src=\"/go.js\"></script></head>\
             <body data-to=\"{to}\"><div id=\"app\"></div></body></html>"
        )
    };
    std::fs::write(dir.path().join("index.html"), shell("menu.html")).unwrap();
    std::fs::write(
        dir.path().join("go.js"),
        "window.addEventListener('DOMContentLoaded', () => { location.href = document.body.dataset.to; });",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("menu.html"),
        "<!DOCTYPE html><html><head><title>Menu</title></head><body><div id=\"app\"></div>\
         <script>document.getElementById('app').innerHTML = '<h1>Menu</h1><p>Drip coffee 4,500원</p>';</script></body></html>",
    )
    .unwrap();
    let cfg = Config {
        probe: false,
        ..config(RenderMode::Auto)
    };
    let started = std::time::Instant::now();
    let r = check(dir.path().to_str().unwrap(), &cfg).await;
    let first = &r.crawl.pages[0];
    assert!(first.rendered, "{:?}", r.crawl.pages);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_page_with_text_and_links_is_not_in_doubt() {
    let url = url::Url::parse("http://127.0.0.1/").unwrap();
    let html = r#"<html><body><nav><a href="/a">A</a><a href="/b">B</a><a href="/c">C</a><a href="/d">D</a><a href="/e">E</a></nav>
        <p>Plenty of text.</p><script>document.title = 'x';</script></body></html>"#;
    let f = siteready::extract::extract(&url, html, &[]);
    assert!(!siteready::render::in_doubt(html, &f));
    let html = r#"<html><body><p>Text.</p><ul class="prdList"></ul><script src="/app.js"></script></body></html>"#;
    let f = siteready::extract::extract(&url, html, &[]);
    assert!(siteready::render::in_doubt(html, &f));
    let html = r#"<html><body><p>Text.</p><div id="x"></div><script>el.innerHTML = '<a href="/policy">Policy</a>';</script></body></html>"#;
    let f = siteready::extract::extract(&url, html, &[]);
    assert!(siteready::render::in_doubt(html, &f));
    let html = r#"<html><body><p>Text.</p><ul class="prdList"><li>A</li></ul></body></html>"#;
    let f = siteready::extract::extract(&url, html, &[]);
    assert!(
        !siteready::render::in_doubt(html, &f),
        "no script, no doubt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_without_chromium_falls_back_to_static_with_a_warning() {
    let cfg = Config {
        chromium: Some(PathBuf::from("/nonexistent/chromium")),
        ..config(RenderMode::Auto)
    };
    let r = check("fixtures/sites/spa-shop", &cfg).await;
    assert!(!r.verdict.ready);
    assert_eq!(status(&r, "products"), Status::Inconclusive);
    let warn = r
        .errors
        .iter()
        .find(|e| e.kind == "render")
        .unwrap_or_else(|| panic!("no render warning: {:?}", r.errors));
    assert!(
        warn.message.contains("/nonexistent/chromium"),
        "{}",
        warn.message
    );
    assert_eq!(r.errors.iter().filter(|e| e.kind == "render").count(), 1);
}

#[test]
fn always_without_chromium_exits_2_with_one_line() {
    let o = Command::new(env!("CARGO_BIN_EXE_siteready"))
        .args([
            "check",
            "fixtures/sites/spa-shop",
            "--rate",
            "0",
            "--render",
            "always",
            "--chromium",
            "/nonexistent/chromium",
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("run siteready");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("Chromium not found at /nonexistent/chromium"),
        "{err}"
    );
    assert!(o.stdout.is_empty());
}

/// A loopback server that only counts requests: the rendered page must never reach it.
async fn counting_server() -> (u16, Arc<AtomicUsize>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let task = tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            h.fetch_add(1, Ordering::SeqCst);
            drop(s);
        }
    });
    (port, hits, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_to_other_sites_and_private_addresses_never_leave() {
    if !have_chromium() {
        return;
    }
    let (port, hits, server) = counting_server().await;
    let dir = tempfile::tempdir().unwrap();
    let page = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Shell</title>
<script src="https://cdn.example.invalid/widget.js"></script>
<script src="/app.js"></script></head><body><div id="app"></div>
<img src="http://127.0.0.1:{port}/pixel.gif"><iframe src="http://localhost:{port}/frame"></iframe>
<img src="/go">
</body></html>"#
    );
    let app = format!(
        r#"fetch('http://127.0.0.1:{port}/api').catch(function () {{}});
try {{ new WebSocket('ws://127.0.0.1:{port}/ws'); }} catch (e) {{}}
document.getElementById('app').innerHTML = '<h1>Rendered</h1><p>' + 'Rendered content. '.repeat(20) + '</p>';"#
    );
    std::fs::write(dir.path().join("index.html"), page).unwrap();
    std::fs::write(dir.path().join("app.js"), app).unwrap();
    // A same-site URL that redirects to the other port: the redirect is checked too.
    std::fs::write(
        dir.path().join("_routes.toml"),
        format!(
            "[[route]]\npath = \"/go\"\nstatus = 302\nlocation = \"http://127.0.0.1:{port}/redirected\"\n"
        ),
    )
    .unwrap();
    let r = check(dir.path().to_str().unwrap(), &config(RenderMode::Auto)).await;
    let home = &r.crawl.pages[0];
    assert!(home.rendered, "{home:?} {:?}", r.errors);
    let blocked: Vec<String> = home
        .blocked_requests
        .iter()
        .map(|b| format!("{} — {}", b.url, b.reason))
        .collect();
    for want in [
        "https://cdn.example.invalid/widget.js — another site",
        &format!("http://127.0.0.1:{port}/pixel.gif — 127.0.0.1 is a private"),
        &format!("http://127.0.0.1:{port}/api — 127.0.0.1 is a private"),
        &format!("http://localhost:{port}/frame —"),
        &format!("http://127.0.0.1:{port}/redirected — 127.0.0.1 is a private"),
    ] {
        assert!(
            blocked.iter().any(|b| b.starts_with(want)),
            "{want} not among {blocked:#?}"
        );
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "a request reached the other port"
    );
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_of_rendered_evidence_pages_are_small_data_uris() {
    if !have_chromium() {
        return;
    }
    let cfg = Config {
        screenshots: true,
        ..config(RenderMode::Auto)
    };
    let r = check("fixtures/sites/spa-pg-stub", &cfg).await;
    assert!(!r.screenshots.is_empty(), "no screenshot");
    for (url, shot) in &r.screenshots {
        assert!(
            r.crawl
                .pages
                .iter()
                .any(|p| p.rendered && &p.final_url == url),
            "{url}"
        );
        assert!(shot.starts_with("data:image/jpeg;base64,"), "{url}");
        assert!(shot.len() < 150_000, "{url}: {} bytes", shot.len());
    }
    let json = siteready::report::to_json(&r);
    assert!(json.contains("\"screenshots\""));
    // The HTML report shows them as thumbnails next to the evidence, each once.
    let html = siteready::report::to_html(&r);
    let shots = html
        .matches("<img class=\"shot\" src=\"data:image/jpeg;base64,")
        .count();
    assert!(shots >= 1 && shots <= r.screenshots.len(), "{shots}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_and_its_children_die_with_it() {
    if !have_chromium() {
        return;
    }
    let opts = siteready::render::LaunchOptions {
        path: siteready::render::chromium_path(&Config::default()),
        site_keys: vec!["127.0.0.1".into()],
        site_port: None,
        user_agent: "siteready-test".into(),
    };
    let b = siteready::render::Browser::launch(&opts)
        .await
        .expect("launch");
    let pid = b.pid().expect("pid");
    let in_group = || {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.ok()?.path().join("stat")).ok())
            .filter(|stat| {
                // pgrp is the 5th field, after the parenthesised command name.
                let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
                let f: Vec<&str> = rest.split_whitespace().collect();
                f.get(2) == Some(&pid.to_string().as_str()) && f.first() != Some(&"Z")
            })
            .count()
    };
    assert!(in_group() >= 2, "chromium starts helper processes");
    drop(b);
    let t = std::time::Instant::now();
    while in_group() > 0 && t.elapsed() < std::time::Duration::from_secs(5) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(in_group(), 0, "processes left after drop");
}
