//! A run's folder read back for a report: its history, metrics and settings, within limits.

use std::path::{Component, Path, PathBuf};

use crate::data::{FileError, read_regular};
use crate::eval::RunMetrics;
use crate::history::{History, HistoryError};
use crate::plot::CurveRun;
use crate::train::RunConfig;

/// The files a training run leaves in its folder.
pub struct RunFiles;

impl RunFiles {
    pub const HISTORY_JSON: &str = "history.json";
    pub const HISTORY_CSV: &str = "history.csv";
    pub const CONFUSION_CSV: &str = "confusion.csv";
    pub const METRICS_JSON: &str = "metrics.json";
    pub const CONFIG_JSON: &str = "config.json";
    pub const WEIGHTS: &str = "model.bpk";
    /// The weights in PyTorch's names and layouts, and the module that loads them.
    pub const SAFETENSORS: &str = "model.safetensors";
    pub const MODEL_PY: &str = "model.py";
    pub const REPORT_HTML: &str = "report.html";
    /// Every file a run writes.
    pub const ALL: [&str; 9] = [
        Self::HISTORY_JSON,
        Self::HISTORY_CSV,
        Self::CONFUSION_CSV,
        Self::METRICS_JSON,
        Self::CONFIG_JSON,
        Self::WEIGHTS,
        Self::SAFETENSORS,
        Self::MODEL_PY,
        Self::REPORT_HTML,
    ];
}

/// What a report shows of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub name: String,
    pub config: Option<RunConfig>,
    pub history: History,
    /// Absent when no epoch finished.
    pub metrics: Option<RunMetrics>,
}

/// The most of a run file read (history, metrics, config): a 200-epoch history is 40 KB,
/// the metrics of 10,000 test images about 1 MB.
pub const RUN_FILE_LIMIT: u64 = 64 << 20;

#[derive(Debug, thiserror::Error)]
pub enum RunLoadError {
    /// Missing, not a regular file, or over [`RUN_FILE_LIMIT`].
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{file}: {reason}")]
    Invalid { file: String, reason: String },
}

impl RunSummary {
    /// This run's curves on a chart.
    pub fn curves(&self) -> CurveRun<'_> {
        CurveRun {
            name: &self.name,
            history: &self.history,
            running: None,
        }
    }

    /// Several run folders, each named by as much of its path as tells it from the others
    /// ([`distinct_names`]).
    pub fn load_all(dirs: &[PathBuf]) -> Result<Vec<Self>, RunLoadError> {
        let names = distinct_names(dirs);
        dirs.iter()
            .zip(names)
            .map(|(dir, name)| {
                Ok(Self {
                    name,
                    ..Self::load(dir)?
                })
            })
            .collect()
    }

    /// Reads a run folder written by `cifar-lab train`: history.json is required, metrics.json
    /// and config.json are shown when present. The folder's name names the run.
    pub fn load(dir: &Path) -> Result<Self, RunLoadError> {
        let path = |name: &str| dir.join(name);
        let shown = |name: &str| path(name).display().to_string();
        let read = |name: &str| {
            let bytes = read_regular(&path(name), RUN_FILE_LIMIT)?;
            String::from_utf8(bytes).map_err(|_| RunLoadError::Invalid {
                file: shown(name),
                reason: "not UTF-8 text".into(),
            })
        };
        let invalid = |name: &str, reason: String| RunLoadError::Invalid {
            file: shown(name),
            reason,
        };
        let history = History::from_json(&read(RunFiles::HISTORY_JSON)?)
            .map_err(|e: HistoryError| invalid(RunFiles::HISTORY_JSON, e.to_string()))?;
        let optional = |name: &str| path(name).exists().then(|| read(name)).transpose();
        let metrics: Option<RunMetrics> = optional(RunFiles::METRICS_JSON)?
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| invalid(RunFiles::METRICS_JSON, format!("not run metrics ({e})")))?;
        // Parts that disagree would index past the class names when drawn.
        if let Some(metrics) = &metrics {
            metrics
                .check()
                .map_err(|reason| invalid(RunFiles::METRICS_JSON, reason))?;
        }
        let config = optional(RunFiles::CONFIG_JSON)?
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| invalid(RunFiles::CONFIG_JSON, format!("not a run config ({e})")))?;
        let name = distinct_names(&[dir.to_path_buf()]).remove(0);
        Ok(Self {
            name,
            config,
            history,
            metrics,
        })
    }
}

/// Names for run folders: each folder's own name (`plain`), or as many of its parent folders
/// as tell it from the others (`a/plain` and `b/plain`); the same folder given twice is
/// numbered (`plain`, `plain (2)`). So a report's sections and its chart files never share a
/// name.
pub fn distinct_names(dirs: &[PathBuf]) -> Vec<String> {
    let parts: Vec<Vec<String>> = dirs
        .iter()
        .map(|dir| {
            let full = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            full.components()
                .filter_map(|c| match c {
                    Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let last = |path: &[String], n: usize| path[path.len().saturating_sub(n)..].join("/");
    let names = parts.iter().zip(dirs).map(|(path, dir)| {
        let clashes = |n: usize| {
            parts
                .iter()
                .any(|other| other != path && last(other, n) == last(path, n))
        };
        let n = (1..=path.len())
            .find(|&n| !clashes(n))
            .unwrap_or(path.len());
        let name = last(path, n);
        if name.is_empty() {
            dir.display().to_string()
        } else {
            name
        }
    });
    numbered(names.collect())
}

/// `names` with each repeat numbered: `plain`, `plain (2)`, `plain (3)`.
pub fn numbered(names: Vec<String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let mut unique = name.clone();
        let mut count = 1;
        while seen.contains(&unique) {
            count += 1;
            unique = format!("{name} ({count})");
        }
        seen.push(unique);
    }
    seen
}

/// A run's name made safe for a file name: letters, digits and `-`, anything else `_`
/// (`a/plain #2` → `a_plain__2`).
pub fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    stem.trim_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dirs: &[&str]) -> Vec<String> {
        distinct_names(&dirs.iter().map(PathBuf::from).collect::<Vec<_>>())
    }

    #[test]
    fn runs_are_named_by_as_much_of_their_path_as_tells_them_apart() {
        assert_eq!(names(&["/x/a/plain", "/x/b/deeper"]), ["plain", "deeper"]);
        assert_eq!(names(&["/x/a/plain", "/x/b/plain"]), ["a/plain", "b/plain"]);
        assert_eq!(
            names(&["/r/a/plain", "/s/a/plain", "/s/deeper"]),
            ["r/a/plain", "s/a/plain", "deeper"]
        );
        assert_eq!(
            names(&["/x/plain", "/x/plain", "/x/plain"]),
            ["plain", "plain (2)", "plain (3)"]
        );
        assert_eq!(
            numbered(vec!["a (2)".into(), "a".into(), "a".into()]),
            ["a (2)", "a", "a (3)"]
        );
        assert_eq!(file_stem("a/plain #2"), "a_plain__2");
    }
}
