//! Batch normalisation on `f32` slices in `[batch, channels, plane]` order (NCHW with the
//! plane `H × W`, or `[batch, features]` with a plane of 1). burn's CPU backend computes it as
//! a dozen separate passes (transposed copies for the per-channel reductions, then one pass
//! per subtraction, division, product and sum), each allocating its result; here the forward
//! reads the input twice and writes once, and the backward reads input and gradient twice.

use crate::kernels::parallel;

/// Shapes of one batch norm: `batch` images of `channels` planes of `plane` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NormGeometry {
    pub batch: usize,
    pub channels: usize,
    pub plane: usize,
}

impl NormGeometry {
    /// From a tensor's shape `[batch, channels, ...]`; `None` below rank 2 or when empty.
    pub fn of(shape: &[usize]) -> Option<Self> {
        match shape {
            [batch, channels, rest @ ..] => Some(Self {
                batch: *batch,
                channels: *channels,
                plane: rest.iter().product(),
            })
            .filter(|g| g.batch * g.channels * g.plane > 0),
            _ => None,
        }
    }

    fn image_len(&self) -> usize {
        self.channels * self.plane
    }

    /// Values per channel: what the statistics average over.
    fn count(&self) -> usize {
        self.batch * self.plane
    }

    /// Channel `c`'s plane of image `b` in `values`.
    fn plane_of<'a>(&self, values: &'a [f32], b: usize, c: usize) -> &'a [f32] {
        &values[(b * self.channels + c) * self.plane..][..self.plane]
    }
}

/// `Σ f(a, b)` over two slices in 16 independent lanes, so that it vectorises.
fn lane_sum(a: &[f32], b: &[f32], f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut lanes = [0.0f32; 16];
    let (a_chunks, b_chunks) = (a.chunks_exact(16), b.chunks_exact(16));
    let rest: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(&x, &y)| f(x, y))
        .sum();
    for (a, b) in a_chunks.zip(b_chunks) {
        for ((lane, &x), &y) in lanes.iter_mut().zip(a).zip(b) {
            *lane += f(x, y);
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// Each channel's mean and biased (population) variance over the batch and the plane.
///
/// One pass over memory: each image's planes give their sum and their squared deviations
/// about their own mean while in cache, and the per-image parts are combined in `f64` as Chan
/// et al. combine partial variances, which is as exact as two passes over the whole channel.
pub fn stats(g: &NormGeometry, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let channels = g.channels;
    let mut per_image = vec![0.0; g.batch * 2 * channels];
    parallel::for_each_image(&mut per_image, 2 * channels, 0, |_, b, parts| {
        let (sums, squares) = parts.split_at_mut(channels);
        for c in 0..channels {
            let plane = g.plane_of(x, b, c);
            sums[c] = parallel::sum(plane);
            let mean = sums[c] / g.plane as f32;
            squares[c] = lane_sum(plane, plane, |v, _| (v - mean) * (v - mean));
        }
    });
    let count = g.count() as f64;
    let mut means = vec![0.0; channels];
    let mut variances = vec![0.0; channels];
    for c in 0..channels {
        let parts = per_image.chunks_exact(2 * channels);
        let mean = parts.clone().map(|p| p[c] as f64).sum::<f64>() / count;
        let spread: f64 = parts
            .map(|p| {
                let between = p[c] as f64 / g.plane as f64 - mean;
                p[channels + c] as f64 + g.plane as f64 * between * between
            })
            .sum();
        means[c] = mean as f32;
        variances[c] = (spread / count) as f32;
    }
    (means, variances)
}

/// Each channel's `(scale, shift)` such that the norm is `x · scale + shift`.
fn affine(
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f64,
) -> Vec<(f32, f32)> {
    (0..gamma.len())
        .map(|c| {
            let scale = gamma[c] / (variance[c] as f64 + epsilon).sqrt() as f32;
            (scale, beta[c] - mean[c] * scale)
        })
        .collect()
}

/// `out = (x − mean) / √(variance + ε) · gamma + beta`, channel by channel: training with the
/// batch's statistics, evaluation with the running ones.
#[allow(clippy::too_many_arguments)] // The formula's own operands.
pub fn normalize(
    g: &NormGeometry,
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f64,
    out: &mut [f32],
) {
    let affine = affine(gamma, beta, mean, variance, epsilon);
    parallel::for_each_image(out, g.image_len(), 0, |_, b, image| {
        for (c, plane) in image.chunks_exact_mut(g.plane).enumerate() {
            let (scale, shift) = affine[c];
            for (o, &v) in plane.iter_mut().zip(g.plane_of(x, b, c)) {
                *o = v * scale + shift;
            }
        }
    });
}

/// The gradients of the training-mode norm (batch statistics) with respect to its input,
/// `gamma` and `beta`, given the gradient `dy` of its output:
/// `dx = gamma / σ · (dy − mean(dy) − x̂ · mean(dy · x̂))`, `dgamma = Σ dy · x̂`, `dbeta = Σ dy`.
pub fn grads(
    g: &NormGeometry,
    x: &[f32],
    gamma: &[f32],
    mean: &[f32],
    variance: &[f32],
    epsilon: f64,
    dy: &[f32],
) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let channels = g.channels;
    // Per channel: Σ dy and Σ dy · (x − mean).
    let sums = parallel::sum_over_images(g.batch, 2 * channels, 0, |_, b, sums| {
        for c in 0..channels {
            let (x, dy) = (g.plane_of(x, b, c), g.plane_of(dy, b, c));
            sums[c] += parallel::sum(dy);
            sums[channels + c] += lane_sum(dy, x, |d, v| d * (v - mean[c]));
        }
    });
    let inv_std: Vec<f32> = variance
        .iter()
        .map(|&v| (1.0 / (v as f64 + epsilon).sqrt()) as f32)
        .collect();
    let beta_grad = sums[..channels].to_vec();
    let gamma_grad: Vec<f32> = (0..channels)
        .map(|c| sums[channels + c] * inv_std[c])
        .collect();
    // dx = a · dy + b · (x − mean) + c, per channel.
    let count = g.count() as f32;
    let terms: Vec<(f32, f32, f32)> = (0..channels)
        .map(|c| {
            let a = gamma[c] * inv_std[c];
            let b = -a * inv_std[c] * gamma_grad[c] / count;
            (a, b, -a * beta_grad[c] / count)
        })
        .collect();
    let mut x_grad = vec![0.0; x.len()];
    parallel::for_each_image(&mut x_grad, g.image_len(), 0, |_, b, image| {
        for (c, plane) in image.chunks_exact_mut(g.plane).enumerate() {
            let (a, slope, offset) = terms[c];
            let centre = mean[c];
            let (x, dy) = (g.plane_of(x, b, c), g.plane_of(dy, b, c));
            for ((o, &v), &d) in plane.iter_mut().zip(x).zip(dy) {
                *o = a * d + slope * (v - centre) + offset;
            }
        }
    });
    (x_grad, gamma_grad, beta_grad)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values with a large common offset: the case where `E[x²] − E[x]²` loses its digits.
    fn offset_values(len: usize) -> Vec<f32> {
        (0..len)
            .map(|i| 1000.0 + ((i * 7919) % 101) as f32 / 101.0)
            .collect()
    }

    #[test]
    fn statistics_are_those_of_each_channel_over_batch_and_plane() {
        let g = NormGeometry {
            batch: 3,
            channels: 2,
            plane: 5,
        };
        let x = offset_values(g.batch * g.image_len());
        let (means, variances) = stats(&g, &x);
        for c in 0..2 {
            let values: Vec<f64> = (0..3)
                .flat_map(|b| g.plane_of(&x, b, c).iter().map(|&v| v as f64))
                .collect();
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            let variance =
                values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
            assert!((means[c] as f64 - mean).abs() < 1e-3, "mean {c}");
            assert!(
                (variances[c] as f64 - variance).abs() < 1e-4 * variance,
                "variance {c}: {} vs {variance}",
                variances[c]
            );
        }
    }

    #[test]
    fn a_plane_of_one_value_takes_its_variance_across_the_batch() {
        // The dense layers' norm: `[batch, features]`.
        let g = NormGeometry::of(&[4, 1]).unwrap();
        let (means, variances) = stats(&g, &[1.0, 2.0, 3.0, 6.0]);
        assert_eq!(means, [3.0]);
        assert_eq!(variances, [3.5]);
        // Empty tensors and vectors go to burn's ops.
        assert_eq!(NormGeometry::of(&[0, 3, 2, 2]), None);
        assert_eq!(NormGeometry::of(&[5]), None);
    }

    #[test]
    fn normalised_channels_have_zero_mean_and_unit_variance_before_the_affine() {
        let g = NormGeometry {
            batch: 2,
            channels: 3,
            plane: 4,
        };
        let x = offset_values(g.batch * g.image_len());
        let (mean, variance) = stats(&g, &x);
        let mut out = vec![0.0; x.len()];
        normalize(
            &g, &x, &[2.0; 3], &[0.5; 3], &mean, &variance, 0.0, &mut out,
        );
        let (out_mean, out_variance) = stats(&g, &out);
        for c in 0..3 {
            assert!((out_mean[c] - 0.5).abs() < 1e-3, "mean {}", out_mean[c]);
            assert!(
                (out_variance[c] - 4.0).abs() < 1e-2,
                "variance {}",
                out_variance[c]
            );
        }
    }
}
