//! The HTML report: one self-contained file a reviewer can open, print or attach to a ticket.
//!
//! Inline CSS only, no script, no external request (a Content-Security-Policy forbids both, so
//! even a bug here cannot make a merchant's page run code in the reviewer's browser). Every string
//! that came from the site — titles, snippets, URLs, product names, error messages — goes through
//! [`esc`], and links are emitted only for `http`/`https` URLs.

use url::Url;

use super::labels::{self, Labels};
use super::model::{Check, Evidence, Report, Status};

/// The report as one HTML document, labelled in the report's language (`settings.lang`).
pub fn to_html(r: &Report) -> String {
    let l = labels::for_lang(&r.settings.lang);
    let origin = Url::parse(r.target.final_url.as_deref().unwrap_or(&r.target.url))
        .or_else(|_| Url::parse(&r.target.url))
        .ok()
        .map(|u| u.origin());
    let ctx = Ctx {
        l,
        origin,
        shots: &r.screenshots,
        shown: Default::default(),
    };
    let mut o = String::with_capacity(64 * 1024);
    head(&mut o, r, l);
    o.push_str("<body>\n<div class=\"wrap\">\n");
    header(&mut o, r, l);
    verdict(&mut o, r, l);
    let (prereqs, advisory): (Vec<&Check>, Vec<&Check>) =
        r.checks.iter().partition(|c| !c.advisory);
    o.push_str(&format!(
        "<section id=\"prerequisites\" aria-labelledby=\"h-prereq\">\n<h2 id=\"h-prereq\">{}</h2>\n<p class=\"note\">{}</p>\n",
        l.prerequisites, l.prerequisites_note
    ));
    for c in &prereqs {
        card(&mut o, c, &ctx);
    }
    o.push_str("</section>\n");
    if !advisory.is_empty() {
        o.push_str(&format!(
            "<section id=\"advisory\" aria-labelledby=\"h-advisory\">\n<h2 id=\"h-advisory\">{}</h2>\n<p class=\"note\">{}</p>\n",
            l.advisory, l.advisory_note
        ));
        for c in &advisory {
            card(&mut o, c, &ctx);
        }
        o.push_str("</section>\n");
    }
    screenshots(&mut o, r, &ctx);
    crawl(&mut o, r, &ctx);
    errors(&mut o, r, &ctx);
    settings(&mut o, r, l);
    o.push_str(&format!(
        "<footer class=\"foot\">{} {} {} · {}</footer>\n</div>\n</body>\n</html>\n",
        l.generated_by,
        esc(&r.tool.name),
        esc(&r.tool.version),
        esc(&r.started_at)
    ));
    o
}

struct Ctx<'a> {
    l: &'static Labels,
    origin: Option<url::Origin>,
    /// Screenshots of rendered pages (page URL → data URI), each shown once, at its first
    /// evidence.
    shots: &'a std::collections::BTreeMap<String, String>,
    shown: std::cell::RefCell<std::collections::HashSet<String>>,
}

/// A thumbnail of the page's screenshot, the first time the page appears as evidence. Only
/// base64 JPEG/PNG data URIs are embedded: the report file may come from anywhere.
fn thumbnail(url: &str, ctx: &Ctx) -> String {
    let Some(data) = ctx.shots.get(url) else {
        return String::new();
    };
    let ok = ["data:image/jpeg;base64,", "data:image/png;base64,"]
        .iter()
        .any(|p| {
            data.strip_prefix(p).is_some_and(|b| {
                b.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
            })
        });
    if !ok || !ctx.shown.borrow_mut().insert(url.to_string()) {
        return String::new();
    }
    format!(
        "<img class=\"shot\" src=\"{}\" alt=\"{}\" width=\"240\" height=\"150\">",
        esc(data),
        esc(&format!("{url} (rendered)"))
    )
}

/// Escapes text for HTML element content and double- or single-quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // NUL and other C0 controls are parse errors in HTML; show nothing for them.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The URL to put in an `href`, or `None` when it is not http(s) (`javascript:`, `data:` …).
pub fn safe_href(url: &str) -> Option<String> {
    let u = Url::parse(url.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.to_string())
}

/// A link when the URL is http(s), plain text otherwise.
fn link(url: &str, text: &str) -> String {
    match safe_href(url) {
        Some(h) => format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\">{}</a>",
            esc(&h),
            esc(text)
        ),
        None => format!("<span class=\"nolink\">{}</span>", esc(text)),
    }
}

/// Path and query when the URL is on the report's own site, else the whole URL.
fn short_url(url: &str, origin: Option<&url::Origin>) -> String {
    if let (Ok(u), Some(o)) = (Url::parse(url), origin) {
        if &u.origin() == o {
            let mut s = u.path().to_string();
            if let Some(q) = u.query() {
                s.push('?');
                s.push_str(q);
            }
            return s;
        }
    }
    url.to_string()
}

/// The snippet with the first occurrence of `matched` wrapped in `<mark>` (both escaped).
fn highlight(snippet: &str, matched: &str) -> String {
    let m = matched.trim();
    if m.is_empty() {
        return esc(snippet);
    }
    let at = snippet.find(m).or_else(|| find_ascii_ci(snippet, m));
    match at {
        Some(i) => {
            let end = i + m.len();
            format!(
                "{}<mark>{}</mark>{}",
                esc(&snippet[..i]),
                esc(&snippet[i..end]),
                esc(&snippet[end..])
            )
        }
        None => esc(snippet),
    }
}

/// Byte offset of `needle` in `hay`, ignoring ASCII case; only at char boundaries.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    if n.len() > h.len() {
        return None;
    }
    (0..=h.len() - n.len()).find(|&i| {
        hay.is_char_boundary(i)
            && hay.is_char_boundary(i + n.len())
            && h[i..i + n.len()].eq_ignore_ascii_case(n)
    })
}

/// `1.2 KiB`, `3.4 MiB`.
fn human_bytes(n: usize) -> String {
    const K: f64 = 1024.0;
    let f = n as f64;
    if f < K {
        format!("{n} B")
    } else if f < K * K {
        format!("{:.1} KiB", f / K)
    } else {
        format!("{:.1} MiB", f / (K * K))
    }
}

fn human_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// An id safe to use as an HTML id and CSS-free anchor.
fn slug(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Pass => "s-pass",
        Status::Warn => "s-warn",
        Status::Fail => "s-fail",
        Status::Inconclusive => "s-inc",
    }
}

fn badge(s: Status, l: &Labels) -> String {
    format!(
        "<span class=\"badge {}\" data-status=\"{}\">{}</span>",
        status_class(s),
        s.as_str(),
        l.status(s)
    )
}

fn bar(score: u32, label: &str) -> String {
    let w = score.min(100);
    format!(
        "<div class=\"bar\" role=\"img\" aria-label=\"{} {w}/100\"><span style=\"width:{w}%\"></span></div>",
        esc(label)
    )
}

fn host_of(r: &Report) -> String {
    Url::parse(&r.target.url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| r.target.input.clone())
}

fn head(o: &mut String, r: &Report, l: &Labels) {
    let word = if r.verdict.ready {
        l.ready
    } else {
        l.not_ready
    };
    o.push_str(&format!(
        "<!doctype html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<meta name=\"generator\" content=\"{} {}\">\n\
<link rel=\"icon\" href=\"data:,\">\n\
<title>{} — {} — {}</title>\n<style>{}</style>\n</head>\n",
        l.lang,
        esc(&r.tool.name),
        esc(&r.tool.version),
        esc(&host_of(r)),
        word,
        l.report_title,
        CSS
    ));
}

fn header(o: &mut String, r: &Report, l: &Labels) {
    o.push_str("<header class=\"top\">\n<div class=\"who\">\n");
    o.push_str(&format!(
        "<div class=\"brand\">siteready · {}</div>\n<h1>{}</h1>\n",
        l.report_title,
        link(&r.target.url, &r.target.url)
    ));
    let mut meta = vec![format!(
        "{}: <span>{}</span>",
        l.input,
        esc(&r.target.input)
    )];
    if let Some(f) = r.target.final_url.as_deref().filter(|f| *f != r.target.url) {
        meta.push(format!("{}: {}", l.final_url, link(f, f)));
    }
    if let Some(lang) = &r.target.lang {
        meta.push(format!("{}: <span>{}</span>", l.site_lang, esc(lang)));
    }
    o.push_str(&format!(
        "<div class=\"meta\">{}</div>\n</div>\n",
        meta.join(" · ")
    ));
    o.push_str(&format!(
        "<dl class=\"when\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>\n</header>\n",
        l.started,
        esc(&r.started_at),
        l.duration,
        human_ms(r.duration_ms)
    ));
}

fn verdict(o: &mut String, r: &Report, l: &Labels) {
    let v = &r.verdict;
    let cls = if v.ready {
        "s-pass"
    } else {
        status_class(v.status)
    };
    let prereqs: Vec<&Check> = r.checks.iter().filter(|c| !c.advisory).collect();
    let summary = if v.ready {
        l.ready_summary.to_string()
    } else {
        let not: Vec<String> = prereqs
            .iter()
            .filter(|c| c.status != Status::Pass)
            .map(|c| format!("{} ({})", esc(&c.title), l.status(c.status)))
            .collect();
        format!(
            "{} {}: {}.",
            l.not_ready_lead,
            l.not_passing,
            not.join(", ")
        )
    };
    o.push_str(&format!(
        "<section class=\"verdict {cls}\" id=\"verdict\" data-ready=\"{}\" aria-label=\"{}\">\n",
        v.ready,
        if v.ready { l.ready } else { l.not_ready }
    ));
    o.push_str(&format!(
        "<div class=\"say\">\n<div class=\"word\">{}</div>\n<p class=\"summary\">{}</p>\n",
        if v.ready { l.ready } else { l.not_ready },
        summary
    ));
    if prereqs.iter().any(|c| c.status == Status::Inconclusive) {
        o.push_str(&format!("<p class=\"note\">{}</p>\n", l.inconclusive_note));
    }
    o.push_str("</div>\n");
    o.push_str(&format!(
        "<div class=\"dial\"><div class=\"label\">{}</div><div class=\"num\">{}</div><div class=\"of\">{}</div>{}</div>\n",
        l.overall_score,
        v.score,
        l.of_100,
        bar(v.score, l.overall_score)
    ));
    o.push_str("<nav class=\"chips\">\n");
    for c in &prereqs {
        o.push_str(&format!(
            "<a class=\"chip {}\" href=\"#check-{}\"><span class=\"t\">{}</span><span class=\"row\">{} <span class=\"sc\">{}/100</span></span></a>\n",
            status_class(c.status),
            slug(&c.id),
            esc(&c.title),
            badge(c.status, l),
            c.score
        ));
    }
    o.push_str("</nav>\n");
    let todo: Vec<String> = prereqs
        .iter()
        .filter(|c| c.status != Status::Pass)
        .filter_map(|c| {
            let a = c.advice.as_deref().filter(|a| !a.trim().is_empty())?;
            Some(format!(
                "<li><a href=\"#check-{}\">{}</a>: {}</li>",
                slug(&c.id),
                esc(&c.title),
                esc(a)
            ))
        })
        .collect();
    if !todo.is_empty() {
        o.push_str(&format!(
            "<div class=\"todo\"><b>{}</b>\n<ul>\n{}\n</ul></div>\n",
            l.advice,
            todo.join("\n")
        ));
    }
    o.push_str("</section>\n");
}

/// `+3 more` / `+3개 더`.
fn more(n: usize, l: &Labels) -> String {
    if l.lang == "ko" {
        format!("+{n}{}", l.and_more)
    } else {
        format!("+{n} {}", l.and_more)
    }
}

fn effect_label(e: &str, l: &Labels) -> String {
    match e {
        "veto" => l.effect_veto.to_string(),
        "warn" => l.effect_warn.to_string(),
        "inconclusive" => l.effect_inconclusive.to_string(),
        other => esc(other),
    }
}

fn card(o: &mut String, c: &Check, ctx: &Ctx) {
    let l = ctx.l;
    o.push_str(&format!(
        "<article class=\"card {}{}\" id=\"check-{}\" data-check=\"{}\" data-status=\"{}\">\n",
        status_class(c.status),
        if c.advisory { " advisory" } else { "" },
        slug(&c.id),
        esc(&c.id),
        c.status.as_str()
    ));
    o.push_str(&format!(
        "<div class=\"card-head\">\n<div><h3>{}</h3><code class=\"cid\">{}</code></div>\n<div class=\"right\">{} <span class=\"sc\"><b>{}</b>/100</span></div>\n</div>\n",
        esc(&c.title),
        esc(&c.id),
        badge(c.status, l),
        c.score
    ));
    o.push_str(&bar(c.score, l.score));
    o.push_str("<div class=\"card-body\">\n");
    if let Some(reason) = c.reason.as_deref().filter(|s| !s.trim().is_empty()) {
        o.push_str(&format!(
            "<p class=\"reason\"><b>{}:</b> {}</p>\n",
            l.reason,
            esc(reason)
        ));
    }
    if let Some(advice) = c.advice.as_deref().filter(|s| !s.trim().is_empty()) {
        o.push_str(&format!(
            "<div class=\"advice\"><b>{}</b><p>{}</p></div>\n",
            l.advice,
            esc(advice)
        ));
    }
    if !c.missing.is_empty() {
        o.push_str(&format!("<h4>{}</h4>\n<ul class=\"missing\">\n", l.missing));
        for m in &c.missing {
            const SHOWN: usize = 6;
            let mut rules: Vec<String> = m
                .rules
                .iter()
                .take(SHOWN)
                .map(|r| format!("<code>{}</code>", esc(r)))
                .collect();
            if m.rules.len() > SHOWN {
                rules.push(format!(
                    "<span class=\"sub\">{}</span>",
                    more(m.rules.len() - SHOWN, l)
                ));
            }
            o.push_str(&format!(
                "<li><span class=\"need\">{}</span>{}</li>\n",
                esc(&m.description),
                if rules.is_empty() {
                    String::new()
                } else {
                    format!(
                        "<div class=\"sub\">{}: {}</div>",
                        l.supplied_by,
                        rules.join(" ")
                    )
                }
            ));
        }
        o.push_str("</ul>\n");
    }
    facts(o, c, l);
    o.push_str(&format!("<h4>{}</h4>\n", l.evidence));
    if c.evidence.is_empty() {
        o.push_str(&format!("<p class=\"none\">{}</p>\n", l.no_evidence));
    } else {
        evidence(o, &c.evidence, ctx);
    }
    o.push_str("</div>\n</article>\n");
}

fn facts(o: &mut String, c: &Check, l: &Labels) {
    if c.facts.is_empty() {
        return;
    }
    o.push_str(&format!("<h4>{}</h4>\n<dl class=\"kv facts\">\n", l.facts));
    for (k, v) in &c.facts {
        o.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            esc(l.fact(k)),
            fact_value(v, l)
        ));
    }
    o.push_str("</dl>\n");
}

fn fact_value(v: &serde_json::Value, l: &Labels) -> String {
    use serde_json::Value;
    match v {
        Value::Null => "—".into(),
        Value::Bool(b) => (if *b { l.yes } else { l.no }).into(),
        Value::Number(n) => esc(&n.to_string()),
        Value::String(s) => esc(s),
        Value::Array(a) if a.is_empty() => "—".into(),
        Value::Array(a) => {
            const SHOWN: usize = 12;
            let mut items: Vec<String> = a
                .iter()
                .take(SHOWN)
                .map(|x| match x {
                    Value::String(s) => format!("<span class=\"tag\">{}</span>", esc(s)),
                    other => format!("<span class=\"tag\">{}</span>", esc(&other.to_string())),
                })
                .collect();
            if a.len() > SHOWN {
                items.push(format!(
                    "<span class=\"sub\">{}</span>",
                    more(a.len() - SHOWN, l)
                ));
            }
            items.join(" ")
        }
        Value::Object(_) => format!("<code>{}</code>", esc(&v.to_string())),
    }
}

/// Evidence grouped by rule (first-seen order), each rule with its pages and snippets.
fn evidence(o: &mut String, ev: &[Evidence], ctx: &Ctx) {
    let l = ctx.l;
    let mut groups: Vec<(&Evidence, Vec<&Evidence>)> = Vec::new();
    for e in ev {
        match groups
            .iter_mut()
            .find(|(f, _)| f.rule == e.rule && f.weight == e.weight && f.effect == e.effect)
        {
            Some((_, v)) => v.push(e),
            None => groups.push((e, vec![e])),
        }
    }
    o.push_str("<ol class=\"evidence\">\n");
    for (first, items) in groups {
        let weight = if first.weight == 0 {
            String::new()
        } else if first.weight > 0 {
            format!("<span class=\"w\">+{} {}</span>", first.weight, l.weight)
        } else {
            format!("<span class=\"w neg\">{} {}</span>", first.weight, l.weight)
        };
        let effect = first
            .effect
            .as_deref()
            .map(|e| format!(" <span class=\"eff\">{}</span>", effect_label(e, l)))
            .unwrap_or_default();
        o.push_str(&format!(
            "<li class=\"ev\">\n<div class=\"ev-head\"><code class=\"rule\">{}</code> <span class=\"desc\">{}</span> {}{}</div>\n",
            esc(&first.rule),
            esc(&first.description),
            weight,
            effect
        ));
        // The same match on several pages is usually the footer: one snippet, the other pages
        // listed after it.
        let mut hits: Vec<(&Evidence, Vec<&Evidence>)> = Vec::new();
        for e in items {
            match hits
                .iter_mut()
                .find(|(f, _)| f.kind == e.kind && f.matched == e.matched)
            {
                Some((_, also)) => also.push(e),
                None => hits.push((e, Vec::new())),
            }
        }
        for (e, also) in hits {
            let also = if also.is_empty() {
                String::new()
            } else {
                format!(
                    "<div class=\"also\">{} {}</div>",
                    l.also_on,
                    also.iter()
                        .map(|a| link(&a.url, &short_url(&a.url, ctx.origin.as_ref())))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            o.push_str(&format!(
                "<div class=\"hit\"><div class=\"page\"><span class=\"kind\">{}</span> {}</div><blockquote class=\"snip\">{}</blockquote>{also}{}</div>\n",
                esc(&e.kind),
                link(&e.url, &short_url(&e.url, ctx.origin.as_ref())),
                highlight(&e.snippet, &e.matched),
                thumbnail(&e.url, ctx)
            ));
        }
        o.push_str("</li>\n");
    }
    o.push_str("</ol>\n");
}

/// True for `data:image/{png,jpeg,webp};base64,…` with nothing but base64 after the comma: the
/// only image sources the report shows (its policy allows `data:` images and nothing else).
fn safe_image(uri: &str) -> bool {
    let Some(rest) = [
        "data:image/png;base64,",
        "data:image/jpeg;base64,",
        "data:image/webp;base64,",
    ]
    .iter()
    .find_map(|p| uri.strip_prefix(p)) else {
        return false;
    };
    !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

/// Thumbnails of rendered pages that gave evidence (`--screenshots`).
fn screenshots(o: &mut String, r: &Report, ctx: &Ctx) {
    let shots: Vec<(&String, &String)> = r
        .screenshots
        .iter()
        .filter(|(_, uri)| safe_image(uri))
        .collect();
    if shots.is_empty() {
        return;
    }
    let l = ctx.l;
    o.push_str(&format!(
        "<section id=\"screenshots\" aria-labelledby=\"h-shots\">\n<h2 id=\"h-shots\">{}</h2>\n<p class=\"note\">{}</p>\n<div class=\"shots\">\n",
        l.screenshots, l.screenshots_note
    ));
    for (url, uri) in shots {
        let short = short_url(url, ctx.origin.as_ref());
        o.push_str(&format!(
            "<figure class=\"shot\"><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
            esc(uri),
            esc(&short),
            link(url, &short)
        ));
    }
    o.push_str("</div>\n</section>\n");
}

fn crawl(o: &mut String, r: &Report, ctx: &Ctx) {
    let l = ctx.l;
    let c = &r.crawl;
    o.push_str(&format!(
        "<section id=\"crawl\" aria-labelledby=\"h-crawl\">\n<h2 id=\"h-crawl\">{}</h2>\n",
        l.crawl
    ));
    o.push_str(&format!(
        "<ul class=\"stats\"><li><span>{}</span><b>{}</b></li><li><span>{}</span><b>{}</b></li><li><span>{}</span><b>{}</b></li><li><span>{}</span><b>{}</b></li></ul>\n",
        l.pages_fetched,
        c.pages_fetched,
        l.stopped_by,
        esc(l.stopped_by_value(&c.stopped_by)),
        l.robots,
        esc(&c.robots),
        l.sitemap_urls,
        c.sitemap_urls
    ));
    if c.pages.is_empty() {
        o.push_str(&format!(
            "<p class=\"none\">{}</p>\n</section>\n",
            l.no_pages
        ));
        return;
    }
    o.push_str(&format!(
        "<div class=\"tbl\"><table class=\"pages\">\n<thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        l.col_url, l.col_status, l.col_type, l.col_size, l.col_time, l.col_depth, l.col_source
    ));
    for (i, p) in c.pages.iter().enumerate() {
        let mut sub: Vec<String> = Vec::new();
        if let Some(t) = p.title.as_deref().filter(|t| !t.trim().is_empty()) {
            sub.push(format!("<span class=\"title\">{}</span>", esc(t)));
        }
        if !p.classes.is_empty() {
            sub.push(
                p.classes
                    .iter()
                    .map(|c| format!("<span class=\"tag\">{}</span>", esc(c)))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
        }
        if p.final_url != p.url {
            sub.push(format!(
                "→ {}",
                link(&p.final_url, &short_url(&p.final_url, ctx.origin.as_ref()))
            ));
        }
        if let Some(ca) = &p.catch_all {
            sub.push(format!("<span class=\"warn\">{}</span>", esc(ca)));
        }
        if let Some(e) = &p.error {
            sub.push(format!("<span class=\"err\">{}</span>", esc(e)));
        }
        let status_cls = match p.status {
            200..=299 => "ok",
            300..=399 => "redir",
            _ => "bad",
        };
        o.push_str(&format!(
            "<tr><td class=\"num\">{}</td><td class=\"url-cell\">{}{}</td><td><span class=\"http {status_cls}\">{}</span></td><td class=\"ct\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
            i + 1,
            link(&p.url, &short_url(&p.url, ctx.origin.as_ref())),
            if sub.is_empty() {
                String::new()
            } else {
                format!("<div class=\"sub\">{}</div>", sub.join(" · "))
            },
            p.status,
            esc(p.content_type.as_deref().unwrap_or("—")),
            human_bytes(p.bytes),
            human_ms(p.elapsed_ms),
            p.depth,
            esc(&p.source)
        ));
    }
    o.push_str("</tbody></table></div>\n</section>\n");
}

fn errors(o: &mut String, r: &Report, ctx: &Ctx) {
    let l = ctx.l;
    o.push_str(&format!(
        "<section id=\"errors\" aria-labelledby=\"h-errors\">\n<h2 id=\"h-errors\">{} <span class=\"count\">{}</span></h2>\n",
        l.errors,
        r.errors.len()
    ));
    if r.errors.is_empty() {
        o.push_str(&format!(
            "<p class=\"none\">{}</p>\n</section>\n",
            l.no_errors
        ));
        return;
    }
    o.push_str(&format!(
        "<div class=\"tbl\"><table class=\"errors\">\n<thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
        l.col_url, l.col_kind, l.col_message
    ));
    for e in &r.errors {
        o.push_str(&format!(
            "<tr><td class=\"url-cell\">{}</td><td><code>{}</code></td><td>{}</td></tr>\n",
            link(&e.url, &short_url(&e.url, ctx.origin.as_ref())),
            esc(&e.kind),
            esc(&e.message)
        ));
    }
    o.push_str("</tbody></table></div>\n</section>\n");
}

fn settings(o: &mut String, r: &Report, l: &Labels) {
    let s = &r.settings;
    let yn = |b: bool| if b { l.yes } else { l.no };
    let rate = if s.rate <= 0.0 {
        l.no_limit.to_string()
    } else {
        format!("{} {}", num(s.rate), l.per_second)
    };
    let rows: Vec<(&str, String)> = vec![
        (
            l.version,
            format!("{} {}", esc(&r.tool.name), esc(&r.tool.version)),
        ),
        (
            l.rules_digest,
            format!(
                "<code class=\"digest\">{}</code>",
                esc(&r.tool.rules_digest)
            ),
        ),
        (l.started, esc(&r.started_at)),
        (l.duration, human_ms(r.duration_ms)),
        (l.max_pages, s.max_pages.to_string()),
        (l.max_depth, s.max_depth.to_string()),
        (l.max_time, format!("{} s", num(s.max_time_s))),
        (l.concurrency, s.concurrency.to_string()),
        (l.rate, rate),
        (l.timeout, format!("{} s", num(s.timeout_s))),
        (l.max_body, human_bytes(s.max_body)),
        (l.honour_robots, yn(s.robots).to_string()),
        (l.exhaustive, yn(s.exhaustive).to_string()),
        (l.allow_private, yn(s.allow_private).to_string()),
        (l.user_agent, format!("<code>{}</code>", esc(&s.user_agent))),
        (l.report_lang, esc(&s.lang)),
    ];
    o.push_str(&format!(
        "<section id=\"settings\" aria-labelledby=\"h-settings\">\n<h2 id=\"h-settings\">{}</h2>\n<dl class=\"kv settings\">\n",
        l.settings
    ));
    for (k, v) in rows {
        o.push_str(&format!("<dt>{k}</dt><dd>{v}</dd>\n"));
    }
    o.push_str("</dl>\n</section>\n");
}

const CSS: &str = r#"
:root{color-scheme:light;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#eef1f4;--bg:#f3f5f8;--card:#fff;--accent:#0b5cad;
--pass:#1a7f37;--pass-bg:#e6f6ea;--warn:#9a6700;--warn-bg:#fff5cc;--fail:#c4232d;--fail-bg:#ffeceb;--inc:#8a3ffc;--inc-bg:#f4ecff}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans KR","Noto Sans CJK KR","Apple SD Gothic Neo","Malgun Gothic",sans-serif}
.wrap{max-width:1080px;margin:0 auto;padding:28px 24px 48px}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
code{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;background:var(--soft);border-radius:4px;padding:1px 5px;overflow-wrap:anywhere}
.s-pass{--c:var(--pass);--cb:var(--pass-bg)}
.s-warn{--c:var(--warn);--cb:var(--warn-bg)}
.s-fail{--c:var(--fail);--cb:var(--fail-bg)}
.s-inc{--c:var(--inc);--cb:var(--inc-bg)}
.top{display:flex;justify-content:space-between;align-items:flex-end;gap:12px 24px;flex-wrap:wrap;margin:0 0 18px}
.who{min-width:0;flex:1 1 420px}
.brand{font-size:12px;font-weight:700;letter-spacing:.08em;text-transform:uppercase;color:var(--muted)}
h1{font-size:26px;line-height:1.25;margin:4px 0 6px;overflow-wrap:anywhere}
h1 a{color:var(--ink)}
.meta{color:var(--muted);font-size:13px;overflow-wrap:anywhere}
.meta span{color:var(--ink)}
dl.when{display:grid;grid-template-columns:auto auto;gap:0 12px;margin:0;font-size:13px;color:var(--muted)}
dl.when dd{margin:0;color:var(--ink);font-variant-numeric:tabular-nums}
.verdict{display:grid;grid-template-columns:1fr 190px;gap:18px 28px;align-items:center;background:var(--card);border:1px solid var(--line);border-left:10px solid var(--c);border-radius:14px;padding:22px 26px;margin:0 0 8px;box-shadow:0 1px 3px rgba(31,35,40,.06)}
.verdict .word{font-size:30px;font-weight:800;line-height:1.2;color:var(--c);letter-spacing:-.01em}
.verdict .summary{margin:6px 0 0;font-size:15px}
.verdict .note{margin:8px 0 0}
.dial{text-align:center;background:var(--cb);border-radius:12px;padding:12px 16px}
.dial .label{font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.dial .num{font-size:48px;font-weight:800;line-height:1.05;color:var(--c);font-variant-numeric:tabular-nums}
.dial .of{font-size:13px;color:var(--muted);margin-bottom:8px}
.chips{grid-column:1/-1;display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:10px}
.chip{display:flex;flex-direction:column;gap:4px;border:1px solid var(--line);border-top:3px solid var(--c);border-radius:8px;padding:8px 12px;color:var(--ink);background:#fff}
.chip:hover{text-decoration:none;border-color:var(--c)}
.chip .t{font-weight:650;font-size:14px;line-height:1.3}
.chip .row{display:flex;justify-content:space-between;align-items:center}
.sc{color:var(--muted);font-size:13px;font-variant-numeric:tabular-nums}
.sc b{color:var(--ink);font-size:18px}
.badge{display:inline-block;padding:1px 10px;border-radius:999px;font-size:12px;font-weight:700;line-height:1.6;background:var(--cb);color:var(--c);border:1px solid var(--c);white-space:nowrap}
.bar{height:8px;background:var(--soft);border-radius:4px;overflow:hidden}
.bar>span{display:block;height:100%;background:var(--c);border-radius:4px}
h2{font-size:19px;margin:34px 0 2px}
h2 .count{font-size:13px;font-weight:600;color:var(--muted);background:var(--soft);border-radius:999px;padding:1px 8px;vertical-align:middle}
.note{color:var(--muted);font-size:13px;margin:0 0 12px}
.card{background:var(--card);border:1px solid var(--line);border-top:5px solid var(--c);border-radius:12px;margin:0 0 16px;box-shadow:0 1px 3px rgba(31,35,40,.05)}
.card-head{display:flex;gap:12px;align-items:flex-start;justify-content:space-between;padding:14px 20px 10px}
.card-head h3{margin:0 8px 0 0;font-size:18px;display:inline}
.card-head .cid{font-size:11.5px;color:var(--muted)}
.card-head .right{display:flex;gap:12px;align-items:center;white-space:nowrap}
.card>.bar{margin:0 20px 6px}
.card-body{padding:4px 20px 16px}
.reason{margin:8px 0;font-size:14px;color:var(--ink);background:var(--cb);border-radius:8px;padding:8px 12px}
.todo{grid-column:1/-1;background:#e8f2fd;border:1px solid #b6d4f5;border-radius:8px;padding:10px 14px}
.todo>b{display:block;font-size:11.5px;text-transform:uppercase;letter-spacing:.05em;color:#0b4f94;margin-bottom:2px}
.todo ul{margin:0;padding-left:18px}
.todo li{margin:2px 0}
.todo a{font-weight:650}
.advice{background:#e8f2fd;border:1px solid #b6d4f5;border-radius:8px;padding:10px 14px;margin:10px 0}
.advice b{display:block;font-size:11.5px;text-transform:uppercase;letter-spacing:.05em;color:#0b4f94}
.advice p{margin:2px 0 0;font-size:15px}
h4{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:16px 0 6px}
ul.missing{margin:0;padding-left:20px}
ul.missing li{margin:0 0 6px}
.need{font-weight:600}
.sub{color:var(--muted);font-size:12.5px;margin-top:2px;overflow-wrap:anywhere}
.sub code{font-size:11px}
.tag{display:inline-block;background:var(--soft);border-radius:4px;padding:0 6px;margin:1px 0;font-size:12.5px}
ol.evidence{list-style:none;margin:0;padding:0}
.ev{border-top:1px solid var(--soft);padding:9px 0 4px;break-inside:avoid}
.ev-head{display:flex;gap:4px 8px;flex-wrap:wrap;align-items:baseline;font-size:14px}
.ev-head .rule{font-size:12px;color:#24292f}
.w{font-size:12px;color:var(--pass);font-weight:600;white-space:nowrap}
.w.neg{color:var(--fail)}
.eff{font-size:11px;font-weight:700;color:var(--fail);border:1px solid currentColor;border-radius:4px;padding:0 5px}
.hit{margin:6px 0 0 2px;padding-left:12px;border-left:3px solid var(--line)}
.also{font-size:12px;color:var(--muted);margin:-2px 0 6px;overflow-wrap:anywhere}
.page{font-size:12.5px;overflow-wrap:anywhere}
.kind{display:inline-block;font-size:10.5px;font-weight:700;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);min-width:3.5em}
.snip{margin:2px 0 6px;color:#30363d;font-size:13.5px;overflow-wrap:anywhere}
mark{background:#ffe58a;color:inherit;padding:0 2px;border-radius:3px}
img.shot{display:block;max-width:100%;height:auto;margin:2px 0 8px;border:1px solid var(--line);border-radius:4px}
.none{color:var(--muted);font-style:italic;margin:4px 0}
dl.kv{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:6px 20px;margin:0}
dl.kv dt{color:var(--muted);font-size:13.5px}
dl.kv dd{margin:0;overflow-wrap:anywhere}
dl.settings{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:14px 20px;grid-template-columns:max-content minmax(0,1fr) max-content minmax(0,1fr)}
ul.stats{list-style:none;display:flex;flex-wrap:wrap;gap:8px;margin:6px 0 12px;padding:0}
ul.stats li{display:flex;flex-direction:column;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:6px 14px;min-width:120px}
ul.stats span{font-size:11.5px;font-weight:600;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}
ul.stats b{color:var(--ink);font-size:15px}
.tbl{overflow-x:auto;border:1px solid var(--line);border-radius:12px;background:var(--card)}
table{width:100%;border-collapse:collapse;font-size:13px}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid var(--soft);vertical-align:top}
tbody tr:last-child td{border-bottom:0}
th{background:#f7f8fa;font-weight:650;font-size:12px;color:var(--muted);white-space:nowrap}
th.num,td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.url-cell{overflow-wrap:anywhere;min-width:260px}
td.ct{color:var(--muted);font-size:12px}
.http{font-weight:700;font-variant-numeric:tabular-nums}
.http.ok{color:var(--pass)}
.http.redir{color:var(--warn)}
.http.bad{color:var(--fail)}
.title{color:var(--ink)}
.err{color:var(--fail)}
.warn{color:var(--warn)}
.nolink{overflow-wrap:anywhere}
.shots{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.shot{margin:0;background:var(--card);border:1px solid var(--line);border-radius:10px;padding:8px;break-inside:avoid}
.shot img{display:block;width:100%;height:auto;border-radius:6px;border:1px solid var(--soft)}
.shot figcaption{font-size:12px;margin-top:6px;overflow-wrap:anywhere}
.foot{margin-top:32px;color:var(--muted);font-size:12px;text-align:center}
@media (max-width:760px){
.wrap{padding:16px 12px 32px}
.verdict{grid-template-columns:1fr;padding:18px}
.verdict .word{font-size:24px}
.chips{grid-template-columns:repeat(2,minmax(0,1fr))}
.card-head{flex-direction:column;gap:6px}
.card-head,.card-body{padding-left:14px;padding-right:14px}
.card>.bar{margin:0 14px 6px}
dl.kv,dl.settings{grid-template-columns:1fr;gap:0}
dl.kv dd{margin-bottom:8px}
}
@media print{
@page{size:A4;margin:14mm 12mm}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{background:#fff;font-size:10.5pt}
.wrap{max-width:none;padding:0}
.verdict,.card,.tbl,dl.settings,ul.stats li{box-shadow:none}
.verdict{grid-template-columns:1fr 170px;padding:16px 20px}
.chips{grid-template-columns:repeat(4,minmax(0,1fr))}
.card-head{flex-direction:row}
dl.settings{grid-template-columns:max-content minmax(0,1fr) max-content minmax(0,1fr);gap:4px 16px}
.verdict,.chip,.card-head,.advice,.reason,tr{break-inside:avoid}
h2,h3,h4{break-after:avoid}
.tbl{overflow:visible}
a{color:inherit}
.chip{border-top-width:3px}
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>"x"&'y'</script>"#),
            "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;"
        );
        assert_eq!(esc("a\u{0}b\u{7}c\nd"), "abc\nd");
    }

    #[test]
    fn only_http_links() {
        assert!(safe_href("javascript:alert(1)").is_none());
        assert!(safe_href(" JavaScript:alert(1)").is_none());
        assert!(safe_href("data:text/html,<script>").is_none());
        assert!(safe_href("vbscript:x").is_none());
        assert_eq!(
            safe_href("https://shop.example/a?b=\"c\"").as_deref(),
            Some("https://shop.example/a?b=%22c%22")
        );
        assert!(link("javascript:alert(1)", "x").starts_with("<span"));
    }

    #[test]
    fn highlights_the_match_escaped() {
        assert_eq!(
            highlight("cost <b>3,000원</b> flat", "3,000원"),
            "cost &lt;b&gt;<mark>3,000원</mark>&lt;/b&gt; flat"
        );
        assert_eq!(
            highlight("Free Shipping over $50", "free shipping"),
            "<mark>Free Shipping</mark> over $50"
        );
        assert_eq!(highlight("no match here", "zzz"), "no match here");
        assert_eq!(highlight("배송비 무료", "무료"), "배송비 <mark>무료</mark>");
    }

    #[test]
    fn only_base64_image_screenshots_are_shown() {
        assert!(safe_image("data:image/jpeg;base64,/9j/4AAQSkZJRg=="));
        assert!(!safe_image("data:image/svg+xml;base64,PHN2Zz4="));
        assert!(!safe_image("data:text/html;base64,PHNjcmlwdD4="));
        assert!(!safe_image(
            "data:image/png;base64,AAAA\" onerror=\"alert(1)"
        ));
        assert!(!safe_image("javascript:alert(1)"));
        let mut r: Report = serde_json::from_str(include_str!("testdata/mini.json")).unwrap();
        r.screenshots.insert(
            "https://shop.example/cart".into(),
            "data:image/png;base64,iVBORw0KGgo=".into(),
        );
        r.screenshots.insert(
            "https://shop.example/x".into(),
            "data:text/html,<script>".into(),
        );
        let html = to_html(&r);
        assert_eq!(html.matches("<img ").count(), 1, "only the valid image");
        assert!(html.contains("src=\"data:image/png;base64,iVBORw0KGgo=\""));
        assert!(!html.contains("data:text/html"));
    }

    #[test]
    fn short_urls_on_the_same_site() {
        let o = Url::parse("http://127.0.0.1:4000/").unwrap().origin();
        assert_eq!(
            short_url("http://127.0.0.1:4000/a/b?x=1", Some(&o)),
            "/a/b?x=1"
        );
        assert_eq!(
            short_url("https://elsewhere.example/a", Some(&o)),
            "https://elsewhere.example/a"
        );
    }
}
