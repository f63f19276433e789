//! The binary's exit codes and one-line messages.

use std::process::{Command, Output};

fn siteready(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_siteready"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run siteready")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_folder_writes_a_report_and_exits_0() {
    let o = siteready(&["check", "fixtures/sites/kr-cafe24-complete", "--rate", "0"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["verdict"]["ready"], true);
    let ids: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        &ids[..4],
        ["products", "shipping_policy", "refund_policy", "checkout"]
    );
}

#[test]
fn gate_fails_with_exit_1_naming_what_failed() {
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("r.json");
    let o = siteready(&[
        "check",
        "fixtures/sites/kr-missing-refund",
        "--rate",
        "0",
        "--require",
        "all",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("refund_policy is fail"), "{e}");
    assert!(file.is_file(), "report is still written");
    let ok = siteready(&[
        "check",
        "fixtures/sites/kr-missing-refund",
        "--rate",
        "0",
        "--require",
        "products,checkout",
        "-q",
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}

#[test]
fn bad_inputs_exit_2_with_one_clear_line() {
    for args in [
        vec!["check", "ftp://shop.example/"],
        vec!["check", "https://"],
        vec!["check", "./no/such/folder"],
        vec![
            "check",
            "fixtures/sites/kr-cafe24-complete",
            "--max-time",
            "-1",
        ],
        vec![
            "check",
            "fixtures/sites/kr-cafe24-complete",
            "--require",
            "bogus",
        ],
        vec!["check"],
    ] {
        let o = siteready(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).trim().is_empty());
    }
    let o = siteready(&["check", "./no/such/folder"]);
    assert!(
        stderr(&o).contains("./no/such/folder"),
        "message names the input: {}",
        stderr(&o)
    );
}

#[test]
fn unreachable_target_exits_3() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/");
    let o = siteready(&["check", &url, "--allow-private", "--timeout", "3"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("127.0.0.1:{port}")),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        stderr(&o).trim().lines().count(),
        1,
        "one line: {}",
        stderr(&o)
    );
    // Without --allow-private the loopback address is refused before any packet is sent.
    let o = siteready(&["check", &url]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("private"), "{}", stderr(&o));
}

#[test]
fn rules_validate_reports_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir("rules").unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "toml") {
            std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    let ok = siteready(&["rules", "validate", dir.path().to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    std::fs::write(
        dir.path().join("zz_broken.toml"),
        "# a broken rule\n[[rule]]\nid = \"x.broken\"\nprerequisite = \"products\"\ndescription = \"broken\"\nkind = \"text\"\npattern = \"(\"\n",
    )
    .unwrap();
    let bad = siteready(&["rules", "validate", dir.path().to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("zz_broken.toml:2:"),
        "{}",
        stderr(&bad)
    );
    let check = siteready(&[
        "check",
        "fixtures/sites/kr-cafe24-complete",
        "--rules",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        check.status.code(),
        Some(2),
        "a bad rule folder stops check too"
    );
}

#[test]
fn rules_list_shows_ids_and_descriptions() {
    let o = siteready(&["rules", "list"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("checkout.pg.portone_v1"));
    assert!(out.contains("products.placeholder_all"));
}

/// `siteready.toml` in the current folder sets the crawl; a flag wins over it; an unknown key
/// or an out-of-range value is a usage error naming the file.
#[test]
fn a_settings_file_is_merged_under_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let site = std::fs::canonicalize("fixtures/sites/kr-cafe24-complete").unwrap();
    let site = site.to_str().unwrap();
    std::fs::write(
        dir.path().join("siteready.toml"),
        "max_pages = 3\nrate = 0\nrender = \"never\"\nlang = \"ko\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_siteready"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .expect("run siteready")
    };
    let o = run(&["check", site]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["settings"]["max_pages"], 3);
    assert_eq!(v["settings"]["render"], "never");
    assert_eq!(v["settings"]["lang"], "ko");
    assert!(v["crawl"]["pages_fetched"].as_u64().unwrap() <= 3);

    let o = run(&["check", site, "--max-pages", "5", "--lang", "en"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["settings"]["max_pages"], 5);
    assert_eq!(v["settings"]["lang"], "en");

    std::fs::write(dir.path().join("bad.toml"), "max_pagez = 3\n").unwrap();
    let o = run(&["check", site, "--config", "bad.toml"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(e.contains("bad.toml") && e.contains("max_pagez"), "{e}");

    std::fs::write(dir.path().join("slow.toml"), "rate = 0.00001\n").unwrap();
    let o = run(&["check", site, "--config", "slow.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("slow.toml"), "{}", stderr(&o));

    let o = run(&["check", site, "--config", "missing.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.toml"), "{}", stderr(&o));
}
