//! The short summary printed on a terminal after a run: one line per check with a coloured
//! status, then where the report went. Colour follows the NO_COLOR convention.

use super::labels;
use super::model::{Report, Status};

/// ANSI colour of a status (pass green, warn yellow, fail red, inconclusive magenta).
fn colour(s: Status) -> &'static str {
    match s {
        Status::Pass => "\x1b[32m",
        Status::Warn => "\x1b[33m",
        Status::Fail => "\x1b[31m",
        Status::Inconclusive => "\x1b[35m",
    }
}

/// Lines for a human on a terminal. `outputs` names where the report was written (`stdout` or
/// file paths); `colour` adds ANSI colours to the statuses.
pub fn summary(r: &Report, outputs: &[String], colour_on: bool) -> String {
    let l = labels::for_lang(&r.settings.lang);
    let paint = |s: Status, text: &str| -> String {
        if colour_on {
            format!("{}{text}\x1b[0m", colour(s))
        } else {
            text.to_string()
        }
    };
    let verdict = if r.verdict.ready {
        l.ready
    } else {
        l.not_ready
    };
    let verdict_status = if r.verdict.ready {
        Status::Pass
    } else {
        r.verdict.status
    };
    let mut o = format!(
        "siteready: {} — {} ({} {}/100)\n",
        r.target.input,
        paint(verdict_status, verdict),
        l.score.to_lowercase(),
        r.verdict.score
    );
    let id_w = r.checks.iter().map(|c| c.id.len()).max().unwrap_or(8);
    for c in &r.checks {
        let status = format!("{:<12}", c.status.as_str());
        o.push_str(&format!(
            "  {:<id_w$}  {} {:>3}/100  {}{}\n",
            c.id,
            paint(c.status, &status),
            c.score,
            c.title,
            if c.advisory && !c.title.contains(l.advisory_badge) {
                format!(" ({})", l.advisory_badge)
            } else {
                String::new()
            }
        ));
    }
    o.push_str(&format!("  {}: {}\n", l.report_written, outputs.join(", ")));
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_when_asked() {
        let r: Report = serde_json::from_str(include_str!("testdata/mini.json")).unwrap();
        let plain = summary(&r, &["out.json".into()], false);
        assert!(!plain.contains('\x1b'), "{plain}");
        assert!(plain.contains("refund_policy"));
        assert!(plain.contains("out.json"));
        let col = summary(&r, &["out.json".into()], true);
        assert!(col.contains("\x1b[31mfail"), "{col}");
        assert!(col.contains("\x1b[32mpass"), "{col}");
        assert!(col.contains("\x1b[35minconclusive"), "{col}");
    }
}
