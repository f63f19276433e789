//! Rendering JavaScript-built pages in headless Chromium, so that shops which send an empty
//! shell (React/Vue storefronts, Imweb, Wix) are judged on what a buyer sees.
//!
//! Chromium is driven over the DevTools protocol by a small client (`cdp`); one browser is
//! started per run, on first need, with a fresh temporary profile, and killed at the end. Every
//! request a page makes is checked with the crawler's own rules (same site, no private or
//! reserved address); the rest is refused and recorded. On order pages a checkout probe clicks
//! the pay button with payment SDKs replaced by recorders, so the evidence names the payment
//! call the click made, and nothing is ever paid.

mod browser;
mod cdp;
mod page;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use regex::Regex;
use tokio::sync::{OnceCell, Semaphore};
use tokio::time::Instant;
use url::Url;

pub use browser::{Browser, LaunchOptions};
pub use page::{is_pg_host, Blocked, Policy, ProbeResult, Tab};

use crate::config::{Config, RenderMode};
use crate::crawl::{Fetched, Http, Scope};
use crate::extract::{self, PageFacts};
use crate::report::model as m;
use crate::rules::{PageEval, PageInput, RuleSet};

/// Why a page could not be rendered.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RenderError {
    /// No Chromium binary at this path.
    #[error("Chromium not found at {} (install chromium, pass --chromium PATH or set CHROME)", .0.display())]
    NotFound(PathBuf),
    /// Chromium could not be started, or stopped answering.
    #[error("{0}")]
    Launch(String),
    /// The DevTools connection failed or answered with an error.
    #[error("DevTools: {0}")]
    Protocol(String),
    /// A step of the render (loading, a free tab, a click) took too long.
    #[error("timed out: {0}")]
    Timeout(String),
    /// The page could not be loaded in the browser.
    #[error("navigation failed: {0}")]
    Navigation(String),
}

/// Whitespace collapsed and cut to `max` characters, for one-line messages.
pub(crate) fn one_line(s: &str, max: usize) -> String {
    extract::truncate_chars(&extract::collapse_ws(s), max)
}

/// The Chromium binary a run uses: `--chromium`, else `$CHROME`, else `/usr/bin/chromium`.
pub fn chromium_path(config: &Config) -> PathBuf {
    config
        .chromium
        .clone()
        .or_else(|| {
            std::env::var_os("CHROME")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// True when Chromium can be found for this configuration (tests and fixtures skip otherwise).
pub fn chromium_available(config: &Config) -> bool {
    chromium_path(config).is_file()
}

static EMPTY_ROOT: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?is)<(div|main|section|body)\b[^>]*\bid\s*=\s*["']?(root|app|__next|__nuxt|___gatsby|svelte|react-root|vue-app|main-app|application)["']?[^>]*>\s*(<!--.*?-->\s*)*</(div|main|section|body)>|<app-root\b[^>]*>\s*</app-root>|<div\b[^>]*\bdata-reactroot\b[^>]*>\s*</div>"#,
    )
    .ok()
});

static SPA_BUNDLE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(/_next/static/|/_nuxt/|/static/js/(main|bundle)\.|/assets/index-[\w-]{6,}\.js|/js/app\.[0-9a-f]{6,}\.js|/js/chunk-vendors|/build/bundle\.js|/(main|runtime|polyfills)\.[0-9a-f]{8,}\.js|/_app/immutable/|static\.parastorage\.com|/remoteEntry\.js)",
    )
    .ok()
});

/// True when a page's static HTML is a shell that a browser must build: an empty application
/// root (`<div id="app"></div>`, `__next`, `__nuxt`) with scripts, a known single-page-app
/// bundle with almost no content, or almost no visible text with scripts and nothing else (no
/// heading, no form). A small page that shows its content and merely loads a payment SDK is read
/// as it is.
pub fn needs_render(html: &str, facts: &PageFacts) -> bool {
    if facts.main_chars >= 1500 || (facts.scripts.is_empty() && facts.inline_script.is_empty()) {
        return false;
    }
    if facts.script_shell && facts.headings.is_empty() && facts.forms.is_empty() {
        return true;
    }
    if EMPTY_ROOT.as_ref().is_some_and(|re| re.is_match(html)) {
        return true;
    }
    facts.main_chars < 400
        && facts
            .scripts
            .iter()
            .any(|s| SPA_BUNDLE.as_ref().is_some_and(|re| re.is_match(s)))
}

/// Most pages of one site rendered because their static read was in doubt (pages that are not
/// script shells): rendering costs about a second a page, so doubt is paid for a few pages only.
pub const DOUBT_BUDGET: usize = 10;

static SCRIPT_FILLED: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)<(div|ul|ol|nav|footer|header|section|main|aside|tbody)\b[^>]*\b(?:id|class)\s*=\s*["']?[^"'>]*(nav|menu|gnb|lnb|footer|header|product|goods|item|prd|list|grid|catalog|collection|category|cart|shop|policy|content)[^>]*>\s*</(div|ul|ol|nav|footer|header|section|main|aside|tbody)>"#,
    )
    .ok()
});

static SCRIPT_LINKS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"(?i)(href\s*[=:]\s*["'`]?/|location\.href\s*=|\.(innerHTML|insertAdjacentHTML)\b|document\.write\()"#)
        .ok()
});

/// True when a page that is not a script shell still looks partly built by its scripts: an empty
/// container named for navigation, a footer or a product list (`<nav id="gnb"></nav>`,
/// `<ul class="prdList"></ul>`), or next to no links in the markup while an inline script writes
/// markup or links. Such a page is rendered when the static read left checks open ("in doubt").
pub fn in_doubt(html: &str, facts: &PageFacts) -> bool {
    if facts.scripts.is_empty() && facts.inline_script.is_empty() {
        return false;
    }
    if SCRIPT_FILLED.as_ref().is_some_and(|re| re.is_match(html)) {
        return true;
    }
    facts.links.len() < 5
        && SCRIPT_LINKS
            .as_ref()
            .is_some_and(|re| re.is_match(&facts.inline_script))
}

/// Why a page is sent to the browser: `page` decides for `auto` once (a shell, or in doubt);
/// other callers leave `run` to check for a shell itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    Shell,
    Doubt,
    Asked,
}

/// What rendering one page gave.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The page was rendered (its facts below, or already taken by the caller).
    pub rendered: bool,
    /// Facts of the rendered DOM (with the checkout probe's payment calls); `None` when the
    /// page could not be rendered and its static facts stand.
    pub facts: Option<PageFacts>,
    /// Rule evaluation of the rendered facts, when the page was rendered.
    pub eval: Option<PageEval>,
    /// Where the page ended up (client-side redirects included).
    pub final_url: Option<Url>,
    /// Requests of the page that were refused (another site, a private address, media, a
    /// navigation or POST after the pay button was clicked), for the page's record.
    pub blocked: Vec<Blocked>,
    /// Data URI of a small screenshot (`--screenshots`, pages that gave evidence).
    pub screenshot: Option<String>,
    /// What the checkout probe did, in one line (order pages).
    pub probe: Option<String>,
    /// Why rendering failed or was skipped (report `errors[]`, kind `render`).
    pub error: Option<String>,
    /// Rendering was required (`--render always`) and Chromium could not be started.
    pub fatal: Option<String>,
    /// Time spent rendering the page.
    pub elapsed: Duration,
    /// Rendered because the static read was in doubt, not because the page is a shell: the
    /// rendered page then adds what scripts built and never takes away what the HTML showed.
    pub in_doubt: bool,
}

impl Rendered {
    /// Writes what rendering did into the page's record, the run's errors and screenshots.
    pub fn note(
        &self,
        record: &mut m::PageRecord,
        errors: &mut crate::error::ErrorLog,
        screenshots: &mut BTreeMap<String, String>,
    ) {
        record.rendered = self.rendered;
        if self.rendered || self.error.is_some() {
            record.render_ms = Some(self.elapsed.as_millis() as u64);
        }
        record.blocked_requests = self
            .blocked
            .iter()
            .map(|b| m::BlockedRequest {
                url: b.url.clone(),
                reason: b.reason.clone(),
            })
            .collect();
        record.checkout_probe = self.probe.clone();
        if let Some(e) = &self.error {
            errors.push(&record.url, crate::error::ErrorKind::Render, e.clone());
        }
        if let Some(s) = &self.screenshot {
            screenshots.insert(record.final_url.clone(), s.clone());
        }
    }
}

/// Rendering for one run: the browser (started on first need), the tab limit and the budgets.
pub struct Renderer {
    mode: RenderMode,
    path: PathBuf,
    user_agent: String,
    screenshots: bool,
    timeout: Duration,
    deadline: Instant,
    tabs: Semaphore,
    /// Open tabs waiting for their next page (opening one costs a renderer process).
    idle: std::sync::Mutex<Vec<Tab>>,
    browser: OnceCell<Result<Arc<Browser>, String>>,
    /// The fallback warning was written (once per run).
    warned: AtomicBool,
    /// Renders left for pages in doubt ([`DOUBT_BUDGET`]).
    doubt_left: AtomicUsize,
}

impl Renderer {
    /// The renderer for a run, or `None` with `--render never`. With `--render always` a
    /// missing Chromium is an error before anything is fetched.
    pub fn new(config: &Config, deadline: Instant) -> crate::Result<Option<Arc<Renderer>>> {
        if config.render == RenderMode::Never {
            return Ok(None);
        }
        let path = chromium_path(config);
        if config.render == RenderMode::Always && !path.is_file() {
            return Err(crate::Error::Other(format!(
                "--render always: {}",
                RenderError::NotFound(path)
            )));
        }
        Ok(Some(Arc::new(Renderer {
            mode: config.render,
            path,
            user_agent: config.user_agent.clone(),
            screenshots: config.screenshots,
            timeout: config.timeout,
            deadline,
            tabs: Semaphore::new(config.concurrency.clamp(1, 3)),
            idle: std::sync::Mutex::new(Vec::new()),
            browser: OnceCell::new(),
            warned: AtomicBool::new(false),
            doubt_left: AtomicUsize::new(DOUBT_BUDGET),
        })))
    }

    async fn browser(&self, scope: &Scope, page: &Url) -> Result<Arc<Browser>, String> {
        self.browser
            .get_or_init(|| async {
                let opts = LaunchOptions {
                    path: self.path.clone(),
                    site_keys: scope.keys().to_vec(),
                    site_port: page.port_or_known_default(),
                    user_agent: self.user_agent.clone(),
                };
                Browser::launch(&opts)
                    .await
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .await
            .clone()
    }

    /// Closes the browser, if one was started and no page still holds it.
    pub async fn shutdown(self: Arc<Self>) {
        let Ok(me) = Arc::try_unwrap(self) else {
            return; // the last holder's drop kills it
        };
        drop(me.idle);
        if let Some(Ok(b)) = me.browser.into_inner() {
            if let Ok(b) = Arc::try_unwrap(b) {
                b.close().await;
            }
        }
    }

    /// Renders a fetched page when the mode asks for it (`auto`: script shells, and pages
    /// [`in_doubt`] while `open` says the static read left checks without evidence, within
    /// [`DOUBT_BUDGET`]). `None` when the page is read from its static HTML.
    #[allow(clippy::too_many_arguments)]
    pub async fn page(
        &self,
        http: &Arc<Http>,
        rules: &RuleSet,
        fetched: &Fetched,
        scope: &Scope,
        is_seed: bool,
        predicted: &[usize],
        static_facts: Option<&PageFacts>,
        open: bool,
    ) -> Option<Rendered> {
        let job = Job::Full { rules, predicted };
        let why = match (self.mode, fetched.body.as_ref().zip(static_facts)) {
            (RenderMode::Auto, Some((b, f))) if needs_render(&b.text, f) => Why::Shell,
            (RenderMode::Auto, Some((b, f)))
                if open && in_doubt(&b.text, f) && self.take_doubt() =>
            {
                Why::Doubt
            }
            (RenderMode::Auto, _) => return None,
            _ => Why::Asked,
        };
        self.run(http, job, fetched, scope, is_seed, static_facts, why)
            .await
    }

    /// Takes one render from the doubt budget; false when it is spent.
    fn take_doubt(&self) -> bool {
        self.doubt_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
    }

    /// The rendered text of a page when it is a script shell: the site's not-found page of a
    /// JavaScript-built site is only recognisable once rendered.
    pub async fn text(
        &self,
        http: &Arc<Http>,
        fetched: &Fetched,
        scope: &Scope,
        static_facts: &PageFacts,
    ) -> Option<String> {
        let out = self
            .run(
                http,
                Job::Text,
                fetched,
                scope,
                false,
                Some(static_facts),
                Why::Asked,
            )
            .await?;
        out.facts.map(|f| f.text)
    }

    #[allow(clippy::too_many_arguments)]
    async fn run(
        &self,
        http: &Arc<Http>,
        job: Job<'_>,
        fetched: &Fetched,
        scope: &Scope,
        is_seed: bool,
        static_facts: Option<&PageFacts>,
        why: Why,
    ) -> Option<Rendered> {
        if !(200..300).contains(&fetched.status) {
            return None;
        }
        let (body, facts) = (fetched.body.as_ref()?, static_facts?);
        if self.mode == RenderMode::Auto && why == Why::Asked && !needs_render(&body.text, facts) {
            return None;
        }
        let t0 = std::time::Instant::now();
        let mut scope = scope.clone();
        if is_seed {
            scope.add(&fetched.final_url); // the seed's redirect target is the site
        }
        let mut out = Rendered {
            in_doubt: why == Why::Doubt,
            ..Rendered::default()
        };
        let browser = match self.browser(&scope, &fetched.final_url).await {
            Ok(b) => b,
            Err(e) => {
                if self.mode == RenderMode::Always {
                    out.fatal = Some(format!("--render always: {e}"));
                }
                if why == Why::Doubt {
                    return None; // the static read stands; it was not a shell
                }
                if !self.warned.swap(true, Ordering::Relaxed) {
                    out.error = Some(format!(
                        "the page is built by JavaScript but could not be rendered ({e}); it was read from its static HTML"
                    ));
                    return Some(out);
                }
                return None;
            }
        };
        let hard = self
            .deadline
            .min(Instant::now() + self.timeout + Duration::from_secs(6));
        let work = self.render(&browser, http, job, fetched, scope, &mut out);
        match tokio::time::timeout_at(hard, work).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => out.error = Some(format!("not rendered: {e}; read from static HTML")),
            Err(_) => {
                out.error =
                    Some("not rendered: the time budget ran out; read from static HTML".into())
            }
        }
        if out.error.is_some() {
            out.facts = None;
            out.eval = None;
        }
        out.rendered = out.facts.is_some();
        if out.elapsed.is_zero() {
            out.elapsed = t0.elapsed();
        }
        Some(out)
    }

    async fn render(
        &self,
        browser: &Browser,
        http: &Arc<Http>,
        job: Job<'_>,
        fetched: &Fetched,
        scope: Scope,
        out: &mut Rendered,
    ) -> Result<(), RenderError> {
        let _permit = tokio::time::timeout_at(self.deadline, self.tabs.acquire())
            .await
            .map_err(|_| RenderError::Timeout("no tab free before the time budget ran out".into()))?
            .map_err(|_| RenderError::Launch("renderer closed".into()))?;
        let started = std::time::Instant::now();
        let until = self.deadline.min(Instant::now() + self.timeout);
        let policy = Policy {
            scope,
            http: http.clone(),
        };
        let pooled = self.idle.lock().ok().and_then(|mut v| v.pop());
        let tab = match pooled {
            Some(t) => {
                t.set_policy(policy);
                t
            }
            None => Tab::open(browser, policy).await?,
        };
        let result = async {
            let landed = tab.navigate(&fetched.final_url, until).await?;
            let html = tab.html().await?;
            // A rendered page is judged on what the browser built: whatever its size, it is
            // no longer a shell waiting for a browser.
            let Job::Full { rules, predicted } = job else {
                let mut facts = extract::extract(&landed, &html, &[]);
                facts.script_shell = false;
                out.facts = Some(facts);
                return Ok(());
            };
            let mut facts = extract::extract(&landed, &html, &rules.selectors);
            facts.script_shell = false;
            let input = |f: &PageFacts| {
                rules.evaluate(PageInput {
                    url: &fetched.final_url,
                    status: fetched.status,
                    facts: Some(f),
                    predicted,
                    enough: None,
                })
            };
            let mut eval = input(&facts);
            let order = rules.class_index("order");
            if order.is_some_and(|c| eval.classes.contains(&c)) {
                let korean = facts.lang.as_deref().is_some_and(|l| l.starts_with("ko"))
                    || extract::lang::detect(&facts.text) == Some("ko");
                let probe_until = self.deadline.min(Instant::now() + Duration::from_secs(4));
                match tab.probe(korean, probe_until).await {
                    Ok(p) => {
                        out.probe = Some(probe_summary(&p));
                        if !p.pg_calls.is_empty() {
                            facts.pg_calls = p.pg_calls;
                            eval = input(&facts);
                        }
                    }
                    Err(e) => out.probe = Some(format!("checkout probe failed: {e}")),
                }
            }
            if self.screenshots && !eval.hits.is_empty() {
                out.screenshot = tab.screenshot().await.ok();
            }
            out.final_url = Some(landed);
            out.facts = Some(facts);
            out.eval = Some(eval);
            Ok(())
        }
        .await;
        out.blocked = tab.blocked();
        out.elapsed = started.elapsed();
        if result.is_ok() && tab.recycle().await.is_ok() {
            if let Ok(mut v) = self.idle.lock() {
                v.push(tab);
            }
        }
        result
    }
}

/// What a render is for.
#[derive(Clone, Copy)]
enum Job<'a> {
    /// Facts, rules, the checkout probe on order pages, a screenshot when asked.
    Full {
        rules: &'a RuleSet,
        predicted: &'a [usize],
    },
    /// Only the rendered text.
    Text,
}

fn probe_summary(p: &ProbeResult) -> String {
    let plural = if p.filled == 1 { "" } else { "s" };
    let Some(b) = &p.button else {
        return format!("no pay button found (filled {} field{plural})", p.filled);
    };
    let prefix = format!("click on {b} ");
    let what = if p.pg_calls.is_empty() {
        let mut s = "no payment call followed".to_string();
        if !p.other.is_empty() {
            s.push_str(&format!(" ({})", p.other.join("; ")));
        }
        s
    } else {
        p.pg_calls
            .iter()
            .map(|c| c.strip_prefix(&prefix).unwrap_or(c))
            .collect::<Vec<_>>()
            .join("; ")
    };
    one_line(
        &format!(
            "clicked “{b}” after filling {} field{plural}: {what}",
            p.filled
        ),
        600,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(html: &str) -> PageFacts {
        let u = Url::parse("https://shop.example/").unwrap();
        extract::extract(&u, html, &[])
    }

    #[test]
    fn script_shells_need_rendering_and_content_pages_do_not() {
        let shell = r#"<html><head><script src="/js/app.js"></script></head><body><div id="app"></div></body></html>"#;
        assert!(needs_render(shell, &facts(shell)));
        // An empty root with a header and footer around it still needs the browser.
        let words = "배송 안내 이용약관 개인정보처리방침 고객센터 02-123-4567 ".repeat(12);
        let framed = format!(
            r#"<html><body><header>{words}</header><div id="__next"></div><footer>{words}</footer><script src="/_next/static/chunks/main.js"></script></body></html>"#
        );
        let f = facts(&framed);
        assert!(!f.script_shell, "too much text for the plain shell test");
        assert!(needs_render(&framed, &f));
        // Server-rendered content with scripts: read statically.
        let body = "리넨 쿠션 커버 18,000원 프렌치 리넨 100%. ".repeat(80);
        let page = format!(
            r#"<html><body><main>{body}</main><div id="app"><p>x</p></div><script src="/_next/static/x.js"></script></body></html>"#
        );
        assert!(!needs_render(&page, &facts(&page)));
        // A short checkout that loads a payment SDK shows its content already.
        let checkout = r#"<html><body><h1>Checkout</h1><label><input type=radio> Credit card</label><button>Pay now</button><script src="https://js.stripe.com/v3/"></script></body></html>"#;
        assert!(!needs_render(checkout, &facts(checkout)));
        // No script at all: nothing to render.
        let bare = "<html><body><div id=\"root\"></div></body></html>";
        assert!(!needs_render(bare, &facts(bare)));
    }

    #[test]
    fn chromium_is_looked_up_flag_first() {
        let c = Config {
            chromium: Some(PathBuf::from("/opt/chromium/chrome")),
            ..Config::default()
        };
        assert_eq!(chromium_path(&c), PathBuf::from("/opt/chromium/chrome"));
    }

    #[test]
    fn payment_gateway_hosts() {
        for u in [
            "https://cdn.iamport.kr/v1/iamport.js",
            "https://js.tosspayments.com/v1/payment",
            "https://stdpay.inicis.com/stdjs/INIStdPay.js",
            "https://js.stripe.com/v3",
        ] {
            assert!(is_pg_host(&Url::parse(u).unwrap()), "{u}");
        }
        assert!(!is_pg_host(
            &Url::parse("https://notstripe.com.example/").unwrap()
        ));
    }

    #[test]
    fn probe_summary_names_the_button_and_the_call() {
        let p = ProbeResult {
            button: Some("결제하기".into()),
            filled: 4,
            pg_calls: vec!["click on 결제하기 called IMP.request_pay({\"pg\":\"kcp\"})".into()],
            other: vec![],
        };
        assert_eq!(
            probe_summary(&p),
            "clicked “결제하기” after filling 4 fields: called IMP.request_pay({\"pg\":\"kcp\"})"
        );
        assert_eq!(
            probe_summary(&ProbeResult::default()),
            "no pay button found (filled 0 fields)"
        );
    }
}
