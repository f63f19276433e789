//! robots.txt (RFC 9309): groups by user agent, longest match wins, `allow` wins ties,
//! `*` and `$` wildcards. Unavailable (4xx) means allow all; unreachable (5xx, network)
//! means disallow all.

/// Cap on the robots.txt body, as RFC 9309 allows (500 KiB).
pub const MAX_ROBOTS: usize = 500 * 1024;

#[derive(Debug, Clone, Default)]
struct Group {
    agents: Vec<String>,
    rules: Vec<(bool, String)>,
}

/// Parsed robots.txt for one host.
#[derive(Debug, Clone)]
pub struct Robots {
    /// `(allow, pattern)` of the group that applies to us.
    rules: Vec<(bool, String)>,
    disallow_all: bool,
    pub sitemaps: Vec<String>,
}

impl Robots {
    /// Everything allowed (no robots.txt, or `--no-robots`).
    pub fn allow_all() -> Self {
        Robots {
            rules: Vec::new(),
            disallow_all: false,
            sitemaps: Vec::new(),
        }
    }

    /// Nothing allowed (robots.txt unreachable).
    pub fn disallow_all() -> Self {
        Robots {
            rules: Vec::new(),
            disallow_all: true,
            sitemaps: Vec::new(),
        }
    }

    /// Parses robots.txt text for the product token `agent` (e.g. `siteready`).
    pub fn parse(text: &str, agent: &str) -> Self {
        let agent = agent.to_ascii_lowercase();
        let mut groups: Vec<Group> = Vec::new();
        let mut sitemaps = Vec::new();
        let mut in_agents = false;
        for line in text.lines().take(50_000) {
            let line = line.split('#').next().unwrap_or("").trim();
            let Some((k, v)) = line.split_once(':') else {
                continue;
            };
            let k = k.trim().to_ascii_lowercase();
            let v = v.trim();
            match k.as_str() {
                "user-agent" => {
                    if !in_agents {
                        groups.push(Group::default());
                    }
                    in_agents = true;
                    if let Some(g) = groups.last_mut() {
                        g.agents.push(v.to_ascii_lowercase());
                    }
                }
                "allow" | "disallow" => {
                    in_agents = false;
                    if let Some(g) = groups.last_mut() {
                        if !v.is_empty() && g.rules.len() < 10_000 {
                            g.rules.push((k == "allow", v.to_string()));
                        }
                    }
                }
                "sitemap" => {
                    if sitemaps.len() < 50 {
                        sitemaps.push(v.to_string());
                    }
                }
                _ => {
                    in_agents = false;
                }
            }
        }
        let mine: Vec<&Group> = groups
            .iter()
            .filter(|g| {
                g.agents
                    .iter()
                    .any(|a| a != "*" && agent.contains(a.as_str()))
            })
            .collect();
        let chosen: Vec<&Group> = if mine.is_empty() {
            groups
                .iter()
                .filter(|g| g.agents.iter().any(|a| a == "*"))
                .collect()
        } else {
            mine
        };
        Robots {
            rules: chosen
                .iter()
                .flat_map(|g| g.rules.iter().cloned())
                .collect(),
            disallow_all: false,
            sitemaps,
        }
    }

    /// Whether `path` (with query) may be fetched.
    pub fn allowed(&self, path: &str) -> bool {
        if self.disallow_all {
            return false;
        }
        if path == "/robots.txt" {
            return true;
        }
        let mut best: Option<(usize, bool)> = None;
        for (allow, pat) in &self.rules {
            if matches(pat, path) {
                let len = pat.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, *allow)),
                };
            }
        }
        best.map(|(_, a)| a).unwrap_or(true)
    }
}

/// Robots pattern match: `*` any run, trailing `$` anchors the end.
fn matches(pat: &str, path: &str) -> bool {
    let (pat, anchored) = match pat.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pat, false),
    };
    let parts: Vec<&str> = pat.split('*').collect();
    let first = parts[0];
    if !path.starts_with(first) {
        return false;
    }
    let mut pos = first.len();
    if parts.len() == 1 {
        return !anchored || pos == path.len();
    }
    for part in &parts[1..parts.len() - 1] {
        match path[pos..].find(part) {
            Some(j) => pos += j + part.len(),
            None => return false,
        }
    }
    let last = parts[parts.len() - 1];
    if anchored {
        path.len() >= pos + last.len() && path.ends_with(last)
    } else {
        path[pos..].contains(last)
    }
}

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
            "siteready/0.1",
        );
        assert!(r.allowed("/products"));
        assert!(!r.allowed("/private/a"));
        assert!(!Robots::disallow_all().allowed("/"));
    }
}
