//! `siteready batch` and `siteready merge` end to end: fixture sites served on 127.0.0.1, the
//! real binary, real signals. Every address used is on 127.0.0.1.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use siteready::batch::{self, progress::Silent, InputOptions, Options};
use siteready::serve::{serve_dir, Server};

const BIN: &str = env!("CARGO_BIN_EXE_siteready");

/// Fixture sites whose verdicts do not depend on extra options.
const SITES: [&str; 10] = [
    "kr-cafe24-complete",
    "en-microdata-only",
    "kr-missing-products",
    "en-coming-soon",
    "kr-godomall",
    "kr-price-mismatch",
    "id-shop",
    "kr-coming-soon",
    "vi-shop",
    "zh-cn-shop",
];

/// Loopback, no politeness delay, one request at a time per site (so page counts are the same
/// in every run and summaries can be compared).
const FAST: [&str; 6] = ["--rate", "0", "--allow-private", "--concurrency", "1", "-q"];

/// Runs compared with each other (not with expected verdicts) need only a few pages per site.
const SMALL: [&str; 8] = [
    "--rate",
    "0",
    "--allow-private",
    "--concurrency",
    "1",
    "--max-pages",
    "5",
    "-q",
];

/// As [`SMALL`], with a per-host rate that keeps the batch running long enough to be
/// interrupted however fast the build is.
const PACED: [&str; 8] = [
    "--rate",
    "40",
    "--allow-private",
    "--concurrency",
    "1",
    "--max-pages",
    "5",
    "-q",
];

async fn serve(names: &[&str]) -> Vec<Server> {
    let mut v = Vec::new();
    for n in names {
        v.push(
            serve_dir(&Path::new("fixtures/sites").join(n))
                .await
                .expect("fixture server"),
        );
    }
    v
}

/// Runs the binary off the async runtime, so the fixture servers of the test keep answering.
async fn siteready(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .expect("run siteready")
    })
    .await
    .expect("join")
}

fn args(head: &[&str], dir: &Path, tail: &[&str]) -> Vec<String> {
    head.iter()
        .map(|s| s.to_string())
        .chain(["--out-dir".to_string(), dir.display().to_string()])
        .chain(tail.iter().map(|s| s.to_string()))
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn jsonl(dir: &Path) -> Vec<Value> {
    std::fs::read_to_string(dir.join("summary.jsonl"))
        .expect("summary.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// Summary rows without the timing column, which differs from run to run.
fn comparable(rows: Vec<Value>) -> Vec<Value> {
    rows.into_iter()
        .map(|mut r| {
            r.as_object_mut().expect("object").remove("duration_ms");
            r
        })
        .collect()
}

/// summary.csv as cells, BOM checked and removed, the duration column dropped.
fn csv_cells(dir: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(dir.join("summary.csv")).expect("summary.csv");
    assert!(
        bytes.starts_with(b"\xef\xbb\xbf"),
        "summary.csv starts with a BOM"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.expect("CSV").iter().map(str::to_string).collect())
        .collect();
    let dur = rows[0]
        .iter()
        .position(|h| h == "duration_ms")
        .expect("duration_ms column");
    rows.into_iter()
        .map(|mut row| {
            row.remove(dur);
            row
        })
        .collect()
}

fn report_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        name.ends_with(".json") && !name.starts_with('.')
    });
    v.sort();
    v
}

/// Every file in the folder is whole: reports parse, no temporary file is left.
fn assert_all_whole(dir: &Path) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "temporary file left: {name}");
    }
    for p in report_files(dir) {
        let r: Result<siteready::Report, _> = serde_json::from_slice(&std::fs::read(&p).unwrap());
        assert!(r.is_ok(), "{} is not a whole report", p.display());
    }
}

/// A port on 127.0.0.1 nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn csv_quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

enum Want {
    Fixture(&'static str),
    Error(&'static str),
}

/// The 60-row CSV: 50 merchants over ten fixture sites and ten bad rows of every kind, with
/// Korean names and formula-like notes.
fn sixty_rows(servers: &[Server]) -> (String, Vec<(String, Want)>) {
    let closed = closed_port();
    let port_of_first = servers[0].addr.port();
    let notes = [
        "=HYPERLINK(\"http://127.0.0.1/x\",\"click\")",
        "+82-10-1234-5678",
        "-5",
        "@SUM(A1:A9)",
        "plain note",
        "한글 메모",
        "",
    ];
    let mut text = String::from("merchant_id,name,homepage,notes\n");
    let mut want = Vec::new();
    for i in 0..60usize {
        let site = i % SITES.len();
        let url = servers[site].url();
        let (id, url, w): (String, String, Want) = match i {
            5 => (format!("M{i:03}"), String::new(), Want::Error("no URL")),
            12 => (
                format!("M{i:03}"),
                "ht tp://bad url".into(),
                Want::Error("invalid URL"),
            ),
            19 => (
                format!("M{i:03}"),
                "ftp://127.0.0.1/".into(),
                Want::Error("scheme 'ftp'"),
            ),
            26 => (
                format!("M{i:03}"),
                format!("http://127.0.0.1:{closed}/"),
                Want::Error("cannot reach"),
            ),
            33 => ("M001".into(), url, Want::Error("duplicate id 'M001'")),
            40 => (
                format!("M{i:03}"),
                format!("127.0.0.1:{port_of_first}"),
                Want::Error("cannot reach https://127.0.0.1"),
            ),
            47 => (String::new(), url, Want::Fixture(SITES[site])),
            48 => (
                String::new(),
                servers[(i - 1) % SITES.len()].url(),
                Want::Error("duplicate URL"),
            ),
            54 => (String::new(), String::new(), Want::Error("no URL")),
            59 => ("M010".into(), url, Want::Error("duplicate id 'M010'")),
            _ if i % 4 == 0 => (
                format!("M{i:03}"),
                url.trim_end_matches('/').to_string(),
                Want::Fixture(SITES[site]),
            ),
            _ => (format!("M{i:03}"), url, Want::Fixture(SITES[site])),
        };
        text.push_str(&format!(
            "{},{},{},{}\n",
            csv_quote(&id),
            csv_quote(&format!("상점 {i}")),
            csv_quote(&url),
            csv_quote(notes[i % notes.len()])
        ));
        want.push((id, w));
    }
    (text, want)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_rows_with_bad_rows_duplicates_and_formulas() {
    let servers = serve(&SITES).await;
    let tmp = tempfile::tempdir().unwrap();
    let (text, want) = sixty_rows(&servers);
    let csv = tmp.path().join("merchants.csv");
    let mut bytes = b"\xef\xbb\xbf".to_vec(); // Excel's "CSV UTF-8"
    bytes.extend_from_slice(text.as_bytes());
    std::fs::write(&csv, bytes).unwrap();
    let out = tmp.path().join("reports");
    let t0 = Instant::now();
    let o = siteready(args(
        &[
            "batch",
            csv.to_str().unwrap(),
            "--jobs",
            "8",
            "--max-pages",
            "10",
        ],
        &out,
        &FAST,
    ))
    .await;
    let took = t0.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "-q prints nothing: {}", stderr(&o));
    eprintln!("60 rows in {took:?}");

    let rows = jsonl(&out);
    assert_eq!(rows.len(), 60);
    let lines: Vec<u64> = rows.iter().map(|r| r["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, (2..62).collect::<Vec<u64>>(), "input order");
    let mut ids = std::collections::HashSet::new();
    let mut per_site: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
    let mut verified = 0;
    for (i, (r, (id, w))) in rows.iter().zip(&want).enumerate() {
        let got_id = r["id"].as_str().unwrap();
        if id.is_empty() {
            assert!(
                got_id.starts_with("127.0.0.1-") || got_id.starts_with("line-"),
                "row {i}: derived id {got_id}"
            );
        } else {
            assert_eq!(got_id, id, "row {i}");
        }
        assert_eq!(r["columns"]["name"], format!("상점 {i}"), "row {i}");
        match w {
            Want::Fixture(name) => {
                assert!(r["error"].is_null(), "row {i}: {r}");
                assert!(ids.insert(got_id.to_string()), "ids are unique");
                let file = r["report"].as_str().unwrap();
                assert_eq!(file, format!("{got_id}.json"));
                let report: siteready::Report =
                    serde_json::from_slice(&std::fs::read(out.join(file)).unwrap()).unwrap();
                assert_eq!(report.verdict.score, r["score"].as_u64().unwrap() as u32);
                assert_eq!(
                    report.crawl.pages_fetched as u64,
                    r["pages"].as_u64().unwrap()
                );
                assert_eq!(report.verdict.ready, r["ready"].as_bool().unwrap());
                // Every row of one site gets the same verdict, and a crawl the budget did not
                // cut gets the verdict the fixture expects.
                let statuses: Vec<Value> =
                    ["products", "shipping_policy", "refund_policy", "checkout"]
                        .iter()
                        .map(|c| r[*c].clone())
                        .collect();
                if let Some(first) = per_site.insert(*name, statuses.clone()) {
                    assert_eq!(first, statuses, "row {i} ({name}) differs from another row");
                }
                if !matches!(report.crawl.stopped_by.as_str(), "max_pages" | "max_time") {
                    verified += 1;
                    let expected =
                        siteready::fixtures::expected(&Path::new("fixtures/sites").join(name))
                            .unwrap();
                    for (check, status) in &expected.expect {
                        assert_eq!(
                            r[check.as_str()],
                            status.as_str(),
                            "row {i} ({name}) {check}"
                        );
                    }
                    let all_pass = ["products", "shipping_policy", "refund_policy", "checkout"]
                        .iter()
                        .all(|c| expected.expect.get(*c).map(|s| s.as_str()) == Some("pass"));
                    assert_eq!(r["ready"], all_pass, "row {i} ({name})");
                }
            }
            Want::Error(msg) => {
                let e = r["error"].as_str().unwrap_or_default();
                assert!(e.contains(msg), "row {i}: want error {msg:?}, got {r}");
                assert_eq!(r["ready"], false);
                assert_eq!(r["status"], "error");
                assert!(r["report"].is_null());
            }
        }
    }
    assert!(
        verified >= 30,
        "only {verified} rows compared with expected verdicts"
    );
    assert!(rows.iter().any(|r| r["ready"] == true) && rows.iter().any(|r| r["ready"] == false));
    assert_eq!(
        rows[40]["url"],
        format!("https://127.0.0.1:{}/", servers[0].addr.port())
    );
    let checked = want
        .iter()
        .filter(|(_, w)| matches!(w, Want::Fixture(_)))
        .count();
    assert_eq!(checked, 51);
    assert_eq!(
        report_files(&out).len(),
        checked,
        "one report per checked row"
    );
    assert_all_whole(&out);

    // Spreadsheet safety: formula-like cells are inert in the CSV, untouched in the JSON lines.
    let cells = csv_cells(&out);
    assert_eq!(cells.len(), 61);
    assert_eq!(
        &cells[0][..6],
        ["line", "id", "url", "ready", "score", "status"]
    );
    assert_eq!(&cells[0][cells[0].len() - 2..], ["name", "notes"]);
    let notes = cells[0].len() - 1;
    assert_eq!(
        cells[1][notes],
        "'=HYPERLINK(\"http://127.0.0.1/x\",\"click\")"
    );
    assert_eq!(cells[2][notes], "'+82-10-1234-5678");
    assert_eq!(cells[3][notes], "'-5");
    assert_eq!(cells[4][notes], "'@SUM(A1:A9)");
    assert_eq!(cells[5][notes], "plain note");
    assert_eq!(cells[6][notes], "한글 메모");
    for row in &cells {
        for c in row {
            assert!(
                !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "live formula in summary.csv: {c:?}"
            );
        }
    }
    assert_eq!(
        rows[0]["columns"]["notes"],
        "=HYPERLINK(\"http://127.0.0.1/x\",\"click\")"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cp949_export_from_korean_excel() {
    let servers = serve(&SITES[..2]).await;
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "가맹점번호,상호,홈페이지,비고\r\nK-1,똠방각하 상점,{},=1+1\r\nK-2,가나다 몰,{},\r\n",
        servers[0].url(),
        servers[1].url()
    );
    let (bytes, _, bad) = encoding_rs::EUC_KR.encode(&text);
    assert!(!bad);
    assert!(std::str::from_utf8(&bytes).is_err(), "really CP949 bytes");
    let csv = tmp.path().join("가맹점.csv");
    std::fs::write(&csv, &bytes).unwrap();
    let out = tmp.path().join("out");
    let mut a = args(&["batch", csv.to_str().unwrap()], &out, &FAST);
    a.retain(|s| s != "-q");
    let o = siteready(a).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("read as euc-kr; URL column '홈페이지', id column '가맹점번호'"),
        "{e}"
    );
    let rows = jsonl(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "K-1");
    assert_eq!(rows[0]["columns"]["상호"], "똠방각하 상점");
    assert_eq!(rows[0]["columns"]["비고"], "=1+1");
    assert_eq!(rows[1]["columns"]["상호"], "가나다 몰");
    assert_eq!(rows[0]["ready"], true);
    assert!(out.join("K-1.json").is_file());
    let cells = csv_cells(&out);
    assert_eq!(cells[1][cells[0].len() - 1], "'=1+1");
    assert_eq!(cells[0][cells[0].len() - 2], "상호");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_csv_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let no_url = tmp.path().join("no-url.csv");
    std::fs::write(&no_url, "name,email\nA,a@shop.example\n").unwrap();
    let binary = tmp.path().join("logo.csv");
    std::fs::write(&binary, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0").unwrap();
    let empty = tmp.path().join("empty.csv");
    std::fs::write(&empty, "").unwrap();
    let missing = tmp.path().join("missing.csv");
    for (file, msg) in [
        (&missing, "No such file"),
        (&no_url, "no URL column"),
        (&binary, "not a CSV file"),
        (&empty, "empty file"),
    ] {
        let o = siteready(args(&["batch", file.to_str().unwrap()], &out, &FAST)).await;
        assert_eq!(
            o.status.code(),
            Some(2),
            "{}: {}",
            file.display(),
            stderr(&o)
        );
        let e = stderr(&o);
        assert!(e.contains(msg), "{e}");
        assert_eq!(e.lines().count(), 1, "one clear line: {e}");
    }
    let o = siteready(args(
        &["batch", no_url.to_str().unwrap(), "--url-column", "email"],
        &out,
        &["--shard", "4/3"],
    ))
    .await;
    assert_eq!(o.status.code(), Some(2), "bad shard is a usage error");
    assert!(!out.exists(), "no output for an unusable input");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fail_on_not_ready_and_html_reports() {
    let servers = serve(&["kr-cafe24-complete", "kr-missing-products"]).await;
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("m.csv");
    std::fs::write(
        &csv,
        format!(
            "id,url\nready,{}\nnot-ready,{}\n",
            servers[0].url(),
            servers[1].url()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = siteready(args(
        &["batch", csv.to_str().unwrap(), "--fail-on-not-ready"],
        &out,
        &FAST,
    ))
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let o = siteready(args(
        &["batch", csv.to_str().unwrap(), "--format", "both"],
        &out,
        &FAST,
    ))
    .await;
    assert_eq!(
        o.status.code(),
        Some(0),
        "not gating: exit 0 whatever scored"
    );
    for id in ["ready", "not-ready"] {
        let html = std::fs::read_to_string(out.join(format!("{id}.html"))).unwrap();
        assert!(
            html.contains("<html") && html.contains("</html>"),
            "{id}.html"
        );
    }
}

/// Two rows of one host never double its rate: with --rate 10 and 8 jobs, the requests to the
/// one host arrive at most 10 a second, counted by the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_host_shared_by_many_rows_keeps_its_rate() {
    let hits: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let h = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let h = h.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                h.lock().unwrap().push(Instant::now());
                let body = "<!doctype html><html lang=en><title>Shop</title><p>Hello</p></html>";
                let _ = write!(
                    s,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    let mut text = String::from("id,url\n");
    for i in 0..10 {
        text.push_str(&format!("s{i},http://127.0.0.1:{port}/s{i}/\n"));
    }
    let input = batch::input::parse(
        Path::new("one-host.csv"),
        text.as_bytes(),
        &InputOptions::default(),
    )
    .unwrap();
    let rate = 10.0;
    let config = siteready::Config {
        rate,
        allow_private: true,
        robots: false,
        probe: false,
        max_pages: 1,
        ..siteready::Config::default()
    };
    let tmp = tempfile::tempdir().unwrap();
    let rules = siteready::rules::RuleSet::embedded().unwrap();
    let (_handle, stop) = batch::stop_channel();
    let t0 = Instant::now();
    let outcome = batch::run(
        &input,
        &Options {
            jobs: 8,
            ..Options::new(tmp.path())
        },
        &rules,
        &config,
        stop,
        &mut Silent,
    )
    .await
    .unwrap();
    let took = t0.elapsed();
    assert_eq!(outcome.rows.len(), 10);
    assert_eq!(outcome.errors, 0, "{:?}", outcome.rows);
    let mut hits = hits.lock().unwrap().clone();
    hits.sort();
    let n = hits.len();
    assert!(n >= 10, "at least one request per row, got {n}");
    let span = (hits[n - 1] - hits[0]).as_secs_f64();
    let min = (n - 1) as f64 / rate;
    eprintln!("{n} requests over {span:.2}s (minimum {min:.2}s), batch took {took:?}");
    assert!(
        span >= min * 0.9,
        "{n} requests in {span:.2}s: faster than {rate}/s"
    );
    assert!(took.as_secs_f64() >= min * 0.9);
    // No burst either: never more than rate/2 + 1 requests in any half second.
    for (i, t) in hits.iter().enumerate() {
        let within = hits[i..]
            .iter()
            .take_while(|u| **u - *t < Duration::from_millis(500))
            .count();
        assert!(within <= 7, "{within} requests within 500 ms");
    }
}

/// A server that accepts connections and never answers: sites that are still loading when the
/// batch is stopped.
fn hanging_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    port
}

fn interrupt_csv(servers: &[Server], rows: usize) -> String {
    let mut text = String::from("id,url,region\n");
    for i in 0..rows {
        text.push_str(&format!(
            "I{i:02},{},r{}\n",
            servers[i % servers.len()].url(),
            i % 3
        ));
    }
    text.push_str("I98,,empty\nI99,ht tp://x,bad\n");
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn interrupted_then_resumed_equals_uninterrupted() {
    let servers = serve(&SITES[..5]).await;
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("m.csv");
    std::fs::write(&csv, interrupt_csv(&servers, 16)).unwrap();
    let head = ["batch", csv.to_str().unwrap(), "--jobs", "2"];

    let full = tmp.path().join("full");
    let o = siteready(args(&head, &full, &PACED)).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    // The same batch, interrupted with SIGINT once a few reports are written.
    let cut = tmp.path().join("cut");
    let a = args(&head, &cut, &PACED);
    let cut2 = cut.clone();
    let (code, signalled_after) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(BIN)
            .args(&a)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        loop {
            if let Some(st) = child.try_wait().unwrap() {
                panic!("the batch ended ({st}) before it could be interrupted");
            }
            if report_files(&cut2).len() >= 3 {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        let kill = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let signalled = t0.elapsed();
        (child.wait().unwrap().code(), signalled)
    })
    .await
    .unwrap();
    assert_eq!(code, Some(130), "interrupted batch exits 130");
    eprintln!("signalled after {signalled_after:?}");
    assert_all_whole(&cut);
    let partial = jsonl(&cut);
    assert_eq!(
        partial.len(),
        18,
        "the summary lists every row, done or not"
    );
    let not_started = partial
        .iter()
        .filter(|r| r["error"] == "not started: batch interrupted")
        .count();
    assert!(not_started > 0, "rows left for --resume");
    let done_before: BTreeMap<PathBuf, std::time::SystemTime> = report_files(&cut)
        .into_iter()
        .map(|p| {
            let m = std::fs::metadata(&p).unwrap().modified().unwrap();
            (p, m)
        })
        .collect();

    let o = siteready(args(&head, &cut, &[&PACED[..], &["--resume"][..]].concat())).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(comparable(jsonl(&cut)), comparable(jsonl(&full)));
    assert_eq!(csv_cells(&cut), csv_cells(&full));
    for (p, m) in done_before {
        assert_eq!(
            std::fs::metadata(&p).unwrap().modified().unwrap(),
            m,
            "{} was checked again although it was complete",
            p.display()
        );
    }
    assert_all_whole(&cut);

    // --resume reuses only reports of this batch: one older than the batch (left by an earlier
    // run in the same folder) or missing is checked again; the others are not touched.
    let stale = cut.join("I00.json");
    let mut old: Value = serde_json::from_slice(&std::fs::read(&stale).unwrap()).unwrap();
    old["started_at"] = "2000-01-01T00:00:00Z".into();
    std::fs::write(&stale, serde_json::to_vec(&old).unwrap()).unwrap();
    std::fs::remove_file(cut.join("I01.json")).unwrap();
    let untouched = std::fs::metadata(cut.join("I02.json"))
        .unwrap()
        .modified()
        .unwrap();
    let o = siteready(args(&head, &cut, &[&PACED[..], &["--resume"][..]].concat())).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let again: Value = serde_json::from_slice(&std::fs::read(&stale).unwrap()).unwrap();
    assert_ne!(
        again["started_at"], "2000-01-01T00:00:00Z",
        "stale report checked again"
    );
    assert!(cut.join("I01.json").is_file());
    assert_eq!(
        std::fs::metadata(cut.join("I02.json"))
            .unwrap()
            .modified()
            .unwrap(),
        untouched
    );
    assert_eq!(comparable(jsonl(&cut)), comparable(jsonl(&full)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sigterm_cuts_sites_still_loading_after_the_grace_period() {
    let servers = serve(&SITES[..1]).await;
    let port = hanging_server();
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("m.csv");
    let mut text = format!("id,url\nok,{}\n", servers[0].url());
    for i in 0..3 {
        text.push_str(&format!("slow{i},http://127.0.0.1:{port}/{i}/\n"));
    }
    std::fs::write(&csv, text).unwrap();
    let out = tmp.path().join("out");
    let a = args(
        &[
            "batch",
            csv.to_str().unwrap(),
            "--grace",
            "0.5",
            "--timeout",
            "60",
        ],
        &out,
        &SMALL,
    );
    let out2 = out.clone();
    let (code, took) = tokio::task::spawn_blocking(move || {
        let mut child = Command::new(BIN)
            .args(&a)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        while !out2.join("ok.json").exists() {
            assert!(
                child.try_wait().unwrap().is_none(),
                "ended before the signal"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        let t0 = Instant::now();
        Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        (child.wait().unwrap().code(), t0.elapsed())
    })
    .await
    .unwrap();
    assert_eq!(code, Some(130));
    assert!(
        took < Duration::from_secs(5),
        "cut after the grace period: {took:?}"
    );
    let rows = jsonl(&out);
    assert!(rows[0]["error"].is_null(), "{}", rows[0]);
    for r in &rows[1..] {
        assert_eq!(r["error"], "interrupted", "{r}");
    }
    assert_eq!(report_files(&out).len(), 1);
    assert_all_whole(&out);
}

/// The library's stop handle: a second request cuts the sites in flight at once, whatever the
/// grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn second_stop_request_cuts_at_once() {
    let port = hanging_server();
    let text = format!("id,url\na,http://127.0.0.1:{port}/a\nb,http://127.0.0.1:{port}/b\nc,http://127.0.0.1:{port}/c\n");
    let input = batch::input::parse(
        Path::new("m.csv"),
        text.as_bytes(),
        &InputOptions::default(),
    )
    .unwrap();
    let config = siteready::Config {
        rate: 0.0,
        allow_private: true,
        ..siteready::Config::default()
    };
    let tmp = tempfile::tempdir().unwrap();
    let rules = siteready::rules::RuleSet::embedded().unwrap();
    let (handle, stop) = batch::stop_channel();
    let opts = Options {
        jobs: 2,
        grace: Duration::from_secs(600),
        ..Options::new(tmp.path())
    };
    let t0 = Instant::now();
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        handle.graceful();
        tokio::time::sleep(Duration::from_millis(200)).await;
        handle.now();
    });
    let outcome = batch::run(&input, &opts, &rules, &config, stop, &mut Silent)
        .await
        .unwrap();
    stopper.await.unwrap();
    assert!(t0.elapsed() < Duration::from_secs(5), "{:?}", t0.elapsed());
    assert!(outcome.interrupted);
    let errors: Vec<&str> = outcome
        .rows
        .iter()
        .map(|r| r.error.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        errors,
        [
            "interrupted",
            "interrupted",
            "not started: batch interrupted"
        ]
    );
    assert_eq!(
        batch::summary::read_jsonl(&tmp.path().join("summary.jsonl")).unwrap(),
        outcome.rows
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn shards_merged_equal_the_whole() {
    let servers = serve(&SITES[..6]).await;
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("m.csv");
    let mut text = String::from("url,id,segment\n");
    for i in 0..12 {
        let seg = if i % 5 == 0 { "=SUM(1)" } else { "retail" };
        text.push_str(&format!(
            "{},S{i:02},{seg}\n",
            servers[i % servers.len()].url()
        ));
    }
    text.push_str(",S98,empty\n");
    text.push_str(&format!("{},S01,duplicate\n", servers[0].url()));
    std::fs::write(&csv, text).unwrap();

    let whole = tmp.path().join("whole");
    let mut runs = vec![(None, whole.clone())];
    for i in 1..=3 {
        runs.push((
            Some(format!("{i}/3")),
            tmp.path().join(format!("shard-{i}")),
        ));
    }
    let mut pending = Vec::new();
    for (shard, dir) in &runs {
        let mut a = args(&["batch", csv.to_str().unwrap()], dir, &SMALL);
        if let Some(s) = shard {
            a.extend(["--shard".to_string(), s.clone()]);
        }
        pending.push(tokio::spawn(siteready(a)));
    }
    for p in pending {
        let o = p.await.unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let sizes: Vec<usize> = runs[1..].iter().map(|(_, d)| jsonl(d).len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 14, "{sizes:?}");
    assert!(sizes.iter().all(|s| *s > 0), "{sizes:?}");

    let merged = tmp.path().join("merged");
    let mut a = vec!["merge".to_string()];
    // Any order of folders gives input order.
    for (_, d) in runs[1..].iter().rev() {
        a.push(d.display().to_string());
    }
    a.extend(["--out-dir".to_string(), merged.display().to_string()]);
    let o = siteready(a).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(comparable(jsonl(&merged)), comparable(jsonl(&whole)));
    assert_eq!(csv_cells(&merged), csv_cells(&whole));

    // A shard missing is said; a folder given twice is refused.
    let o = siteready(vec![
        "merge".into(),
        runs[1].1.display().to_string(),
        runs[2].1.display().to_string(),
        "--out-dir".into(),
        tmp.path().join("m2").display().to_string(),
    ])
    .await;
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("shard 3/3 not merged"),
        "{}",
        stderr(&o)
    );
    let o = siteready(vec![
        "merge".into(),
        runs[1].1.display().to_string(),
        runs[1].1.display().to_string(),
        "--out-dir".into(),
        tmp.path().join("m3").display().to_string(),
    ])
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("given twice"), "{}", stderr(&o));
}

/// Wall time of the 60-row batch at `--jobs 1` and `--jobs 8` (run it on a release build:
/// `cargo test --release --test batch -- --ignored --nocapture`). Extra flags, such as a
/// politeness rate, come from `SITEREADY_MEASURE_ARGS`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a measurement, not a test"]
async fn measure_jobs_1_vs_8() {
    let servers = serve(&SITES).await;
    let tmp = tempfile::tempdir().unwrap();
    let (text, _) = sixty_rows(&servers);
    let csv = tmp.path().join("merchants.csv");
    std::fs::write(&csv, text).unwrap();
    let extra = std::env::var("SITEREADY_MEASURE_ARGS").unwrap_or_else(|_| "--rate 0".into());
    let mut times: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for round in 0..2 {
        for jobs in ["1", "8"] {
            let out = tmp.path().join(format!("j{jobs}-{round}"));
            let mut a = args(
                &["batch", csv.to_str().unwrap(), "--jobs", jobs],
                &out,
                &["--allow-private", "-q"],
            );
            a.extend(extra.split_whitespace().map(str::to_string));
            let t0 = Instant::now();
            let o = siteready(a).await;
            let secs = t0.elapsed().as_secs_f64();
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
            eprintln!("round {round}: --jobs {jobs}: {secs:.2} s");
            times.entry(jobs).or_default().push(secs);
        }
    }
    let best = |j: &str| times[j].iter().cloned().fold(f64::INFINITY, f64::min);
    eprintln!(
        "best: --jobs 1 {:.2} s, --jobs 8 {:.2} s, ratio {:.2}",
        best("1"),
        best("8"),
        best("1") / best("8")
    );
}

/// Application columns of the CSV (Korean headers here) are cross-checked per row: the right
/// registration number matches, the wrong one is a warning on business_info with what the site
/// shows, and neither changes `ready`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn application_columns_are_cross_checked_per_row() {
    let servers = serve(&["kr-cafe24-complete"]).await;
    let url = servers[0].url();
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("applications.csv");
    std::fs::write(
        &csv,
        format!(
            "id,url,상호,사업자등록번호,대표자,이메일\n\
             right,{url},다온키친,214-87-05639,박지현,cs@daonkitchen.co.kr\n\
             wrong,{url},다온키친,214-87-00000,박지현,\n"
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = siteready(args(&["batch", csv.to_str().unwrap()], &out, &FAST[..5])).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("application values from columns 상호 (name), 사업자등록번호 (reg_no)"),
        "{}",
        stderr(&o)
    );
    let rows = jsonl(&out);
    let row = |id: &str| rows.iter().find(|r| r["id"] == id).unwrap().clone();
    let (right, wrong) = (row("right"), row("wrong"));
    assert_eq!(right["ready"], true);
    assert_eq!(right["business_info"], "pass", "{right}");
    assert_eq!(right["application"], "match", "{right}");
    assert_eq!(wrong["ready"], true, "the cross-check never changes ready");
    assert_eq!(wrong["business_info"], "warn", "{wrong}");
    assert_eq!(wrong["application"], "reg_no mismatch", "{wrong}");
    // The carried columns stay in the summary as they were.
    assert_eq!(wrong["columns"]["사업자등록번호"], "214-87-00000");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("wrong.json")).unwrap()).unwrap();
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "business_info")
        .unwrap();
    let reg = check["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["rule"] == "expect.reg_no")
        .unwrap();
    assert!(
        reg["snippet"].as_str().unwrap().contains("214-87-05639"),
        "the site's own number is shown: {reg}"
    );

    // --no-expect-columns: carried, not checked.
    let out2 = tmp.path().join("out2");
    let o = siteready(args(
        &["batch", csv.to_str().unwrap(), "--no-expect-columns"],
        &out2,
        &FAST[..5],
    ))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = jsonl(&out2);
    assert!(rows.iter().all(|r| r["application"].is_null()), "{rows:?}");
}

/// `--baseline DIR` compares each merchant (by id) with the earlier batch: same, improved,
/// regressed (a refund page gone, a site now unreachable), new; `--fail-on-regression` exits 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn baseline_adds_a_change_column_and_gates_regressions() {
    let servers = serve(&[
        "kr-cafe24-complete",
        "kr-missing-refund",
        "kr-missing-products",
    ])
    .await;
    let (complete, no_refund, no_products) = (servers[0].url(), servers[1].url(), servers[2].url());
    let down = format!("http://127.0.0.1:{}/", closed_port());
    let tmp = tempfile::tempdir().unwrap();
    let before = tmp.path().join("before.csv");
    std::fs::write(
        &before,
        format!(
            "id,url\nsteady,{complete}\nworse,{complete}\nbetter,{no_products}\ndown,{complete}\n"
        ),
    )
    .unwrap();
    let after = tmp.path().join("after.csv");
    std::fs::write(
        &after,
        format!(
            "id,url\nsteady,{complete}\nworse,{no_refund}\nbetter,{complete}\ndown,{down}\nfresh,{complete}\n"
        ),
    )
    .unwrap();
    let old = tmp.path().join("old");
    let o = siteready(args(&["batch", before.to_str().unwrap()], &old, &FAST)).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let new = tmp.path().join("new");
    let o = siteready(args(
        &[
            "batch",
            after.to_str().unwrap(),
            "--baseline",
            old.to_str().unwrap(),
        ],
        &new,
        &FAST[..5],
    ))
    .await;
    assert_eq!(o.status.code(), Some(0), "not gating: {}", stderr(&o));
    assert!(
        stderr(&o).contains("against the baseline: 2 regressed, 1 improved"),
        "{}",
        stderr(&o)
    );
    let changes: BTreeMap<String, String> = jsonl(&new)
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["change"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let want: BTreeMap<String, String> = [
        ("steady", "same"),
        ("worse", "regressed"),
        ("better", "improved"),
        ("down", "regressed"),
        ("fresh", "new"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(changes, want);
    let cells = csv_cells(&new);
    let col = cells[0].iter().position(|h| h == "change").unwrap();
    assert!(cells[1..].iter().any(|r| r[col] == "regressed"));

    // A folder of reports without a summary (written by `check -o`) is read as `<id>.json`.
    let plain = tmp.path().join("plain");
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::copy(old.join("steady.json"), plain.join("steady.json")).unwrap();
    let from_plain = tmp.path().join("from-plain");
    let o = siteready(args(
        &[
            "batch",
            after.to_str().unwrap(),
            "--baseline",
            plain.to_str().unwrap(),
        ],
        &from_plain,
        &FAST,
    ))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for r in jsonl(&from_plain) {
        let want = if r["id"] == "steady" { "same" } else { "new" };
        assert_eq!(r["change"], want, "{r}");
    }

    // The gate, and a clear refusal of a missing baseline or the output folder itself.
    let gated = tmp.path().join("gated");
    let o = siteready(args(
        &[
            "batch",
            after.to_str().unwrap(),
            "--baseline",
            old.to_str().unwrap(),
            "--fail-on-regression",
        ],
        &gated,
        &FAST,
    ))
    .await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    for (baseline, message) in [
        (tmp.path().join("nowhere"), "baseline folder not found"),
        (new.clone(), "is the output folder"),
    ] {
        let o = siteready(args(
            &[
                "batch",
                after.to_str().unwrap(),
                "--baseline",
                baseline.to_str().unwrap(),
            ],
            &new,
            &FAST,
        ))
        .await;
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(message), "{}", stderr(&o));
    }
}
