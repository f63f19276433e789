//! A small language guess for pages without `<html lang>`: by script, then by common words.
//! Enough to tell the eight languages our merchants sell in apart.

/// Guesses a language code (`ko`, `ja`, `zh`, `th`, `vi`, `id`, `en`) from visible text.
pub fn detect(text: &str) -> Option<&'static str> {
    let (mut hangul, mut kana, mut han, mut thai, mut latin, mut viet) = (0, 0, 0, 0, 0, 0);
    for c in text.chars().take(20_000) {
        match c as u32 {
            0xAC00..=0xD7A3 | 0x1100..=0x11FF | 0x3130..=0x318F => hangul += 1,
            0x3040..=0x30FF => kana += 1,
            0x4E00..=0x9FFF => han += 1,
            0x0E00..=0x0E7F => thai += 1,
            0x1EA0..=0x1EF9 | 0x0110 | 0x0111 | 0x01A0 | 0x01A1 | 0x01AF | 0x01B0 => viet += 1,
            _ if c.is_ascii_alphabetic() => latin += 1,
            _ => {}
        }
    }
    let total = hangul + kana + han + thai + latin;
    if total < 8 {
        return None;
    }
    if hangul * 5 > total {
        return Some("ko");
    }
    if kana * 10 > total {
        return Some("ja");
    }
    if han * 5 > total {
        return Some("zh");
    }
    if thai * 5 > total {
        return Some("th");
    }
    if viet * 40 > latin.max(1) {
        return Some("vi");
    }
    let lower = text.chars().take(20_000).collect::<String>().to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphabetic()).collect();
    let id = words
        .iter()
        .filter(|w| {
            matches!(
                **w,
                "dan" | "yang" | "untuk" | "dengan" | "kami" | "anda" | "dari" | "pengiriman"
            )
        })
        .count();
    let en = words
        .iter()
        .filter(|w| {
            matches!(
                **w,
                "the" | "and" | "you" | "your" | "with" | "for" | "our" | "shipping"
            )
        })
        .count();
    if id > en {
        Some("id")
    } else {
        Some("en")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn scripts_and_words() {
        assert_eq!(
            super::detect("배송비는 3,000원이며 50,000원 이상 무료배송입니다"),
            Some("ko")
        );
        assert_eq!(
            super::detect("送料は全国一律500円です。お届けは3〜5営業日です"),
            Some("ja")
        );
        assert_eq!(
            super::detect("Chính sách đổi trả trong vòng 7 ngày kể từ ngày nhận hàng"),
            Some("vi")
        );
        assert_eq!(
            super::detect(
                "Kebijakan pengiriman untuk semua pesanan dan pengembalian dana dari kami"
            ),
            Some("id")
        );
        assert_eq!(
            super::detect("Free shipping on all orders over $50 and returns within 30 days"),
            Some("en")
        );
        assert_eq!(
            super::detect("นโยบายการจัดส่งสินค้าและการคืนเงินภายใน 7 วัน"),
            Some("th")
        );
    }
}
