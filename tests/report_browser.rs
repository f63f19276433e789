//! The HTML report in a real browser: headless Chromium (Debian's `chromium`, or `$CHROME`) opens
//! it from a file with every host name unresolvable, and the test checks there is no console
//! message (no script error, no blocked request), that the verdict and the four cards are
//! visible, and that a phone-width window needs no sideways scrolling. Skipped, with a message,
//! when no Chromium is installed.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scraper::{Html, Selector};
use siteready::rules::RuleSet;

const PREREQUISITES: [&str; 4] = ["products", "shipping_policy", "refund_policy", "checkout"];

fn find_chrome() -> Option<PathBuf> {
    if let Some(c) = std::env::var_os("CHROME").filter(|c| !c.is_empty()) {
        let p = PathBuf::from(c);
        return p.exists().then_some(p);
    }
    let mut candidates = vec![PathBuf::from("/usr/bin/chromium")];
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            for name in ["chromium", "chromium-browser"] {
                candidates.push(dir.join(name));
            }
        }
    }
    candidates.into_iter().find(|p| p.is_file())
}

struct Run {
    dom: String,
    console: Vec<String>,
}

/// Opens `page` in headless Chromium and returns the DOM after load and the console lines.
fn open(chrome: &Path, page: &Path, width: u32, height: u32) -> Run {
    let work = tempfile::tempdir().expect("temp dir");
    let out_path = work.path().join("dom.html");
    let err_path = work.path().join("stderr.txt");
    let mut child = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-extensions",
            // Nothing may leave the machine: every host name resolves to nothing.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!(
            "--user-data-dir={}",
            work.path().join("profile").display()
        ))
        .arg(format!("--window-size={width},{height}"))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).expect("stdout file"))
        .stderr(File::create(&err_path).expect("stderr file"))
        .spawn()
        .expect("start Chromium");
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match child.try_wait().expect("wait for Chromium") {
            Some(_) => break,
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("Chromium did not finish within 120 s");
            }
            None => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    let dom = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    assert!(
        dom.contains("</html>"),
        "Chromium dumped no page; its stderr:\n{stderr}"
    );
    let console = stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("CONSOLE(") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect();
    Run { dom, console }
}

/// A copy of the report with a measuring script the report's own policy lets run (a nonce):
/// it writes what the reader would see into `<pre id="probe">`. Any other script stays blocked.
fn with_probe(html: &str) -> String {
    const PROBE: &str = r#"<script nonce="siteready-probe">
(function () {
  function shown(el) {
    if (!el) return false;
    var r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.display !== 'none' && s.visibility !== 'hidden'
      && parseFloat(s.opacity) > 0 && el.innerText.trim().length > 0;
  }
  var v = document.getElementById('verdict');
  var cards = [].slice.call(document.querySelectorAll('#prerequisites article.card'));
  var out = {
    verdict: shown(v),
    verdict_top: v ? v.getBoundingClientRect().top : -1,
    verdict_word: v ? v.querySelector('.word').innerText : '',
    cards: cards.filter(shown).map(function (c) { return c.getAttribute('data-check'); }),
    bars: cards.map(function (c) { return c.querySelector('.bar > span').getBoundingClientRect().width; }),
    scroll_width: document.documentElement.scrollWidth,
    inner_width: window.innerWidth,
    inner_height: window.innerHeight
  };
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
</body>"#;
    let policy = "default-src 'none';";
    assert!(html.contains(policy), "the report carries its policy");
    html.replacen(
        policy,
        "default-src 'none'; script-src 'nonce-siteready-probe';",
        1,
    )
    .replacen("</body>", PROBE, 1)
}

fn probe_result(dom: &str) -> serde_json::Value {
    let doc = Html::parse_document(dom);
    let sel = Selector::parse("pre#probe").unwrap();
    let text: String = doc
        .select(&sel)
        .next()
        .expect("the probe ran")
        .text()
        .collect();
    serde_json::from_str(&text).expect("probe JSON")
}

fn assert_dom_has_verdict_and_cards(dom: &str, ready: bool) {
    let doc = Html::parse_document(dom);
    let v = Selector::parse("#verdict").unwrap();
    let verdict = doc.select(&v).next().expect("verdict banner in the DOM");
    assert_eq!(
        verdict.value().attr("data-ready"),
        Some(if ready { "true" } else { "false" })
    );
    let c = Selector::parse("#prerequisites article.card").unwrap();
    let ids: Vec<&str> = doc
        .select(&c)
        .filter_map(|e| e.value().attr("data-check"))
        .collect();
    assert_eq!(ids, PREREQUISITES);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_renders_in_chromium_without_console_errors() {
    let Some(chrome) = find_chrome() else {
        assert!(
            std::env::var("SITEREADY_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "no Chromium found and SITEREADY_REQUIRE_CHROMIUM=1"
        );
        eprintln!(
            "SKIPPED report_renders_in_chromium_without_console_errors: no Chromium found \
             (apt-get install chromium, or set CHROME=/path/to/chrome)"
        );
        return;
    };
    let rules = RuleSet::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut pages = Vec::new();
    for (site, lang) in [
        ("fixtures/sites/kr-missing-refund", siteready::Lang::En),
        ("fixtures/sites/kr-bot-challenge", siteready::Lang::Ko),
        ("fixtures/hostile/xss-shop", siteready::Lang::En),
    ] {
        let config = siteready::Config {
            lang,
            ..siteready::fixtures::config()
        };
        let report = siteready::audit(site, &rules, &config).await.unwrap();
        let name = Path::new(site).file_name().unwrap().to_string_lossy();
        let html = siteready::report::to_html(&report);
        let path = dir.path().join(format!("{name}.html"));
        std::fs::write(&path, &html).unwrap();
        let probe = dir.path().join(format!("{name}.probe.html"));
        std::fs::write(&probe, with_probe(&html)).unwrap();
        pages.push((name.into_owned(), report.verdict.ready, path, probe));
    }
    let chrome = chrome.as_path();
    std::thread::scope(|s| {
        let mut jobs = Vec::new();
        for (name, ready, path, probe) in &pages {
            // The report as written: no console message at all (it has no script, and any
            // script or external request that slipped in would be refused and logged).
            jobs.push(s.spawn(move || {
                let run = open(chrome, path, 1280, 900);
                assert!(
                    run.console.is_empty(),
                    "{name}: console messages:\n{}",
                    run.console.join("\n")
                );
                assert_dom_has_verdict_and_cards(&run.dom, *ready);
            }));
            // What a reader sees, on a desktop and on a phone.
            for (w, h) in [(1280u32, 900u32), (390, 844)] {
                jobs.push(s.spawn(move || {
                    let run = open(chrome, probe, w, h);
                    assert!(
                        run.console.is_empty(),
                        "{name} at {w}px: console messages:\n{}",
                        run.console.join("\n")
                    );
                    let p = probe_result(&run.dom);
                    assert_eq!(p["verdict"], true, "{name} at {w}px: verdict visible: {p}");
                    assert!(
                        p["verdict_top"].as_f64().unwrap_or(-1.0)
                            < p["inner_height"].as_f64().unwrap_or(0.0),
                        "{name} at {w}px: the verdict is on the first screen: {p}"
                    );
                    let word = p["verdict_word"].as_str().unwrap_or_default();
                    assert!(!word.is_empty(), "{p}");
                    assert_eq!(
                        p["cards"],
                        serde_json::json!(PREREQUISITES),
                        "{name} at {w}px: four visible cards: {p}"
                    );
                    assert!(
                        p["scroll_width"].as_f64() <= p["inner_width"].as_f64(),
                        "{name} at {w}px: no sideways scrolling: {p}"
                    );
                    if name == "kr-missing-refund" {
                        // Score bars are drawn to scale: refund_policy scored 0 (empty bar),
                        // products passed (a filled one).
                        let bars: Vec<f64> = p["bars"]
                            .as_array()
                            .map(|a| a.iter().filter_map(|b| b.as_f64()).collect())
                            .unwrap_or_default();
                        assert!(
                            bars.len() == 4 && bars[0] > 0.0 && bars[2] == 0.0,
                            "bars: {bars:?}"
                        );
                    }
                }));
            }
        }
        for j in jobs {
            if let Err(e) = j.join() {
                std::panic::resume_unwind(e);
            }
        }
    });
}
