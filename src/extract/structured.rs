//! Structured data: JSON-LD blocks and microdata items, in one shape (a JSON object with
//! `@type`) so that rules ask one question of both.

use serde_json::{Map, Value};

use super::PageFacts;

const MAX_ITEMS: usize = 256;

/// One schema.org item from JSON-LD or microdata.
#[derive(Debug, Clone)]
pub struct StructuredItem {
    /// Type names without the schema.org prefix (`Product`, `Offer`, …).
    pub types: Vec<String>,
    /// The item as JSON (microdata converted), nested items inline.
    pub value: Value,
}

impl StructuredItem {
    /// Looks up a dotted property path (`offers.price`); arrays are searched element-wise.
    pub fn get_path<'a>(&'a self, path: &str) -> Vec<&'a Value> {
        let mut cur: Vec<&Value> = vec![&self.value];
        for key in path.split('.').filter(|k| !k.is_empty()) {
            let mut next = Vec::new();
            for v in cur {
                collect_key(v, key, &mut next);
            }
            cur = next;
        }
        cur
    }
}

fn collect_key<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            if let Some(x) = m.get(key) {
                match x {
                    Value::Array(a) => out.extend(a.iter()),
                    other => out.push(other),
                }
            }
        }
        Value::Array(a) => {
            for x in a {
                collect_key(x, key, out);
            }
        }
        _ => {}
    }
}

/// A product as the page declares it (structured data or OpenGraph).
#[derive(Debug, Clone, PartialEq)]
pub struct ProductFact {
    /// The product's name (`name`, or `og:title` for OpenGraph).
    pub name: String,
    /// The offer's price (or its low or high price), when one parses as a number.
    pub price: Option<f64>,
    /// The currency as written (`KRW`, `USD` …), when declared.
    pub currency: Option<String>,
    /// Stock state as declared (`InStock`, `OutOfStock` …; schema.org URLs shortened to the name).
    pub availability: Option<String>,
    /// `jsonld`, `microdata` or `opengraph`; read off the markup: `listing` (a grid card),
    /// `unmarked` (a grid card priced by a number with no currency mark) or `detail`.
    pub source: &'static str,
}

/// Short type name: `https://schema.org/Product` → `Product`.
pub fn short_type(t: &str) -> String {
    let t = t.trim();
    let t = t.rsplit(['/', '#', ':']).next().unwrap_or(t);
    t.to_string()
}

fn types_of(v: &Value) -> Vec<String> {
    match v.get("@type") {
        Some(Value::String(s)) => s.split_whitespace().map(short_type).collect(),
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str())
            .map(short_type)
            .collect(),
        _ => Vec::new(),
    }
}

/// Parses one JSON-LD block into its typed items (recursively, `@graph` included).
/// Returns `None` when the block is not JSON (stray comments and CDATA are tolerated).
pub fn parse_jsonld(raw: &str) -> Option<Vec<StructuredItem>> {
    let mut s = raw.trim();
    for (open, close) in [
        ("<!--", "-->"),
        ("<![CDATA[", "]]>"),
        ("//<![CDATA[", "//]]>"),
    ] {
        if let Some(rest) = s.strip_prefix(open) {
            s = rest.trim_end().strip_suffix(close).unwrap_or(rest).trim();
        }
    }
    let v: Value = match serde_json::from_str(s) {
        Ok(v) => v,
        // Some CMSs emit trailing commas or several objects; try the lenient path once.
        Err(_) => serde_json::from_str(&strip_trailing_commas(s)).ok()?,
    };
    let mut out = Vec::new();
    walk(&v, &mut out, 0);
    Some(out)
}

fn strip_trailing_commas(s: &str) -> String {
    let re = regex::Regex::new(r",\s*([}\]])").ok();
    match re {
        Some(re) => re.replace_all(s, "$1").into_owned(),
        None => s.to_string(),
    }
}

fn walk(v: &Value, out: &mut Vec<StructuredItem>, depth: usize) {
    if depth > 12 || out.len() >= MAX_ITEMS {
        return;
    }
    match v {
        Value::Array(a) => {
            for x in a {
                walk(x, out, depth + 1);
            }
        }
        Value::Object(m) => {
            let types = types_of(v);
            if !types.is_empty() {
                out.push(StructuredItem {
                    types,
                    value: v.clone(),
                });
            }
            for (k, x) in m {
                if k != "@context" {
                    walk(x, out, depth + 1);
                }
            }
        }
        _ => {}
    }
}

enum Prop {
    Text(String),
    Item(usize),
}

/// Collects one microdata item while the DOM is walked.
pub(super) struct Builder {
    ty: String,
    props: Vec<(String, Prop)>,
}

impl Builder {
    pub(super) fn new(ty: String) -> Self {
        Builder {
            ty,
            props: Vec::new(),
        }
    }
    pub(super) fn push(&mut self, prop: &str, value: &str) {
        if self.props.len() < 64 {
            for p in prop.split_whitespace() {
                self.props
                    .push((p.to_string(), Prop::Text(value.trim().to_string())));
            }
        }
    }
    pub(super) fn child(&mut self, prop: &str, idx: usize) {
        if self.props.len() < 64 {
            for p in prop.split_whitespace() {
                self.props.push((p.to_string(), Prop::Item(idx)));
            }
        }
    }
}

fn to_value(items: &[Builder], idx: usize, depth: usize) -> Value {
    let b = &items[idx];
    let mut m = Map::new();
    if !b.ty.is_empty() {
        m.insert("@type".into(), Value::String(b.ty.clone()));
    }
    for (k, p) in &b.props {
        let v = match p {
            Prop::Text(t) => Value::String(t.clone()),
            Prop::Item(i) if *i > idx && depth < 8 => to_value(items, *i, depth + 1),
            Prop::Item(_) => Value::Null,
        };
        match m.get_mut(k) {
            Some(Value::Array(a)) => a.push(v),
            Some(old) => {
                let prev = old.take();
                *old = Value::Array(vec![prev, v]);
            }
            None => {
                m.insert(k.clone(), v);
            }
        }
    }
    Value::Object(m)
}

pub(super) fn finish(items: Vec<Builder>) -> Vec<StructuredItem> {
    (0..items.len())
        .map(|i| {
            let value = to_value(&items, i, 0);
            StructuredItem {
                types: types_of(&value),
                value,
            }
        })
        .collect()
}

/// Reads a price from JSON (`29000`, `"29,000"`, `"19.99"`).
pub fn price_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => parse_price(s),
        _ => None,
    }
}

/// Parses a price string with thousands separators; `"1.234.000"` (vi/id style) is 1234000.
pub fn parse_price(s: &str) -> Option<f64> {
    // Every price-like string of every page comes here: its digits and separators are
    // gathered on the stack (a heap buffer only for an absurdly long one).
    let keep = |c: &u8| c.is_ascii_digit() || *c == b'.' || *c == b',';
    let len = s.bytes().filter(keep).count();
    if len == 0 {
        return None;
    }
    let mut stack = [0u8; 64];
    let mut heap = Vec::new();
    let t: &mut [u8] = if len <= stack.len() {
        &mut stack[..len]
    } else {
        heap.resize(len, 0);
        &mut heap
    };
    for (slot, c) in t.iter_mut().zip(s.bytes().filter(keep)) {
        *slot = c;
    }
    let dots = t.iter().filter(|c| **c == b'.').count();
    let commas = t.iter().filter(|c| **c == b',').count();
    // Digits after the last `sep`.
    let tail = |t: &[u8], sep: u8| t.iter().rev().take_while(|c| **c != sep).count();
    // What each separator becomes: dropped (thousands) or a decimal point.
    let (dot, comma) = if dots > 1 || (dots == 1 && commas == 0 && tail(t, b'.') == 3 && len > 4) {
        (None, None)
    } else if commas == 1 && dots == 0 && tail(t, b',') != 3 {
        (None, Some(b'.'))
    } else {
        (Some(b'.'), None)
    };
    let mut w = 0;
    for r in 0..len {
        let c = match t[r] {
            b'.' => dot,
            b',' => comma,
            d => Some(d),
        };
        if let Some(c) = c {
            t[w] = c;
            w += 1;
        }
    }
    std::str::from_utf8(&t[..w]).ok()?.parse().ok()
}

fn str_of(v: Option<&&Value>) -> Option<String> {
    v.and_then(|v| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn product_from(item: &StructuredItem, source: &'static str) -> Option<ProductFact> {
    if !item
        .types
        .iter()
        .any(|t| t == "Product" || t == "ProductGroup")
    {
        return None;
    }
    let name = str_of(item.get_path("name").first())?;
    let mut price = None;
    let mut currency = None;
    let mut availability = None;
    for path in [
        "offers.price",
        "offers.lowPrice",
        "offers.highPrice",
        "offers.priceSpecification.price",
    ] {
        if let Some(p) = item.get_path(path).into_iter().find_map(price_of) {
            price = Some(p);
            break;
        }
    }
    if let Some(c) = str_of(item.get_path("offers.priceCurrency").first()) {
        currency = Some(c);
    }
    if let Some(a) = str_of(item.get_path("offers.availability").first()) {
        availability = Some(short_type(&a));
    }
    Some(ProductFact {
        name,
        price,
        currency,
        availability,
        source,
    })
}

/// Products the page declares, from JSON-LD, microdata and OpenGraph.
pub(super) fn products(f: &PageFacts) -> Vec<ProductFact> {
    let mut out: Vec<ProductFact> = Vec::new();
    for it in &f.jsonld {
        if let Some(p) = product_from(it, "jsonld") {
            out.push(p);
        }
    }
    for it in &f.microdata {
        if let Some(p) = product_from(it, "microdata") {
            out.push(p);
        }
    }
    let og_product = f
        .meta_values("og:type")
        .any(|t| t.eq_ignore_ascii_case("product"));
    let og_price = f
        .meta_values("product:price:amount")
        .chain(f.meta_values("og:price:amount"))
        .find_map(parse_price);
    if og_product || og_price.is_some() {
        if let Some(name) = f.meta_values("og:title").next() {
            out.push(ProductFact {
                name: name.to_string(),
                price: og_price,
                currency: f
                    .meta_values("product:price:currency")
                    .chain(f.meta_values("og:price:currency"))
                    .next()
                    .map(str::to_string),
                availability: f
                    .meta_values("product:availability")
                    .next()
                    .map(str::to_string),
                source: "opengraph",
            });
        }
    }
    out.truncate(128);
    out
}
