//! The confusion matrix, its views (counts, recall, precision) and its most confused pairs.

use serde::{Deserialize, Serialize};

/// `counts[t][p]`: how many images of true class `t` were predicted as `p` (rows = true class,
/// columns = predicted, as scikit-learn and the tutorial lay it out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    pub counts: Vec<Vec<u64>>,
}

/// How a matrix is shown: raw counts, each row divided by its total (recall: the share of each
/// true class), or each column divided by its total (precision).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Normalization {
    Counts,
    Recall,
    Precision,
}

/// An off-diagonal cell: images of class `truth` taken for `predicted`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusedPair {
    pub truth: usize,
    pub predicted: usize,
    pub count: u64,
    /// `count` as a share of the true class.
    pub share_of_truth: f64,
}

impl ConfusionMatrix {
    pub fn new(classes: usize) -> Self {
        Self {
            counts: vec![vec![0; classes]; classes],
        }
    }

    /// Builds the matrix from true and predicted labels of the same length.
    pub fn from_labels(classes: usize, truth: &[u8], predicted: &[u8]) -> Self {
        assert_eq!(truth.len(), predicted.len(), "one prediction per label");
        let mut m = Self::new(classes);
        for (&t, &p) in truth.iter().zip(predicted) {
            m.counts[t as usize][p as usize] += 1;
        }
        m
    }

    pub fn classes(&self) -> usize {
        self.counts.len()
    }

    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    pub fn correct(&self) -> u64 {
        (0..self.classes()).map(|i| self.counts[i][i]).sum()
    }

    pub fn accuracy(&self) -> f64 {
        ratio(self.correct(), self.total())
    }

    /// Images of each true class (the row sums; scikit-learn's "support").
    pub fn row_totals(&self) -> Vec<u64> {
        self.counts.iter().map(|row| row.iter().sum()).collect()
    }

    /// Predictions of each class (the column sums).
    pub fn column_totals(&self) -> Vec<u64> {
        (0..self.classes())
            .map(|p| self.counts.iter().map(|row| row[p]).sum())
            .collect()
    }

    /// The cell value in the given mode. An empty row or column gives 0, not NaN.
    pub fn value(&self, truth: usize, predicted: usize, mode: Normalization) -> f64 {
        let count = self.counts[truth][predicted];
        match mode {
            Normalization::Counts => count as f64,
            Normalization::Recall => ratio(count, self.counts[truth].iter().sum()),
            Normalization::Precision => {
                ratio(count, self.counts.iter().map(|row| row[predicted]).sum())
            }
        }
    }

    /// The `n` largest off-diagonal cells, largest first (ties in row-major order).
    pub fn top_confusions(&self, n: usize) -> Vec<ConfusedPair> {
        let totals = self.row_totals();
        let mut pairs: Vec<ConfusedPair> = (0..self.classes())
            .flat_map(|t| (0..self.classes()).map(move |p| (t, p)))
            .filter(|&(t, p)| t != p && self.counts[t][p] > 0)
            .map(|(t, p)| ConfusedPair {
                truth: t,
                predicted: p,
                count: self.counts[t][p],
                share_of_truth: ratio(self.counts[t][p], totals[t]),
            })
            .collect();
        pairs.sort_by_key(|p| std::cmp::Reverse(p.count));
        pairs.truncate(n);
        pairs
    }

    /// `other − self`, cell by cell: positive cells are confusions the other model makes more.
    pub fn difference(&self, other: &ConfusionMatrix) -> Vec<Vec<i64>> {
        assert_eq!(self.classes(), other.classes(), "same classes");
        self.counts
            .iter()
            .zip(&other.counts)
            .map(|(a, b)| {
                a.iter()
                    .zip(b)
                    .map(|(&a, &b)| b as i64 - a as i64)
                    .collect()
            })
            .collect()
    }

    /// `truth,predicted…` CSV with a header row and column of class names.
    pub fn to_csv(&self, names: &[String]) -> String {
        let mut out = String::from("true\\predicted");
        for name in names {
            out.push(',');
            out.push_str(name);
        }
        out.push('\n');
        for (name, row) in names.iter().zip(&self.counts) {
            out.push_str(name);
            for c in row {
                out.push_str(&format!(",{c}"));
            }
            out.push('\n');
        }
        out
    }
}

/// `a / b`, with scikit-learn's `zero_division=0` convention.
pub(crate) fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 3 classes; truth/predicted worked by hand:
    //            pred 0  1  2
    //   true 0      2  1  0
    //   true 1      0  1  0
    //   true 2      1  2  0
    fn example() -> ConfusionMatrix {
        let truth = [0, 0, 0, 1, 2, 2, 2];
        let pred = [0, 0, 1, 1, 0, 1, 1];
        ConfusionMatrix::from_labels(3, &truth, &pred)
    }

    #[test]
    fn counts_rows_are_truth() {
        let m = example();
        assert_eq!(m.counts, vec![vec![2, 1, 0], vec![0, 1, 0], vec![1, 2, 0]]);
        assert_eq!(m.total(), 7);
        assert_eq!(m.correct(), 3);
        assert!((m.accuracy() - 3.0 / 7.0).abs() < 1e-12);
        assert_eq!(m.row_totals(), [3, 1, 3]);
        assert_eq!(m.column_totals(), [3, 4, 0]);
    }

    #[test]
    fn normalised_values() {
        let m = example();
        assert!((m.value(2, 1, Normalization::Recall) - 2.0 / 3.0).abs() < 1e-12);
        assert!((m.value(2, 1, Normalization::Precision) - 0.5).abs() < 1e-12);
        assert_eq!(m.value(2, 1, Normalization::Counts), 2.0);
        // Nothing was predicted as class 2: precision column is 0, not NaN.
        assert_eq!(m.value(2, 2, Normalization::Precision), 0.0);
    }

    #[test]
    fn top_confusions_largest_first() {
        let top = example().top_confusions(2);
        assert_eq!((top[0].truth, top[0].predicted, top[0].count), (2, 1, 2));
        assert!((top[0].share_of_truth - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!((top[1].truth, top[1].predicted, top[1].count), (0, 1, 1));
    }

    #[test]
    fn difference_and_csv() {
        let a = example();
        let b = ConfusionMatrix::from_labels(3, &[0, 0, 0, 1, 2, 2, 2], &[0, 0, 0, 1, 2, 2, 1]);
        let d = a.difference(&b);
        assert_eq!(d[0], [1, -1, 0]);
        assert_eq!(d[2], [-1, -1, 2]);
        let names: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(
            a.to_csv(&names),
            "true\\predicted,a,b,c\na,2,1,0\nb,0,1,0\nc,1,2,0\n"
        );
    }
}
