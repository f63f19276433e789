//! One shared HTTP client with every bound a hostile site needs: no automatic redirects (each
//! hop is checked), a resolver that refuses private addresses, a streamed body cap that also
//! bounds decompression, per-request timeouts, bounded retries, and per-host politeness.

use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, LOCATION, RETRY_AFTER};
use url::{Host, Url};

use super::decode::{decode, Decoded};
use super::normalize::MAX_URL_LEN;
use super::scope::{is_blocked_ip, Scope};
use crate::config::Config;

/// Most redirect hops followed for one request.
pub const MAX_REDIRECTS: usize = 10;
/// Longest `Retry-After` honoured; a server asking for a longer wait gets no retry at all.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Requests sent for one URL when the failures are transient (connection refused or reset,
/// 429, 503): the first try and two retries.
const ATTEMPTS: usize = 3;
/// First backoff between transient failures; doubled on each retry.
const BACKOFF: Duration = Duration::from_millis(500);
/// Bytes read from a body without a content type before deciding whether it is HTML.
const SNIFF_BYTES: usize = 1024;

pub use crate::error::ErrorKind;

/// A failed fetch.
#[derive(Debug, Clone)]
pub struct FetchError {
    /// What went wrong, as reported in the report's errors.
    pub kind: ErrorKind,
    /// Human-readable detail (the server or library's words).
    pub message: String,
    /// Last URL tried (after redirects).
    pub final_url: Option<Url>,
    /// The status the server answered before the body broke off, when it did: the site is
    /// there, and the failure is the page's, not the host's.
    pub status: Option<u16>,
}

impl FetchError {
    fn new(kind: ErrorKind, message: impl Into<String>, at: &Url) -> Self {
        FetchError {
            kind,
            message: message.into(),
            final_url: Some(at.clone()),
            status: None,
        }
    }
}

/// A response, with the body decoded when it is HTML (or text when asked).
#[derive(Debug)]
pub struct Fetched {
    /// URL that answered, after redirects.
    pub final_url: Url,
    /// HTTP status of the final response.
    pub status: u16,
    /// The Content-Type header as sent, if any.
    pub content_type: Option<String>,
    /// Decoded body: present for HTML (and for text when [`Want::Text`]).
    pub body: Option<Decoded>,
    /// Bytes read (after decompression); for skipped bodies, the declared length if any.
    pub bytes: usize,
    /// Time the fetch took, redirects and retries included.
    pub elapsed: Duration,
    /// The body was cut at the cap.
    pub truncated: bool,
}

/// What the caller wants of the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// HTML pages: other content types are not downloaded.
    Html,
    /// robots.txt and sitemaps: any text.
    Text,
}

#[derive(Debug, thiserror::Error)]
#[error("{0} resolves only to private or reserved addresses")]
struct BlockedAddress(String);

/// Fixed answers for the resolver, so tests can exercise the address filter without DNS.
type HostTable = Vec<(String, Vec<IpAddr>)>;

/// A DNS resolver that drops private and reserved addresses, so that neither a hostname nor a
/// DNS-rebinding answer can point the crawler at the local network: the client connects only
/// to addresses this resolver returned.
struct GuardedResolver {
    allow_private: bool,
    table: Option<Arc<HostTable>>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow_private;
        let table = self.table.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> = match &table {
                Some(t) => t
                    .iter()
                    .filter(|(h, _)| h.eq_ignore_ascii_case(&host))
                    .flat_map(|(_, ips)| ips.iter().map(|ip| SocketAddr::new(*ip, 0)))
                    .collect(),
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            let ok: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| allow || !is_blocked_ip(a.ip()))
                .collect();
            if ok.is_empty() {
                return Err(
                    Box::new(BlockedAddress(host)) as Box<dyn std::error::Error + Send + Sync>
                );
            }
            Ok(Box::new(ok.into_iter()) as Addrs)
        })
    }
}

/// The HTTP side of a run: one client and one per-host limiter, shared by every site of a batch.
pub struct Http {
    client: reqwest::Client,
    limiter: Option<DefaultKeyedRateLimiter<String>>,
    allow_private: bool,
    /// Exact loopback addresses allowed even when private addresses are not (the local folder server).
    allowed: Vec<(IpAddr, u16)>,
    /// Cap on one response body in bytes (from [`Config::max_body`]); longer bodies are cut.
    pub max_body: usize,
    /// Bound on one whole fetch: every redirect hop, retry and wait included.
    budget: Duration,
}

impl Http {
    /// Builds the client for `config`. `allowed` lists addresses exempt from the private-address
    /// guard (the server `check DIR` starts for itself).
    pub fn new(config: &Config, allowed: Vec<(IpAddr, u16)>) -> crate::Result<Arc<Http>> {
        config.validate()?;
        Http::build(config, allowed, None)
    }

    fn build(
        config: &Config,
        allowed: Vec<(IpAddr, u16)>,
        table: Option<HostTable>,
    ) -> crate::Result<Arc<Http>> {
        // The connect timeout fires before the request timeout, so that a host that never
        // accepts is told apart (unreachable) from one that accepts and never answers.
        let connect_timeout = config
            .timeout
            .mul_f64(0.75)
            .clamp(Duration::from_millis(100), Duration::from_secs(10));
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(GuardedResolver {
                allow_private: config.allow_private,
                table: table.map(Arc::new),
            }))
            .no_proxy()
            .user_agent(config.user_agent.clone())
            .timeout(config.timeout)
            .connect_timeout(connect_timeout)
            .pool_max_idle_per_host(config.concurrency.max(1))
            .gzip(true)
            .brotli(true)
            .deflate(true)
            .build()
            .map_err(|e| crate::Error::Other(format!("cannot build HTTP client: {e}")))?;
        let limiter = if config.rate > 0.0 && config.rate.is_finite() {
            let quota = if config.rate >= 1.0 {
                Quota::per_second(
                    NonZeroU32::new(config.rate.round() as u32).unwrap_or(NonZeroU32::MIN),
                )
            } else {
                Duration::try_from_secs_f64(1.0 / config.rate)
                    .ok()
                    .and_then(Quota::with_period)
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            };
            Some(RateLimiter::keyed(quota.allow_burst(NonZeroU32::MIN)))
        } else {
            None
        };
        Ok(Arc::new(Http {
            client,
            limiter,
            allow_private: config.allow_private,
            allowed,
            max_body: config.max_body,
            budget: config.timeout.saturating_mul(2),
        }))
    }

    /// Refuses a URL the crawler must not contact: other schemes, credentials, and IP literals
    /// in private ranges (the resolver only sees host names).
    pub fn guard(&self, u: &Url) -> Result<(), FetchError> {
        if !matches!(u.scheme(), "http" | "https") {
            return Err(FetchError::new(
                ErrorKind::BlockedAddress,
                format!("scheme '{}' is not crawled", u.scheme()),
                u,
            ));
        }
        if !u.username().is_empty() || u.password().is_some() {
            return Err(FetchError::new(
                ErrorKind::BlockedAddress,
                "URLs with credentials are not crawled",
                u,
            ));
        }
        let ip = match u.host() {
            Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            Some(Host::Domain(d)) if is_localhost_name(d) => {
                Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
            }
            Some(Host::Domain(_)) => None,
            None => return Err(FetchError::new(ErrorKind::Other, "URL has no host", u)),
        };
        if let Some(ip) = ip {
            let port = u.port_or_known_default().unwrap_or(0);
            let exempt = self.allowed.contains(&(ip, port))
                || self.allowed.contains(&(ip.to_canonical(), port));
            if !self.allow_private && is_blocked_ip(ip) && !exempt {
                return Err(FetchError::new(
                    ErrorKind::BlockedAddress,
                    format!(
                        "{ip} is a private or reserved address (use --allow-private to allow it)"
                    ),
                    u,
                ));
            }
        }
        Ok(())
    }

    async fn polite(&self, u: &Url) {
        if let Some(l) = &self.limiter {
            let key = format!(
                "{}:{}",
                u.host_str().unwrap_or(""),
                u.port_or_known_default().unwrap_or(0)
            );
            l.until_key_ready(&key).await;
        }
    }

    /// Fetches `url`, following redirects that stay in `scope` (any redirect when `scope` is
    /// `None`, as for the start URL), with retries, and reads at most `cap` bytes of body.
    /// The whole fetch — every hop, retry and wait — ends within twice `--timeout`.
    pub async fn fetch(
        &self,
        url: &Url,
        scope: Option<&Scope>,
        want: Want,
        cap: usize,
    ) -> Result<Fetched, FetchError> {
        let end = Instant::now() + self.budget;
        match tokio::time::timeout(self.budget, self.fetch_within(url, scope, want, cap, end)).await
        {
            Ok(r) => r,
            Err(_) => Err(FetchError::new(
                ErrorKind::Timeout,
                format!(
                    "no complete answer within {:.1} s (redirects and retries included)",
                    self.budget.as_secs_f64()
                ),
                url,
            )),
        }
    }

    async fn fetch_within(
        &self,
        url: &Url,
        scope: Option<&Scope>,
        want: Want,
        cap: usize,
        end: Instant,
    ) -> Result<Fetched, FetchError> {
        let started = Instant::now();
        let mut cur = url.clone();
        let mut seen: HashSet<String> = HashSet::new();
        seen.insert(cur.to_string());
        let mut hops = 0;
        let mut tries = 0;
        loop {
            // Every hop is checked before any connection: scheme, credentials, IP literal,
            // scope; host names are then filtered by the resolver.
            self.guard(&cur)?;
            if hops > 0 {
                if let Some(s) = scope {
                    if !s.contains(&cur) {
                        return Err(FetchError::new(
                            ErrorKind::OutOfScope,
                            format!("redirected off the site to {cur}"),
                            &cur,
                        ));
                    }
                }
            }
            let resp = self.send_with_retries(&cur, &mut tries, end).await?;
            let status = resp.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                if let Some(loc) = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()) {
                    let mut next = cur.join(loc.trim()).map_err(|e| {
                        FetchError::new(
                            ErrorKind::Other,
                            format!("bad redirect Location '{}': {e}", truncate(loc, 200)),
                            &cur,
                        )
                    })?;
                    next.set_fragment(None);
                    if next.as_str().len() > MAX_URL_LEN {
                        return Err(FetchError::new(
                            ErrorKind::Other,
                            format!("redirect target longer than {MAX_URL_LEN} characters"),
                            &cur,
                        ));
                    }
                    if !seen.insert(next.to_string()) {
                        return Err(FetchError::new(
                            ErrorKind::RedirectLoop,
                            format!("redirect loop back to {next}"),
                            &cur,
                        ));
                    }
                    hops += 1;
                    if hops > MAX_REDIRECTS {
                        return Err(FetchError::new(
                            ErrorKind::TooManyRedirects,
                            format!("more than {MAX_REDIRECTS} redirects"),
                            &cur,
                        ));
                    }
                    cur = next;
                    continue;
                }
            }
            let content_type = resp
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().to_string());
            let declared_html = content_type.as_deref().map(is_html_type);
            if want == Want::Html && declared_html == Some(false) {
                // Not HTML: the body is never read (the connection is dropped).
                let bytes = resp.content_length().unwrap_or(0) as usize;
                return Ok(Fetched {
                    final_url: cur,
                    status,
                    content_type,
                    body: None,
                    bytes,
                    elapsed: started.elapsed(),
                    truncated: false,
                });
            }
            let sniff = want == Want::Html && declared_html.is_none();
            let (buf, truncated) = match read_capped(resp, &cur, cap, sniff).await {
                Ok(r) => r,
                Err(mut e) if e.kind == ErrorKind::Connect && tries < ATTEMPTS => {
                    e.status = Some(status);
                    // Cut mid-body: ask again for the same hop, after a backoff.
                    let wait = backoff(tries);
                    if Instant::now() + wait >= end {
                        return Err(e);
                    }
                    tokio::time::sleep(wait).await;
                    continue;
                }
                Err(mut e) => {
                    e.status = Some(status);
                    return Err(e);
                }
            };
            // A gzip file served as such (`sitemap.xml.gz`, `application/gzip`): its text
            // is inside, read to the same cap.
            let (buf, truncated) = if want == Want::Text && super::sitemap::is_gzip(&buf) {
                let (inner, more) = super::sitemap::gunzip(&buf, cap)
                    .map_err(|e| FetchError::new(ErrorKind::Decode, e.to_string(), &cur))?;
                (inner, truncated || more)
            } else {
                (buf, truncated)
            };
            let looks_html = declared_html.unwrap_or_else(|| sniff_html(&buf));
            let body = if want == Want::Text || looks_html {
                let tld = cur
                    .host_str()
                    .and_then(|h| h.rsplit('.').next())
                    .map(str::to_string);
                Some(decode(&buf, content_type.as_deref(), tld.as_deref()))
            } else {
                None
            };
            return Ok(Fetched {
                final_url: cur,
                status,
                content_type,
                body,
                bytes: buf.len(),
                elapsed: started.elapsed(),
                // A sniffed non-HTML body stopped early: not a cut page.
                truncated: truncated && (want == Want::Text || looks_html),
            });
        }
    }

    /// Sends one GET, retrying transient failures (connection refused or reset, 429, 503)
    /// while `tries` stays under [`ATTEMPTS`] and the wait fits before `end`. A `Retry-After`
    /// longer than [`MAX_RETRY_AFTER`] is not waited for: the answer is returned as it is.
    async fn send_with_retries(
        &self,
        u: &Url,
        tries: &mut usize,
        end: Instant,
    ) -> Result<reqwest::Response, FetchError> {
        loop {
            *tries += 1;
            self.polite(u).await;
            match self.client.get(u.as_str()).send().await {
                Ok(resp) => {
                    let s = resp.status().as_u16();
                    if !(s == 429 || s == 503) || *tries >= ATTEMPTS {
                        return Ok(resp);
                    }
                    let wait = match resp.headers().get(RETRY_AFTER).map(retry_after) {
                        None => backoff(*tries),
                        Some(Some(w)) if w <= MAX_RETRY_AFTER => w,
                        Some(_) => return Ok(resp),
                    };
                    if Instant::now() + wait >= end {
                        return Ok(resp);
                    }
                    drop(resp);
                    tokio::time::sleep(wait).await;
                }
                Err(e) => {
                    let err = classify(&e, u);
                    // Refused or reset connections are worth another try; timeouts already
                    // cost a whole --timeout, and other failures will not change.
                    let transient = err.kind == ErrorKind::Connect
                        && !err.message.contains("timed out")
                        && *tries < ATTEMPTS;
                    let wait = backoff(*tries);
                    if !transient || Instant::now() + wait >= end {
                        return Err(err);
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// `localhost` and its subdomains always mean the loopback interface (RFC 6761), whatever DNS says.
fn is_localhost_name(d: &str) -> bool {
    let d = d.trim_end_matches('.').to_ascii_lowercase();
    d == "localhost" || d.ends_with(".localhost")
}

fn backoff(tries: usize) -> Duration {
    BACKOFF.saturating_mul(1 << tries.saturating_sub(1).min(6))
}

/// `Retry-After` as a delay: delta-seconds, or an HTTP date. `None` when unreadable.
fn retry_after(v: &reqwest::header::HeaderValue) -> Option<Duration> {
    let s = v.to_str().ok()?.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate(s)?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only HTTP date form servers
/// send in practice.
fn httpdate(s: &str) -> Option<std::time::SystemTime> {
    let mut it = s.split_whitespace().skip(1);
    let day: u64 = it.next()?.parse().ok()?;
    let mon = it.next()?;
    let year: i64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':').map(|x| x.parse::<u64>().ok());
    let (h, m, sec) = (hms.next()??, hms.next()??, hms.next()??);
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|x| x.eq_ignore_ascii_case(mon))? as i64
        + 1;
    if !(1..=31).contains(&day) || h > 23 || m > 59 || sec > 60 || year < 1970 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = u64::try_from(days).ok()? * 86_400 + h * 3600 + m * 60 + sec;
    Some(std::time::UNIX_EPOCH + Duration::from_secs(secs))
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Streams the body, counting decompressed bytes, and stops at `cap`. With `sniff`, stops after
/// the first bytes when they do not look like HTML.
async fn read_capped(
    mut resp: reqwest::Response,
    u: &Url,
    cap: usize,
    sniff: bool,
) -> Result<(Vec<u8>, bool), FetchError> {
    let mut buf: Vec<u8> =
        Vec::with_capacity(resp.content_length().unwrap_or(16 * 1024).min(1 << 20) as usize);
    let mut sniffed = !sniff;
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = cap.saturating_sub(buf.len());
                if chunk.len() > room {
                    buf.extend_from_slice(&chunk[..room]);
                    return Ok((buf, true));
                }
                buf.extend_from_slice(&chunk);
                if !sniffed && buf.len() >= SNIFF_BYTES {
                    sniffed = true;
                    if !sniff_html(&buf) {
                        return Ok((buf, true));
                    }
                }
            }
            Ok(None) => return Ok((buf, false)),
            Err(e) => {
                let mut err = classify(&e, u);
                if err.kind != ErrorKind::Timeout {
                    err.kind = ErrorKind::Connect;
                }
                err.message = format!("{} (after {} bytes of body)", err.message, buf.len());
                return Err(err);
            }
        }
    }
}

fn is_html_type(ct: &str) -> bool {
    let m = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    m == "text/html" || m == "application/xhtml+xml" || m.is_empty()
}

/// Without a content type, HTML is recognised by its first non-space byte being `<`.
fn sniff_html(b: &[u8]) -> bool {
    let b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(b);
    b.iter()
        .find(|c| !c.is_ascii_whitespace())
        .is_some_and(|c| *c == b'<')
}

fn classify(e: &reqwest::Error, u: &Url) -> FetchError {
    let mut src: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut text = String::new();
    while let Some(s) = src {
        if s.downcast_ref::<BlockedAddress>().is_some() {
            return FetchError::new(ErrorKind::BlockedAddress, s.to_string(), u);
        }
        let t = s.to_string();
        if !text.contains(&t) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&t);
        }
        src = s.source();
    }
    let lower = text.to_ascii_lowercase();
    let dns = lower.contains("dns")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known");
    let tls = lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake");
    // Failures while connecting (a connection timeout included) mean the host cannot be
    // reached; a timeout after that means it accepted and did not answer in time.
    let kind = if e.is_connect() && dns {
        ErrorKind::Dns
    } else if e.is_connect() && tls {
        ErrorKind::Tls
    } else if e.is_connect() {
        ErrorKind::Connect
    } else if e.is_timeout() || lower.contains("timed out") {
        ErrorKind::Timeout
    } else if dns {
        ErrorKind::Dns
    } else if tls {
        ErrorKind::Tls
    } else if e.is_connect()
        || e.is_request()
        || lower.contains("connection")
        || lower.contains("reset")
    {
        ErrorKind::Connect
    } else {
        ErrorKind::Other
    };
    FetchError::new(kind, text, u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn strict() -> Config {
        Config {
            allow_private: false,
            timeout: Duration::from_secs(2),
            rate: 0.0,
            ..Config::default()
        }
    }

    /// A one-shot HTTP server on 127.0.0.1; the returned counter says how many connections
    /// it accepted.
    async fn tiny_server() -> (u16, Arc<std::sync::atomic::AtomicUsize>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let port = l.local_addr().expect("addr").port();
        let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let s = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut c, _)) = l.accept().await {
                s.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let mut buf = [0u8; 1024];
                let _ = c.read(&mut buf).await;
                let _ = c
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
                    .await;
            }
        });
        (port, seen)
    }

    #[tokio::test]
    async fn private_ip_literals_are_refused_before_any_connection() {
        let http = Http::new(&strict(), Vec::new()).expect("client");
        for u in [
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/",
            "http://0x0a.0.0.1/",
            "http://167772161/",
            "http://[::ffff:a00:1]/",
            "http://[fe80::1]/",
            "http://100.100.100.200/",
            "http://0.0.0.0/",
            "http://224.0.0.1/",
            "http://[ff02::1]/",
            "http://[::]/",
            "http://localhost/",
            "http://LOCALHOST./",
            "http://shop.localhost:8080/",
        ] {
            let t = Instant::now();
            let e = http
                .fetch(&Url::parse(u).expect("url"), None, Want::Html, 1024)
                .await
                .expect_err(u);
            assert_eq!(e.kind, ErrorKind::BlockedAddress, "{u}: {}", e.message);
            assert!(
                e.message.contains("private or reserved"),
                "{u}: {}",
                e.message
            );
            assert!(t.elapsed() < Duration::from_millis(200), "{u}");
        }
        for u in [
            "file:///etc/passwd",
            "ftp://shop.example/",
            "http://u:p@shop.example/",
        ] {
            let e = http.guard(&Url::parse(u).expect("url")).expect_err(u);
            assert_eq!(e.kind, ErrorKind::BlockedAddress, "{u}");
        }
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused_by_the_resolver() {
        // A DNS answer pointing at the local network (DNS rebinding): the resolver drops it,
        // so nothing connects, although the server is listening.
        let (port, seen) = tiny_server().await;
        let table = vec![
            (
                "rebind.test".to_string(),
                vec!["127.0.0.1".parse().expect("ip")],
            ),
            (
                "mixed.test".to_string(),
                vec![
                    "10.0.0.1".parse().expect("ip"),
                    "127.0.0.1".parse().expect("ip"),
                ],
            ),
        ];
        let http = Http::build(&strict(), Vec::new(), Some(table.clone())).expect("client");
        for host in ["rebind.test", "mixed.test"] {
            let u = Url::parse(&format!("http://{host}:{port}/")).expect("url");
            assert!(
                http.guard(&u).is_ok(),
                "names pass the guard; the resolver decides"
            );
            let e = http
                .fetch(&u, None, Want::Html, 1024)
                .await
                .expect_err(host);
            assert_eq!(e.kind, ErrorKind::BlockedAddress, "{host}: {}", e.message);
            assert!(
                e.message.contains("resolves only to private"),
                "{}",
                e.message
            );
        }
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 0);

        // --allow-private lifts it: the same answer now reaches the server.
        let open = Config {
            allow_private: true,
            ..strict()
        };
        let http = Http::build(&open, Vec::new(), Some(table)).expect("client");
        let u = Url::parse(&format!("http://rebind.test:{port}/")).expect("url");
        let f = http
            .fetch(&u, None, Want::Html, 1024)
            .await
            .expect("fetched");
        assert_eq!(f.status, 200);
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_resolver_keeps_only_public_addresses() {
        let r = GuardedResolver {
            allow_private: false,
            table: Some(Arc::new(vec![(
                "shop.test".to_string(),
                vec![
                    "93.184.216.34".parse().expect("ip"),
                    "10.1.2.3".parse().expect("ip"),
                    "::1".parse().expect("ip"),
                    "169.254.169.254".parse().expect("ip"),
                ],
            )])),
        };
        let addrs: Vec<SocketAddr> =
            match r.resolve(Name::from_str("shop.test").expect("name")).await {
                Ok(a) => a.collect(),
                Err(e) => panic!("{e}"),
            };
        let ips: Vec<IpAddr> = addrs.iter().map(|a| a.ip()).collect();
        assert_eq!(ips, vec!["93.184.216.34".parse::<IpAddr>().expect("ip")]);
    }

    #[tokio::test]
    async fn the_exempt_address_is_exactly_one_ip_and_port() {
        let (port, seen) = tiny_server().await;
        let lo: IpAddr = "127.0.0.1".parse().expect("ip");
        let http = Http::new(&strict(), vec![(lo, port)]).expect("client");
        let ok = Url::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
        assert_eq!(
            http.fetch(&ok, None, Want::Html, 1024)
                .await
                .expect("ok")
                .status,
            200
        );
        for u in [
            format!("http://127.0.0.1:{}/", port.wrapping_add(1)),
            format!("http://127.0.0.2:{port}/"),
        ] {
            let e = http
                .fetch(&Url::parse(&u).expect("url"), None, Want::Html, 1024)
                .await
                .expect_err(&u);
            assert_eq!(e.kind, ErrorKind::BlockedAddress);
        }
        assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let v = |s: &str| reqwest::header::HeaderValue::from_str(s).expect("header");
        assert_eq!(retry_after(&v("120")), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after(&v("Sun, 06 Nov 1994 08:49:37 GMT")),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after(&v("soon")), None);
        assert_eq!(
            httpdate("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(std::time::UNIX_EPOCH + Duration::from_secs(784_111_777))
        );
        assert_eq!(httpdate("Sun, 32 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(backoff(1), BACKOFF);
        assert_eq!(backoff(2), BACKOFF * 2);
    }

    #[test]
    fn only_connection_failures_make_a_host_unreachable() {
        assert!(ErrorKind::Connect.is_unreachable());
        assert!(ErrorKind::BlockedAddress.is_unreachable());
        assert!(!ErrorKind::Timeout.is_unreachable());
        assert!(!ErrorKind::RedirectLoop.is_unreachable());
    }
}
