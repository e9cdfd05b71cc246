//! The whitening layer's filters, computed from training images (airbench's first layer).
//!
//! Every `k`×`k` patch of the normalised images is a vector of `3k²` values. The filters are
//! the eigenvectors of the patches' second-moment matrix, each divided by the square root of
//! its eigenvalue (plus a small `eps`), and their negatives: the layer's outputs are the
//! patches in decorrelated, unit-variance coordinates, split into positive and negative
//! halves for the GELU after it. The per-channel normalisation is folded into the filters
//! and the bias, so the layer reads the model's usual [0, 1] input.

use crate::data::{IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_SIDE};

/// Added to each eigenvalue before the square root (airbench's value, for unit-variance
/// channels): keeps the flattest directions from being amplified into noise.
pub const WHITENING_EPS: f64 = 5e-4;
/// Images whose patches are counted (airbench uses the first 5,000).
pub const WHITENING_IMAGES: usize = 5000;

/// A whitening convolution's weights `[2·3k², 3, k, k]` (row-major) and bias `[2·3k²]`.
#[derive(Debug, Clone, PartialEq)]
pub struct WhiteningFilters {
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// The filters for `kernel`×`kernel` patches of `images` (channel-major bytes).
pub fn whitening_filters<'a>(
    images: impl Iterator<Item = &'a [u8]> + Clone,
    kernel: usize,
) -> WhiteningFilters {
    let (mean, std) = channel_stats(images.clone());
    let moments = patch_moments(images, kernel, &mean, &std);
    let dim = moments.len();
    let (values, vectors) = symmetric_eigen(moments);
    let mut order: Vec<usize> = (0..dim).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let area = kernel * kernel;
    let mut weight = Vec::with_capacity(2 * dim * dim);
    let mut bias = Vec::with_capacity(2 * dim);
    for sign in [1.0, -1.0] {
        for &i in &order {
            let scale = sign / (values[i].max(0.0) + WHITENING_EPS).sqrt();
            // The filter on normalised input is `scale · v`; on raw input each channel's
            // weights are divided by its std and the means move into the bias.
            let mut offset = 0.0;
            for (j, vector) in vectors.iter().enumerate() {
                let c = j / area;
                let w = scale * vector[i] / std[c];
                offset -= w * mean[c];
                weight.push(w as f32);
            }
            bias.push(offset as f32);
        }
    }
    WhiteningFilters { weight, bias }
}

/// Each channel's mean and standard deviation, in [0, 1] units.
fn channel_stats<'a>(images: impl Iterator<Item = &'a [u8]>) -> ([f64; 3], [f64; 3]) {
    let plane = IMAGE_SIDE * IMAGE_SIDE;
    let (mut sum, mut square, mut n) = ([0.0; 3], [0.0; 3], 0.0);
    for image in images {
        debug_assert_eq!(image.len(), IMAGE_BYTES);
        for c in 0..IMAGE_CHANNELS {
            for &p in &image[c * plane..(c + 1) * plane] {
                let v = p as f64 / 255.0;
                sum[c] += v;
                square[c] += v * v;
            }
        }
        n += plane as f64;
    }
    let mean = sum.map(|s| s / n.max(1.0));
    let std = std::array::from_fn(|c| {
        (square[c] / n.max(1.0) - mean[c] * mean[c])
            .sqrt()
            .max(1e-6)
    });
    (mean, std)
}

/// The mean of `p pᵀ` over every patch `p` of the normalised images, ordered as a
/// convolution's weights are (channel, row, column).
#[allow(clippy::needless_range_loop)] // matrix code reads plainest with explicit indices
fn patch_moments<'a>(
    images: impl Iterator<Item = &'a [u8]>,
    kernel: usize,
    mean: &[f64; 3],
    std: &[f64; 3],
) -> Vec<Vec<f64>> {
    let dim = IMAGE_CHANNELS * kernel * kernel;
    let positions = IMAGE_SIDE - kernel + 1;
    let plane = IMAGE_SIDE * IMAGE_SIDE;
    let mut sums = vec![vec![0.0; dim]; dim];
    let mut count: f64 = 0.0;
    let mut patch = vec![0.0; dim];
    let mut normalised = vec![0.0; IMAGE_BYTES];
    for image in images {
        for (i, (v, &p)) in normalised.iter_mut().zip(image).enumerate() {
            let c = i / plane;
            *v = (p as f64 / 255.0 - mean[c]) / std[c];
        }
        for y in 0..positions {
            for x in 0..positions {
                let mut j = 0;
                for c in 0..IMAGE_CHANNELS {
                    for dy in 0..kernel {
                        for dx in 0..kernel {
                            patch[j] = normalised[c * plane + (y + dy) * IMAGE_SIDE + x + dx];
                            j += 1;
                        }
                    }
                }
                for a in 0..dim {
                    for b in a..dim {
                        sums[a][b] += patch[a] * patch[b];
                    }
                }
                count += 1.0;
            }
        }
    }
    for a in 0..dim {
        for b in a..dim {
            sums[a][b] /= count.max(1.0);
            sums[b][a] = sums[a][b];
        }
    }
    sums
}

/// Eigenvalues and eigenvectors of a small symmetric matrix by cyclic Jacobi rotations:
/// `vectors[j][i]` is component `j` of the eigenvector of `values[i]`.
#[allow(clippy::needless_range_loop)] // as above
fn symmetric_eigen(mut a: Vec<Vec<f64>>) -> (Vec<f64>, Vec<Vec<f64>>) {
    let n = a.len();
    let mut v: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect())
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n)
            .flat_map(|i| (0..n).filter(move |&j| j != i).map(move |j| (i, j)))
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum();
        let scale: f64 = (0..n).map(|i| a[i][i] * a[i][i]).sum();
        if off <= 1e-24 * scale.max(1e-300) {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                if a[p][q].abs() < 1e-300 {
                    continue;
                }
                // The rotation that zeroes a[p][q] (Golub & Van Loan, 8.5.2).
                let theta = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k][p], a[k][q]);
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p][k], a[q][k]);
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    ((0..n).map(|i| a[i][i]).collect(), v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::SeededRng;

    #[test]
    fn jacobi_recovers_a_known_decomposition() {
        let m = vec![
            vec![4.0, 1.0, 0.5],
            vec![1.0, 3.0, 0.2],
            vec![0.5, 0.2, 1.0],
        ];
        let (values, vectors) = symmetric_eigen(m.clone());
        for i in 0..3 {
            for r in 0..3 {
                let mv: f64 = (0..3).map(|k| m[r][k] * vectors[k][i]).sum();
                assert!((mv - values[i] * vectors[r][i]).abs() < 1e-9, "M v = λ v");
            }
            let norm: f64 = (0..3).map(|k| vectors[k][i].powi(2)).sum();
            assert!((norm - 1.0).abs() < 1e-9);
        }
        let trace: f64 = values.iter().sum();
        assert!((trace - 8.0).abs() < 1e-9);
    }

    /// Smooth random images: neighbouring pixels and channels correlated, as in photos.
    fn smooth_images(n: usize) -> Vec<Vec<u8>> {
        let mut rng = SeededRng::new(3);
        (0..n)
            .map(|_| {
                let base: Vec<f64> = (0..IMAGE_SIDE * IMAGE_SIDE)
                    .map(|_| rng.below(200) as f64)
                    .collect();
                let mut image = vec![0u8; IMAGE_BYTES];
                for c in 0..IMAGE_CHANNELS {
                    for y in 0..IMAGE_SIDE {
                        for x in 0..IMAGE_SIDE {
                            let right = base[y * IMAGE_SIDE + (x + 1).min(IMAGE_SIDE - 1)];
                            let v = 0.5 * base[y * IMAGE_SIDE + x] + 0.5 * right;
                            let own = rng.below(40) as f64;
                            image[c * IMAGE_SIDE * IMAGE_SIDE + y * IMAGE_SIDE + x] =
                                (0.8 * v + own + 5.0 * c as f64) as u8;
                        }
                    }
                }
                image
            })
            .collect()
    }

    #[test]
    #[allow(clippy::needless_range_loop)] // matrix code reads plainest with explicit indices
    fn the_filters_whiten_the_patches_they_were_computed_from() {
        let images = smooth_images(40);
        let kernel = 2;
        let filters = whitening_filters(images.iter().map(|i| i.as_slice()), kernel);
        let dim = 3 * kernel * kernel;
        assert_eq!(filters.weight.len(), 2 * dim * dim);
        assert_eq!(filters.bias.len(), 2 * dim);
        // Apply the first half of the filters to every raw patch: the outputs must have zero
        // mean and (nearly) identity covariance.
        let plane = IMAGE_SIDE * IMAGE_SIDE;
        let mut sum = vec![0.0; dim];
        let mut cross = vec![vec![0.0; dim]; dim];
        let mut n = 0.0;
        for image in &images {
            for y in 0..IMAGE_SIDE - 1 {
                for x in 0..IMAGE_SIDE - 1 {
                    let out: Vec<f64> = (0..dim)
                        .map(|o| {
                            let mut acc = filters.bias[o] as f64;
                            for c in 0..3 {
                                for dy in 0..2 {
                                    for dx in 0..2 {
                                        let w = filters.weight[o * dim + c * 4 + dy * 2 + dx];
                                        let p = image[c * plane + (y + dy) * IMAGE_SIDE + x + dx];
                                        acc += w as f64 * p as f64 / 255.0;
                                    }
                                }
                            }
                            acc
                        })
                        .collect();
                    for a in 0..dim {
                        sum[a] += out[a];
                        for b in 0..dim {
                            cross[a][b] += out[a] * out[b];
                        }
                    }
                    n += 1.0;
                }
            }
        }
        for a in 0..dim {
            assert!(
                (sum[a] / n).abs() < 0.05,
                "output {a} has mean {}",
                sum[a] / n
            );
            for b in 0..dim {
                let cov = cross[a][b] / n;
                let want = if a == b { 1.0 } else { 0.0 };
                // eps shrinks the variance of the flattest directions a little below 1.
                assert!((cov - want).abs() < 0.1, "cov[{a}][{b}] = {cov}");
            }
        }
        // The second half is the negation of the first.
        let half = dim * dim;
        for (w, neg) in filters.weight[..half].iter().zip(&filters.weight[half..]) {
            assert_eq!(*w, -*neg);
        }
    }
}
