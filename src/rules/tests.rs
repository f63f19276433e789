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

#[test]
fn selector_rules_pass_and_fail_a_page() {
    let extra = r#"
[[rule]]
id = "checkout.card_number_field"
description = "A card number field in the payment form"
kind = "selector"
selector = "form#pay input[name='card_number']"
prerequisite = "checkout"
weight = 10
tags = ["payment"]
"#;
    let rules = RuleSet::from_sources(&files(extra)).expect("rules with a selector rule");
    assert_eq!(rules.selectors.len(), 1);
    let id = rules
        .rules
        .iter()
        .position(|r| r.id == "checkout.card_number_field")
        .expect("rule");
    let url = url::Url::parse("https://shop.example/order/checkout").expect("url");
    let hit = |html: &str| {
        let f = crate::extract::extract(&url, html, &rules.selectors);
        let eval = rules.evaluate(eval::PageInput {
            url: &url,
            status: 200,
            facts: Some(&f),
            predicted: &[],
            enough: None,
        });
        eval.hits
            .iter()
            .find(|h| h.rule == id)
            .map(|h| h.snippet.clone())
    };
    let pass = "<html><body><form id=pay><p>Card<p><input name=card_number></form></body></html>";
    assert!(hit(pass).is_some());
    // Sloppy markup (unclosed paragraphs) still nests the field inside the form.
    assert!(hit("<form id=pay><div><p>Card <input name=card_number></div>").is_some());
    assert!(hit("<form id=other><input name=card_number></form>").is_none());
    assert!(hit("<form id=pay><input name=email></form>").is_none());
}
