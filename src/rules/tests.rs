use super::*;

fn files(extra: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = EMBEDDED
        .iter()
        .map(|(n, s)| (format!("rules/{n}"), s.to_string()))
        .collect();
    v.push(("rules/extra.toml".into(), extra.to_string()));
    v
}

fn problems(extra: &str) -> Vec<RuleProblem> {
    match RuleSet::from_sources(&files(extra)) {
        Err(Error::Rules(p)) => p,
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("rules unexpectedly valid"),
    }
}

#[test]
fn embedded_rules_compile_with_unique_ids() {
    let r = RuleSet::embedded().unwrap();
    assert_eq!(
        r.prerequisites
            .iter()
            .take(4)
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        PREREQUISITES
    );
    let mut ids: Vec<&str> = r.rules.iter().map(|r| r.id.as_str()).collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n);
    assert!(r.rules.iter().all(|r| !r.description.is_empty()));
    assert!(r.digest.starts_with("sha256:"));
}

#[test]
fn every_problem_is_reported_with_file_and_line() {
    let p = problems(
        "\n[[rule]]\nid = \"x.bad_regex\"\nprerequisite = \"products\"\ndescription = \"d\"\nkind = \"text\"\npattern = \"(unclosed\"\n\n[[rule]]\nid = \"products.page\"\nprerequisite = \"products\"\ndescription = \"dup\"\nkind = \"url\"\npattern = \"x\"\n\n[[rule]]\nid = \"x.kind\"\nprerequisite = \"nope\"\ndescription = \"d\"\nkind = \"smell\"\n",
    );
    let text: Vec<String> = p.iter().map(|p| p.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("rules/extra.toml:2:") && t.contains("bad pattern")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.starts_with("rules/extra.toml:9:") && t.contains("already used")),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("unknown prerequisite 'nope'")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|t| t.contains("unknown kind 'smell'")),
        "{text:?}"
    );
}

#[test]
fn syntax_errors_name_the_line() {
    let p = problems("\n\n[[rule]\nid = 1\n");
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].file, "rules/extra.toml");
    assert_eq!(p[0].line, 3);
}

#[test]
fn keywords_match_with_flexible_spaces() {
    let re = keywords_regex(&["배송 비".into(), "Free Shipping".into()]).unwrap();
    assert!(re.is_match("배송비 3,000원"));
    assert!(re.is_match("free  shipping"));
    assert_eq!(parse_status_range("4xx"), Some((400, 499)));
    assert_eq!(parse_status_range("400-599"), Some((400, 599)));
    assert_eq!(parse_status_range("9xx"), None);
}
