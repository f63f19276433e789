//! Turns one HTML document into [`PageFacts`], once. Rules read facts, never HTML, so the DOM is
//! dropped as soon as this module returns.

mod cards;
pub mod guard;
pub mod lang;
mod price;
mod stream;
mod structured;
mod text;
mod tokens;

use std::borrow::Cow;

use scraper::Selector;
use serde::Serialize;
use url::Url;

pub use cards::Card;
pub use price::{prices_in, PriceToken};
pub use structured::{parse_price, short_type, ProductFact, StructuredItem};
pub use text::{collapse_ws, snippet_around, truncate_chars};

/// Caps that keep one hostile page from costing more than a normal one.
const MAX_TEXT: usize = 400_000;
/// Most links kept from one page: a page with more is a link farm or a trap, not a shop menu.
pub const MAX_LINKS: usize = 5_000;
const MAX_INLINE_SCRIPT: usize = 512 * 1024;
const MAX_JSONLD: usize = 64;

/// Where on the page a link sits; footer and nav links are how shops point at their policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Area {
    /// Inside navigation (`<nav>`, a header or menu).
    Nav,
    /// Inside a footer-like container.
    Footer,
    /// Anywhere else on the page.
    Body,
}

/// A link as the page shows it.
#[derive(Debug, Clone)]
pub struct Link {
    /// Absolute URL, fragment removed.
    pub url: Url,
    /// Anchor text (or `title`/`aria-label`/image `alt` when there is no text), whitespace collapsed.
    pub text: String,
    /// Where on the page the link sits.
    pub area: Area,
}

/// A form control, with the label text a person would read next to it.
#[derive(Debug, Clone, Default)]
pub struct Input {
    /// The control's type: an input's `type` (lower-cased, `text` by default), or `select` or
    /// `textarea`.
    pub kind: String,
    /// Its `name` attribute (empty when absent).
    pub name: String,
    /// Its `value` attribute (empty when absent).
    pub value: String,
}

/// A form and its controls.
#[derive(Debug, Clone, Default)]
pub struct Form {
    /// The `action` attribute as written (empty when absent).
    pub action: String,
    /// The `method` attribute, lower-cased (`get` when absent).
    pub method: String,
    /// The form's controls, in document order.
    pub inputs: Vec<Input>,
}

/// Everything the rules may ask about one page.
#[derive(Debug, Clone, Default)]
pub struct PageFacts {
    /// `<html lang>` as written.
    pub lang: Option<String>,
    /// The `<title>` text, whitespace collapsed.
    pub title: String,
    /// h1–h4 texts, in document order.
    pub headings: Vec<String>,
    /// Visible text (no script/style/template), whitespace collapsed, blocks separated by " | "-free spaces.
    pub text: String,
    /// Visible text inside footer-like containers (also part of `text`).
    pub footer_text: String,
    /// Links of the page, in document order (at most [`MAX_LINKS`]).
    pub links: Vec<Link>,
    /// True when the page had more links than [`MAX_LINKS`].
    pub links_truncated: bool,
    /// Forms of the page, in document order.
    pub forms: Vec<Form>,
    /// Texts of buttons and submit inputs.
    pub buttons: Vec<String>,
    /// Absolute `src` of `<script>` elements (and `<link rel=preload as=script>`).
    pub scripts: Vec<String>,
    /// Bodies of inline scripts (not JSON-LD), concatenated, capped.
    pub inline_script: String,
    /// `<meta name|property=… content=…>`, keys lower-cased.
    pub meta: Vec<(String, String)>,
    /// Parsed JSON-LD items, `@graph` flattened.
    pub jsonld: Vec<StructuredItem>,
    /// Number of JSON-LD blocks that did not parse.
    pub jsonld_errors: usize,
    /// Microdata items (`itemscope`), with their `itemprop`s.
    pub microdata: Vec<StructuredItem>,
    /// Products found on this page from any source.
    pub products: Vec<ProductFact>,
    /// Hits per selector, in the order the selectors were given.
    pub selector_hits: Vec<(usize, String)>,
    /// Number of text nodes containing U+0000 or U+FFFD (bad bytes survived decoding).
    pub replacement_chars: usize,
    /// Non-space characters of visible text outside nav and footer: how much content the page has.
    pub main_chars: usize,
    /// The page looks like a script shell that a browser must build (little text, scripts present).
    pub script_shell: bool,
    /// What was cut from markup too deep, too wide or too big to parse at normal cost.
    pub markup_capped: Option<String>,
    /// Payment calls the checkout probe recorded when it clicked the pay button of the
    /// rendered page (`click on 결제하기 called IMP.request_pay({…})`); empty without rendering.
    pub pg_calls: Vec<String>,
    /// Byte ranges of `text` that are short heading-like labels, not inside a link (`h1`–`h6`,
    /// `dt`, `th`, `caption`, `legend`, `summary`, `strong`, `b`, elements classed `*tit*`):
    /// where a section starts. A policy heading and the text under it is a policy section on
    /// any page (a guide used as the start page, a product page's shipping tab).
    pub marks: Vec<(usize, usize)>,
    /// Template placeholders in the visible text (`{$form.name}`, `{{ product.title }}`,
    /// `{% if %}`, `<?= $x ?>`, `${name}`): a page full of them is template source served
    /// as a site, and proves nothing.
    pub template_tokens: usize,
    /// An inline script sends the visitor elsewhere as the page loads, with nothing to decide
    /// (`alert('주문서로 이동할 수 없습니다.'); location.replace('/')`): the page is a stub
    /// nobody can use, saved where a live shop would redirect.
    pub redirects_away: bool,
}

impl PageFacts {
    /// Meta values for a key (`og:type`, `description`, …).
    pub fn meta_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.meta
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div"
            | "br"
            | "li"
            | "ul"
            | "ol"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "section"
            | "article"
            | "header"
            | "footer"
            | "nav"
            | "aside"
            | "main"
            | "form"
            | "option"
            | "label"
            | "button"
            | "dt"
            | "dd"
            | "dl"
            | "blockquote"
            | "pre"
            | "hr"
            | "select"
            | "fieldset"
            | "legend"
            | "figcaption"
    )
}

/// Template placeholders in a run of text: `{$…}`, `{{…}}`, `{%…%}`, `${…}` (unrendered
/// Smarty / Cafe24, Liquid / Handlebars / Jinja and JavaScript template syntax).
pub fn template_tokens(s: &str) -> usize {
    let b = s.as_bytes();
    memchr::memchr_iter(b'{', b)
        .filter(|&i| match b.get(i + 1) {
            Some(b'$') => b
                .get(i + 2)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_'),
            Some(b'{') | Some(b'%') => b[i..].iter().take(80).any(|&c| c == b'}'),
            _ => i > 0 && b[i - 1] == b'$' && b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic()),
        })
        .count()
}

/// Whether a script sends the visitor away as soon as it runs: a short body that calls
/// `location.replace(…)`, assigns `location.href` or goes back in history, with no function,
/// condition or handler around it.
fn redirects_on_load(body: &str) -> bool {
    let b = body.trim();
    if b.is_empty() || b.len() > 400 {
        return false;
    }
    let away = b.contains("location.replace(")
        || b.contains("history.back(")
        || b.contains("history.go(-1")
        || b.contains("location.href=")
        || b.contains("location.href =");
    let guarded = [
        "function",
        "=>",
        "if(",
        "if (",
        "addEventListener",
        "onclick",
        "?",
    ]
    .iter()
    .any(|w| b.contains(w));
    away && !guarded
}

/// Elements that label what follows them: headings, definition terms, table headers, bold
/// lead-ins and the `tit`/`title` boxes Korean skins use for section titles.
fn is_mark(tag: &str, class: Option<&str>) -> bool {
    matches!(
        tag,
        "h1" | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "dt"
            | "th"
            | "caption"
            | "legend"
            | "summary"
            | "strong"
            | "b"
    ) || class.is_some_and(|c| contains_ignore_case(c, "tit"))
}

fn is_hidden_container(tag: &str) -> bool {
    matches!(
        tag,
        "script" | "style" | "noscript" | "template" | "svg" | "head" | "iframe" | "object"
    )
}

fn area_of(tag: &str, id: Option<&str>, class: Option<&str>) -> Option<Area> {
    match tag {
        "footer" => return Some(Area::Footer),
        "nav" | "header" => return Some(Area::Nav),
        _ => {}
    }
    // Every element with an id or a class comes here: the words are looked for without
    // building a lower-cased copy.
    let words = [id, class];
    let any = |needles: &[&str]| {
        words
            .iter()
            .flatten()
            .any(|w| needles.iter().any(|n| contains_ignore_case(w, n)))
    };
    // "foot" as a whole word's end: `#foot`, `.foot main`.
    let foot = || {
        words.iter().flatten().any(|w| {
            let b = w.as_bytes();
            (0..b.len().saturating_sub(3)).any(|i| {
                b[i..i + 4].eq_ignore_ascii_case(b"foot")
                    && b.get(i + 4).is_none_or(|c| c.is_ascii_whitespace())
            })
        })
    };
    if any(&["footer", "site-info"]) || foot() {
        Some(Area::Footer)
    } else if any(&["nav", "gnb", "lnb", "header", "menu"]) {
        Some(Area::Nav)
    } else {
        None
    }
}

/// Whether `hay` contains `needle` (lower-case ASCII), ignoring ASCII case.
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    h.len() >= n.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

struct Frame {
    hidden: bool,
    concealed: bool,
    /// A heading-like element whose text is recorded in `marks` when it closes.
    mark: bool,
    area: Option<Area>,
    link: bool,
    heading: bool,
    button: bool,
    title: bool,
    script_inline: bool,
    jsonld: bool,
    scope: bool,
    itemprop: Option<String>,
}

struct OpenLink {
    url: Url,
    fallback: String,
    area: Area,
}

/// Parses `html` (already decoded) at `base` into facts. `selectors` are the rule set's CSS
/// selectors, counted here so that rules never need the DOM.
///
/// The facts come from one pass over the token stream (`stream`); a tree is built only when
/// the rule set has CSS selectors to count.
pub fn extract(base: &Url, html: &str, selectors: &[Selector]) -> PageFacts {
    // NUL characters carry nothing, and a page of them would be read one at a time.
    let html = if memchr::memchr(0, html.as_bytes()).is_some() {
        Cow::Owned(html.replace('\0', ""))
    } else {
        Cow::Borrowed(html)
    };
    // <base href> changes how relative links resolve, links before it included. Most pages
    // have none: only pages that may have one are read twice.
    let base = if may_have_base(&html) {
        base_href(base, &html)
    } else {
        base.clone()
    };
    let mut w = Walker {
        f: PageFacts::default(),
        base,
        stack: Vec::with_capacity(64),
        link: None,
        link_text: String::new(),
        heading: String::new(),
        button: String::new(),
        script_buf: String::new(),
        items: Vec::new(),
        scope_stack: Vec::new(),
        prop_text: Vec::new(),
        forms: Vec::new(),
        form_open: false,
        visible: 0,
        cards: cards::Cards::default(),
        declared_product: false,
        mark_start: None,
        script_start: 0,
        form_buttons: 0,
    };
    let capped = stream::walk(&html, &mut w);
    let mut f = w.finish();
    if capped.changed() {
        f.markup_capped = Some(format!(
            "markup beyond the parser's bounds: {} tags dropped (deeper than {} levels or more than {} open formatting elements), {} attribute lists cut, {}",
            capped.dropped_tags,
            guard::MAX_DEPTH,
            guard::MAX_FORMATTING,
            capped.cut.attrs,
            match capped.cut.at {
                Some(at) => format!("document cut at byte {at} (too many tags)"),
                None => "nothing cut".to_string(),
            }
        ));
    }
    if !selectors.is_empty() {
        f.selector_hits = selector_hits(&html, selectors);
    }
    f
}

/// Hits of the rule set's CSS selectors: the one use of a document tree.
fn selector_hits(html: &str, selectors: &[Selector]) -> Vec<(usize, String)> {
    let doc = guard::selector_tree(html);
    let mut hits = Vec::new();
    for (i, sel) in selectors.iter().enumerate() {
        if let Some(el) = doc.select(sel).next() {
            let text: String = el.text().take(64).collect();
            let mut snippet = collapse_ws(&text);
            if snippet.is_empty() {
                snippet = format!("<{}>", el.value().name());
            }
            hits.push((i, text::truncate_chars(&snippet, 200)));
        }
    }
    hits
}

/// Whether `html` has `<base` followed by a delimiter anywhere, raw text included: a cheap
/// over-approximation of "has a `<base>` start tag", checked with [`base_href`].
fn may_have_base(html: &str) -> bool {
    let b = html.as_bytes();
    memchr::memchr_iter(b'<', b).any(|i| {
        b.get(i + 1..i + 5)
            .is_some_and(|n| n.eq_ignore_ascii_case(b"base"))
            && b.get(i + 5)
                .is_none_or(|c| matches!(c, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ' | b'/' | b'>'))
    })
}

/// The page URL as the document's first `<base href>` changes it.
fn base_href(page: &Url, html: &str) -> Url {
    struct First(Option<String>);
    impl stream::Visitor for First {
        fn open(&mut self, el: &stream::Element<'_>) {
            if self.0.is_none() && el.name == "base" {
                self.0 = el.attr("href").map(str::to_string);
            }
        }
        fn close(&mut self, _name: &str) {}
        fn text(&mut self, _s: &str) {}
    }
    let mut first = First(None);
    stream::walk(html, &mut first);
    first
        .0
        .and_then(|b| page.join(b.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| page.clone())
}

/// The facts being built while the document streams by.
struct Walker {
    f: PageFacts,
    base: Url,
    stack: Vec<Frame>,
    link: Option<OpenLink>,
    /// Text of the open link, collapsed as it arrives.
    link_text: String,
    heading: String,
    button: String,
    script_buf: String,
    items: Vec<structured::Builder>,
    scope_stack: Vec<usize>,
    prop_text: Vec<(usize, String, String)>,
    forms: Vec<Form>,
    form_open: bool,
    /// Non-space characters of `f.text`, counted as it is written.
    visible: usize,
    /// Product cards being recognised.
    cards: cards::Cards,
    /// The page declared a product with a price in JSON-LD: it is read from that, and its
    /// markup is not searched for cards (a detail page's "you may also like" row adds nothing
    /// its own pages do not).
    declared_product: bool,
    /// Where in `f.text` the open heading-like element's text starts.
    mark_start: Option<usize>,
    /// Where the open inline script's body starts in `f.inline_script`.
    script_start: usize,
    /// Buttons on the page when the open form started.
    form_buttons: usize,
}

impl stream::Visitor for Walker {
    fn open(&mut self, el: &stream::Element<'_>) {
        let tag = el.name;
        let parent_hidden = self.stack.last().map(|s| s.hidden).unwrap_or(false);
        let parent_concealed = self.stack.last().map(|s| s.concealed).unwrap_or(false);
        let cls = el.attr("class").unwrap_or("");
        let concealed = parent_concealed
            || cls.split_ascii_whitespace().any(|w| {
                matches!(
                    w.to_ascii_lowercase().as_str(),
                    "d-none" | "hidden" | "hide" | "displaynone" | "is-hidden" | "invisible"
                )
            })
            || el.attr("style").is_some_and(|st| {
                let t: String = st
                    .chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
                    .to_ascii_lowercase();
                t.contains("display:none")
            })
            || el.attr("hidden").is_some();
        let mut fr = Frame {
            concealed,
            hidden: parent_hidden || is_hidden_container(tag),
            mark: false,
            area: area_of(tag, el.attr("id"), el.attr("class")),
            link: false,
            heading: false,
            button: false,
            title: false,
            script_inline: false,
            jsonld: false,
            scope: false,
            itemprop: None,
        };
        self.open_element(el, &mut fr);
        // `<button onclick="location.href='/order/order.php'">바로 구매</button>`: how
        // hand-built and Godomall shops lead from a product to the cart and the order. Such a
        // handler is a link, its text the element's text (an input's value).
        if self.link.is_none() {
            self.open_onclick(el, &mut fr);
        }
        self.open_microdata(el, &mut fr);
        self.enter(el, fr);
    }

    fn text(&mut self, s: &str) {
        let f = &mut self.f;
        let stack = &self.stack;
        let Some(top) = stack.last() else { return };
        if s.contains('\u{0}') || s.contains('\u{FFFD}') {
            f.replacement_chars += 1;
        }
        if top.title {
            text::push_collapsed(&mut f.title, s);
            return;
        }
        if top.jsonld {
            if self.script_buf.len() < 1_000_000 {
                self.script_buf.push_str(s);
            }
            return;
        }
        if top.script_inline {
            if f.inline_script.len() + s.len() <= MAX_INLINE_SCRIPT {
                f.inline_script.push_str(s);
                f.inline_script.push('\n');
            }
            return;
        }
        if top.hidden {
            return;
        }
        let in_heading = stack.iter().any(|s| s.heading);
        // Text inside a link or a heading is offered as a name when that element closes.
        self.cards.text(s, self.link.is_some() || in_heading);
        // Collapsed and counted as it is copied: the page's text is never copied twice.
        f.template_tokens += template_tokens(s);
        if f.text.len() < MAX_TEXT {
            let chars = text::push_collapsed(&mut f.text, s);
            self.visible += chars;
            if matches!(top.area, None | Some(Area::Body)) {
                f.main_chars += chars;
            }
        }
        if top.area == Some(Area::Footer) && f.footer_text.len() < MAX_TEXT / 4 {
            text::push_collapsed(&mut f.footer_text, s);
        }
        if self.link.is_some() && self.link_text.len() < 512 {
            text::push_collapsed(&mut self.link_text, s);
        }
        if in_heading && self.heading.len() < 1024 {
            text::push_collapsed(&mut self.heading, s);
        }
        if stack.iter().any(|s| s.button) && self.button.len() < 256 {
            text::push_collapsed(&mut self.button, s);
        }
        if let Some(last) = self.prop_text.last_mut() {
            if stack.iter().any(|s| s.itemprop.is_some()) && last.2.len() < 1024 {
                text::push_collapsed(&mut last.2, s);
            }
        }
    }

    fn close(&mut self, tag: &str) {
        let Some(fr) = self.stack.pop() else { return };
        let f = &mut self.f;
        let stack = &self.stack;
        if fr.link {
            if let Some(l) = self.link.take() {
                // One allocation of the text's size; the buffer is kept for the next link.
                let mut text = self.link_text.trim_end_matches(' ').to_string();
                if text.is_empty() {
                    text = collapse_ws(&l.fallback);
                    // title/alt of an image-only link: the weakest name, below any visible text
                    self.cards.alt_text(&text);
                } else {
                    self.cards.link_text(&text);
                }
                if f.links.len() < MAX_LINKS {
                    f.links.push(Link {
                        url: l.url,
                        text,
                        area: l.area,
                    });
                } else {
                    f.links_truncated = true;
                }
            }
        }
        if fr.heading && !stack.iter().any(|s| s.heading) {
            let mut h = std::mem::take(&mut self.heading);
            text::trim_end_space(&mut h);
            self.cards.heading_text(&h);
            let main = !fr.concealed && !matches!(fr.area, Some(Area::Footer) | Some(Area::Nav));
            if main && !h.is_empty() && f.headings.len() < 200 {
                f.headings.push(h);
            }
        }
        if fr.button && !stack.iter().any(|s| s.button) {
            let mut b = std::mem::take(&mut self.button);
            text::trim_end_space(&mut b);
            if !b.is_empty() && f.buttons.len() < 200 {
                f.buttons.push(b);
            }
        }
        if fr.jsonld && f.jsonld.len() < MAX_JSONLD {
            match structured::parse_jsonld(&self.script_buf) {
                Some(mut v) => {
                    self.declared_product |= v.iter().any(|i| {
                        i.types.iter().any(|t| t == "Product")
                            && !i.get_path("offers.price").is_empty()
                    });
                    f.jsonld.append(&mut v)
                }
                None => f.jsonld_errors += 1,
            }
            self.script_buf.clear();
        }
        if fr.itemprop.is_some() {
            if let Some((owner, prop, mut text)) = self.prop_text.pop() {
                text::trim_end_space(&mut text);
                self.items[owner].push(&prop, &text);
            }
        }
        if fr.scope {
            self.scope_stack.pop();
        }
        if fr.script_inline {
            let body = f.inline_script.get(self.script_start..).unwrap_or("");
            f.redirects_away |= redirects_on_load(body);
        }
        if fr.mark {
            if let Some(start) = self.mark_start.take() {
                let end = f.text.trim_end_matches(' ').len();
                let label = f.text.get(start..end).unwrap_or("");
                let chars = label.chars().count();
                if (2..=60).contains(&chars) && f.marks.len() < 400 {
                    f.marks.push((start, end));
                }
            }
        }
        if !fr.hidden && is_block(tag) {
            push_sep(&mut f.text);
        }
        if tag == "form" && self.form_open {
            self.form_open = false;
            self.form_link();
        }
        self.cards.close();
    }

    fn root_attrs(&mut self, el: &stream::Element<'_>) {
        if self.f.lang.is_none() {
            self.f.lang = root_lang(el);
        }
    }
}

/// A form control: a button's text, and the open form's inputs.
fn push_input(f: &mut PageFacts, forms: &mut [Form], form_open: bool, el: &stream::Element<'_>) {
    let kind = el.attr("type").unwrap_or("text").to_ascii_lowercase();
    let value = el.attr("value").unwrap_or("").to_string();
    if matches!(kind.as_str(), "submit" | "button" | "image") {
        let v = collapse_ws(el.attr("value").or_else(|| el.attr("alt")).unwrap_or(""));
        if !v.is_empty() {
            f.buttons.push(v);
        }
    }
    if form_open {
        if let Some(form) = forms.last_mut() {
            form.inputs.push(Input {
                kind,
                name: el.attr("name").unwrap_or("").to_string(),
                value,
            });
        }
    }
}

/// The page an `onclick` handler navigates to (`location.href='…'`, `location.assign("…")`).
fn script_target(js: &str) -> Option<&str> {
    static NAV: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"location(?:\.href)?\s*=\s*['"]([^'"]+)['"]|location\.(?:assign|replace)\s*\(\s*['"]([^'"]+)['"]"#,
        )
        .ok()
    });
    if !js.contains("location") {
        return None;
    }
    let c = NAV.as_ref()?.captures(js)?;
    let t = c.get(1).or_else(|| c.get(2))?.as_str();
    (!t.trim_start()
        .to_ascii_lowercase()
        .starts_with("javascript:"))
    .then_some(t)
}

/// A `<meta name|property|itemprop=… content=…>`, key lower-cased; the count is capped.
fn push_meta(f: &mut PageFacts, el: &stream::Element<'_>) {
    let key = el
        .attr("property")
        .or_else(|| el.attr("name"))
        .or_else(|| el.attr("itemprop"));
    if let (Some(k), Some(c)) = (key, el.attr("content")) {
        if f.meta.len() < 512 {
            f.meta
                .push((k.trim().to_ascii_lowercase(), c.trim().into()));
        }
    }
}

/// `<html lang>` (or `xml:lang`) as written, when not blank.
fn root_lang(el: &stream::Element<'_>) -> Option<String> {
    let l = el.attr("lang").or_else(|| el.attr("xml:lang"))?.trim();
    (!l.is_empty()).then(|| l.to_string())
}

impl Walker {
    /// What the element itself says, by tag: title, links, headings, form controls, scripts
    /// and meta tags.
    fn open_element(&mut self, el: &stream::Element<'_>, fr: &mut Frame) {
        let tag = el.name;
        match tag {
            "html" => {
                if let Some(l) = root_lang(el) {
                    self.f.lang = Some(l);
                }
            }
            "title" => fr.title = true,
            "a" | "area" => self.open_anchor(el, fr),
            "img" => {
                if let (Some(l), Some(alt)) = (self.link.as_mut(), el.attr("alt")) {
                    l.fallback.push_str(alt);
                    l.fallback.push(' ');
                }
            }
            "h1" | "h2" | "h3" | "h4" => {
                fr.heading = true;
                self.heading.clear();
            }
            "button" => {
                fr.button = true;
                self.button.clear();
            }
            "input" => push_input(&mut self.f, &mut self.forms, self.form_open, el),
            "select" | "textarea" if self.form_open => {
                if let Some(form) = self.forms.last_mut() {
                    form.inputs.push(Input {
                        kind: tag.to_string(),
                        name: el.attr("name").unwrap_or("").to_string(),
                        value: String::new(),
                    });
                }
            }
            "form" => {
                self.form_open = true;
                self.form_buttons = self.f.buttons.len();
                self.forms.push(Form {
                    action: el.attr("action").unwrap_or("").to_string(),
                    method: el.attr("method").unwrap_or("get").to_ascii_lowercase(),
                    inputs: Vec::new(),
                });
            }
            "script" => self.open_script(el, fr),
            "link" => {
                let rel = el.attr("rel").unwrap_or("").to_ascii_lowercase();
                if rel.contains("preload") && el.attr("as") == Some("script")
                    || rel.contains("modulepreload")
                {
                    if let Some(u) = el.attr("href").and_then(|h| resolve_any(&self.base, h)) {
                        self.f.scripts.push(u);
                    }
                }
            }
            "meta" => push_meta(&mut self.f, el),
            _ => {}
        }
    }

    /// An `<a href>` (or `<area href>`) to an http(s) page opens a link; its text arrives
    /// later, with `title`/`aria-label` kept in case it has none.
    fn open_anchor(&mut self, el: &stream::Element<'_>, fr: &mut Frame) {
        let Some(url) = el.attr("href").and_then(|href| resolve(&self.base, href)) else {
            return;
        };
        let area = current_area(&self.stack);
        let mut fallback = String::new();
        for a in ["title", "aria-label"] {
            if let Some(v) = el.attr(a) {
                fallback.push_str(v);
                fallback.push(' ');
            }
        }
        self.link_text.clear();
        self.link = Some(OpenLink {
            url,
            fallback,
            area,
        });
        fr.link = true;
    }

    /// A `<script>`: an external source is recorded, JSON-LD and inline code are read as
    /// their text arrives.
    fn open_script(&mut self, el: &stream::Element<'_>, fr: &mut Frame) {
        let ty = el.attr("type").unwrap_or("").trim().to_ascii_lowercase();
        if let Some(src) = el.attr("src") {
            if let Some(u) = resolve_any(&self.base, src) {
                self.f.scripts.push(u);
            }
        } else if ty == "application/ld+json" {
            fr.jsonld = true;
            self.script_buf.clear();
        } else if ty.is_empty()
            || ty.contains("javascript")
            || ty == "module"
            || ty.contains("ecmascript")
        {
            fr.script_inline = true;
            self.script_start = self.f.inline_script.len();
        }
    }

    /// A form that posts to another page with a button of its own leads there: a cart's
    /// `<form action="order.php" method="post"><input type="submit" value="ご購入手続きへ進む">`
    /// is how hand-built shops go from the cart (held in the session) to the order step. The
    /// button's text is the link's. It is only fetched, never submitted, and only a form that
    /// asks nothing a visitor types is read so: a search, login or contact form is not a step.
    fn form_link(&mut self) {
        let f = &mut self.f;
        let Some(form) = self.forms.last() else {
            return;
        };
        if form.method != "post" || f.buttons.len() <= self.form_buttons {
            return;
        }
        let asks_visitor = form.inputs.iter().any(|i| {
            !matches!(
                i.kind.as_str(),
                "hidden" | "submit" | "button" | "image" | "reset" | "select"
            )
        });
        if asks_visitor {
            return;
        }
        let (Some(url), Some(text)) = (resolve(&self.base, &form.action), f.buttons.last()) else {
            return;
        };
        if f.links.len() < MAX_LINKS && url != self.base {
            f.links.push(Link {
                url,
                text: text.clone(),
                area: current_area(&self.stack),
            });
        }
    }

    /// An `onclick` that navigates makes the element a link: an input's value is its text at
    /// once, any other element's text is read until it closes.
    fn open_onclick(&mut self, el: &stream::Element<'_>, fr: &mut Frame) {
        let Some(url) = el
            .attr("onclick")
            .and_then(script_target)
            .and_then(|t| resolve(&self.base, t))
        else {
            return;
        };
        let area = current_area(&self.stack);
        if el.name == "input" {
            let v = el.attr("value").or_else(|| el.attr("alt")).unwrap_or("");
            if self.f.links.len() < MAX_LINKS {
                self.f.links.push(Link {
                    url,
                    text: collapse_ws(v),
                    area,
                });
            }
        } else {
            self.link_text.clear();
            self.link = Some(OpenLink {
                url,
                fallback: el.attr("title").unwrap_or("").to_string(),
                area,
            });
            fr.link = true;
        }
    }

    /// Microdata: a new item scope, and properties of the enclosing scope.
    fn open_microdata(&mut self, el: &stream::Element<'_>, fr: &mut Frame) {
        let tag = el.name;
        let items = &mut self.items;
        if let Some(prop) = el.attr("itemprop") {
            if let Some(&owner) = self.scope_stack.last() {
                let direct = el
                    .attr("content")
                    .or_else(|| if tag == "meta" { Some("") } else { None })
                    .or_else(|| {
                        if matches!(tag, "a" | "link") {
                            el.attr("href")
                        } else if matches!(tag, "img" | "source") {
                            el.attr("src")
                        } else {
                            None
                        }
                    });
                if el.attr("itemscope").is_none() {
                    match direct {
                        Some(v) => items[owner].push(prop, v),
                        None => {
                            fr.itemprop = Some(prop.to_string());
                            self.prop_text
                                .push((owner, prop.to_string(), String::new()));
                        }
                    }
                }
            }
        }
        if el.attr("itemscope").is_some() && items.len() < 256 {
            let ty = el.attr("itemtype").unwrap_or("").to_string();
            let idx = items.len();
            items.push(structured::Builder::new(ty));
            if let (Some(prop), Some(&owner)) = (el.attr("itemprop"), self.scope_stack.last()) {
                items[owner].child(prop, idx);
            }
            self.scope_stack.push(idx);
            fr.scope = true;
        }
    }

    /// Pushes the element's frame, once its area is settled (inherited when it has none of its
    /// own), and separates block text from the text before it.
    fn enter(&mut self, el: &stream::Element<'_>, mut fr: Frame) {
        let tag = el.name;
        if fr.area.is_none() {
            fr.area = self.stack.last().and_then(|s| s.area);
        }
        // Footers and `<nav>` menus hold links, not product cards.
        let no_cards =
            fr.hidden || fr.area == Some(Area::Footer) || tag == "nav" || self.declared_product;
        self.cards.open(tag, |a| el.attr(a), no_cards);
        // Not inside a link: a menu's 배송안내 item or a card's linked title labels nothing
        // that follows it. (Area is no guide here: Bootstrap tab panes are `#nav-…`.)
        if self.mark_start.is_none()
            && !fr.hidden
            && self.link.is_none()
            && tag != "nav"
            && is_mark(tag, el.attr("class"))
        {
            if is_block(tag) {
                push_sep(&mut self.f.text);
            }
            fr.mark = true;
            self.mark_start = Some(self.f.text.len());
        }
        if !fr.hidden && is_block(tag) {
            push_sep(&mut self.f.text);
            if fr.area == Some(Area::Footer) {
                push_sep(&mut self.f.footer_text);
            }
            if self.link.is_some() {
                push_sep(&mut self.link_text);
            }
        }
        self.stack.push(fr);
    }

    fn finish(self) -> PageFacts {
        let mut f = self.f;
        text::trim_end_space(&mut f.title);
        text::trim_end_space(&mut f.text);
        text::trim_end_space(&mut f.footer_text);
        f.forms = self.forms;
        f.microdata = structured::finish(self.items);
        f.jsonld.truncate(256);
        f.products = structured::products(&f);
        let (cards, detail) = self.cards.finish();
        if let Some(c) = detail {
            // Only where the page declares no product of its own.
            if f.products.is_empty() {
                f.products.push(ProductFact {
                    name: c.name,
                    price: Some(c.price),
                    currency: None,
                    availability: None,
                    source: "detail",
                });
            }
        }
        for c in cards {
            if f.products.len() >= 256 {
                break;
            }
            f.products.push(ProductFact {
                name: c.name,
                price: Some(c.price),
                currency: None,
                availability: None,
                source: if c.unmarked { "unmarked" } else { "listing" },
            });
        }
        // A page that shows a heading or a form has content of its own: it is read as it is,
        // and the renderer (which asks the same) does not build it either.
        f.script_shell = self.visible < 200
            && (!f.scripts.is_empty() || f.inline_script.len() > 200)
            && f.headings.is_empty()
            && f.forms.is_empty();
        f
    }
}

fn push_sep(s: &mut String) {
    if !s.is_empty() && !s.ends_with(' ') {
        s.push(' ');
    }
}

fn current_area(stack: &[Frame]) -> Area {
    stack.last().and_then(|s| s.area).unwrap_or(Area::Body)
}

/// Resolves a link target to an absolute http(s) URL without fragment; other schemes
/// (`javascript:`, `mailto:`, `data:` …) are not links a crawler follows.
fn resolve(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') || href.len() > 4096 {
        return None;
    }
    let mut u = base.join(href).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    u.set_fragment(None);
    Some(u)
}

/// Resolves a script source for display and matching; keeps any scheme but caps length.
fn resolve_any(base: &Url, src: &str) -> Option<String> {
    let src = src.trim();
    if src.is_empty() || src.len() > 4096 {
        return None;
    }
    Some(match base.join(src) {
        Ok(u) => u.to_string(),
        Err(_) => src.to_string(),
    })
}

#[cfg(test)]
mod tests;
