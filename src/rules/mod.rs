//! Rule files: loaded, validated (every problem with file and line), compiled once, then asked
//! two questions — *how promising is this link?* (for the frontier) and *what evidence does this
//! page give?* (for the checks).

mod compile;
mod eval;
mod gate;
mod model;

use std::fmt;
use std::path::Path;

use regex::Regex;
use scraper::Selector;

pub use eval::{Enough, Hit, PageEval, PageInput, TextScan};
pub use gate::name_gate;
pub use gate::Discard;

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
    /// The rule file (its path, or `rules/<name>` for an embedded file).
    pub file: String,
    /// Line of the problem in the file; 0 when it concerns the file or folder as a whole.
    pub line: usize,
    /// What is wrong and, where it helps, what is accepted.
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
    /// The English text, always present.
    pub en: String,
    /// The Korean text, when the rule author wrote one.
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
    /// The evidence tag a rule with positive weight must supply (`terms` …).
    pub tag: String,
    /// What the tag stands for, shown in the report's `missing` list.
    pub description: Text,
}

/// A prerequisite (or advisory check) as declared by its rule file.
#[derive(Debug, Clone)]
pub struct Prerequisite {
    /// Stable id of the check (`products`, `shipping_policy` …), used in reports and diffs.
    pub id: String,
    /// Title of the check, shown in reports.
    pub title: Text,
    /// What a reviewer looks for.
    pub description: String,
    /// An advisory check is reported but never changes `ready`.
    pub advisory: bool,
    /// Score at or above which the check passes (with every required tag present).
    pub pass: i32,
    /// Score at or above which a check that does not pass warns; below it, it fails.
    pub warn: i32,
    /// Evidence that must be present for the check to pass.
    pub require: Vec<Requirement>,
    /// Sentence for the merchant when the check does not pass.
    pub advice: Text,
    /// Advice used instead when the check ends at `warn`.
    pub advice_warn: Option<Text>,
}

/// A page class (product page, order page, …) that rules can be restricted to.
#[derive(Debug, Clone)]
pub struct PageClass {
    /// Stable id of the class (`product`, `order`, `shipping_page` …).
    pub id: String,
    /// What pages of the class are.
    pub description: String,
    /// Prerequisites a page of this class can give evidence for (drives link priority).
    pub serves: Vec<usize>,
    /// Crawl priority of links predicted to lead to such pages.
    pub priority: i32,
    /// Well-known paths of this class (platform defaults) fetched even when nothing links them.
    pub probes: Vec<String>,
    /// Repeated priced blocks on such a page are product cards; false for policy pages
    /// (shipping-fee tables), carts and order forms (the buyer's own lines).
    pub lists_products: bool,
    /// Marks sections of this class on pages of any class: a heading-like label that matches,
    /// and the text under it up to the next such label. Rules limited to this class read those
    /// sections too (a guide used as the start page, a product page's shipping tab); a lone
    /// banner phrase outside such a section stays out. It does not class the page.
    pub section: Option<Regex>,
    /// Prerequisites (indices) a page of this class never proves, whatever other class it
    /// also has: a payment-policy page is no payment step, a sign-up page's consent text is
    /// no refund policy. Evidence so dropped is reported as discarded.
    pub never_proves: Vec<usize>,
}

/// What a rule adds beyond its weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A fired rule makes the check fail, whatever its score.
    Veto,
    /// A fired rule caps a pass at `warn`.
    Warn,
    /// A fired rule turns any status short of `pass` into `inconclusive`: the evidence could
    /// not be gathered.
    Inconclusive,
}

impl Effect {
    /// The name used in rule files and reports.
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
    /// Every product name matches the pattern (placeholders such as "Sample product").
    AllNamesMatch,
    /// At least one product name matches the pattern.
    AnyNameMatch,
    /// Every product with a price is priced 0 (and at least one has a price).
    AllPricesZero,
    /// Every product declares an availability, and all are sold out.
    AllSoldOut,
    /// A product page's visible price disagrees with its structured data.
    PriceMismatch,
    /// At least `min_count` distinct product names were seen.
    CountAtLeast,
    /// At least `min_count` distinct names with a price above 0 (a priced grid); cards
    /// priced by a bare number are not counted here.
    PricedCountAtLeast,
    /// At least `min_count` distinct names read off a grid whose prices carry no currency
    /// mark (`1.290.000`): a weaker sign than a marked price, weighted apart.
    UnmarkedCountAtLeast,
}

/// A compiled signal.
#[derive(Debug, Clone)]
pub enum Signal {
    /// The page's path and query match.
    Url(Regex),
    /// The full URL, scheme and host included (e.g. pages served over plain http).
    PageUrl(Regex),
    /// A link on the page matches, by text or path.
    Link {
        /// Pattern for the link's text or path.
        re: Regex,
        /// Where the link must sit; `None` for anywhere.
        area: Option<Area>,
    },
    /// The `<title>` matches.
    Title(Regex),
    /// An `h1`–`h4` matches.
    Heading(Regex),
    /// Visible text matches, often enough.
    Text {
        /// Pattern for the visible text.
        re: Regex,
        /// Matches needed on one page (at least 1).
        min_count: usize,
        /// Read only footer text.
        footer: bool,
    },
    /// A button's or submit input's text matches.
    Button(Regex),
    /// A `<script src>` (or preloaded script) matches.
    ScriptSrc(Regex),
    /// An inline script's body matches.
    Script(Regex),
    /// A JSON-LD item of one of the types, with the property when one is named.
    JsonLd {
        /// Accepted `@type`s, short names (`Product`).
        types: Vec<String>,
        /// Dotted path that must be present (`offers.price`).
        property: Option<String>,
    },
    /// A microdata item of one of the types, with the property when one is named.
    Microdata {
        /// Accepted `itemtype`s, short names (`Product`).
        types: Vec<String>,
        /// Dotted path that must be present (`offers.price`).
        property: Option<String>,
    },
    /// A `<meta name|property=…>` is present, with matching content when a pattern is given.
    Meta {
        /// The meta key, lower-cased (`og:type`).
        name: String,
        /// Pattern for the content; `None` when presence is enough.
        re: Option<Regex>,
    },
    /// A CSS selector matches an element.
    Selector {
        /// Index of the compiled selector in [`RuleSet::selectors`].
        index: usize,
        /// The selector as written in the rule file.
        source: String,
    },
    /// A form control's `type name value` matches.
    Input(Regex),
    /// The page answered a status in the range.
    Status {
        /// Lowest status accepted.
        min: u16,
        /// Highest status accepted.
        max: u16,
    },
    /// The page has little content besides navigation and footer.
    Empty {
        /// Most characters of such content for the rule to fire (80 by default).
        max_chars: usize,
    },
    /// The page is a script shell with almost no visible text (JavaScript-built).
    Shell,
    /// A payment call the checkout probe recorded on a rendered order page.
    PgCall(Regex),
    /// A test over all products found on the site.
    Products {
        /// Which test.
        test: ProductTest,
        /// Pattern for the name tests.
        re: Option<Regex>,
        /// Count for the counting tests.
        min_count: usize,
        /// `any_name_match`: the least share of products whose names match (0 = any one).
        min_share: f64,
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
    /// One prerequisite, by index into [`RuleSet::prerequisites`].
    Prereq(usize),
    /// Every prerequisite (access problems such as a bot challenge).
    All,
    /// A page class the rule recognises, by index into [`RuleSet::classes`].
    Class(usize),
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Stable id, unique across all rule files: reports and diffs refer to it.
    pub id: String,
    /// What the rule detects, shown to reviewers.
    pub description: String,
    /// The check or page class the rule speaks for.
    pub owner: Owner,
    /// Added to the check's score when the rule fires (negative subtracts).
    pub weight: i32,
    /// Languages the pattern reads; informative only.
    pub lang: Vec<String>,
    /// Evidence tags the rule supplies, for the checks' requirements.
    pub tags: Vec<String>,
    /// Class indices; empty = any page.
    pub pages: Vec<usize>,
    /// What the rule decides beyond its weight, if anything.
    pub effect: Option<Effect>,
    /// Advice used when this rule's effect decides the status.
    pub advice: Option<Text>,
    /// What the rule looks for on a page (or across the site's products).
    pub signal: Signal,
    /// The file the rule is defined in.
    pub file: String,
    /// Line of the rule in that file.
    pub line: usize,
}

/// All rules, compiled once per run.
#[derive(Debug, Clone)]
pub struct RuleSet {
    /// The checks in report order: the four prerequisites, then advisory checks.
    pub prerequisites: Vec<Prerequisite>,
    /// Page classes, which rules can be restricted to.
    pub classes: Vec<PageClass>,
    /// Every rule, in the order of its file and line; rule indices everywhere refer to this list.
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
