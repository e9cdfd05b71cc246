//! Everything a run's evaluation says, in one record (`metrics.json`, the page).

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

    /// Whether the parts agree, as the charts and the report index them: a square matrix of
    /// one row per class, a report line per class, confused pairs that name classes. Metrics
    /// read back (a `metrics.json`, a stored run) are checked before anything draws them.
    pub fn check(&self) -> Result<(), String> {
        let n = self.classes.as_slice().len();
        let rows = &self.confusion.counts;
        if rows.len() != n {
            return Err(format!(
                "the confusion matrix has {} rows for {n} classes",
                rows.len()
            ));
        }
        if let Some(row) = rows.iter().position(|row| row.len() != n) {
            return Err(format!(
                "row {} of the confusion matrix has {} counts for {n} classes",
                row + 1,
                rows[row].len()
            ));
        }
        if self.report.per_class.len() != n {
            return Err(format!(
                "the per-class report has {} lines for {n} classes",
                self.report.per_class.len()
            ));
        }
        if let Some(pair) = self
            .top_confusions
            .iter()
            .find(|p| p.truth >= n || p.predicted >= n)
        {
            return Err(format!(
                "a confused pair names class {} → {}, but there are {n} classes",
                pair.truth, pair.predicted
            ));
        }
        Ok(())
    }
}
