//! scikit-learn's classification report: precision, recall, F1 and support per class.

use serde::{Deserialize, Serialize};

use super::ConfusionMatrix;
use super::confusion::ratio;

/// One row of scikit-learn's `classification_report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Averages {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

/// scikit-learn's `classification_report` with `zero_division=0`: per class, precision =
/// TP/(TP+FP), recall = TP/(TP+FN), F1 = 2PR/(P+R) (0 when P+R = 0); macro = unweighted mean
/// over classes; weighted = mean weighted by support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    pub per_class: Vec<ClassMetrics>,
    pub accuracy: f64,
    pub macro_avg: Averages,
    pub weighted_avg: Averages,
}

impl ClassificationReport {
    pub fn new(matrix: &ConfusionMatrix) -> Self {
        let rows = matrix.row_totals();
        let cols = matrix.column_totals();
        let per_class: Vec<ClassMetrics> = (0..matrix.classes())
            .map(|c| {
                let tp = matrix.counts[c][c];
                let precision = ratio(tp, cols[c]);
                let recall = ratio(tp, rows[c]);
                let f1 = if precision + recall == 0.0 {
                    0.0
                } else {
                    2.0 * precision * recall / (precision + recall)
                };
                ClassMetrics {
                    precision,
                    recall,
                    f1,
                    support: rows[c],
                }
            })
            .collect();
        let total: u64 = rows.iter().sum();
        let n = per_class.len() as f64;
        let mean = |f: fn(&ClassMetrics) -> f64| per_class.iter().map(f).sum::<f64>() / n;
        let weighted = |f: fn(&ClassMetrics) -> f64| {
            if total == 0 {
                0.0
            } else {
                per_class
                    .iter()
                    .map(|m| f(m) * m.support as f64)
                    .sum::<f64>()
                    / total as f64
            }
        };
        Self {
            accuracy: matrix.accuracy(),
            macro_avg: Averages {
                precision: mean(|m| m.precision),
                recall: mean(|m| m.recall),
                f1: mean(|m| m.f1),
                support: total,
            },
            weighted_avg: Averages {
                precision: weighted(|m| m.precision),
                recall: weighted(|m| m.recall),
                f1: weighted(|m| m.f1),
                support: total,
            },
            per_class,
        }
    }

    /// Laid out like scikit-learn's text report.
    pub fn to_text(&self, names: &[String]) -> String {
        let width = names.iter().map(|n| n.len()).max().unwrap_or(0).max(12);
        let mut out = format!(
            "{:>width$} {:>9} {:>9} {:>9} {:>9}\n\n",
            "", "precision", "recall", "f1-score", "support"
        );
        for (name, m) in names.iter().zip(&self.per_class) {
            out.push_str(&format!(
                "{name:>width$} {:>9.2} {:>9.2} {:>9.2} {:>9}\n",
                m.precision, m.recall, m.f1, m.support
            ));
        }
        let total = self.macro_avg.support;
        out.push_str(&format!(
            "\n{:>width$} {:>9} {:>9} {:>9.2} {:>9}\n",
            "accuracy", "", "", self.accuracy, total
        ));
        for (label, a) in [
            ("macro avg", &self.macro_avg),
            ("weighted avg", &self.weighted_avg),
        ] {
            out.push_str(&format!(
                "{label:>width$} {:>9.2} {:>9.2} {:>9.2} {:>9}\n",
                a.precision, a.recall, a.f1, a.support
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    /// Checked against scikit-learn 1.5:
    /// `classification_report([0,0,0,1,2,2,2], [0,0,1,1,0,1,1], zero_division=0, output_dict=True)`
    #[test]
    fn matches_scikit_learn() {
        let m = ConfusionMatrix::from_labels(3, &[0, 0, 0, 1, 2, 2, 2], &[0, 0, 1, 1, 0, 1, 1]);
        let r = ClassificationReport::new(&m);
        // class 0: tp 2, predicted 3, true 3
        close(r.per_class[0].precision, 2.0 / 3.0);
        close(r.per_class[0].recall, 2.0 / 3.0);
        close(r.per_class[0].f1, 2.0 / 3.0);
        // class 1: tp 1, predicted 4, true 1
        close(r.per_class[1].precision, 0.25);
        close(r.per_class[1].recall, 1.0);
        close(r.per_class[1].f1, 0.4);
        // class 2: never predicted → precision 0 (zero_division=0), recall 0, f1 0
        assert_eq!(
            (
                r.per_class[2].precision,
                r.per_class[2].recall,
                r.per_class[2].f1
            ),
            (0.0, 0.0, 0.0)
        );
        assert_eq!(r.per_class[2].support, 3);
        close(r.accuracy, 3.0 / 7.0);
        close(r.macro_avg.precision, (2.0 / 3.0 + 0.25) / 3.0);
        close(r.macro_avg.recall, (2.0 / 3.0 + 1.0) / 3.0);
        close(r.macro_avg.f1, (2.0 / 3.0 + 0.4) / 3.0);
        close(r.weighted_avg.precision, (2.0 / 3.0 * 3.0 + 0.25) / 7.0);
        close(r.weighted_avg.recall, (2.0 / 3.0 * 3.0 + 1.0) / 7.0);
        close(r.weighted_avg.f1, (2.0 / 3.0 * 3.0 + 0.4) / 7.0);
        assert_eq!(r.weighted_avg.support, 7);
        let names: Vec<String> = ["zero", "one", "two"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let text = r.to_text(&names);
        assert!(text.contains("macro avg"));
        assert!(text.contains("        one      0.25      1.00      0.40         1"));
    }

    #[test]
    fn empty_matrix_is_all_zero_not_nan() {
        let r = ClassificationReport::new(&ConfusionMatrix::new(10));
        assert_eq!(r.accuracy, 0.0);
        assert_eq!(r.weighted_avg.f1, 0.0);
        assert_eq!(r.macro_avg.precision, 0.0);
    }
}
