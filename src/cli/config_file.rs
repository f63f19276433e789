//! `siteready.toml`: crawl settings kept with a project (a CI job, an operations team's
//! defaults) instead of repeated on every command line. Read from `--config FILE`, else from
//! `siteready.toml` in the current folder when there is one. Flags given on the command line
//! win over the file; the file wins over the built-in defaults. `siteready.example.toml` lists
//! every key.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

/// The file read when `--config` is not given and it exists.
pub const DEFAULT_FILE: &str = "siteready.toml";

/// Every key the file may set; each mirrors the flag of the same name (`max_pages` is
/// `--max-pages`). Unknown keys are an error: a typo must not be silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub rules: Option<PathBuf>,
    pub max_pages: Option<usize>,
    pub max_depth: Option<u32>,
    pub max_time: Option<f64>,
    pub concurrency: Option<usize>,
    pub rate: Option<f64>,
    pub timeout: Option<f64>,
    pub max_body: Option<usize>,
    pub max_per_pattern: Option<u32>,
    pub user_agent: Option<String>,
    pub allow_private: Option<bool>,
    /// `false` is `--no-robots`.
    pub robots: Option<bool>,
    pub exhaustive: Option<bool>,
    /// `false` is `--no-probe`.
    pub probe: Option<bool>,
    pub lang: Option<String>,
    pub render: Option<String>,
    pub chromium: Option<PathBuf>,
    pub screenshots: Option<bool>,
}

impl FileConfig {
    /// The file named by `--config` (which must exist), else `./siteready.toml` when present,
    /// else nothing. Relative paths in the file (`rules`, `chromium`) are taken from the file's
    /// folder, so the file works from wherever the command runs.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<(FileConfig, Option<PathBuf>)> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
            None => return Ok((FileConfig::default(), None)),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        let mut c: FileConfig = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("{}: {}", path.display(), e.to_string().trim_end()))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        for p in [&mut c.rules, &mut c.chromium].into_iter().flatten() {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
        Ok((c, Some(path)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_lists_only_known_keys() {
        let text = include_str!("../../siteready.example.toml");
        let c: FileConfig = toml::from_str(text).expect("the example parses");
        assert_eq!(c.max_pages, Some(60));
        assert_eq!(c.render.as_deref(), Some("auto"));
    }

    #[test]
    fn an_unknown_key_names_itself() {
        let e = toml::from_str::<FileConfig>("max_pagez = 3\n").unwrap_err();
        assert!(e.to_string().contains("max_pagez"), "{e}");
    }
}
