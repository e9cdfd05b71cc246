//! Judging a trained model: predictions on the validation set, the confusion matrix, per-class
//! precision/recall/F1 (scikit-learn's definitions), the most confused pairs, and an
//! overfitting diagnosis from the history; and a trained model's answer for a picture of the
//! user's own.

mod confidence;
mod confusion;
mod diagnosis;
mod evaluate;
mod metrics;
mod predict;
mod report;

pub use confidence::ConfidenceHistogram;
pub use confusion::{ConfusedPair, ConfusionMatrix, Normalization};
pub use diagnosis::{Diagnosis, Verdict};
pub use evaluate::{Evaluation, evaluate, evaluate_views};
pub use metrics::RunMetrics;
pub use predict::{predict, set_logits, top_classes};
pub use report::{Averages, ClassMetrics, ClassificationReport};
