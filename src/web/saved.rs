//! A run as the page keeps it in IndexedDB and offers it for download: settings, history,
//! metrics and how it ended (the weights are stored beside it, as bytes).

use serde::{Deserialize, Serialize};

use crate::eval::{ConfidenceHistogram, RunMetrics};
use crate::train::{History, TrainConfig};
use crate::web::protocol::RunEnding;

/// Where a run's model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    Trained,
    /// Weights from a file, evaluated without training.
    Loaded {
        file: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    pub name: String,
    pub origin: Origin,
    pub config: TrainConfig,
    pub history: History,
    pub metrics: Option<RunMetrics>,
    pub confidence: Option<ConfidenceHistogram>,
    pub ending: Option<RunEnding>,
    /// Size of the weights stored with the run, if they are.
    pub weights_bytes: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
#[error("a stored run could not be read (saved by another version of cifar-lab?): {0}")]
pub struct SavedRunError(#[from] serde_json::Error);

impl SavedRun {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("runs are plain data")
    }

    pub fn from_json(text: &str) -> Result<Self, SavedRunError> {
        Ok(serde_json::from_str(text)?)
    }

    /// `config.json`: the settings of the run.
    pub fn config_json(&self) -> String {
        serde_json::to_string_pretty(&self.config).expect("configs are plain data")
    }

    /// `metrics.json`: the last evaluation's metrics, or `null` before the first epoch.
    pub fn metrics_json(&self) -> String {
        serde_json::to_string_pretty(&self.metrics).expect("metrics are plain data")
    }

    /// File names of downloads: the run's name made safe for a file system.
    pub fn file_stem(&self) -> String {
        let stem: String = self
            .name
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Architecture;

    #[test]
    fn a_saved_run_round_trips() {
        let run = SavedRun {
            name: "plain #2".into(),
            origin: Origin::Loaded {
                file: "plain.bpk".into(),
            },
            config: TrainConfig::tutorial(Architecture::Plain),
            history: History::default(),
            metrics: None,
            confidence: Some(ConfidenceHistogram::new(&[0.9], &[1], &[1], 4)),
            ending: Some(RunEnding::Stopped { epoch: 2, batch: 7 }),
            weights_bytes: Some(6_505_768),
        };
        assert_eq!(SavedRun::from_json(&run.to_json()).unwrap(), run);
        assert_eq!(run.file_stem(), "plain__2");
        assert!(run.config_json().contains("\"model\": \"plain\""));
        assert_eq!(run.metrics_json(), "null");
        assert!(SavedRun::from_json("{\"name\": 3}").is_err());
    }
}
