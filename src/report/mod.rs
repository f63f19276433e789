//! The report model and its writers: JSON (the contract, with a published schema), HTML (for a
//! reviewer), JUnit (for CI) and a terminal summary, plus the CI gate they share.

pub(crate) mod assemble;
pub mod gate;
pub mod html;
pub mod junit;
mod labels;
pub mod model;
pub mod schema;
pub mod text;

pub use gate::{Gate, GateResult, Inconclusive};
pub use html::to_html;
pub use junit::to_junit;
pub use model::{Report, Status};

/// The report as pretty JSON (schema_version 1).
pub fn to_json(r: &Report) -> String {
    serde_json::to_string_pretty(r)
        .unwrap_or_else(|e| format!("{{\"error\":\"cannot serialise report: {e}\"}}"))
}

/// Reads a report written by [`to_json`]; the error names the file (unreadable, or not a
/// report). Callers decide whether the report's schema version and target suit them.
pub fn read(path: &std::path::Path) -> crate::Result<Report> {
    let bytes = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        crate::Error::Other(format!("{}: not a siteready report: {e}", path.display()))
    })
}

/// Writes a file atomically: a temporary file beside it, then a rename, so a reader (or an
/// interrupted batch) never sees half a report.
pub fn write_atomic(path: &std::path::Path, contents: &[u8]) -> crate::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    // A device or pipe (`-o /dev/stdout`, `/dev/null`, a FIFO) is written in place: renaming a
    // file over it would replace the device node itself.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return std::fs::write(path, contents).map_err(|e| crate::Error::io(path, e));
    }
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, contents).map_err(|e| crate::Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        crate::Error::io(path, e)
    })
}

#[cfg(all(test, unix))]
mod write_tests {
    use std::os::unix::fs::FileTypeExt;

    /// `-o /dev/null` must write to the device, not rename a file over it.
    #[test]
    fn devices_are_written_in_place() {
        let null = std::path::Path::new("/dev/null");
        if !std::fs::metadata(null).is_ok_and(|m| m.file_type().is_char_device()) {
            return; // not a usual system: nothing to check
        }
        super::write_atomic(null, b"{}").unwrap();
        let m = std::fs::symlink_metadata(null).unwrap();
        assert!(
            m.file_type().is_char_device(),
            "/dev/null is still a device"
        );
    }
}
