//! Launching headless Chromium for one run: a fresh temporary profile, background networking
//! off, every connection to another site sent to a dead-end proxy, and the whole process tree
//! killed when the [`Browser`] is dropped.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;

use super::cdp::Connection;
use super::RenderError;

/// How long Chromium may take to start and print its DevTools address.
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(30);

/// What a launch needs to know.
#[derive(Debug, Clone)]
pub struct LaunchOptions {
    /// The Chromium binary to start.
    pub path: PathBuf,
    /// The site's keys (registrable domains or IP addresses): only these are resolved and
    /// connected to directly; everything else goes to the dead-end proxy.
    pub site_keys: Vec<String>,
    /// For a site served by IP address, the one port reached directly (the page's own).
    pub site_port: Option<u16>,
    /// Appended to Chromium's own User-Agent, so the site can tell who visits.
    pub user_agent: String,
}

/// A running headless Chromium and its DevTools connection.
pub struct Browser {
    pub(crate) conn: Arc<Connection>,
    /// User-Agent for tabs: Chromium's own (without "Headless") plus the run's.
    pub(crate) user_agent: String,
    child: tokio::process::Child,
    pid: Option<u32>,
    proxy: tokio::task::JoinHandle<()>,
    stderr: tokio::task::JoinHandle<()>,
    // Dropped last: removed once the process is gone.
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.proxy.abort();
        self.stderr.abort();
        kill_tree(self.pid, &mut self.child);
    }
}

/// Kills Chromium and every process it started (they share its process group), then waits
/// briefly so that its profile folder can be removed.
fn kill_tree(pid: Option<u32>, child: &mut tokio::process::Child) {
    #[cfg(unix)]
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) with a negative pid signals the process group that the child leads;
        // the group was created for this child alone (`process_group(0)`).
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    let _ = pid;
    let _ = child.start_kill();
    for _ in 0..100 {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => break,
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// `--proxy-bypass-list` entries for the site: its hosts go direct, nothing else does (a site
/// served by IP address: that address and port only).
fn bypass_list(keys: &[String], port: Option<u16>) -> String {
    let mut v = vec!["<-loopback>".to_string()];
    let port = port.map(|p| format!(":{p}")).unwrap_or_default();
    for k in keys {
        if k.parse::<std::net::Ipv6Addr>().is_ok() {
            v.push(format!("[{k}]{port}"));
        } else if k.parse::<std::net::Ipv4Addr>().is_ok() {
            v.push(format!("{k}{port}"));
        } else {
            v.push(k.clone());
            v.push(format!("*.{k}"));
        }
    }
    v.join(";")
}

/// `--host-resolver-rules`: host names (and address literals) of other sites do not even
/// resolve.
fn resolver_rules(keys: &[String]) -> String {
    let mut v = vec!["MAP * ~NOTFOUND".to_string()];
    for k in keys {
        if k.parse::<std::net::Ipv6Addr>().is_ok() {
            v.push(format!("EXCLUDE [{k}]"));
        } else if k.parse::<std::net::Ipv4Addr>().is_ok() {
            v.push(format!("EXCLUDE {k}"));
        } else {
            v.push(format!("EXCLUDE {k}"));
            v.push(format!("EXCLUDE *.{k}"));
        }
    }
    v.join(", ")
}

fn is_root() -> bool {
    #[cfg(unix)]
    {
        // SAFETY: geteuid(2) has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }
    #[cfg(not(unix))]
    {
        false
    }
}

impl Browser {
    /// Starts Chromium and connects to it.
    pub async fn launch(opts: &LaunchOptions) -> Result<Browser, RenderError> {
        if !opts.path.is_file() {
            return Err(RenderError::NotFound(opts.path.clone()));
        }
        let profile = tempfile::Builder::new()
            .prefix("siteready-chromium-")
            .tempdir()
            .map_err(|e| RenderError::Launch(format!("cannot create a profile folder: {e}")))?;
        // Connections to anything but the site go to this proxy, which hangs up at once.
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| RenderError::Launch(format!("cannot listen on 127.0.0.1: {e}")))?;
        let proxy_addr = listener
            .local_addr()
            .map_err(|e| RenderError::Launch(e.to_string()))?;
        let proxy = tokio::spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                drop(s);
            }
        });
        let mut cmd = tokio::process::Command::new(&opts.path);
        cmd.args(args(opts, profile.path(), proxy_addr))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        #[cfg(unix)]
        cmd.process_group(0);
        let mut child = cmd.spawn().map_err(|e| {
            proxy.abort();
            RenderError::Launch(format!("cannot start {}: {e}", opts.path.display()))
        })?;
        let pid = child.id();
        let Some(stderr) = child.stderr.take() else {
            proxy.abort();
            kill_tree(pid, &mut child);
            return Err(RenderError::Launch("no stderr from Chromium".into()));
        };
        let mut lines = BufReader::new(stderr).lines();
        let mut tail: Vec<String> = Vec::new();
        let found = tokio::time::timeout(LAUNCH_TIMEOUT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(i) = line.find("DevTools listening on ") {
                    return Some(line[i + 22..].trim().to_string());
                }
                if !line.contains("dbus") && !line.trim().is_empty() {
                    if tail.len() >= 3 {
                        tail.remove(0);
                    }
                    tail.push(line);
                }
            }
            None
        })
        .await;
        let ws = match found {
            Ok(Some(ws)) => ws,
            other => {
                proxy.abort();
                kill_tree(pid, &mut child);
                let why = if other.is_err() {
                    format!("no DevTools address within {}s", LAUNCH_TIMEOUT.as_secs())
                } else {
                    "it exited before it was ready".to_string()
                };
                let detail = if tail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", super::one_line(&tail.join(" / "), 300))
                };
                return Err(RenderError::Launch(format!(
                    "{} did not start: {why}{detail}",
                    opts.path.display()
                )));
            }
        };
        // Keep reading stderr, or Chromium blocks once the pipe is full.
        let stderr =
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let conn = match Connection::connect(&ws).await {
            Ok(c) => Arc::new(c),
            Err(e) => {
                proxy.abort();
                stderr.abort();
                kill_tree(pid, &mut child);
                return Err(e);
            }
        };
        let mut browser = Browser {
            conn,
            user_agent: opts.user_agent.clone(),
            child,
            pid,
            proxy,
            stderr,
            _profile: profile,
        };
        let version = tokio::time::timeout(
            Duration::from_secs(10),
            browser.conn.call(None, "Browser.getVersion", json!({})),
        )
        .await
        .map_err(|_| RenderError::Launch("Chromium did not answer".into()))??;
        let ua = version
            .get("userAgent")
            .and_then(Value::as_str)
            .unwrap_or("")
            .replace("HeadlessChrome", "Chrome");
        browser.user_agent = format!("{ua} {}", opts.user_agent).trim().to_string();
        Ok(browser)
    }

    /// Closes the browser politely (so that it flushes nothing more to disk), then kills
    /// whatever is left.
    pub async fn close(self) {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            self.conn.call(None, "Browser.close", json!({})),
        )
        .await;
        drop(self);
    }

    /// Process id of the browser process (for measuring memory).
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }
}

fn args(opts: &LaunchOptions, profile: &Path, proxy: std::net::SocketAddr) -> Vec<String> {
    let mut a: Vec<String> = [
        "--headless",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--disable-default-apps",
        "--disable-breakpad",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-background-timer-throttling",
        "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows",
        "--no-pings",
        "--mute-audio",
        "--hide-scrollbars",
        "--password-store=basic",
        "--use-mock-keychain",
        "--metrics-recording-only",
        "--disable-dev-shm-usage",
        // One renderer per tab, with every frame in it, so that request interception on the
        // tab also sees the requests of cross-site frames.
        "--disable-site-isolation-trials",
        "--disable-features=IsolateOrigins,site-per-process,Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying,PrivacySandboxSettings4",
        // Popups and new windows are refused outright.
        "--block-new-web-contents",
        "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
        "--window-size=1280,800",
        "--remote-debugging-address=127.0.0.1",
        "--remote-debugging-port=0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if is_root() {
        // Chromium refuses to start its sandbox as root.
        a.push("--no-sandbox".into());
    }
    a.push(format!("--user-data-dir={}", profile.display()));
    a.push(format!("--proxy-server=http://{proxy}"));
    a.push(format!(
        "--proxy-bypass-list={}",
        bypass_list(&opts.site_keys, opts.site_port)
    ));
    a.push(format!(
        "--host-resolver-rules={}",
        resolver_rules(&opts.site_keys)
    ));
    a.push("about:blank".into());
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_site_bypasses_the_dead_end_proxy() {
        let keys = vec!["example.co.kr".to_string(), "127.0.0.1".to_string()];
        assert_eq!(
            bypass_list(&keys, Some(8080)),
            "<-loopback>;example.co.kr;*.example.co.kr;127.0.0.1:8080"
        );
        assert_eq!(
            resolver_rules(&keys),
            "MAP * ~NOTFOUND, EXCLUDE example.co.kr, EXCLUDE *.example.co.kr, EXCLUDE 127.0.0.1"
        );
    }
}
