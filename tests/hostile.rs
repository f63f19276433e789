//! Hostile and broken sites, served on 127.0.0.1 by a programmable server: every case must end
//! within `--max-time` + 5 s with a report naming what went wrong (or the documented
//! "unreachable" error), and nothing may be contacted outside 127.0.0.0/8.

mod common;

use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::hostile_server::{site, Server};
use serde_json::Value;
use siteready::config::RenderMode;
use siteready::crawl::{ErrorKind, Http};
use siteready::rules::RuleSet;
use siteready::Config;
use tokio::sync::Semaphore;
use url::Url;

const MAX_TIME: Duration = Duration::from_secs(6);
/// Every case must end by then (`--max-time` + 5 s).
const LIMIT: Duration = Duration::from_secs(11);

fn config() -> Config {
    Config {
        allow_private: true,
        timeout: Duration::from_secs(2),
        max_time: MAX_TIME,
        rate: 0.0,
        max_body: 1 << 20,
        max_per_pattern: 5,
        probe: false,
        render: RenderMode::Never,
        ..Config::default()
    }
}

/// The embedded rules, compiled once for the whole file.
fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| RuleSet::embedded().expect("embedded rules"))
}

/// Crawls running at once: the cases are CPU-heavy in a debug build, and timing assertions
/// must not depend on how many other tests share the machine.
static SLOTS: Semaphore = Semaphore::const_new(2);

fn serve(name: &str) -> Server {
    Server::start(site(name).expect("known site"))
}

struct Run {
    report: Value,
    elapsed: Duration,
}

/// Crawls `path` on the server with `cfg`; the server's own address is the only private
/// address allowed when `cfg.allow_private` is off.
async fn try_crawl(
    srv: &Server,
    path: &str,
    cfg: &Config,
) -> (Result<Value, siteready::Error>, Duration) {
    let http = Http::new(cfg, vec![(srv.addr.ip(), srv.addr.port())]).expect("client");
    let url = srv.url(path);
    let start = Url::parse(&url).expect("url");
    let rules = rules();
    let _slot = SLOTS.acquire().await.expect("semaphore");
    let t = Instant::now();
    let r = siteready::audit_url(&http, &url, start, rules, cfg).await;
    let elapsed = t.elapsed();
    assert!(
        elapsed < LIMIT.max(cfg.max_time + Duration::from_secs(5)),
        "{url}: took {elapsed:?}, more than --max-time + 5 s"
    );
    (
        r.map(|rep| serde_json::to_value(&rep).expect("report serialises")),
        elapsed,
    )
}

async fn crawl(srv: &Server, path: &str, cfg: &Config) -> Run {
    let (r, elapsed) = try_crawl(srv, path, cfg).await;
    match r {
        Ok(report) => Run { report, elapsed },
        Err(e) => panic!("{path}: expected a report, got error: {e}"),
    }
}

impl Run {
    fn errors(&self) -> Vec<(String, String, String)> {
        self.report["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        (
                            e["url"].as_str().unwrap_or("").to_string(),
                            e["kind"].as_str().unwrap_or("").to_string(),
                            e["message"].as_str().unwrap_or("").to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The kinds recorded for URLs whose path (and query) is exactly `path`.
    fn kinds_for(&self, path: &str) -> Vec<String> {
        self.errors()
            .into_iter()
            .filter(|(u, _, _)| Url::parse(u).is_ok_and(|u| path_of(&u) == path))
            .map(|(_, k, _)| k)
            .collect()
    }

    fn assert_kind(&self, path: &str, kind: &str) {
        let kinds = self.kinds_for(path);
        assert!(
            kinds.iter().any(|k| k == kind),
            "{path}: expected error kind {kind}, got {kinds:?}; all errors: {:#?}",
            self.errors()
        );
    }

    fn pages(&self) -> Vec<Value> {
        self.report["crawl"]["pages"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn page(&self, path: &str) -> Value {
        self.pages()
            .into_iter()
            .find(|p| {
                p["url"]
                    .as_str()
                    .and_then(|u| Url::parse(u).ok())
                    .is_some_and(|u| path_of(&u) == path)
            })
            .unwrap_or_else(|| panic!("no page record for {path}: {:#?}", self.pages()))
    }

    fn fetched_paths(&self) -> Vec<String> {
        self.pages()
            .iter()
            .filter_map(|p| p["url"].as_str().and_then(|u| Url::parse(u).ok()))
            .map(|u| path_of(&u))
            .collect()
    }
}

fn path_of(u: &Url) -> String {
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_and_long_chains_are_cut() {
    let srv = serve("redirect_loop");
    let run = crawl(&srv, "/", &config()).await;
    run.assert_kind("/loop-a", "redirect_loop");
    run.assert_kind("/self", "redirect_loop");
    run.assert_kind("/chain/0", "too_many_redirects");
    run.assert_kind("/far", "too_many_redirects");
    assert_eq!(run.page("/ok")["status"], 200);
    // The first request and at most 10 redirects.
    assert!(srv.stats.count_prefix("/chain/") <= 11);
    assert!(srv.stats.count_prefix("/far") <= 11);

    // A start URL that loops still gives a report, not "unreachable".
    let run = crawl(&srv, "/loop-a", &config()).await;
    run.assert_kind("/loop-a", "redirect_loop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mb_body_stops_at_max_body() {
    let srv = serve("big_body");
    let run = crawl(&srv, "/", &config()).await;
    run.assert_kind("/big", "too_large");
    assert_eq!(run.page("/big")["bytes"], 1 << 20);
    let sent = srv
        .stats
        .bytes_sent
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        sent < 40_000_000,
        "the server wrote {sent} bytes: the body was not abandoned at the cap"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1_gib_gzip_bomb_stops_at_max_body_after_decompression() {
    // The bomb is a valid gzip stream: a small one inflates fully, trailer included.
    let (mut gen, len) = common::hostile_server::gzip_zeros(3);
    let mut wire = Vec::new();
    while let Some(Ok(b)) = gen() {
        wire.extend_from_slice(&b);
    }
    assert_eq!(wire.len() as u64, len);
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&wire[..]), &mut out)
        .expect("valid gzip");
    assert_eq!(out.len(), 3 << 20);
    assert!(out.iter().all(|b| *b == 0));

    let srv = serve("gzip_bomb");
    let run = crawl(&srv, "/", &config()).await;
    run.assert_kind("/bomb", "too_large");
    assert_eq!(run.page("/bomb")["bytes"], 1 << 20);
    let sent = srv
        .stats
        .bytes_sent
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(sent < 8_000_000, "{sent} compressed bytes sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_one_byte_per_second_drip_is_cut_by_the_request_timeout() {
    let srv = serve("drip");
    let run = crawl(&srv, "/", &config()).await;
    run.assert_kind("/drip", "timeout");
    assert_eq!(run.page("/ok")["status"], 200);
    assert!(
        run.elapsed < Duration::from_secs(5),
        "a 2 s timeout took {:?}",
        run.elapsed
    );
    // Timeouts are not retried: the drip was asked for once.
    assert_eq!(srv.stats.count("/drip"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripping_or_silent_home_page_still_gives_a_report() {
    let srv = serve("drip_root");
    let run = crawl(&srv, "/drip", &config()).await;
    run.assert_kind("/drip", "timeout");
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);

    let srv = serve("silent_root");
    let mut cfg = config();
    cfg.robots = false;
    let run = crawl(&srv, "/silent", &cfg).await;
    run.assert_kind("/silent", "timeout");
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
    assert_eq!(run.report["checks"][0]["status"], "inconclusive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_reset_mid_body_is_retried_a_bounded_number_of_times() {
    let srv = serve("reset");
    let run = crawl(&srv, "/", &config()).await;
    run.assert_kind("/rst", "connect");
    run.assert_kind("/cut", "connect");
    assert_eq!(run.page("/ok")["status"], 200);
    for p in ["/rst", "/cut"] {
        let n = srv.stats.count(p);
        assert!((2..=3).contains(&n), "{p} asked {n} times");
    }
}

/// A start page that answers 200 and then breaks off is a site that is there: the report says
/// the page broke off (kind `connect`), instead of "cannot reach", and the run ends with a report.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_page_reset_mid_body_still_gives_a_report() {
    let srv = serve("reset");
    let mut cfg = config();
    cfg.robots = false;
    let run = crawl(&srv, "/rst", &cfg).await;
    run.assert_kind("/rst", "connect");
    let (_, _, msg) = run
        .errors()
        .into_iter()
        .find(|(u, k, _)| u.ends_with("/rst") && k == "connect")
        .unwrap();
    assert!(msg.contains("after"), "{msg}");
    assert_eq!(run.report["verdict"]["ready"], false);
    assert_eq!(run.report["checks"][0]["status"], "inconclusive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_honour_retry_after_within_bounds() {
    let srv = serve("retry_after");
    let run = crawl(&srv, "/", &config()).await;
    // 429 with Retry-After: 1, three attempts, then recorded.
    run.assert_kind("/busy", "http_status");
    assert_eq!(srv.stats.count("/busy"), 3);
    // 503 once, then fine.
    assert_eq!(run.page("/flaky")["status"], 200);
    assert!(run.kinds_for("/flaky").is_empty(), "{:?}", run.errors());
    assert_eq!(srv.stats.count("/flaky"), 2);
    // Retry-After: 3600 is not waited for.
    run.assert_kind("/slowdown", "http_status");
    assert_eq!(srv.stats.count("/slowdown"), 1);
    // 503 without Retry-After: backoff, bounded.
    run.assert_kind("/down", "http_status");
    assert_eq!(srv.stats.count("/down"), 3);
    // 4xx is never retried.
    run.assert_kind("/gone", "http_status");
    assert_eq!(srv.stats.count("/gone"), 1);
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_all_500_site_gives_a_report() {
    let srv = serve("all_500");
    // robots.txt answering 5xx means "disallow all" (RFC 9309).
    let run = crawl(&srv, "/", &config()).await;
    run.assert_kind("/robots.txt", "robots");
    assert_eq!(run.report["crawl"]["robots"], "error");
    assert_eq!(srv.stats.count("/"), 0);
    assert_eq!(run.report["verdict"]["ready"], false);

    let srv = serve("all_500");
    let mut cfg = config();
    cfg.robots = false;
    let run = crawl(&srv, "/", &cfg).await;
    run.assert_kind("/", "http_status");
    assert_eq!(srv.stats.count("/"), 1, "500 is not retried");
    assert_eq!(run.report["checks"][0]["status"], "inconclusive");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_and_relative_link_traps_are_bounded() {
    let srv = serve("calendar");
    let mut cfg = config();
    cfg.max_depth = 50;
    cfg.max_pages = 80;
    let run = crawl(&srv, "/", &cfg).await;
    let cal = srv.stats.count_prefix("/cal");
    // Two shapes (`day`, `day&view`), five each.
    assert!(cal <= 10, "{cal} calendar pages fetched");
    for p in run.fetched_paths() {
        let segs: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
        assert!(segs.len() <= 24, "{p}");
        for s in &segs {
            assert!(segs.iter().filter(|x| x == &s).count() <= 3, "{p}");
        }
    }
    assert!(run.pages().len() <= 80);
    assert_ne!(run.report["crawl"]["stopped_by"], "max_time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_with_100000_links_is_bounded() {
    let srv = serve("many_links");
    let mut cfg = config();
    cfg.max_body = 5 << 20;
    cfg.max_pages = 1;
    // Parsing a 4.5 MB page takes seconds in a debug build (a fraction of a second in release).
    cfg.max_time = Duration::from_secs(20);
    let run = crawl(&srv, "/", &cfg).await;
    assert_eq!(run.page("/")["status"], 200);
    // Links were queued (within the frontier's caps) and a budget stopped the crawl (the
    // time budget only on a machine too busy to parse 4.5 MB in 20 s of a debug build).
    let stop = &run.report["crawl"]["stopped_by"];
    assert!(stop == "max_pages" || stop == "max_time", "{stop}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200000_url_sitemap_and_an_endless_sitemap_index_are_capped() {
    let srv = serve("big_sitemap");
    let run = crawl(&srv, "/", &config()).await;
    let taken = run.report["crawl"]["sitemap_urls"].as_u64().unwrap_or(0);
    assert!(taken > 0 && taken <= 50_000, "{taken} sitemap URLs taken");
    let files = srv.stats.count("/sitemap.xml")
        + srv.stats.count("/sitemap-index.xml")
        + srv.stats.count_prefix("/smi/")
        + srv.stats.count_prefix("/sm/");
    assert!(files <= 8, "{files} sitemap files fetched");
    // Nested no deeper than the cap.
    assert!(srv.stats.count_prefix("/smi/") <= 2);
    run.assert_kind("/sitemap.xml", "too_large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_robots_txt_costs_one_timeout() {
    let srv = serve("slow_robots");
    let run = crawl(&srv, "/", &config()).await;
    run.assert_kind("/robots.txt", "robots");
    assert_eq!(run.report["crawl"]["robots"], "error");
    assert!(run.elapsed < Duration::from_secs(4), "{:?}", run.elapsed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_html_home_page_is_not_downloaded() {
    let srv = serve("pdf_root");
    let run = crawl(&srv, "/", &config()).await;
    let home = run.page("/");
    assert_eq!(home["content_type"], "application/pdf");
    run.assert_kind("/", "other");
    let sent = srv
        .stats
        .bytes_sent
        .load(std::sync::atomic::Ordering::SeqCst);
    assert!(sent < 10_000_000, "{sent} bytes of PDF sent");

    // No content type at all: sniffed from the first bytes, then abandoned.
    let srv = serve("image_root_no_type");
    let run = crawl(&srv, "/", &config()).await;
    run.assert_kind("/", "other");
    assert!(run.page("/")["bytes"].as_u64().unwrap_or(u64::MAX) < 1 << 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_without_a_content_type_is_read() {
    let srv = serve("no_content_type");
    let run = crawl(&srv, "/", &config()).await;
    let home = run.page("/");
    assert_eq!(home["title"], "Untyped shop");
    assert!(home["content_type"].is_null());
    assert!(run.kinds_for("/").is_empty(), "{:?}", run.errors());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bytes_are_decoded_lossily_and_recorded() {
    let srv = serve("bad_encoding");
    let run = crawl(&srv, "/", &config()).await;
    run.assert_kind("/bad-utf8", "decode");
    assert_eq!(run.page("/bad-utf8")["title"], "Broken bytes");
    assert_eq!(run.page("/euc-kr")["title"], "배송 안내");
    assert_eq!(run.page("/cp949")["title"], "환불 정책");
    run.assert_kind("/nul", "decode");
    assert_eq!(run.page("/nul")["status"], 200);
}

/// Redirect targets on the local network are refused by the guard before any connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_to_private_addresses_are_refused_without_contacting_them() {
    let srv = serve("ssrf");
    let mut cfg = config();
    cfg.allow_private = false;
    // The guard that every hop goes through refuses these before any socket exists; checked
    // first so that a regression cannot make this test send packets off the machine.
    let http = Http::new(&cfg, vec![(srv.addr.ip(), srv.addr.port())]).expect("client");
    for target in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://[::ffff:10.0.0.1]/",
        "http://167772161/",
        "http://0x0a000001/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
        "http://127.0.0.1:1/",
        "file:///etc/passwd",
    ] {
        let u = Url::parse(target).expect("url");
        let e = http.guard(&u).expect_err(target);
        assert_eq!(e.kind, ErrorKind::BlockedAddress, "{target}");
    }

    let before = srv
        .stats
        .connections
        .load(std::sync::atomic::Ordering::SeqCst);
    let run = crawl(&srv, "/", &cfg).await;
    for p in [
        "/to-metadata",
        "/to-private",
        "/to-localhost",
        "/to-mapped",
        "/to-decimal",
        "/to-other-port",
        "/to-file",
        "/to-credentials",
    ] {
        run.assert_kind(p, "blocked_address");
    }
    // IP literals are refused by the guard (its message), which runs before any socket: the
    // resolver never sees them and nothing else reports this kind.
    for p in ["/to-metadata", "/to-private", "/to-mapped", "/to-decimal"] {
        let msgs: Vec<String> = run
            .errors()
            .into_iter()
            .filter(|(u, k, _)| u.ends_with(p) && k == "blocked_address")
            .map(|(_, _, m)| m)
            .collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("private or reserved address")),
            "{p}: {msgs:?}"
        );
    }
    assert_eq!(run.page("/ok")["status"], 200);
    // Each connection the server saw is one request it answered: nothing else was opened.
    let conns = srv
        .stats
        .connections
        .load(std::sync::atomic::Ordering::SeqCst)
        - before;
    assert_eq!(conns, srv.stats.requests().len());
    assert!(run.elapsed < Duration::from_secs(3), "{:?}", run.elapsed);

    // A start URL that redirects to the metadata service: unreachable (exit 3), at once.
    let t = Instant::now();
    let (r, _) = try_crawl(&srv, "/to-metadata", &cfg).await;
    match r {
        Err(siteready::Error::Unreachable { reason, .. }) => {
            assert!(reason.contains("169.254.169.254"), "{reason}")
        }
        other => panic!("expected unreachable, got {other:?}"),
    }
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    let (r, _) = try_crawl(&srv, "/to-private", &cfg).await;
    assert!(
        matches!(r, Err(siteready::Error::Unreachable { .. })),
        "{r:?}"
    );
}

/// A robots.txt redirecting to the metadata service is an unreadable robots.txt (crawling
/// disallowed, RFC 9309), not an unreachable site; the redirect is not followed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robots_txt_redirecting_inward_is_refused_and_reported() {
    let srv = serve("ssrf_robots");
    let cfg = Config {
        allow_private: false,
        ..config()
    };
    let run = crawl(&srv, "/", &cfg).await;
    let robots = run.kinds_for("/robots.txt");
    assert_eq!(robots, vec!["robots"], "{:?}", run.errors());
    let (_, _, msg) = run
        .errors()
        .into_iter()
        .find(|(u, _, _)| u.ends_with("/robots.txt"))
        .expect("robots error");
    assert!(msg.contains("blocked_address"), "{msg}");
    assert_eq!(run.report["crawl"]["robots"], "error");
    assert_eq!(srv.stats.requests(), vec!["/robots.txt".to_string()]);
}

/// Loopback targets are refused by default and allowed with `--allow-private`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_targets_need_allow_private() {
    let srv = serve("js_links");
    let rules = rules();
    let strict = Config {
        allow_private: false,
        ..config()
    };
    for target in [
        srv.url("/"),
        format!("http://localhost:{}/", srv.addr.port()),
        format!("http://[::ffff:127.0.0.1]:{}/", srv.addr.port()),
        format!("http://2130706433:{}/", srv.addr.port()),
    ] {
        let t = Instant::now();
        let r = siteready::audit(&target, rules, &strict).await;
        match r {
            Err(siteready::Error::Unreachable { reason, .. }) => {
                assert!(reason.contains("private"), "{target}: {reason}")
            }
            other => panic!("{target}: expected unreachable, got {other:?}"),
        }
        assert!(t.elapsed() < Duration::from_secs(2), "{target}");
    }
    assert_eq!(
        srv.stats
            .connections
            .load(std::sync::atomic::Ordering::SeqCst),
        0,
        "a refused target was contacted"
    );
    let open = siteready::audit(&srv.url("/"), rules, &config())
        .await
        .expect("report with --allow-private");
    assert_eq!(open.crawl.pages[0].status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_data_and_other_scheme_links_are_not_followed() {
    let srv = serve("js_links");
    let run = crawl(&srv, "/", &config()).await;
    assert_eq!(run.page("/ok")["status"], 200);
    for r in srv.stats.requests() {
        assert!(!r.contains("trap"), "fetched {r}");
    }
    for u in run.pages().iter().filter_map(|p| p["url"].as_str()) {
        let u = Url::parse(u).expect("url");
        assert_eq!(u.scheme(), "http");
        assert_eq!(u.host_str(), Some("127.0.0.1"));
        assert!(u.username().is_empty());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_1000_deep_link_chain_stops_at_max_depth() {
    let srv = serve("deep_chain");
    let mut cfg = config();
    cfg.max_depth = 5;
    let run = crawl(&srv, "/", &cfg).await;
    assert_eq!(srv.stats.count_prefix("/c/"), 5);
    let deepest = run.pages().iter().filter_map(|p| p["depth"].as_u64()).max();
    assert_eq!(deepest, Some(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deeply_nested_and_attribute_heavy_markup_costs_no_more_than_a_big_page() {
    let srv = serve("deep_nesting");
    let mut cfg = config();
    cfg.max_body = 6 << 20;
    // Unbounded, these pages take hours (nesting), minutes (attributes) or gigabytes
    // (formatting); bounded, a few seconds in a debug build. The release figures are in
    // scripts/hostile-memory.sh.
    cfg.max_time = Duration::from_secs(30);
    let run = crawl(&srv, "/", &cfg).await;
    assert_ne!(run.report["crawl"]["stopped_by"], "max_time");
    assert_eq!(run.page("/nest")["title"], "Nested");
    assert_eq!(run.page("/attrs")["title"], "Attributes");
    assert_eq!(run.page("/formatting")["title"], "Formatting");
    for p in ["/nest", "/attrs", "/formatting"] {
        run.assert_kind(p, "too_large");
    }
}

#[test]
fn the_guard_allows_only_the_exempt_loopback_address() {
    let cfg = Config {
        allow_private: false,
        ..config()
    };
    let ip: IpAddr = "127.0.0.1".parse().expect("ip");
    let http = Http::new(&cfg, vec![(ip, 4321)]).expect("client");
    assert!(http
        .guard(&Url::parse("http://127.0.0.1:4321/").expect("url"))
        .is_ok());
    assert!(http
        .guard(&Url::parse("http://127.0.0.1:4322/").expect("url"))
        .is_err());
    assert!(http
        .guard(&Url::parse("https://user:pw@shop.example/").expect("url"))
        .is_err());
}
