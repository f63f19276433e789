//! sitemap.xml and sitemap indexes: `<loc>` values, capped in count. The XML is read with a
//! tolerant scan rather than a full parser: sitemaps in the wild are often not well-formed.

/// Most URLs taken from all sitemaps of one site.
pub const MAX_SITEMAP_URLS: usize = 50_000;
/// Most sitemap files fetched for one site (index included).
pub const MAX_SITEMAP_FILES: usize = 8;
/// Deepest sitemap-index nesting followed.
pub const MAX_SITEMAP_DEPTH: usize = 2;

/// What one sitemap file lists.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Page URLs (`<urlset>`).
    pub pages: Vec<String>,
    /// Nested sitemaps (`<sitemapindex>`).
    pub sitemaps: Vec<String>,
}

fn unescape(s: &str) -> String {
    s.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
}

/// Scans sitemap XML for `<loc>`s, at most `limit` of them.
pub fn parse(xml: &str, limit: usize) -> Parsed {
    let xml = strip_comments(xml);
    let xml = xml.as_str();
    let is_index = xml.contains("<sitemapindex");
    let mut out = Parsed::default();
    let mut rest = xml;
    while let Some(i) = rest.find("<loc>") {
        rest = &rest[i + 5..];
        let Some(j) = rest.find("</loc>") else { break };
        let raw = rest[..j].trim();
        let raw = raw
            .strip_prefix("<![CDATA[")
            .and_then(|r| r.strip_suffix("]]>"))
            .unwrap_or(raw);
        let loc = unescape(raw.trim());
        rest = &rest[j + 6..];
        if loc.is_empty() || loc.len() > 2083 {
            continue;
        }
        if is_index {
            out.sitemaps.push(loc);
        } else {
            out.pages.push(loc);
        }
        if out.pages.len() + out.sitemaps.len() >= limit {
            break;
        }
    }
    out
}

fn strip_comments(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(i) = rest.find("<!--") {
        out.push_str(&rest[..i]);
        match rest[i..].find("-->") {
            Some(j) => rest = &rest[i + j + 3..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_locs_and_indexes() {
        let p = super::parse(
            "<urlset><url><loc> https://s.example/a?x=1&amp;y=2 </loc></url><url><loc>/b</loc></url></urlset>",
            10,
        );
        assert_eq!(p.pages, vec!["https://s.example/a?x=1&y=2", "/b"]);
        let i = super::parse(
            "<sitemapindex><sitemap><loc>https://s.example/s1.xml</loc></sitemap></sitemapindex>",
            10,
        );
        assert_eq!(i.sitemaps.len(), 1);
        assert_eq!(
            super::parse(&"<url><loc>/x</loc></url>".repeat(100), 7)
                .pages
                .len(),
            7
        );
        let c = super::parse(
            "<!-- <loc>/comment</loc> --><urlset><url><loc>/real</loc></url></urlset>",
            10,
        );
        assert_eq!(c.pages, vec!["/real"]);
    }
}
