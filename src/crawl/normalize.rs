//! URL normalisation, so that one page is fetched once however it is linked, and URL shapes
//! that make infinite spaces (session ids, calendars, repeated segments) are recognised.

use std::borrow::Cow;

use url::Url;

/// Longest URL the crawler accepts (the old IE limit most servers also keep).
pub const MAX_URL_LEN: usize = 2083;

fn is_tracking(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.starts_with("utm_")
        || matches!(
            k.as_str(),
            "gclid"
                | "fbclid"
                | "msclkid"
                | "yclid"
                | "mc_cid"
                | "mc_eid"
                | "_ga"
                | "_gl"
                | "ref"
                | "phpsessid"
                | "jsessionid"
                | "sid"
                | "sessionid"
                | "session_id"
                | "aspsessionid"
                | "cfid"
                | "cftoken"
        )
}

/// Normalises an http(s) URL: no fragment, no credentials (refused), default port dropped,
/// tracking and session parameters dropped, remaining parameters sorted. `None` when the URL
/// cannot be crawled (other scheme, credentials, too long).
pub fn normalize(u: &Url) -> Option<Url> {
    normalized(u).map(Cow::into_owned)
}

/// [`normalize`], borrowing `u` when it is normal already: every link of every page is
/// normalized, and most are, so most are not copied only to be found in the seen-set.
pub fn normalized(u: &Url) -> Option<Cow<'_, Url>> {
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return None;
    }
    if !u.username().is_empty() || u.password().is_some() {
        return None;
    }
    if u.as_str().len() > MAX_URL_LEN {
        return None;
    }
    if u.fragment().is_none() && u.query().is_none() && !u.path().contains(';') {
        return Some(Cow::Borrowed(u));
    }
    let mut u = u.clone();
    if u.fragment().is_some() {
        u.set_fragment(None);
    }
    // `;jsessionid=…` path parameters (every link of every page comes here: the path is
    // lower-cased only when it has a parameter at all).
    if u.path().contains(';') {
        if let Some(pos) = u.path().to_ascii_lowercase().find(";jsessionid=") {
            let p = u.path()[..pos].to_string();
            u.set_path(&p);
        }
    }
    if u.query().is_some() {
        let mut pairs: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| !is_tracking(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.sort();
        if pairs.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(pairs);
        }
    }
    Some(Cow::Owned(u))
}

/// The shape of a URL with numbers and parameter values blanked: `/cal?day=N`, `/blog/page/N`.
/// Pages per shape are capped so a calendar or a paginator cannot eat the budget.
pub fn pattern_key(u: &Url) -> String {
    let mut key = String::with_capacity(64);
    key.push_str(u.host_str().unwrap_or(""));
    for seg in u.path().split('/') {
        key.push('/');
        if seg.chars().any(|c| c.is_ascii_digit()) {
            // keep the non-digit skeleton: "post-12" → "post-N"
            let mut last_digit = false;
            for c in seg.chars() {
                if c.is_ascii_digit() {
                    if !last_digit {
                        key.push('N');
                    }
                    last_digit = true;
                } else {
                    key.push(c);
                    last_digit = false;
                }
            }
        } else {
            key.push_str(seg);
        }
    }
    if u.query().is_some() {
        key.push('?');
        let mut ks: Vec<String> = u.query_pairs().map(|(k, _)| k.into_owned()).collect();
        ks.sort();
        ks.dedup();
        key.push_str(&ks.join("&"));
    }
    key
}

/// True when a path repeats one segment many times (`/a/b/a/b/a/b/…`), the mark of a
/// relative-link loop on a soft-404 site.
pub fn has_repeating_segments(u: &Url) -> bool {
    let segs: Vec<&str> = u.path().split('/').filter(|s| !s.is_empty()).collect();
    if segs.len() > 24 {
        return true;
    }
    let mut counts = std::collections::HashMap::new();
    for s in segs {
        let c = counts.entry(s).or_insert(0);
        *c += 1;
        if *c > 3 {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        normalize(&Url::parse(s).unwrap()).unwrap().to_string()
    }

    #[test]
    fn drops_fragment_tracking_and_sorts() {
        assert_eq!(
            n("HTTP://Shop.Example:80/a?z=1&utm_source=x&b=2#top"),
            "http://shop.example/a?b=2&z=1"
        );
        assert_eq!(n("https://s.example/p?utm_medium=x"), "https://s.example/p");
        assert_eq!(
            n("https://s.example/p;jsessionid=ABC"),
            "https://s.example/p"
        );
    }

    #[test]
    fn refuses_credentials_and_other_schemes() {
        assert!(normalize(&Url::parse("https://u:p@s.example/").unwrap()).is_none());
        assert!(normalize(&Url::parse("ftp://s.example/").unwrap()).is_none());
        let long = format!("https://s.example/{}", "a".repeat(3000));
        assert!(normalize(&Url::parse(&long).unwrap()).is_none());
    }

    #[test]
    fn patterns_blank_numbers() {
        let a = pattern_key(&Url::parse("https://s.example/cal?day=12&m=3").unwrap());
        let b = pattern_key(&Url::parse("https://s.example/cal?day=13&m=4").unwrap());
        assert_eq!(a, b);
        assert_eq!(
            pattern_key(&Url::parse("https://s.example/blog/post-12").unwrap()),
            "s.example//blog/post-N"
        );
        assert!(has_repeating_segments(
            &Url::parse("https://s.example/a/b/a/b/a/b/a/b").unwrap()
        ));
    }
}
