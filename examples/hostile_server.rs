//! Serves the hostile test sites on 127.0.0.1, one port per site, until stopped: each line on
//! stdout is `site URL`. Used by `scripts/hostile-memory.sh` to run the release binary against
//! every case under `/usr/bin/time -v`. A last line `ready` says every site is listening.
//!
//! ```sh
//! cargo run --release --example hostile_server            # every site
//! cargo run --release --example hostile_server drip ssrf  # some sites
//! ```

#[path = "../tests/common/hostile_server.rs"]
#[allow(dead_code)]
mod hostile_server;

use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let names: Vec<&str> = if args.is_empty() {
        hostile_server::SITES.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    let mut servers = Vec::new();
    let mut out = std::io::stdout().lock();
    for name in names {
        let Some(handler) = hostile_server::site(name) else {
            eprintln!(
                "hostile_server: unknown site '{name}' (known: {})",
                hostile_server::SITES.join(", ")
            );
            std::process::exit(2);
        };
        let server = hostile_server::Server::start(handler);
        let _ = writeln!(
            out,
            "{name} {}",
            server.url(hostile_server::start_path(name))
        );
        servers.push(server);
    }
    let _ = writeln!(out, "ready");
    let _ = out.flush();
    drop(out);
    // Serve until killed.
    loop {
        std::thread::park();
    }
}
