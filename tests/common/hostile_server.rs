//! A programmable loopback HTTP server that behaves like the worst merchant sites: redirect
//! loops, endless bodies, decompression bombs, slow drips, resets, rate limits, crawler traps,
//! huge sitemaps, bad bytes and redirects towards the local network.
//!
//! Each site is a handler from request to [`Reply`]; bodies are generated on the fly, so a 200 MB
//! body or a 1 GiB gzip bomb costs the server a few kilobytes. The server runs on its own thread
//! and runtime on `127.0.0.1:0` so that a crawler busy parsing cannot starve it, counts
//! connections, requests and body bytes sent, and never connects anywhere itself.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server saw.
#[derive(Default)]
pub struct Stats {
    /// TCP connections accepted (keep-alive is off: one per request).
    pub connections: AtomicUsize,
    /// Body bytes written, all requests together (compressed bytes for the bomb).
    pub bytes_sent: AtomicU64,
    requests: Mutex<Vec<String>>,
}

impl Stats {
    /// Every request target (`/path?query`), in arrival order.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }

    /// How many requests had exactly this target.
    pub fn count(&self, target: &str) -> usize {
        self.requests().iter().filter(|r| *r == target).count()
    }

    /// How many requests had a target starting with `prefix`.
    pub fn count_prefix(&self, prefix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.starts_with(prefix))
            .count()
    }

    fn record(&self, target: &str) -> usize {
        let Ok(mut r) = self.requests.lock() else {
            return 0;
        };
        if r.len() < 200_000 {
            r.push(target.to_string());
        }
        r.iter().filter(|t| *t == target).count()
    }
}

/// One request as a handler sees it.
pub struct Req {
    pub path: String,
    pub query: Option<String>,
    /// 1 for the first request with this target, 2 for the second, …
    pub nth: usize,
    /// The server's own port (for absolute self-links and redirects).
    pub port: u16,
}

impl Req {
    /// The value of one query parameter.
    pub fn param(&self, key: &str) -> Option<String> {
        self.query.as_deref()?.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == key).then(|| v.to_string())
        })
    }
}

/// A generated body: each call gives the next chunk, an error (the connection is cut), or the end.
pub type Gen = Box<dyn FnMut() -> Option<io::Result<Bytes>> + Send>;

/// How the body is produced.
pub enum BodySpec {
    Bytes(Bytes),
    /// Chunks from a generator; `len` is the declared Content-Length, if any.
    Gen {
        gen: Gen,
        len: Option<u64>,
    },
    /// `total` bytes of `byte`, one every `every`.
    Drip {
        byte: u8,
        every: Duration,
        total: u64,
    },
}

/// The answer to one request.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: BodySpec,
    /// Wait this long before sending the status line.
    pub delay: Duration,
}

impl Reply {
    pub fn new(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Reply {
        Reply {
            status,
            headers: content_type
                .map(|c| vec![("content-type".to_string(), c.to_string())])
                .unwrap_or_default(),
            body: BodySpec::Bytes(body.into()),
            delay: Duration::ZERO,
        }
    }

    /// An HTML page (UTF-8).
    pub fn html(status: u16, body: impl Into<Bytes>) -> Reply {
        Reply::new(status, Some("text/html; charset=utf-8"), body)
    }

    pub fn redirect(status: u16, location: &str) -> Reply {
        Reply::html(status, "").header("location", location)
    }

    pub fn not_found() -> Reply {
        Reply::html(
            404,
            "<!doctype html><title>Not found</title><h1>Not found</h1>",
        )
    }

    pub fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }

    pub fn delayed(mut self, d: Duration) -> Reply {
        self.delay = d;
        self
    }

    pub fn generated(mut self, len: Option<u64>, gen: Gen) -> Reply {
        self.body = BodySpec::Gen { gen, len };
        self
    }
}

/// A site: request in, reply out.
pub type Handler = Arc<dyn Fn(&Req) -> Reply + Send + Sync>;

/// A running server; dropping it stops it.
pub struct Server {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts `handler` on an ephemeral port of 127.0.0.1, on its own thread.
    pub fn start(handler: Handler) -> Server {
        let (tx_addr, rx_addr) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let stats = Arc::new(Stats::default());
        let st = stats.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("server runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
                let addr = listener.local_addr().expect("local addr");
                tx_addr.send(addr).expect("send addr");
                let accept = async {
                    loop {
                        let Ok((stream, _)) = listener.accept().await else {
                            continue;
                        };
                        st.connections.fetch_add(1, Ordering::SeqCst);
                        let handler = handler.clone();
                        let st = st.clone();
                        tokio::spawn(connection(stream, addr.port(), handler, st));
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stopped => {}
                }
            });
            rt.shutdown_background();
        });
        let addr = rx_addr.recv().expect("server address");
        Server {
            addr,
            stats,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Paths starting with this are answered by hand on the socket: a partial body, then a TCP RST.
const RST_PREFIX: &[u8] = b"GET /rst";

async fn connection(stream: TcpStream, port: u16, handler: Handler, stats: Arc<Stats>) {
    let mut peek = [0u8; 64];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.peek(&mut peek))
        .await
        .ok()
        .and_then(|r| r.ok())
        .unwrap_or(0);
    if peek[..n].starts_with(RST_PREFIX) {
        reset_mid_body(stream, &stats).await;
        return;
    }
    let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
        let handler = handler.clone();
        let stats = stats.clone();
        async move {
            let target = req
                .uri()
                .path_and_query()
                .map(|p| p.as_str().to_string())
                .unwrap_or_else(|| "/".into());
            let nth = stats.record(&target);
            let r = Req {
                path: req.uri().path().to_string(),
                query: req.uri().query().map(str::to_string),
                nth,
                port,
            };
            let reply = handler(&r);
            if !reply.delay.is_zero() {
                tokio::time::sleep(reply.delay).await;
            }
            Ok::<_, Infallible>(into_response(reply, stats))
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), svc)
        .await;
}

/// Declares 100,000 bytes, sends 1,000, then aborts the connection with a RST.
async fn reset_mid_body(mut stream: TcpStream, stats: &Stats) {
    let mut buf = vec![0u8; 8192];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") && got.len() < 64 * 1024 {
        match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => return,
        }
    }
    let line = String::from_utf8_lossy(&got);
    let target = line.split_whitespace().nth(1).unwrap_or("/rst").to_string();
    stats.record(&target);
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: 100000\r\n\r\n";
    let mut body = b"<!doctype html><title>Reset</title><p>".to_vec();
    body.resize(1000, b'x');
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.flush().await;
    stats
        .bytes_sent
        .fetch_add(body.len() as u64, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let _ = stream.set_zero_linger();
    drop(stream);
}

fn into_response(reply: Reply, stats: Arc<Stats>) -> Response<HBody> {
    let declared = match &reply.body {
        BodySpec::Bytes(b) => Some(b.len() as u64),
        BodySpec::Gen { len, .. } => *len,
        BodySpec::Drip { .. } => None,
    };
    let body = HBody {
        kind: match reply.body {
            BodySpec::Bytes(b) => Kind::Once(Some(b)),
            BodySpec::Gen { gen, .. } => Kind::Gen(gen),
            BodySpec::Drip { byte, every, total } => Kind::Drip {
                byte,
                every,
                left: total,
                sleep: None,
            },
        },
        declared,
        stats,
    };
    let mut resp = Response::new(body);
    *resp.status_mut() = hyper::StatusCode::from_u16(reply.status).unwrap_or(hyper::StatusCode::OK);
    for (k, v) in reply.headers {
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            hyper::header::HeaderValue::from_str(&v),
        ) {
            resp.headers_mut().append(k, v);
        }
    }
    resp
}

enum Kind {
    Once(Option<Bytes>),
    Gen(Gen),
    Drip {
        byte: u8,
        every: Duration,
        left: u64,
        sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    },
}

/// The response body type: bytes, a generator, or a drip.
pub struct HBody {
    kind: Kind,
    declared: Option<u64>,
    stats: Arc<Stats>,
}

impl Body for HBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        let out = match &mut this.kind {
            Kind::Once(b) => b.take().map(Ok),
            Kind::Gen(g) => g(),
            Kind::Drip {
                byte,
                every,
                left,
                sleep,
            } => {
                if *left == 0 {
                    None
                } else {
                    let s = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(*every)));
                    if s.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *sleep = None;
                    *left -= 1;
                    Some(Ok(Bytes::from(vec![*byte])))
                }
            }
        };
        if let Some(Ok(b)) = &out {
            this.stats
                .bytes_sent
                .fetch_add(b.len() as u64, Ordering::SeqCst);
        }
        Poll::Ready(out.map(|r| r.map(Frame::data)))
    }

    fn size_hint(&self) -> SizeHint {
        match self.declared {
            Some(n) => SizeHint::with_exact(n),
            None => SizeHint::default(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Body generators.

/// `total` bytes made of `unit` repeated, in chunks of about 64 KiB.
pub fn repeat(unit: &[u8], total: u64) -> Gen {
    let per = (64 * 1024 / unit.len().max(1)).max(1);
    let chunk = Bytes::from(unit.repeat(per));
    let mut left = total;
    Box::new(move || {
        if left == 0 {
            return None;
        }
        let n = (chunk.len() as u64).min(left) as usize;
        left -= n as u64;
        Some(Ok(chunk.slice(..n)))
    })
}

/// `first`, then an error: the server cuts the connection mid-body.
pub fn cut_after(first: Bytes) -> Gen {
    let mut first = Some(first);
    Box::new(move || match first.take() {
        Some(b) => Some(Ok(b)),
        None => Some(Err(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "cut on purpose",
        ))),
    })
}

/// Lines produced by `line(i)` for `i` in `0..n`, between `head` and `tail`.
pub fn lines(
    head: String,
    n: u64,
    line: impl Fn(u64) -> String + Send + 'static,
    tail: String,
) -> Gen {
    let mut i = 0u64;
    let mut head = Some(head);
    let mut tail = Some(tail);
    Box::new(move || {
        if let Some(h) = head.take() {
            return Some(Ok(Bytes::from(h)));
        }
        if i < n {
            let mut s = String::with_capacity(64 * 1024);
            while i < n && s.len() < 60 * 1024 {
                s.push_str(&line(i));
                i += 1;
            }
            return Some(Ok(Bytes::from(s)));
        }
        tail.take().map(|t| Ok(Bytes::from(t)))
    })
}

/// A gzip stream that inflates to `mib` MiB of zero bytes, built from one compressed 1 MiB
/// block repeated (each block ends with a full flush, so the copies are independent): about
/// 1 KiB on the wire per MiB inflated, never held in memory whole.
pub fn gzip_zeros(mib: u64) -> (Gen, u64) {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut block = Vec::with_capacity(64 * 1024);
    c.compress_vec(&zeros, &mut block, FlushCompress::Full)
        .expect("deflate");
    assert_eq!(c.total_in(), 1 << 20, "one call compresses the whole block");
    let mut fin = Vec::with_capacity(64);
    c.compress_vec(&[], &mut fin, FlushCompress::Finish)
        .expect("deflate finish");
    let mut one = Crc::new();
    one.update(&zeros);
    let mut crc = Crc::new();
    for _ in 0..mib {
        crc.combine(&one);
    }
    let mut tail = fin;
    tail.extend_from_slice(&crc.sum().to_le_bytes());
    tail.extend_from_slice(&((mib << 20) as u32).to_le_bytes());
    let header = Bytes::from_static(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    let block = Bytes::from(block);
    let len = header.len() as u64 + block.len() as u64 * mib + tail.len() as u64;
    let mut step = 0u64;
    let mut tail = Some(Bytes::from(tail));
    let gen: Gen = Box::new(move || {
        step += 1;
        if step == 1 {
            Some(Ok(header.clone()))
        } else if step <= mib + 1 {
            Some(Ok(block.clone()))
        } else {
            tail.take().map(Ok)
        }
    });
    (gen, len)
}

// ---------------------------------------------------------------------------------------------
// Pages.

/// A small HTML page.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    )
}

/// Links to each path, one per line.
pub fn links(paths: &[&str]) -> String {
    paths
        .iter()
        .map(|p| format!("<a href=\"{p}\">{p}</a><br>\n"))
        .collect()
}

/// `n` written in letters only (`a`, `b`, …, `z`, `ba`, …), so that URL shapes differ by
/// more than a number and per-pattern caps do not group them.
pub fn letters(mut n: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Distinct words derived from `seed`, so that trap pages do not look alike to a
/// soft-404 fingerprint.
fn words(seed: &str, n: usize) -> String {
    let mut h: u64 = 1469598103934665603;
    for b in seed.bytes() {
        h = (h ^ b as u64).wrapping_mul(1099511628211);
    }
    (0..n)
        .map(|i| {
            h = h
                .wrapping_mul(6364136223846793005)
                .wrapping_add(i as u64 | 1);
            letters((h >> 33) as usize % 100_000)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------------------------------------
// Sites.

/// Every hostile site, by name (the memory script runs them all).
pub const SITES: &[&str] = &[
    "redirect_loop",
    "big_body",
    "gzip_bomb",
    "drip",
    "drip_root",
    "silent_root",
    "reset",
    "retry_after",
    "all_500",
    "calendar",
    "many_links",
    "big_sitemap",
    "slow_robots",
    "pdf_root",
    "image_root_no_type",
    "no_content_type",
    "bad_encoding",
    "ssrf",
    "ssrf_robots",
    "js_links",
    "deep_chain",
    "deep_nesting",
];

/// The path a site is crawled from.
pub fn start_path(site: &str) -> &'static str {
    match site {
        "drip_root" => "/drip",
        "silent_root" => "/silent",
        _ => "/",
    }
}

fn h(f: impl Fn(&Req) -> Reply + Send + Sync + 'static) -> Handler {
    Arc::new(f)
}

/// The handler of the site `name`.
pub fn site(name: &str) -> Option<Handler> {
    Some(match name {
        "redirect_loop" => h(|r| match r.path.as_str() {
            "/" => Reply::html(
                200,
                page(
                    "Loops",
                    &links(&["/loop-a", "/self", "/chain/0", "/ok", "/far"]),
                ),
            ),
            "/loop-a" => Reply::redirect(302, "/loop-b"),
            "/loop-b" => Reply::redirect(301, "/loop-a"),
            "/self" => Reply::redirect(307, "/self"),
            "/ok" => Reply::html(200, page("Fine", "<p>A page that works.</p>")),
            // A chain that ends, but only after more hops than allowed.
            "/far" => Reply::redirect(302, "/far/1"),
            p if p.starts_with("/far/") => {
                let n: u32 = p[5..].parse().unwrap_or(0);
                if n >= 15 {
                    Reply::html(200, page("Far", "<p>far</p>"))
                } else {
                    Reply::redirect(302, &format!("/far/{}", n + 1))
                }
            }
            p if p.starts_with("/chain/") => {
                let n: u64 = p[7..].parse().unwrap_or(0);
                Reply::redirect(302, &format!("/chain/{}", n + 1))
            }
            _ => Reply::not_found(),
        }),
        "big_body" => h(|r| match r.path.as_str() {
            "/" => Reply::html(200, page("Big", &links(&["/big"]))),
            "/big" => Reply::html(200, "").generated(
                Some(200 * 1000 * 1000),
                repeat(b"<p>filler text filler text filler text</p>\n", 200_000_000),
            ),
            _ => Reply::not_found(),
        }),
        "gzip_bomb" => h(|r| match r.path.as_str() {
            "/" => Reply::html(200, page("Bomb", &links(&["/bomb"]))),
            "/bomb" => {
                let (gen, len) = gzip_zeros(1024);
                Reply::html(200, "")
                    .header("content-encoding", "gzip")
                    .generated(Some(len), gen)
            }
            _ => Reply::not_found(),
        }),
        "drip" | "drip_root" => h(|r| match r.path.as_str() {
            "/" => Reply::html(200, page("Drip", &links(&["/drip", "/ok"]))),
            "/ok" => Reply::html(200, page("Fine", "<p>A page that works.</p>")),
            "/drip" => Reply {
                body: BodySpec::Drip {
                    byte: b' ',
                    every: Duration::from_secs(1),
                    total: 100_000,
                },
                ..Reply::html(200, "")
            },
            _ => Reply::not_found(),
        }),
        // Accepts the connection, never sends a status line.
        "silent_root" => h(|_| Reply::not_found().delayed(Duration::from_secs(3600))),
        "reset" => h(|r| match r.path.as_str() {
            "/" => Reply::html(200, page("Resets", &links(&["/rst", "/cut", "/ok"]))),
            "/ok" => Reply::html(200, page("Fine", "<p>A page that works.</p>")),
            "/cut" => Reply::html(200, "")
                .generated(Some(100_000), cut_after(Bytes::from(vec![b' '; 1000]))),
            _ => Reply::not_found(),
        }),
        "retry_after" => h(|r| match r.path.as_str() {
            "/" => Reply::html(
                200,
                page(
                    "Busy",
                    &links(&["/busy", "/flaky", "/slowdown", "/gone", "/down"]),
                ),
            ),
            "/busy" => Reply::html(429, "slow down").header("retry-after", "1"),
            "/flaky" if r.nth == 1 => Reply::html(503, "later").header("retry-after", "1"),
            "/flaky" => Reply::html(200, page("Flaky", "<p>Second time lucky.</p>")),
            "/slowdown" => Reply::html(429, "much later").header("retry-after", "3600"),
            "/down" => Reply::html(503, "down"),
            _ => Reply::not_found(),
        }),
        "all_500" => h(|_| {
            Reply::html(
                500,
                "<!doctype html><title>Internal Server Error</title><h1>500</h1>",
            )
        }),
        "calendar" => h(|r| {
            if r.path == "/" {
                return Reply::html(
                    200,
                    page("Calendar", &links(&["/cal?day=1", "/loop/", "/policy"])),
                );
            }
            if r.path == "/cal" {
                let d: i64 = r.param("day").and_then(|d| d.parse().ok()).unwrap_or(0);
                let next = format!("/cal?day={}", d + 1);
                let prev = format!("/cal?day={}", d - 1);
                let week = format!("/cal?day={d}&view=week");
                return Reply::html(
                    200,
                    page(
                        &format!("Day {d}"),
                        &format!(
                            "<p>{}</p>{}",
                            words(&r.path, 40),
                            links(&[&next, &prev, &week])
                        ),
                    ),
                );
            }
            // Everything else answers 200 (soft 404) with relative links that nest forever.
            let seed = format!("{}?{}", r.path, r.query.clone().unwrap_or_default());
            Reply::html(
                200,
                page(
                    "Anything",
                    &format!(
                        "<p>{}</p>{}",
                        words(&seed, 60),
                        links(&["a/", "b/", "../b/a/", "./a/b/"])
                    ),
                ),
            )
        }),
        "many_links" => h(|r| {
            if r.path == "/" || r.path.starts_with("/item/") {
                let mut body = String::with_capacity(4 << 20);
                let base = if r.path == "/" { 0 } else { 100_000 };
                for i in 0..100_000 {
                    body.push_str(&format!(
                        "<a href=\"/item/{}\">item {}</a>\n",
                        letters(base + i),
                        i
                    ));
                }
                Reply::html(200, page("Links", &body))
            } else {
                Reply::not_found()
            }
        }),
        "big_sitemap" => h(|r| match r.path.as_str() {
            "/robots.txt" => Reply::new(
                200,
                Some("text/plain"),
                "User-agent: *\nAllow: /\nSitemap: /sitemap.xml\nSitemap: /sitemap-index.xml\n",
            ),
            "/" => Reply::html(200, page("Shop", &links(&["/about"]))),
            "/sitemap.xml" => {
                let port = r.port;
                Reply::new(200, Some("application/xml"), "").generated(
                    None,
                    lines(
                        "<?xml version=\"1.0\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n".into(),
                        200_000,
                        move |i| {
                            format!(
                                "<url><loc>http://127.0.0.1:{port}/p/{}</loc></url>\n",
                                letters(i as usize)
                            )
                        },
                        "</urlset>\n".into(),
                    ),
                )
            }
            "/sitemap-index.xml" => sitemap_index(0),
            p if p.starts_with("/smi/") => {
                let n: u64 = p[5..].trim_end_matches(".xml").parse().unwrap_or(0);
                sitemap_index(n + 1)
            }
            p if p.starts_with("/sm/") => Reply::new(
                200,
                Some("application/xml"),
                format!(
                    "<urlset>{}</urlset>",
                    (0..1000)
                        .map(|i| format!("<url><loc>/q/{}</loc></url>", letters(i)))
                        .collect::<String>()
                ),
            ),
            p if p.starts_with("/p/") || p.starts_with("/q/") || p == "/about" => {
                Reply::html(200, page("Product", "<p>A product.</p>"))
            }
            _ => Reply::not_found(),
        }),
        "slow_robots" => h(|r| match r.path.as_str() {
            "/robots.txt" => Reply::new(200, Some("text/plain"), "User-agent: *\nAllow: /\n")
                .delayed(Duration::from_secs(30)),
            "/" => Reply::html(200, page("Shop", "<p>Welcome.</p>")),
            _ => Reply::not_found(),
        }),
        "pdf_root" => h(|r| match r.path.as_str() {
            "/" => Reply::new(200, Some("application/pdf"), "").generated(
                Some(50_000_000),
                repeat(b"%PDF-1.4 0000000000 65535 f \n", 50_000_000),
            ),
            _ => Reply::not_found(),
        }),
        "image_root_no_type" => h(|r| match r.path.as_str() {
            "/" => Reply::new(200, None, "").generated(
                Some(50_000_000),
                repeat(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10", 50_000_000),
            ),
            _ => Reply::not_found(),
        }),
        "no_content_type" => h(|r| match r.path.as_str() {
            "/" => Reply::new(
                200,
                None,
                page("Untyped shop", "<p>Served without a content type.</p>"),
            ),
            _ => Reply::not_found(),
        }),
        "bad_encoding" => h(|r| match r.path.as_str() {
            "/" => Reply::html(
                200,
                page("Bytes", &links(&["/bad-utf8", "/euc-kr", "/nul", "/cp949"])),
            ),
            "/bad-utf8" => {
                let mut b = page("Broken bytes", "<p>before ").into_bytes();
                b.extend_from_slice(b"\xff\xfe\xc3\x28 \xe2\x82 after</p>");
                Reply::html(200, b)
            }
            "/euc-kr" => {
                let (b, _, _) = encoding_rs::EUC_KR.encode(
                    "<html><head><title>배송 안내</title></head><body><p>배송비 3,000원, \
                     교환 및 반품은 상품을 공급받으신 날로부터 7일 이내에 가능합니다.</p></body></html>",
                );
                Reply::new(200, Some("text/html"), b.into_owned())
            }
            "/cp949" => {
                let (b, _, _) = encoding_rs::EUC_KR.encode(
                    "<html><head><title>환불 정책</title></head><body><p>환불</p></body></html>",
                );
                Reply::new(200, Some("text/html; charset=cp949"), b.into_owned())
            }
            "/nul" => {
                let mut b = b"<!doctype html><title>Nul\0bytes</title><p>a\0b\0c</p>".to_vec();
                b.extend(std::iter::repeat_n(0u8, 10_000));
                b.extend_from_slice(b"<p>after the zeros</p>");
                Reply::html(200, b)
            }
            _ => Reply::not_found(),
        }),
        "ssrf" => h(|r| {
            let port = r.port;
            match r.path.as_str() {
                "/" => Reply::html(
                    200,
                    page(
                        "Redirects inward",
                        &(links(&[
                            "/to-metadata",
                            "/to-private",
                            "/to-localhost",
                            "/to-mapped",
                            "/to-decimal",
                            "/to-other-port",
                            "/to-file",
                            "/to-credentials",
                            "/ok",
                        ]) + "<a href=\"http://169.254.169.254/latest/meta-data/\">meta</a>\
                              <a href=\"http://10.0.0.1/\">intranet</a>"),
                    ),
                ),
                "/ok" => Reply::html(200, page("Fine", "<p>A page that works.</p>")),
                "/to-metadata" => Reply::redirect(302, "http://169.254.169.254/latest/meta-data/"),
                "/to-private" => Reply::redirect(302, "http://10.0.0.1/"),
                "/to-localhost" => Reply::redirect(302, "http://localhost:1/ok"),
                "/to-mapped" => Reply::redirect(302, "http://[::ffff:10.0.0.1]/"),
                "/to-decimal" => Reply::redirect(302, "http://167772161/"),
                "/to-other-port" => Reply::redirect(302, "http://127.0.0.1:1/"),
                "/to-file" => Reply::redirect(302, "file:///etc/passwd"),
                "/to-credentials" => {
                    Reply::redirect(302, &format!("http://user:secret@127.0.0.1:{port}/ok"))
                }
                _ => Reply::not_found(),
            }
        }),
        // robots.txt itself redirects to the metadata service.
        "ssrf_robots" => h(|r| match r.path.as_str() {
            "/robots.txt" => Reply::redirect(301, "http://169.254.169.254/robots.txt"),
            "/" => Reply::html(200, page("Shop", "<p>Welcome.</p>")),
            _ => Reply::not_found(),
        }),
        "js_links" => h(|r| match r.path.as_str() {
            "/" => Reply::html(
                200,
                page(
                    "Odd links",
                    r##"<a href="javascript:alert(1)">js</a>
                       <a href="JaVaScRiPt:void(0)">js2</a>
                       <a href=" javascript:location='/trap'">js3</a>
                       <a href="data:text/html,<a href=/trap>x</a>">data</a>
                       <a href="vbscript:msgbox(1)">vb</a>
                       <a href="mailto:shop@example.com">mail</a>
                       <a href="tel:+82-2-000-0000">tel</a>
                       <a href="file:///etc/passwd">file</a>
                       <a href="ftp://127.0.0.1/pub">ftp</a>
                       <a href="http://user:pw@127.0.0.1/trap">creds</a>
                       <a href="//shop.invalid/trap">other site</a>
                       <a href="#top">fragment</a>
                       <a href="/ok#frag">ok</a>
                       <iframe src="/trap-frame"></iframe>
                       <form action="/trap-form" method="post"><input name="q"><button>Search</button></form>"##,
                ),
            ),
            "/ok" => Reply::html(200, page("Fine", "<p>A page that works.</p>")),
            _ => Reply::not_found(),
        }),
        "deep_chain" => h(|r| {
            let n = if r.path == "/" {
                Some(0)
            } else {
                r.path
                    .strip_prefix("/c/")
                    .and_then(|s| (0..1000).find(|i| letters(*i) == s).map(|i| i + 1))
            };
            match n {
                Some(n) if n < 1000 => Reply::html(
                    200,
                    page(
                        &format!("Step {n}"),
                        &links(&[&format!("/c/{}", letters(n))]),
                    ),
                ),
                Some(_) => Reply::html(200, page("Bottom", "<p>The end.</p>")),
                None => Reply::not_found(),
            }
        }),
        "deep_nesting" => h(|r| match r.path.as_str() {
            "/" => Reply::html(
                200,
                page("Markup", &links(&["/nest", "/attrs", "/formatting"])),
            ),
            // 1,000,000 nested <div>s (5 MB).
            "/nest" => Reply::html(200, "").generated(
                None,
                lines(
                    "<!doctype html><title>Nested</title><p>Shipping costs 3,000 won.</p>".into(),
                    1_000_000,
                    |_| "<div>".into(),
                    "<p>deep text</p><a href=\"/ok\">deep link</a>".into(),
                ),
            ),
            // One element with hundreds of thousands of attributes.
            "/attrs" => Reply::html(200, "").generated(
                None,
                lines(
                    "<!doctype html><title>Attributes</title><div ".into(),
                    400_000,
                    |i| format!("a{i}=1 "),
                    ">text</div>".into(),
                ),
            ),
            // Formatting elements that the parser re-opens in every paragraph.
            "/formatting" => {
                let mut head = String::from("<!doctype html><title>Formatting</title><div>");
                for i in 0..2000 {
                    head.push_str(&format!("<b id=b{i}>"));
                }
                head.push_str("</div>");
                Reply::html(200, "").generated(
                    None,
                    lines(head, 600_000, |_| "<p>x</p>".into(), String::new()),
                )
            }
            "/ok" => Reply::html(200, page("Fine", "<p>A page that works.</p>")),
            _ => Reply::not_found(),
        }),
        _ => return None,
    })
}

fn sitemap_index(n: u64) -> Reply {
    Reply::new(
        200,
        Some("application/xml"),
        format!(
            "<?xml version=\"1.0\"?><sitemapindex>\
             <sitemap><loc>/smi/{n}.xml</loc></sitemap>\
             <sitemap><loc>/sm/{n}.xml</loc></sitemap>\
             </sitemapindex>"
        ),
    )
}
