//! Product cards on listing and home pages: repeated sibling blocks that each carry a product
//! name and a price (Cafe24 `ul.prdList > li`, Shopify `product-card`, WooCommerce
//! `ul.products li.product`, a plain `div.grid > div.item`, a table of `td` cells).
//!
//! A reviewer accepts a grid of named, priced goods as "products listed", and most shops show
//! one on the home page or a category page long before any structured data. The detector reads
//! how cards are built, not what a platform calls them: while the document streams by, every
//! open element learns the best name and the prices inside it; an element holding one name and
//! one to four prices is a card candidate for its parent; a parent with at least two candidates
//! of the same shape (tag and first class) holds a grid, whose cards become products.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::price::{has_price, prices_in};

/// How far up a name or a price is told to its ancestors: no card wraps its name deeper.
const REACH: usize = 12;
/// Candidates one element keeps, and cards one page gives.
const MAX_KIDS: usize = 400;
const MAX_CARDS: usize = 300;

/// A product card as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// Product name read from the card (its link, heading or first name-like text).
    pub name: String,
    /// The price the card shows: every card is found by one.
    pub price: f64,
    /// The price is a bare number (`1.290.000`) with no currency mark: a weaker sign, read
    /// only from a grid of three or more cards with sure names.
    pub unmarked: bool,
}

/// Where a name was read: a higher rank is a surer name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    /// The first name-like text of the block.
    Text = 0,
    /// The text of a link (usually to the detail page).
    Link = 1,
    /// An `h1`–`h6`.
    Heading = 2,
    /// An element whose class names it (`name`, `title`, `tit`, `subject`).
    Named = 3,
}

#[derive(Debug, Clone, Copy)]
struct Candidate {
    sig: u64,
    name: u32,
    rank: Rank,
    price: f64,
    unmarked: bool,
}

#[derive(Default)]
struct Node {
    /// Shape of the element: tag and first class, hashed.
    sig: u64,
    skip: bool,
    concealed: bool,
    /// A struck-through or former price (`<del>`, `was_price`, `consumer_price`): not the
    /// price a buyer pays.
    old: bool,
    /// The element's class says it holds the price (`product-price`, `price__regular`).
    price_slot: bool,
    /// Best name inside, as an index into [`Cards::spans`].
    name: Option<(Rank, u32)>,
    prices: u8,
    price: Option<f64>,
    /// Bare grouped numbers inside (`1.290.000`, `45,000`), and the last one.
    bare: u8,
    bare_price: Option<f64>,
    /// A price inside is labelled as what the site pays (매입가, 買取価格, buyback price).
    buyback: bool,
    kids: Vec<Candidate>,
}

/// Card detection state, fed by the extractor as the document streams by.
#[derive(Default)]
pub(super) struct Cards {
    stack: Vec<Node>,
    /// Every name offered, one after another in one buffer (most are never a card's: one
    /// allocation per page, not one per text), and each name's byte range in it.
    names: String,
    spans: Vec<(u32, u32)>,
    /// The outermost open element whose class names a product name, and its text so far.
    named: Capture,
    /// The previous short text piece, for prices split over two elements (`16,000` `원`).
    prev: String,
    prev_priced: bool,
    cards: Vec<Card>,
    /// The first price inside an element whose class says "price": a detail page's price.
    main_price: Option<f64>,
    /// The open `h1` and its text, and the page's `h1`s counted.
    h1: Capture,
    h1_count: u32,
    h1_first: Option<String>,
    saw_buyback: bool,
}

impl Cards {
    /// An element opens. `skip`: hidden containers and footers, whose blocks are not
    /// product cards.
    pub(super) fn open<'a>(
        &mut self,
        tag: &str,
        attr: impl Fn(&str) -> Option<&'a str>,
        skip: bool,
    ) {
        let parent = self.stack.last();
        if skip || parent.is_some_and(|p| p.skip) {
            // Nothing inside is read: the element's class need not be.
            self.stack.push(Node {
                skip: true,
                ..Node::default()
            });
            return;
        }
        let class = attr("class").unwrap_or("");
        let style = attr("style");
        let words = ClassWords::of(class);
        let concealed = parent.is_some_and(|p| p.concealed)
            || words.hidden
            || style.is_some_and(hides)
            || attr("hidden").is_some()
            || attr("aria-hidden") == Some("true");
        let first_class = class.split_ascii_whitespace().next().unwrap_or("");
        let old = parent.is_some_and(|p| p.old)
            || matches!(tag, "del" | "s" | "strike")
            || words.old_price
            || style.is_some_and(|s| s.contains("line-through"));
        let node = Node {
            sig: fnv(
                tag.as_bytes(),
                fnv(first_class.as_bytes(), 0xcbf2_9ce4_8422_2325),
            ),
            concealed,
            old,
            price_slot: !old && words.price,
            ..Node::default()
        };
        let depth = self.stack.len() + 1;
        if tag == "h1" {
            self.h1.start(depth);
        }
        if words.name && !words.price && names_a_product(tag) {
            self.named.start(depth);
        }
        self.stack.push(node);
    }

    /// Visible text (not script, style or title). `labelled`: the text sits in a link or a
    /// heading, which offers it as a surer name when it closes.
    pub(super) fn text(&mut self, s: &str, labelled: bool) {
        let Some(top) = self.stack.last() else { return };
        if top.concealed || top.skip {
            return;
        }
        let t = s.trim();
        if t.is_empty() {
            return;
        }
        self.h1.push(t);
        self.named.push(t);
        let mut priced = false;
        for p in prices_in(t) {
            if is_buyback(&self.prev) || is_buyback(&t[..p.start]) {
                self.tell_buyback();
            }
            self.tell_price(p.value);
            priced = true;
        }
        let digits = |x: &str| super::price::has_digit(x.as_bytes());
        if !priced
            && t.len() <= 24
            && !self.prev.is_empty()
            && !self.prev_priced
            && (digits(t) || digits(&self.prev))
        {
            let joined = format!("{}{}", self.prev, t);
            if let Some(p) = prices_in(&joined).first() {
                self.tell_price(p.value);
                priced = true;
            }
        }
        // A bare number may be the first half of a split price (`16,000` `원`): it stays
        // `prev` for the next piece, and is told as bare meanwhile.
        let bare = !priced && bare_price(t).map(|v| self.tell_bare(v)).is_some();
        if !priced && !bare && !labelled {
            self.offer(t, Rank::Text, true);
        }
        self.prev.clear();
        if t.len() <= 24 {
            self.prev.push_str(t);
        }
        self.prev_priced = priced;
    }

    /// A link's or a heading's text, told while its element is still open.
    pub(super) fn link_text(&mut self, s: &str) {
        self.offer(s, Rank::Link, false);
    }

    pub(super) fn alt_text(&mut self, s: &str) {
        self.offer(s, Rank::Text, false);
    }

    pub(super) fn heading_text(&mut self, s: &str) {
        self.offer(s, Rank::Heading, false);
    }

    /// The innermost open element closes.
    pub(super) fn close(&mut self) {
        let depth = self.stack.len();
        if let Some(h) = self.h1.end(depth) {
            self.h1_count += 1;
            if self.h1_first.is_none() {
                self.h1_first = name_like(&h, false).map(str::to_string);
            }
            self.h1.text = h;
        }
        if let Some(n) = self.named.end(depth) {
            self.offer(&n, Rank::Named, false);
            self.named.text = n;
        }
        let Some(node) = self.stack.pop() else { return };
        if !node.kids.is_empty() {
            self.grid(&node.kids);
        }
        if node.skip || node.buyback {
            return;
        }
        // A card with a marked price is read by it; one with none, by its one bare number.
        let priced = match (node.price, node.prices, node.bare_price, node.bare) {
            (Some(p), 1..=4, _, _) => Some((p, false)),
            (None, 0, Some(p), 1) => Some((p, true)),
            _ => None,
        };
        if let (Some((rank, name)), Some((price, unmarked))) = (node.name, priced) {
            if let Some(parent) = self.stack.last_mut() {
                if parent.kids.len() < MAX_KIDS {
                    parent.kids.push(Candidate {
                        sig: node.sig,
                        name,
                        rank,
                        price,
                        unmarked,
                    });
                }
            }
        }
    }

    /// The cards found, each name once; and, on a page without a grid, the one product its
    /// only `h1` names when an element classed as a price shows one (a detail page, however
    /// its URL is shaped).
    pub(super) fn finish(self) -> (Vec<Card>, Option<Card>) {
        let mut out: Vec<Card> = Vec::new();
        for c in self.cards {
            if !out.iter().any(|o| o.name == c.name) {
                out.push(c);
            }
        }
        let detail = match (self.h1_count, self.h1_first, self.main_price) {
            (1, Some(name), Some(price)) if out.is_empty() && !self.saw_buyback => Some(Card {
                name,
                price,
                unmarked: false,
            }),
            _ => None,
        };
        (out, detail)
    }

    /// Siblings of one shape that each hold a name and a price make a grid: at least two
    /// with surer names, three when a name is only the block's first text. A grid priced by
    /// bare numbers needs three cards, every one named by a link, heading or name class, and
    /// distinct prices are not required: the shape is the evidence, the number is its price.
    fn grid(&mut self, kids: &[Candidate]) {
        let mut done: Vec<u64> = Vec::new();
        for k in kids {
            if done.contains(&k.sig) {
                continue;
            }
            done.push(k.sig);
            let group: Vec<&Candidate> = kids.iter().filter(|c| c.sig == k.sig).collect();
            let weak = group.iter().any(|c| c.rank == Rank::Text);
            let unmarked = group.iter().any(|c| c.unmarked);
            if unmarked && (weak || group.len() < 3 || group.iter().any(|c| !c.unmarked)) {
                continue;
            }
            if group.len() < if weak { 3 } else { 2 } {
                continue;
            }
            for c in group {
                if self.cards.len() >= MAX_CARDS {
                    return;
                }
                self.cards.push(Card {
                    name: self.name(c.name).to_string(),
                    price: c.price,
                    unmarked: c.unmarked,
                });
            }
        }
    }

    /// The name offered as `i`.
    fn name(&self, i: u32) -> &str {
        let (a, b) = self.spans[i as usize];
        &self.names[a as usize..b as usize]
    }

    fn tell_buyback(&mut self) {
        self.saw_buyback = true;
        let n = self.stack.len();
        for node in self.stack[n.saturating_sub(REACH)..].iter_mut() {
            node.buyback = true;
        }
    }

    /// A bare number told to the open elements (see [`bare_price`]).
    fn tell_bare(&mut self, value: f64) {
        let n = self.stack.len();
        if self.stack[n.saturating_sub(REACH)..]
            .last()
            .is_some_and(|t| t.old)
        {
            return;
        }
        for node in self.stack[n.saturating_sub(REACH)..].iter_mut() {
            node.bare = node.bare.saturating_add(1);
            node.bare_price = Some(value);
        }
    }

    fn tell_price(&mut self, value: f64) {
        let n = self.stack.len();
        let window = &self.stack[n.saturating_sub(REACH)..];
        if window.last().is_some_and(|t| t.old) {
            return;
        }
        if self.main_price.is_none() && window.iter().any(|t| t.price_slot) {
            self.main_price = Some(value);
        }
        for node in self.stack[n.saturating_sub(REACH)..].iter_mut() {
            node.prices = node.prices.saturating_add(1);
            node.price = Some(value);
        }
    }

    /// Offers `s` as the name of the open elements that have no surer one. `priceless`: `s`
    /// is known to hold no price.
    fn offer(&mut self, s: &str, rank: Rank, priceless: bool) {
        // The innermost element learns every name its ancestors learn: when it has a name as
        // sure, so have they, and the text need not be read.
        if self
            .stack
            .last()
            .is_none_or(|t| t.concealed || t.skip || t.name.is_some_and(|(r, _)| r >= rank))
        {
            return;
        }
        let Some(name) = name_like(s, priceless) else {
            return;
        };
        let n = self.stack.len();
        let mut idx = None;
        for node in self.stack[n.saturating_sub(REACH)..].iter_mut().rev() {
            if node.name.is_some_and(|(r, _)| r >= rank) {
                break;
            }
            let i = *idx.get_or_insert_with(|| {
                let start = self.names.len() as u32;
                self.names.push_str(name);
                self.spans.push((start, self.names.len() as u32));
                (self.spans.len() - 1) as u32
            });
            node.name = Some((rank, i));
        }
    }
}

/// The text of one open element (the outermost of its kind), gathered while it is open.
#[derive(Default)]
struct Capture {
    /// Stack length at which the element sits, while it is open.
    depth: Option<usize>,
    text: String,
}

impl Capture {
    fn start(&mut self, depth: usize) {
        if self.depth.is_none() {
            self.depth = Some(depth);
            self.text.clear();
        }
    }

    fn push(&mut self, t: &str) {
        if self.depth.is_some() && self.text.len() < 300 {
            if !self.text.is_empty() {
                self.text.push(' ');
            }
            self.text.push_str(t);
        }
    }

    /// The element's text when the element at `depth` is the one captured (the buffer is
    /// handed out; give it back to keep its allocation).
    fn end(&mut self, depth: usize) -> Option<String> {
        (self.depth == Some(depth)).then(|| {
            self.depth = None;
            std::mem::take(&mut self.text)
        })
    }
}

/// Whether an element of this tag may hold a product's name when its class says so (a class
/// on a whole section or list names the section). The outermost such element wins: Cafe24
/// writes `strong.name > span.title "상품명" : span "머그컵"`.
fn names_a_product(tag: &str) -> bool {
    !matches!(
        tag,
        "html"
            | "body"
            | "main"
            | "section"
            | "ul"
            | "ol"
            | "table"
            | "form"
            | "header"
            | "footer"
            | "nav"
    )
}

/// What an element's class says about its part in a card, read in one pass over the class.
#[derive(Default)]
struct ClassWords {
    /// A former or list price (`was_price`, `compare`, `consumer`, `mrp` …).
    old_price: bool,
    /// The price (`price`, `product-price`).
    price: bool,
    /// The product's name (`name`, `title`, `tit`, `subject`).
    name: bool,
    /// A whole class word that hides the text, or shows it to screen readers only
    /// (`displaynone`, `sr-only`, `blind` …).
    hidden: bool,
}

/// Class words that hide an element (whole words only: `overflow-hidden` hides nothing).
/// Cafe24's `displaynone` labels such as `상품명 :` and `판매가 :` sit inside every card.
const HIDING: &[&str] = &[
    "displaynone",
    "sr-only",
    "visually-hidden",
    "visuallyhidden",
    "screen-reader-text",
    "blind",
    "hidden",
    "hide",
    "a11y-hidden",
];

/// Card words (found anywhere in a class), then [`HIDING`] words.
const CARD_WORDS: &[&str] = &["price", "name", "tit", "subject"];

impl ClassWords {
    fn of(class: &str) -> ClassWords {
        static WORDS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(OLD_PRICE.iter().chain(CARD_WORDS).chain(HIDING))
                .ok()
        });
        let mut w = ClassWords::default();
        let Some(ac) = WORDS.as_ref().filter(|_| !class.is_empty()) else {
            return w;
        };
        let b = class.as_bytes();
        let edge = |i: usize| b.get(i).is_none_or(u8::is_ascii_whitespace);
        for m in ac.find_overlapping_iter(class) {
            let k = m.pattern().as_usize();
            if k < OLD_PRICE.len() {
                w.old_price = true;
            } else if k == OLD_PRICE.len() {
                w.price = true;
            } else if k < OLD_PRICE.len() + CARD_WORDS.len() {
                w.name = true;
            } else if (m.start() == 0 || edge(m.start() - 1)) && edge(m.end()) {
                w.hidden = true;
            }
        }
        w
    }
}

/// A `style` that hides the element (`display: none`, `visibility: hidden`), spaces ignored.
fn hides(style: &str) -> bool {
    let mut buf = [0u8; 256];
    let mut n = 0;
    for b in style
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .take(buf.len())
    {
        buf[n] = b;
        n += 1;
    }
    let s = &buf[..n];
    let has = |needle: &[u8]| {
        s.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    has(b"display:none") || has(b"visibility:hidden")
}

/// `s` as a product name, when it can be one: letters, not too short or long, not a price,
/// not a button or badge word, a leading field label (`상품명 :`) removed. `priceless`: `s` is
/// known to hold no price, which spares reading it for one.
fn name_like(s: &str, priceless: bool) -> Option<&str> {
    // A name is at most 150 characters; description paragraphs are turned away unread.
    if s.len() > 600 {
        return None;
    }
    let mut t = s.trim();
    for label in ["상품명", "제품명", "Product name", "Name"] {
        if let Some(rest) = t.strip_prefix(label) {
            let rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix([':', '：']) {
                t = r.trim();
            }
        }
    }
    t = t
        .trim_start_matches([':', '：', '-', '·', '|'])
        .trim_start();
    // A link around the whole card reads "Name $40.00": the name is what precedes the price.
    if !priceless && super::price::has_digit(t.as_bytes()) {
        if let Some(p) = prices_in(t).first() {
            t = t[..p.start].trim();
            if has_price(t) {
                return None;
            }
        }
    }
    if t.ends_with(':') || t.ends_with('：') {
        return None;
    }
    let chars = t.chars().count();
    if !(2..=150).contains(&chars) || !t.chars().any(char::is_alphabetic) {
        return None;
    }
    let bare = t.trim_end_matches([':', '：', '!', '.']).trim();
    if bare.len() <= 24 && STOP.iter().any(|w| w.eq_ignore_ascii_case(bare)) {
        return None;
    }
    Some(t)
}

/// A price label saying the site buys: 매입가, 매입 금액, 買取価格, buyback price, we pay.
fn is_buyback(label: &str) -> bool {
    static RE: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
        regex::Regex::new(r"(?i)(매입\s*(가|가격|금액|예상가|단가)|買取(価格|金額|額|値段)|收购价|回收价|buy-?back (price|value|quote)|trade-?in (value|price|credit)|we (pay|buy|offer)\b|giá thu mua|harga beli kembali)\s*[:：]?\s*$").ok()
    });
    let l = label.trim();
    !l.is_empty() && l.len() <= 80 && RE.as_ref().is_some_and(|re| re.is_match(l))
}

/// Classes of a former or list price shown beside the price a buyer pays.
const OLD_PRICE: &[&str] = &[
    "mrp",
    "compare",
    "consumer",
    "was_price",
    "was-price",
    "wasprice",
    "old_price",
    "old-price",
    "oldprice",
    "price-old",
    "price_old",
    "price--old",
    "original-price",
    "original_price",
    "list-price",
    "strike",
];

/// Words on cards that are not names: buttons, badges and field labels.
const STOP: &[&str] = &[
    "new",
    "sale",
    "best",
    "hot",
    "md",
    "md's pick",
    "sold out",
    "soldout",
    "out of stock",
    "in stock",
    "add to cart",
    "add to bag",
    "add to basket",
    "buy now",
    "shop now",
    "quick view",
    "quick shop",
    "quickview",
    "view",
    "view more",
    "more",
    "read more",
    "details",
    "choose options",
    "select options",
    "wishlist",
    "compare",
    "price",
    "regular price",
    "sale price",
    "unit price",
    "from",
    "reviews",
    "review",
    "품절",
    "신상품",
    "추천",
    "할인",
    "장바구니",
    "장바구니 담기",
    "바로구매",
    "구매하기",
    "관심상품",
    "옵션보기",
    "미리보기",
    "더보기",
    "리뷰",
    "판매가",
    "소비자가",
    "할인가",
    "정가",
    "가격",
    "적립금",
    "売り切れ",
    "カートに入れる",
    "価格",
    "税込",
    "hết hàng",
    "mua ngay",
    "giá",
    "habis",
    "harga",
    "beli",
];

fn fnv(bytes: &[u8], mut h: u64) -> u64 {
    for b in bytes {
        h ^= u64::from(b.to_ascii_lowercase());
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A text piece that is only a number grouped in thousands (`1.290.000`, `45,000`,
/// `1 290 000`): how Vietnamese, Indonesian and some Korean shops print a card's price with no
/// currency mark. A year, a count or a phone number is not grouped so; a lone grouped number
/// is still only a candidate, counted when its card sits in a grid (see `Cards::grid`).
fn bare_price(t: &str) -> Option<f64> {
    let b = t.as_bytes();
    if b.len() < 5 || b.len() > 15 || !b[0].is_ascii_digit() {
        return None;
    }
    let sep = *b.iter().find(|c| !c.is_ascii_digit())?;
    if !matches!(sep, b'.' | b',' | b' ') {
        return None;
    }
    let mut groups = t.split(sep as char);
    let head = groups.next()?;
    if head.is_empty() || head.len() > 3 {
        return None;
    }
    let mut n = 0;
    for g in groups {
        if g.len() != 3 || !g.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        n += 1;
    }
    if n == 0 {
        return None;
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    digits.parse::<f64>().ok().filter(|v| *v >= 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_exclude_labels_prices_and_buttons() {
        assert_eq!(
            name_like("상품명 : 무쇠 프라이팬", false),
            Some("무쇠 프라이팬")
        );
        assert_eq!(
            name_like("Linen Apron $40.00 USD", false),
            Some("Linen Apron")
        );
        assert_eq!(name_like("Add to cart", false), None);
        assert_eq!(name_like("품절", false), None);
        assert_eq!(name_like("₩6,400", false), None);
        assert_eq!(name_like("12", false), None);
        assert_eq!(name_like("Sold out", false), None);
    }
}
