//! A run as the page keeps it in IndexedDB and offers it for download: settings, history,
//! metrics and how it ended (the weights are stored beside it, as bytes). Its settings are the
//! same [`RunConfig`] that `cifar-lab train` writes as `config.json`.

use serde::{Deserialize, Serialize};

use crate::data::DataSpec;
use crate::eval::{ConfidenceHistogram, RunMetrics};
use crate::history::History;
use crate::model::ModelSpec;
use crate::train::RunEnd;
use crate::train::{RunConfig, TrainConfig};

/// Where a run's model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// Trained in the page, with the run's [`RunConfig`].
    Trained,
    /// Weights from a file, evaluated without training: there are no training settings.
    Loaded { file: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRun {
    pub name: String,
    /// When Train was pressed, in milliseconds since 1970 (0: kept by an older cifar-lab).
    #[serde(default)]
    pub created: f64,
    pub model: ModelSpec,
    pub origin: Origin,
    /// The run's settings; none for weights loaded from a file.
    pub config: Option<RunConfig>,
    pub history: History,
    pub metrics: Option<RunMetrics>,
    pub confidence: Option<ConfidenceHistogram>,
    pub ending: Option<RunEnd<String>>,
    /// Size of the weights stored with the run, if they are.
    pub weights_bytes: Option<usize>,
}

/// How versions before the shared `RunConfig` kept a run: the loop's settings only (and a
/// made-up one, with 0 epochs, for loaded weights).
#[derive(Deserialize)]
struct EarlierRun {
    name: String,
    origin: Origin,
    config: TrainConfig,
    history: History,
    metrics: Option<RunMetrics>,
    confidence: Option<ConfidenceHistogram>,
    ending: Option<RunEnd<String>>,
    weights_bytes: Option<usize>,
}

impl From<EarlierRun> for SavedRun {
    fn from(run: EarlierRun) -> Self {
        let config = match run.origin {
            Origin::Loaded { .. } => None,
            // The data settings were not recorded; the page's defaults are the likely ones.
            Origin::Trained => Some(RunConfig {
                train_samples: 0,
                val_samples: 0,
                data: DataSpec::TUTORIAL,
                backend: None,
                train: run.config.clone(),
            }),
        };
        Self {
            name: run.name,
            created: 0.0,
            model: run.config.model.clone(),
            origin: run.origin,
            config,
            history: run.history,
            metrics: run.metrics,
            confidence: run.confidence,
            ending: run.ending,
            weights_bytes: run.weights_bytes,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SavedRunError {
    #[error("it is not a run of this version of cifar-lab ({0})")]
    Json(#[from] serde_json::Error),
    /// It reads, but its parts disagree (a damaged store, or one edited by hand): drawing it
    /// would index past its class names.
    #[error("“{name}” is damaged: {reason}")]
    Damaged { name: String, reason: String },
}

impl SavedRun {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("runs are plain data")
    }

    /// A stored run, of this version or migrated from an earlier one.
    /// Checked as a whole before anything draws it.
    pub fn from_json(text: &str) -> Result<Self, SavedRunError> {
        let run: Self = match serde_json::from_str(text) {
            Ok(run) => run,
            Err(error) => serde_json::from_str::<EarlierRun>(text)
                .map(Self::from)
                .map_err(|_| SavedRunError::Json(error))?,
        };
        let metrics = run.metrics.as_ref().map_or(Ok(()), RunMetrics::check);
        let confidence = run
            .confidence
            .as_ref()
            .map_or(Ok(()), ConfidenceHistogram::check);
        match metrics.and(confidence) {
            Ok(()) => Ok(run),
            Err(reason) => Err(SavedRunError::Damaged {
                name: run.name,
                reason,
            }),
        }
    }

    /// `config.json`: the run's settings as `cifar-lab train` writes them (`null` for
    /// weights loaded from a file).
    pub fn config_json(&self) -> String {
        serde_json::to_string_pretty(&self.config).expect("configs are plain data")
    }

    /// `metrics.json`: the last evaluation's metrics, or `null` before the first epoch.
    pub fn metrics_json(&self) -> String {
        serde_json::to_string_pretty(&self.metrics).expect("metrics are plain data")
    }

    /// Its key in the browser's storage: the time it started and its name ("1764518400000
    /// plain #2"), unique across tabs and in the order runs were made. Runs kept before the
    /// time was recorded keep their name as their key.
    pub fn key(&self) -> String {
        if self.created > 0.0 {
            format!("{:013.0} {}", self.created, self.name)
        } else {
            self.name.clone()
        }
    }

    /// What a report shows of it (`cifar-lab report`'s view of a run folder).
    pub fn summary(&self) -> crate::report::RunSummary {
        crate::report::RunSummary {
            name: self.name.clone(),
            config: self.config.clone(),
            history: self.history.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// File names of downloads: the run's name made safe for a file system.
    pub fn file_stem(&self) -> String {
        crate::report::file_stem(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValidationSource;
    use crate::model::Architecture;

    fn trained() -> SavedRun {
        let train = TrainConfig::tutorial(Architecture::Plain);
        SavedRun {
            name: "plain #2".into(),
            created: 1.7e12,
            model: Architecture::Plain.into(),
            origin: Origin::Trained,
            config: Some(RunConfig {
                train,
                train_samples: 1000,
                val_samples: 10_000,
                data: DataSpec {
                    subset: Some(1000),
                    validation: ValidationSource::TestBatch,
                },
                backend: Some(crate::backend::BackendKind::Flex),
            }),
            history: History::default(),
            metrics: None,
            confidence: Some(ConfidenceHistogram::new(&[0.9], &[1], &[1], 4)),
            ending: Some(RunEnd::Stopped { epoch: 2, batch: 7 }),
            weights_bytes: Some(6_505_768),
        }
    }

    #[test]
    fn a_saved_run_round_trips() {
        let run = trained();
        assert_eq!(SavedRun::from_json(&run.to_json()).unwrap(), run);
        assert_eq!(run.file_stem(), "plain__2");
        assert_eq!(run.metrics_json(), "null");
        assert!(SavedRun::from_json("{\"name\": 3}").is_err());
    }

    /// Endings are stored as they always were: a kind, and a failure's message.
    #[test]
    fn endings_keep_their_stored_form() {
        let stored = [
            (RunEnd::Completed, r#"{"kind":"completed"}"#),
            (
                RunEnd::Stopped { epoch: 2, batch: 7 },
                r#"{"kind":"stopped","epoch":2,"batch":7}"#,
            ),
            (
                RunEnd::Failed {
                    error: "the GPU was lost".to_string(),
                },
                r#"{"kind":"failed","message":"the GPU was lost"}"#,
            ),
        ];
        for (ending, json) in stored {
            assert_eq!(serde_json::to_string(&ending).unwrap(), json);
            assert_eq!(
                serde_json::from_str::<RunEnd<String>>(json).unwrap(),
                ending
            );
        }
    }

    /// Keys: unique per start time (two tabs' "plain" differ), in start order, and the old
    /// key (the name) for runs kept before the time was recorded.
    #[test]
    fn keys_are_unique_and_ordered() {
        let mut a = trained();
        a.created = 1_764_518_400_000.0;
        let mut b = a.clone();
        b.created += 1.0;
        assert_eq!(a.key(), "1764518400000 plain #2");
        assert!(a.key() < b.key());
        a.created = 0.0;
        assert_eq!(a.key(), "plain #2");
    }

    /// The page's config.json is the command line's: `cifar-lab report` and `evaluate` read it.
    #[test]
    fn config_json_is_the_command_lines_run_config() {
        let run = trained();
        let config: RunConfig = serde_json::from_str(&run.config_json()).unwrap();
        assert_eq!(Some(config), run.config);
        assert!(run.config_json().contains("\"subset\": 1000"));
    }

    /// Runs kept before the shared config still load: trained ones keep their loop settings,
    /// loaded weights lose the made-up config (0 epochs) they were stored with.
    #[test]
    fn runs_kept_by_earlier_versions_are_migrated() {
        let config = serde_json::to_string(&TrainConfig::tutorial(Architecture::Deeper)).unwrap();
        let earlier = |origin: &str| {
            format!(
                "{{\"name\":\"deeper\",\"origin\":{origin},\"config\":{config},\
                 \"history\":[],\"metrics\":null,\"confidence\":null,\
                 \"ending\":{{\"kind\":\"completed\"}},\"weights_bytes\":null}}"
            )
        };
        let run = SavedRun::from_json(&earlier("{\"kind\":\"trained\"}")).unwrap();
        assert_eq!(run.model, Architecture::Deeper.into());
        let migrated = run.config.unwrap();
        assert_eq!(migrated.train, TrainConfig::tutorial(Architecture::Deeper));
        assert_eq!(migrated.backend, None);
        assert_eq!(run.created, 0.0);
        let loaded = earlier("{\"kind\":\"loaded\",\"file\":\"d.bpk\"}");
        let run = SavedRun::from_json(&loaded).unwrap();
        assert_eq!(run.config, None);
        assert_eq!(run.model, Architecture::Deeper.into());
        assert_eq!(run.config_json(), "null");
    }

    /// A stored run whose parts disagree is refused, saying what is wrong, instead of
    /// reaching the heatmap, the gallery or the histogram (which would index past them).
    #[test]
    fn a_damaged_run_is_refused_before_it_is_drawn() {
        let mut run = trained();
        run.metrics = Some(crate::web::session::tests::metrics());
        let good: serde_json::Value = serde_json::from_str(&run.to_json()).unwrap();
        assert!(SavedRun::from_json(&good.to_string()).is_ok());
        let damaged = |change: &dyn Fn(&mut serde_json::Value)| {
            let mut value = good.clone();
            change(&mut value);
            SavedRun::from_json(&value.to_string())
                .unwrap_err()
                .to_string()
        };
        let three_names = damaged(&|v| {
            v["metrics"]["classes"] = serde_json::json!(["cat", "dog", "ship"]);
        });
        assert!(
            three_names.contains("expected 10 class names, none blank, found 3"),
            "{three_names}"
        );
        let far_truth = damaged(&|v| v["metrics"]["top_confusions"][0]["truth"] = 99.into());
        assert_eq!(
            far_truth,
            "“plain #2” is damaged: a confused pair names class 99 → 5, but there are 10 classes"
        );
        let ragged = damaged(&|v| {
            v["metrics"]["confusion"]["counts"][4]
                .as_array_mut()
                .unwrap()
                .pop();
        });
        assert!(
            ragged.ends_with("row 5 of the confusion matrix has 9 counts for 10 classes"),
            "{ragged}"
        );
        let lopsided = damaged(&|v| {
            v["confidence"]["wrong"] = serde_json::json!([1, 2]);
        });
        assert!(
            lopsided.contains("has 4 bins of right answers and 2 of wrong ones"),
            "{lopsided}"
        );
    }
}
