//! The tutorial's reading of the curves: overfitting, still improving, not learning, or too
//! early to say.

use serde::{Deserialize, Serialize};

use super::ConfusionMatrix;
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
    /// Near chance, or predicting one or two classes for most images: there is nothing to
    /// read in the curves yet.
    NotLearned,
}

/// A train−val gap this large means the model memorises what it cannot generalise.
const LARGE_GAP: f64 = 0.10;
/// How much the gap must widen after the best epoch (with training accuracy rising) to call
/// it overfitting even while the gap is still moderate.
const WIDENING: f64 = 0.05;
/// Validation accuracy gains below this are noise at CIFAR-10's validation size.
const NOISE: f64 = 0.005;
/// Accuracy below this many times chance (1 / classes) has not learned anything to judge.
const NEAR_CHANCE: f64 = 1.5;
/// A model whose most predicted class takes this share of the images (four times its share
/// in CIFAR-10) has collapsed onto it; the two most predicted, [`COLLAPSED_TWO`].
const COLLAPSED_ONE: f64 = 0.4;
const COLLAPSED_TWO: f64 = 0.6;

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

    /// Checks the latest epoch's predictions first: a model near chance, or one that answers
    /// one or two classes for most images, has not learned yet, whatever its curves do
    /// ("no overfitting" would be true and useless).
    pub fn with_predictions(mut self, confusion: &ConfusionMatrix, names: &[String]) -> Self {
        let total = confusion.total();
        if self.verdict == Verdict::NoData || total == 0 || confusion.classes() < 2 {
            return self;
        }
        let mut shares: Vec<(usize, f64)> = confusion
            .column_totals()
            .into_iter()
            .map(|n| n as f64 / total as f64)
            .enumerate()
            .collect();
        shares.sort_by(|a, b| b.1.total_cmp(&a.1));
        let name = |i: usize| names.get(i).map_or("?", String::as_str);
        let percent = |share: f64| format!("{:.0} %", share * 100.0);
        let ((first, a), (second, b)) = (shares[0], shares[1]);
        let chance = 1.0 / confusion.classes() as f64;
        let accuracy = confusion.accuracy();
        let what = if a >= COLLAPSED_ONE {
            format!("predicts {} for {} of the images", name(first), percent(a))
        } else if a + b >= COLLAPSED_TWO {
            format!(
                "predicts {} or {} for {} of the images",
                name(first),
                name(second),
                percent(a + b)
            )
        } else if accuracy < NEAR_CHANCE * chance {
            format!("validation accuracy {accuracy:.3} is near chance ({chance:.2})")
        } else {
            return self;
        };
        self.verdict = Verdict::NotLearned;
        self.summary = format!(
            "{what}: it has not learned yet — train longer, on more images, or check the \
             learning rate"
        );
        self
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

    /// A matrix whose rows (true classes, 10 images each) are predicted per `predict`.
    fn predicting(predict: impl Fn(usize, usize) -> usize) -> ConfusionMatrix {
        let truth: Vec<u8> = (0..10).flat_map(|t| [t as u8; 10]).collect();
        let predicted: Vec<u8> = (0..100).map(|i| predict(i / 10, i % 10) as u8).collect();
        ConfusionMatrix::from_labels(10, &truth, &predicted)
    }

    fn names() -> Vec<String> {
        crate::data::ClassNames::default().as_slice().to_vec()
    }

    #[test]
    fn a_model_collapsed_onto_one_class_has_not_learned() {
        // Horse (7) for 6 images of every 10, the truth for the rest.
        let confusion = predicting(|t, i| if i < 6 { 7 } else { t });
        let d = Diagnosis::new(&history(&[(0.3, 0.13), (0.35, 0.14)]))
            .with_predictions(&confusion, &names());
        assert_eq!(d.verdict, Verdict::NotLearned);
        assert_eq!(
            d.summary,
            "predicts horse for 64 % of the images: it has not learned yet — train longer, on \
             more images, or check the learning rate"
        );
    }

    #[test]
    fn two_classes_or_chance_accuracy_have_not_learned_either() {
        // Cat (3) for three images in ten, dog (5) for three, the truth for the rest.
        let confusion = predicting(|t, i| match i {
            1..=3 => 3,
            4..=6 => 5,
            _ => t,
        });
        let d = Diagnosis::new(&history(&[(0.2, 0.2)])).with_predictions(&confusion, &names());
        assert!(
            d.summary
                .starts_with("predicts cat or dog for 68 % of the images"),
            "{}",
            d.summary
        );
        // Spread over every class but right only one time in ten.
        let confusion = predicting(|t, i| (t + i) % 10);
        let d = Diagnosis::new(&history(&[(0.1, 0.1)])).with_predictions(&confusion, &names());
        assert_eq!(d.verdict, Verdict::NotLearned);
        assert!(
            d.summary
                .starts_with("validation accuracy 0.100 is near chance (0.10)"),
            "{}",
            d.summary
        );
    }

    #[test]
    fn a_model_that_learned_keeps_its_curve_verdict() {
        // Right 7 times in 10, the misses spread.
        let confusion = predicting(|t, i| if i < 7 { t } else { (t + i) % 10 });
        let d = Diagnosis::new(&history(&[(0.6, 0.6), (0.62, 0.61), (0.62, 0.612)]))
            .with_predictions(&confusion, &names());
        assert_eq!(d.verdict, Verdict::NoOverfitting);
    }

    #[test]
    fn empty_history_has_no_verdict() {
        let d = Diagnosis::new(&History::default());
        assert_eq!(d.verdict, Verdict::NoData);
    }
}
