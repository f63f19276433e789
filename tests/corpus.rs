//! The yardstick: real public shops nobody on this project wrote, with a reviewer's labels,
//! kept beside the project in `../shared/corpus`. Its scorer serves each shop on 127.0.0.1 and
//! runs this build's binary on it. There must be no false pass (a prerequisite passed that the
//! reviewer rejects), and the verdicts must agree with the reviewer at least as often as the
//! floor in `tests/corpus-floor.toml` says: the floor is raised as verdicts improve, never
//! lowered.
//!
//! Where the corpus is not beside the project the test says so and passes, unless
//! `SITEREADY_REQUIRE_CORPUS=1` (set by CI), where a missing corpus or Python is a failure.

use std::path::Path;
use std::process::Command;

/// The floor file is read before any shop is scored, so a malformed one fails in a second,
/// not after the whole corpus has run.
#[test]
fn floor_file_names_a_floor() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(agreement_floor(root) > 0);
}

#[test]
fn corpus_verdicts_agree_with_the_reviewer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let scorer = root.join("../shared/corpus/score.py");
    let required = std::env::var("SITEREADY_REQUIRE_CORPUS").is_ok_and(|v| v == "1");
    let floor = agreement_floor(root);
    if !scorer.exists() {
        assert!(!required, "no corpus at {}", scorer.display());
        eprintln!("corpus: {} not found, not scored", scorer.display());
        return;
    }
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("corpus.json");
    let run = Command::new("python3")
        .arg(&scorer)
        .arg("--bin")
        .arg(env!("CARGO_BIN_EXE_siteready"))
        .arg("--json")
        .arg(&json)
        .args(["--", "--rate", "0"])
        .output();
    let run = match run {
        Ok(r) => r,
        Err(e) => {
            assert!(!required, "cannot run python3: {e}");
            eprintln!("corpus: python3 not available ({e}), not scored");
            return;
        }
    };
    let printed = String::from_utf8_lossy(&run.stdout);
    eprintln!("{printed}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap_or_default())
            .unwrap_or_else(|e| panic!("the scorer wrote no summary ({e}):\n{printed}"));
    let s = &report["summary"];
    let (agree, of, false_pass, no_report) = (
        s["agree"].as_u64().unwrap(),
        s["of"].as_u64().unwrap(),
        s["false_pass"].as_u64().unwrap(),
        s["no_report"].as_u64().unwrap(),
    );
    assert!(of > 0, "no site scored:\n{printed}");
    assert_eq!(no_report, 0, "sites without a report:\n{printed}");
    assert_eq!(false_pass, 0, "false passes on the corpus:\n{printed}");
    assert!(
        agree >= floor,
        "{agree}/{of} verdicts agree, below the floor of {floor} in tests/corpus-floor.toml:\n{printed}"
    );
}

/// The least number of agreeing verdicts, from `tests/corpus-floor.toml` (`agree = N`).
fn agreement_floor(root: &Path) -> u64 {
    let path = root.join("tests/corpus-floor.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let v: toml::Table = text
        .parse()
        .unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()));
    v.get("agree")
        .and_then(toml::Value::as_integer)
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or_else(|| panic!("{} has no 'agree = N'", path.display()))
}
