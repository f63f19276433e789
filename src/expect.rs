//! The application cross-check: values the merchant gave in the application (company name,
//! registration numbers, representative, phone, email) looked for in the site's
//! business-information block. Reviewers compare the footer with the application by hand; this
//! does it for every page's footer and says what the site shows instead.

use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

/// Keys accepted by `--expect KEY=VALUE` and the matching batch CSV columns.
pub const KEYS: &[&str] = &[
    "name",
    "reg_no",
    "mail_order_no",
    "representative",
    "phone",
    "email",
];

/// Outcome for one expected value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The site shows the value (digits compared for numbers, names folded).
    Match,
    /// The site shows the field's label with a different value.
    Mismatch,
    /// The site shows neither the value nor the field's label.
    Missing,
}

/// One expected value and what the site shows.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// Which field (one of [`KEYS`]).
    pub key: String,
    /// The value from the application, as given.
    pub expected: String,
    /// Whether the site shows it.
    pub outcome: Outcome,
    /// What the site shows next to the field's label, when it shows anything.
    pub shown: Option<String>,
    /// Page where the value (or the label) was found.
    pub url: Option<String>,
}

/// Parses `KEY=VALUE`, refusing unknown keys so a typo does not silently check nothing.
pub fn parse(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not KEY=VALUE"))?;
    let k = k.trim().to_ascii_lowercase().replace('-', "_");
    if !KEYS.contains(&k.as_str()) {
        return Err(format!("unknown key '{k}' (known: {})", KEYS.join(", ")));
    }
    let v = v.trim();
    if v.is_empty() {
        return Err(format!("'{k}' has an empty value"));
    }
    Ok((k, v.to_string()))
}

fn numeric(key: &str) -> bool {
    matches!(key, "reg_no" | "mail_order_no" | "phone")
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Folds a company or person name: no spaces, no legal-form markers, lower case.
pub fn fold_name(s: &str) -> String {
    let mut t = s.to_lowercase();
    for form in [
        "(주)",
        "㈜",
        "주식회사",
        "(유)",
        "유한회사",
        "(사)",
        "co., ltd.",
        "co.,ltd.",
        "co., ltd",
        "inc.",
        "ltd.",
    ] {
        t = t.replace(form, "");
    }
    t.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn label(key: &str) -> Option<&'static Regex> {
    static LABELS: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    let all = LABELS.get_or_init(|| {
        let defs: [(&str, &str); 6] = [
            ("name", r"(?i)(상호\s*명?|회사\s*명|법인\s*명(\s*\(상호\))?|company(\s*name)?|販売業者|公司名[称稱]|tên (doanh nghiệp|công ty)|nama perusahaan|ชื่อบริษัท)\s*[:：]?\s*"),
            ("representative", r"(?i)(대표\s*(자|이사)?\s*(명|성명)?|representative|\bceo\b|運営(統括)?責任者|代表者|法定代表人|người đại diện)\s*[:：]?\s*"),
            ("reg_no", r"(?i)(사업자\s*(등록)?\s*번호|business (registration|reg\.?) (no\.?|number)|統一編號|统一社会信用代码|mã số (doanh nghiệp|thuế))\s*[:：]?\s*"),
            ("mail_order_no", r"(통신\s*판매\s*(업)?\s*신고\s*(번호)?)\s*[:：]?\s*"),
            ("phone", r"(?i)(고객\s*센터|대표\s*전화|전화\s*(번호)?|\btel\b\.?|phone|電話(番号)?|电话|điện thoại|hotline|telepon|โทร)\s*[:：]?\s*"),
            ("email", r"(?i)(이메일|e-?mail|メール(アドレス)?|邮箱|信箱)\s*[:：]?\s*"),
        ];
        defs.iter()
            .filter_map(|(k, p)| Regex::new(p).ok().map(|r| (*k, r)))
            .collect()
    });
    all.iter().find(|(k, _)| *k == key).map(|(_, r)| r)
}

/// What follows a field's label, cut at the next separator.
fn shown_after(key: &str, text: &str) -> Option<String> {
    let m = label(key)?.find(text)?;
    let rest: String = text[m.end()..].chars().take(48).collect();
    let cut = rest
        .find(['|', '·', '/', '│', ','])
        .map(|i| &rest[..i])
        .unwrap_or(&rest);
    let v = if numeric(key) {
        static NUM: OnceLock<Option<Regex>> = OnceLock::new();
        let re = NUM.get_or_init(|| {
            Regex::new(r"(제\s*)?\+?\d[\d\-–.() ]*(\s*-?\s*\p{Hangul}+\s*-?\s*\d[\d\-]*)?\s*호?")
                .ok()
        });
        re.as_ref()?
            .find(cut)
            .map(|m| m.as_str().trim().to_string())?
    } else if key == "email" {
        cut.split_whitespace()
            .find(|w| w.contains('@'))?
            .to_string()
    } else {
        // Names: up to the next label-like word.
        cut.split_whitespace().take(4).collect::<Vec<_>>().join(" ")
    };
    let v = v.trim().to_string();
    (!v.is_empty()).then_some(v)
}

/// Looks for each expected value in the business-information texts (`(url, text)`, footers
/// first).
pub fn cross_check(expect: &[(String, String)], texts: &[(String, String)]) -> Vec<Finding> {
    let mut out = Vec::new();
    static RUN: OnceLock<Option<Regex>> = OnceLock::new();
    let run = RUN.get_or_init(|| Regex::new(r"\d[\d\-–. )(]*\d|\d").ok());
    for (key, expected) in expect {
        let want_digits = digits(expected);
        let want_name = fold_name(expected);
        let mut hit: Option<String> = None;
        for (url, text) in texts {
            let found = match key.as_str() {
                k if numeric(k) => {
                    // Any run of digits and separators whose digits equal the expected digits.
                    let in_runs = run.as_ref().is_some_and(|re| {
                        re.find_iter(text)
                            .any(|m| digits(m.as_str()) == want_digits)
                    });
                    in_runs || shown_after(key, text).is_some_and(|s| digits(&s) == want_digits)
                }
                "email" => text.to_lowercase().contains(&expected.to_lowercase()),
                _ => !want_name.is_empty() && fold_name(text).contains(&want_name),
            };
            if found {
                hit = Some(url.clone());
                break;
            }
        }
        let (outcome, shown, url) = match hit {
            Some(u) => (Outcome::Match, None, Some(u)),
            None => {
                let shown = texts
                    .iter()
                    .find_map(|(u, t)| shown_after(key, t).map(|s| (s, u.clone())));
                match shown {
                    Some((s, u)) => (Outcome::Mismatch, Some(s), Some(u)),
                    None => (Outcome::Missing, None, None),
                }
            }
        };
        out.push(Finding {
            key: key.clone(),
            expected: expected.clone(),
            outcome,
            shown,
            url,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Vec<(String, String)> {
        vec![("http://s/".into(), s.into())]
    }

    #[test]
    fn numbers_match_by_digits_and_mismatches_show_the_site_value() {
        let text = t("상호: (주)다온키친 대표자: 김다온 사업자등록번호: 123-45-67890 통신판매업신고번호: 제2024-서울강남-01234호 고객센터 1588-1234 이메일: help@daon.example");
        let f = cross_check(
            &[
                ("reg_no".into(), "1234567890".into()),
                ("mail_order_no".into(), "2024-서울강남-01234".into()),
                ("name".into(), "다온키친 주식회사".into()),
                ("representative".into(), "김다온".into()),
                ("phone".into(), "15881234".into()),
                ("email".into(), "HELP@daon.example".into()),
            ],
            &text,
        );
        assert!(f.iter().all(|f| f.outcome == Outcome::Match), "{f:#?}");
        let f = cross_check(&[("reg_no".into(), "123-45-99999".into())], &text);
        assert_eq!(f[0].outcome, Outcome::Mismatch);
        assert_eq!(f[0].shown.as_deref(), Some("123-45-67890"));
        let f = cross_check(
            &[("reg_no".into(), "1".into())],
            &t("no business info here"),
        );
        assert_eq!(f[0].outcome, Outcome::Missing);
    }

    #[test]
    fn parse_refuses_unknown_keys() {
        assert_eq!(
            parse("reg-no=123").unwrap(),
            ("reg_no".into(), "123".into())
        );
        assert!(parse("regno=1").is_err());
        assert!(parse("name=").is_err());
    }
}
