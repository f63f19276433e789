//! Price tokens in visible text: a number written with a currency (`6,400원`, `₩6,400`,
//! `950.000 đ`, `Rp 220.000,-`, `1,800円`, `NT$1,200`, `฿590`, `$40.00`, `Rs. 450`, `€ 25,00`).
//!
//! Product cards are recognised by the price they carry, so this reads every currency a shop in
//! our markets prints, and nothing that is merely a number (a year, a phone number, a count).

use std::sync::LazyLock;

use regex::Regex;

use super::structured::parse_price;

/// A price as written, and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceToken {
    /// The amount as a number, currency dropped.
    pub value: f64,
    /// The token as written, currency included (`₩6,400`).
    pub text: String,
    /// Byte range of the token in the text it was read from.
    pub start: usize,
    /// End of that byte range (exclusive).
    pub end: usize,
}

/// Currency before the number (`₩`, `$`, `Rp`, `NT$` …) or after it (`원`, `円`, `đ` …).
/// Word boundaries and digits are ASCII: a Unicode `\b` would keep the regex off its fast
/// engine on every non-ASCII page, and every text piece with a digit is read here.
static PRICE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:(?:NT|US|CA|AU|NZ|HK|S|R|A|C)?\$|₩|€|£|¥|￥|₫|đ|Đ|฿|₹|₱|",
        r"(?-u:\b)(?:Rp|Rs|RM|KRW|USD|EUR|GBP|JPY|CNY|RMB|TWD|VND|IDR|THB|INR|MYR|SGD|PHP|HKD|AUD|CAD)(?-u:\b)\.?)",
        r"\s?(?:[0-9][0-9.,]*[0-9]|[0-9])",
        r"|(?:[0-9][0-9.,]*[0-9]|[0-9])\s?(?:원|円|元|₫|đ|VNĐ|€|\$|บาท|",
        r"(?:KRW|USD|EUR|GBP|JPY|CNY|RMB|TWD|VND|IDR|THB|INR|MYR|SGD|PHP|HKD|AUD|CAD)(?-u:\b))"
    ))
    .ok()
});

/// Every price token in `s`, in order. Cheap on text without digits.
pub fn prices_in(s: &str) -> Vec<PriceToken> {
    if !may_have_price(s) {
        return Vec::new();
    }
    let Some(re) = PRICE.as_ref() else {
        return Vec::new();
    };
    // The number is the match from its first digit to its last: currency marks hold none.
    // (Capture groups would run a slower engine on every match.)
    re.find_iter(s)
        .filter_map(|whole| {
            let t = whole.as_str();
            let a = t.find(|c: char| c.is_ascii_digit())?;
            let b = t.rfind(|c: char| c.is_ascii_digit())?;
            let value = parse_price(&t[a..=b])?;
            Some(PriceToken {
                value,
                text: whole.as_str().to_string(),
                start: whole.start(),
                end: whole.end(),
            })
        })
        .collect()
}

/// Whether `s` holds a price token (no allocation for text without one).
pub fn has_price(s: &str) -> bool {
    may_have_price(s) && PRICE.as_ref().is_some_and(|re| re.is_match(s))
}

/// A cheap screen before the regex, in one pass over the bytes: a digit, and a currency mark
/// (`$`; two ASCII capitals or `Rp`/`Rs` for the codes; the UTF-8 of ₩ € ₫ ₹ ₱ £ ¥ ￥ ฿ บาท
/// 원 円 元 đ Đ). Most text with a digit is a date, a count or a phone number, and is turned
/// away here.
fn may_have_price(s: &str) -> bool {
    let b = s.as_bytes();
    // Most text has no digit: eight bytes at a time, it is turned away. With a digit anywhere,
    // any currency mark anywhere lets the regex decide.
    has_digit(b) && has_mark(b)
}

/// Whether `b` holds a currency mark (see [`may_have_price`]). Eight-byte blocks with no `$`,
/// no capital and no non-ASCII byte (most of a lower-case sentence) are skipped whole.
fn has_mark(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    const LOW7: u64 = ONES * 0x7F;
    let mut i = 0;
    while i < b.len() {
        if let Some(c) = b.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            let x = u64::from_le_bytes(w);
            let low = x & LOW7;
            // A byte in b'A'..=b'Z' (between 0x40 and 0x5B, exclusive).
            let upper =
                (ONES * (127 + 0x5B)).wrapping_sub(low) & !x & (low + ONES * (127 - 0x40)) & HIGH;
            let d = x ^ (ONES * u64::from(b'$'));
            let dollar = d.wrapping_sub(ONES) & !d & HIGH;
            if upper == 0 && dollar == 0 && x & HIGH == 0 {
                i += 8;
                continue;
            }
        }
        let end = (i + 8).min(b.len());
        while i < end {
            if mark_at(b, i) {
                return true;
            }
            i += 1;
        }
    }
    false
}

/// Whether a currency mark starts at `b[i]`: `$`; two ASCII capitals or `Rp`/`Rs` (the codes);
/// the UTF-8 of ₩ € ₫ ₹ ₱ £ ¥ ￥ ฿ บาท 원 円 元 đ Đ.
fn mark_at(b: &[u8], i: usize) -> bool {
    let next = |k: usize| b.get(i + k).copied().unwrap_or(0);
    match b[i] {
        b'$' => true,
        b'A'..=b'Z' => next(1).is_ascii_uppercase() || matches!(next(1), b'p' | b's'),
        // ₩ € ₫ ₹ ₱ (U+20A0 block) · £ ¥ · ￥ · Thai ฿ and บาท · 원 · 円 元 · đ Đ
        0xE2 => next(1) == 0x82,
        0xC2 => matches!(next(1), 0xA3 | 0xA5),
        0xEF => next(1) == 0xBF && next(2) == 0xA5,
        0xE0 => matches!(next(1), 0xB8 | 0xB9),
        0xEC => next(1) == 0x9B && next(2) == 0x90,
        0xE5 => (next(1), next(2)) == (0x86, 0x86) || (next(1), next(2)) == (0x85, 0x83),
        0xC4 => matches!(next(1), 0x90 | 0x91),
        _ => false,
    }
}

/// Whether `b` holds an ASCII digit, eight bytes at a time (a byte-wise `any` does not
/// vectorize: it stops early).
pub(super) fn has_digit(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = ONES * 0x80;
    const LOW7: u64 = ONES * 0x7F;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let x = u64::from_le_bytes(w);
        // A byte in 0x30..=0x39 (bit-twiddling "has between 0x2F and 0x3A", exclusive).
        let low = x & LOW7;
        let found =
            (ONES * (127 + 0x3A)).wrapping_sub(low) & !x & (low + ONES * (127 - 0x2F)) & HIGH;
        if found != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> f64 {
        let t = prices_in(s);
        assert_eq!(t.len(), 1, "{s:?} → {t:?}");
        t[0].value
    }

    #[test]
    fn has_mark_agrees_with_a_byte_scan() {
        let marks = [
            "$", "₩", "€", "원", "円", "元", "đ", "Đ", "฿", "£", "￥", "KRW", "Rp", "Rs",
        ];
        for m in marks {
            for pad in 0..17 {
                let s = format!("{}{m}{}", "a".repeat(pad), "b".repeat(17 - pad));
                assert!(has_mark(s.as_bytes()), "{s:?}");
            }
        }
        for s in [
            "abcdefgh ijklmnop 12345",
            "Abc def",
            "가나다라 마바사",
            "no. 2253",
        ] {
            let want = (0..s.len()).any(|i| mark_at(s.as_bytes(), i));
            assert_eq!(has_mark(s.as_bytes()), want, "{s:?}");
        }
    }

    #[test]
    fn has_digit_agrees_with_a_byte_scan() {
        let samples: Vec<Vec<u8>> = (0u16..=255)
            .flat_map(|b| {
                let b = b as u8;
                (0..17).map(move |pos| {
                    let mut v = vec![b'a'; 17];
                    v[pos] = b;
                    v
                })
            })
            .collect();
        for s in &samples {
            assert_eq!(has_digit(s), s.iter().any(u8::is_ascii_digit), "{s:?}");
        }
        assert!(!has_digit("가격 문의 ₩".as_bytes()));
        assert!(has_digit("₩6,400".as_bytes()));
    }

    #[test]
    fn reads_every_currency_a_card_prints() {
        assert_eq!(one("6400원"), 6400.0);
        assert_eq!(one("6,400 원"), 6400.0);
        assert_eq!(one("₩6,400"), 6400.0);
        assert_eq!(one("KRW 29,000"), 29000.0);
        assert_eq!(one("950.000 đ"), 950000.0);
        assert_eq!(one("đ 75.000"), 75000.0);
        assert_eq!(one("350.000₫"), 350000.0);
        assert_eq!(one("Rp 220.000,-"), 220000.0);
        assert_eq!(one("Rp. 1.250.000"), 1250000.0);
        assert_eq!(one("1,800円"), 1800.0);
        assert_eq!(one("¥3,980"), 3980.0);
        assert_eq!(one("199元"), 199.0);
        assert_eq!(one("NT$1,200"), 1200.0);
        assert_eq!(one("฿590"), 590.0);
        assert_eq!(one("590 บาท"), 590.0);
        assert_eq!(one("$40.00"), 40.0);
        assert_eq!(one("From £4.95 GBP"), 4.95);
        assert_eq!(one("€ 25,00"), 25.0);
        assert_eq!(one("19,90 €"), 19.9);
        assert_eq!(one("Rs. 450"), 450.0);
        assert_eq!(one("₹1,299"), 1299.0);
        assert_eq!(one("RM 45.90"), 45.9);
        assert_eq!(one("250$"), 250.0);
        assert_eq!(one("35.90 USD"), 35.9);
        assert_eq!(one("23000 원"), 23000.0);
    }

    #[test]
    fn finds_sale_and_regular_price_in_one_text() {
        let t = prices_in("Regular price $50.00 Sale price $40.00");
        assert_eq!(
            t.iter().map(|p| p.value).collect::<Vec<_>>(),
            vec![50.0, 40.0]
        );
    }

    #[test]
    fn the_screen_lets_every_currency_through() {
        for s in [
            "₩1",
            "€1",
            "₫1",
            "₹1",
            "₱1",
            "£1",
            "¥1",
            "￥1",
            "฿1",
            "1 บาท",
            "1원",
            "1円",
            "1元",
            "1đ",
            "1 VNĐ",
            "$1",
            "USD 1",
            "Rp 1",
            "Rs. 1",
        ] {
            assert!(may_have_price(s), "{s:?}");
        }
        assert!(!may_have_price("No. 915 – 3 stars"));
    }

    #[test]
    fn plain_numbers_are_not_prices() {
        for s in [
            "2024",
            "Tel 02-123-4567",
            "3 items",
            "사업자등록번호 123-45-67890",
            "Size 250",
            "Rpm 3000",
            "USDA certified 100%",
        ] {
            assert!(prices_in(s).is_empty(), "{s:?} → {:?}", prices_in(s));
            assert!(!has_price(s), "{s:?}");
        }
    }
}
