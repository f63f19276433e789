//! What the queue starts with besides the links of pages: the site's sitemaps and the
//! platforms' well-known URLs (cart, order form, policy pages) that links may not show.

use std::sync::Arc;

use url::Url;

use crate::config::Config;
use crate::crawl::normalize::normalize;
use crate::crawl::{sitemap, Entry, Frontier, Http, Robots, Scope, Source, Want};
use crate::error::{ErrorKind, ErrorLog};
use crate::extract::{self, Area};
use crate::rules::RuleSet;

/// What seeding reads of the run: the site, its rules and its budgets.
#[derive(Clone, Copy)]
pub(crate) struct Site<'a> {
    pub http: &'a Arc<Http>,
    pub scope: &'a Scope,
    pub robots: &'a Robots,
    pub rules: &'a RuleSet,
    pub config: &'a Config,
    pub deadline: tokio::time::Instant,
}

/// Queues the platform URLs of every page class (`probes` in the class rules) at half their
/// class's rank; they are skipped when sent for after their checks passed.
pub(crate) fn probes(rules: &RuleSet, base: &Url, frontier: &mut Frontier) {
    for (c, cl) in rules.classes.iter().enumerate() {
        for path in &cl.probes {
            let Some(u) = base.join(path).ok().and_then(|u| normalize(&u)) else {
                continue;
            };
            let _ = frontier.push(Entry {
                url: u,
                depth: 1,
                priority: cl.priority / 2,
                source: Source::Probe,
                text: String::new(),
                area: Area::Body,
                predicted: vec![c],
                discount: 0,
            });
        }
    }
}

/// Links to files that are never HTML are not fetched at all.
pub(crate) fn skip_by_extension(u: &Url) -> bool {
    let p = u.path().to_ascii_lowercase();
    let ext = p
        .rsplit('/')
        .next()
        .and_then(|s| s.rsplit_once('.'))
        .map(|(_, e)| e)
        .unwrap_or("");
    matches!(
        ext,
        "jpg"
            | "jpeg"
            | "png"
            | "gif"
            | "webp"
            | "svg"
            | "ico"
            | "bmp"
            | "tif"
            | "tiff"
            | "avif"
            | "css"
            | "js"
            | "mjs"
            | "json"
            | "map"
            | "woff"
            | "woff2"
            | "ttf"
            | "otf"
            | "eot"
            | "pdf"
            | "zip"
            | "gz"
            | "tgz"
            | "rar"
            | "7z"
            | "exe"
            | "dmg"
            | "apk"
            | "msi"
            | "mp3"
            | "mp4"
            | "m4a"
            | "mov"
            | "avi"
            | "webm"
            | "ogg"
            | "wav"
            | "flac"
            | "doc"
            | "docx"
            | "xls"
            | "xlsx"
            | "ppt"
            | "pptx"
            | "csv"
            | "xml"
            | "rss"
            | "atom"
    )
}

/// Queues the pages the site's sitemaps list (those robots.txt names, else `/sitemap.xml`),
/// ranked like links for the checks still `open`. Returns the URLs queued, and how many of
/// them are predicted product pages.
pub(crate) async fn sitemaps(
    site: &Site<'_>,
    base: &Url,
    open: &[bool],
    frontier: &mut Frontier,
    errors: &mut ErrorLog,
) -> (usize, usize) {
    let Site {
        http,
        scope,
        robots,
        rules,
        config,
        deadline,
    } = *site;
    let product_class = rules.class_index("product");
    let mut products = 0;
    let mut queue: Vec<(String, usize)> = robots.sitemaps.iter().map(|s| (s.clone(), 0)).collect();
    if queue.is_empty() {
        queue.push(("/sitemap.xml".into(), 0));
    }
    let mut fetched = 0;
    let mut added = 0;
    let mut taken = 0;
    // Sitemaps only seed the queue: slow or endless ones may take a quarter of the budget
    // (at least one request timeout), never the whole of it.
    let now = tokio::time::Instant::now();
    let deadline = (now + config.max_time / 4)
        .max(now + config.timeout)
        .min(deadline);
    while let Some((loc, depth)) = queue.pop() {
        if fetched >= sitemap::MAX_SITEMAP_FILES
            || taken >= sitemap::MAX_SITEMAP_URLS
            || tokio::time::Instant::now() >= deadline
        {
            break;
        }
        let Ok(u) = base.join(&loc) else { continue };
        if !scope.contains(&u) || !robots.allowed(u.path()) {
            continue;
        }
        fetched += 1;
        let budget = deadline
            .saturating_duration_since(tokio::time::Instant::now())
            .min(config.timeout);
        let res = tokio::time::timeout(
            budget,
            http.fetch(&u, Some(scope), Want::Text, config.max_body),
        )
        .await;
        let f = match res {
            Ok(Ok(f)) if (200..300).contains(&f.status) => f,
            Ok(Ok(_)) => continue, // no sitemap: normal
            Ok(Err(e)) => {
                errors.push(u.as_str(), e.kind, format!("sitemap: {}", e.message));
                continue;
            }
            Err(_) => {
                errors.push(
                    u.as_str(),
                    ErrorKind::Timeout,
                    "sitemap: no answer within the time left for sitemaps",
                );
                continue;
            }
        };
        if f.truncated {
            errors.push(
                u.as_str(),
                ErrorKind::TooLarge,
                format!(
                    "sitemap cut at {} bytes (--max-body): only the URLs before the cut were read",
                    config.max_body
                ),
            );
        }
        let text = f.body.map(|b| b.text).unwrap_or_default();
        let parsed = sitemap::parse(&text, sitemap::MAX_SITEMAP_URLS - taken);
        if depth < sitemap::MAX_SITEMAP_DEPTH {
            queue.extend(parsed.sitemaps.into_iter().map(|s| (s, depth + 1)));
        }
        for (n, loc) in parsed.pages.into_iter().enumerate() {
            // Ranking tens of thousands of URLs is CPU work: it stops with the sitemap budget.
            if n % 256 == 255 && tokio::time::Instant::now() >= deadline {
                break;
            }
            taken += 1;
            let Ok(pu) = base.join(&loc) else { continue };
            let Some(pu) = normalize(&pu) else { continue };
            if !scope.contains(&pu) || !frontier.admits(&pu) || skip_by_extension(&pu) {
                continue;
            }
            let link = extract::Link {
                url: pu.clone(),
                text: String::new(),
                area: Area::Body,
            };
            let (prio, predicted) = rules.link_priority(&link, open);
            let product = product_class.is_some_and(|c| predicted.contains(&c));
            if frontier
                .push(Entry {
                    url: pu,
                    depth: 1,
                    priority: prio - 1,
                    source: Source::Sitemap,
                    text: String::new(),
                    area: Area::Body,
                    predicted,
                    discount: 0,
                })
                .is_ok()
            {
                added += 1;
                products += usize::from(product);
            }
        }
    }
    (added, products)
}
