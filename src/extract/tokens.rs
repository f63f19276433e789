//! The HTML standard's tokenizer, over bytes, borrowing from the page.
//!
//! Extraction reads every page once, and tokenizing was the larger half of that read: a general
//! tokenizer steps character by character, copies every run of text and every attribute into
//! buffers of its own and interns every name. Pages arrive whole and in UTF-8, so this one finds
//! the next `<` or `&` with `memchr`, hands out text, names and attribute values as slices of the
//! page (copies only where a character reference or upper-case name needs one), and jumps over
//! raw text, comments and doctypes to where they end. It follows the standard's tokenizer
//! states, with the tree builder's part (which elements switch to raw text) left to the
//! [`Sink`]; tests check it token for token against html5ever's tokenizer.
//!
//! Carriage returns are normalized first (`\r\n` and `\r` become `\n`), as the standard's input
//! stream does.

use std::borrow::Cow;

use html5ever::data::{C1_REPLACEMENTS, NAMED_ENTITIES};
use memchr::{memchr, memchr2, memchr3, memmem};

/// Attributes kept on one tag; a flood of them is ignored past this.
pub(crate) const MAX_ATTRS: usize = 64;
/// Tags read before the rest of the document is ignored.
pub(crate) const MAX_TAGS: usize = 2_000_000;

/// How the text after a start tag is read (the tree builder decides, by element).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Raw {
    /// `title`, `textarea`: text with character references, up to the end tag.
    Rcdata,
    /// `style`, `xmp`, `iframe`…: text as it is, up to the end tag.
    Rawtext,
    /// `script`: raw text with the standard's `<!--` escapes.
    Script,
    /// `plaintext`: the rest of the document is text.
    Plaintext,
}

/// An attribute: lower-case name and value with character references decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attr<'a> {
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
}

/// A start tag: lower-case name, attributes in order (a repeated name keeps its first value).
#[derive(Debug, Default)]
pub(crate) struct Tag<'a> {
    pub name: Cow<'a, str>,
    pub attrs: Vec<Attr<'a>>,
    pub self_closing: bool,
}

/// Receives tokens in document order. Text may arrive in several pieces between two tags.
pub(crate) trait Sink<'a> {
    fn text(&mut self, s: &str);
    /// A start tag; the answer says whether what follows is raw text.
    fn start_tag(&mut self, tag: &Tag<'a>) -> Option<Raw>;
    fn end_tag(&mut self, name: Cow<'a, str>);
    fn comment(&mut self);
}

/// `html` with carriage returns normalized, as the standard's input stream has them.
pub(crate) fn normalize_newlines(html: &str) -> Cow<'_, str> {
    if memchr(b'\r', html.as_bytes()).is_none() {
        return Cow::Borrowed(html);
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = memchr(b'\r', rest.as_bytes()) {
        out.push_str(&rest[..i]);
        out.push('\n');
        rest = &rest[i + 1..];
        if rest.as_bytes().first() == Some(&b'\n') {
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// What the tokenizer left out to keep a hostile page's cost linear.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cut {
    /// Start tags whose attributes past [`MAX_ATTRS`] were ignored.
    pub attrs: usize,
    /// Byte offset where reading stopped after [`MAX_TAGS`] tags.
    pub at: Option<usize>,
}

/// Tokenizes `html` (newlines normalized: see [`normalize_newlines`]) into `sink`.
pub(crate) fn tokenize<'a, S: Sink<'a>>(html: &'a str, sink: &mut S) -> Cut {
    let mut t = Tokenizer {
        html,
        b: html.as_bytes(),
        tag: Tag::default(),
        attrs_read: 0,
        tags: 0,
        cut: Cut::default(),
    };
    t.run(sink);
    t.cut
}

struct Tokenizer<'a> {
    html: &'a str,
    b: &'a [u8],
    /// Reused for every tag, so that attribute lists are not allocated per tag.
    tag: Tag<'a>,
    /// Attributes read on the current tag, repeats included: each is compared with the kept
    /// ones, so only the first [`MAX_ATTRS`] are.
    attrs_read: usize,
    /// Tags read so far.
    tags: usize,
    cut: Cut,
}

fn is_ws(c: u8) -> bool {
    matches!(c, b'\t' | b'\n' | b'\x0c' | b' ')
}

/// What a tag's bytes ended with.
enum TagEnd {
    /// The tag is complete; the byte after its `>`.
    Done(usize),
    /// The document ended inside the tag: the standard drops it.
    Eof,
}

impl<'a> Tokenizer<'a> {
    fn run<S: Sink<'a>>(&mut self, sink: &mut S) {
        let n = self.b.len();
        let mut i = 0;
        while i < n {
            let Some(off) = memchr3(b'<', b'&', b'\0', &self.b[i..]) else {
                sink.text(&self.html[i..]);
                return;
            };
            let j = i + off;
            if j > i {
                sink.text(&self.html[i..j]);
            }
            if self.tags > MAX_TAGS {
                self.cut.at = Some(j);
                return;
            }
            i = match self.b[j] {
                // The standard's data state hands a NUL to the tree builder, which drops it.
                b'\0' => j + 1,
                b'&' => char_ref(self.html, j, false, &mut |s| sink.text(s)),
                _ => self.markup(j, sink),
            };
        }
    }

    /// Markup starting with the `<` at `j`; returns where data continues.
    fn markup<S: Sink<'a>>(&mut self, j: usize, sink: &mut S) -> usize {
        let b = self.b;
        let n = b.len();
        let k = j + 1;
        let Some(&c) = b.get(k) else {
            sink.text("<");
            return n;
        };
        match c {
            b'!' => {
                let p = k + 1;
                if b[p..].starts_with(b"--") {
                    sink.comment();
                    return self.comment_end(p + 2);
                }
                if b.len() >= p + 7 && b[p..p + 7].eq_ignore_ascii_case(b"doctype") {
                    // Doctypes (which end at the first `>`) say nothing extraction needs.
                    return memchr(b'>', &b[p..]).map_or(n, |e| p + e + 1);
                }
                sink.comment();
                memchr(b'>', &b[p..]).map_or(n, |e| p + e + 1)
            }
            b'/' => match b.get(k + 1) {
                None => {
                    sink.text("</");
                    n
                }
                Some(b'>') => k + 2,
                Some(c) if c.is_ascii_alphabetic() => match self.tag_at(k + 1) {
                    TagEnd::Done(e) => {
                        let name = std::mem::take(&mut self.tag.name);
                        sink.end_tag(name);
                        e
                    }
                    TagEnd::Eof => n,
                },
                Some(_) => {
                    sink.comment();
                    memchr(b'>', &b[k + 1..]).map_or(n, |e| k + 1 + e + 1)
                }
            },
            b'?' => {
                sink.comment();
                memchr(b'>', &b[k..]).map_or(n, |e| k + e + 1)
            }
            c if c.is_ascii_alphabetic() => {
                let TagEnd::Done(e) = self.tag_at(k) else {
                    return n;
                };
                if self.attrs_read > MAX_ATTRS {
                    self.cut.attrs += 1;
                }
                match sink.start_tag(&self.tag) {
                    None => e,
                    Some(raw) => {
                        let name = std::mem::take(&mut self.tag.name);
                        self.raw(e, raw, &name, sink)
                    }
                }
            }
            _ => {
                sink.text("<");
                k
            }
        }
    }

    /// Where a comment whose text starts at `p` ends (after its `-->`, `--!>`, or at the end).
    fn comment_end(&self, p: usize) -> usize {
        let b = self.b;
        let n = b.len();
        // `<!-->` and `<!--->` end at once.
        if b[p..].starts_with(b">") {
            return p + 1;
        }
        if b[p..].starts_with(b"->") {
            return p + 2;
        }
        let finder = memmem::Finder::new(b"--");
        let mut from = p;
        while let Some(q) = finder.find(&b[from..]).map(|q| from + q) {
            let mut r = q + 2;
            while b.get(r) == Some(&b'-') {
                r += 1;
            }
            match b.get(r) {
                Some(b'>') => return r + 1,
                Some(b'!') if b.get(r + 1) == Some(&b'>') => return r + 2,
                None => return n,
                _ => from = r,
            }
        }
        n
    }

    /// Reads a tag whose name starts at `s` into `self.tag`.
    fn tag_at(&mut self, s: usize) -> TagEnd {
        let b = self.b;
        let n = b.len();
        let mut i = s;
        while i < n && !is_ws(b[i]) && b[i] != b'/' && b[i] != b'>' {
            i += 1;
        }
        if i >= n {
            return TagEnd::Eof;
        }
        self.tag.name = self.name(s, i);
        self.tag.attrs.clear();
        self.tag.self_closing = false;
        self.attrs_read = 0;
        self.tags += 1;
        self.attributes(i)
    }

    /// A tag or attribute name from bytes `s..e`: lower-case, NUL as U+FFFD.
    fn name(&self, s: usize, e: usize) -> Cow<'a, str> {
        let raw = &self.html[s..e];
        if raw.bytes().any(|c| c.is_ascii_uppercase() || c == 0) {
            Cow::Owned(raw.to_ascii_lowercase().replace('\0', "\u{fffd}"))
        } else {
            Cow::Borrowed(raw)
        }
    }

    /// The attribute states, from `i` (right after the tag name) to the tag's `>`.
    fn attributes(&mut self, mut i: usize) -> TagEnd {
        let b = self.b;
        let n = b.len();
        loop {
            // Before attribute name.
            while i < n && is_ws(b[i]) {
                i += 1;
            }
            let Some(&c) = b.get(i) else {
                return TagEnd::Eof;
            };
            match c {
                b'>' => return TagEnd::Done(i + 1),
                b'/' => {
                    // Self-closing start tag state: `/>` ends the tag, anything else is
                    // read again as the start of an attribute.
                    match b.get(i + 1) {
                        None => return TagEnd::Eof,
                        Some(b'>') => {
                            self.tag.self_closing = true;
                            return TagEnd::Done(i + 2);
                        }
                        Some(_) => {
                            i += 1;
                            continue;
                        }
                    }
                }
                _ => {}
            }
            // Attribute name: its first character may be anything, `=` included.
            let s = i;
            i += 1;
            while i < n && !is_ws(b[i]) && !matches!(b[i], b'/' | b'>' | b'=') {
                i += 1;
            }
            let name = self.name(s, i);
            // After attribute name.
            while i < n && is_ws(b[i]) {
                i += 1;
            }
            if i >= n {
                return TagEnd::Eof;
            }
            if b[i] != b'=' {
                self.push_attr(name, Cow::Borrowed(""));
                continue;
            }
            i += 1;
            // Before attribute value.
            while i < n && is_ws(b[i]) {
                i += 1;
            }
            let Some(&q) = b.get(i) else {
                return TagEnd::Eof;
            };
            match q {
                b'>' => {
                    self.push_attr(name, Cow::Borrowed(""));
                    return TagEnd::Done(i + 1);
                }
                b'"' | b'\'' => {
                    let v = i + 1;
                    let Some(e) = memchr(q, &b[v..]).map(|e| v + e) else {
                        return TagEnd::Eof;
                    };
                    let value = self.value(v, e);
                    self.push_attr(name, value);
                    i = e + 1;
                    // After attribute value (quoted): anything but space, `/` or `>` starts
                    // the next attribute.
                }
                _ => {
                    let v = i;
                    while i < n && !is_ws(b[i]) && b[i] != b'>' {
                        i += 1;
                    }
                    if i >= n {
                        return TagEnd::Eof;
                    }
                    let value = self.value(v, i);
                    self.push_attr(name, value);
                }
            }
        }
    }

    fn push_attr(&mut self, name: Cow<'a, str>, value: Cow<'a, str>) {
        self.attrs_read += 1;
        if self.attrs_read <= MAX_ATTRS && !self.tag.attrs.iter().any(|a| a.name == name) {
            self.tag.attrs.push(Attr { name, value });
        }
    }

    /// An attribute value from bytes `s..e`, character references decoded, NUL as U+FFFD.
    fn value(&self, s: usize, e: usize) -> Cow<'a, str> {
        let raw = &self.html[s..e];
        if memchr2(b'&', b'\0', raw.as_bytes()).is_none() {
            return Cow::Borrowed(raw);
        }
        let mut out = String::with_capacity(raw.len());
        self.decode(s, e, true, &mut |t| out.push_str(t));
        Cow::Owned(out)
    }

    /// Text `s..e` with character references decoded (as in an attribute value when
    /// `in_attr`) and NUL as U+FFFD, given to `out` in pieces. A reference never reads past `e`.
    fn decode(&self, s: usize, e: usize, in_attr: bool, out: &mut impl FnMut(&str)) {
        let mut i = s;
        while i < e {
            let Some(off) = memchr2(b'&', b'\0', &self.b[i..e]) else {
                out(&self.html[i..e]);
                return;
            };
            let j = i + off;
            if j > i {
                out(&self.html[i..j]);
            }
            if self.b[j] == 0 {
                out("\u{fffd}");
                i = j + 1;
            } else {
                i = char_ref(&self.html[..e], j, in_attr, out);
            }
        }
    }

    /// Raw text from `i` after a start tag named `name`, up to its end tag (emitted too);
    /// returns where data continues.
    fn raw<S: Sink<'a>>(&mut self, i: usize, raw: Raw, name: &str, sink: &mut S) -> usize {
        let n = self.b.len();
        if raw == Raw::Plaintext {
            self.raw_text(i, n, sink);
            return n;
        }
        let (text_end, tag_end) = match raw {
            Raw::Script => self.script_end(i, name),
            _ => self.raw_end(i, name),
        };
        if raw == Raw::Rcdata {
            self.decode(i, text_end, false, &mut |t| sink.text(t));
        } else {
            self.raw_text(i, text_end, sink);
        }
        let Some(name_start) = tag_end else {
            return n;
        };
        // The end tag, with the attribute states after its name (attributes are ignored).
        match self.tag_at(name_start) {
            TagEnd::Done(e) => {
                let name = std::mem::take(&mut self.tag.name);
                sink.end_tag(name);
                e
            }
            TagEnd::Eof => n,
        }
    }

    /// Text `s..e` as it is, NUL as U+FFFD.
    fn raw_text<S: Sink<'a>>(&self, mut s: usize, e: usize, sink: &mut S) {
        while s < e {
            match memchr(0, &self.b[s..e]) {
                None => {
                    sink.text(&self.html[s..e]);
                    return;
                }
                Some(off) => {
                    if off > 0 {
                        sink.text(&self.html[s..s + off]);
                    }
                    sink.text("\u{fffd}");
                    s += off + 1;
                }
            }
        }
    }

    /// Whether an end tag for `name` starts at the `<` at `j`: `</name` followed by a space,
    /// `/` or `>`. The answer is where its name starts.
    fn end_tag_at(&self, j: usize, name: &str) -> Option<usize> {
        let b = self.b;
        let s = j + 2;
        let e = s + name.len();
        if b.get(j + 1) != Some(&b'/') || b.len() <= e {
            return None;
        }
        (b[s..e].eq_ignore_ascii_case(name.as_bytes())
            && (is_ws(b[e]) || matches!(b[e], b'/' | b'>')))
        .then_some(s)
    }

    /// RCDATA and RAWTEXT: where the text ends, and where the end tag's name starts (`None`:
    /// the text runs to the end of the document).
    fn raw_end(&self, i: usize, name: &str) -> (usize, Option<usize>) {
        let mut at = i;
        while let Some(off) = memchr(b'<', &self.b[at..]) {
            let j = at + off;
            if let Some(s) = self.end_tag_at(j, name) {
                return (j, Some(s));
            }
            at = j + 1;
        }
        (self.b.len(), None)
    }

    /// Script data, with the standard's escaped (`<!--`) and double-escaped (`<!--<script>`)
    /// states, in which an end tag does not always end the script: where the text ends, and
    /// where the end tag's name starts (`None`: the script runs to the end of the document).
    fn script_end(&self, i: usize, name: &str) -> (usize, Option<usize>) {
        /// Escaped (`<!--` seen) or double-escaped (`<!--<script>` seen).
        #[derive(Clone, Copy, PartialEq)]
        enum Esc {
            Single,
            Double,
        }
        #[derive(Clone, Copy)]
        enum St {
            Data,
            Escaped(Esc),
            Dash(Esc),
            DashDash(Esc),
            /// After a `<` in an escaped state.
            Lt(Esc),
        }
        let b = self.b;
        let n = b.len();
        // The run of letters from `from`, and whether it spells "script".
        let letters = |from: usize| -> (usize, bool) {
            let mut e = from;
            while e < n && b[e].is_ascii_alphabetic() {
                e += 1;
            }
            (e, b[from..e].eq_ignore_ascii_case(b"script"))
        };
        let mut st = St::Data;
        let mut p = i;
        while p < n {
            match st {
                St::Data => {
                    let Some(off) = memchr(b'<', &b[p..]) else {
                        break;
                    };
                    let j = p + off;
                    if let Some(s) = self.end_tag_at(j, name) {
                        return (j, Some(s));
                    }
                    if b[j + 1..].starts_with(b"!--") {
                        st = St::DashDash(Esc::Single);
                        p = j + 4;
                    } else {
                        p = j + 1;
                    }
                }
                St::Escaped(k) => {
                    let Some(off) = memchr2(b'-', b'<', &b[p..]) else {
                        break;
                    };
                    let j = p + off;
                    st = if b[j] == b'-' { St::Dash(k) } else { St::Lt(k) };
                    p = j + 1;
                }
                St::Dash(k) | St::DashDash(k) => {
                    st = match b[p] {
                        b'-' => St::DashDash(k),
                        b'<' => St::Lt(k),
                        b'>' if matches!(st, St::DashDash(_)) => St::Data,
                        _ => St::Escaped(k),
                    };
                    p += 1;
                }
                St::Lt(Esc::Single) => {
                    let j = p - 1;
                    if b[p] == b'/' {
                        if let Some(s) = self.end_tag_at(j, name) {
                            return (j, Some(s));
                        }
                        st = St::Escaped(Esc::Single);
                        p += 1;
                    } else if b[p].is_ascii_alphabetic() {
                        let (e, script) = letters(p);
                        st = St::Escaped(Esc::Single);
                        p = e;
                        if e < n && (is_ws(b[e]) || matches!(b[e], b'/' | b'>')) {
                            if script {
                                st = St::Escaped(Esc::Double);
                            }
                            p = e + 1;
                        }
                    } else {
                        st = St::Escaped(Esc::Single);
                    }
                }
                St::Lt(Esc::Double) => {
                    st = St::Escaped(Esc::Double);
                    if b[p] == b'/' {
                        let (e, script) = letters(p + 1);
                        p = e;
                        if e < n && (is_ws(b[e]) || matches!(b[e], b'/' | b'>')) {
                            if script {
                                st = St::Escaped(Esc::Single);
                            }
                            p = e + 1;
                        }
                    }
                }
            }
        }
        (n, None)
    }
}

/// The character reference at the `&` at `a` in `html`, given to `out` (as `&` when it is
/// none); returns where reading continues. It never reads past the end of `html`, so a caller
/// bounds it by slicing.
fn char_ref(html: &str, a: usize, in_attr: bool, out: &mut impl FnMut(&str)) -> usize {
    let b = html.as_bytes();
    match b.get(a + 1) {
        Some(c) if c.is_ascii_alphanumeric() => named_ref(html, a, in_attr, out),
        Some(b'#') => numeric_ref(html, a, out),
        _ => {
            out("&");
            a + 1
        }
    }
}

fn named_ref(html: &str, a: usize, in_attr: bool, out: &mut impl FnMut(&str)) -> usize {
    let b = html.as_bytes();
    let s = a + 1;
    // The entity table holds every prefix of every name, so the longest match is found
    // by growing the name until it is no longer a prefix.
    let mut best: Option<(usize, (u32, u32))> = None;
    let mut len = 1;
    while s + len <= b.len() && b[s + len - 1].is_ascii() {
        let Some(&m) = NAMED_ENTITIES.get(&html[s..s + len]) else {
            break;
        };
        if m.0 != 0 {
            best = Some((len, m));
        }
        len += 1;
    }
    let Some((len, (c1, c2))) = best else {
        out("&");
        return a + 1;
    };
    let last = b[s + len - 1];
    let next = b.get(s + len).copied();
    // In an attribute, `&amp=` or `&ampx` without `;` stays as written (old URLs).
    if in_attr && last != b';' && next.is_some_and(|c| c == b'=' || c.is_ascii_alphanumeric()) {
        out("&");
        return a + 1;
    }
    let mut buf = [0u8; 8];
    let mut w = 0;
    for c in [c1, c2] {
        if c == 0 {
            continue;
        }
        let ch = char::from_u32(c).unwrap_or('\u{fffd}');
        w += ch.encode_utf8(&mut buf[w..]).len();
    }
    out(std::str::from_utf8(&buf[..w]).unwrap_or("\u{fffd}"));
    s + len
}

fn numeric_ref(html: &str, a: usize, out: &mut impl FnMut(&str)) -> usize {
    let b = html.as_bytes();
    let mut p = a + 2;
    let base = match b.get(p) {
        Some(b'x' | b'X') => {
            p += 1;
            16
        }
        _ => 10,
    };
    let start = p;
    let mut num: u32 = 0;
    let mut too_big = false;
    while let Some(d) = b.get(p).and_then(|&c| char::from(c).to_digit(base)) {
        num = num.wrapping_mul(base);
        if num > 0x10FFFF {
            too_big = true;
        }
        num = num.wrapping_add(d);
        p += 1;
    }
    if p == start {
        // No digits: `&#` (or `&#x`) is text.
        out("&");
        return a + 1;
    }
    if b.get(p) == Some(&b';') {
        p += 1;
    }
    let c = match num {
        n if n > 0x10FFFF || too_big => '\u{fffd}',
        0x00 | 0xD800..=0xDFFF => '\u{fffd}',
        0x80..=0x9F => C1_REPLACEMENTS[(num - 0x80) as usize]
            .or_else(|| char::from_u32(num))
            .unwrap_or('\u{fffd}'),
        n => char::from_u32(n).unwrap_or('\u{fffd}'),
    };
    out(c.encode_utf8(&mut [0; 4]));
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::guard::{classify, RAW};
    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::states::RawKind;
    use html5ever::tokenizer::{
        BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer as Html5ever,
        TokenizerOpts,
    };
    use std::cell::RefCell;

    #[derive(Debug, PartialEq, Eq, Clone)]
    enum Tok {
        Text(String),
        Start(String, Vec<(String, String)>, bool),
        End(String),
        Comment,
    }

    /// Which elements switch to raw text: the tree builder's choice, by name.
    fn raw_for(name: &str) -> Option<Raw> {
        if classify(name) & RAW == 0 {
            return None;
        }
        Some(match name {
            "script" => Raw::Script,
            "title" | "textarea" => Raw::Rcdata,
            "plaintext" => Raw::Plaintext,
            _ => Raw::Rawtext,
        })
    }

    fn push_text(out: &mut Vec<Tok>, s: &str) {
        if let Some(Tok::Text(t)) = out.last_mut() {
            t.push_str(s);
        } else if !s.is_empty() {
            out.push(Tok::Text(s.to_string()));
        }
    }

    #[derive(Default)]
    struct Ours(Vec<Tok>);

    impl<'a> Sink<'a> for Ours {
        fn text(&mut self, s: &str) {
            push_text(&mut self.0, s);
        }
        fn start_tag(&mut self, tag: &Tag<'a>) -> Option<Raw> {
            let attrs = tag
                .attrs
                .iter()
                .map(|a| (a.name.to_string(), a.value.to_string()))
                .collect();
            self.0
                .push(Tok::Start(tag.name.to_string(), attrs, tag.self_closing));
            raw_for(&tag.name)
        }
        fn end_tag(&mut self, name: Cow<'a, str>) {
            self.0.push(Tok::End(name.into_owned()));
        }
        fn comment(&mut self) {
            self.0.push(Tok::Comment);
        }
    }

    struct Theirs(RefCell<Vec<Tok>>);

    impl TokenSink for Theirs {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            let mut out = self.0.borrow_mut();
            match token {
                Token::CharacterTokens(t) => push_text(&mut out, &t),
                Token::TagToken(tag) => match tag.kind {
                    TagKind::StartTag => {
                        let attrs = tag
                            .attrs
                            .iter()
                            .map(|a| (a.name.local.to_string(), a.value.to_string()))
                            .collect();
                        out.push(Tok::Start(tag.name.to_string(), attrs, tag.self_closing));
                        return match raw_for(&tag.name) {
                            None => TokenSinkResult::Continue,
                            Some(Raw::Script) => TokenSinkResult::RawData(RawKind::ScriptData),
                            Some(Raw::Rcdata) => TokenSinkResult::RawData(RawKind::Rcdata),
                            Some(Raw::Rawtext) => TokenSinkResult::RawData(RawKind::Rawtext),
                            Some(Raw::Plaintext) => TokenSinkResult::Plaintext,
                        };
                    }
                    TagKind::EndTag => out.push(Tok::End(tag.name.to_string())),
                },
                Token::CommentToken(_) => out.push(Tok::Comment),
                _ => {}
            }
            TokenSinkResult::Continue
        }
    }

    fn ours(html: &str) -> Vec<Tok> {
        let html = normalize_newlines(html);
        let mut sink = Ours::default();
        tokenize(&html, &mut sink);
        sink.0
    }

    fn theirs(html: &str) -> Vec<Tok> {
        let tok = Html5ever::new(Theirs(RefCell::new(Vec::new())), TokenizerOpts::default());
        let queue = BufferQueue::default();
        queue.push_back(StrTendril::from_slice(html));
        let _ = tok.feed(&queue);
        tok.end();
        tok.sink.0.into_inner()
    }

    fn same(html: &str) {
        assert_eq!(ours(html), theirs(html), "input: {html:?}");
    }

    #[test]
    fn edge_cases_tokenize_as_the_standard_says() {
        let cases = [
            "plain text",
            "<p class=a id='b' data-x=\"c\" hidden>x</p>",
            "<P CLASS=A>Upper</P>",
            "<a href=/x?a=1&b=2&amp;c=3&copy=4&copy;>l</a>",
            "<a title='&amp' alt=\"&ampx\" x=&lt>",
            "&amp; &amp &ampx &notit; &notin; &#65; &#x41 &#X42; &#; &#x; &# &",
            "&#0; &#128; &#x9F; &#xD800; &#x110000; &#99999999999; &#x81;",
            "&CounterClockwiseContourIntegral; &AMP; &Aacute &aacute;x",
            "a < b <1 <> <= c",
            "<!-- c --> <!--> <!---> <!-- a -- b --!> x <!-- <!-- -->",
            "<!DOCTYPE html><!doctype x 'y>z'> after",
            "<?xml version='1.0'?> <![CDATA[ x ]]> </ x> </> </3>",
            "<div/><br/><img src=a/><x a=b/>",
            "<a b c=d e = f g= 'h' i =\"j\">",
            "<a a=1 a=2 A=3>",
            "<a =x ==y \"q\"=1 'r=2 <s=3>",
            "<a b='x'c=d>",
            "<a/b/c>",
            "<script>if (a<b && c>d) { x = '</p>' }</script>after",
            "<script>var s = '<!--'; </script>after",
            "<script><!-- document.write('<script>x</script>') --></script>after",
            "<script><!--<script>x</script>y</script>z-->w</script>v",
            "<script><!-- a --> b </script>c",
            "<script><!-- </script >d",
            "<script></SCRIPT foo=\"a>b\">e",
            "<script></scriptx></script/>f",
            "<style>p > a { } </style><style></STYLE >x",
            "<title>A &amp; B <b>not bold</b></title>after",
            "<textarea>&lt;x&gt; </textarea>",
            "<xmp><b></xmp><iframe><p></iframe><noembed>&amp;</noembed>",
            "<plaintext>everything </plaintext> <b>",
            "unterminated <a href=\"x",
            "unterminated <a href=x",
            "<script>unterminated",
            "<!-- unterminated",
            "<title>unterminated &amp",
            "text <",
            "text </",
            "text </a",
            "&",
            "&#x",
            "<a href='&#'>",
            "é 가 😀 <a title='가&nbsp;나'>다</a>",
            "<svg><style><g/></style></svg>",
            "<a\nhref\n=\n'x'\n>",
            "<a\u{c}b=c>",
            "<br></br><p></p >",
            "<script><!--</script>x",
            "<script><!-- <script> </script> --> </script>y",
            "<script><!--<scripts></script>z",
            "<script><!--<script></scripts></script>z</script>q",
            "<script><!--<SCRIPT>--></script>z",
        ];
        for c in cases {
            same(c);
        }
    }

    #[test]
    fn newlines_and_nuls_are_read_as_the_standard_says() {
        for c in [
            "a\r\nb\rc\n\rd",
            "<a href='x\r\ny'\r>t\r</a>",
            "<script>\r\n</script>",
            "a\0b<a x='\0'>\0</a><script>\0</script><title>\0</title>",
        ] {
            same(c);
        }
    }

    #[test]
    fn fixture_pages_tokenize_as_html5ever_does() {
        let mut files = Vec::new();
        let mut dirs = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p
                    .extension()
                    .is_some_and(|x| x == "html" || x == "htm" || x == "php")
                {
                    files.push(p);
                }
            }
        }
        assert!(files.len() > 50, "{}", files.len());
        for p in files {
            let bytes = std::fs::read(&p).unwrap();
            let html = crate::crawl::decode::decode(&bytes, None, None).text;
            assert_eq!(ours(&html), theirs(&html), "{}", p.display());
        }
    }

    #[test]
    fn random_markup_tokenizes_as_html5ever_does() {
        const PARTS: &[&str] = &[
            "<",
            ">",
            "/",
            "!",
            "-",
            "--",
            "?",
            "=",
            "\"",
            "'",
            " ",
            "\n",
            "\t",
            "a",
            "B",
            "x",
            "1",
            ";",
            "#",
            "&",
            "é",
            "가",
            "\0",
            "\r",
            "\r\n",
            "<!--",
            "-->",
            "--!>",
            "</",
            "<script>",
            "</script>",
            "<SCRIPT ",
            "script",
            "<title>",
            "</title>",
            "<style>",
            "</style",
            "&amp",
            "&amp;",
            "&#x41;",
            "&#65",
            "&#",
            "&notit;",
            "&lt",
            "<p ",
            "<a href=",
            "<!DOCTYPE ",
            "<![CDATA[",
            "]]>",
            "<plaintext>",
            "<textarea>",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 24) as usize;
            let html: String = (0..len)
                .map(|_| PARTS[(next() % PARTS.len() as u64) as usize])
                .collect();
            same(&html);
        }
    }
}
