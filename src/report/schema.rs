//! The JSON Schema of the report, generated from the Rust types so the published file
//! (`schema/report.schema.json`) can never drift from what `check` writes.

use super::model::Report;

/// The report's JSON Schema (draft 2020-12), pretty-printed with a trailing newline: the exact
/// contents of `schema/report.schema.json`.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(Report);
    let mut s = serde_json::to_string_pretty(&schema)
        .unwrap_or_else(|e| format!("{{\"error\":\"cannot serialise the schema: {e}\"}}"));
    s.push('\n');
    s
}
