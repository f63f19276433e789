//! Every fixture site is served on 127.0.0.1 and checked by the real crawler; each
//! prerequisite's status must equal `expected.toml` exactly.

use std::path::Path;

use siteready::rules::RuleSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_gets_its_expected_verdicts() {
    let rules = RuleSet::embedded().expect("embedded rules compile");
    let config = siteready::fixtures::config();
    let dirs = siteready::fixtures::list(Path::new("fixtures/sites")).expect("fixtures folder");
    assert!(
        dirs.len() >= 24,
        "expected at least 24 fixture sites, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    let (mut false_pass, mut false_fail) = (0, 0);
    for d in &dirs {
        let mut o = siteready::fixtures::run(d, &rules, &config).await;
        if !o.mismatches.is_empty() && o.false_pass == 0 {
            // A false fail is checked once more and named either way: a verdict that changes
            // between two runs of the same site is a bug of its own, reported on stderr.
            let again = siteready::fixtures::run(d, &rules, &config).await;
            eprintln!(
                "{}: {} on the first run; second run: {}",
                o.name,
                o.mismatches.join("; "),
                if again.mismatches.is_empty() {
                    "as expected (UNSTABLE VERDICT)".to_string()
                } else {
                    again.mismatches.join("; ")
                }
            );
            o = again;
        }
        if let Some(why) = &o.skipped {
            // In CI every fixture runs: a JavaScript-built shop skipped for want of Chromium
            // would leave rendering untested.
            assert!(
                std::env::var("SITEREADY_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
                "{}: {why}",
                o.name
            );
        }
        false_pass += o.false_pass;
        false_fail += o.false_fail;
        if !o.mismatches.is_empty() {
            failures.push(format!("{}: {}", o.name, o.mismatches.join("; ")));
        }
        if let Some(r) = &o.report {
            // Evidence is bounded and points at pages of the site.
            for c in &r.checks {
                for e in &c.evidence {
                    assert!(
                        e.snippet.chars().count() <= 200,
                        "{}: snippet too long",
                        o.name
                    );
                    assert!(
                        e.url.starts_with("http://127.0.0.1:"),
                        "{}: {}",
                        o.name,
                        e.url
                    );
                }
            }
        }
    }
    assert_eq!(false_pass, 0, "false passes: {failures:#?}");
    assert!(
        failures.is_empty(),
        "{} fixture(s) mismatched ({false_fail} false fails):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn complete_korean_shop_is_ready_in_few_pages() {
    let rules = RuleSet::embedded().unwrap();
    let r = siteready::audit(
        "fixtures/sites/kr-cafe24-complete",
        &rules,
        &siteready::fixtures::config(),
    )
    .await
    .unwrap();
    assert!(r.verdict.ready, "{}", r.verdict.summary);
    assert!(
        r.crawl.pages_fetched < 30,
        "{} pages",
        r.crawl.pages_fetched
    );
    assert_eq!(r.crawl.stopped_by, "complete");
    assert_eq!(r.target.lang.as_deref(), Some("ko"));
    let checkout = r.checks.iter().find(|c| c.id == "checkout").unwrap();
    let providers = checkout
        .facts
        .get("payment_providers")
        .and_then(|v| v.as_array())
        .unwrap();
    assert!(providers.iter().any(|p| p == "portone_v1"), "{providers:?}");
    // The EUC-KR pages were decoded: Korean evidence is readable.
    let shipping = r.checks.iter().find(|c| c.id == "shipping_policy").unwrap();
    assert!(
        shipping.evidence.iter().any(|e| e.snippet.contains("배송")),
        "{:?}",
        shipping.evidence
    );
}
