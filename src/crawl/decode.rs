//! Bytes to text, once: BOM, then the HTTP charset, then `<meta charset>`, then a guess.
//! Korean shops often declare `cp949`/`ms949`, which are not WHATWG labels: they alias to EUC-KR
//! (which encoding_rs decodes as windows-949, a superset).

use encoding_rs::Encoding;

/// Decoded text and how it was decoded.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The decoded text.
    pub text: String,
    /// Name of the encoding used (`UTF-8`, `EUC-KR` …), named in decode warnings.
    pub encoding: &'static str,
    /// Invalid byte sequences were replaced by U+FFFD.
    pub had_errors: bool,
    /// NUL characters in the text: never in a real page, a sign of binary or corrupt content.
    pub nul_chars: usize,
}

fn label_to_encoding(label: &str) -> Option<&'static Encoding> {
    let l = label.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
    match l.as_str() {
        "cp949" | "ms949" | "x-windows-949" | "uhc" | "windows-949" | "ks_c_5601" | "ksc5601" => {
            Some(encoding_rs::EUC_KR)
        }
        _ => Encoding::for_label(l.as_bytes()),
    }
}

/// The charset parameter of a Content-Type header.
pub fn charset_of(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// Finds `<meta charset=…>` or `<meta http-equiv=content-type content="…charset=…">` in the
/// first 4 KiB, as browsers do.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(4096)];
    let s = String::from_utf8_lossy(head).to_ascii_lowercase();
    let mut rest = s.as_str();
    while let Some(i) = rest.find("<meta") {
        rest = &rest[i + 5..];
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        if let Some(j) = tag.find("charset") {
            let after = tag[j + 7..].trim_start();
            if let Some(v) = after.strip_prefix('=') {
                let v = v.trim_start().trim_start_matches(['"', '\'']);
                let val: String = v
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
                    .collect();
                if let Some(e) = label_to_encoding(&val) {
                    // A page that says UTF-16 in ASCII bytes is not UTF-16.
                    return Some(
                        if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE {
                            encoding_rs::UTF_8
                        } else {
                            e
                        },
                    );
                }
            }
        }
    }
    None
}

/// Decodes a body. `tld` (e.g. `kr`) hints the guesser when nothing is declared.
pub fn decode(bytes: &[u8], content_type: Option<&str>, tld: Option<&str>) -> Decoded {
    let enc = Encoding::for_bom(bytes)
        .map(|(e, _)| e)
        .or_else(|| {
            content_type
                .and_then(charset_of)
                .and_then(label_to_encoding)
        })
        .or_else(|| meta_charset(bytes))
        .unwrap_or_else(|| {
            if std::str::from_utf8(bytes).is_ok() {
                return encoding_rs::UTF_8;
            }
            let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            det.feed(&bytes[..bytes.len().min(64 * 1024)], true);
            det.guess(tld.map(str::as_bytes), chardetng::Utf8Detection::Allow)
        });
    let (text, used, had_errors) = enc.decode(bytes);
    let nul_chars = text.bytes().filter(|b| *b == 0).count();
    Decoded {
        text: text.into_owned(),
        encoding: used.name(),
        had_errors,
        nul_chars,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euc_kr_by_meta_and_cp949_alias() {
        let (bytes, _, _) =
            encoding_rs::EUC_KR.encode("<meta charset=\"euc-kr\"><p>배송비 3,000원</p>");
        let d = decode(&bytes, Some("text/html"), None);
        assert!(d.text.contains("배송비 3,000원"));
        assert_eq!(d.encoding, "EUC-KR");
        let (bytes, _, _) = encoding_rs::EUC_KR.encode("<p>청약철회</p>");
        let d = decode(&bytes, Some("text/html; charset=cp949"), None);
        assert!(d.text.contains("청약철회"));
    }

    #[test]
    fn guesses_korean_without_declaration() {
        let (bytes, _, _) = encoding_rs::EUC_KR
            .encode("<p>교환 및 반품 안내: 상품을 공급받으신 날로부터 7일 이내</p>");
        let d = decode(&bytes, None, Some("kr"));
        assert!(d.text.contains("교환"), "{}", d.text);
    }

    #[test]
    fn bad_bytes_are_replaced_not_fatal() {
        let d = decode(
            b"<p>ok \xff\xfe\x00 end</p>",
            Some("text/html; charset=utf-8"),
            None,
        );
        assert!(d.had_errors);
        assert!(d.text.contains("end"));
    }
}
