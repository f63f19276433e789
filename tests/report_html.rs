//! The HTML report: every string that came from the site stays text. The hostile fixture
//! (`fixtures/hostile/xss-shop`) puts `<script>`, `"><img onerror=…>`, `</title>` and
//! `javascript:` URLs into titles, headings, link texts, product names, policy text and headers.

use scraper::{Html, Selector};
use siteready::report::{to_html, Report};
use siteready::rules::RuleSet;

/// Elements the report template writes; anything else in the output came from a site.
const TEMPLATE_ELEMENTS: &[&str] = &[
    "html",
    "head",
    "meta",
    "link",
    "title",
    "style",
    "body",
    "div",
    "header",
    "footer",
    "section",
    "article",
    "nav",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "span",
    "b",
    "a",
    "code",
    "mark",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
];

async fn hostile_report(lang: siteready::Lang) -> Report {
    let rules = RuleSet::embedded().expect("embedded rules");
    let config = siteready::Config {
        lang,
        // Every page, not only until the four prerequisites pass: all the hostile data.
        exhaustive: true,
        ..siteready::fixtures::config()
    };
    siteready::audit("fixtures/hostile/xss-shop", &rules, &config)
        .await
        .expect("the hostile fixture is served and checked")
}

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("selector")
}

/// Asserts that the document holds nothing but the template's own markup.
fn assert_inert(html: &str) {
    let doc = Html::parse_document(html);
    assert!(doc.errors.is_empty(), "HTML parse errors: {:?}", doc.errors);
    let mut names = std::collections::BTreeSet::new();
    for node in doc.tree.nodes() {
        if let Some(el) = node.value().as_element() {
            names.insert(el.name().to_string());
            for (attr, value) in el.attrs() {
                assert!(
                    !attr.to_ascii_lowercase().starts_with("on"),
                    "event handler attribute {attr}={value:?} on <{}>",
                    el.name()
                );
                let v = value.trim().to_ascii_lowercase();
                assert!(
                    !v.starts_with("javascript:") && !v.starts_with("data:text"),
                    "script URL in {attr}={value:?}"
                );
            }
        }
    }
    let extra: Vec<&String> = names
        .iter()
        .filter(|n| !TEMPLATE_ELEMENTS.contains(&n.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "elements the template never writes: {extra:?}"
    );
    assert_eq!(doc.select(&sel("script")).count(), 0);
    assert_eq!(
        doc.select(&sel("style")).count(),
        1,
        "one inline style sheet"
    );
    assert_eq!(doc.select(&sel("title")).count(), 1);
    for a in doc.select(&sel("a[href]")) {
        let href = a.value().attr("href").unwrap_or_default();
        assert!(
            href.starts_with("http://") || href.starts_with("https://") || href.starts_with('#'),
            "link to {href:?}"
        );
    }
    for l in doc.select(&sel("link")) {
        assert_eq!(
            l.value().attr("href"),
            Some("data:,"),
            "no external resource"
        );
    }
    for m in doc.select(&sel("mark")) {
        assert!(
            m.children().all(|c| c.value().is_text()),
            "a highlight holds only text"
        );
    }
    // The browser is told to refuse any script or external load, whatever slips through.
    let csp = doc
        .select(&sel("meta[http-equiv=\"Content-Security-Policy\"]"))
        .next()
        .and_then(|m| m.value().attr("content").map(str::to_string))
        .expect("a Content-Security-Policy");
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(!csp.contains("script-src"), "{csp}");
}

fn text_of(html: &str) -> String {
    let doc = Html::parse_document(html);
    doc.root_element().text().collect::<Vec<_>>().join("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_site_strings_never_become_markup() {
    let report = hostile_report(siteready::Lang::En).await;
    // The fixture did put markup into the report's data, so the test means something.
    let json = siteready::report::to_json(&report);
    for s in [
        "</title><script>alert(\\\"title\\\")</script>",
        "onerror=alert(4)",
        "javascript:alert(",
        "\\\"><script>alert(16)</script>",
        "\\\"><img src=x onerror=alert(17)>",
    ] {
        assert!(json.contains(s), "report data lacks {s}");
    }
    let html = to_html(&report);
    assert_inert(&html);
    let text = text_of(&html);
    for s in [
        "</title><script>alert(\"title\")</script> Evil & Co",
        "Plate \"><img src=x onerror=alert(4)>",
        "<script>alert(\"cost\")</script>",
        "</textarea><script>alert(10)</script>",
        "<iframe src=javascript:alert(11)>",
        "javascript:alert('regions')",
        "text/html; x=\"><script>alert(16)</script>",
        "q=\"><img src=x onerror=alert(17)>",
    ] {
        assert!(text.contains(s), "the page shows {s:?} as text");
    }
    // Highlights wrap the matched text only, escaped.
    assert!(
        html.contains(
            "<mark>Refund policy &quot;&gt;&lt;img src=x onerror=alert(&quot;refund&quot;)&gt;"
        ),
        "highlighted match is escaped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_http_urls_are_shown_as_text() {
    let mut report = hostile_report(siteready::Lang::Ko).await;
    // URLs a crawler would never record, in every URL field the page shows.
    let bad = [
        "javascript:alert('ev')",
        "data:text/html,<script>alert(1)</script>",
        " JAVASCRIPT:alert(2)",
        "vbscript:msgbox(3)",
    ];
    report.target.url = bad[0].into();
    report.target.final_url = Some(bad[3].into());
    report.checks[0].evidence[0].url = bad[0].into();
    report.checks[1].evidence[0].url = bad[1].into();
    report.crawl.pages[0].url = bad[2].into();
    report.crawl.pages[0].final_url = bad[3].into();
    report.errors.push(siteready::report::model::PageError {
        url: bad[1].into(),
        kind: siteready::error::ErrorKind::Other,
        message: "<script>alert('error')</script>".into(),
    });
    let html = to_html(&report);
    assert_inert(&html);
    let text = text_of(&html);
    for b in bad {
        assert!(text.contains(b.trim()), "{b} shown as text");
    }
    assert!(text.contains("<script>alert('error')</script>"));
    assert!(text.contains("심사 준비"), "Korean labels");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_shows_verdict_cards_crawl_errors_and_settings() {
    let rules = RuleSet::embedded().unwrap();
    let report = siteready::audit(
        "fixtures/sites/kr-missing-refund",
        &rules,
        &siteready::fixtures::config(),
    )
    .await
    .unwrap();
    let html = to_html(&report);
    assert_inert(&html);
    let doc = Html::parse_document(&html);
    let verdict = doc.select(&sel("#verdict")).next().expect("verdict banner");
    assert_eq!(verdict.value().attr("data-ready"), Some("false"));
    let verdict_text: String = verdict.text().collect();
    assert!(
        verdict_text.contains("Not ready for review"),
        "{verdict_text}"
    );
    assert!(verdict_text.contains(&report.verdict.score.to_string()));
    let cards: Vec<(String, String)> = doc
        .select(&sel("#prerequisites article.card"))
        .map(|c| {
            (
                c.value().attr("data-check").unwrap_or_default().to_string(),
                c.value()
                    .attr("data-status")
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        cards,
        [
            ("products".to_string(), "pass".to_string()),
            ("shipping_policy".into(), "pass".into()),
            ("refund_policy".into(), "fail".into()),
            ("checkout".into(), "pass".into()),
        ]
    );
    let refund = doc
        .select(&sel("#check-refund_policy"))
        .next()
        .expect("refund card");
    let refund_text: String = refund.text().collect();
    let advice = report.checks[2]
        .advice
        .clone()
        .expect("advice for a failing check");
    assert!(refund_text.contains(&advice), "advice shown");
    assert!(refund_text.contains(&report.checks[2].missing[0].description));
    assert_eq!(doc.select(&sel("#advisory article.card")).count(), 1);
    // Evidence: rule ids, page links, highlighted matches.
    assert!(doc.select(&sel("#check-products code.rule")).count() > 0);
    assert!(
        doc.select(&sel("#check-products .hit a[href^=\"http://127.0.0.1:\"]"))
            .count()
            > 0
    );
    assert!(doc.select(&sel("#check-shipping_policy mark")).count() > 0);
    // Crawl table: one row per page; errors and settings sections.
    assert_eq!(
        doc.select(&sel("#crawl table.pages tbody tr")).count(),
        report.crawl.pages.len()
    );
    assert!(doc.select(&sel("#errors")).next().is_some());
    let settings: String = doc
        .select(&sel("#settings"))
        .next()
        .expect("settings")
        .text()
        .collect();
    assert!(settings.contains(&report.tool.rules_digest));
    assert!(settings.contains(&report.started_at));
    assert!(settings.contains(&report.tool.version));
}
