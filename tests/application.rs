//! The application cross-check: values from the merchant's application are looked for in the
//! site's business information; a wrong one is a finding with what the site shows instead.

use siteready::report::Status;
use siteready::rules::RuleSet;

async fn business(expect: &[(&str, &str)]) -> siteready::report::model::Check {
    let rules = RuleSet::embedded().unwrap();
    let config = siteready::Config {
        expect: expect
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..siteready::fixtures::config()
    };
    let r = siteready::audit("fixtures/sites/kr-cafe24-complete", &rules, &config)
        .await
        .unwrap();
    assert!(r.verdict.ready, "the cross-check never changes ready");
    r.checks
        .into_iter()
        .find(|c| c.id == "business_info")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn right_values_match_and_a_wrong_number_is_reported() {
    let ok = business(&[
        ("reg_no", "2148705639"),
        ("mail_order_no", "2021-서울마포-1187"),
        ("name", "다온키친 주식회사"),
        ("representative", "박지현"),
        ("phone", "023361842"),
        ("email", "CS@daonkitchen.co.kr"),
    ])
    .await;
    assert_eq!(ok.status, Status::Pass, "{:?}", ok.reason);
    let app = ok.facts.get("application").unwrap();
    for k in [
        "reg_no",
        "mail_order_no",
        "name",
        "representative",
        "phone",
        "email",
    ] {
        assert_eq!(app[k], "match", "{k}: {app}");
    }

    let bad = business(&[("reg_no", "214-87-00000"), ("representative", "김철수")]).await;
    assert_eq!(bad.status, Status::Warn);
    assert!(
        bad.reason.as_deref().unwrap_or("").contains("reg_no"),
        "{:?}",
        bad.reason
    );
    let reg = bad
        .evidence
        .iter()
        .find(|e| e.rule == "expect.reg_no")
        .unwrap();
    assert_eq!(reg.effect.as_deref(), Some("warn"));
    assert!(
        reg.snippet.contains("214-87-05639"),
        "shows what the site says: {}",
        reg.snippet
    );
    let rep = bad
        .evidence
        .iter()
        .find(|e| e.rule == "expect.representative")
        .unwrap();
    assert!(rep.snippet.contains("박지현"), "{}", rep.snippet);
}

#[test]
fn expect_flag_reaches_the_report_and_rejects_unknown_keys() {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_siteready"))
            .args([
                "check",
                "fixtures/sites/kr-cafe24-complete",
                "--rate",
                "0",
                "-q",
            ])
            .args(args)
            .output()
            .unwrap()
    };
    let o = run(&[
        "--expect",
        "reg_no=214-87-05639",
        "--expect",
        "name=엉뚱상회",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let biz = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "business_info")
        .unwrap();
    assert_eq!(biz["facts"]["application"]["reg_no"], "match");
    assert_eq!(biz["facts"]["application"]["name"], "mismatch");
    let bad = run(&["--expect", "regno=1"]);
    assert_eq!(bad.status.code(), Some(2));
}
