//! JUnit XML for CI systems (GitHub Actions test reporters, GitLab, Jenkins): one test case per
//! prerequisite, so a pipeline shows which prerequisite failed and what to tell the merchant.
//!
//! Written by hand rather than with `quick-junit`: that crate fixes a four-space indent and
//! writes timestamps with milliseconds and an offset, which would change a file CI pipelines
//! already parse and diff. The format is small; escaping is in one function, tested below.

use super::gate::{Gate, Outcome};
use super::labels;
use super::model::{Check, Report};

/// The report as JUnit XML. `host` names the suite (`siteready.<host>`); the outcome of each
/// prerequisite follows `gate` (its `--inconclusive` policy, and `--require`: prerequisites not
/// required are reported as skipped). A `--fail-under` gate adds one `score` test case.
pub fn to_junit(r: &Report, host: &str, gate: &Gate) -> String {
    let l = labels::for_lang(&r.settings.lang);
    let classname = format!("siteready.{}", classname_part(host));
    let secs = format!("{:.3}", r.duration_ms as f64 / 1000.0);
    let mut cases: Vec<String> = Vec::new();
    let (mut failures, mut errors, mut skipped) = (0usize, 0usize, 0usize);
    let target_url = r.target.final_url.as_deref().unwrap_or(&r.target.url);
    for c in r.checks.iter().filter(|c| !c.advisory) {
        let mut body = String::new();
        if gate.covers(c) {
            match gate.outcome(c.status) {
                Outcome::Passed => {}
                Outcome::Failed => {
                    failures += 1;
                    body = format!(
                        "<failure message=\"{}\" type=\"{}\">{}</failure>",
                        xml(&short_message(c, l)),
                        c.status.as_str(),
                        xml_text(&details(c, l))
                    );
                }
                Outcome::Skipped => {
                    skipped += 1;
                    body = format!(
                        "<skipped message=\"{}\"/>",
                        xml(&format!(
                            "{} is inconclusive (--inconclusive pass): {}",
                            c.id,
                            short_message(c, l)
                        ))
                    );
                }
                Outcome::Errored => {
                    errors += 1;
                    body = format!(
                        "<error message=\"{}\" type=\"inconclusive\">{}</error>",
                        xml(&short_message(c, l)),
                        xml_text(&details(c, l))
                    );
                }
            }
        } else {
            skipped += 1;
            body = format!(
                "<skipped message=\"{}\"/>",
                xml(&format!(
                    "{} ({}: {})",
                    l.junit_not_required, c.id, c.status
                ))
            );
        }
        cases.push(format!(
            "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">\n      <properties>\n        <property name=\"status\" value=\"{}\"/>\n        <property name=\"score\" value=\"{}\"/>\n        <property name=\"url\" value=\"{}\"/>\n      </properties>\n{}    </testcase>\n",
            xml(&classname),
            xml(&c.id),
            c.status.as_str(),
            c.score,
            xml(target_url),
            if body.is_empty() {
                String::new()
            } else {
                format!("      {body}\n")
            }
        ));
    }
    if let Some(n) = gate.fail_under {
        let s = r.verdict.score;
        let body = if s < n {
            failures += 1;
            format!(
                "      <failure message=\"{}\" type=\"fail_under\"/>\n",
                xml(&format!("score {s} is under {n}"))
            )
        } else {
            String::new()
        };
        cases.push(format!(
            "    <testcase classname=\"{}\" name=\"score\" time=\"0\">\n      <properties>\n        <property name=\"score\" value=\"{s}\"/>\n        <property name=\"fail_under\" value=\"{n}\"/>\n      </properties>\n{body}    </testcase>\n",
            xml(&classname)
        ));
    }
    let tests = cases.len();
    let mut o = String::new();
    o.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    o.push_str(&format!(
        "<testsuites name=\"siteready\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{secs}\">\n"
    ));
    o.push_str(&format!(
        "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{secs}\" timestamp=\"{}\">\n",
        xml(&classname),
        xml(r.started_at.trim_end_matches('Z'))
    ));
    o.push_str("    <properties>\n");
    let props: Vec<(&str, String)> = vec![
        ("input", r.target.input.clone()),
        ("url", target_url.to_string()),
        ("ready", r.verdict.ready.to_string()),
        ("score", r.verdict.score.to_string()),
        ("status", r.verdict.status.as_str().to_string()),
        ("inconclusive", gate.inconclusive.as_str().to_string()),
        ("rules_digest", r.tool.rules_digest.clone()),
        ("version", r.tool.version.clone()),
    ];
    for (k, v) in props {
        o.push_str(&format!(
            "      <property name=\"{k}\" value=\"{}\"/>\n",
            xml(&v)
        ));
    }
    o.push_str("    </properties>\n");
    for c in cases {
        o.push_str(&c);
    }
    o.push_str(&format!(
        "    <system-out>{}</system-out>\n",
        xml_text(&r.verdict.summary)
    ));
    o.push_str("  </testsuite>\n</testsuites>\n");
    o
}

/// The failure message: what is missing, then the advice for the merchant.
fn short_message(c: &Check, l: &labels::Labels) -> String {
    let mut parts: Vec<String> = Vec::new();
    if !c.missing.is_empty() {
        parts.push(format!(
            "{}: {}",
            l.junit_missing,
            c.missing
                .iter()
                .map(|m| m.description.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    if let Some(a) = c.advice.as_deref().filter(|a| !a.trim().is_empty()) {
        parts.push(format!("{}: {a}", l.junit_advice));
    }
    if parts.is_empty() {
        if let Some(reason) = &c.reason {
            parts.push(reason.clone());
        } else {
            parts.push(format!("{} is {} (score {}/100)", c.id, c.status, c.score));
        }
    }
    parts.join(" — ")
}

/// The failure body: status, reason, each missing item with its rules, advice, evidence pages.
fn details(c: &Check, l: &labels::Labels) -> String {
    let mut s = format!("{}: {} ({}/100)\n", c.title, c.status, c.score);
    if let Some(reason) = &c.reason {
        s.push_str(&format!("{reason}\n"));
    }
    if !c.missing.is_empty() {
        s.push_str(&format!("{}:\n", l.junit_missing));
        for m in &c.missing {
            s.push_str(&format!("  - {} [{}]\n", m.description, m.rules.join(", ")));
        }
    }
    if let Some(a) = &c.advice {
        s.push_str(&format!("{}: {a}\n", l.junit_advice));
    }
    s
}

/// Keeps a host usable inside a dotted JUnit class name.
fn classname_part(host: &str) -> String {
    let s: String = host
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let s = s.trim_matches('.').to_string();
    if s.is_empty() {
        "site".into()
    } else {
        s
    }
}

/// Escapes text for an XML 1.0 attribute, dropping characters XML cannot carry.
fn xml(s: &str) -> String {
    xml_escape(s, true)
}

/// Escapes text for XML 1.0 element content (line breaks kept as they are).
fn xml_text(s: &str) -> String {
    xml_escape(s, false)
}

fn xml_escape(s: &str, attr: bool) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' if attr => out.push_str("&#10;"),
            '\n' => out.push('\n'),
            '\t' | '\r' => out.push(' '),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_drops_invalid_characters() {
        assert_eq!(xml("a<b>&\"'\u{0}\u{1b}c"), "a&lt;b&gt;&amp;&quot;&apos;c");
        assert_eq!(classname_part("127.0.0.1:8080"), "127.0.0.1_8080");
        assert_eq!(classname_part("shop.example"), "shop.example");
        assert_eq!(classname_part(""), "site");
    }
}
