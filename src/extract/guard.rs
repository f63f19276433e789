//! Bounds on what one page may cost the HTML parser.
//!
//! html5ever follows the HTML standard, and the standard's tree builder has costs a hostile page
//! can blow up: every start tag scans the stack of open elements (1,000,000 nested `<div>`s take
//! hours), every attribute is compared with the tag's earlier ones (400,000 attributes on one tag
//! take minutes), and formatting elements left open are re-created in every following block (a few
//! thousand `<b id=…>` then `<p>x</p>` × 600,000 build gigabytes). A 5 MB body of tiny elements
//! alone is a tree of 300 MB.
//!
//! [`tame`] walks the markup once, cheaply, with a model of the tree builder's stack of open
//! elements and list of active formatting elements, and rewrites only what exceeds a bound:
//! start tags nested deeper than [`MAX_DEPTH`] or formatting elements beyond [`MAX_FORMATTING`]
//! are dropped (their text stays), attributes past [`MAX_ATTRS`] are dropped, and the document is
//! cut once it would build more than [`MAX_NODES`] nodes. The model errs on the side of a deeper
//! stack than the parser's, so bounding the model bounds the parser. [`parse`] then feeds the
//! result to html5ever in slices and stops if the tree still outgrows the bound.

use std::borrow::Cow;
use std::collections::HashMap;

use scraper::{Html, HtmlTreeSink};

use super::tokens::{MAX_ATTRS, MAX_TAGS};

/// Deepest nesting of elements kept; real pages stay under 60.
pub const MAX_DEPTH: usize = 256;
/// Formatting elements (`<b>`, `<font>` …) left open at once; more are dropped.
pub const MAX_FORMATTING: usize = 16;
/// Nodes (elements, text runs, comments) a page may build: about 25 MB of tree, five times
/// what a big shop listing needs.
pub const MAX_NODES: usize = 120_000;
/// Steps spent searching the modelled stack before the document is cut: bounds the scan, and
/// the parser's own searches with it.
const MAX_WORK: usize = 20_000_000;
/// Slice of markup fed to the parser between two size checks.
const SLICE: usize = 8 * 1024;

/// What [`tame`] changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Taming {
    /// Start tags dropped (too deep, too many open formatting elements).
    pub dropped_tags: usize,
    /// Tags whose attribute list was cut.
    pub cut_attrs: usize,
    /// Byte offset where the document was cut (too many nodes or tags).
    pub cut_at: Option<usize>,
}

impl Taming {
    /// True when the page was changed at all.
    pub fn changed(&self) -> bool {
        self.dropped_tags > 0 || self.cut_attrs > 0 || self.cut_at.is_some()
    }
}

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
/// Set on a modelled element in the SVG or MathML namespace.
const IN_FOREIGN: u32 = 1 << 13;

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

/// Start tags that leave SVG/MathML content, as the standard lists them.
fn breaks_out(name: &str) -> bool {
    matches!(
        name,
        "b" | "big"
            | "blockquote"
            | "body"
            | "br"
            | "center"
            | "code"
            | "dd"
            | "div"
            | "dl"
            | "dt"
            | "em"
            | "embed"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "head"
            | "hr"
            | "i"
            | "img"
            | "li"
            | "listing"
            | "menu"
            | "meta"
            | "nobr"
            | "ol"
            | "p"
            | "pre"
            | "ruby"
            | "s"
            | "small"
            | "span"
            | "strong"
            | "strike"
            | "sub"
            | "sup"
            | "table"
            | "tt"
            | "u"
            | "ul"
            | "var"
            | "font"
    )
}

/// What to do with a start tag.
enum Start {
    Drop,
    Keep {
        /// The element's content is raw text up to its end tag.
        raw: bool,
    },
}

/// An implied close a start tag makes before it is inserted.
enum Implied {
    None,
    PopTo(usize),
    Remove(usize),
}

/// One element on the modelled stack of open elements.
#[derive(Clone, Copy)]
struct Open {
    name: u64,
    kind: u32,
    /// Identity, so the list of active formatting elements can point at it.
    id: u32,
}

/// An entry in the modelled list of active formatting elements.
#[derive(Clone, Copy)]
struct Active {
    /// 0 for a marker.
    name: u64,
    kind: u32,
    id: u32,
    in_stack: bool,
}

fn hash_name(name: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name {
        h = (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0100_0000_01b3);
    }
    h | 1
}

struct Model {
    stack: Vec<Open>,
    active: Vec<Active>,
    /// Active entries not in the stack: re-created before the next text or start tag.
    stale: usize,
    next_id: u32,
    nodes: usize,
    /// Start tags dropped per name, so their end tags are dropped too.
    dropped: HashMap<u64, u32>,
    seen_root: u32,
    /// Open elements per name: most searches are skipped when their target is not open.
    counts: HashMap<u64, u32>,
    /// Steps spent searching the stack, bounded by [`MAX_WORK`].
    work: std::cell::Cell<usize>,
}

impl Model {
    fn new() -> Self {
        Model {
            stack: Vec::with_capacity(64),
            active: Vec::new(),
            stale: 0,
            next_id: 1,
            nodes: 0,
            dropped: HashMap::new(),
            seen_root: 0,
            counts: HashMap::new(),
            work: std::cell::Cell::new(0),
        }
    }

    /// Whether the next token is read as SVG/MathML: the current node is a foreign element
    /// other than an integration point.
    fn in_foreign(&self) -> bool {
        self.stack
            .last()
            .is_some_and(|o| o.kind & IN_FOREIGN != 0 && o.kind & INTEGRATION == 0)
    }

    fn push(&mut self, name: u64, mut kind: u32) -> u32 {
        if kind & FOREIGN != 0 || self.in_foreign() {
            kind |= IN_FOREIGN;
        } else {
            // Integration points count only inside foreign content.
            kind &= !INTEGRATION;
        }
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1);
        self.stack.push(Open { name, kind, id });
        *self.counts.entry(name).or_insert(0) += 1;
        self.nodes += 1;
        if kind & MARKER != 0 {
            self.active.push(Active {
                name: 0,
                kind: 0,
                id: 0,
                in_stack: false,
            });
        }
        id
    }

    /// Pops everything above `i`, and `i` itself.
    fn pop_to(&mut self, i: usize) {
        while self.stack.len() > i {
            let Some(o) = self.stack.pop() else { break };
            self.uncount(o.name);
            if o.kind & FORMATTING != 0 {
                self.work.set(self.work.get() + self.active.len());
                if let Some(a) = self.active.iter_mut().rev().find(|a| a.id == o.id) {
                    if a.in_stack {
                        a.in_stack = false;
                        self.stale += 1;
                    }
                }
            }
            if o.kind & MARKER != 0 {
                self.clear_to_marker();
            }
        }
    }

    /// Removes one element from the stack, leaving those above it.
    fn remove_at(&mut self, i: usize) {
        let o = self.stack.remove(i);
        self.uncount(o.name);
        self.work.set(self.work.get() + self.stack.len() - i);
        if o.kind & MARKER != 0 {
            self.clear_to_marker();
        }
    }

    fn uncount(&mut self, name: u64) {
        if let Some(n) = self.counts.get_mut(&name) {
            *n = n.saturating_sub(1);
        }
    }

    /// Whether any element named in `names` is open.
    fn has(&self, names: &[u64]) -> bool {
        names
            .iter()
            .any(|n| self.counts.get(n).is_some_and(|c| *c > 0))
    }

    fn clear_to_marker(&mut self) {
        while let Some(a) = self.active.pop() {
            if a.name == 0 {
                break;
            }
            if !a.in_stack {
                self.stale = self.stale.saturating_sub(1);
            }
        }
    }

    fn formatting_after_marker(&self) -> usize {
        self.active.iter().rev().take_while(|a| a.name != 0).count()
    }

    /// The parser re-opens formatting elements that were closed implicitly: before text and
    /// before most start tags.
    fn reconstruct(&mut self) {
        if self.stale == 0 {
            return;
        }
        let start = self
            .active
            .iter()
            .rposition(|a| a.name == 0)
            .map(|i| i + 1)
            .unwrap_or(0);
        for k in start..self.active.len() {
            if !self.active[k].in_stack {
                let (name, kind) = (self.active[k].name, self.active[k].kind);
                let id = self.push(name, kind);
                self.active[k].id = id;
                self.active[k].in_stack = true;
                self.stale = self.stale.saturating_sub(1);
            }
        }
    }

    /// Index of the topmost element of `stack[..len]` matching `want`, searching down from
    /// the top and stopping at an element with a bit of `boundary` or a name in `stop`.
    fn find(
        &self,
        len: usize,
        want: impl Fn(&Open) -> bool,
        boundary: u32,
        stop: &[u64],
    ) -> Option<usize> {
        for (i, o) in self.stack[..len].iter().enumerate().rev() {
            self.work.set(self.work.get() + 1);
            if want(o) {
                return Some(i);
            }
            if o.kind & boundary != 0 || stop.contains(&o.name) {
                return None;
            }
        }
        None
    }

    /// Where an open `<p>` in button scope within `stack[..len]` is.
    fn p_in_button_scope(&self, len: usize) -> Option<usize> {
        let p = hash_name(b"p");
        if !self.has(&[p]) {
            return None;
        }
        self.find(len, |o| o.name == p, SCOPE, &[hash_name(b"button")])
    }

    /// The implied closes of a start tag, computed without changing the model.
    fn implied(&self, name: &str, kind: u32) -> Implied {
        let len = self.stack.len();
        let by_name =
            |names: &[&[u8]]| -> Vec<u64> { names.iter().map(|n| hash_name(n)).collect() };
        let own = match name {
            "li" | "dd" | "dt" => {
                let hs = if name == "li" {
                    by_name(&[b"li"])
                } else {
                    by_name(&[b"dd", b"dt"])
                };
                let keep = by_name(&[b"address", b"div", b"p"]);
                let mut hit = None;
                for (i, o) in self.stack.iter().enumerate().rev() {
                    if !self.has(&hs) {
                        break;
                    }
                    self.work.set(self.work.get() + 1);
                    if hs.contains(&o.name) {
                        hit = Some(i);
                        break;
                    }
                    if o.kind & SPECIAL != 0 && !keep.contains(&o.name) {
                        break;
                    }
                }
                hit
            }
            "button" => {
                let b = hash_name(b"button");
                self.has(&[b])
                    .then(|| self.find(len, |o| o.name == b, SCOPE, &[]))
                    .flatten()
            }
            "a" => {
                // A new link closes the previous one (the adoption agency in the parser).
                let a = hash_name(b"a");
                if !self.has(&[a]) {
                    return Implied::None;
                }
                return match self.find(len, |o| o.name == a, SCOPE, &[]) {
                    Some(i) => Implied::Remove(i),
                    None => Implied::None,
                };
            }
            "option" | "optgroup" => {
                let o = hash_name(b"option");
                self.stack.last().filter(|x| x.name == o).map(|_| len - 1)
            }
            "td" | "th" | "tr" | "tbody" | "thead" | "tfoot" => {
                let hs = match name {
                    "td" | "th" => by_name(&[b"td", b"th"]),
                    "tr" => by_name(&[b"tr"]),
                    _ => by_name(&[b"tbody", b"thead", b"tfoot"]),
                };
                self.has(&hs)
                    .then(|| self.find(len, |o| hs.contains(&o.name), TABLE_SCOPE, &[]))
                    .flatten()
            }
            _ => None,
        };
        let after_own = own.unwrap_or(len);
        let mut to = own;
        if kind & CLOSES_P != 0 {
            if let Some(p) = self.p_in_button_scope(after_own) {
                to = Some(p);
            }
        }
        if kind & HEADING != 0 {
            let top = to.unwrap_or(len);
            if top > 0 && self.stack[top - 1].kind & HEADING != 0 {
                to = Some(top - 1);
            }
        }
        match to {
            Some(i) => Implied::PopTo(i),
            None => Implied::None,
        }
    }

    /// Models a start tag: the implied closes, re-opened formatting elements, and the new
    /// element. Tags past the bounds are dropped before they change anything.
    fn start(&mut self, name: &str, h: u64, self_closing: bool) -> Start {
        let mut kind = classify(name);
        if self.in_foreign() {
            // `<font>` leaves only with color/face/size: always leaving over-counts, never under.
            if breaks_out(name) {
                // Leaves foreign content: pop back to the nearest HTML element.
                let mut i = self.stack.len();
                while i > 0
                    && self.stack[i - 1].kind & IN_FOREIGN != 0
                    && self.stack[i - 1].kind & INTEGRATION == 0
                {
                    i -= 1;
                }
                self.pop_to(i);
            } else {
                // A foreign element: raw-text names and voids are ordinary elements here, and
                // `/>` closes it at once.
                if self_closing {
                    self.nodes += 1;
                    return Start::Keep { raw: false };
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Start::Drop;
                }
                kind &= !(RAW | VOID | FORMATTING | MARKER | CLOSES_P | HEADING | ROOT);
                self.push(h, kind);
                return Start::Keep { raw: false };
            }
        }
        if kind & ROOT != 0 {
            // Only the first of each is kept: repeats merge attributes, quadratically.
            let bit = match name {
                "html" => 1,
                "head" => 2,
                _ => 4,
            };
            let first = self.seen_root & bit == 0;
            self.seen_root |= bit;
            return if first {
                Start::Keep { raw: false }
            } else {
                Start::Drop
            };
        }
        let implied = self.implied(name, kind);
        let depth_after = match implied {
            Implied::None => self.stack.len(),
            Implied::PopTo(i) => i,
            Implied::Remove(_) => self.stack.len() - 1,
        };
        let nests = kind & (VOID | RAW) == 0;
        if nests && depth_after >= MAX_DEPTH {
            return Start::Drop;
        }
        if kind & FORMATTING != 0 && self.formatting_after_marker() >= MAX_FORMATTING {
            return Start::Drop;
        }
        match implied {
            Implied::None => {}
            Implied::PopTo(i) => self.pop_to(i),
            Implied::Remove(i) => self.remove_at(i),
        }
        if kind & (CLOSES_P | RAW | MARKER) == 0 || kind & FORMATTING != 0 {
            self.reconstruct();
        }
        if !nests {
            // A void element is closed at once; raw text ends at its end tag, which the
            // scanner consumes with it.
            self.nodes += 1;
            return Start::Keep {
                raw: kind & RAW != 0,
            };
        }
        let id = self.push(h, kind);
        if kind & FORMATTING != 0 {
            self.active.push(Active {
                name: h,
                kind,
                id,
                in_stack: true,
            });
        }
        Start::Keep { raw: false }
    }

    /// Models an end tag.
    fn end(&mut self, name: &str, h: u64) {
        let kind = classify(name);
        if self.in_foreign() {
            // Foreign content: the nearest element of that name, through foreign elements.
            let mut i = self.stack.len();
            while i > 0 && self.stack[i - 1].kind & IN_FOREIGN != 0 {
                if self.stack[i - 1].name == h {
                    self.pop_to(i - 1);
                    return;
                }
                i -= 1;
            }
        }
        if kind & ROOT != 0 || name == "br" {
            return;
        }
        if kind & FORMATTING != 0 {
            let after_marker = self.formatting_after_marker();
            let from = self.active.len() - after_marker;
            let hit = self.active[from..]
                .iter()
                .rposition(|a| a.name == h)
                .map(|k| k + from);
            if let Some(k) = hit {
                let a = self.active[k];
                match self.stack.iter().rposition(|o| o.id == a.id) {
                    None => {
                        self.active.remove(k);
                        if !a.in_stack {
                            self.stale = self.stale.saturating_sub(1);
                        }
                    }
                    Some(i) => {
                        let in_scope = self.stack[i + 1..].iter().all(|o| o.kind & SCOPE == 0);
                        if in_scope {
                            self.active.remove(k);
                            self.remove_at(i);
                        }
                    }
                }
                return;
            }
        }
        let len = self.stack.len();
        if name == "form" {
            if let Some(i) = self.find(len, |o| o.name == h, SCOPE, &[]) {
                self.remove_at(i);
            }
            return;
        }
        if kind & SPECIAL != 0 {
            let hit = if kind & HEADING == 0 && !self.has(&[h]) {
                None
            } else if kind & HEADING != 0 {
                self.find(len, |o| o.kind & HEADING != 0, SCOPE, &[])
            } else {
                match name {
                    "p" => self.p_in_button_scope(len),
                    "li" => self.find(
                        len,
                        |o| o.name == h,
                        SCOPE,
                        &[hash_name(b"ol"), hash_name(b"ul")],
                    ),
                    "td" | "th" | "tr" | "tbody" | "thead" | "tfoot" | "table" | "caption" => {
                        self.find(len, |o| o.name == h, TABLE_SCOPE, &[])
                    }
                    _ => self.find(len, |o| o.name == h, SCOPE, &[]),
                }
            };
            match hit {
                Some(i) => self.pop_to(i),
                None if name == "p" => self.nodes += 1, // the parser makes an empty <p>
                None => {}
            }
            return;
        }
        // Any other end tag: the nearest match, unless a special element comes first.
        if !self.has(&[h]) {
            return;
        }
        if let Some(i) = self.find(len, |o| o.name == h, SPECIAL, &[]) {
            self.pop_to(i);
        }
    }

    fn text(&mut self) {
        self.reconstruct();
        self.nodes += 1;
    }
}

/// Output built lazily: nothing is copied until the first change.
struct Out<'a> {
    src: &'a str,
    buf: Option<String>,
    /// `src[..copied]` is already in `buf` (or unchanged).
    copied: usize,
}

impl<'a> Out<'a> {
    /// Replaces `src[from..to]` with `with`.
    fn replace(&mut self, from: usize, to: usize, with: &str) {
        let buf = self
            .buf
            .get_or_insert_with(|| String::with_capacity(self.src.len()));
        buf.push_str(&self.src[self.copied..from]);
        buf.push_str(with);
        self.copied = to;
    }

    fn finish(mut self, end: usize) -> Cow<'a, str> {
        match self.buf.take() {
            None if end == self.src.len() => Cow::Borrowed(self.src),
            None => Cow::Borrowed(&self.src[..end]),
            Some(mut b) => {
                b.push_str(&self.src[self.copied..end]);
                Cow::Owned(b)
            }
        }
    }
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0c)
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from >= hay.len() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Byte offset of the end (`>` included) of a tag whose attributes start at `i`, with the
/// number of attributes, the end of the `MAX_ATTRS`-th one, and whether it self-closes.
/// `None` when the document ends inside the tag (the parser drops such a tag).
fn scan_attrs(b: &[u8], mut i: usize) -> Option<(usize, usize, Option<usize>, bool)> {
    let mut count = 0usize;
    let mut cut = None;
    let mut self_closing = false;
    loop {
        while i < b.len() && (is_ws(b[i]) || b[i] == b'/') {
            self_closing = b[i] == b'/';
            i += 1;
        }
        if i >= b.len() {
            return None;
        }
        if b[i] == b'>' {
            return Some((i + 1, count, cut, self_closing));
        }
        self_closing = false;
        // Name: the first character may be '='.
        i += 1;
        while i < b.len() && !is_ws(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
            i += 1;
        }
        let mut j = i;
        while j < b.len() && is_ws(b[j]) {
            j += 1;
        }
        if j < b.len() && b[j] == b'=' {
            j += 1;
            while j < b.len() && is_ws(b[j]) {
                j += 1;
            }
            if j >= b.len() {
                return None;
            }
            match b[j] {
                q @ (b'"' | b'\'') => {
                    let end = b[j + 1..].iter().position(|c| *c == q)?;
                    i = j + 1 + end + 1;
                }
                b'>' => i = j,
                _ => {
                    while j < b.len() && !is_ws(b[j]) && b[j] != b'>' {
                        j += 1;
                    }
                    i = j;
                }
            }
        }
        count += 1;
        if count == MAX_ATTRS {
            cut = Some(i);
        }
    }
}

/// Rewrites `html` so that parsing it into a tree stays within the bounds above. Pages within
/// them come back borrowed, unchanged.
pub fn tame(html: &str) -> (Cow<'_, str>, Taming) {
    // NUL characters are dropped by the parser one parse error at a time: slow for a page of
    // zeros, and they carry nothing.
    if html.contains('\0') {
        let clean = html.replace('\0', "");
        let (out, t) = tame(&clean);
        return (Cow::Owned(out.into_owned()), t);
    }
    let b = html.as_bytes();
    let mut out = Out {
        src: html,
        buf: None,
        copied: 0,
    };
    let mut m = Model::new();
    let mut t = Taming::default();
    let mut tags = 0usize;
    let mut i = 0usize;
    let mut in_text = false;
    let mut name_buf = String::with_capacity(32);
    while i < b.len() {
        if b[i] != b'<' {
            if !in_text {
                m.text();
                in_text = true;
            }
            i = match b[i..].iter().position(|c| *c == b'<') {
                Some(p) => i + p,
                None => b.len(),
            };
            continue;
        }
        let start = i;
        let next = b.get(i + 1).copied().unwrap_or(0);
        if tags > MAX_TAGS || m.nodes > MAX_NODES || m.work.get() > MAX_WORK {
            t.cut_at = Some(start);
            return (out.finish(start), t);
        }
        // Comments, doctypes, processing instructions: skipped whole.
        if next == b'!' || next == b'?' {
            let end = if b[i..].starts_with(b"<!--") {
                if b[i + 4..].starts_with(b">") {
                    Some(i + 5)
                } else if b[i + 4..].starts_with(b"->") {
                    Some(i + 6)
                } else {
                    find(b, i + 4, b"-->").map(|p| p + 3)
                }
            } else {
                find(b, i + 2, b">").map(|p| p + 1)
            };
            m.nodes += 1;
            i = end.unwrap_or(b.len());
            continue;
        }
        let is_end = next == b'/';
        let name_at = if is_end { i + 2 } else { i + 1 };
        if !b.get(name_at).is_some_and(|c| c.is_ascii_alphabetic()) {
            if is_end {
                // `</>` is ignored, `</3` is a bogus comment: both end at the next '>'.
                i = find(b, i + 2, b">").map(|p| p + 1).unwrap_or(b.len());
            } else {
                // A lone '<' is text.
                if !in_text {
                    m.text();
                    in_text = true;
                }
                i += 1;
            }
            continue;
        }
        let mut j = name_at;
        while j < b.len() && !is_ws(b[j]) && !matches!(b[j], b'/' | b'>') {
            j += 1;
        }
        let raw_name = &html[name_at..j];
        name_buf.clear();
        name_buf.push_str(raw_name);
        name_buf.make_ascii_lowercase();
        let name = name_buf.as_str();
        let h = hash_name(name.as_bytes());
        let Some((end, count, cut, self_closing)) = scan_attrs(b, j) else {
            // The document ends inside a tag: the parser drops it.
            return (out.finish(start), t);
        };
        tags += 1;
        in_text = false;
        if is_end {
            if let Some(n) = m.dropped.get_mut(&h).filter(|n| **n > 0) {
                *n -= 1;
                out.replace(start, end, "");
            } else {
                m.end(name, h);
            }
            i = end;
            continue;
        }
        let raw = match m.start(name, h, self_closing) {
            Start::Keep { raw } => raw,
            Start::Drop => {
                t.dropped_tags += 1;
                *m.dropped.entry(h).or_insert(0) += 1;
                out.replace(start, end, "");
                i = end;
                continue;
            }
        };
        cut_attrs(&mut out, &mut t, html, (start, end), count, cut);
        i = end;
        if raw {
            if name == "plaintext" {
                break;
            }
            m.nodes += 1;
            i = skip_raw(b, end, name, &mut tags);
        }
    }
    (out.finish(b.len()), t)
}

/// Cuts the attribute list of the tag at `span` after [`MAX_ATTRS`] attributes.
fn cut_attrs(
    out: &mut Out<'_>,
    t: &mut Taming,
    html: &str,
    (start, end): (usize, usize),
    count: usize,
    cut: Option<usize>,
) {
    if count <= MAX_ATTRS {
        return;
    }
    if let Some(c) = cut {
        t.cut_attrs += 1;
        let closing = if html[start..end].ends_with("/>") {
            "/>"
        } else {
            ">"
        };
        let kept = format!("{}{closing}", &html[start..c]);
        out.replace(start, end, &kept);
    }
}

/// Where scanning resumes after the raw text of element `name` opened by a tag ending at `end`:
/// just past the first `</name` followed by a delimiter, and its `>`.
fn skip_raw(b: &[u8], end: usize, name: &str, tags: &mut usize) -> usize {
    let mut k = end;
    let close = loop {
        match find(b, k, b"</") {
            None => break None,
            Some(p) => {
                let n_end = p + 2 + name.len();
                if n_end <= b.len()
                    && b[p + 2..n_end].eq_ignore_ascii_case(name.as_bytes())
                    && b.get(n_end)
                        .is_none_or(|c| is_ws(*c) || matches!(c, b'/' | b'>'))
                {
                    break Some(p);
                }
                k = p + 2;
            }
        }
    };
    match close {
        Some(p) => match scan_attrs(b, p + 2 + name.len()) {
            Some((e, ..)) => {
                *tags += 1;
                e
            }
            None => b.len(),
        },
        None => b.len(),
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

/// Parses a tamed document, stopping (as if the document ended) once the tree has more than
/// [`MAX_NODES`] and a quarter nodes: a backstop should the model above under-count.
pub fn parse(html: &str) -> (Html, bool) {
    use html5ever::tendril::TendrilSink;
    let mut parser = html5ever::driver::parse_document(
        HtmlTreeSink::new(Html::new_document()),
        Default::default(),
    );
    let limit = MAX_NODES + MAX_NODES / 4;
    let mut rest = html;
    let mut stopped = false;
    while !rest.is_empty() {
        let mut cut = rest.len().min(SLICE);
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (slice, tail) = rest.split_at(cut);
        parser.process(slice.into());
        rest = tail;
        let nodes = parser.tokenizer.sink.sink.0.borrow().tree.nodes().len();
        if nodes > limit {
            stopped = true;
            break;
        }
    }
    (parser.finish(), stopped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn depth_of(html: &str) -> usize {
        let (doc, _) = parse(html);
        let mut max = 0;
        for n in doc.tree.nodes() {
            max = max.max(n.ancestors().count());
        }
        max
    }

    #[test]
    fn ordinary_pages_are_untouched() {
        let page = "<!doctype html><html><head><title>T</title><style>p>a{}</style></head>\
                    <body><div><p>one<p>two<ul><li>a<li>b</ul><table><tr><td>x<td>y<tr><td>z</table>\
                    <b>bold <i>both</b> italic</i><font color=red>red<script>if (a<b) {}</script>\
                    <a href=/x>x</a><svg><path d=''/><path/></svg></div></body></html>";
        let (out, t) = tame(page);
        assert!(matches!(out, Cow::Borrowed(_)));
        assert!(!t.changed(), "{t:?}");
    }

    #[test]
    fn a_million_nested_divs_are_flattened_and_fast() {
        let mut page = String::from("<title>Deep</title><p>before</p>");
        page.push_str(&"<div>".repeat(1_000_000));
        page.push_str("<p>deep text</p><a href=/ok>deep link</a>");
        let t0 = Instant::now();
        let (out, t) = tame(&page);
        assert!(t.dropped_tags >= 1_000_000 - MAX_DEPTH);
        assert!(out.contains("deep text"));
        assert!(depth_of(&out) <= MAX_DEPTH + 8);
        assert!(t0.elapsed().as_secs() < 20, "{:?}", t0.elapsed());
    }

    #[test]
    fn mismatched_end_tags_do_not_hide_depth() {
        // The parser ignores `</span>` across a `<div>`, so the stack grows by two each time.
        let page = "<span><div></span>".repeat(5000);
        let (out, t) = tame(&page);
        assert!(t.dropped_tags > 0);
        assert!(depth_of(&out) <= MAX_DEPTH + 8, "{}", depth_of(&out));
        // `<div/>` is not self-closing in HTML.
        let page = "<div/>".repeat(5000);
        let (out, _) = tame(&page);
        assert!(depth_of(&out) <= MAX_DEPTH + 8);
        // Misnested formatting and links.
        let page = "<b><div></b>".repeat(3000) + &"<a><div>".repeat(3000);
        let (out, _) = tame(&page);
        assert!(depth_of(&out) <= 2 * MAX_DEPTH + 8, "{}", depth_of(&out));
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
        let (doc, _) = parse(&out);
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
        let (out, t) = tame(&page);
        assert!(t.dropped_tags >= 2000 - MAX_FORMATTING);
        let (doc, stopped) = parse(&out);
        assert!(doc.tree.nodes().len() <= MAX_NODES + MAX_NODES / 2);
        let _ = stopped;
    }

    #[test]
    fn tiny_element_floods_are_cut_at_the_node_budget() {
        let page = "<i></i>".repeat(700_000);
        let (out, t) = tame(&page);
        assert!(t.cut_at.is_some());
        let (doc, _) = parse(&out);
        assert!(doc.tree.nodes().len() <= MAX_NODES + MAX_NODES / 4 + 10);
    }

    #[test]
    fn raw_text_is_not_scanned_for_tags_but_foreign_content_is() {
        let page = format!("<script>{}</script><p>after</p>", "<div>".repeat(10_000));
        let (out, t) = tame(&page);
        assert!(!t.changed());
        assert_eq!(out, page);
        let page = format!("<svg><style>{}", "<div>".repeat(10_000));
        let (out, t) = tame(&page);
        assert!(t.dropped_tags > 0);
        assert!(depth_of(&out) <= MAX_DEPTH + 8);
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
        let (out, t) = tame(&page);
        let (doc, _) = parse(&out);
        let sel = scraper::Selector::parse("a[href]").expect("selector");
        assert_eq!(doc.select(&sel).count(), 3000, "{t:?}");
    }
}
