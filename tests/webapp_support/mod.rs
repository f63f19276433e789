//! Test support for the web app: starts `siteready serve` (the real binary) on an ephemeral
//! loopback port with a temporary database, serves fixture shops on 127.0.0.1, and waits for
//! checks to finish. Nothing here reaches beyond loopback.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A running `siteready serve`.
pub struct Srv {
    child: Child,
    pub base: String,
    pub db: PathBuf,
    log: Arc<Mutex<String>>,
}

/// The binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_siteready")
}

/// Starts the server on `db` with test-friendly crawl settings plus `extra` flags.
pub fn start(db: &Path, extra: &[&str]) -> Srv {
    let mut child = Command::new(bin())
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .args(["--render", "never", "--timeout", "5", "--max-time", "30"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start siteready serve");
    let stderr = child.stderr.take().expect("stderr");
    let log = Arc::new(Mutex::new(String::new()));
    let (tx, rx) = mpsc::channel();
    let l = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                let addr = rest.split_whitespace().next().unwrap_or("").to_string();
                let _ = tx.send(addr);
            }
            if let Ok(mut g) = l.lock() {
                g.push_str(&line);
                g.push('\n');
            }
        }
    });
    let addr = match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(a) => a,
        Err(_) => {
            let _ = child.kill();
            panic!(
                "the server did not start; its log:\n{}",
                log.lock().map(|g| g.clone()).unwrap_or_default()
            );
        }
    };
    Srv {
        child,
        base: format!("http://{addr}"),
        db: db.to_path_buf(),
        log,
    }
}

impl Srv {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn log(&self) -> String {
        self.log.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// SIGKILL: the server gets no chance to tidy up.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (at most `within`) for the exit status.
    pub async fn term(&mut self, within: Duration) -> ExitStatus {
        // SAFETY: kill(2) on our own child's pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let t = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s;
            }
            assert!(
                t.elapsed() < within,
                "the server did not stop within {within:?}; log:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Peak resident memory so far (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        s.lines()
            .find(|l| l.starts_with("VmHWM:"))?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    }
}

impl Drop for Srv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that never uses a proxy and never follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Submits a check; returns its id (asserts 202).
pub async fn submit(c: &reqwest::Client, s: &Srv, url: &str) -> i64 {
    let r = c
        .post(s.url("/api/checks"))
        .header("content-type", "application/json")
        .body(serde_json::json!({ "url": url }).to_string())
        .send()
        .await
        .expect("POST /api/checks");
    let status = r.status();
    let body: Value = serde_json::from_slice(&r.bytes().await.expect("body")).expect("JSON answer");
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "queued");
    body["id"].as_i64().expect("an id")
}

pub async fn get_json(c: &reqwest::Client, url: &str) -> (u16, Value) {
    let r = c.get(url).send().await.expect("GET");
    let status = r.status().as_u16();
    (
        status,
        serde_json::from_slice(&r.bytes().await.unwrap_or_default()).unwrap_or(Value::Null),
    )
}

/// Waits until the check is done or failed; returns its JSON.
pub async fn wait_final(c: &reqwest::Client, s: &Srv, id: i64, within: Duration) -> Value {
    let t = Instant::now();
    loop {
        let (_, v) = get_json(c, &s.url(&format!("/api/checks/{id}"))).await;
        if v["status"] == "done" || v["status"] == "failed" {
            return v;
        }
        assert!(
            t.elapsed() < within,
            "check {id} not finished within {within:?}: {v}\nlog:\n{}",
            s.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fixture folder of `fixtures/sites`.
pub fn site(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/sites")
        .join(name)
}

/// Serves a fixture folder on 127.0.0.1; the URL of its start page.
pub async fn serve_site(dir: &Path) -> (siteready::serve::Server, String) {
    let s = siteready::serve::serve_dir(dir)
        .await
        .expect("serve fixture");
    let u = s.url();
    (s, u)
}

/// The body of a response as JSON (Null when it is not JSON).
pub async fn json_of(r: reqwest::Response) -> Value {
    serde_json::from_slice(&r.bytes().await.unwrap_or_default()).unwrap_or(Value::Null)
}
