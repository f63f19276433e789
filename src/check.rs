//! Gathers evidence across pages, per prerequisite: rule hits, and the products a site declares
//! (for the aggregate product rules: placeholders, zero prices, mismatched prices).

use std::collections::{BTreeSet, HashMap};

use crate::extract::PageFacts;
use crate::rules::{Enough, Hit, Owner, PageEval, ProductTest, RuleSet, Signal};

/// Pages kept as evidence for one rule; more would only repeat the footer.
const PER_RULE: usize = 3;

/// One place a rule matched.
#[derive(Debug, Clone)]
pub struct Found {
    /// Page the rule matched on.
    pub url: String,
    /// A short excerpt of the page showing the match: the evidence a reviewer reads.
    pub snippet: String,
    /// The text the rule's pattern matched.
    pub matched: String,
}

/// A product seen on the site.
#[derive(Debug, Clone)]
pub struct SiteProduct {
    /// Product name as the page gives it.
    pub name: String,
    /// Price as a number, when one was found.
    pub price: Option<f64>,
    /// Stock state as schema.org names it (`InStock`, `OutOfStock` …), when declared.
    pub availability: Option<String>,
    /// Page the product was seen on.
    pub url: String,
    /// Where it was read: `jsonld`, `microdata`, `opengraph`, `listing` or `detail` (read off
    /// the markup), or `page` (a product page's heading).
    pub source: &'static str,
}

/// Evidence the quality gate set aside: what, where, and why.
#[derive(Debug, Clone)]
pub struct Discarded {
    /// The prerequisite the evidence would have spoken for.
    pub prereq: usize,
    /// The rule whose hit was set aside; `None` for a product read off the page.
    pub rule: Option<usize>,
    /// Page it was seen on.
    pub url: String,
    /// What was set aside (a product's name, or the rule's matched text).
    pub what: String,
    /// Why, in a reviewer's words.
    pub reason: String,
}

/// At most this many discarded items are kept per prerequisite: enough to show the pattern.
const DISCARDED_PER_CHECK: usize = 8;

/// A page whose visible price disagrees with its structured data.
#[derive(Debug, Clone)]
pub struct Mismatch {
    /// The product page.
    pub url: String,
    /// Price given in the structured data.
    pub declared: f64,
    /// Up to three prices visible on the page, as written; none is within 1% of `declared`.
    pub shown: Vec<String>,
}

/// Running tallies of the products, kept as products are added, so that scoring after every
/// page of a crawl does not walk up to 2,000 products for every product rule.
#[derive(Debug, Clone, Default)]
struct Tally {
    /// Products tallied: equal to `products.len()` unless the list was changed directly, in
    /// which case the rules walk the list instead.
    counted: usize,
    /// Distinct names, sorted.
    names: BTreeSet<String>,
    /// Distinct names with a price above 0, and distinct names not read off the markup.
    priced_names: BTreeSet<String>,
    declared_names: BTreeSet<String>,
    /// Distinct names of grid cards priced by a bare number.
    unmarked_names: BTreeSet<String>,
    /// Rules with a name pattern, and per rule: matching products (count, first five indices).
    name_rules: Vec<usize>,
    name_hits: HashMap<usize, (usize, Vec<usize>)>,
    /// Products with a price (count, first five indices), and how many of them are 0.
    priced: (usize, Vec<usize>),
    zero_priced: usize,
    /// Products with an availability, and how many of them are sold out.
    with_availability: usize,
    sold_out: usize,
}

/// The evidence line of the priced-products rules: how many, and the first five names.
fn priced_snippet<'a>(names: impl Iterator<Item = &'a str>, n: usize, unmarked: bool) -> String {
    let how = if unmarked {
        "priced by a number with no currency mark"
    } else {
        "with a price"
    };
    crate::extract::truncate_chars(
        &format!(
            "{n} distinct products {how}: {}",
            names.take(5).collect::<Vec<_>>().join(", ")
        ),
        199,
    )
}

/// Products read off the page's markup (a grid's cards, a detail page's `h1` and price)
/// rather than declared in structured data.
fn is_read(source: &str) -> bool {
    matches!(source, "listing" | "detail" | "unmarked")
}

fn is_sold_out(a: &str) -> bool {
    a.contains("OutOfStock") || a.contains("SoldOut") || a.contains("Discontinued")
}

/// Evidence collected so far for a whole site.
pub struct Evidence<'r> {
    /// The rules the evidence is gathered for.
    pub rules: &'r RuleSet,
    /// Per rule index, where it matched.
    pub found: Vec<Vec<Found>>,
    /// Products seen across the site, in the order found (at most 2,000).
    pub products: Vec<SiteProduct>,
    /// Product pages whose visible price disagrees with their structured data, one per page.
    pub mismatches: Vec<Mismatch>,
    /// Distinct footer texts (and the home page's text), where business information lives.
    pub business_texts: Vec<(String, String)>,
    /// What the quality gate set aside, per prerequisite at most [`DISCARDED_PER_CHECK`].
    pub discarded: Vec<Discarded>,
    /// Bumped whenever anything above changes, so a crawl re-scores only when it must.
    changes: u64,
    tally: Tally,
    /// Rules with [`PER_RULE`] pages of evidence, for page tasks to skip their snippets.
    enough: Enough,
}

impl<'r> Evidence<'r> {
    /// Empty evidence for `rules`, before any page is added.
    pub fn new(rules: &'r RuleSet) -> Self {
        Evidence {
            rules,
            found: vec![Vec::new(); rules.rules.len()],
            products: Vec::new(),
            mismatches: Vec::new(),
            business_texts: Vec::new(),
            discarded: Vec::new(),
            changes: 0,
            enough: Enough::new(rules.rules.len()),
            tally: Tally {
                name_rules: rules
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| {
                        matches!(
                            r.signal,
                            Signal::Products {
                                test: ProductTest::AllNamesMatch | ProductTest::AnyNameMatch,
                                re: Some(_),
                                ..
                            }
                        )
                    })
                    .map(|(i, _)| i)
                    .collect(),
                ..Tally::default()
            },
        }
    }

    /// Adds a product to the list and to the tallies.
    fn push_product(&mut self, p: SiteProduct) {
        self.changes += 1;
        let i = self.products.len();
        let t = &mut self.tally;
        if t.counted == i {
            t.counted += 1;
            if !t.names.contains(&p.name) {
                t.names.insert(p.name.clone());
            }
            let priced = p.price.is_some_and(|v| v > 0.0);
            if p.source == "unmarked" {
                if priced && !t.unmarked_names.contains(&p.name) {
                    t.unmarked_names.insert(p.name.clone());
                }
            } else if priced && !t.priced_names.contains(&p.name) {
                t.priced_names.insert(p.name.clone());
            }
            if !is_read(p.source) && !t.declared_names.contains(&p.name) {
                t.declared_names.insert(p.name.clone());
            }
            for &r in &t.name_rules {
                if let Signal::Products { re: Some(re), .. } = &self.rules.rules[r].signal {
                    // Two-step when the pattern has word boundaries: a Korean name would
                    // otherwise send it to the regex engine's slow path.
                    if self.rules.pat(r, re).is_match(&p.name) {
                        let e = t.name_hits.entry(r).or_default();
                        e.0 += 1;
                        if e.1.len() < 5 {
                            e.1.push(i);
                        }
                    }
                }
            }
            if p.price.is_some() {
                t.priced.0 += 1;
                if t.priced.1.len() < 5 {
                    t.priced.1.push(i);
                }
                if p.price == Some(0.0) {
                    t.zero_priced += 1;
                }
            }
            if let Some(a) = &p.availability {
                t.with_availability += 1;
                if is_sold_out(a) {
                    t.sold_out += 1;
                }
            }
        }
        self.products.push(p);
    }

    /// Whether the tallies describe `products` as it is.
    fn tallied(&self) -> bool {
        self.tally.counted == self.products.len()
    }

    /// A counter that moves whenever the evidence changes: equal counters, equal scores.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// The rules this evidence needs no more snippets for; it fills as pages are added.
    pub fn enough(&self) -> Enough {
        self.enough.clone()
    }

    /// Adds one evaluated page. `facts` is given for pages that answered 2xx with HTML.
    pub fn add_page(&mut self, url: &str, eval: &PageEval, facts: Option<&PageFacts>) {
        for Hit {
            rule,
            snippet,
            matched,
        } in &eval.hits
        {
            let v = &mut self.found[*rule];
            if v.len() < PER_RULE && !v.iter().any(|f| f.url == url) {
                self.changes += 1;
                v.push(Found {
                    url: url.to_string(),
                    snippet: snippet.clone(),
                    matched: matched.clone(),
                });
                if v.len() == PER_RULE {
                    self.enough = self.enough.with(*rule);
                }
            }
        }
        for d in &eval.discarded {
            if let Owner::Prereq(p) = self.rules.rules[d.rule].owner {
                self.discard(Discarded {
                    prereq: p,
                    rule: Some(d.rule),
                    url: url.to_string(),
                    what: self.rules.rules[d.rule].id.clone(),
                    reason: d.reason.clone(),
                });
            }
        }
        let Some(f) = facts else { return };
        let home = self
            .rules
            .class_index("home")
            .is_some_and(|c| eval.classes.contains(&c));
        for t in [&f.footer_text, if home { &f.text } else { &f.footer_text }] {
            if !t.is_empty()
                && self.business_texts.len() < 8
                && !self.business_texts.iter().any(|(_, x)| x == t)
            {
                self.changes += 1;
                self.business_texts.push((url.to_string(), t.clone()));
            }
        }
        let is_product_page = self
            .rules
            .class_index("product")
            .is_some_and(|c| eval.classes.contains(&c));
        // Cards read off a grid carry the price they were found by: there is nothing to
        // compare, and a policy, cart or order page's tables are not a catalogue.
        let declared = f.products.iter().filter(|p| !is_read(p.source)).count();
        let cards_count = !self.rules.pages_never_list(&eval.classes);
        let shown = if is_product_page || declared > 0 {
            self.rules.prices_screened(&f.text, eval.screen.as_ref())
        } else {
            Vec::new()
        };
        let products_check = self.rules.prereq_index("products");
        for p in &f.products {
            let card = is_read(p.source);
            // A card names a product once for the site: the same card on every page of a
            // catalogue changes no verdict, and re-scoring for it would cost every page.
            if card && (!cards_count || self.tally.names.contains(&p.name)) {
                continue;
            }
            let gated = eval
                .template
                .clone()
                .or_else(|| crate::rules::name_gate(&p.name).map(str::to_string));
            if let (Some(reason), Some(prereq)) = (gated, products_check) {
                self.discard(Discarded {
                    prereq,
                    rule: None,
                    url: url.to_string(),
                    what: p.name.clone(),
                    reason,
                });
                continue;
            }
            if self.products.len() < 2000 {
                self.push_product(SiteProduct {
                    name: p.name.clone(),
                    price: p.price,
                    availability: p.availability.clone(),
                    url: url.to_string(),
                    source: p.source,
                });
            }
            if let Some(declared) = p.price.filter(|_| !card) {
                if !shown.is_empty()
                    && declared > 0.0
                    && !shown
                        .iter()
                        .any(|(s, _)| (s - declared).abs() <= declared * 0.01)
                    && !self.mismatches.iter().any(|m| m.url == url)
                {
                    self.changes += 1;
                    self.mismatches.push(Mismatch {
                        url: url.to_string(),
                        declared,
                        shown: shown.iter().take(3).map(|(_, s)| s.clone()).collect(),
                    });
                }
            }
        }
        if is_product_page && declared == 0 && eval.template.is_none() && self.products.len() < 2000
        {
            let name = f
                .headings
                .first()
                .cloned()
                .unwrap_or_else(|| f.title.clone());
            if !name.is_empty() {
                self.push_product(SiteProduct {
                    name,
                    price: shown.first().map(|(p, _)| *p),
                    availability: None,
                    url: url.to_string(),
                    source: "page",
                });
            }
        }
    }

    /// Keeps one discarded item, unless its check has enough or the same item is kept.
    fn discard(&mut self, d: Discarded) {
        let same_check = self.discarded.iter().filter(|x| x.prereq == d.prereq);
        let mut n = 0;
        for x in same_check {
            if x.what == d.what && (x.url == d.url || x.rule.is_none()) {
                return;
            }
            n += 1;
        }
        if n < DISCARDED_PER_CHECK {
            self.discarded.push(d);
        }
    }

    /// Distinct product names seen, sorted.
    pub fn distinct_products(&self) -> Vec<&str> {
        if self.tallied() {
            return self.tally.names.iter().map(String::as_str).collect();
        }
        let mut names: Vec<&str> = self.products.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// The first `k` distinct product names, in name order, without listing them all.
    fn first_names(&self, k: usize) -> Vec<&str> {
        if self.tallied() {
            return self
                .tally
                .names
                .iter()
                .take(k)
                .map(String::as_str)
                .collect();
        }
        let mut v = self.distinct_products();
        v.truncate(k);
        v
    }

    /// Number of distinct product names seen on product pages and in structured data (not
    /// read off a grid): the placeholder, zero-price and mismatch guards need those pages.
    pub fn declared_count(&self) -> usize {
        if self.tallied() {
            return self.tally.declared_names.len();
        }
        let mut names: Vec<&str> = self
            .products
            .iter()
            .filter(|p| !is_read(p.source))
            .map(|p| p.name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names.len()
    }

    /// Number of distinct product names seen.
    pub fn distinct_count(&self) -> usize {
        if self.tallied() {
            self.tally.names.len()
        } else {
            self.distinct_products().len()
        }
    }

    /// Evaluates the aggregate product rule `i`; `Some(found)` when it fires. Reads the
    /// tallies (the same answer as walking every product, without the walk).
    pub fn product_rule(&self, i: usize) -> Option<Found> {
        if !self.tallied() {
            return self.product_rule_walk(i);
        }
        let Signal::Products {
            test,
            re,
            min_share,
            ..
        } = &self.rules.rules[i].signal
        else {
            return None;
        };
        let ps = &self.products;
        let t = &self.tally;
        let first_url = || ps.first().map(|p| p.url.clone()).unwrap_or_default();
        let names = |v: &[usize]| {
            v.iter()
                .take(5)
                .map(|&k| ps[k].name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match test {
            ProductTest::AllNamesMatch | ProductTest::AnyNameMatch => {
                let re = re.as_ref()?;
                let (count, first) = t
                    .name_hits
                    .get(&i)
                    .map(|(n, v)| (*n, v.as_slice()))
                    .unwrap_or((0, &[]));
                let fire = if *test == ProductTest::AllNamesMatch {
                    !ps.is_empty() && count == ps.len()
                } else {
                    count > 0 && count as f64 >= min_share * ps.len() as f64
                };
                fire.then(|| Found {
                    url: first
                        .first()
                        .map(|&k| ps[k].url.clone())
                        .unwrap_or_else(first_url),
                    snippet: crate::extract::truncate_chars(
                        &format!("{} of {} products: {}", count, ps.len(), names(first)),
                        199,
                    ),
                    matched: first
                        .first()
                        .and_then(|&k| re.find(&ps[k].name))
                        .map(|m| m.as_str().to_string())
                        .unwrap_or_default(),
                })
            }
            ProductTest::AllPricesZero => {
                let (priced, first) = (&t.priced.0, &t.priced.1);
                let fire = *priced > 0 && t.zero_priced == *priced;
                fire.then(|| Found {
                    url: first
                        .first()
                        .map(|&k| ps[k].url.clone())
                        .unwrap_or_default(),
                    snippet: crate::extract::truncate_chars(
                        &format!(
                            "every price found is 0 ({} products: {})",
                            priced,
                            names(first)
                        ),
                        199,
                    ),
                    matched: "0".into(),
                })
            }
            ProductTest::AllSoldOut => {
                let with = t.with_availability;
                let fire = with > 0 && with == ps.len() && t.sold_out == with;
                fire.then(|| Found {
                    url: first_url(),
                    snippet: format!("all {} products are marked out of stock", ps.len()),
                    matched: "OutOfStock".into(),
                })
            }
            ProductTest::PricedCountAtLeast | ProductTest::UnmarkedCountAtLeast => {
                let Signal::Products { min_count, .. } = &self.rules.rules[i].signal else {
                    return None;
                };
                let unmarked = matches!(test, ProductTest::UnmarkedCountAtLeast);
                let names = if unmarked {
                    &t.unmarked_names
                } else {
                    &t.priced_names
                };
                (names.len() >= *min_count).then(|| Found {
                    url: ps
                        .iter()
                        .find(|p| {
                            p.price.is_some_and(|v| v > 0.0) && (p.source == "unmarked") == unmarked
                        })
                        .map(|p| p.url.clone())
                        .unwrap_or_else(first_url),
                    snippet: priced_snippet(
                        names.iter().map(String::as_str),
                        names.len(),
                        unmarked,
                    ),
                    matched: names.len().to_string(),
                })
            }
            ProductTest::PriceMismatch | ProductTest::CountAtLeast => self.product_rule_walk(i),
        }
    }

    /// [`Evidence::product_rule`] by walking every product (when the list was changed directly).
    fn product_rule_walk(&self, i: usize) -> Option<Found> {
        let Signal::Products {
            test,
            re,
            min_count,
            min_share,
        } = &self.rules.rules[i].signal
        else {
            return None;
        };
        let ps = &self.products;
        let first_url = || ps.first().map(|p| p.url.clone()).unwrap_or_default();
        let names = |v: &[&SiteProduct]| {
            v.iter()
                .take(5)
                .map(|p| p.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match test {
            ProductTest::AllNamesMatch | ProductTest::AnyNameMatch => {
                let re = re.as_ref()?;
                let pat = self.rules.pat(i, re);
                let hits: Vec<&SiteProduct> = ps.iter().filter(|p| pat.is_match(&p.name)).collect();
                let fire = if *test == ProductTest::AllNamesMatch {
                    !ps.is_empty() && hits.len() == ps.len()
                } else {
                    !hits.is_empty() && hits.len() as f64 >= min_share * ps.len() as f64
                };
                fire.then(|| Found {
                    url: hits
                        .first()
                        .map(|p| p.url.clone())
                        .unwrap_or_else(first_url),
                    snippet: crate::extract::truncate_chars(
                        &format!("{} of {} products: {}", hits.len(), ps.len(), names(&hits)),
                        199,
                    ),
                    matched: hits
                        .first()
                        .and_then(|p| re.find(&p.name))
                        .map(|m| m.as_str().to_string())
                        .unwrap_or_default(),
                })
            }
            ProductTest::AllPricesZero => {
                let priced: Vec<&SiteProduct> = ps.iter().filter(|p| p.price.is_some()).collect();
                let fire = !priced.is_empty() && priced.iter().all(|p| p.price == Some(0.0));
                fire.then(|| Found {
                    url: priced[0].url.clone(),
                    snippet: crate::extract::truncate_chars(
                        &format!(
                            "every price found is 0 ({} products: {})",
                            priced.len(),
                            names(&priced)
                        ),
                        199,
                    ),
                    matched: "0".into(),
                })
            }
            ProductTest::AllSoldOut => {
                let with: Vec<&SiteProduct> =
                    ps.iter().filter(|p| p.availability.is_some()).collect();
                let fire = !with.is_empty()
                    && with.len() == ps.len()
                    && with.iter().all(|p| {
                        p.availability.as_deref().is_some_and(|a| {
                            a.contains("OutOfStock")
                                || a.contains("SoldOut")
                                || a.contains("Discontinued")
                        })
                    });
                fire.then(|| Found {
                    url: first_url(),
                    snippet: format!("all {} products are marked out of stock", ps.len()),
                    matched: "OutOfStock".into(),
                })
            }
            ProductTest::PriceMismatch => self.mismatches.first().map(|m| Found {
                url: m.url.clone(),
                snippet: crate::extract::truncate_chars(
                    &format!(
                        "structured data says {} but the page shows {}",
                        m.declared,
                        m.shown.join(", ")
                    ),
                    199,
                ),
                matched: m.shown.first().cloned().unwrap_or_default(),
            }),
            ProductTest::PricedCountAtLeast | ProductTest::UnmarkedCountAtLeast => {
                let unmarked = matches!(test, ProductTest::UnmarkedCountAtLeast);
                let counts = |p: &&SiteProduct| {
                    p.price.is_some_and(|v| v > 0.0) && (p.source == "unmarked") == unmarked
                };
                let mut names: Vec<&str> =
                    ps.iter().filter(counts).map(|p| p.name.as_str()).collect();
                names.sort_unstable();
                names.dedup();
                (names.len() >= *min_count).then(|| Found {
                    url: ps
                        .iter()
                        .find(counts)
                        .map(|p| p.url.clone())
                        .unwrap_or_else(first_url),
                    snippet: priced_snippet(names.iter().copied(), names.len(), unmarked),
                    matched: names.len().to_string(),
                })
            }
            ProductTest::CountAtLeast => {
                // The count alone decides; the names are listed only when it fires (collecting
                // every name on every re-score would cost a walk of the catalogue per page).
                let n = self.distinct_count();
                (n >= *min_count).then(|| Found {
                    url: first_url(),
                    snippet: crate::extract::truncate_chars(
                        &format!(
                            "{} distinct products: {}",
                            n,
                            self.first_names(5).join(", ")
                        ),
                        199,
                    ),
                    matched: n.to_string(),
                })
            }
        }
    }

    /// Rules (by index) that speak for prerequisite `p` and fired, with where.
    pub fn fired_for(&self, p: usize) -> Vec<(usize, Vec<Found>)> {
        self.fired_rules(p)
            .into_iter()
            .map(|i| {
                let found = match &self.rules.rules[i].signal {
                    Signal::Products { .. } => self.product_rule(i).into_iter().collect(),
                    _ => self.found[i].clone(),
                };
                (i, found)
            })
            .collect()
    }

    /// The rules that fired for prerequisite `p` (as [`Evidence::fired_for`], without copying
    /// what they found).
    pub fn fired_rules(&self, p: usize) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, r) in self.rules.rules.iter().enumerate() {
            let mine = match r.owner {
                Owner::Prereq(q) => q == p,
                Owner::All => true,
                Owner::Class(_) => false,
            };
            if !mine {
                continue;
            }
            let fired = if matches!(r.signal, Signal::Products { .. }) {
                self.product_rule(i).is_some()
            } else {
                !self.found[i].is_empty()
            };
            if fired {
                out.push(i);
            }
        }
        out
    }
}
