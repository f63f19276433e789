//! Rule files: loaded, validated (every problem with file and line), compiled once, then asked
//! two questions — *how promising is this link?* (for the frontier) and *what evidence does this
//! page give?* (for the checks).

mod compile;
mod eval;
mod model;

use std::fmt;
use std::path::Path;

use regex::Regex;
use scraper::Selector;

pub use eval::{Enough, Hit, PageEval, PageInput, TextScan};

use crate::error::{Error, Result};
use crate::extract::Area;
use model::Text2;

/// The rule files shipped inside the binary (`rules/*.toml`).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("classes.toml", include_str!("../../rules/classes.toml")),
    ("products.toml", include_str!("../../rules/products.toml")),
    (
        "shipping_policy.toml",
        include_str!("../../rules/shipping_policy.toml"),
    ),
    (
        "refund_policy.toml",
        include_str!("../../rules/refund_policy.toml"),
    ),
    ("checkout.toml", include_str!("../../rules/checkout.toml")),
    (
        "business_info.toml",
        include_str!("../../rules/business_info.toml"),
    ),
    ("access.toml", include_str!("../../rules/access.toml")),
    ("not_ready.toml", include_str!("../../rules/not_ready.toml")),
];

/// The four prerequisites, in report order.
pub const PREREQUISITES: [&str; 4] = ["products", "shipping_policy", "refund_policy", "checkout"];

/// One problem in a rule file, located for a human.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleProblem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for RuleProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// A bilingual text: English always, Korean when the rule author wrote it.
#[derive(Debug, Clone)]
pub struct Text {
    pub en: String,
    pub ko: Option<String>,
}

impl Text {
    fn from(t: Text2) -> Self {
        Text { en: t.en, ko: t.ko }
    }
    /// The text in `lang`, falling back to English.
    pub fn get(&self, lang: crate::config::Lang) -> &str {
        match (lang, &self.ko) {
            (crate::config::Lang::Ko, Some(k)) => k,
            _ => &self.en,
        }
    }
}

/// Evidence a prerequisite needs before it can pass.
#[derive(Debug, Clone)]
pub struct Requirement {
    pub tag: String,
    pub description: Text,
}

/// A prerequisite (or advisory check) as declared by its rule file.
#[derive(Debug, Clone)]
pub struct Prerequisite {
    pub id: String,
    pub title: Text,
    pub description: String,
    pub advisory: bool,
    pub pass: i32,
    pub warn: i32,
    pub require: Vec<Requirement>,
    pub advice: Text,
    pub advice_warn: Option<Text>,
}

/// A page class (product page, order page, …) that rules can be restricted to.
#[derive(Debug, Clone)]
pub struct PageClass {
    pub id: String,
    pub description: String,
    /// Prerequisites a page of this class can give evidence for (drives link priority).
    pub serves: Vec<usize>,
    pub priority: i32,
    /// Well-known paths of this class (platform defaults) fetched even when nothing links them.
    pub probes: Vec<String>,
    /// Repeated priced blocks on such a page are product cards; false for policy pages
    /// (shipping-fee tables), carts and order forms (the buyer's own lines).
    pub lists_products: bool,
}

/// What a rule adds beyond its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Veto,
    Warn,
    Inconclusive,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Veto => "veto",
            Effect::Warn => "warn",
            Effect::Inconclusive => "inconclusive",
        }
    }
}

/// Tests over all products found on a site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductTest {
    AllNamesMatch,
    AnyNameMatch,
    AllPricesZero,
    AllSoldOut,
    PriceMismatch,
    CountAtLeast,
    /// At least `min_count` distinct names with a price above 0 (a priced grid).
    PricedCountAtLeast,
}

/// A compiled signal.
#[derive(Debug, Clone)]
pub enum Signal {
    Url(Regex),
    /// The full URL, scheme and host included (e.g. pages served over plain http).
    PageUrl(Regex),
    Link {
        re: Regex,
        area: Option<Area>,
    },
    Title(Regex),
    Heading(Regex),
    Text {
        re: Regex,
        min_count: usize,
        footer: bool,
    },
    Button(Regex),
    ScriptSrc(Regex),
    Script(Regex),
    JsonLd {
        types: Vec<String>,
        property: Option<String>,
    },
    Microdata {
        types: Vec<String>,
        property: Option<String>,
    },
    Meta {
        name: String,
        re: Option<Regex>,
    },
    Selector {
        index: usize,
        source: String,
    },
    Input(Regex),
    Status {
        min: u16,
        max: u16,
    },
    Empty {
        max_chars: usize,
    },
    Shell,
    /// A payment call the checkout probe recorded on a rendered order page.
    PgCall(Regex),
    Products {
        test: ProductTest,
        re: Option<Regex>,
        min_count: usize,
    },
}

impl Signal {
    /// Kind name as written in rule files and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Signal::Url(_) => "url",
            Signal::PageUrl(_) => "page_url",
            Signal::Link { .. } => "link",
            Signal::Title(_) => "title",
            Signal::Heading(_) => "heading",
            Signal::Text { .. } => "text",
            Signal::Button(_) => "button",
            Signal::ScriptSrc(_) => "script_src",
            Signal::Script(_) => "script",
            Signal::JsonLd { .. } => "jsonld",
            Signal::Microdata { .. } => "microdata",
            Signal::Meta { .. } => "meta",
            Signal::Selector { .. } => "selector",
            Signal::Input(_) => "input",
            Signal::Status { .. } => "status",
            Signal::Empty { .. } => "empty",
            Signal::Shell => "shell",
            Signal::PgCall(_) => "pg_call",
            Signal::Products { .. } => "products",
        }
    }
}

/// Whom a rule speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Prereq(usize),
    /// Every prerequisite (access problems such as a bot challenge).
    All,
    Class(usize),
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub owner: Owner,
    pub weight: i32,
    pub lang: Vec<String>,
    pub tags: Vec<String>,
    /// Class indices; empty = any page.
    pub pages: Vec<usize>,
    pub effect: Option<Effect>,
    pub advice: Option<Text>,
    pub signal: Signal,
    pub file: String,
    pub line: usize,
}

/// All rules, compiled once per run.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub prerequisites: Vec<Prerequisite>,
    pub classes: Vec<PageClass>,
    pub rules: Vec<Rule>,
    /// CSS selectors for extraction, indexed by `Signal::Selector::index`.
    pub selectors: Vec<Selector>,
    /// SHA-256 over file names and contents.
    pub digest: String,
    /// Rules whose tag is `price` and kind `text`: used to read prices off product pages.
    price_rules: Vec<usize>,
    /// Matchers that make a page cost one pass per text rather than one per rule (see `eval`).
    fast: eval::Fast,
}

const KINDS: &[&str] = &[
    "url",
    "page_url",
    "link",
    "title",
    "heading",
    "text",
    "button",
    "script_src",
    "script",
    "jsonld",
    "microdata",
    "meta",
    "selector",
    "input",
    "status",
    "empty",
    "shell",
    "pg_call",
    "products",
];

fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

struct Loader {
    problems: Vec<RuleProblem>,
}

impl Loader {
    fn err(&mut self, file: &str, line: usize, message: impl Into<String>) {
        self.problems.push(RuleProblem {
            file: file.to_string(),
            line,
            message: message.into(),
        });
    }
}

/// Compiled size limit of one rule regex.
const REGEX_SIZE_LIMIT: usize = 8 << 20;

/// The regex a signal matches with, if any.
fn signal_regex(s: &Signal) -> Option<&Regex> {
    match s {
        Signal::Url(re)
        | Signal::PageUrl(re)
        | Signal::Link { re, .. }
        | Signal::Title(re)
        | Signal::Heading(re)
        | Signal::Text { re, .. }
        | Signal::Button(re)
        | Signal::ScriptSrc(re)
        | Signal::Script(re)
        | Signal::Input(re)
        | Signal::PgCall(re) => Some(re),
        Signal::Meta { re, .. } | Signal::Products { re, .. } => re.as_ref(),
        _ => None,
    }
}

fn compile_regex(pattern: &str) -> std::result::Result<Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            e.to_string()
                .lines()
                .last()
                .unwrap_or("invalid regex")
                .to_string()
        })
}

fn keywords_regex(words: &[String]) -> std::result::Result<Regex, String> {
    let alts: Vec<String> = words
        .iter()
        .filter(|w| !w.trim().is_empty())
        .map(|w| {
            // Spaces inside a keyword match any run of whitespace (or none, as Korean often omits them).
            regex::escape(w.trim())
                .replace("\\ ", r"\s*")
                .replace(' ', r"\s*")
        })
        .collect();
    if alts.is_empty() {
        return Err("keywords is empty".into());
    }
    compile_regex(&format!("(?i)(?:{})", alts.join("|")))
}

fn parse_status_range(s: &str) -> Option<(u16, u16)> {
    let s = s.trim().to_ascii_lowercase();
    if let Some(d) = s.strip_suffix("xx") {
        let d: u16 = d.parse().ok()?;
        if (1..=5).contains(&d) {
            return Some((d * 100, d * 100 + 99));
        }
        return None;
    }
    if let Some((a, b)) = s.split_once('-') {
        let a: u16 = a.trim().parse().ok()?;
        let b: u16 = b.trim().parse().ok()?;
        return (a <= b && (100..=599).contains(&a) && b <= 599).then_some((a, b));
    }
    let n: u16 = s.parse().ok()?;
    (100..=599).contains(&n).then_some((n, n))
}

impl RuleSet {
    /// The rules shipped in the binary.
    pub fn embedded() -> Result<RuleSet> {
        let files: Vec<(String, String)> = EMBEDDED
            .iter()
            .map(|(n, s)| (format!("rules/{n}"), s.to_string()))
            .collect();
        Self::from_sources(&files)
    }

    /// Every `*.toml` in `dir` (sorted by name), replacing the embedded rules.
    pub fn from_dir(dir: &Path) -> Result<RuleSet> {
        let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut paths: Vec<_> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(Error::Rules(vec![RuleProblem {
                file: dir.display().to_string(),
                line: 0,
                message: "no .toml rule files in this folder".into(),
            }]));
        }
        let mut files = Vec::new();
        for p in paths {
            let s = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
            files.push((p.display().to_string(), s));
        }
        Self::from_sources(&files)
    }

    /// Compiles rule files given as (name, contents). Every problem is collected, not just the first.
    pub fn from_sources(files: &[(String, String)]) -> Result<RuleSet> {
        let mut ld = Loader {
            problems: Vec::new(),
        };
        let (digest, mut parsed) = compile::parse_files(files, &mut ld);
        // Pass 1: prerequisites and classes, so rules can refer to them in any order.
        let first_file = files.first().map(|f| f.0.as_str()).unwrap_or("rules");
        let declared = compile::Declared::collect(&mut parsed, first_file, &mut ld);
        // Pass 2: rules.
        let (mut rules, selectors) = compile::compile_rules(parsed, &declared, &mut ld);
        if !ld.problems.is_empty() {
            return Err(Error::Rules(ld.problems));
        }
        let compile::Declared {
            prerequisites,
            mut classes,
            ..
        } = declared;
        // Report order: the four prerequisites, then advisory checks.
        let prerequisites = compile::into_report_order(prerequisites, &mut classes, &mut rules);
        let price_rules = compile::price_rules(&rules);
        let fast = eval::Fast::new(&rules, signal_regex);
        Ok(RuleSet {
            prerequisites,
            classes,
            rules,
            selectors,
            digest,
            price_rules,
            fast,
        })
    }

    /// Index of a prerequisite by id.
    pub fn prereq_index(&self, id: &str) -> Option<usize> {
        self.prerequisites.iter().position(|p| p.id == id)
    }

    /// Index of a class by id.
    pub fn class_index(&self, id: &str) -> Option<usize> {
        self.classes.iter().position(|c| c.id == id)
    }

    /// Whether a page of these classes is one whose repeated priced blocks are not a product
    /// grid (a class with `lists_products = false`).
    pub fn pages_never_list(&self, classes: &[usize]) -> bool {
        classes
            .iter()
            .any(|&c| self.classes.get(c).is_some_and(|k| !k.lists_products))
    }

    /// Prices written on a page, read with the rules tagged `price`.
    pub fn prices_in(&self, text: &str) -> Vec<(f64, String)> {
        self.prices_screened(text, None)
    }
}

#[cfg(test)]
mod tests;
