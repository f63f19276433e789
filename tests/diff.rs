//! `siteready diff`: a refund page that disappeared between two checks is reported, the change is
//! a regression, and `--fail-on-regression` gates on it.

use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let t = to.join(e.file_name());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_siteready"))
}

#[test]
fn refund_page_gone_is_a_regression() {
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site");
    copy_dir(Path::new("fixtures/sites/en-shopify-complete"), &site);
    let old = tmp.path().join("old.json");
    let new = tmp.path().join("new.json");
    let run = |out: &Path| {
        let o = bin()
            .args([
                "check",
                site.to_str().unwrap(),
                "--rate",
                "0",
                "-q",
                "-o",
                out.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(&old);
    // The merchant removes the refund policy page.
    std::fs::remove_dir_all(site.join("policies/refund-policy")).ok();
    std::fs::remove_file(site.join("policies/refund-policy.html")).ok();
    run(&new);

    let o = bin()
        .args(["diff", old.to_str().unwrap(), new.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("regressed"), "{text}");
    assert!(text.contains("refund_policy    pass"), "{text}");
    assert!(
        text.contains("page gone: /policies/refund-policy (was HTTP 200, now HTTP 404)"),
        "{text}"
    );
    assert!(
        text.contains("- refund."),
        "evidence lost is listed: {text}"
    );

    let o = bin()
        .args([
            "diff",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
            "--format",
            "json",
            "--fail-on-regression",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["change"], "regressed");
    let refund = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "refund_policy")
        .unwrap();
    assert_eq!(refund["old_status"], "pass");
    assert_ne!(refund["new_status"], "pass");

    let same = bin()
        .args(["diff", old.to_str().unwrap(), old.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&same.stdout).starts_with("same"));
    let bad = bin()
        .args(["diff", old.to_str().unwrap(), "nope.json"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nope.json"));
}
