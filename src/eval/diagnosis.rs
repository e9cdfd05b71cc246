use serde::{Deserialize, Serialize};

use crate::history::History;

/// Reading the accuracy curves the way the tutorial does: where validation accuracy peaked,
/// how far training accuracy ran ahead of it, and what that means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub verdict: Verdict,
    /// 1-based epoch of the highest validation accuracy.
    pub best_epoch: usize,
    pub best_val_acc: f64,
    /// `acc − val_acc` per epoch.
    pub gaps: Vec<f64>,
    /// One line for people.
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    NoData,
    /// One epoch: there is no curve to read yet.
    TooEarly,
    Overfitting,
    StillImproving,
    NoOverfitting,
}

/// A train−val gap this large means the model memorises what it cannot generalise.
const LARGE_GAP: f64 = 0.10;
/// How much the gap must widen after the best epoch (with training accuracy rising) to call
/// it overfitting even while the gap is still moderate.
const WIDENING: f64 = 0.05;
/// Validation accuracy gains below this are noise at CIFAR-10's validation size.
const NOISE: f64 = 0.005;

impl Diagnosis {
    pub fn new(history: &History) -> Self {
        let (Some(best), Some(last)) = (history.best(), history.last()) else {
            return Self {
                verdict: Verdict::NoData,
                best_epoch: 0,
                best_val_acc: 0.0,
                gaps: vec![],
                summary: "no completed epoch yet".into(),
            };
        };
        let gaps: Vec<f64> = history.epochs.iter().map(|e| e.acc - e.val_acc).collect();
        let gap_best = best.acc - best.val_acc;
        let gap_last = last.acc - last.val_acc;
        let previous = history.epochs.iter().rev().nth(1);
        let (verdict, summary) = if history.len() == 1 {
            (
                Verdict::TooEarly,
                format!(
                    "one epoch so far (training accuracy {:.3}, validation {:.3}): too early to \
                     judge overfitting",
                    last.acc, last.val_acc
                ),
            )
        } else if best.epoch < last.epoch
            && last.acc > best.acc
            && gap_last >= WIDENING
            && gap_last - gap_best >= WIDENING
        {
            (
                Verdict::Overfitting,
                format!(
                    "validation accuracy peaked at epoch {} ({:.3}) while training accuracy kept \
                     rising to {:.3}: overfitting — try dropout or stop earlier",
                    best.epoch, best.val_acc, last.acc
                ),
            )
        } else if gap_last >= LARGE_GAP {
            (
                Verdict::Overfitting,
                format!(
                    "training accuracy ({:.3}) is {:.3} above validation accuracy ({:.3}): \
                     overfitting — try dropout or more data",
                    last.acc, gap_last, last.val_acc
                ),
            )
        } else if best.epoch == last.epoch
            && previous.is_some_and(|p| last.val_acc - p.val_acc > NOISE)
        {
            (
                Verdict::StillImproving,
                format!(
                    "validation accuracy is still rising at epoch {} ({:.3}, training {:.3}): \
                     no overfitting yet — more epochs may help",
                    last.epoch, last.val_acc, last.acc
                ),
            )
        } else {
            (
                Verdict::NoOverfitting,
                format!(
                    "training and validation accuracy stay close (gap {:.3}; best validation \
                     accuracy {:.3} at epoch {}): no sign of overfitting",
                    gap_last, best.val_acc, best.epoch
                ),
            )
        };
        Self {
            verdict,
            best_epoch: best.epoch,
            best_val_acc: best.val_acc,
            gaps,
            summary,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(points: &[(f64, f64)]) -> History {
        History::from_accuracies(points)
    }

    #[test]
    fn tutorial_plain_run_is_overfitting() {
        let h = history(&[
            (0.45, 0.56),
            (0.62, 0.611),
            (0.70, 0.60),
            (0.78, 0.605),
            (0.88, 0.60),
        ]);
        let d = Diagnosis::new(&h);
        assert_eq!(d.verdict, Verdict::Overfitting);
        assert_eq!(d.best_epoch, 2);
        assert_eq!(
            d.summary,
            "validation accuracy peaked at epoch 2 (0.611) while training accuracy kept rising \
             to 0.880: overfitting — try dropout or stop earlier"
        );
        assert!((d.gaps[4] - 0.28).abs() < 1e-12);
    }

    #[test]
    fn large_final_gap_is_overfitting_even_at_best_epoch() {
        let d = Diagnosis::new(&history(&[(0.5, 0.45), (0.9, 0.7)]));
        assert_eq!(d.verdict, Verdict::Overfitting);
        assert!(d.summary.contains("0.200 above"));
    }

    #[test]
    fn rising_validation_is_still_improving() {
        let d = Diagnosis::new(&history(&[(0.4, 0.45), (0.5, 0.55), (0.58, 0.6)]));
        assert_eq!(d.verdict, Verdict::StillImproving);
        assert_eq!(d.best_epoch, 3);
    }

    #[test]
    fn flat_close_curves_are_no_overfitting() {
        let d = Diagnosis::new(&history(&[(0.6, 0.6), (0.62, 0.61), (0.62, 0.612)]));
        assert_eq!(d.verdict, Verdict::NoOverfitting);
    }

    #[test]
    fn one_epoch_is_too_early_to_judge() {
        let d = Diagnosis::new(&history(&[(0.9, 0.5)]));
        assert_eq!(d.verdict, Verdict::TooEarly);
        assert_eq!(d.best_epoch, 1);
    }

    #[test]
    fn empty_history_has_no_verdict() {
        let d = Diagnosis::new(&History::default());
        assert_eq!(d.verdict, Verdict::NoData);
    }
}
