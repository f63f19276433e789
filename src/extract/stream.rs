//! A document's element structure as a stream of events (open, text, close), from the
//! tokenizer ([`super::tokens`]) and a small model of the standard's tree construction.
//!
//! Extraction only needs to know which elements a piece of text sits in (a link, a heading, a
//! footer, a script); building the whole tree for that cost three times what tokenizing does,
//! and the tree was thrown away right after. The model here closes what the standard closes
//! implicitly (`<p>` before a block, `<li>` before the next item, table cells and rows, an open
//! `<a>` before the next one, `<head>` before body content), ignores end tags that close nothing,
//! and bounds nesting ([`MAX_DEPTH`]) and open formatting elements ([`MAX_FORMATTING`]) as the
//! tree reader does, so a hostile page reports the same caps. What it does not reproduce is
//! rearranging: misnested formatting elements are closed where they end rather than re-created
//! in the next block, and table text is not moved before its table.

use std::borrow::Cow;
use std::collections::HashMap;

use super::guard::{
    classify, CLOSES_P, FOREIGN, FORMATTING, MAX_DEPTH, MAX_FORMATTING, RAW, SCOPE, SPECIAL, VOID,
};
use super::tokens::{self, Attr, Raw, Tag};

/// A start tag as the visitor sees it.
pub(crate) struct Element<'a> {
    pub name: &'a str,
    pub attrs: &'a [Attr<'a>],
}

impl Element<'_> {
    /// The value of attribute `name` (names are lower-case, as the tokenizer gives them).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|a| a.name == name)
            .map(|a| &*a.value)
    }
}

/// Receives a well-nested sequence of events: every `open` is matched by one `close`.
pub(crate) trait Visitor {
    fn open(&mut self, el: &Element<'_>);
    fn close(&mut self, name: &str);
    /// Text inside the innermost open element (adjacent text arrives as one piece).
    fn text(&mut self, s: &str);
    /// Attributes of an `<html>` tag that came after the root element was already open.
    fn root_attrs(&mut self, _el: &Element<'_>) {}
}

/// What the stream left out to stay within its bounds.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Capped {
    /// Start tags dropped (deeper than [`MAX_DEPTH`], or more than [`MAX_FORMATTING`] open
    /// formatting elements); their text is kept.
    pub dropped_tags: usize,
    /// What the tokenizer ignored: attribute floods, tags past its budget.
    pub cut: tokens::Cut,
}

impl Capped {
    /// True when the page was read in part.
    pub fn changed(&self) -> bool {
        self.dropped_tags > 0 || self.cut != tokens::Cut::default()
    }
}

/// Feeds `html` through the tokenizer to `v`.
pub(crate) fn walk<V: Visitor>(html: &str, v: &mut V) -> Capped {
    let html = tokens::normalize_newlines(html);
    let mut shape = Shape {
        v,
        stack: Vec::with_capacity(64),
        pending: String::new(),
        dropped: HashMap::new(),
        capped: Capped::default(),
        formatting: 0,
        foreign: 0,
        form: 0,
        head_done: false,
        body: false,
    };
    shape.capped.cut = tokens::tokenize(&html, &mut shape);
    shape.flush();
    shape.pop_to(0);
    shape.capped
}

struct Open<'a> {
    name: Cow<'a, str>,
    kind: u32,
}

struct Shape<'v, 'a, V> {
    v: &'v mut V,
    stack: Vec<Open<'a>>,
    /// Text not yet delivered: adjacent text becomes one piece.
    pending: String,
    /// Start tags dropped, per name, so that their end tags are dropped too.
    dropped: HashMap<Cow<'a, str>, u32>,
    capped: Capped,
    /// Open formatting elements.
    formatting: usize,
    /// Open SVG/MathML elements: no raw text inside them.
    foreign: usize,
    /// Open forms (a form inside a form is ignored).
    form: usize,
    head_done: bool,
    body: bool,
}

impl<'a, V: Visitor> tokens::Sink<'a> for Shape<'_, 'a, V> {
    fn text(&mut self, s: &str) {
        self.pending.push_str(s);
    }

    fn start_tag(&mut self, tag: &Tag<'a>) -> Option<Raw> {
        self.flush();
        self.start(tag)
    }

    fn end_tag(&mut self, name: Cow<'a, str>) {
        self.flush();
        self.end(&name);
    }

    fn comment(&mut self) {
        self.flush();
    }
}

/// Elements that stay in `<head>`; any other start tag begins the body.
fn in_head(name: &str) -> bool {
    matches!(
        name,
        "base"
            | "basefont"
            | "bgsound"
            | "link"
            | "meta"
            | "title"
            | "noscript"
            | "script"
            | "style"
            | "template"
            | "noframes"
    )
}

impl<'a, V: Visitor> Shape<'_, 'a, V> {
    fn current(&self) -> Option<&str> {
        self.stack.last().map(|o| &*o.name)
    }

    /// Index of the nearest open `names` element, searching down from the current node and
    /// stopping at an element for which `stop` holds.
    fn find(&self, names: &[&str], stop: impl Fn(&Open<'a>) -> bool) -> Option<usize> {
        for (i, o) in self.stack.iter().enumerate().rev() {
            if names.contains(&&*o.name) {
                return Some(i);
            }
            if stop(o) {
                return None;
            }
        }
        None
    }

    /// Closes everything from index `i` up.
    fn pop_to(&mut self, i: usize) {
        while self.stack.len() > i {
            let Some(o) = self.stack.pop() else { break };
            if o.kind & FORMATTING != 0 {
                self.formatting = self.formatting.saturating_sub(1);
            }
            if o.kind & FOREIGN != 0 {
                self.foreign = self.foreign.saturating_sub(1);
            }
            if &*o.name == "form" {
                self.form = self.form.saturating_sub(1);
            }
            if &*o.name == "head" {
                self.head_done = true;
            }
            self.v.close(&o.name);
        }
    }

    fn ensure_root(&mut self) {
        if self.stack.is_empty() {
            self.v.open(&Element {
                name: "html",
                attrs: &[],
            });
            self.stack.push(Open {
                name: Cow::Borrowed("html"),
                kind: classify("html"),
            });
        }
    }

    /// Leaves `<head>` when body content starts.
    fn leave_head(&mut self) {
        if self.head_done {
            return;
        }
        if let Some(i) = self.find(&["head"], |_| false) {
            self.pop_to(i);
        }
        self.head_done = true;
    }

    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.pending);
        let blank = text.trim_start_matches(is_space).is_empty();
        if self.stack.is_empty() && blank {
            return;
        }
        self.ensure_root();
        if !blank && self.current() == Some("head") {
            self.leave_head();
        }
        self.v.text(&text);
        // Keep the buffer's capacity for the next piece.
        self.pending = text;
        self.pending.clear();
    }

    /// Closes an open `<p>` (in button scope), as block-level start tags do.
    fn close_p(&mut self) {
        let stop = |o: &Open<'a>| o.kind & SCOPE != 0 || &*o.name == "button";
        if let Some(i) = self.find(&["p"], stop) {
            self.pop_to(i);
        }
    }

    fn start(&mut self, tag: &Tag<'a>) -> Option<Raw> {
        let name: &str = &tag.name;
        let kind = classify(name);
        if name == "html" {
            if self.stack.is_empty() {
                self.v.open(&Element {
                    name,
                    attrs: &tag.attrs,
                });
                self.stack.push(Open {
                    name: tag.name.clone(),
                    kind,
                });
            } else {
                self.v.root_attrs(&Element {
                    name,
                    attrs: &tag.attrs,
                });
            }
            return None;
        }
        self.ensure_root();
        match name {
            "head" if self.head_done || self.body || self.current() != Some("html") => return None,
            "body" => {
                self.leave_head();
                if self.body {
                    return None;
                }
                self.body = true;
            }
            "form" if self.form > 0 => return None,
            _ if !in_head(name) && name != "head" => self.leave_head(),
            _ => {}
        }
        let void = kind & VOID != 0 || tag.self_closing && self.foreign > 0;
        if !void
            && (self.stack.len() >= MAX_DEPTH
                || kind & FORMATTING != 0 && self.formatting >= MAX_FORMATTING)
        {
            self.capped.dropped_tags += 1;
            *self.dropped.entry(tag.name.clone()).or_insert(0) += 1;
            return None;
        }
        self.implied_closes(name, kind);
        let el = Element {
            name,
            attrs: &tag.attrs,
        };
        self.v.open(&el);
        if void {
            self.v.close(name);
            return None;
        }
        if kind & FORMATTING != 0 {
            self.formatting += 1;
        }
        if kind & FOREIGN != 0 {
            self.foreign += 1;
        }
        if name == "form" {
            self.form += 1;
        }
        let raw = kind & RAW != 0 && self.foreign == 0;
        self.stack.push(Open {
            name: tag.name.clone(),
            kind,
        });
        if !raw {
            return None;
        }
        match name {
            "script" => Some(Raw::Script),
            "title" | "textarea" => Some(Raw::Rcdata),
            "plaintext" => Some(Raw::Plaintext),
            _ => Some(Raw::Rawtext),
        }
    }

    /// The elements a start tag closes before it opens.
    fn implied_closes(&mut self, name: &str, kind: u32) {
        let scope = |o: &Open<'a>| o.kind & SCOPE != 0;
        match name {
            "li" | "dd" | "dt" => {
                let items: &[&str] = if name == "li" { &["li"] } else { &["dd", "dt"] };
                let stop = |o: &Open<'a>| {
                    o.kind & SPECIAL != 0 && !matches!(&*o.name, "address" | "div" | "p")
                };
                if let Some(i) = self.find(items, stop) {
                    self.pop_to(i);
                }
            }
            "tr" => {
                if let Some(i) = self.find(&["tr", "td", "th"], |o| &*o.name == "table") {
                    // The row (with its open cell), or a cell without a row.
                    let row = self.stack[..=i]
                        .iter()
                        .rposition(|o| &*o.name == "tr")
                        .filter(|r| !self.stack[*r..].iter().any(|o| &*o.name == "table"));
                    self.pop_to(row.unwrap_or(i));
                }
            }
            "td" | "th" => {
                if let Some(i) = self.find(&["td", "th"], |o| matches!(&*o.name, "tr" | "table")) {
                    self.pop_to(i);
                }
            }
            "tbody" | "thead" | "tfoot" => {
                if let Some(i) = self.find(&["tbody", "thead", "tfoot"], |o| &*o.name == "table") {
                    self.pop_to(i);
                }
            }
            "option" | "optgroup" => {
                if self.current() == Some("option") {
                    let n = self.stack.len() - 1;
                    self.pop_to(n);
                }
                if name == "optgroup" && self.current() == Some("optgroup") {
                    let n = self.stack.len() - 1;
                    self.pop_to(n);
                }
            }
            "a" | "nobr" | "button" => {
                if let Some(i) = self.find(&[name], scope) {
                    self.pop_to(i);
                }
            }
            _ => {}
        }
        if kind & CLOSES_P != 0 || name == "table" {
            self.close_p();
        }
        if matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
            && matches!(
                self.current(),
                Some("h1" | "h2" | "h3" | "h4" | "h5" | "h6")
            )
        {
            let n = self.stack.len() - 1;
            self.pop_to(n);
        }
    }

    fn end(&mut self, name: &str) {
        // Most pages drop nothing: no lookup for them.
        let dropped = match self.dropped.is_empty() {
            true => None,
            false => self.dropped.get_mut(name),
        };
        if let Some(n) = dropped.filter(|n| **n > 0) {
            *n -= 1;
            return;
        }
        let n: &str = name;
        match n {
            "html" | "body" => return,
            "br" => {
                self.ensure_root();
                let el = Element {
                    name: "br",
                    attrs: &[],
                };
                self.v.open(&el);
                self.v.close("br");
                return;
            }
            "p" => {
                let stop = |o: &Open<'a>| o.kind & SCOPE != 0 || &*o.name == "button";
                match self.find(&["p"], stop) {
                    Some(i) => self.pop_to(i),
                    None => {
                        // `</p>` without a `<p>` makes an empty paragraph.
                        self.ensure_root();
                        let el = Element {
                            name: "p",
                            attrs: &[],
                        };
                        self.v.open(&el);
                        self.v.close("p");
                    }
                }
                return;
            }
            _ => {}
        }
        let kind = classify(n);
        // Formatting and special elements close across ordinary ones; an ordinary element's end
        // tag closes nothing past a special element.
        let found = if kind & (FORMATTING | SPECIAL) != 0 {
            self.find(&[n], |o| o.kind & SCOPE != 0)
        } else {
            self.find(&[n], |o| o.kind & SPECIAL != 0)
        };
        if let Some(i) = found {
            self.pop_to(i);
        }
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the events as a bracketed string: `<p>text</p>`.
    #[derive(Default)]
    struct Log(String);

    impl Visitor for Log {
        fn open(&mut self, el: &Element<'_>) {
            self.0.push('<');
            self.0.push_str(el.name);
            self.0.push('>');
        }
        fn close(&mut self, name: &str) {
            self.0.push_str("</");
            self.0.push_str(name);
            self.0.push('>');
        }
        fn text(&mut self, s: &str) {
            self.0.push_str(s);
        }
    }

    fn events(html: &str) -> String {
        let mut log = Log::default();
        walk(html, &mut log);
        log.0
    }

    #[test]
    fn implied_closes_follow_the_standard() {
        assert_eq!(
            events("<p>one<p>two<div>three</div>"),
            "<html><p>one</p><p>two</p><div>three</div></html>"
        );
        assert_eq!(
            events("<ul><li>a<li>b</ul>"),
            "<html><ul><li>a</li><li>b</li></ul></html>"
        );
        assert_eq!(
            events("<table><tr><td>x<td>y<tr><td>z</table>"),
            "<html><table><tr><td>x</td><td>y</td></tr><tr><td>z</td></tr></table></html>"
        );
        assert_eq!(
            events("<a href=1>one<a href=2>two</a>"),
            "<html><a>one</a><a>two</a></html>"
        );
        assert_eq!(
            events("<span><div>x</span>y</div>z"),
            "<html><span><div>xy</div>z</span></html>"
        );
        assert_eq!(events("a</p>b"), "<html>a<p></p>b</html>");
    }

    #[test]
    fn head_ends_where_body_content_starts() {
        assert_eq!(
            events("<head><title>T</title><meta charset=utf-8>Hello<p>x"),
            "<html><head><title>T</title><meta></meta></head>Hello<p>x</p></html>"
        );
    }

    #[test]
    fn raw_text_is_text_and_void_elements_close() {
        assert_eq!(
            events("<script>if (a<b) {}</script><br><img src=x><style>p>a{}</style>"),
            "<html><script>if (a<b) {}</script><br></br><img></img><style>p>a{}</style></html>"
        );
        assert_eq!(
            events("<svg><style><g/></style></svg>"),
            "<html><svg><style><g></g></style></svg></html>"
        );
    }

    #[test]
    fn nesting_and_formatting_are_bounded() {
        let deep = "<div>".repeat(1000) + "deep" + &"</div>".repeat(1000) + "after";
        let mut log = Log::default();
        let capped = walk(&deep, &mut log);
        assert!(capped.dropped_tags >= 1000 - MAX_DEPTH);
        assert!(log.0.contains("deep</div>"));
        assert!(
            log.0.ends_with("</div>after</html>"),
            "{}",
            &log.0[log.0.len() - 40..]
        );
        let bold = "<b>".repeat(100) + "x";
        let capped = walk(&bold, &mut Log::default());
        assert_eq!(capped.dropped_tags, 100 - MAX_FORMATTING);
    }
}
