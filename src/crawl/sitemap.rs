//! sitemap.xml, sitemap indexes and gzip sitemaps, read with `quick-xml`: the `<loc>` of each
//! `<url>` (pages) or `<sitemap>` (nested sitemaps), namespaced or not, with entities decoded
//! exactly once. Sitemaps in the wild are often not well-formed, so the reader is lenient (end
//! tags unchecked, bare `&` kept) and a syntax error ends the file with what was read so far.
//! Everything is bounded: URLs taken, and bytes after gzip decompression.

use std::io::Read;

use quick_xml::events::{BytesRef, Event};
use quick_xml::Reader;

/// Most URLs taken from all sitemaps of one site.
pub const MAX_SITEMAP_URLS: usize = 50_000;
/// Most sitemap files fetched for one site (index included).
pub const MAX_SITEMAP_FILES: usize = 8;
/// Deepest sitemap-index nesting followed.
pub const MAX_SITEMAP_DEPTH: usize = 2;
/// Longest `<loc>` kept: longer values are not URLs a browser would follow.
const MAX_LOC: usize = 2083;
/// Deepest element nesting tracked: a sitemap needs three levels.
const MAX_NESTING: usize = 64;

/// What one sitemap file lists.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Page URLs (`<urlset>`).
    pub pages: Vec<String>,
    /// Nested sitemaps (`<sitemapindex>`).
    pub sitemaps: Vec<String>,
    /// The gzip content was larger than allowed: only the URLs before the cut were read.
    pub truncated: bool,
}

/// Why a sitemap body could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SitemapError {
    /// The body starts like gzip but does not decompress.
    #[error("sitemap gzip data is corrupt")]
    Gzip(#[source] std::io::Error),
}

/// Scans sitemap XML text for `<loc>`s, at most `limit` of them.
pub fn parse(xml: &str, limit: usize) -> Parsed {
    parse_xml(xml.as_bytes(), limit)
}

/// Reads a sitemap body as fetched (`.xml`, `.xml.gz`, or gzip whatever the name): gzip is
/// recognised by its magic bytes and decompressed to at most `max_bytes`, so a small bomb
/// cannot take the memory. Takes at most `limit` URLs.
pub fn parse_body(body: &[u8], max_bytes: usize, limit: usize) -> Result<Parsed, SitemapError> {
    if !is_gzip(body) {
        return Ok(parse_xml(body, limit));
    }
    let (xml, truncated) = gunzip(body, max_bytes)?;
    let mut parsed = parse_xml(&xml, limit);
    parsed.truncated = truncated;
    if truncated {
        tracing::warn!(
            max_bytes,
            "gzip sitemap larger than allowed: read up to the cut"
        );
    }
    Ok(parsed)
}

/// Whether a body is gzip data (RFC 1952 magic).
pub fn is_gzip(body: &[u8]) -> bool {
    body.starts_with(&[0x1f, 0x8b])
}

/// Decompresses gzip data to at most `max_bytes` (a bomb stops at the cap); `true` when there
/// was more. For callers that hold a sitemap body as bytes before decoding it to text.
pub fn gunzip(body: &[u8], max_bytes: usize) -> Result<(Vec<u8>, bool), SitemapError> {
    let limit = u64::try_from(max_bytes)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(SitemapError::Gzip)?;
    let truncated = out.len() > max_bytes;
    out.truncate(max_bytes);
    Ok((out, truncated))
}

/// Where the reader is: inside a `<loc>` whose parent is `<url>` or `<sitemap>`.
#[derive(Default)]
struct Scan {
    /// Local names of the open elements (bounded by [`MAX_NESTING`]).
    open: Vec<Vec<u8>>,
    /// Text of the `<loc>` being read, when inside one.
    loc: Option<String>,
    /// Nesting depth of the `<loc>` being read.
    loc_depth: usize,
}

fn parse_xml(xml: &[u8], limit: usize) -> Parsed {
    let mut reader = Reader::from_reader(xml);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    let mut out = Parsed::default();
    let mut scan = Scan::default();
    let mut buf = Vec::new();
    while out.pages.len() + out.sitemaps.len() < limit {
        buf.clear();
        let event = match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(e) => e,
            Err(e) => {
                tracing::debug!(error = %e, at = reader.buffer_position(), "sitemap XML ends in an error");
                break;
            }
        };
        match event {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_ascii_lowercase();
                let parent = scan.open.last().map(Vec::as_slice);
                if name == b"loc" && matches!(parent, Some(b"url" | b"sitemap")) {
                    scan.loc = Some(String::new());
                    scan.loc_depth = scan.open.len();
                }
                if scan.open.len() < MAX_NESTING {
                    scan.open.push(name);
                }
            }
            Event::End(_) => {
                scan.open.pop();
                if scan.loc.is_some() && scan.open.len() <= scan.loc_depth {
                    let loc = scan.loc.take().unwrap_or_default();
                    keep(&mut out, &scan.open, loc.trim());
                }
            }
            Event::Text(t) => push_text(&mut scan, &t),
            Event::CData(t) => push_text(&mut scan, &t),
            Event::GeneralRef(r) => {
                if let Some(loc) = scan.loc.as_mut() {
                    push_ref(loc, &r);
                }
            }
            _ => {}
        }
    }
    tracing::info!(
        pages = out.pages.len(),
        sitemaps = out.sitemaps.len(),
        "sitemap read"
    );
    out
}

/// Raw text (no entities inside: the reader reports those as references).
fn push_text(scan: &mut Scan, raw: &[u8]) {
    if let Some(loc) = scan.loc.as_mut() {
        if loc.len() <= MAX_LOC {
            loc.push_str(&String::from_utf8_lossy(raw));
        }
    }
}

/// One `&name;` or `&#N;`, decoded once; an unknown entity stays as written.
fn push_ref(loc: &mut String, r: &BytesRef<'_>) {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        loc.push(c);
        return;
    }
    let name = String::from_utf8_lossy(r);
    match quick_xml::escape::resolve_predefined_entity(&name) {
        Some(s) => loc.push_str(s),
        None => {
            loc.push('&');
            loc.push_str(&name);
            loc.push(';');
        }
    }
}

fn keep(out: &mut Parsed, open: &[Vec<u8>], loc: &str) {
    if loc.is_empty() || loc.len() > MAX_LOC {
        return;
    }
    match open.last().map(Vec::as_slice) {
        Some(b"sitemap") => out.sitemaps.push(loc.to_string()),
        _ => out.pages.push(loc.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn reads_locs_and_indexes() {
        let p = parse(
            "<urlset><url><loc> https://s.example/a?x=1&amp;y=2 </loc></url><url><loc>/b</loc></url></urlset>",
            10,
        );
        assert_eq!(p.pages, vec!["https://s.example/a?x=1&y=2", "/b"]);
        let i = parse(
            "<sitemapindex><sitemap><loc>https://s.example/s1.xml</loc></sitemap></sitemapindex>",
            10,
        );
        assert_eq!(i.sitemaps, vec!["https://s.example/s1.xml"]);
        assert!(i.pages.is_empty());
        assert_eq!(
            parse(&"<url><loc>/x</loc></url>".repeat(100), 7)
                .pages
                .len(),
            7
        );
        let c = parse(
            "<!-- <url><loc>/comment</loc></url> --><urlset><url><loc>/real</loc></url></urlset>",
            10,
        );
        assert_eq!(c.pages, vec!["/real"]);
    }

    #[test]
    fn entities_are_decoded_once() {
        let p = parse(
            "<urlset><url><loc>/q?a=&amp;lt;b&#38;c=&#x41;&amp;d</loc></url></urlset>",
            10,
        );
        assert_eq!(p.pages, vec!["/q?a=&lt;b&c=A&d"]);
        let p = parse(
            "<urlset><url><loc><![CDATA[/c?a=1&amp;b]]></loc></url></urlset>",
            10,
        );
        assert_eq!(p.pages, vec!["/c?a=1&amp;b"]);
        // Bare ampersands (common in hand-made sitemaps) stay as they are.
        let p = parse("<urlset><url><loc>/p?a=1&b=2</loc></url></urlset>", 10);
        assert_eq!(p.pages, vec!["/p?a=1&b=2"]);
    }

    #[test]
    fn namespaced_locs_and_foreign_locs() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<s:urlset xmlns:s="http://www.sitemaps.org/schemas/sitemap/0.9"
          xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <s:url><s:loc>https://s.example/p1</s:loc>
    <image:image><image:loc>https://s.example/p1.jpg</image:loc></image:image></s:url>
</s:urlset>"#;
        assert_eq!(parse(xml, 10).pages, vec!["https://s.example/p1"]);
        let xml = r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/d</loc></url></urlset>"#;
        assert_eq!(parse(xml, 10).pages, vec!["/d"]);
        let xml = r#"<sm:sitemapindex xmlns:sm="http://www.sitemaps.org/schemas/sitemap/0.9"><sm:sitemap><sm:loc>/s.xml.gz</sm:loc></sm:sitemap></sm:sitemapindex>"#;
        assert_eq!(parse(xml, 10).sitemaps, vec!["/s.xml.gz"]);
    }

    #[test]
    fn broken_xml_keeps_what_was_read() {
        let p = parse(
            "<urlset><url><loc>/a</loc></url><url><loc>/b</loc></URL><url><loc>/c</loc></url><url <<",
            10,
        );
        assert_eq!(p.pages, vec!["/a", "/b", "/c"]);
        let long = format!(
            "<urlset><url><loc>/{}</loc></url></urlset>",
            "x".repeat(3000)
        );
        assert!(parse(&long, 10).pages.is_empty());
    }

    #[test]
    fn gzip_sitemaps_are_read() {
        let body = gz(b"<urlset><url><loc>/g1</loc></url><url><loc>/g2</loc></url></urlset>");
        let p = parse_body(&body, 1 << 20, 10).unwrap();
        assert_eq!(p.pages, vec!["/g1", "/g2"]);
        assert!(!p.truncated);
        let plain = parse_body(b"<urlset><url><loc>/p</loc></url></urlset>", 1 << 20, 10).unwrap();
        assert_eq!(plain.pages, vec!["/p"]);
        assert!(parse_body(&[0x1f, 0x8b, 0, 1, 2, 3], 1 << 20, 10).is_err());
    }

    #[test]
    fn gzip_bomb_is_cut() {
        // 64 MiB of zeros compress to about 64 KiB; only 1 MiB is ever decompressed.
        let mut xml = b"<urlset><url><loc>/first</loc></url>".to_vec();
        xml.resize(64 << 20, b' ');
        let body = gz(&xml);
        assert!(body.len() < 1 << 20);
        let p = parse_body(&body, 1 << 20, 10).unwrap();
        assert!(p.truncated);
        assert_eq!(p.pages, vec!["/first"]);
    }
}
