//! A minimal Chrome DevTools Protocol client: JSON-RPC over one websocket to the browser, with
//! flattened sessions (one `sessionId` per tab). Only what rendering needs: calls with replies,
//! and events routed to the session that subscribed to them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message;

use super::RenderError;

/// Largest message accepted from the browser (outerHTML of a big page, a screenshot).
const MAX_MESSAGE: usize = 64 << 20;

/// A protocol event (`Page.loadEventFired`, `Fetch.requestPaused`, …).
#[derive(Debug, Clone)]
pub struct Event {
    pub method: String,
    pub params: Value,
}

type Reply = std::result::Result<Value, RenderError>;

#[derive(Default)]
struct Shared {
    pending: HashMap<u64, oneshot::Sender<Reply>>,
    sessions: HashMap<String, mpsc::UnboundedSender<Event>>,
    closed: bool,
}

/// One websocket connection to the browser, shared by every tab.
pub struct Connection {
    out: mpsc::UnboundedSender<Message>,
    shared: Arc<Mutex<Shared>>,
    next_id: AtomicU64,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn lock(m: &Mutex<Shared>) -> std::sync::MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Connection {
    /// Connects to the browser's `ws://127.0.0.1:…/devtools/browser/…` endpoint.
    pub async fn connect(ws_url: &str) -> Result<Connection, RenderError> {
        if !ws_url.starts_with("ws://127.0.0.1:") && !ws_url.starts_with("ws://localhost:") {
            return Err(RenderError::Protocol(format!(
                "unexpected DevTools address {ws_url}"
            )));
        }
        let cfg = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let (ws, _) = tokio_tungstenite::connect_async_with_config(ws_url, Some(cfg), true)
            .await
            .map_err(|e| RenderError::Protocol(format!("cannot connect to DevTools: {e}")))?;
        let (mut sink, mut stream) = ws.split();
        let (out, mut rx) = mpsc::unbounded_channel::<Message>();
        let shared = Arc::new(Mutex::new(Shared::default()));
        let writer = tokio::spawn(async move {
            while let Some(m) = rx.recv().await {
                if sink.send(m).await.is_err() {
                    break;
                }
            }
            let _ = sink.close().await;
        });
        let sh = shared.clone();
        let reader = tokio::spawn(async move {
            while let Some(msg) = stream.next().await {
                let text = match msg {
                    Ok(Message::Text(t)) => t,
                    Ok(Message::Close(_)) | Err(_) => break,
                    Ok(_) => continue,
                };
                let Ok(v) = serde_json::from_str::<Value>(text.as_str()) else {
                    continue;
                };
                dispatch(&sh, v);
            }
            let mut g = lock(&sh);
            g.closed = true;
            for (_, tx) in g.pending.drain() {
                let _ = tx.send(Err(RenderError::Protocol(
                    "browser connection closed".into(),
                )));
            }
            g.sessions.clear();
        });
        Ok(Connection {
            out,
            shared,
            next_id: AtomicU64::new(1),
            tasks: vec![writer, reader],
        })
    }

    /// Sends a command and waits for its reply (callers bound the wait with a timeout).
    pub async fn call(
        &self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, RenderError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        {
            let mut g = lock(&self.shared);
            if g.closed {
                return Err(RenderError::Protocol("browser connection closed".into()));
            }
            g.pending.insert(id, tx);
        }
        self.post(id, session, method, params);
        match rx.await {
            Ok(r) => r,
            Err(_) => Err(RenderError::Protocol("browser connection closed".into())),
        }
        .map_err(|e| match e {
            RenderError::Protocol(m) => RenderError::Protocol(format!("{method}: {m}")),
            other => other,
        })
    }

    /// Sends a command without waiting for the reply (clean-up from `Drop`).
    pub fn send(&self, session: Option<&str>, method: &str, params: Value) {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.post(id, session, method, params);
    }

    fn post(&self, id: u64, session: Option<&str>, method: &str, params: Value) {
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = Value::String(s.to_string());
        }
        let _ = self.out.send(Message::Text(msg.to_string().into()));
    }

    /// Events of one session, from now on, until [`Connection::unsubscribe`].
    pub fn subscribe(&self, session: &str) -> mpsc::UnboundedReceiver<Event> {
        let (tx, rx) = mpsc::unbounded_channel();
        lock(&self.shared).sessions.insert(session.to_string(), tx);
        rx
    }

    pub fn unsubscribe(&self, session: &str) {
        lock(&self.shared).sessions.remove(session);
    }
}

fn dispatch(sh: &Mutex<Shared>, v: Value) {
    if let Some(id) = v.get("id").and_then(Value::as_u64) {
        let reply = match v.get("error") {
            Some(e) => Err(RenderError::Protocol(
                e.get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("error")
                    .to_string(),
            )),
            None => Ok(v.get("result").cloned().unwrap_or(Value::Null)),
        };
        if let Some(tx) = lock(sh).pending.remove(&id) {
            let _ = tx.send(reply);
        }
        return;
    }
    let Some(method) = v.get("method").and_then(Value::as_str) else {
        return;
    };
    let ev = Event {
        method: method.to_string(),
        params: v.get("params").cloned().unwrap_or(Value::Null),
    };
    // Events of the browser target itself (no session) are not needed.
    let Some(session) = v.get("sessionId").and_then(Value::as_str) else {
        return;
    };
    if let Some(tx) = lock(sh).sessions.get(session) {
        let _ = tx.send(ev);
    }
}
