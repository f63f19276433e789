//! Catch-all pages: a site that answers every path with its home page, or with a "not found"
//! page and status 200, shows the same text everywhere. Such answers prove nothing, and are
//! recognised by comparing word-shingle fingerprints of their text (rendered text for pages
//! that were rendered: script shells are all alike).

use std::sync::Arc;
use std::time::SystemTime;

use url::Url;

use crate::config::Config;
use crate::crawl::{Http, Scope, Want};
use crate::extract;
use crate::render::Renderer;

/// The fingerprints a page is compared with: the home page's and the site's not-found page's.
#[derive(Debug, Default)]
pub(crate) struct CatchAll {
    pub home: Option<Print>,
    pub not_found: Option<Print>,
}

impl CatchAll {
    /// Why a page with this text proves nothing, when it is a copy of one of them.
    pub fn judge(&self, text: &str) -> Option<&'static str> {
        if self.home.is_none() && self.not_found.is_none() {
            return None;
        }
        let print = shingles(text);
        if self.home.as_ref().is_some_and(|h| similar(h, &print)) {
            Some("same as the home page")
        } else if self.not_found.as_ref().is_some_and(|h| similar(h, &print)) {
            Some("same as the site's not-found page")
        } else {
            None
        }
    }
}

/// A page's word-shingle fingerprint: the distinct hashes of its 3-word windows, sorted.
pub(crate) type Print = Vec<u64>;

/// Word-shingle fingerprint, to recognise catch-all pages (soft 404s, SPAs answering 200 everywhere).
/// Computed for every page, so it uses a cheap multiplicative hash and a sorted vector rather
/// than SipHash and a hash set.
pub(crate) fn shingles(text: &str) -> Print {
    fn word(w: &str) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for chunk in w.as_bytes().chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
        (h ^ w.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
    fn window(w: &[u64]) -> u64 {
        w.iter().fold(0u64, |h, x| {
            (h.rotate_left(21) ^ x).wrapping_mul(0x517c_c1b7_2722_0a95)
        })
    }
    // Page text is whitespace-collapsed already: words are split at single spaces. One pass
    // keeps the last three words; a page of fewer than three is one window of all it has.
    let mut last = [0u64; 3];
    let mut count = 0usize;
    let mut out: Print = Vec::with_capacity((text.len() / 6).min(5000));
    for w in text.split(' ').filter(|w| !w.is_empty()).take(5000) {
        last = [last[1], last[2], word(w)];
        count += 1;
        if count >= 3 {
            out.push(window(&last));
        }
    }
    if (1..3).contains(&count) {
        out.push(window(&last[3 - count..]));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn similar(a: &[u64], b: &[u64]) -> bool {
    if a.is_empty() || b.is_empty() {
        return a.is_empty() && b.is_empty();
    }
    // Sizes alone can rule out a Jaccard index of 0.9.
    let (small, large) = (a.len().min(b.len()), a.len().max(b.len()));
    if (small as f64) < 0.9 * large as f64 {
        return false;
    }
    let (mut i, mut j, mut inter) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                inter += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let inter = inter as f64;
    let union = (a.len() + b.len()) as f64 - inter;
    inter / union >= 0.9
}

/// Fetches one random path: a site that answers it with 200 is a catch-all, and its answer is
/// the fingerprint of "no such page".
pub(crate) async fn not_found_fingerprint(
    http: &Arc<Http>,
    base: &Url,
    scope: &Scope,
    config: &Config,
    deadline: tokio::time::Instant,
    renderer: Option<&Arc<Renderer>>,
) -> Option<Print> {
    let nonce = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(7);
    let u = base.join(&format!("/siteready-not-found-{nonce:x}")).ok()?;
    let budget = deadline
        .saturating_duration_since(tokio::time::Instant::now())
        .min(config.timeout);
    let f = tokio::time::timeout(
        budget,
        http.fetch(&u, Some(scope), Want::Html, config.max_body),
    )
    .await
    .ok()?
    .ok()?;
    if !(200..300).contains(&f.status) {
        return None;
    }
    let body = f.body.as_ref()?;
    let facts = extract::extract(&f.final_url, &body.text, &[]);
    // A JavaScript-built site shows its not-found page only once rendered.
    if let Some(r) = renderer {
        if let Some(text) = r.text(http, &f, scope, &facts).await {
            return Some(shingles(&text));
        }
    }
    Some(shingles(&facts.text))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fingerprint as defined: hashes of every 3-word window (or of all words, for fewer
    /// than three), sorted and distinct.
    fn reference(text: &str) -> Print {
        let words: Vec<&str> = text
            .split(' ')
            .filter(|w| !w.is_empty())
            .take(5000)
            .collect();
        let mut out: Print = words
            .windows(3.min(words.len().max(1)))
            .map(|w| shingles(&w.join(" ")))
            .flat_map(|p| p.into_iter().take(1))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    #[test]
    fn shingles_are_the_hashes_of_three_word_windows() {
        let long: String = (0..6000).map(|i| format!("w{} ", i % 97)).collect();
        for text in [
            "",
            "one",
            "one two",
            "one two three",
            "a b c a b c d",
            &long,
        ] {
            assert_eq!(shingles(text), reference(text), "{:.40}", text);
        }
        assert!(similar(&shingles(&long), &shingles(&long)));
        assert!(!similar(&shingles("a b c d e f"), &shingles("g h i j k l")));
    }
}
