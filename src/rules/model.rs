//! The rule-file format as written on disk (TOML). See `rules/README.md` for the reference.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub prerequisite: Option<Spanned<PrereqDef>>,
    #[serde(default)]
    pub class: Vec<Spanned<ClassDef>>,
    #[serde(default)]
    pub rule: Vec<Spanned<RuleDef>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text2 {
    pub en: String,
    pub ko: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequirementDef {
    pub tag: String,
    pub description: Text2,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrereqDef {
    pub id: String,
    pub title: Text2,
    pub description: String,
    #[serde(default)]
    pub advisory: bool,
    pub pass: i32,
    pub warn: i32,
    #[serde(default)]
    pub require: Vec<RequirementDef>,
    pub advice: Text2,
    /// Advice when a check passed only with a warning.
    pub advice_warn: Option<Text2>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassDef {
    pub id: String,
    pub description: String,
    #[serde(default)]
    pub serves: Vec<String>,
    pub priority: i32,
    /// Well-known paths fetched directly when the class's checks are still open.
    #[serde(default)]
    pub probes: Vec<String>,
    /// Whether repeated priced blocks on such a page are product cards (default true).
    #[serde(default = "yes")]
    pub lists_products: bool,
    /// Pattern of the heading-like labels that start a section of this class on any page.
    pub section: Option<String>,
    /// Prerequisites a page of this class never proves, whatever its other classes.
    #[serde(default)]
    pub never_proves: Vec<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleDef {
    pub id: String,
    pub description: String,
    /// Prerequisite the rule serves; defaults to the file's `[prerequisite]`. `"all"` applies
    /// to every prerequisite (e.g. a bot challenge page).
    pub prerequisite: Option<String>,
    /// Page class the rule recognises (class rules only).
    pub class: Option<String>,
    #[serde(default)]
    pub weight: i32,
    #[serde(default)]
    pub lang: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// Page classes where the rule counts; empty = every page.
    #[serde(default)]
    pub pages: Vec<String>,
    /// `veto` (forces fail), `warn` (caps at warn), `inconclusive` (evidence could not be gathered).
    pub effect: Option<String>,
    /// Advice sentence specific to this rule, shown when it fires (effects) or is missing.
    pub advice: Option<Text2>,

    pub kind: String,
    pub pattern: Option<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub min_count: Option<usize>,
    /// For `products` name tests: the least share (0–1) of products whose names match.
    pub min_share: Option<f64>,
    /// For `link` and `text`: `any`, `nav`, `footer`, `body`.
    pub area: Option<String>,
    pub selector: Option<String>,
    #[serde(rename = "type")]
    pub types: Option<Vec<String>>,
    pub property: Option<String>,
    pub name: Option<String>,
    pub status: Option<String>,
    pub test: Option<String>,
    pub max_chars: Option<usize>,
}
