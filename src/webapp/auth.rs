//! Who may use the app, and defences against other sites acting through a reviewer's browser.
//!
//! - **Token.** With `--token-file`, every request needs `Authorization: Bearer <token>` or the
//!   session cookie. A page request carrying the header (or the `/login` form) sets the cookie
//!   once, so a browser works after one login. The cookie holds a digest of the token, not the
//!   token, and is `HttpOnly; SameSite=Strict`.
//! - **Cross-site request forgery**, two independent checks, because each alone has a gap:
//!   1. Every state-changing request (POST) from a browser must be same-origin by its
//!      `Sec-Fetch-Site` header, or failing that by `Origin` against `Host`. This stops forgery
//!      from any other site in current browsers, for the API too (which also insists on
//!      `Content-Type: application/json`, something a cross-site form cannot send).
//!   2. Forms also carry a per-browser token that must equal the `siteready_csrf` cookie
//!      (double submit). It covers browsers and proxies that send neither header, where check 1
//!      cannot tell, while check 1 covers a sibling subdomain that could plant the cookie.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sha2::{Digest, Sha256};

use super::layout::{self, page};
use super::App;

/// Session cookie (a digest of the token).
pub const SESSION_COOKIE: &str = "siteready_session";
/// Double-submit CSRF cookie.
pub const CSRF_COOKIE: &str = "siteready_csrf";

/// Compares without an early exit, so response times do not reveal how much of a secret matched.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn session_value(token: &str) -> String {
    let d = Sha256::digest(format!("siteready-session\0{token}").as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of one cookie of the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, rest) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

/// Random hex from the operating system, for CSRF tokens.
pub fn random_hex(bytes: usize) -> String {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buf))
        .is_ok();
    if !filled {
        // No /dev/urandom: hash the clock and the address of a fresh allocation. Weaker, but
        // check 1 (same-origin headers) still stands.
        let seed = format!(
            "{:?}{:p}",
            std::time::SystemTime::now(),
            Box::new(0u8).as_ref()
        );
        buf = Sha256::digest(seed.as_bytes())[..bytes.min(32)].to_vec();
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether a state-changing request comes from this app's own pages (or from a script that is
/// not a browser: no `Sec-Fetch-Site`, no `Origin`).
pub fn same_origin(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    match url::Url::parse(origin) {
        Ok(o) => {
            let o_host = match (o.host_str(), o.port()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (Some(h), None) => h.to_string(),
                _ => return false,
            };
            o_host.eq_ignore_ascii_case(host)
        }
        Err(_) => false,
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// Whether the `Host` header names this machine by address or as `localhost`. Without a token,
/// any other name is refused: otherwise a web page could point a name of its own at 127.0.0.1
/// (DNS rebinding) and, being same-origin with itself, read every report through the
/// reviewer's browser.
pub fn local_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return true; // HTTP/1.0 clients; browsers always send it
    };
    let name = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']');
    name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok()
}

/// Token check and same-origin check for every request.
pub async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if app.token.is_none() && !local_host(req.headers()) {
        let msg = "this server answers only to its address or localhost (use --token-file to serve it under a name)";
        return if is_api(&path) {
            super::api::error(StatusCode::MISDIRECTED_REQUEST, msg)
        } else {
            layout::error_page(StatusCode::MISDIRECTED_REQUEST, msg)
        };
    }
    if req.method() == Method::POST && !same_origin(req.headers()) {
        let msg = "cross-site request refused: submit from siteready's own pages";
        return if is_api(&path) {
            super::api::error(StatusCode::FORBIDDEN, msg)
        } else {
            layout::error_page(StatusCode::FORBIDDEN, msg)
        };
    }
    let Some(token) = app.token.as_deref() else {
        return next.run(req).await;
    };
    if path == "/login" || path == "/healthz" {
        return next.run(req).await;
    }
    let by_header = bearer(req.headers()).is_some_and(|b| same_secret(b, token));
    let session = session_value(token);
    let by_cookie =
        cookie(req.headers(), SESSION_COOKIE).is_some_and(|c| same_secret(&c, &session));
    if !(by_header || by_cookie) {
        if is_api(&path) {
            let mut r = super::api::error(
                StatusCode::UNAUTHORIZED,
                "this server needs a token: send Authorization: Bearer <token>",
            );
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
        return Redirect::to("/login").into_response();
    }
    let mut resp = next.run(req).await;
    if by_header && !by_cookie && !is_api(&path) {
        set_session(&mut resp, &session);
    }
    resp
}

fn set_session(resp: &mut Response, session: &str) {
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict"
    )) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Headers every response carries: no sniffing, no framing, no referrer to merchant sites
/// (`same-origin`: a stricter `no-referrer` would make browsers send `Origin: null` on the app's
/// own forms), and a policy that lets pages run only the app's own script.
pub async fn security_headers(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; script-src 'self'; connect-src 'self'; \
                 style-src 'unsafe-inline'; img-src data:; form-action 'self'; \
                 base-uri 'none'; frame-ancestors 'none'",
            ),
        );
    }
    resp
}

/// The form's CSRF token: the browser's cookie, or a new one with the header that sets it.
pub fn csrf_token(headers: &HeaderMap) -> (String, Option<HeaderValue>) {
    if let Some(c) = cookie(headers, CSRF_COOKIE).filter(|c| c.len() == 32) {
        return (c, None);
    }
    let t = random_hex(16);
    let set = HeaderValue::from_str(&format!(
        "{CSRF_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict"
    ))
    .ok();
    (t, set)
}

/// Whether a submitted form token matches the browser's cookie.
pub fn csrf_ok(headers: &HeaderMap, submitted: &str) -> bool {
    cookie(headers, CSRF_COOKIE).is_some_and(|c| !c.is_empty() && same_secret(&c, submitted))
}

/// Adds the CSRF cookie to a page response when it was just made.
pub fn with_cookie(mut resp: Response, set: Option<HeaderValue>) -> Response {
    if let Some(v) = set {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// `GET /login`: a form for the token.
pub async fn login_page(headers: HeaderMap) -> Response {
    let (csrf, set) = csrf_token(&headers);
    with_cookie(login_form(&csrf, None, StatusCode::OK), set)
}

fn login_form(csrf: &str, error: Option<&str>, status: StatusCode) -> Response {
    let err = error
        .map(|e| format!("<p class=\"error\">{}</p>", layout::esc(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1>{err}<form method=\"post\" action=\"/login\" class=\"card\">\
         <input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <label>Access token <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">Sign in</button></form>\
         <p class=\"note\">The token is in the file given to <code>--token-file</code>.</p>",
        layout::esc(csrf)
    );
    (status, page("Sign in", &body, None)).into_response()
}

/// `POST /login`: checks the token and sets the session cookie.
pub async fn login(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let form = super::pages::form_fields(&body);
    let field = |k: &str| {
        form.iter()
            .find(|(f, _)| f == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let (csrf, _) = csrf_token(&headers);
    if !csrf_ok(&headers, field("csrf")) {
        return login_form(
            &csrf,
            Some("The form expired; please try again."),
            StatusCode::FORBIDDEN,
        );
    }
    let Some(token) = app.token.as_deref() else {
        return Redirect::to("/").into_response();
    };
    if !same_secret(field("token"), token) {
        return login_form(&csrf, Some("Wrong token."), StatusCode::UNAUTHORIZED);
    }
    let mut resp = Redirect::to("/").into_response();
    set_session(&mut resp, &session_value(token));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn same_origin_rules() {
        assert!(same_origin(&headers(&[])), "scripts send neither header");
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "same-site")])));
        assert!(same_origin(&headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[
            ("origin", "http://evil.example"),
            ("host", "127.0.0.1:8080")
        ])));
        assert!(!same_origin(&headers(&[("origin", "null"), ("host", "a")])));
    }

    #[test]
    fn only_local_host_names_without_a_token() {
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "LOCALHOST",
            "[::1]:8080",
            "10.0.0.5",
        ] {
            assert!(local_host(&headers(&[("host", ok)])), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "localhost.evil.example",
        ] {
            assert!(!local_host(&headers(&[("host", bad)])), "{bad}");
        }
    }

    #[test]
    fn cookies_and_secrets() {
        let h = headers(&[("cookie", "a=1; siteready_csrf=abc ; b=2")]);
        assert_eq!(cookie(&h, CSRF_COOKIE).as_deref(), Some("abc"));
        assert!(csrf_ok(&h, "abc"));
        assert!(!csrf_ok(&h, "abd"));
        assert!(!csrf_ok(&headers(&[]), ""));
        assert!(same_secret("x", "x") && !same_secret("x", "xy"));
        assert_eq!(random_hex(16).len(), 32);
        assert_ne!(random_hex(16), random_hex(16));
    }
}
