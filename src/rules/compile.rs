//! Rule files turned into compiled parts: declarations first (prerequisites and classes, so
//! rules may name them in any order), then each rule. Every problem is collected with its place.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use regex::Regex;
use scraper::Selector;
use sha2::{Digest, Sha256};

use super::model::{ClassDef, PrereqDef, RuleDef, RuleFile};
use super::{
    compile_regex, keywords_regex, line_of, parse_status_range, Effect, Loader, Owner, PageClass,
    Prerequisite, ProductTest, Requirement, Rule, Signal, Text, KINDS, PREREQUISITES,
};
use crate::extract::Area;

/// A rule file read as TOML: (name, contents, parsed form).
pub(super) type Parsed = (String, String, RuleFile);

/// Reads every file as TOML; the digest covers every file given, parsed or not, so a run
/// records exactly which rules it was asked to use.
pub(super) fn parse_files(files: &[(String, String)], ld: &mut Loader) -> (String, Vec<Parsed>) {
    let mut hasher = Sha256::new();
    let mut parsed: Vec<Parsed> = Vec::new();
    for (name, src) in files {
        let base = Path::new(name)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| name.clone());
        hasher.update(base.as_bytes());
        hasher.update([0]);
        hasher.update(src.as_bytes());
        hasher.update([0]);
        match toml::from_str::<RuleFile>(src) {
            Ok(f) => parsed.push((name.clone(), src.clone(), f)),
            Err(e) => {
                let line = e.span().map(|s| line_of(src, s.start)).unwrap_or(0);
                ld.err(name, line, e.message().trim().to_string());
            }
        }
    }
    (format!("sha256:{:x}", hasher.finalize()), parsed)
}

/// Prerequisites and classes of all files, indexed by id, so that rules can refer to them
/// whatever file or order they were declared in.
#[derive(Default)]
pub(super) struct Declared {
    pub(super) prerequisites: Vec<Prerequisite>,
    pub(super) prereq_idx: HashMap<String, usize>,
    pub(super) classes: Vec<PageClass>,
    pub(super) class_idx: HashMap<String, usize>,
    /// The prerequisite each file declares: the default owner of that file's rules.
    pub(super) file_prereq: HashMap<String, String>,
}

/// The prerequisite ids a class serves, kept with its place until every prerequisite is known.
/// The second list: the prerequisites such a page never proves (`never_proves`).
type Serves = (String, usize, Vec<String>, Vec<String>);

impl Declared {
    /// Takes the declarations out of the parsed files; `first_file` names the place of a
    /// problem that belongs to no single file (a missing prerequisite).
    pub(super) fn collect(parsed: &mut [Parsed], first_file: &str, ld: &mut Loader) -> Declared {
        let mut d = Declared::default();
        let mut class_serves: Vec<Serves> = Vec::new();
        for (name, src, f) in parsed.iter_mut() {
            if let Some(p) = f.prerequisite.take() {
                let line = line_of(src, p.span().start);
                if !d.add_prerequisite(p.into_inner(), name, line, ld) {
                    // A file whose prerequisite is a duplicate is not read further.
                    continue;
                }
            }
            for c in std::mem::take(&mut f.class) {
                let line = line_of(src, c.span().start);
                if let Some((serves, never)) = d.add_class(c.into_inner(), name, line, ld) {
                    class_serves.push((name.clone(), line, serves, never));
                }
            }
        }
        d.link_serves(class_serves, ld);
        d.require_known(first_file, ld);
        d
    }

    /// Records one `[prerequisite]`; false when its id is taken, so the file's classes are
    /// skipped as before.
    fn add_prerequisite(&mut self, p: PrereqDef, name: &str, line: usize, ld: &mut Loader) -> bool {
        if self.prereq_idx.contains_key(&p.id) {
            ld.err(
                name,
                line,
                format!("prerequisite '{}' is declared twice", p.id),
            );
            return false;
        }
        if p.warn > p.pass {
            ld.err(
                name,
                line,
                format!(
                    "prerequisite '{}': warn ({}) is above pass ({})",
                    p.id, p.warn, p.pass
                ),
            );
        }
        self.file_prereq.insert(name.to_string(), p.id.clone());
        self.prereq_idx
            .insert(p.id.clone(), self.prerequisites.len());
        self.prerequisites.push(Prerequisite {
            id: p.id,
            title: Text::from(p.title),
            description: p.description,
            advisory: p.advisory,
            pass: p.pass,
            warn: p.warn,
            require: p
                .require
                .into_iter()
                .map(|r| Requirement {
                    tag: r.tag,
                    description: Text::from(r.description),
                })
                .collect(),
            advice: Text::from(p.advice),
            advice_warn: p.advice_warn.map(Text::from),
        });
        true
    }

    /// Records one `[[class]]`, returning the prerequisite ids it serves (resolved later), or
    /// `None` when its id is taken.
    fn add_class(
        &mut self,
        c: ClassDef,
        name: &str,
        line: usize,
        ld: &mut Loader,
    ) -> Option<(Vec<String>, Vec<String>)> {
        if self.class_idx.contains_key(&c.id) {
            ld.err(name, line, format!("class '{}' is declared twice", c.id));
            return None;
        }
        self.class_idx.insert(c.id.clone(), self.classes.len());
        let serves = c.serves.clone();
        let never = c.never_proves.clone();
        let section = match c.section.as_deref().map(compile_regex) {
            Some(Ok(re)) => Some(re),
            Some(Err(e)) => {
                ld.err(
                    name,
                    line,
                    format!("class '{}': bad section pattern: {e}", c.id),
                );
                None
            }
            None => None,
        };
        self.classes.push(PageClass {
            id: c.id,
            description: c.description,
            serves: Vec::new(),
            priority: c.priority,
            probes: c.probes,
            lists_products: c.lists_products,
            section,
            never_proves: Vec::new(),
        });
        Some((serves, never))
    }

    /// Resolves what each class serves once every prerequisite is declared.
    fn link_serves(&mut self, class_serves: Vec<Serves>, ld: &mut Loader) {
        for (i, (name, line, serves, never)) in class_serves.into_iter().enumerate() {
            for (s, never) in serves
                .into_iter()
                .map(|s| (s, false))
                .chain(never.into_iter().map(|s| (s, true)))
            {
                match self.prereq_idx.get(&s) {
                    Some(&p) if never => self.classes[i].never_proves.push(p),
                    Some(&p) => self.classes[i].serves.push(p),
                    None => ld.err(
                        &name,
                        line,
                        format!(
                            "class '{}' names unknown prerequisite '{s}'",
                            self.classes[i].id
                        ),
                    ),
                }
            }
        }
    }

    /// The four prerequisites must be declared somewhere; reported only when nothing else is
    /// wrong, since an earlier problem is the likelier cause.
    fn require_known(&self, first_file: &str, ld: &mut Loader) {
        for want in PREREQUISITES {
            if !self.prereq_idx.contains_key(want) && ld.problems.is_empty() {
                ld.err(
                    first_file,
                    0,
                    format!("no rule file declares the prerequisite '{want}'"),
                );
            }
        }
    }
}

/// Compiles the rules of all files; an id used twice is reported with its first place.
pub(super) fn compile_rules(
    parsed: Vec<Parsed>,
    scope: &Declared,
    ld: &mut Loader,
) -> (Vec<Rule>, Vec<Selector>) {
    let mut rules = Vec::new();
    let mut selectors = Vec::new();
    let mut seen_ids: HashMap<String, (String, usize)> = HashMap::new();
    for (name, src, f) in parsed {
        for r in f.rule {
            let line = line_of(&src, r.span().start);
            let r = r.into_inner();
            if let Some((pf, pl)) = seen_ids.get(&r.id) {
                ld.err(
                    &name,
                    line,
                    format!("rule id '{}' is already used at {pf}:{pl}", r.id),
                );
                continue;
            }
            seen_ids.insert(r.id.clone(), (name.clone(), line));
            let id = r.id.clone();
            let at = At {
                file: &name,
                line,
                id: &id,
            };
            if let Some(rule) = compile_rule(r, &at, scope, &mut selectors, ld) {
                rules.push(rule);
            }
        }
    }
    (rules, selectors)
}

/// Puts the four prerequisites first, in report order, then advisory checks, and renumbers
/// the class and rule references to match.
pub(super) fn into_report_order(
    prerequisites: Vec<Prerequisite>,
    classes: &mut [PageClass],
    rules: &mut [Rule],
) -> Vec<Prerequisite> {
    let mut order: Vec<usize> = (0..prerequisites.len()).collect();
    order.sort_by_key(|&i| {
        PREREQUISITES
            .iter()
            .position(|p| *p == prerequisites[i].id)
            .unwrap_or(PREREQUISITES.len() + i)
    });
    let remap: HashMap<usize, usize> = order
        .iter()
        .enumerate()
        .map(|(new, &old)| (old, new))
        .collect();
    for c in classes.iter_mut() {
        for s in &mut c.serves {
            *s = remap[s];
        }
    }
    for r in rules.iter_mut() {
        if let Owner::Prereq(p) = &mut r.owner {
            *p = remap[p];
        }
    }
    order.iter().map(|&i| prerequisites[i].clone()).collect()
}

/// Rules tagged `price` of kind `text`: the ones that read prices off a page.
pub(super) fn price_rules(rules: &[Rule]) -> Vec<usize> {
    rules
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.tags.iter().any(|t| t == "price") && matches!(r.signal, Signal::Text { .. })
        })
        .map(|(i, _)| i)
        .collect()
}

/// Where a rule is written, so every problem names the rule, its file and line.
struct At<'a> {
    file: &'a str,
    line: usize,
    id: &'a str,
}

impl At<'_> {
    fn err(&self, ld: &mut Loader, message: impl fmt::Display) {
        ld.err(
            self.file,
            self.line,
            format!("rule '{}': {message}", self.id),
        );
    }
}

/// Compiles one rule; `None` when it has any problem (all of them are recorded).
fn compile_rule(
    r: RuleDef,
    at: &At,
    scope: &Declared,
    selectors: &mut Vec<Selector>,
    ld: &mut Loader,
) -> Option<Rule> {
    let before = ld.problems.len();
    check_naming(&r, at, ld);
    let owner = resolve_owner(&r, at, scope, ld);
    let pages = resolve_pages(&r.pages, at, &scope.class_idx, ld);
    let effect = parse_effect(r.effect.as_deref(), at, ld);
    let area = parse_area(r.area.as_deref(), at, ld);
    let signal = compile_signal(&r, area, at, selectors, ld);
    if matches!(owner, Some(Owner::Class(_))) && !class_may_use(signal.as_ref()) {
        at.err(ld, "class rules may use url, link, title, heading, text, script, script_src, jsonld, microdata, meta or selector");
    }
    if ld.problems.len() > before {
        return None;
    }
    Some(Rule {
        id: r.id,
        description: r.description,
        owner: owner?,
        weight: r.weight,
        lang: r.lang,
        tags: r.tags,
        pages,
        effect,
        advice: r.advice.map(Text::from),
        signal: signal?,
        file: at.file.to_string(),
        line: at.line,
    })
}

/// Ids and descriptions end up in reports, so both must be usable there.
fn check_naming(r: &RuleDef, at: &At, ld: &mut Loader) {
    if r.id.trim().is_empty() || r.id.contains(char::is_whitespace) {
        at.err(ld, "id must be non-empty and without spaces");
    }
    if r.description.trim().is_empty() {
        at.err(ld, "description is empty; reviewers read it in reports");
    }
}

/// Whom the rule speaks for: its class, its prerequisite, every prerequisite (`"all"`), or
/// by default the prerequisite its file declares.
fn resolve_owner(r: &RuleDef, at: &At, scope: &Declared, ld: &mut Loader) -> Option<Owner> {
    match (&r.class, &r.prerequisite) {
        (Some(_), Some(_)) => {
            at.err(ld, "give either class or prerequisite, not both");
            None
        }
        (Some(c), None) => match scope.class_idx.get(c) {
            Some(&i) => Some(Owner::Class(i)),
            None => {
                at.err(ld, format!("unknown class '{c}'"));
                None
            }
        },
        (None, Some(p)) if p == "all" => Some(Owner::All),
        (None, p) => {
            let p = p
                .clone()
                .or_else(|| scope.file_prereq.get(at.file).cloned());
            match p {
                Some(p) => match scope.prereq_idx.get(&p) {
                    Some(&i) => Some(Owner::Prereq(i)),
                    None => {
                        at.err(ld, format!("unknown prerequisite '{p}'"));
                        None
                    }
                },
                None => {
                    at.err(ld, "no prerequisite: set `prerequisite` or `class`, or declare [prerequisite] in this file");
                    None
                }
            }
        }
    }
}

/// The classes named in `pages`, each of which must exist.
fn resolve_pages(
    pages: &[String],
    at: &At,
    class_idx: &HashMap<String, usize>,
    ld: &mut Loader,
) -> Vec<usize> {
    let mut out = Vec::new();
    for p in pages {
        match class_idx.get(p) {
            Some(&i) => out.push(i),
            None => at.err(ld, format!("pages names unknown class '{p}'")),
        }
    }
    out
}

fn parse_effect(effect: Option<&str>, at: &At, ld: &mut Loader) -> Option<Effect> {
    match effect {
        None => None,
        Some("veto") => Some(Effect::Veto),
        Some("warn") => Some(Effect::Warn),
        Some("inconclusive") => Some(Effect::Inconclusive),
        Some(o) => {
            at.err(
                ld,
                format!("unknown effect '{o}' (veto, warn or inconclusive)"),
            );
            None
        }
    }
}

/// The page area a rule looks in; `any` (or nothing) means no restriction.
fn parse_area(area: Option<&str>, at: &At, ld: &mut Loader) -> Option<Area> {
    match area {
        None | Some("any") => None,
        Some("nav") => Some(Area::Nav),
        Some("footer") => Some(Area::Footer),
        Some("body") => Some(Area::Body),
        Some(o) => {
            at.err(ld, format!("unknown area '{o}' (any, nav, footer, body)"));
            None
        }
    }
}

/// The regex of a matching rule, from either `pattern` or `keywords` (exactly one).
fn pattern_regex(r: &RuleDef, at: &At, ld: &mut Loader) -> Option<Regex> {
    match (&r.pattern, r.keywords.is_empty()) {
        (Some(p), true) => match compile_regex(p) {
            Ok(re) => Some(re),
            Err(m) => {
                at.err(ld, format!("bad pattern: {m}"));
                None
            }
        },
        (None, false) => match keywords_regex(&r.keywords) {
            Ok(re) => Some(re),
            Err(m) => {
                at.err(ld, format!("bad keywords: {m}"));
                None
            }
        },
        (Some(_), false) => {
            at.err(ld, "give pattern or keywords, not both");
            None
        }
        (None, true) => {
            at.err(ld, format!("kind '{}' needs pattern or keywords", r.kind));
            None
        }
    }
}

/// The signal named by `kind`, with the fields that kind needs.
fn compile_signal(
    r: &RuleDef,
    area: Option<Area>,
    at: &At,
    selectors: &mut Vec<Selector>,
    ld: &mut Loader,
) -> Option<Signal> {
    let pattern = |ld: &mut Loader| pattern_regex(r, at, ld);
    match r.kind.as_str() {
        "url" => pattern(ld).map(Signal::Url),
        "page_url" => pattern(ld).map(Signal::PageUrl),
        "link" => pattern(ld).map(|re| Signal::Link { re, area }),
        "title" => pattern(ld).map(Signal::Title),
        "heading" => pattern(ld).map(Signal::Heading),
        "text" => pattern(ld).map(|re| Signal::Text {
            re,
            min_count: r.min_count.unwrap_or(1).max(1),
            footer: area == Some(Area::Footer),
        }),
        "button" => pattern(ld).map(Signal::Button),
        "script_src" => pattern(ld).map(Signal::ScriptSrc),
        "script" => pattern(ld).map(Signal::Script),
        "input" => pattern(ld).map(Signal::Input),
        "jsonld" | "microdata" => structured_signal(r, at, ld),
        "meta" => meta_signal(r, at, ld),
        "selector" => selector_signal(r, at, selectors, ld),
        "status" => status_signal(r, at, ld),
        "empty" => Some(Signal::Empty {
            max_chars: r.max_chars.unwrap_or(80),
        }),
        "shell" => Some(Signal::Shell),
        "pg_call" => pattern(ld).map(Signal::PgCall),
        "products" => products_signal(r, at, ld),
        other => {
            at.err(
                ld,
                format!("unknown kind '{other}' (one of: {})", KINDS.join(", ")),
            );
            None
        }
    }
}

/// `jsonld` and `microdata` rules: structured items of the given types.
fn structured_signal(r: &RuleDef, at: &At, ld: &mut Loader) -> Option<Signal> {
    let types: Vec<String> = r
        .types
        .clone()
        .unwrap_or_default()
        .iter()
        .map(|t| crate::extract::short_type(t))
        .collect();
    if types.is_empty() {
        at.err(
            ld,
            format!("kind '{}' needs type = [\"Product\", …]", r.kind),
        );
        None
    } else if r.kind == "jsonld" {
        Some(Signal::JsonLd {
            types,
            property: r.property.clone(),
        })
    } else {
        Some(Signal::Microdata {
            types,
            property: r.property.clone(),
        })
    }
}

/// `meta` rules: a named meta tag, its content optionally matched.
fn meta_signal(r: &RuleDef, at: &At, ld: &mut Loader) -> Option<Signal> {
    match &r.name {
        Some(n) => {
            let re = if r.pattern.is_some() || !r.keywords.is_empty() {
                pattern_regex(r, at, ld)
            } else {
                None
            };
            Some(Signal::Meta {
                name: n.to_ascii_lowercase(),
                re,
            })
        }
        None => {
            at.err(ld, "kind 'meta' needs name (e.g. \"og:type\")");
            None
        }
    }
}

/// `selector` rules: the parsed CSS selector joins the set's list, the signal keeps its index.
fn selector_signal(
    r: &RuleDef,
    at: &At,
    selectors: &mut Vec<Selector>,
    ld: &mut Loader,
) -> Option<Signal> {
    match &r.selector {
        Some(s) => match Selector::parse(s) {
            Ok(sel) => {
                selectors.push(sel);
                Some(Signal::Selector {
                    index: selectors.len() - 1,
                    source: s.clone(),
                })
            }
            Err(err) => {
                at.err(ld, format!("bad CSS selector '{s}': {err}"));
                None
            }
        },
        None => {
            at.err(ld, "kind 'selector' needs selector");
            None
        }
    }
}

/// `status` rules: an HTTP status range such as `2xx` or `400-599`.
fn status_signal(r: &RuleDef, at: &At, ld: &mut Loader) -> Option<Signal> {
    match r.status.as_deref().map(|s| (s, parse_status_range(s))) {
        Some((_, Some((min, max)))) => Some(Signal::Status { min, max }),
        Some((s, None)) => {
            at.err(
                ld,
                format!("bad status '{s}' (e.g. \"2xx\", \"404\", \"400-599\")"),
            );
            None
        }
        None => {
            at.err(ld, "kind 'status' needs status");
            None
        }
    }
}

/// `products` rules: a test over all products found; name tests also need a pattern.
fn products_signal(r: &RuleDef, at: &At, ld: &mut Loader) -> Option<Signal> {
    let test = match r.test.as_deref() {
        Some("all_names_match") => Some(ProductTest::AllNamesMatch),
        Some("any_name_match") => Some(ProductTest::AnyNameMatch),
        Some("all_prices_zero") => Some(ProductTest::AllPricesZero),
        Some("all_sold_out") => Some(ProductTest::AllSoldOut),
        Some("price_mismatch") => Some(ProductTest::PriceMismatch),
        Some("count_at_least") => Some(ProductTest::CountAtLeast),
        Some("priced_count_at_least") => Some(ProductTest::PricedCountAtLeast),
        Some("unmarked_count_at_least") => Some(ProductTest::UnmarkedCountAtLeast),
        other => {
            at.err(ld, format!("kind 'products' needs test = all_names_match | any_name_match | all_prices_zero | all_sold_out | price_mismatch | count_at_least | priced_count_at_least | unmarked_count_at_least (got {other:?})"));
            None
        }
    };
    let needs_re = matches!(
        test,
        Some(ProductTest::AllNamesMatch | ProductTest::AnyNameMatch)
    );
    let re = if needs_re {
        pattern_regex(r, at, ld)
    } else {
        None
    };
    let min_share = r.min_share.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&min_share) {
        at.err(
            ld,
            format!("min_share must be between 0 and 1 (got {min_share})"),
        );
        return None;
    }
    test.map(|test| Signal::Products {
        test,
        re,
        min_count: r.min_count.unwrap_or(1),
        min_share,
    })
}

/// Class rules recognise a page by what it shows, so only page-content kinds fit them.
fn class_may_use(signal: Option<&Signal>) -> bool {
    matches!(
        signal,
        Some(
            Signal::Url(_)
                | Signal::Link { .. }
                | Signal::Title(_)
                | Signal::Heading(_)
                | Signal::JsonLd { .. }
                | Signal::Microdata { .. }
                | Signal::Meta { .. }
                | Signal::Selector { .. }
                | Signal::Text { .. }
                | Signal::Script(_)
                | Signal::ScriptSrc(_)
        )
    )
}
