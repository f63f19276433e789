//! `schema/report.schema.json` is generated from the report types and checked in. These tests
//! fail when the types and the file differ (`UPDATE_SCHEMA=1 cargo test --test report_schema`
//! rewrites it), and validate the report of every fixture site against it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use siteready::rules::RuleSet;

const SCHEMA_PATH: &str = "schema/report.schema.json";

fn checked_in_schema() -> serde_json::Value {
    let s = std::fs::read_to_string(SCHEMA_PATH).expect("schema/report.schema.json exists");
    serde_json::from_str(&s).expect("the schema file is JSON")
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&checked_in_schema()).expect("the schema compiles")
}

fn problems(v: &jsonschema::Validator, instance: &serde_json::Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn schema_file_matches_the_types() {
    let generated = siteready::report::schema::json_schema();
    if std::env::var_os("UPDATE_SCHEMA").is_some_and(|v| v == "1") {
        std::fs::create_dir_all("schema").unwrap();
        std::fs::write(SCHEMA_PATH, &generated).unwrap();
        eprintln!("rewrote {SCHEMA_PATH}");
        return;
    }
    let on_disk = std::fs::read_to_string(SCHEMA_PATH).unwrap_or_default();
    assert!(
        on_disk == generated,
        "{SCHEMA_PATH} differs from the report types: run `UPDATE_SCHEMA=1 cargo test --test report_schema` \
         and review the change (renames need a new schema_version)"
    );
    let schema = checked_in_schema();
    assert!(
        jsonschema::meta::is_valid(&schema),
        "the schema is a valid JSON Schema"
    );
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    for field in [
        "schema_version",
        "tool",
        "target",
        "started_at",
        "duration_ms",
        "verdict",
        "checks",
        "crawl",
        "errors",
        "settings",
    ] {
        assert!(
            schema["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|f| f == field)),
            "{field} is required"
        );
    }
}

#[test]
fn schema_rejects_a_broken_report() {
    let v = validator();
    let good: serde_json::Value =
        serde_json::from_str(include_str!("../src/report/testdata/mini.json")).unwrap();
    assert_eq!(problems(&v, &good), Vec::<String>::new());
    let mut bad = good.clone();
    bad["checks"][0]["status"] = "maybe".into();
    bad["verdict"]["score"] = (-3).into();
    bad.as_object_mut().unwrap().remove("crawl");
    let found = problems(&v, &bad);
    assert!(
        found.iter().any(|p| p.contains("/checks/0/status")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|p| p.contains("/verdict/score")),
        "{found:?}"
    );
    assert!(found.iter().any(|p| p.contains("crawl")), "{found:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fixture_report_validates_against_the_schema() {
    let rules = Arc::new(RuleSet::embedded().expect("embedded rules"));
    let mut dirs: Vec<PathBuf> =
        siteready::fixtures::list(Path::new("fixtures/sites")).expect("fixtures");
    assert!(dirs.len() >= 24, "{} fixture sites", dirs.len());
    dirs.push(PathBuf::from("fixtures/hostile/xss-shop"));
    // A few sites at a time: quick, without starving a small machine.
    let slots = Arc::new(tokio::sync::Semaphore::new(4));
    let mut tasks = Vec::new();
    for (i, d) in dirs.into_iter().enumerate() {
        let rules = rules.clone();
        let slots = slots.clone();
        tasks.push(tokio::spawn(async move {
            let _slot = slots.acquire_owned().await.expect("semaphore");
            let config = siteready::Config {
                // Half the reports in Korean, so both label sets are covered.
                lang: if i % 2 == 0 {
                    siteready::Lang::En
                } else {
                    siteready::Lang::Ko
                },
                // Static pages only: rendering would add browser start-ups, and a rendered
                // report has the same fields.
                render: siteready::config::RenderMode::Never,
                ..siteready::fixtures::config()
            };
            let r = siteready::audit(&d.display().to_string(), &rules, &config).await;
            (d, r)
        }));
    }
    let v = validator();
    let mut failures = Vec::new();
    let mut checked = 0;
    for t in tasks {
        let (dir, report) = t.await.expect("task");
        let report = report.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        // Validate what `check` writes, not the in-memory value.
        let json: serde_json::Value =
            serde_json::from_str(&siteready::report::to_json(&report)).unwrap();
        for p in problems(&v, &json) {
            failures.push(format!("{}: {p}", dir.display()));
        }
        // And it reads back into the types.
        let back: siteready::Report = serde_json::from_value(json).unwrap();
        assert_eq!(back.checks.len(), report.checks.len());
        let html = siteready::report::to_html(&report);
        assert_eq!(
            html.matches("<article class=\"card").count(),
            report.checks.len(),
            "{}: one card per check",
            dir.display()
        );
        checked += 1;
    }
    assert!(checked >= 25);
    assert!(
        failures.is_empty(),
        "reports that break the schema:\n{}",
        failures.join("\n")
    );
}
