//! Text helpers shared by extraction and evidence: whitespace collapsing and snippets.

/// Collapses runs of whitespace (and NUL, and zero-width space) to one space and trims.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(1 << 16));
    push_collapsed(&mut out, s);
    trim_end_space(&mut out);
    out
}

/// Appends `s` to `out` with every run of whitespace (and NUL, and zero-width space) written as
/// one space, and returns how many other characters it appended. No space starts `out` or
/// doubles one it ends with; a run at the end of `s` leaves one trailing space (the next piece
/// may continue the text), which [`trim_end_space`] removes once the text is complete.
///
/// Every page's text streams through here piece by piece as the tokenizer reads it, so the
/// text is collapsed and counted in the same pass that copies it. It works on bytes: runs of
/// other characters are copied whole, and only the few lead bytes that can start a non-ASCII
/// space are decoded.
pub fn push_collapsed(out: &mut String, s: &str) -> usize {
    let b = s.as_bytes();
    // Most pieces of text have nothing to collapse: they are copied whole and counted in bulk.
    if let Some(&first) = b.first() {
        if is_collapsed(s) && !(first == b' ' && (out.is_empty() || out.ends_with(' '))) {
            out.push_str(s);
            return b
                .iter()
                .map(|&c| usize::from((c as i8) >= -0x40 && c != b' '))
                .sum();
        }
    }
    let mut chars = 0;
    let mut i = 0;
    while i < b.len() {
        let run = i;
        while i < b.len() {
            match BYTE_CLASS[b[i] as usize] {
                OTHER => i += 1,
                SPACE => break,
                _ => match space_at(s, i) {
                    (true, _) => break,
                    (false, len) => i += len,
                },
            }
        }
        if i > run {
            out.push_str(&s[run..i]);
            chars += b[run..i].iter().filter(|&&c| c & 0xC0 != 0x80).count();
        }
        let spaces = i;
        while i < b.len() {
            match space_at(s, i) {
                (true, len) => i += len,
                (false, _) => break,
            }
        }
        if i > spaces && !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    }
    chars
}

/// Whether `s` has nothing to collapse: no whitespace but single ASCII spaces, no NUL. Written
/// as flag-or loops over bytes, which the compiler vectorizes; only lead bytes of non-ASCII
/// spaces (and of much else: `–`, `›`, `·`, kana) are decoded where they are.
fn is_collapsed(s: &str) -> bool {
    let b = s.as_bytes();
    let (mut odd, mut lead) = (0u8, 0u8);
    for &c in b {
        odd |= u8::from((c.wrapping_sub(b'\t') < 5) | (c == 0));
        lead |= u8::from((c == 0xc2) | (c.wrapping_sub(0xe1) < 3));
    }
    for (&x, &y) in b.iter().zip(b.get(1..).unwrap_or_default()) {
        odd |= u8::from((x == b' ') & (y == b' '));
    }
    odd == 0
        && (lead == 0
            || !b
                .iter()
                .enumerate()
                .any(|(i, &c)| BYTE_CLASS[usize::from(c)] == MAYBE && space_at(s, i).0))
}

/// Removes the one trailing space [`push_collapsed`] may leave.
pub fn trim_end_space(s: &mut String) {
    if s.ends_with(' ') {
        s.pop();
    }
}

/// [`BYTE_CLASS`] values: a byte that is part of no space, an ASCII space or NUL, and a lead
/// byte of U+0085, U+00A0, U+1680, U+2000–U+200B, U+2028/9, U+202F, U+205F or U+3000.
const OTHER: u8 = 0;
const SPACE: u8 = 1;
const MAYBE: u8 = 2;
static BYTE_CLASS: [u8; 256] = {
    let mut t = [OTHER; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = match c as u8 {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0 => SPACE,
            0xc2 | 0xe1 | 0xe2 | 0xe3 => MAYBE,
            _ => OTHER,
        };
        c += 1;
    }
    t
};

/// Whether the character at byte `i` (a char boundary) is whitespace, NUL or a zero-width
/// space, and its length in bytes.
#[inline]
fn space_at(s: &str, i: usize) -> (bool, usize) {
    match s.as_bytes()[i] {
        c @ 0..=0x7f => (
            matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0),
            1,
        ),
        // Lead bytes of U+0085, U+00A0, U+1680, U+2000–U+200B, U+2028/9, U+202F, U+205F, U+3000.
        0xc2 | 0xe1 | 0xe2 | 0xe3 => match s[i..].chars().next() {
            Some(c) => (c.is_whitespace() || c == '\u{200b}', c.len_utf8()),
            None => (false, 1),
        },
        c if c >= 0xf0 => (false, 4),
        c if c >= 0xe0 => (false, 3),
        _ => (false, 2),
    }
}
/// First `n` characters of `s`, with an ellipsis when cut.
pub fn truncate_chars(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A snippet of at most `max` characters of `text` centred on the byte range `start..end`,
/// whitespace collapsed. Only the window is copied, never the whole page.
pub fn snippet_around(text: &str, start: usize, end: usize, max: usize) -> String {
    let start = floor_char(text, start.min(text.len()));
    let end = floor_char(text, end.clamp(start, text.len()));
    let match_chars = text[start..end].chars().count();
    let room = max.saturating_sub(match_chars.min(max)) / 2;
    let mut from = start;
    for _ in 0..room {
        match text[..from].chars().next_back() {
            Some(c) => from -= c.len_utf8(),
            None => break,
        }
    }
    let mut to = end;
    let mut taken = (max).saturating_sub(room + match_chars.min(max));
    let mut it = text[to..].chars();
    while taken > 0 {
        match it.next() {
            Some(c) => {
                to += c.len_utf8();
                taken -= 1;
            }
            None => break,
        }
    }
    let mut s = collapse_ws(&text[from..to]);
    if s.chars().count() > max {
        s = s.chars().take(max).collect();
    }
    s
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}
