//! Text helpers shared by extraction and evidence: whitespace collapsing and snippets.

/// Collapses runs of whitespace (and NUL, and zero-width space) to one space and trims.
///
/// Runs every page's text through, so it works on bytes: runs of non-space characters are
/// copied whole, and only the few lead bytes that can start a non-ASCII space are decoded.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(1 << 16));
    let b = s.as_bytes();
    let mut i = 0;
    // Start of the run of non-space characters being read.
    let mut run: Option<usize> = None;
    let mut space = false;
    while i < b.len() {
        let (is_space, len) = space_at(s, i);
        if is_space {
            if let Some(r) = run.take() {
                out.push_str(&s[r..i]);
            }
            space = true;
        } else if run.is_none() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            run = Some(i);
        }
        i += len;
    }
    if let Some(r) = run {
        out.push_str(&s[r..]);
    }
    out
}

/// Characters of `s` that are not whitespace (as [`char::is_whitespace`] says).
pub fn non_space_chars(s: &str) -> usize {
    let b = s.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        let (is_space, len) = space_at(s, i);
        if !is_space || b[i] == 0 || (b[i] == 0xE2 && s[i..].starts_with('\u{200b}')) {
            n += 1;
        }
        i += len;
    }
    n
}

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
