//! How sure a model was of its right and of its wrong answers, as a histogram.

use serde::{Deserialize, Serialize};

/// How sure the model was of its answers: the top predicted probability in equal bins over
/// [0, 1], counted separately for right and wrong answers. A well-calibrated model is sure
/// when right and unsure when wrong; an overfit one is sure of its mistakes too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceHistogram {
    pub right: Vec<u64>,
    pub wrong: Vec<u64>,
}

/// The most bins a histogram read back may have.
pub const MAX_BINS: usize = 1000;

impl ConfidenceHistogram {
    pub fn new(confidence: &[f32], predictions: &[u8], labels: &[u8], bins: usize) -> Self {
        let bins = bins.max(1);
        let mut histogram = Self {
            right: vec![0; bins],
            wrong: vec![0; bins],
        };
        for ((&c, &p), &t) in confidence.iter().zip(predictions).zip(labels) {
            let bin = ((c.clamp(0.0, 1.0) as f64 * bins as f64) as usize).min(bins - 1);
            if p == t {
                histogram.right[bin] += 1;
            } else {
                histogram.wrong[bin] += 1;
            }
        }
        histogram
    }

    pub fn bins(&self) -> usize {
        self.right.len()
    }

    /// Whether a histogram read back can be drawn: as many bins right as wrong, and no
    /// more than [`MAX_BINS`] (each is a bar).
    pub fn check(&self) -> Result<(), String> {
        let (right, wrong) = (self.right.len(), self.wrong.len());
        if right != wrong || !(1..=MAX_BINS).contains(&right) {
            return Err(format!(
                "the confidence histogram has {right} bins of right answers and {wrong} of \
                 wrong ones (1 to {MAX_BINS}, the same for both)"
            ));
        }
        Ok(())
    }

    /// Mean top probability of the right and of the wrong answers (bin centres).
    pub fn means(&self) -> (f64, f64) {
        let mean = |counts: &[u64]| {
            let n: u64 = counts.iter().sum();
            let width = 1.0 / counts.len().max(1) as f64;
            let total: f64 = counts
                .iter()
                .enumerate()
                .map(|(i, &c)| (i as f64 + 0.5) * width * c as f64)
                .sum();
            if n == 0 { 0.0 } else { total / n as f64 }
        };
        (mean(&self.right), mean(&self.wrong))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_land_in_their_bins() {
        let h = ConfidenceHistogram::new(
            &[0.95, 1.0, 0.31, 0.55, 0.05],
            &[1, 2, 3, 4, 0],
            &[1, 2, 0, 4, 9],
            10,
        );
        assert_eq!(h.right, vec![0, 0, 0, 0, 0, 1, 0, 0, 0, 2]);
        assert_eq!(h.wrong, vec![1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        let (right, wrong) = h.means();
        assert!((right - (0.55 + 0.95 + 0.95) / 3.0).abs() < 1e-9);
        assert!((wrong - (0.05 + 0.35) / 2.0).abs() < 1e-9);
    }
}
