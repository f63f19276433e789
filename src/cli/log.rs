//! Diagnostics on stderr through `tracing`: `-q` errors only, warnings by default, `-v` info,
//! `-vv` debug, `-vvv` trace. Other crates' events are held to warnings so that `-vvv` stays
//! about the crawl. Lines are written above a live batch progress bar, never through it.

use std::io::{IsTerminal, Write};

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

/// The level for `-v` repeated `verbose` times, or errors only when `quiet`.
pub fn level(verbose: u8, quiet: bool) -> LevelFilter {
    if quiet {
        return LevelFilter::ERROR;
    }
    match verbose {
        0 => LevelFilter::WARN,
        1 => LevelFilter::INFO,
        2 => LevelFilter::DEBUG,
        _ => LevelFilter::TRACE,
    }
}

/// Installs the stderr subscriber. Called once, before any work; a second call is a no-op.
pub fn init(level: LevelFilter) {
    let filter = Targets::new()
        .with_default(level.min(LevelFilter::WARN))
        .with_target("siteready", level);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(Stderr)
        .with_ansi(super::check::colour_wanted() && std::io::stderr().is_terminal())
        .with_filter(filter);
    // Fails only if a subscriber is already set (tests calling the CLI twice): keep that one.
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

/// Hands out [`StderrLine`]s: one per event.
struct Stderr;

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = StderrLine;

    fn make_writer(&'a self) -> Self::Writer {
        StderrLine(Vec::with_capacity(256))
    }
}

/// One formatted event, written to stderr in one piece when dropped, with the batch progress
/// bar (if one is drawn) lifted out of the way.
struct StderrLine(Vec<u8>);

impl Write for StderrLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for StderrLine {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        siteready::batch::progress::above_bar(|| {
            // Nothing sensible to do when stderr itself fails.
            let _ = std::io::stderr().lock().write_all(&self.0);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_map_to_levels() {
        assert_eq!(level(0, true), LevelFilter::ERROR);
        assert_eq!(level(3, true), LevelFilter::ERROR);
        assert_eq!(level(0, false), LevelFilter::WARN);
        assert_eq!(level(1, false), LevelFilter::INFO);
        assert_eq!(level(2, false), LevelFilter::DEBUG);
        assert_eq!(level(3, false), LevelFilter::TRACE);
        assert_eq!(level(9, false), LevelFilter::TRACE);
    }
}
