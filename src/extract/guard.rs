//! Element tables and the bounds the tokenizer does not enforce itself.
//!
//! The tokenizer (`tokens`) caps attributes per tag and tags per page. The stream over it
//! (`stream`) models the tree builder's stack with the tables below and keeps nesting
//! under [`MAX_DEPTH`] and open formatting elements under [`MAX_FORMATTING`]: those are the costs
//! a hostile page can blow up in a standard tree builder (every start tag scans the stack; left-open
//! formatting elements are re-created in every following block).
//!
//! A document tree is built only for CSS-selector rules ([`selector_tree`]): the bounded,
//! well-nested event stream is written back as markup (nothing misnested, nothing deeper than the
//! bound, at most [`MAX_NODES`] nodes) and parsed by `scraper`, so the tree builder never sees
//! what the bounds removed.

use std::borrow::Cow;

use scraper::Html;

use super::stream::{self, Element, Visitor};

/// Deepest nesting of elements kept; real pages stay under 60.
pub const MAX_DEPTH: usize = 256;
/// Formatting elements (`<b>`, `<font>` …) left open at once; more are dropped.
pub const MAX_FORMATTING: usize = 16;
/// Nodes (elements and text runs) a selector tree may hold: about 25 MB of tree, five times
/// what a big shop listing needs. Past it the document is cut.
pub const MAX_NODES: usize = 120_000;

// Element categories, as bits.
pub(crate) const VOID: u32 = 1;
pub(crate) const SPECIAL: u32 = 1 << 1;
pub(crate) const FORMATTING: u32 = 1 << 2;
pub(crate) const RAW: u32 = 1 << 3;
/// Boundary of the default "in scope" search (applet, caption, html, table, td, th, marquee,
/// object, template, and the MathML/SVG integration points).
pub(crate) const SCOPE: u32 = 1 << 4;
/// Start tags that close an open `<p>` in button scope.
pub(crate) const CLOSES_P: u32 = 1 << 5;
/// Elements that put a marker in the list of active formatting elements.
const MARKER: u32 = 1 << 6;
/// Boundary of the table scope (html, table, template).
const TABLE_SCOPE: u32 = 1 << 7;
pub(crate) const HEADING: u32 = 1 << 8;
/// `html`, `head`, `body`: never nested; repeats only add attributes.
const ROOT: u32 = 1 << 9;
pub(crate) const FOREIGN: u32 = 1 << 10;
/// Foreign elements whose children are parsed as HTML again (`foreignObject`, `mi` …).
const INTEGRATION: u32 = 1 << 11;

pub(crate) fn classify(name: &str) -> u32 {
    match name {
        "area" | "base" | "br" | "col" | "embed" | "hr" | "img" | "input" | "link" | "meta"
        | "source" | "track" | "wbr" | "param" | "keygen" | "basefont" | "bgsound" | "frame"
        | "image" => {
            VOID | if matches!(name, "hr") {
                SPECIAL | CLOSES_P
            } else {
                SPECIAL
            }
        }
        "html" => ROOT | SPECIAL | SCOPE | TABLE_SCOPE,
        "head" | "body" => ROOT | SPECIAL,
        "b" | "big" | "code" | "em" | "font" | "i" | "nobr" | "s" | "small" | "strike"
        | "strong" | "tt" | "u" => FORMATTING,
        "script" | "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript"
        | "textarea" | "title" | "plaintext" => {
            RAW | SPECIAL
                | match name {
                    "xmp" | "plaintext" => CLOSES_P,
                    "title" => SCOPE,
                    _ => 0,
                }
        }
        "applet" | "marquee" | "object" => SPECIAL | SCOPE | MARKER,
        "caption" | "td" | "th" => SPECIAL | SCOPE | MARKER,
        "template" => SPECIAL | SCOPE | MARKER | TABLE_SCOPE,
        "table" => SPECIAL | SCOPE | TABLE_SCOPE,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => SPECIAL | CLOSES_P | HEADING,
        "address" | "article" | "aside" | "blockquote" | "center" | "details" | "dialog"
        | "dir" | "div" | "dl" | "fieldset" | "figcaption" | "figure" | "footer" | "header"
        | "hgroup" | "main" | "menu" | "nav" | "ol" | "p" | "search" | "section" | "summary"
        | "ul" | "pre" | "listing" | "form" | "li" | "dd" | "dt" => SPECIAL | CLOSES_P,
        "button" | "colgroup" | "frameset" | "select" | "tbody" | "tfoot" | "thead" | "tr" => {
            SPECIAL
        }
        "mi" | "mo" | "mn" | "ms" | "mtext" | "annotation-xml" | "foreignobject" | "desc" => {
            SPECIAL | SCOPE | INTEGRATION
        }
        "svg" | "math" => FOREIGN,
        _ => 0,
    }
}

/// Pages parsed at once in the whole process: each parse holds a tree of up to [`MAX_NODES`],
/// so memory stays bounded whatever `--concurrency` says.
pub async fn parse_slot() -> Option<tokio::sync::OwnedSemaphorePermit> {
    static SLOTS: std::sync::OnceLock<std::sync::Arc<tokio::sync::Semaphore>> =
        std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
            .clamp(1, 4);
        std::sync::Arc::new(tokio::sync::Semaphore::new(n))
    });
    slots.clone().acquire_owned().await.ok()
}

/// What [`tame`] changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Taming {
    /// Start tags dropped (too deep, too many open formatting elements).
    pub dropped_tags: usize,
    /// Tags whose attribute list was cut.
    pub cut_attrs: usize,
    /// Where the document was cut (too many nodes or tags): a byte offset of the input when the
    /// tokenizer stopped, else the length of the input.
    pub cut_at: Option<usize>,
}

impl Taming {
    /// True when the page was changed at all.
    pub fn changed(&self) -> bool {
        self.dropped_tags > 0 || self.cut_attrs > 0 || self.cut_at.is_some()
    }
}

/// The document tree CSS-selector rules run on, built within the bounds above.
pub fn selector_tree(html: &str) -> Html {
    let (markup, _) = tame(html);
    Html::parse_document(&markup)
}

/// `html` rewritten within the bounds: the stream's events written back as well-nested markup.
/// [`selector_tree`] parses it.
pub fn tame(html: &str) -> (Cow<'_, str>, Taming) {
    let mut w = Rewrite {
        // No-quirks mode: selectors match class and id names case-sensitively, as on a page with
        // a doctype.
        out: String::from("<!DOCTYPE html>"),
        open: Vec::with_capacity(64),
        nodes: 0,
        full: false,
        raw: 0,
        foreign: 0,
    };
    let capped = stream::walk(html, &mut w);
    let taming = Taming {
        dropped_tags: capped.dropped_tags,
        cut_attrs: capped.cut.attrs,
        cut_at: capped.cut.at.or(w.full.then_some(html.len())),
    };
    (Cow::Owned(w.out), taming)
}

/// Writes stream events back as markup.
struct Rewrite {
    out: String,
    /// Open elements, and whether each was written (past [`MAX_NODES`] none are).
    open: Vec<bool>,
    nodes: usize,
    full: bool,
    /// Open `<script>`/`<style>` elements written outside SVG/MathML: their text goes out as it
    /// is (the tokenizer ended it at its end tag, so it cannot end it early).
    raw: usize,
    /// Open `<svg>`/`<math>` elements written.
    foreign: usize,
}

impl Visitor for Rewrite {
    fn open(&mut self, el: &Element<'_>) {
        self.nodes += 1;
        self.full |= self.nodes > MAX_NODES;
        if self.full {
            self.open.push(false);
            return;
        }
        let kind = classify(el.name);
        self.out.push('<');
        self.out.push_str(el.name);
        for a in el.attrs {
            if a.name
                .bytes()
                .any(|b| matches!(b, b'"' | b'\'' | b'<' | b'=' | b'`'))
            {
                continue;
            }
            self.out.push(' ');
            self.out.push_str(&a.name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, &a.value, true);
            self.out.push('"');
        }
        self.out.push('>');
        let void = kind & VOID != 0;
        self.open.push(!void);
        if kind & FOREIGN != 0 {
            self.foreign += 1;
        } else if kind & RAW != 0 && self.foreign == 0 && is_raw_text(el.name) {
            self.raw += 1;
        }
    }

    fn close(&mut self, name: &str) {
        if self.open.pop() == Some(true) {
            if classify(name) & FOREIGN != 0 {
                self.foreign = self.foreign.saturating_sub(1);
            } else if self.raw > 0 && is_raw_text(name) {
                self.raw -= 1;
            }
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push('>');
        }
    }

    fn text(&mut self, s: &str) {
        self.nodes += 1;
        self.full |= self.nodes > MAX_NODES;
        if self.full {
            return;
        }
        if self.raw > 0 {
            self.out.push_str(s);
        } else {
            escape_into(&mut self.out, s, false);
        }
    }
}

/// Elements whose text the tree builder takes as it is (no entities, no tags).
fn is_raw_text(name: &str) -> bool {
    matches!(name, "script" | "style")
}

/// Escapes text (`&`, `<`) or a double-quoted attribute value (`&`, `"`) so that it parses back
/// to the same string.
fn escape_into(out: &mut String, s: &str, attr: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' if !attr => out.push_str("&lt;"),
            '"' if attr => out.push_str("&quot;"),
            '\0' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn depth_of(doc: &Html) -> usize {
        doc.tree
            .nodes()
            .map(|n| n.ancestors().count())
            .max()
            .unwrap_or(0)
    }

    fn select_count(doc: &Html, sel: &str) -> usize {
        let sel = scraper::Selector::parse(sel).expect("selector");
        doc.select(&sel).count()
    }

    #[test]
    fn ordinary_pages_keep_their_structure() {
        let page = "<!doctype html><html><head><title>T &amp; U</title><style>p>a{}</style></head>\
                    <body><div id=main><p>one<p>two<ul><li>a<li>b</ul><table><tr><td>x<td>y<tr><td>z</table>\
                    <b>bold <i>both</b> italic</i><font color=red>red<script>if (a<b) {}</script>\
                    <a href=\"/x?a=1&amp;b=&quot;2&quot;\">x</a><svg><path d=''/><path/></svg></div></body></html>";
        let (_, t) = tame(page);
        assert!(!t.changed(), "{t:?}");
        let doc = selector_tree(page);
        assert_eq!(select_count(&doc, "#main > p"), 2);
        assert_eq!(select_count(&doc, "ul > li"), 2);
        assert_eq!(select_count(&doc, "table td"), 3);
        assert_eq!(select_count(&doc, "svg path"), 2);
        let a = scraper::Selector::parse("a").expect("selector");
        let a = doc.select(&a).next().expect("link");
        assert_eq!(a.value().attr("href"), Some("/x?a=1&b=\"2\""));
        let title = scraper::Selector::parse("title").expect("selector");
        let title: String = doc.select(&title).flat_map(|t| t.text()).collect();
        assert_eq!(title, "T & U");
        let script = scraper::Selector::parse("script").expect("selector");
        let script: String = doc.select(&script).flat_map(|t| t.text()).collect();
        assert_eq!(script, "if (a<b) {}");
    }

    #[test]
    fn a_million_nested_divs_are_flattened_and_fast() {
        let mut page = String::from("<title>Deep</title><p>before</p>");
        page.push_str(&"<div>".repeat(1_000_000));
        page.push_str("<p>deep text</p><a href=/ok>deep link</a>");
        let t0 = Instant::now();
        let (_, t) = tame(&page);
        assert!(t.dropped_tags >= 1_000_000 - MAX_DEPTH);
        let doc = selector_tree(&page);
        assert!(doc.root_element().text().any(|s| s.contains("deep text")));
        assert!(depth_of(&doc) <= MAX_DEPTH + 8);
        assert!(t0.elapsed().as_secs() < 20, "{:?}", t0.elapsed());
    }

    #[test]
    fn misnested_markup_stays_shallow() {
        for page in [
            "<span><div></span>".repeat(5000),
            "<div/>".repeat(5000),
            "<b><div></b>".repeat(3000) + &"<a><div>".repeat(3000),
        ] {
            let doc = selector_tree(&page);
            assert!(depth_of(&doc) <= 2 * MAX_DEPTH + 8, "{}", depth_of(&doc));
        }
    }

    #[test]
    fn attribute_floods_are_cut() {
        let mut page = String::from("<div ");
        for i in 0..100_000 {
            page.push_str(&format!("a{i}=\"1\" "));
        }
        page.push_str(">text</div>");
        let (out, t) = tame(&page);
        assert_eq!(t.cut_attrs, 1);
        assert!(out.len() < 2000);
        let doc = Html::parse_document(&out);
        assert!(doc.root_element().text().any(|s| s.contains("text")));
    }

    #[test]
    fn reopened_formatting_elements_are_bounded() {
        let mut page = String::from("<div>");
        for i in 0..2000 {
            page.push_str(&format!("<b id=b{i}>"));
        }
        page.push_str("</div>");
        page.push_str(&"<p>x</p>".repeat(100_000));
        let t0 = Instant::now();
        let (_, t) = tame(&page);
        assert!(t.dropped_tags >= 2000 - MAX_FORMATTING);
        let doc = selector_tree(&page);
        assert!(doc.tree.nodes().len() <= 2 * MAX_NODES + 16);
        assert!(t0.elapsed().as_secs() < 20, "{:?}", t0.elapsed());
    }

    #[test]
    fn tiny_element_floods_are_cut_at_the_node_budget() {
        let page = "<i></i>".repeat(700_000);
        let (_, t) = tame(&page);
        assert!(t.cut_at.is_some());
        let doc = selector_tree(&page);
        assert!(doc.tree.nodes().len() <= MAX_NODES + 16);
    }

    #[test]
    fn raw_text_is_not_scanned_for_tags_but_foreign_content_is() {
        let page = format!("<script>{}</script><p>after</p>", "<div>".repeat(10_000));
        let (_, t) = tame(&page);
        assert!(!t.changed());
        assert_eq!(select_count(&selector_tree(&page), "div"), 0);
        let page = format!("<svg><style>{}", "<div>".repeat(10_000));
        let (_, t) = tame(&page);
        assert!(t.dropped_tags > 0);
        assert!(depth_of(&selector_tree(&page)) <= MAX_DEPTH + 8);
    }

    #[test]
    fn sloppy_real_world_markup_keeps_its_links() {
        // Unclosed cells, rows, list items, paragraphs and fonts, as old shop templates write them.
        let mut page = String::from("<table>");
        for i in 0..3000 {
            page.push_str(&format!(
                "<tr><td><font color=red>item {i}<td><p>price<li><a href=/p/{i}>buy</a>"
            ));
        }
        page.push_str("</table>");
        assert_eq!(select_count(&selector_tree(&page), "a[href]"), 3000);
    }
}
