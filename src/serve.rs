//! A small static file server on 127.0.0.1 for `siteready check DIR`: the offline demo, the way to
//! gate a static build in CI, and how the tests serve fixture sites. Conventions (query-string
//! file names, `_routes.toml`) are documented in `fixtures/README.md`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Routes {
    /// File served for any unknown path (a catch-all site).
    fallback: Option<String>,
    /// Status of fallback answers (default 200).
    fallback_status: Option<u16>,
    #[serde(default)]
    route: Vec<Route>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Route {
    path: String,
    status: Option<u16>,
    file: Option<String>,
    content_type: Option<String>,
    location: Option<String>,
}

struct Site {
    root: PathBuf,
    routes: Routes,
}

/// A running local server; dropped = stopped.
pub struct Server {
    /// The loopback address and port the server listens on (the port is chosen by the system).
    pub addr: SocketAddr,
    task: JoinHandle<()>,
}

impl Server {
    /// Base URL, e.g. `http://127.0.0.1:40123/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `root` on an ephemeral port of 127.0.0.1.
pub async fn serve_dir(root: &Path) -> crate::Result<Server> {
    let root = root.canonicalize().map_err(|e| crate::Error::io(root, e))?;
    if !root.is_dir() {
        return Err(crate::Error::InvalidTarget {
            input: root.display().to_string(),
            reason: "not a folder".into(),
        });
    }
    let routes_path = root.join("_routes.toml");
    let routes = match std::fs::read_to_string(&routes_path) {
        Ok(s) => toml::from_str(&s).map_err(|e| {
            crate::Error::Other(format!("{}: {}", routes_path.display(), e.message()))
        })?,
        Err(_) => Routes::default(),
    };
    let site = Arc::new(Site { root, routes });
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| crate::Error::Other(format!("cannot listen on 127.0.0.1: {e}")))?;
    let addr = listener
        .local_addr()
        .map_err(|e| crate::Error::Other(e.to_string()))?;
    let task = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let site = site.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| {
                    let site = site.clone();
                    async move { Ok::<_, Infallible>(answer(&site, req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
    Ok(Server { addr, task })
}

fn content_type(p: &Path) -> &'static str {
    match p
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("html" | "htm" | "php" | "jsp" | "asp") => "text/html",
        Some("xml") => "application/xml",
        Some("txt") => "text/plain",
        Some("css") => "text/css",
        Some("js") => "text/javascript",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("pdf") => "application/pdf",
        _ => {
            // Names like `detail.html?product_no=1` carry their type before the `?`.
            let s = p.to_string_lossy();
            if let Some((head, _)) = s.split_once('?') {
                return content_type(Path::new(head));
            }
            "application/octet-stream"
        }
    }
}

fn resp(status: u16, ct: &str, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::OK);
    if let Ok(v) = hyper::header::HeaderValue::from_str(ct) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

/// Maps a request path to a file under root, refusing `..` and hidden/private names.
fn file_for(root: &Path, path: &str, query: Option<&str>) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let rel = Path::new(decoded.trim_start_matches('/'));
    let mut clean = PathBuf::new();
    for c in rel.components() {
        match c {
            Component::Normal(s) => {
                let s = s.to_string_lossy();
                if s.starts_with('_') || s.starts_with('.') || s == "expected.toml" {
                    return None;
                }
                clean.push(&*s);
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    let mut base = root.join(&clean);
    if base.is_dir() {
        base = base.join("index.html");
    }
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        let name = format!("{}?{}", base.file_name()?.to_string_lossy(), q);
        let with_q = base.with_file_name(name);
        if with_q.is_file() {
            return Some(with_q);
        }
    }
    base.is_file().then_some(base)
}

async fn answer(site: &Site, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    if let Some(route) = site.routes.route.iter().find(|r| r.path == path) {
        let file = match &route.file {
            Some(f) => file_for(&site.root, f, None),
            None => file_for(&site.root, &path, query.as_deref()),
        };
        let body = match &file {
            Some(f) => tokio::fs::read(f).await.unwrap_or_default(),
            None => Vec::new(),
        };
        let ct = route
            .content_type
            .clone()
            .or_else(|| file.as_deref().map(|f| content_type(f).to_string()))
            .unwrap_or_else(|| "text/html".into());
        let mut r = resp(route.status.unwrap_or(200), &ct, body);
        if let Some(loc) = &route.location {
            if let Ok(v) = hyper::header::HeaderValue::from_str(loc) {
                r.headers_mut().insert(hyper::header::LOCATION, v);
            }
        }
        return r;
    }
    if let Some(f) = file_for(&site.root, &path, query.as_deref()) {
        if let Ok(body) = tokio::fs::read(&f).await {
            return resp(200, content_type(&f), body);
        }
    }
    if let Some(fb) = &site.routes.fallback {
        if let Some(f) = file_for(&site.root, fb, None) {
            if let Ok(body) = tokio::fs::read(&f).await {
                return resp(
                    site.routes.fallback_status.unwrap_or(200),
                    content_type(&f),
                    body,
                );
            }
        }
    }
    resp(
        404,
        "text/html",
        b"<!doctype html><title>404 Not Found</title><h1>Not Found</h1>".to_vec(),
    )
}
