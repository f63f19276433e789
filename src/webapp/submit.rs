//! What a reviewer may submit: an http(s) URL (no credentials, not too long, not a private
//! address unless the server allows them) and application values under the keys `--expect`
//! takes. Shared by the JSON API, the form on `/` and the CSV upload, so the three refuse the
//! same things with the same words.

use std::net::IpAddr;

use url::Url;

use crate::crawl::normalize::normalize;
use crate::crawl::scope::is_blocked_ip;
use crate::crawl::Http;

use super::db::NewCheck;

/// Longest URL accepted, in bytes (browsers' practical limit).
pub const MAX_URL_LEN: usize = 2048;
/// Longest application value accepted.
pub const MAX_EXPECT_LEN: usize = 200;

/// Why a submission is refused (shown to the user as is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(msg.into()))
}

/// Parses a submitted URL. A missing scheme means `https://`; anything but http(s) is
/// refused, and so is anything that looks like a local path (the CLI's folder targets are not
/// for the web).
pub fn parse_url(input: &str) -> Result<Url, Refusal> {
    let s = input.trim();
    if s.is_empty() {
        return refuse("the URL is empty");
    }
    if s.len() > MAX_URL_LEN {
        return refuse(format!("the URL is longer than {MAX_URL_LEN} characters"));
    }
    let with_scheme = if s.contains("://") {
        s.to_string()
    } else if s.starts_with('/') || s.starts_with('.') || s.starts_with('~') {
        return refuse("not an http(s) URL");
    } else {
        format!("https://{s}")
    };
    let u = match Url::parse(&with_scheme) {
        Ok(u) => u,
        Err(e) => return refuse(format!("not an http(s) URL: {e}")),
    };
    if !matches!(u.scheme(), "http" | "https") {
        return refuse(format!("not an http(s) URL (scheme '{}')", u.scheme()));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return refuse("URLs with credentials (user:password@) are not accepted");
    }
    if u.host_str().is_none_or(str::is_empty) {
        return refuse("the URL has no host");
    }
    normalize(&u).ok_or_else(|| Refusal("the URL is too long".into()))
}

/// The site key of a URL: its host, with the port when it is not the scheme's default.
pub fn site_of(u: &Url) -> String {
    let host = u.host_str().unwrap_or_default();
    match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// The crawler's private-address guard, applied before a check is queued: IP literals and
/// `localhost` are refused at once; a host name whose every address is private is refused too
/// when it resolves quickly (the crawler's resolver refuses it again at fetch time either way,
/// which also covers DNS answers that change later).
pub async fn guard(http: &Http, u: &Url, allow_private: bool) -> Result<(), Refusal> {
    if let Err(e) = http.guard(u) {
        return refuse(e.message);
    }
    if allow_private {
        return Ok(());
    }
    let Some(url::Host::Domain(host)) = u.host() else {
        return Ok(());
    };
    let port = u.port_or_known_default().unwrap_or(443);
    let lookup = tokio::net::lookup_host((host.to_string(), port));
    if let Ok(Ok(addrs)) = tokio::time::timeout(std::time::Duration::from_secs(2), lookup).await {
        let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
        if !ips.is_empty() && ips.iter().all(|ip| is_blocked_ip(*ip)) {
            return refuse(format!(
                "{host} resolves only to private or reserved addresses (the server was not started with --allow-private)"
            ));
        }
    }
    Ok(())
}

/// Checks application values: known keys, non-empty, bounded; keys in the order given.
pub fn expect_values(
    pairs: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<(String, String)>, Refusal> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in pairs {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        if v.chars().count() > MAX_EXPECT_LEN {
            return refuse(format!(
                "the value of '{k}' is longer than {MAX_EXPECT_LEN} characters"
            ));
        }
        let (k, v) = crate::expect::parse(&format!("{k}={v}")).map_err(Refusal)?;
        if out.iter().any(|(have, _)| *have == k) {
            return refuse(format!("'{k}' is given twice"));
        }
        out.push((k, v));
    }
    Ok(out)
}

/// A whole submission, ready for the database.
pub async fn new_check(
    http: &Http,
    allow_private: bool,
    url: &str,
    expect: Vec<(String, String)>,
) -> Result<NewCheck, Refusal> {
    let u = parse_url(url)?;
    guard(http, &u, allow_private).await?;
    let expect = expect_values(expect)?;
    Ok(NewCheck {
        site: site_of(&u),
        url: u.to_string(),
        expect,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert_eq!(
            parse_url("shop.example").unwrap().as_str(),
            "https://shop.example/"
        );
        assert!(parse_url("http://shop.example/a?b=1").is_ok());
        for bad in [
            "",
            "ftp://shop.example/",
            "javascript:alert(1)",
            "https://user:pw@shop.example/",
            "/etc",
            "./fixtures/sites/x",
            "file:///etc/passwd",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
        let long = format!("https://shop.example/{}", "a".repeat(MAX_URL_LEN));
        assert!(parse_url(&long).unwrap_err().0.contains("longer than"));
    }

    #[test]
    fn site_keys_keep_explicit_ports() {
        let u = Url::parse("http://127.0.0.1:8123/x").unwrap();
        assert_eq!(site_of(&u), "127.0.0.1:8123");
        let u = Url::parse("https://Shop.Example/x").unwrap();
        assert_eq!(site_of(&u), "shop.example");
    }

    #[test]
    fn expect_values_use_the_cli_keys() {
        let ok = expect_values([
            ("reg_no".to_string(), " 123-45-67890 ".to_string()),
            ("name".to_string(), "".to_string()),
        ])
        .unwrap();
        assert_eq!(ok, vec![("reg_no".into(), "123-45-67890".into())]);
        assert!(expect_values([("colour".to_string(), "red".to_string())]).is_err());
        assert!(expect_values([("name".to_string(), "x".repeat(300))]).is_err());
    }

    #[tokio::test]
    async fn private_addresses_are_refused_unless_allowed() {
        let cfg = crate::Config::default();
        let http = Http::new(&cfg, Vec::new()).unwrap();
        let u = parse_url("http://127.0.0.1:9/").unwrap();
        assert!(guard(&http, &u, false).await.is_err());
        let u = parse_url("http://localhost:9/").unwrap();
        assert!(guard(&http, &u, false).await.is_err());
        let cfg = crate::Config {
            allow_private: true,
            ..Default::default()
        };
        let http = Http::new(&cfg, Vec::new()).unwrap();
        let u = parse_url("http://127.0.0.1:9/").unwrap();
        assert!(guard(&http, &u, true).await.is_ok());
    }
}
