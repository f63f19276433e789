//! Text helpers shared by extraction and evidence: whitespace collapsing and snippets.

/// Collapses runs of whitespace (and NUL) to one space and trims.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(1 << 16));
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() || c == '\u{0}' || c == '\u{200b}' {
            space = true;
        } else {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    out
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
