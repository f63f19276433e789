//! The quality gate in front of every pass: evidence a reviewer would not accept is set aside
//! before any check counts it, whatever rule found it, and the report says what was set aside
//! and why. It reads how pages are made rather than what they say:
//!
//! - **template source**: a page whose visible text is full of unrendered placeholders
//!   (`{$form.bankaccount}`, `{{ product.title }}`) is a skin file served as a site;
//! - **page classes that never prove a check**: a payment-policy page is no payment step, a
//!   sign-up page's consent text is no refund policy (`never_proves` in `classes.toml`);
//! - **sections**: a policy heading and the text under it is read on any page, so a guide used
//!   as the start page, or a product page's shipping tab, is not lost to its page class.

use regex::Regex;

use super::{Owner, RuleSet};
use crate::extract::PageFacts;

/// Longest section read after a heading, in bytes: about a screen of policy text.
const SECTION_BYTES: usize = 3000;

/// A policy section of one page: the text under a heading of a class with `sections = true`.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    /// The class whose heading rule the label matched.
    pub class: usize,
    /// Byte range of the heading label in the page text.
    pub label: (usize, usize),
    /// Byte range of the section's text in the page text (after its heading).
    pub start: usize,
    pub end: usize,
}

/// One piece of evidence the gate set aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discard {
    /// Index of the rule whose hit was set aside.
    pub rule: usize,
    /// Why, in a reviewer's words.
    pub reason: String,
}

/// Why a page proves nothing at all, if it does not: it is template source, or it redirects
/// the visitor away as it loads.
pub(crate) fn template_source(f: &PageFacts) -> Option<String> {
    let n = f.template_tokens;
    // A few braces are normal (a policy page with a theme's leftover `{% if %}`, a code
    // sample); a page where they recur through the text, one per 100 bytes or more, is a
    // template file.
    if f.redirects_away {
        return Some(
            "the page sends the visitor away as it loads (a script redirects before anything can be used)"
                .to_string(),
        );
    }
    (n >= 4 && n * 100 >= f.text.len()).then(|| {
        format!(
            "the page is template source ({n} unrendered placeholders such as {{$name}} or {{{{ name }}}})"
        )
    })
}

/// Why a name read off a page is no product name, if it is not: a template placeholder
/// (`{$name}`, `{{ product.title }}`), or a label (`반송 택배비 :`, `Shipping fee`) that a
/// form or a fee table repeats beside a number.
pub fn name_gate(name: &str) -> Option<&'static str> {
    static FEE: std::sync::LazyLock<Option<Regex>> = std::sync::LazyLock::new(|| {
        Regex::new(
            r"(?i)(택배\s*비|배송\s*비|배송\s*료|반품\s*비|교환\s*비|수수료|^\s*(합계|총\s*(상품)?\s*(금액|합계)|결제\s*금액|할인\s*금액|적립금|포인트)\s*$|(?-u:\b)(shipping|delivery|handling|service)\s+(fee|cost|charge)s?(?-u:\b)|^\s*(sub\s*total|subtotal|total|tax|vat|discount)\s*$|送料|手数料|^\s*(小計|合計)\s*$|运费|運費|phí vận chuyển|ongkos kirim|ongkir|^\s*((판매|소비자|매입|공급|정상|할인)?\s*(단가|가격|금액|가)|정가|정산\s*(예정\s*)?금액|(unit\s+|sale\s+|regular\s+)?price|amount|prix|preis|precio|preço|giá( bán)?|harga|価格|単価|金額|价格|價格|单价|單價)\s*$)",
        )
        .ok()
    });
    let t = name.trim();
    if crate::extract::template_tokens(t) > 0 {
        return Some("the name is a template placeholder");
    }
    if t.ends_with(':') || t.ends_with('：') {
        return Some("the name is a form label (it ends with a colon)");
    }
    if FEE.as_ref().is_some_and(|re| re.is_match(t)) {
        return Some("the name is a fee, total or price label, not a product");
    }
    None
}

impl RuleSet {
    /// The prerequisites the page's classes say it never proves.
    pub(crate) fn never_proven(&self, classes: &[usize]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for &c in classes {
            if let Some(k) = self.classes.get(c) {
                out.extend(k.never_proves.iter().map(|&p| (p, c)));
            }
        }
        out
    }

    /// The gate's verdict on one hit of rule `i`: why it is set aside, if it is. Only evidence
    /// for a check is gated (weight above 0 or a required tag); vetoes and caps always count.
    pub(crate) fn gate_reason(
        &self,
        i: usize,
        never: &[(usize, usize)],
        template: Option<&str>,
    ) -> Option<String> {
        let r = &self.rules[i];
        let Owner::Prereq(p) = r.owner else {
            return None;
        };
        if r.weight <= 0 || r.effect.is_some() {
            return None;
        }
        if let Some(t) = template {
            return Some(t.to_string());
        }
        never.iter().find(|(q, _)| *q == p).map(|(_, c)| {
            format!(
                "a page of class '{}' never proves '{}'",
                self.classes[*c].id, self.prerequisites[p].id
            )
        })
    }

    /// The page's policy sections, in text order: each heading-like label of the page that a
    /// class's `section` pattern matches starts one; it runs to the next such label, at most
    /// [`SECTION_BYTES`].
    pub(crate) fn sections(&self, f: &PageFacts) -> Vec<Section> {
        let heads: Vec<(usize, &Regex)> = self
            .classes
            .iter()
            .enumerate()
            .filter_map(|(c, k)| k.section.as_ref().map(|re| (c, re)))
            .collect();
        if heads.is_empty() {
            return Vec::new();
        }
        let mut starts: Vec<(usize, usize, usize)> = Vec::new(); // (label start, text start, class)
        for &(s, e) in &f.marks {
            let Some(label) = f.text.get(s..e) else {
                continue;
            };
            if let Some(&(c, _)) = heads.iter().find(|(_, re)| re.is_match(label)) {
                starts.push((s, e, c));
            }
        }
        let mut out = Vec::with_capacity(starts.len());
        for (k, &(label, start, class)) in starts.iter().enumerate() {
            let next = starts.get(k + 1).map_or(f.text.len(), |n| n.0);
            let mut end = next.min(start + SECTION_BYTES).min(f.text.len());
            while !f.text.is_char_boundary(end) {
                end -= 1;
            }
            if end > start {
                out.push(Section {
                    class,
                    label: (label, start),
                    start,
                    end,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::name_gate;

    #[test]
    fn labels_fees_and_templates_are_not_product_names() {
        for label in [
            "반송 택배비 :",
            "단가",
            "매입가격",
            "정산예정 금액",
            "판매가",
            "Subtotal",
            "Unit price",
            "合計",
            "Giá bán",
            "{$product.name}",
        ] {
            assert!(name_gate(label).is_some(), "{label}");
        }
        for name in [
            "무쇠 프라이팬",
            "Linen Apron",
            "Chân váy bò chữ A",
            "가격파괴 양말 세트",
        ] {
            assert_eq!(name_gate(name), None, "{name}");
        }
    }
}
