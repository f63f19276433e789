//! CI gating through the binary: `--require`, `--fail-under`, `--inconclusive`, exit codes,
//! `--junit` contents, `--format`, and the stderr summary. Sites are fixture folders served on
//! 127.0.0.1.

use std::path::Path;
use std::process::{Command, Output};

const BOT: &str = "fixtures/sites/kr-bot-challenge"; // every prerequisite inconclusive
const MISSING_REFUND: &str = "fixtures/sites/kr-missing-refund";
const COMPLETE: &str = "fixtures/sites/kr-cafe24-complete";

fn siteready(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_siteready"))
        .args(args)
        .args(["--rate", "0"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run siteready")
}

/// Runs several invocations at once (each a separate process) and returns their outputs in order.
fn siteready_all(runs: &[&[&str]]) -> Vec<Output> {
    let children: Vec<_> = runs
        .iter()
        .map(|args| {
            Command::new(env!("CARGO_BIN_EXE_siteready"))
                .args(*args)
                .args(["--rate", "0"])
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run siteready")
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("siteready output"))
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn score_of(o: &Output) -> u32 {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    v["verdict"]["score"].as_u64().expect("score") as u32
}

#[test]
fn inconclusive_counts_as_the_flag_says() {
    let outs = siteready_all(&[
        &["check", BOT, "--require", "all"],
        &["check", BOT, "--require", "all", "--inconclusive", "pass"],
        &["check", BOT, "--require", "all", "--inconclusive", "error"],
        &[
            "check",
            BOT,
            "--require",
            "all",
            "--inconclusive",
            "error",
            "--fail-under",
            "50",
        ],
        &["check", BOT, "--inconclusive", "error"],
        &["check", BOT, "--inconclusive", "maybe"],
    ]);
    // Default (fail): inconclusive is not passing.
    let o = &outs[0];
    assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
    let e = stderr(o);
    assert!(e.contains("gate failed"), "{e}");
    assert!(e.contains("products is inconclusive"), "{e}");
    assert_eq!(
        e.lines().filter(|l| l.contains("gate")).count(),
        1,
        "one line names what failed: {e}"
    );

    assert_eq!(outs[1].status.code(), Some(0), "{}", stderr(&outs[1]));

    let o = &outs[2];
    assert_eq!(o.status.code(), Some(4), "{}", stderr(o));
    let e = stderr(o);
    assert!(e.contains("gate inconclusive"), "{e}");
    assert!(
        e.contains("products, shipping_policy, refund_policy, checkout"),
        "{e}"
    );

    // A definite failure outranks an inconclusive one.
    let o = &outs[3];
    assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
    assert!(stderr(o).contains("score 0 is under 50"), "{}", stderr(o));

    // Without a gate the flag changes nothing.
    assert_eq!(outs[4].status.code(), Some(0), "{}", stderr(&outs[4]));

    assert_eq!(outs[5].status.code(), Some(2));
}

#[test]
fn fail_under_compares_the_overall_score() {
    // The three crawls must see the same pages: a crawl that stops at its verdict keeps the
    // pages that answered first, and a loaded machine changes which those are.
    let o = siteready(&["check", COMPLETE, "--exhaustive"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let score = score_of(&o);
    assert!(score > 50, "{score}");
    let at = score.to_string();
    let above = (score + 1).to_string();
    let o = siteready(&["check", COMPLETE, "--exhaustive", "--fail-under", &at, "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = siteready(&["check", COMPLETE, "--exhaustive", "--fail-under", &above]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("score {score} is under {above}")),
        "{}",
        stderr(&o)
    );
    // Required checks and score together: both named on one line.
    let o = siteready(&[
        "check",
        MISSING_REFUND,
        "--require",
        "refund_policy",
        "--fail-under",
        "100",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let line = stderr(&o)
        .lines()
        .find(|l| l.contains("gate failed"))
        .unwrap_or_default()
        .to_string();
    assert!(
        line.contains("refund_policy is fail") && line.contains("is under 100"),
        "{line}"
    );
}

fn junit(path: &Path) -> String {
    std::fs::read_to_string(path).expect("JUnit file written")
}

struct Case {
    classname: String,
    name: String,
    outcome: &'static str,
    message: String,
    body: String,
    props: Vec<(String, String)>,
}

fn cases(xml: &str) -> (roxmltree::Document<'_>, Vec<Case>) {
    let doc = roxmltree::Document::parse(xml).expect("well-formed XML");
    let mut out = Vec::new();
    for tc in doc.descendants().filter(|n| n.has_tag_name("testcase")) {
        let mut c = Case {
            classname: tc.attribute("classname").unwrap_or_default().into(),
            name: tc.attribute("name").unwrap_or_default().into(),
            outcome: "passed",
            message: String::new(),
            body: String::new(),
            props: Vec::new(),
        };
        for child in tc.children().filter(|n| n.is_element()) {
            let tag = child.tag_name().name();
            match tag {
                "failure" | "error" | "skipped" => {
                    c.outcome = match tag {
                        "failure" => "failure",
                        "error" => "error",
                        _ => "skipped",
                    };
                    c.message = child.attribute("message").unwrap_or_default().into();
                    c.body = child.text().unwrap_or_default().into();
                }
                "properties" => {
                    for p in child.children().filter(|n| n.has_tag_name("property")) {
                        c.props.push((
                            p.attribute("name").unwrap_or_default().into(),
                            p.attribute("value").unwrap_or_default().into(),
                        ));
                    }
                }
                _ => {}
            }
        }
        out.push(c);
    }
    (doc, out)
}

fn prop<'a>(c: &'a Case, name: &str) -> Option<&'a str> {
    c.props
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn junit_has_one_case_per_prerequisite_with_missing_and_advice() {
    let dir = tempfile::tempdir().unwrap();
    let xml_path = dir.path().join("siteready.xml");
    let report_path = dir.path().join("r.json");
    let o = siteready(&[
        "check",
        MISSING_REFUND,
        "--require",
        "all",
        "--junit",
        xml_path.to_str().unwrap(),
        "-o",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).unwrap()).unwrap();
    let xml = junit(&xml_path);
    let (doc, cases) = cases(&xml);
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["products", "shipping_policy", "refund_policy", "checkout"]
    );
    for c in &cases {
        // The folder's name, not the ephemeral port, so CI can follow a test across runs.
        assert_eq!(c.classname, "siteready.kr-missing-refund");
        assert!(prop(c, "url").is_some_and(|u| u.starts_with("http://127.0.0.1:")));
        let check = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["id"] == c.name.as_str())
            .unwrap();
        assert_eq!(prop(c, "score"), Some(check["score"].to_string().as_str()));
        assert_eq!(prop(c, "status"), check["status"].as_str());
    }
    let refund = &cases[2];
    assert_eq!(refund.outcome, "failure");
    let check = &report["checks"][2];
    let advice = check["advice"].as_str().expect("advice");
    let missing = check["missing"][0]["description"]
        .as_str()
        .expect("missing");
    assert!(refund.message.contains(missing), "{}", refund.message);
    assert!(refund.message.contains(advice), "{}", refund.message);
    assert!(refund.body.contains(missing) && refund.body.contains(advice));
    for c in [&cases[0], &cases[1], &cases[3]] {
        assert_eq!(c.outcome, "passed", "{}", c.name);
    }
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("testsuite");
    assert_eq!(suite.attribute("tests"), Some("4"));
    assert_eq!(suite.attribute("failures"), Some("1"));
    assert_eq!(suite.attribute("errors"), Some("0"));
    let score = report["verdict"]["score"].to_string();
    assert!(suite.descendants().any(|p| p.has_tag_name("property")
        && p.attribute("name") == Some("score")
        && p.attribute("value") == Some(score.as_str())));
}

#[test]
fn junit_follows_the_inconclusive_policy_and_require_list() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| -> (Option<i32>, Vec<Case>) {
        let p = dir.path().join("j.xml");
        let mut args = vec!["check", BOT, "-q", "--junit", p.to_str().unwrap()];
        args.extend_from_slice(extra);
        let o = siteready(&args);
        let xml = junit(&p);
        let (_, c) = cases(&xml);
        (o.status.code(), c)
    };
    let (code, c) = run(&["--require", "all", "--inconclusive", "pass"]);
    assert_eq!(code, Some(0));
    assert_eq!(c.len(), 4);
    assert!(
        c.iter().all(|c| c.outcome == "skipped"),
        "inconclusive → skipped"
    );
    assert!(c[0].message.contains("inconclusive"), "{}", c[0].message);

    let (code, c) = run(&["--require", "all", "--inconclusive", "error"]);
    assert_eq!(code, Some(4));
    assert!(c.iter().all(|c| c.outcome == "error"));

    let (code, c) = run(&["--require", "all"]);
    assert_eq!(code, Some(1));
    assert!(c.iter().all(|c| c.outcome == "failure"));
    // The advice the rules give for a bot wall reaches the CI report.
    assert!(c[0].message.contains("Advice"), "{}", c[0].message);

    // Only the required ones are judged; the others are skipped as not required.
    let (code, c) = run(&["--require", "products", "--fail-under", "10"]);
    assert_eq!(code, Some(1));
    assert_eq!(c.len(), 5, "four prerequisites and the score");
    assert_eq!(c[0].outcome, "failure");
    assert!(c[1..4]
        .iter()
        .all(|c| c.outcome == "skipped" && c.message.contains("not required")));
    assert_eq!(c[4].name, "score");
    assert_eq!(c[4].outcome, "failure");
    assert!(c[4].message.contains("under 10"));
}

#[test]
fn format_writes_json_html_or_both() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("out/siteready-report");
    let o = siteready(&[
        "check",
        MISSING_REFUND,
        "--format",
        "both",
        "-o",
        stem.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "files only");
    let json = std::fs::read_to_string(dir.path().join("out/siteready-report.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["schema_version"], 1);
    let html = std::fs::read_to_string(dir.path().join("out/siteready-report.html")).unwrap();
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains("id=\"check-refund_policy\""));

    let o = siteready(&["check", MISSING_REFUND, "--format", "html", "--lang", "ko"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let html = String::from_utf8(o.stdout).unwrap();
    assert!(html.starts_with("<!doctype html>\n<html lang=\"ko\">"));
    assert!(html.contains("심사 준비 미완료"));

    let single = dir.path().join("report.html");
    let o = siteready(&[
        "check",
        MISSING_REFUND,
        "--format",
        "html",
        "-o",
        single.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(std::fs::read_to_string(&single)
        .unwrap()
        .contains("</html>"));

    // Two formats cannot share stdout: refused before any request.
    let o = siteready(&["check", "https://shop.invalid/", "--format", "both"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("-o"), "{}", stderr(&o));
}

#[test]
fn stderr_keeps_one_summary_line_when_not_a_terminal() {
    let o = siteready(&["check", MISSING_REFUND]);
    assert_eq!(o.status.code(), Some(0));
    let e = stderr(&o);
    assert_eq!(e.trim().lines().count(), 1, "{e}");
    assert!(!e.contains('\x1b'));
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), so stderr is a TTY.
fn on_terminal(args: &str, no_color: bool) -> Option<String> {
    let script = ["/usr/bin/script", "/bin/script"]
        .into_iter()
        .find(|p| Path::new(p).exists())?;
    let cmd = format!(
        "{} {args} --rate 0 > /dev/null",
        env!("CARGO_BIN_EXE_siteready")
    );
    let mut c = Command::new(script);
    c.args(["-qec", &cmd, "/dev/null"]).env("TERM", "xterm");
    if no_color {
        c.env("NO_COLOR", "1");
    } else {
        c.env_remove("NO_COLOR");
    }
    let o = c.output().ok()?;
    Some(String::from_utf8_lossy(&o.stdout).into_owned())
}

#[test]
fn terminal_summary_has_a_coloured_line_per_check() {
    let Some(out) = on_terminal(&format!("check {MISSING_REFUND}"), false) else {
        eprintln!("skipped: no `script` command to give the run a terminal");
        return;
    };
    assert!(out.contains("\x1b[31mfail"), "{out:?}");
    assert!(out.contains("\x1b[32mpass"), "{out:?}");
    for id in ["products", "shipping_policy", "refund_policy", "checkout"] {
        assert!(out.lines().any(|l| l.trim_start().starts_with(id)), "{out}");
    }
    assert!(out.contains("report: stdout"), "{out}");
    let plain = on_terminal(&format!("check {MISSING_REFUND}"), true).unwrap_or_default();
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain:?}");
    assert!(plain.contains("refund_policy"), "{plain}");
}
