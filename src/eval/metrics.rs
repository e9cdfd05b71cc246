use serde::{Deserialize, Serialize};

use super::{ClassificationReport, ConfusedPair, ConfusionMatrix, Diagnosis, Evaluation};
use crate::data::ClassNames;
use crate::history::History;

/// Everything a run's evaluation says, as written to `metrics.json` and shown by the web page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMetrics {
    pub classes: ClassNames,
    #[serde(with = "crate::serde_float")]
    pub accuracy: f64,
    #[serde(with = "crate::serde_float")]
    pub loss: f64,
    pub report: ClassificationReport,
    pub top_confusions: Vec<ConfusedPair>,
    pub confusion: ConfusionMatrix,
    pub diagnosis: Diagnosis,
}

impl RunMetrics {
    pub fn new(evaluation: &Evaluation, history: &History, classes: &ClassNames) -> Self {
        Self {
            classes: classes.clone(),
            accuracy: evaluation.accuracy,
            loss: evaluation.loss,
            report: ClassificationReport::new(&evaluation.confusion),
            top_confusions: evaluation.confusion.top_confusions(5),
            confusion: evaluation.confusion.clone(),
            diagnosis: Diagnosis::new(history)
                .with_predictions(&evaluation.confusion, classes.as_slice()),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("metrics serialise")
    }
}
