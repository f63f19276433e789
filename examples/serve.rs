//! Serves a folder on 127.0.0.1 with siteready's own folder server (the one `siteready check DIR`
//! uses) until killed, so that other crawlers can be measured against the same server.
//!
//! ```text
//! cargo run --release --example serve -- DIR   # prints http://127.0.0.1:PORT/ on one line
//! ```
//!
//! The port is ephemeral: scripts read the printed URL. `SERVE_THREADS` (default 1) sets the
//! server's worker threads, so that on a small machine the server and the crawler under test
//! do not fight over every core.

use std::io::Write as _;
use std::path::PathBuf;

fn main() {
    let Some(dir) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: serve DIR");
        std::process::exit(2);
    };
    let threads = std::env::var("SERVE_THREADS")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(1)
        .max(1);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("serve: cannot start the runtime: {e}");
            std::process::exit(1);
        }
    };
    rt.block_on(async {
        let server = match siteready::serve::serve_dir(&dir).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("serve: {e}");
                std::process::exit(2);
            }
        };
        println!("{}", server.url());
        let _ = std::io::stdout().flush();
        // Serve until the process is killed (or interrupted).
        let _ = tokio::signal::ctrl_c().await;
        drop(server);
    });
}
