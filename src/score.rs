//! Turns the evidence of each prerequisite into a 0–100 score and a status, with what is missing
//! and advice for the merchant. The rules say what counts; this module only adds it up.

use std::collections::HashSet;

use crate::check::Evidence;
use crate::config::Lang;
use crate::expect::{self, Outcome};
use crate::report::model::{Check, Discarded, Evidence as EvidenceOut, Missing, Status, Verdict};
use crate::rules::{Effect, Owner, Signal};

/// Site-wide reasons why evidence could not be gathered.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// Set when no page could be read, every page was blocked, or the crawl was cut short
    /// before it reached the pages needed.
    pub blocked: Option<String>,
    /// Per check (by index): pages that should have given evidence but could not be read
    /// (disallowed by robots.txt, timed out).
    pub unreached: Vec<Vec<String>>,
}

/// Scores every prerequisite and advisory check. `expect` holds application values for the
/// cross-check in `business_info` (empty while crawling).
pub fn score(
    ev: &Evidence<'_>,
    access: &Access,
    lang: Lang,
    expect: &[(String, String)],
) -> Vec<Check> {
    let rules = ev.rules;
    let mut checks = Vec::new();
    for (p, pre) in rules.prerequisites.iter().enumerate() {
        let fired = ev.fired_for(p);
        let mut evidence = Vec::new();
        for (i, founds) in &fired {
            let r = &rules.rules[*i];
            for f in founds {
                evidence.push(EvidenceOut {
                    rule: r.id.clone(),
                    description: r.description.clone(),
                    url: f.url.clone(),
                    kind: r.signal.kind().to_string(),
                    snippet: f.snippet.clone(),
                    matched: f.matched.clone(),
                    weight: r.weight,
                    effect: r.effect.map(|e| e.as_str().to_string()),
                });
            }
        }
        evidence.sort_by_key(|e| (e.effect.is_none(), -e.weight.abs()));
        let Judged {
            status,
            score,
            reason,
            tags,
            required_ok,
            effects,
        } = judge(ev, p, fired.iter().map(|(i, _)| *i), access);

        let mut missing = Vec::new();
        if status != Status::Pass {
            for req in &pre.require {
                if !tags.contains(req.tag.as_str()) {
                    missing.push(Missing {
                        need: req.tag.clone(),
                        description: req.description.get(lang).to_string(),
                        rules: rules
                            .rules
                            .iter()
                            .filter(|r| {
                                r.owner == Owner::Prereq(p)
                                    && r.weight > 0
                                    && r.tags.contains(&req.tag)
                            })
                            .map(|r| r.id.clone())
                            .collect(),
                    });
                }
            }
            if required_ok && (score as i32) < pre.pass {
                let fired_ids: HashSet<usize> = fired.iter().map(|(i, _)| *i).collect();
                let mut more: Vec<(i32, String)> = rules
                    .rules
                    .iter()
                    .enumerate()
                    .filter(|(i, r)| {
                        r.owner == Owner::Prereq(p)
                            && r.weight > 0
                            && !fired_ids.contains(i)
                            && !matches!(r.signal, Signal::Products { .. })
                    })
                    .map(|(_, r)| (r.weight, r.id.clone()))
                    .collect();
                more.sort_by_key(|m| std::cmp::Reverse(m.0));
                missing.push(Missing {
                    need: "score".into(),
                    description: format!("score {score} is below the pass mark {}", pre.pass),
                    rules: more.into_iter().take(8).map(|(_, id)| id).collect(),
                });
            }
        }
        let advice = match status {
            Status::Pass => None,
            _ => {
                let rule_advice = effects
                    .iter()
                    .filter_map(|(_, i)| rules.rules[*i].advice.as_ref())
                    .next();
                Some(match (rule_advice, status, &pre.advice_warn) {
                    (Some(a), _, _) => a.get(lang).to_string(),
                    (None, Status::Warn, Some(w)) => w.get(lang).to_string(),
                    _ => pre.advice.get(lang).to_string(),
                })
            }
        };
        let mut facts = serde_json::Map::new();
        if pre.id == "products" {
            let names = ev.distinct_products();
            facts.insert("distinct_products".into(), names.len().into());
            facts.insert(
                "product_names".into(),
                names
                    .iter()
                    .take(10)
                    .map(|s| crate::extract::truncate_chars(s, 80))
                    .collect::<Vec<_>>()
                    .into(),
            );
        }
        let providers: Vec<String> = fired
            .iter()
            .filter(|(i, _)| rules.rules[*i].tags.iter().any(|t| t == "pg"))
            .filter_map(|(i, _)| rules.rules[*i].id.rsplit('.').next().map(str::to_string))
            .collect();
        if !providers.is_empty() {
            facts.insert("payment_providers".into(), providers.into());
        }
        let mut check = Check {
            id: pre.id.clone(),
            title: pre.title.get(lang).to_string(),
            advisory: pre.advisory,
            status,
            score,
            reason,
            evidence,
            missing,
            advice,
            facts,
            discarded: ev
                .discarded
                .iter()
                .filter(|d| d.prereq == p)
                .map(|d| Discarded {
                    rule: d.rule.map(|i| rules.rules[i].id.clone()),
                    url: d.url.clone(),
                    what: d.what.clone(),
                    reason: d.reason.clone(),
                })
                .collect(),
        };
        if pre.id == "business_info" && !expect.is_empty() {
            apply_application(
                &mut check,
                &expect::cross_check(expect, &ev.business_texts),
                lang,
            );
        }
        checks.push(check);
    }
    checks
}

/// A prerequisite's status and score, and what decided them.
struct Judged<'r> {
    status: Status,
    score: u32,
    reason: Option<String>,
    /// Tags of the rules with positive weight that fired.
    tags: HashSet<&'r str>,
    required_ok: bool,
    effects: Vec<(Effect, usize)>,
}

/// Adds up the rules that fired for prerequisite `p` into its status: the one place the pass
/// and warn marks, required tags, effects and access are weighed.
fn judge<'r>(
    ev: &Evidence<'r>,
    p: usize,
    fired: impl Iterator<Item = usize>,
    access: &Access,
) -> Judged<'r> {
    let rules = ev.rules;
    let pre = &rules.prerequisites[p];
    let mut raw = 0i32;
    let mut tags: HashSet<&'r str> = HashSet::new();
    let mut effects: Vec<(Effect, usize)> = Vec::new();
    for i in fired {
        let r = &rules.rules[i];
        raw += r.weight;
        if r.weight > 0 {
            tags.extend(r.tags.iter().map(String::as_str));
        }
        if let Some(e) = r.effect {
            effects.push((e, i));
        }
    }
    let score = raw.clamp(0, 100) as u32;
    let required_ok = pre.require.iter().all(|r| tags.contains(r.tag.as_str()));
    let veto = effects.iter().find(|(e, _)| *e == Effect::Veto);
    let cap = effects.iter().find(|(e, _)| *e == Effect::Warn);
    let blocked = effects.iter().find(|(e, _)| *e == Effect::Inconclusive);

    let mut reason = None;
    let mut status = if let Some((_, i)) = veto {
        reason = Some(format!("vetoed by {}", rules.rules[*i].id));
        Status::Fail
    } else if required_ok && score as i32 >= pre.pass {
        Status::Pass
    } else if score as i32 >= pre.warn {
        Status::Warn
    } else {
        Status::Fail
    };
    if status == Status::Pass {
        if let Some((_, i)) = cap {
            reason = Some(format!("capped at warn by {}", rules.rules[*i].id));
            status = Status::Warn;
        }
    }
    if status != Status::Pass && veto.is_none() {
        if let Some((_, i)) = blocked {
            reason = Some(format!(
                "evidence could not be gathered: {}",
                rules.rules[*i].description
            ));
            status = Status::Inconclusive;
        } else if let Some(why) = &access.blocked {
            reason = Some(format!("evidence could not be gathered: {why}"));
            status = Status::Inconclusive;
        } else if let Some(why) = access.unreached.get(p).filter(|v| !v.is_empty()) {
            reason = Some(format!(
                "evidence could not be gathered: {}",
                why.join("; ")
            ));
            status = Status::Inconclusive;
        }
    }
    Judged {
        status,
        score,
        reason,
        tags,
        required_ok,
        effects,
    }
}

/// Each check's status as [`score`] gives it while crawling (no access problems known, no
/// application values): what the crawl loop needs after every page, without building the
/// evidence, advice and facts of a report.
pub fn statuses(ev: &Evidence<'_>) -> Vec<Status> {
    (0..ev.rules.prerequisites.len())
        .map(|p| judge(ev, p, ev.fired_rules(p).into_iter(), &Access::default()).status)
        .collect()
}

/// Adds the application cross-check to `business_info`: one evidence item per expected value;
/// a mismatch or absence caps the check at `warn` and says what the site shows instead.
fn apply_application(check: &mut Check, findings: &[expect::Finding], lang: Lang) {
    let mut bad = Vec::new();
    let mut summary = serde_json::Map::new();
    for f in findings {
        let (snippet, effect) = match f.outcome {
            Outcome::Match => (
                format!("application: {} — found on the site", f.expected),
                None,
            ),
            Outcome::Mismatch => (
                format!(
                    "application: {} — the site shows: {}",
                    f.expected,
                    f.shown.as_deref().unwrap_or("")
                ),
                Some("warn".to_string()),
            ),
            Outcome::Missing => (
                format!("application: {} — not found on the site", f.expected),
                Some("warn".to_string()),
            ),
        };
        if f.outcome != Outcome::Match {
            bad.push(f.key.clone());
        }
        summary.insert(
            f.key.clone(),
            serde_json::to_value(&f.outcome).unwrap_or_default(),
        );
        check.evidence.insert(
            0,
            EvidenceOut {
                rule: format!("expect.{}", f.key),
                description: format!(
                    "Application value '{}' compared with the site's business information",
                    f.key
                ),
                url: f.url.clone().unwrap_or_default(),
                kind: "expect".into(),
                snippet: crate::extract::truncate_chars(&snippet, 199),
                matched: f.shown.clone().unwrap_or_else(|| f.expected.clone()),
                weight: 0,
                effect,
            },
        );
    }
    check
        .facts
        .insert("application".into(), serde_json::Value::Object(summary));
    if !bad.is_empty() {
        if check.status == Status::Pass {
            check.status = Status::Warn;
        }
        check.reason = Some(format!(
            "does not match the application: {}",
            bad.join(", ")
        ));
        check.advice = Some(match lang {
            Lang::Ko => format!("사이트의 사업자 정보가 신청서와 다릅니다({}). 사이트 하단 정보를 신청서와 일치시켜 주세요.", bad.join(", ")),
            Lang::En => format!("The business information on the site does not match the application ({}): make the footer match the application.", bad.join(", ")),
        });
    }
}

/// The overall verdict: ready only when every non-advisory check passes.
pub fn verdict(checks: &[Check]) -> Verdict {
    let core: Vec<&Check> = checks.iter().filter(|c| !c.advisory).collect();
    let ready = !core.is_empty() && core.iter().all(|c| c.status == Status::Pass);
    let score = if core.is_empty() {
        0
    } else {
        core.iter().map(|c| c.score).sum::<u32>() / core.len() as u32
    };
    let rank = |s: Status| match s {
        Status::Pass => 0,
        Status::Warn => 1,
        Status::Inconclusive => 2,
        Status::Fail => 3,
    };
    let status = core
        .iter()
        .map(|c| c.status)
        .max_by_key(|s| rank(*s))
        .unwrap_or(Status::Fail);
    let not: Vec<String> = core
        .iter()
        .filter(|c| c.status != Status::Pass)
        .map(|c| format!("{} ({})", c.id, c.status))
        .collect();
    let summary = if ready {
        "Ready for review: products, shipping policy, refund policy and checkout all pass."
            .to_string()
    } else {
        format!("Not ready: {}.", not.join(", "))
    };
    Verdict {
        ready,
        score,
        status,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use url::Url;

    use super::*;
    use crate::rules::{PageInput, RuleSet};

    fn html_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                html_files(&p, out);
            } else if p.extension().is_some_and(|e| e == "html") {
                out.push(p);
            }
        }
    }

    /// The crawl loop's statuses agree with the report's, page after page, on every fixture.
    #[test]
    fn statuses_are_the_statuses_of_the_full_score() {
        let rules = RuleSet::embedded().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sites");
        let mut sites: Vec<PathBuf> = std::fs::read_dir(&root)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        sites.sort();
        let mut compared = 0;
        for site in sites {
            let mut files = Vec::new();
            html_files(&site, &mut files);
            let mut ev = Evidence::new(&rules);
            for file in files {
                let rel = file
                    .strip_prefix(&site)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                let url = Url::parse(&format!("http://127.0.0.1:9/{rel}")).unwrap();
                let html = std::fs::read_to_string(&file).unwrap_or_default();
                let facts = crate::extract::extract(&url, &html, &rules.selectors);
                let eval = rules.evaluate(PageInput {
                    url: &url,
                    status: 200,
                    facts: Some(&facts),
                    predicted: &[],
                    enough: None,
                });
                ev.add_page(url.as_str(), &eval, Some(&facts));
                let full: Vec<Status> = score(&ev, &Access::default(), Lang::En, &[])
                    .iter()
                    .map(|c| c.status)
                    .collect();
                assert_eq!(statuses(&ev), full, "{}", file.display());
                compared += 1;
            }
        }
        assert!(compared > 100, "{compared}");
    }

    /// Rules with enough evidence, not searched, would never have been part of the report: every
    /// fixture site, each page evaluated both ways, keeps the same evidence and scores. The
    /// pages are added twice over, as a long crawl sees the same footer on every page.
    #[test]
    fn skipped_snippets_change_no_evidence_and_no_score() {
        let rules = RuleSet::embedded().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sites");
        let mut skipped = 0;
        for site in std::fs::read_dir(&root)
            .unwrap()
            .flatten()
            .map(|e| e.path())
        {
            let mut files = Vec::new();
            html_files(&site, &mut files);
            let (mut lazy, mut full) = (Evidence::new(&rules), Evidence::new(&rules));
            for (round, file) in files.iter().chain(&files).enumerate() {
                let url = Url::parse(&format!("http://127.0.0.1:9/{round}")).unwrap();
                let html = std::fs::read_to_string(file).unwrap_or_default();
                let facts = crate::extract::extract(&url, &html, &rules.selectors);
                let enough = lazy.enough();
                let input = |enough| PageInput {
                    url: &url,
                    status: 200,
                    facts: Some(&facts),
                    predicted: &[],
                    enough,
                };
                let (a, b) = (
                    rules.evaluate(input(Some(&enough))),
                    rules.evaluate(input(None)),
                );
                assert!(a
                    .hits
                    .iter()
                    .all(|h| b.hits.iter().any(|x| x.rule == h.rule)));
                skipped += b.hits.len() - a.hits.len();
                lazy.add_page(url.as_str(), &a, Some(&facts));
                full.add_page(url.as_str(), &b, Some(&facts));
            }
            let found = |e: &Evidence| {
                e.found
                    .iter()
                    .flatten()
                    .map(|f| (f.url.clone(), f.snippet.clone(), f.matched.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(found(&lazy), found(&full), "{}", site.display());
            let scores = |e: &Evidence| {
                score(e, &Access::default(), Lang::En, &[])
                    .iter()
                    .map(|c| (c.status, c.score))
                    .collect::<Vec<_>>()
            };
            assert_eq!(scores(&lazy), scores(&full), "{}", site.display());
        }
        assert!(skipped > 100, "{skipped}");
    }
}
