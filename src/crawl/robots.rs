//! robots.txt (RFC 9309) through `texting_robots`: the group whose user agent equals our product
//! token (case-insensitive, never a substring of it) applies, else the `*` group; the longest
//! match wins and `allow` wins ties; `*` and `$` wildcards. Unavailable (4xx) means allow all;
//! unreachable (5xx, network) means disallow all. This module only parses and answers; fetching
//! and the 4xx/5xx decision belong to the crawl.

use std::sync::Arc;

use texting_robots::Robot;

/// Cap on the robots.txt body, as RFC 9309 allows (500 KiB).
pub const MAX_ROBOTS: usize = 500 * 1024;

/// Most `Sitemap:` lines kept: more would only seed the same frontier.
const MAX_SITEMAPS: usize = 50;

/// Parsed robots.txt for one host, reduced to the group that applies to us.
#[derive(Debug, Clone)]
pub struct Robots {
    policy: Policy,
    /// `Sitemap:` URLs, in file order (they apply to every agent).
    pub sitemaps: Vec<String>,
}

#[derive(Debug, Clone)]
enum Policy {
    AllowAll,
    DisallowAll,
    /// Shared so that the crawl can clone the rules into tasks without re-parsing.
    Rules(Arc<Robot>),
}

impl Robots {
    /// Everything allowed (no robots.txt, or `--no-robots`).
    pub fn allow_all() -> Self {
        Robots {
            policy: Policy::AllowAll,
            sitemaps: Vec::new(),
        }
    }

    /// Nothing allowed (robots.txt unreachable).
    pub fn disallow_all() -> Self {
        Robots {
            policy: Policy::DisallowAll,
            sitemaps: Vec::new(),
        }
    }

    /// Parses robots.txt text for the product token `agent` (e.g. `siteready`).
    ///
    /// Text past [`MAX_ROBOTS`] is ignored, as RFC 9309 allows. A rule the matcher cannot compile
    /// (a pathological wildcard pattern) is dropped alone rather than losing the whole file.
    pub fn parse(text: &str, agent: &str) -> Self {
        let text = cap(text, MAX_ROBOTS);
        let robot = match Robot::new(agent, text.as_bytes()) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "robots.txt has a rule that cannot be matched: dropping it");
                let kept = without_bad_rules(text);
                match Robot::new(agent, kept.as_bytes()) {
                    Ok(r) => r,
                    Err(e) => {
                        tracing::warn!(error = %e, "robots.txt unreadable: treated as allowing all");
                        return Robots::allow_all();
                    }
                }
            }
        };
        let mut sitemaps: Vec<String> = robot
            .sitemaps
            .iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        sitemaps.truncate(MAX_SITEMAPS);
        tracing::info!(sitemaps = sitemaps.len(), "robots.txt read");
        Robots {
            policy: Policy::Rules(Arc::new(robot)),
            sitemaps,
        }
    }

    /// Whether `path` (with query) may be fetched. `/robots.txt` itself always may.
    pub fn allowed(&self, path: &str) -> bool {
        let allowed = match &self.policy {
            Policy::AllowAll => true,
            Policy::DisallowAll => false,
            Policy::Rules(robot) => robot.allowed(path),
        };
        if !allowed {
            tracing::debug!(path, "robots.txt disallows");
        }
        allowed
    }
}

/// `text` cut to at most `max` bytes, on a line boundary when there is one (a cut rule could
/// otherwise forbid or allow more than its author wrote).
fn cap(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let head = &text[..end];
    match head.rfind('\n') {
        Some(nl) => &head[..nl],
        None => head,
    }
}

/// The file without the `Allow`/`Disallow` lines that fail to compile on their own.
fn without_bad_rules(text: &str) -> String {
    text.lines()
        .filter(|line| {
            let lower = line.trim_start().to_ascii_lowercase();
            if !(lower.starts_with("allow") || lower.starts_with("disallow")) {
                return true;
            }
            let probe = format!("User-agent: *\n{line}\n");
            Robot::new("*", probe.as_bytes()).is_ok()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What became of a site's robots.txt; the report's `crawl.robots`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RobotsState {
    /// `--no-robots`.
    Ignored,
    /// Read and obeyed.
    Found,
    /// 4xx: everything is allowed.
    Missing,
    /// 5xx, unreadable or no answer: nothing is allowed (RFC 9309).
    Error,
}

impl RobotsState {
    /// The report's name of the state.
    pub fn as_str(self) -> &'static str {
        match self {
            RobotsState::Ignored => "ignored",
            RobotsState::Found => "found",
            RobotsState::Missing => "missing",
            RobotsState::Error => "error",
        }
    }
}

/// Fetches and reads the robots.txt of `start`'s site before anything else: it may forbid the
/// start page itself. A robots.txt that cannot be read forbids everything and is logged. An
/// error only when the start host itself cannot be reached (a robots.txt redirecting somewhere
/// unreachable is only an unreadable robots.txt).
pub async fn fetch(
    http: &super::Http,
    start: &url::Url,
    deadline: tokio::time::Instant,
    errors: &mut crate::error::ErrorLog,
) -> crate::Result<(Robots, RobotsState)> {
    use crate::error::{Error, ErrorKind};
    let ru = start
        .join("/robots.txt")
        .map_err(|e| Error::Other(e.to_string()))?;
    let got = tokio::time::timeout_at(
        deadline,
        http.fetch(&ru, None, super::Want::Text, MAX_ROBOTS),
    )
    .await;
    let why = match got {
        Ok(Ok(f)) if (200..300).contains(&f.status) => {
            let text = f.body.map(|b| b.text).unwrap_or_default();
            tracing::debug!(url = %ru, "robots.txt read");
            return Ok((Robots::parse(&text, AGENT), RobotsState::Found));
        }
        Ok(Ok(f)) if (400..500).contains(&f.status) => {
            return Ok((Robots::allow_all(), RobotsState::Missing));
        }
        Ok(Ok(f)) => format!(
            "robots.txt answered HTTP {}: crawling is not allowed until it can be read",
            f.status
        ),
        Ok(Err(e))
            if e.kind.is_unreachable()
                && e.final_url.as_ref().is_none_or(|u| {
                    u.host() == start.host()
                        && u.port_or_known_default() == start.port_or_known_default()
                }) =>
        {
            return Err(Error::Unreachable {
                url: start.to_string(),
                reason: e.message,
            });
        }
        Ok(Err(e)) => format!(
            "robots.txt could not be read ({}): {}",
            e.kind.as_str(),
            e.message
        ),
        Err(_) => "robots.txt did not answer within the time budget".into(),
    };
    tracing::warn!(url = %ru, "{why}");
    errors.push(ru.as_str(), ErrorKind::Robots, why);
    Ok((Robots::disallow_all(), RobotsState::Error))
}

/// The token siteready answers to in robots.txt groups.
pub const AGENT: &str = "siteready";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_match_and_wildcards() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /admin\nDisallow: /*.pdf$\nAllow: /admin/public\nSitemap: https://s.example/sm.xml\n",
            "siteready",
        );
        assert!(!r.allowed("/admin/x"));
        assert!(r.allowed("/admin/public/x"));
        assert!(!r.allowed("/files/a.pdf"));
        assert!(r.allowed("/files/a.pdf?x=1"));
        assert!(r.allowed("/"));
        assert_eq!(r.sitemaps, vec!["https://s.example/sm.xml"]);
    }

    #[test]
    fn own_group_wins_over_star() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /\n\nUser-agent: siteready\nDisallow: /private\n",
            "siteready",
        );
        assert!(r.allowed("/products"));
        assert!(!r.allowed("/private/a"));
        assert!(!Robots::disallow_all().allowed("/"));
        assert!(Robots::allow_all().allowed("/private"));
    }

    #[test]
    fn agent_is_matched_whole_and_case_insensitively() {
        // A group for `site` is not a group for `siteready`: the `*` group applies.
        let r = Robots::parse(
            "User-agent: site\nDisallow: /\n\nUser-agent: *\nDisallow: /cart\n",
            "siteready",
        );
        assert!(r.allowed("/products"));
        assert!(!r.allowed("/cart"));
        let r = Robots::parse("User-agent: SiteReady\nDisallow: /x\n", "siteready");
        assert!(!r.allowed("/x"));
        // Neither is a group for a longer token that contains ours.
        let r = Robots::parse("User-agent: siteready-pro\nDisallow: /\n", "siteready");
        assert!(r.allowed("/"));
    }

    #[test]
    fn empty_user_agent_matches_nobody() {
        let r = Robots::parse(
            "User-agent:\nDisallow: /\n\nUser-agent: *\nDisallow: /tmp\n",
            "siteready",
        );
        assert!(r.allowed("/"));
        assert!(!r.allowed("/tmp/a"));
    }

    #[test]
    fn allow_wins_a_tie_and_longest_wins_otherwise() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /page\nAllow: /page\nDisallow: /shop/\nAllow: /shop\n",
            "siteready",
        );
        assert!(r.allowed("/page"));
        // `/shop/` is longer than `/shop`: it wins for paths it matches.
        assert!(!r.allowed("/shop/item"));
        assert!(r.allowed("/shopping"));
    }

    #[test]
    fn wildcards_and_end_anchor() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /*?sort=\nDisallow: /exact$\nDisallow: /a*b*c\n",
            "siteready",
        );
        assert!(!r.allowed("/list?sort=price"));
        assert!(r.allowed("/list?page=2"));
        assert!(!r.allowed("/exact"));
        assert!(r.allowed("/exact/more"));
        assert!(!r.allowed("/a-x-b-y-c"));
        assert!(r.allowed("/a-x-c-y-b"));
    }

    #[test]
    fn empty_disallow_allows_and_robots_txt_is_always_allowed() {
        let r = Robots::parse("User-agent: *\nDisallow:\n", "siteready");
        assert!(r.allowed("/anything"));
        let r = Robots::parse("User-agent: *\nDisallow: /\n", "siteready");
        assert!(!r.allowed("/x"));
        assert!(r.allowed("/robots.txt"));
    }

    #[test]
    fn text_past_the_cap_is_ignored() {
        let mut text = String::from("User-agent: *\n");
        while text.len() < MAX_ROBOTS {
            text.push_str("Allow: /filler\n");
        }
        text.push_str("Disallow: /late\n");
        let r = Robots::parse(&text, "siteready");
        assert!(r.allowed("/late"));
        assert!(cap("ab\ncd", 4) == "ab");
        assert!(cap("é", 1).is_empty());
    }
}
