//! The web app in a real browser: headless Chromium, driven over the DevTools protocol, opens
//! `/`, pastes the URL of a local fixture shop into the form, submits it, follows the live
//! progress page (Server-Sent Events update it by script), and waits for the verdict of the
//! report. Skipped, with a message, when Chromium is missing, unless
//! `SITEREADY_REQUIRE_CHROMIUM=1` (CI), where that is a failure.

mod webapp_support;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;
use webapp_support::{serve_site, site, start};

fn find_chrome() -> Option<PathBuf> {
    if let Some(c) = std::env::var_os("CHROME").filter(|c| !c.is_empty()) {
        let p = PathBuf::from(c);
        return p.exists().then_some(p);
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A minimal DevTools client: one command at a time, events skipped.
struct Cdp {
    ws: Ws,
    next: u64,
    session: Option<String>,
}

impl Cdp {
    async fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(Message::Text(msg.to_string().into()))
            .await
            .expect("send to DevTools");
        loop {
            let m = tokio::time::timeout(Duration::from_secs(30), self.ws.next())
                .await
                .unwrap_or_else(|_| panic!("{method}: no answer within 30 s"))
                .expect("DevTools connection open")
                .expect("DevTools message");
            let Message::Text(t) = m else { continue };
            let v: Value = serde_json::from_str(t.as_str()).expect("DevTools JSON");
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    /// Evaluates an expression in the page and returns its value.
    async fn eval(&mut self, expr: &str) -> Value {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expr, "returnByValue": true }),
            )
            .await;
        r["result"]["value"].clone()
    }
}

struct Chromium {
    child: tokio::process::Child,
    _profile: tempfile::TempDir,
}

impl Drop for Chromium {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: kill(2) on the process group of our own child (it leads its group).
            unsafe {
                libc::kill(-(pid as i32), libc::SIGKILL);
            }
        }
        let _ = self.child.start_kill();
    }
}

async fn launch(chrome: &PathBuf) -> (Chromium, String) {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = tokio::process::Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            "--remote-debugging-port=0",
            "--window-size=1280,1000",
            // Nothing leaves the machine: host names resolve to nothing; the app and the shop
            // are reached by their 127.0.0.1 addresses.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .expect("start Chromium");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let ws = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(l)) = lines.next_line().await {
            if let Some(i) = l.find("DevTools listening on ") {
                return Some(l[i + 22..].trim().to_string());
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
    .expect("Chromium printed its DevTools address");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (
        Chromium {
            child,
            _profile: profile,
        },
        ws,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_pastes_a_url_and_reads_the_verdict() {
    let Some(chrome) = find_chrome() else {
        assert!(
            std::env::var_os("SITEREADY_REQUIRE_CHROMIUM").is_none_or(|v| v != "1"),
            "SITEREADY_REQUIRE_CHROMIUM=1 but no Chromium found"
        );
        eprintln!("skipped: no Chromium (apt-get install chromium, or set CHROME)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // A polite rate, so that the live page is seen before the report replaces it.
    let srv = start(
        &tmp.path().join("app.db"),
        &["--allow-private", "--rate", "3"],
    );
    let (_shop, shop_url) = serve_site(&site("kr-cafe24-complete")).await;
    let (_browser, ws_url) = launch(&chrome).await;
    let (ws, _) = tokio_tungstenite::connect_async(ws_url.as_str())
        .await
        .expect("connect to DevTools");
    let mut cdp = Cdp {
        ws,
        next: 0,
        session: None,
    };
    let target = cdp
        .call("Target.createTarget", json!({ "url": "about:blank" }))
        .await["targetId"]
        .clone();
    let session = cdp
        .call(
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )
        .await["sessionId"]
        .as_str()
        .expect("a session")
        .to_string();
    cdp.session = Some(session);
    cdp.call("Page.navigate", json!({ "url": srv.url("/") }))
        .await;
    let t = Instant::now();
    while cdp
        .eval("document.readyState === 'complete' && !!document.getElementById('url')")
        .await
        != json!(true)
    {
        if t.elapsed() > Duration::from_secs(20) {
            let now = cdp
                .eval("location.href + ' ' + document.readyState + ' ' + document.title")
                .await;
            panic!("the start page did not load: {now}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Paste the URL into the field, as a reviewer would, and press the button.
    cdp.eval("document.getElementById('url').focus()").await;
    cdp.call("Input.insertText", json!({ "text": shop_url }))
        .await;
    assert_eq!(
        cdp.eval("document.getElementById('url').value").await,
        json!(shop_url)
    );
    cdp.eval("document.getElementById('submit').click()").await;

    // The live page, then the report.
    let probe = r#"(function () {
      var v = document.getElementById('verdict');
      if (v) return { verdict: v.getAttribute('data-ready'), text: v.innerText,
        cards: document.querySelectorAll('#prerequisites article.card').length,
        path: location.pathname, nav: !!document.querySelector('nav.siteready-app') };
      var s = document.getElementById('status'), p = document.getElementById('pages');
      return { status: s ? s.textContent : null, pages: p ? p.textContent : null, path: location.pathname };
    })()"#;
    let t = Instant::now();
    let mut saw_live = false;
    let mut saw_pages = false;
    let result = loop {
        let v = cdp.eval(probe).await;
        if v.get("verdict").is_some_and(|x| !x.is_null()) {
            break v;
        }
        if v["status"].is_string() {
            saw_live = true;
            // The script updates the counter from the event stream.
            if v["pages"]
                .as_str()
                .and_then(|p| p.parse::<u32>().ok())
                .unwrap_or(0)
                > 0
            {
                saw_pages = true;
            }
        }
        assert!(
            t.elapsed() < Duration::from_secs(90),
            "no verdict on the page: {v}\nserver log:\n{}",
            srv.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(saw_live, "the live progress page was shown");
    assert!(saw_pages, "live progress counted pages (SSE → script)");
    assert_eq!(result["path"], "/checks/1", "{result}");
    assert_eq!(result["verdict"], "true", "{result}");
    assert_eq!(result["cards"], 4, "{result}");
    assert_eq!(result["nav"], true, "{result}");
    let text = result["text"].as_str().unwrap_or("");
    assert!(!text.trim().is_empty(), "{result}");
}
