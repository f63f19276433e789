//! One tab: every request it makes checked against the site's scope and the private-address
//! guard, navigation with a bounded wait for the page to settle, the rendered DOM, a screenshot,
//! and the checkout probe.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::Notify;
use tokio::time::Instant;
use url::{Host, Url};

use super::browser::Browser;
use super::cdp::{Connection, Event};
use super::{one_line, RenderError};
use crate::crawl::{Http, Scope};

/// Name of the function the page calls to report payment calls, popups and dialogs.
const BINDING: &str = "__sitereadyRecord";
/// Most blocked requests kept per page.
const MAX_BLOCKED: usize = 50;
/// Most records kept per page.
const MAX_RECORDS: usize = 100;
/// Viewport of every tab (and of screenshots, which are taken at half that size).
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

/// Hosts of payment gateways: a request to one after the pay button was clicked is the
/// payment window opening (it is blocked, as is every request to another site).
const PG_HOSTS: &[&str] = &[
    "iamport.kr",
    "portone.io",
    "tosspayments.com",
    "toss.im",
    "inicis.com",
    "nicepay.co.kr",
    "kcp.co.kr",
    "pay.naver.com",
    "kakaopay.com",
    "payco.com",
    "danal.co.kr",
    "kicc.co.kr",
    "settlebank.co.kr",
    "ksnet.co.kr",
    "smartro.co.kr",
    "payple.kr",
    "lgdacom.net",
    "stripe.com",
    "paypal.com",
    "adyen.com",
    "braintreegateway.com",
    "xendit.co",
    "midtrans.com",
    "omise.co",
    "razorpay.com",
    "2c2p.com",
    "eximbay.com",
];

/// True for a recorded line whose call starts a payment (rather than setting an SDK up), or
/// for a request to a payment gateway.
fn starts_payment(line: &str) -> bool {
    if line.contains(" requested ") {
        return true;
    }
    let Some((_, call)) = line.split_once(" called ") else {
        return false;
    };
    // `TossPayments(…).requestPayment('카드', {…})` → `tosspayments.requestpayment`
    let call = call.replace("(…)", "").to_ascii_lowercase();
    let name = call.split('(').next().unwrap_or("");
    match name.rsplit_once('.') {
        // A method: IMP.request_pay, TossPayments(…).requestPayment, INIStdPay.pay.
        Some((_, last)) => [
            "request", "pay", "open", "execute", "submit", "confirm", "checkout", "redirect",
        ]
        .iter()
        .any(|k| last.contains(k)),
        // A plain function: KCP_Pay_Execute, nicepayStart (not factories like TossPayments).
        None => name.contains("execute") || name.ends_with("start") || name == "gopay",
    }
}

/// True when `u` belongs to a payment gateway.
pub fn is_pg_host(u: &Url) -> bool {
    let Some(h) = u.host_str() else { return false };
    let h = h.trim_end_matches('.').to_ascii_lowercase();
    PG_HOSTS
        .iter()
        .any(|p| h == *p || h.ends_with(&format!(".{p}")))
}

/// A request the page tried and siteready refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    /// The refused request's URL, on one line and capped.
    pub url: String,
    /// Why it was refused (`another site (out of scope)` …).
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Load,
    /// After the pay button was clicked: no navigation and no POST leaves the page.
    Probe,
}

/// Something the page reported through the recording stubs.
#[derive(Debug, Clone)]
struct Record {
    phase: Phase,
    kind: String,
    name: String,
    detail: String,
}

struct State {
    phase: Phase,
    blocked: Vec<Blocked>,
    records: Vec<Record>,
    /// Lifecycle events of the main frame, per loader.
    lifecycle: Vec<(String, String)>,
    main_frame: String,
    /// Guard results per host:port (DNS answers are checked once per tab).
    dns: HashMap<String, Result<(), String>>,
    /// Requests of the page still loading.
    inflight: std::collections::HashMap<String, String>,
    policy: Policy,
}

/// The rules a tab's requests must follow: the crawler's own.
#[derive(Clone)]
pub struct Policy {
    /// The site: requests elsewhere are refused.
    pub scope: Scope,
    /// The crawler's client, whose address guard the tab's requests pass too.
    pub http: Arc<Http>,
}

/// What the checkout probe saw.
#[derive(Debug, Clone, Default)]
pub struct ProbeResult {
    /// Text of the button clicked; `None` when no pay button was found.
    pub button: Option<String>,
    /// Form fields filled with dummy data.
    pub filled: usize,
    /// Payment calls and payment-window requests the click caused, ready for evidence.
    pub pg_calls: Vec<String>,
    /// Other things the click caused (dialogs, blocked navigations).
    pub other: Vec<String>,
}

/// An open tab; closed when dropped.
pub struct Tab {
    conn: Arc<Connection>,
    session: String,
    target: String,
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
    pump: tokio::task::JoinHandle<()>,
}

impl Drop for Tab {
    fn drop(&mut self) {
        self.pump.abort();
        self.conn.unsubscribe(&self.session);
        self.conn.send(
            None,
            "Target.closeTarget",
            json!({ "targetId": self.target }),
        );
    }
}

fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn str_of<'a>(v: &'a Value, k: &str) -> &'a str {
    v.get(k).and_then(Value::as_str).unwrap_or("")
}

impl Tab {
    /// Opens a blank tab whose every request goes through `policy`.
    pub async fn open(browser: &Browser, policy: Policy) -> Result<Tab, RenderError> {
        let conn = browser.conn.clone();
        let created = conn
            .call(
                None,
                "Target.createTarget",
                // A window of its own: a background tab of a shared window gets no frames, and
                // input sent to it waits for one.
                json!({ "url": "about:blank", "newWindow": true, "width": WIDTH, "height": HEIGHT }),
            )
            .await?;
        let target = str_of(&created, "targetId").to_string();
        let attached = conn
            .call(
                None,
                "Target.attachToTarget",
                json!({ "targetId": target, "flatten": true }),
            )
            .await;
        let session = match attached {
            Ok(a) => str_of(&a, "sessionId").to_string(),
            Err(e) => {
                conn.send(None, "Target.closeTarget", json!({ "targetId": target }));
                return Err(e);
            }
        };
        let events = conn.subscribe(&session);
        let state = Arc::new(Mutex::new(State {
            phase: Phase::Load,
            blocked: Vec::new(),
            records: Vec::new(),
            lifecycle: Vec::new(),
            main_frame: target.clone(),
            dns: HashMap::new(),
            inflight: std::collections::HashMap::new(),
            policy,
        }));
        let changed = Arc::new(Notify::new());
        let pump = tokio::spawn(pump(
            conn.clone(),
            session.clone(),
            events,
            state.clone(),
            changed.clone(),
        ));
        let tab = Tab {
            conn,
            session,
            target,
            state,
            changed,
            pump,
        };
        tab.setup(&browser.user_agent).await?;
        Ok(tab)
    }

    async fn call(&self, method: &str, params: Value) -> Result<Value, RenderError> {
        self.conn.call(Some(&self.session), method, params).await
    }

    async fn setup(&self, user_agent: &str) -> Result<(), RenderError> {
        // Interception first: nothing may load before the policy is in place.
        self.call(
            "Fetch.enable",
            json!({ "patterns": [{ "urlPattern": "*", "requestStage": "Request" }] }),
        )
        .await?;
        self.call("Page.enable", json!({})).await?;
        // Only to know when the page's own requests are done (no bodies are kept).
        self.call(
            "Network.enable",
            json!({ "maxTotalBufferSize": 0, "maxResourceBufferSize": 0 }),
        )
        .await?;
        self.call("Page.setLifecycleEventsEnabled", json!({ "enabled": true }))
            .await?;
        // Binding calls are reported only while the Runtime domain is enabled.
        self.call("Runtime.enable", json!({})).await?;
        self.call("Runtime.addBinding", json!({ "name": BINDING }))
            .await?;
        self.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": include_str!("pg_stubs.js") }),
        )
        .await?;
        self.call(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": false }),
        )
        .await?;
        if !user_agent.is_empty() {
            self.call(
                "Emulation.setUserAgentOverride",
                json!({ "userAgent": user_agent }),
            )
            .await?;
        }
        if let Ok(tree) = self.call("Page.getFrameTree", json!({})).await {
            if let Some(id) = tree.pointer("/frameTree/frame/id").and_then(Value::as_str) {
                lock(&self.state).main_frame = id.to_string();
            }
        }
        Ok(())
    }

    /// Loads `url` and waits until it settles (load event, network almost idle, DOM stable) or
    /// `until` passes. Returns the URL the page ended on.
    pub async fn navigate(&self, url: &Url, until: Instant) -> Result<Url, RenderError> {
        let nav = tokio::time::timeout_at(
            until,
            self.call("Page.navigate", json!({ "url": url.as_str() })),
        )
        .await
        .map_err(|_| RenderError::Timeout(format!("{url} did not start loading")))??;
        let error = str_of(&nav, "errorText");
        if !error.is_empty() {
            let why = lock(&self.state)
                .blocked
                .iter()
                .find(|b| b.url == url.as_str())
                .map(|b| format!(" ({})", b.reason))
                .unwrap_or_default();
            return Err(RenderError::Navigation(format!("{url}: {error}{why}")));
        }
        let loader = str_of(&nav, "loaderId").to_string();
        // Load event: most of the budget; a page that never finishes loading is read as it is.
        let load_by = Instant::now() + until.saturating_duration_since(Instant::now()) * 7 / 10;
        self.wait_lifecycle(&loader, "load", load_by).await;
        self.settle(until.min(Instant::now() + Duration::from_secs(5)))
            .await;
        let href = self.eval_string("location.href").await.unwrap_or_default();
        match Url::parse(&href) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u),
            // Chromium's error page: the page sent itself somewhere that was blocked.
            Ok(u) if u.scheme() == "chrome-error" => {
                let last = lock(&self.state).blocked.last().cloned();
                Err(RenderError::Navigation(match last {
                    Some(b) => format!("{url} left for {} ({})", b.url, b.reason),
                    None => format!("{url} ended on an error page"),
                }))
            }
            _ => Ok(url.clone()),
        }
    }

    /// Waits for lifecycle event `name` of the document `loader` loads, or of any document the
    /// main frame went on to load after it: a page that sends itself elsewhere as it starts
    /// (`location.href = 'loading.html'`) never fires `load` for the first document.
    async fn wait_lifecycle(&self, loader: &str, name: &str, until: Instant) -> bool {
        loop {
            let wait = self.changed.notified();
            let seen = {
                let s = lock(&self.state);
                let from = s
                    .lifecycle
                    .iter()
                    .position(|(l, _)| loader.is_empty() || l == loader);
                from.is_some_and(|i| s.lifecycle[i..].iter().any(|(_, n)| n == name))
            };
            if seen {
                return true;
            }
            if tokio::time::timeout_at(until, wait).await.is_err() {
                return false;
            }
        }
    }

    /// Waits until the page's scripts are done: no request of the page in flight (a few
    /// long-lived ones are tolerated after a while) and the amount of text and elements
    /// unchanged for 200 ms.
    async fn settle(&self, until: Instant) {
        let started = Instant::now();
        let probe = "(document.body ? document.body.innerText.length : 0) + ':' + document.getElementsByTagName('*').length";
        let mut last = String::new();
        let mut same = 0;
        while Instant::now() < until {
            let now = tokio::time::timeout_at(until, self.eval_string(probe))
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            if now == last {
                same += 1;
            } else {
                same = 0;
                last = now;
            }
            let inflight = lock(&self.state).inflight.len();
            let quiet =
                inflight == 0 || (inflight <= 2 && started.elapsed() > Duration::from_millis(1500));
            if same >= 2 && quiet {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn eval(&self, expression: &str) -> Result<Value, RenderError> {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({ "expression": expression, "returnByValue": true, "awaitPromise": false }),
            )
            .await?;
        if let Some(ex) = r.get("exceptionDetails") {
            let msg = ex
                .pointer("/exception/description")
                .and_then(Value::as_str)
                .or_else(|| ex.get("text").and_then(Value::as_str))
                .unwrap_or("exception");
            return Err(RenderError::Protocol(one_line(msg, 200)));
        }
        Ok(r.pointer("/result/value").cloned().unwrap_or(Value::Null))
    }

    async fn eval_string(&self, expression: &str) -> Result<String, RenderError> {
        Ok(match self.eval(expression).await? {
            Value::String(s) => s,
            Value::Null => String::new(),
            v => v.to_string(),
        })
    }

    /// The rendered document as HTML.
    pub async fn html(&self) -> Result<String, RenderError> {
        self.eval_string("document.documentElement ? document.documentElement.outerHTML : ''")
            .await
    }

    /// A small JPEG of the viewport (half size), as a data URI.
    pub async fn screenshot(&self) -> Result<String, RenderError> {
        self.eval("window.scrollTo(0, 0)").await.ok();
        let r = self
            .call(
                "Page.captureScreenshot",
                json!({
                    "format": "jpeg",
                    "quality": 40,
                    "clip": { "x": 0, "y": 0, "width": WIDTH, "height": HEIGHT, "scale": 0.5 },
                }),
            )
            .await?;
        let data = str_of(&r, "data");
        if data.is_empty() {
            return Err(RenderError::Protocol("empty screenshot".into()));
        }
        Ok(format!("data:image/jpeg;base64,{data}"))
    }

    /// Requests refused so far.
    pub fn blocked(&self) -> Vec<Blocked> {
        lock(&self.state).blocked.clone()
    }

    /// Sets the rules for the next page (the seed's redirect may have widened the site).
    pub fn set_policy(&self, policy: Policy) {
        lock(&self.state).policy = policy;
    }

    /// Makes the tab ready for another page: leaves the current one (its scripts stop) and
    /// forgets what it recorded. Fails when the tab no longer answers.
    pub async fn recycle(&self) -> Result<(), RenderError> {
        lock(&self.state).phase = Phase::Load;
        tokio::time::timeout(
            Duration::from_secs(2),
            self.call("Page.navigate", json!({ "url": "about:blank" })),
        )
        .await
        .map_err(|_| RenderError::Timeout("tab did not answer".into()))??;
        let mut s = lock(&self.state);
        s.blocked.clear();
        s.records.clear();
        s.lifecycle.clear();
        s.inflight.clear();
        Ok(())
    }

    /// The checkout probe: fills the order form with dummy data, clicks the pay button, and
    /// reports which payment calls (stubbed) and payment-window requests (blocked) followed.
    pub async fn probe(&self, korean: bool, until: Instant) -> Result<ProbeResult, RenderError> {
        let prep = self
            .eval(&format!("({})({korean})", include_str!("probe.js").trim()))
            .await?;
        let mut out = ProbeResult {
            filled: prep.get("filled").and_then(Value::as_u64).unwrap_or(0) as usize,
            ..ProbeResult::default()
        };
        if prep.get("found").and_then(Value::as_bool) != Some(true) {
            return Ok(out);
        }
        let label = one_line(str_of(&prep, "label"), 40);
        out.button = Some(label.clone());
        let (x, y) = (
            prep.get("x").and_then(Value::as_f64).unwrap_or(-1.0),
            prep.get("y").and_then(Value::as_f64).unwrap_or(-1.0),
        );
        let start = {
            let mut s = lock(&self.state);
            s.phase = Phase::Probe;
            s.records.len()
        };
        let inside = x >= 0.0 && y >= 0.0 && x < f64::from(WIDTH) && y < f64::from(HEIGHT);
        if inside {
            // A real click (trusted event), as a buyer would make.
            let click = async {
                for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
                    self.call(
                        "Input.dispatchMouseEvent",
                        json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
                    )
                    .await?;
                }
                Ok::<(), RenderError>(())
            };
            tokio::time::timeout_at(until, click).await.map_err(|_| {
                RenderError::Timeout("the pay button did not take the click".into())
            })??;
        }
        let first = until.min(Instant::now() + Duration::from_millis(1500));
        let mut got = self.wait_pg(start, first).await;
        if !got && Instant::now() < until {
            // Covered by an overlay, or off screen: click it from script.
            self.eval("window.__sitereadyPayButton && window.__sitereadyPayButton.click()")
                .await
                .ok();
            got = self
                .wait_pg(
                    start,
                    until.min(Instant::now() + Duration::from_millis(1000)),
                )
                .await;
        }
        if got {
            // Let a second call (init, then request) arrive.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let s = lock(&self.state);
        for r in s
            .records
            .iter()
            .skip(start)
            .filter(|r| r.phase == Phase::Probe)
        {
            let line = match r.kind.as_str() {
                "call" => format!("click on {label} called {}({})", r.name, r.detail),
                "pg_request" => format!("click on {label} requested {} (blocked)", r.detail),
                "popup" => format!("click on {label} opened a window to {}", r.detail),
                _ => format!("{}: {}", r.name, r.detail),
            };
            let line = one_line(&line, 300);
            let pg = match r.kind.as_str() {
                "call" | "pg_request" => true,
                "popup" => Url::parse(&r.detail).is_ok_and(|u| is_pg_host(&u)),
                _ => false,
            };
            let list = if pg {
                &mut out.pg_calls
            } else {
                &mut out.other
            };
            if !list.contains(&line) && list.len() < 20 {
                list.push(line);
            }
        }
        // The payment request itself first (`IMP.request_pay` before `IMP.init`): it is what
        // the evidence should name.
        out.pg_calls.sort_by_key(|c| !starts_payment(c));
        Ok(out)
    }

    async fn wait_pg(&self, start: usize, until: Instant) -> bool {
        loop {
            let wait = self.changed.notified();
            if lock(&self.state).records.iter().skip(start).any(|r| {
                r.phase == Phase::Probe && matches!(r.kind.as_str(), "call" | "pg_request")
            }) {
                return true;
            }
            if tokio::time::timeout_at(until, wait).await.is_err() {
                return false;
            }
        }
    }
}

/// Handles the tab's events: answers every paused request, collects records and lifecycle.
async fn pump(
    conn: Arc<Connection>,
    session: String,
    mut events: tokio::sync::mpsc::UnboundedReceiver<Event>,
    state: Arc<Mutex<State>>,
    changed: Arc<Notify>,
) {
    while let Some(ev) = events.recv().await {
        match ev.method.as_str() {
            "Fetch.requestPaused" => {
                let conn = conn.clone();
                let session = session.clone();
                let state = state.clone();
                let policy = lock(&state).policy.clone();
                let changed = changed.clone();
                tokio::spawn(async move {
                    answer_request(&conn, &session, &state, &policy, &ev.params).await;
                    changed.notify_waiters();
                });
            }
            "Runtime.bindingCalled" if str_of(&ev.params, "name") == BINDING => {
                let payload: Value =
                    serde_json::from_str(str_of(&ev.params, "payload")).unwrap_or(Value::Null);
                let mut s = lock(&state);
                if s.records.len() < MAX_RECORDS {
                    let phase = s.phase;
                    s.records.push(Record {
                        phase,
                        kind: str_of(&payload, "kind").to_string(),
                        name: one_line(str_of(&payload, "name"), 80),
                        detail: str_of(&payload, "detail").to_string(),
                    });
                }
                drop(s);
                changed.notify_waiters();
            }
            "Page.lifecycleEvent" => {
                let mut s = lock(&state);
                if str_of(&ev.params, "frameId") == s.main_frame {
                    let loader = str_of(&ev.params, "loaderId").to_string();
                    let name = str_of(&ev.params, "name").to_string();
                    if s.lifecycle.len() < 1000 {
                        s.lifecycle.push((loader, name));
                    }
                }
                drop(s);
                changed.notify_waiters();
            }
            "Network.requestWillBeSent" => {
                let mut s = lock(&state);
                let loader = str_of(&ev.params, "loaderId").to_string();
                // A new document in the main frame: the old one's requests are cancelled,
                // often without a word, and must not keep the page "busy".
                if str_of(&ev.params, "type") == "Document"
                    && str_of(&ev.params, "frameId") == s.main_frame
                {
                    s.inflight.retain(|_, l| *l == loader);
                }
                if s.inflight.len() < 10_000 {
                    s.inflight
                        .insert(str_of(&ev.params, "requestId").to_string(), loader);
                }
            }
            "Network.loadingFinished" | "Network.loadingFailed" => {
                lock(&state)
                    .inflight
                    .remove(str_of(&ev.params, "requestId"));
            }
            "Page.javascriptDialogOpening" => {
                // beforeunload and dialogs opened before the stubs: answered, never left open.
                conn.send(
                    Some(&session),
                    "Page.handleJavaScriptDialog",
                    json!({ "accept": true }),
                );
            }
            _ => {}
        }
    }
}

async fn answer_request(
    conn: &Connection,
    session: &str,
    state: &Mutex<State>,
    policy: &Policy,
    p: &Value,
) {
    let id = str_of(p, "requestId");
    let raw = p
        .pointer("/request/url")
        .and_then(Value::as_str)
        .unwrap_or("");
    let method = p
        .pointer("/request/method")
        .and_then(Value::as_str)
        .unwrap_or("GET");
    let rtype = str_of(p, "resourceType");
    let verdict = match Url::parse(raw) {
        Ok(u) => decide(state, policy, &u, method, rtype).await,
        Err(_) => Err("not a valid URL".to_string()),
    };
    match verdict {
        Ok(()) => conn.send(
            Some(session),
            "Fetch.continueRequest",
            json!({ "requestId": id }),
        ),
        Err(reason) => {
            conn.send(
                Some(session),
                "Fetch.failRequest",
                json!({ "requestId": id, "errorReason": "BlockedByClient" }),
            );
            let mut s = lock(state);
            let url = one_line(raw, 300);
            let probing = s.phase == Phase::Probe;
            if probing
                && Url::parse(raw).is_ok_and(|u| is_pg_host(&u))
                && s.records.len() < MAX_RECORDS
            {
                s.records.push(Record {
                    phase: Phase::Probe,
                    kind: "pg_request".into(),
                    name: method.to_string(),
                    detail: url.clone(),
                });
            } else if probing && rtype == "Document" && s.records.len() < MAX_RECORDS {
                s.records.push(Record {
                    phase: Phase::Probe,
                    kind: "navigation".into(),
                    name: format!("navigation ({method})"),
                    detail: format!("{url} (blocked)"),
                });
            }
            if s.blocked.len() < MAX_BLOCKED && !s.blocked.iter().any(|b| b.url == url) {
                s.blocked.push(Blocked { url, reason });
            }
        }
    }
}

/// The crawler's rules, applied to a request of the page: same site, no private or reserved
/// address (host names are resolved and every answer checked), and after the pay button was
/// clicked, no navigation and nothing but GET.
async fn decide(
    state: &Mutex<State>,
    policy: &Policy,
    u: &Url,
    method: &str,
    rtype: &str,
) -> Result<(), String> {
    if matches!(u.scheme(), "data" | "blob") {
        return Ok(()); // in-memory: nothing leaves the browser
    }
    if !policy.scope.contains(u) {
        return Err(if is_pg_host(u) {
            "payment gateway (another site): never contacted".into()
        } else {
            "another site (out of scope)".into()
        });
    }
    policy.http.guard(u).map_err(|e| e.message)?;
    if lock(state).phase == Phase::Probe {
        if rtype == "Document" {
            return Err("navigation after the pay button was clicked: not followed".into());
        }
        if !method.eq_ignore_ascii_case("GET") && !method.eq_ignore_ascii_case("HEAD") {
            return Err(format!(
                "{method} after the pay button was clicked: the probe never submits an order"
            ));
        }
    }
    if rtype == "Media" {
        return Err("media is not loaded".into());
    }
    let Some(Host::Domain(host)) = u.host() else {
        return Ok(());
    };
    let port = u.port_or_known_default().unwrap_or(80);
    let key = format!("{host}:{port}");
    if let Some(r) = lock(state).dns.get(&key) {
        return r.clone();
    }
    let r = match tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::lookup_host((host, port)),
    )
    .await
    {
        Ok(Ok(addrs)) => {
            let mut r = Ok(());
            for a in addrs {
                let mut v = u.clone();
                if v.set_ip_host(a.ip()).is_ok() {
                    if let Err(e) = policy.http.guard(&v) {
                        r = Err(format!("{host} resolves to {}: {}", a.ip(), e.message));
                        break;
                    }
                }
            }
            r
        }
        // Chromium will not reach it either; let it fail there.
        Ok(Err(_)) | Err(_) => Ok(()),
    };
    lock(state).dns.insert(key, r.clone());
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_requests_come_before_sdk_setup() {
        let mut v = [
            "click on Pay called IMP.init('imp1')",
            "click on Pay called TossPayments('ck')",
            "click on Pay called TossPayments(…).requestPayment('카드', {})",
        ];
        v.sort_by_key(|c| !starts_payment(c));
        assert!(v[0].contains("requestPayment"), "{v:?}");
        assert!(starts_payment(
            "click on Pay requested https://pg.example/ (blocked)"
        ));
        assert!(starts_payment("click on Pay called KCP_Pay_Execute({})"));
        assert!(!starts_payment("click on Pay called IMP.init('imp1')"));
    }
}
