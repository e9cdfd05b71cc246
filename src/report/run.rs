use std::path::Path;

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

#[derive(Debug, thiserror::Error)]
pub enum RunLoadError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
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

    /// Reads a run folder written by `cifar-lab train`: history.json is required, metrics.json
    /// and config.json are shown when present. The folder's name names the run.
    pub fn load(dir: &Path) -> Result<Self, RunLoadError> {
        let path = |name: &str| dir.join(name);
        let shown = |name: &str| path(name).display().to_string();
        let read = |name: &str| {
            std::fs::read_to_string(path(name)).map_err(|source| RunLoadError::Io {
                file: shown(name),
                source,
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
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| dir.display().to_string());
        Ok(Self {
            name,
            config,
            history,
            metrics,
        })
    }
}
