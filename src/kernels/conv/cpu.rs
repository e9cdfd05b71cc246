//! Convolution on the CPU as one large GEMM per image, on plain `f32` slices in NCHW order.
//!
//! burn's CPU backend lowers the weight gradient to a convolution whose GEMM is only
//! `kernel_h × kernel_w` (9) columns wide, and the data gradient to a transposed convolution;
//! both ran far from the `gemm` crate's peak. Here every pass is one well-shaped GEMM per
//! image, with `K = channels_in × kernel_h × kernel_w` and `P = out_h × out_w`:
//!
//! - forward: `out_b [Cout, P] = W [Cout, K] · cols_b [K, P]`, then bias and ReLU in place;
//! - weight gradient: `dW [Cout, K] += G_b [Cout, P] · cols_bᵀ [P, K]` (summed over images);
//! - data gradient: `dcols [K, P] = Wᵀ [K, Cout] · G_b [Cout, P]`, scattered back (col2im).
//!
//! `cols_b` is image `b` unfolded (im2col), rebuilt in the backward pass rather than kept, so
//! memory stays at one unfolded image per thread. Images run in parallel on rayon's pool
//! natively; WebAssembly has one thread and runs them in order.
//!
//! A 3×3 convolution on 8 or more input channels goes through [`winograd`] instead, a quarter
//! of the multiply-adds; [`forward`], [`param_grads`] and [`input_grad`] pick the route.
//!
//! Only what the tutorial's models use is handled: stride 1, dilation 1, one group, the same
//! zero padding on both sides of each axis. [`ConvGeometry::new`] says no to anything else.

use gemm::{Parallelism, gemm};

use super::winograd;
use crate::kernels::parallel;

/// The shapes of one convolution: input `[batch, channels_in, height, width]`, weight
/// `[channels_out, channels_in, kernel_h, kernel_w]`, output `[batch, channels_out, out_h, out_w]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeometry {
    pub batch: usize,
    pub channels_in: usize,
    pub height: usize,
    pub width: usize,
    pub channels_out: usize,
    pub kernel_h: usize,
    pub kernel_w: usize,
    pub pad_h: usize,
    pub pad_w: usize,
}

impl ConvGeometry {
    /// The geometry of `x [b, c, h, w]` convolved with `weight [co, c, kh, kw]` under the given
    /// per-axis padding, or `None` when the kernel does not fit the padded input.
    pub fn new(x: [usize; 4], weight: [usize; 4], padding: [usize; 2]) -> Option<Self> {
        let [batch, channels_in, height, width] = x;
        let [channels_out, weight_in, kernel_h, kernel_w] = weight;
        let geometry = Self {
            batch,
            channels_in,
            height,
            width,
            channels_out,
            kernel_h,
            kernel_w,
            pad_h: padding[0],
            pad_w: padding[1],
        };
        let fits = weight_in == channels_in
            && kernel_h > 0
            && kernel_w > 0
            && padded(height, padding[0]).is_some_and(|h| h >= kernel_h)
            && padded(width, padding[1]).is_some_and(|w| w >= kernel_w);
        (fits && geometry.sizes_fit()).then_some(geometry)
    }

    /// Whether every length the kernels compute (all plain products below) fits in `usize`:
    /// in WebAssembly that is 32 bits, and a wide enough layer would wrap past 4 GiB into a
    /// small, wrong buffer instead of failing.
    fn sizes_fit(&self) -> bool {
        let product = |factors: &[usize]| factors.iter().try_fold(1usize, |p, &f| p.checked_mul(f));
        let out_pixels = product(&[self.out_h(), self.out_w()]);
        let patch = product(&[self.channels_in, self.kernel_h, self.kernel_w]);
        let (Some(p), Some(k)) = (out_pixels, patch) else {
            return false;
        };
        [
            product(&[self.batch, self.channels_in, self.height, self.width]),
            product(&[self.batch, self.channels_out, p]),
            product(&[k, p]),
            // The weight gradient's partial sums: dW and db side by side.
            product(&[self.channels_out, k]).and_then(|w| w.checked_add(self.channels_out)),
        ]
        .iter()
        .all(Option::is_some)
    }

    pub fn out_h(&self) -> usize {
        self.height + 2 * self.pad_h + 1 - self.kernel_h
    }

    pub fn out_w(&self) -> usize {
        self.width + 2 * self.pad_w + 1 - self.kernel_w
    }

    /// `K`: the length of one unfolded patch.
    pub fn patch_len(&self) -> usize {
        self.channels_in * self.kernel_h * self.kernel_w
    }

    /// `P`: output pixels per channel.
    pub fn out_pixels(&self) -> usize {
        self.out_h() * self.out_w()
    }

    pub fn image_len(&self) -> usize {
        self.channels_in * self.height * self.width
    }

    pub fn out_image_len(&self) -> usize {
        self.channels_out * self.out_pixels()
    }

    pub fn weight_len(&self) -> usize {
        self.channels_out * self.patch_len()
    }

    /// For each unfolded row `(c, ky, kx)` and output row `oy`: the input row it reads (if
    /// inside the image) and the output columns `[lo, hi)` that read inside the image.
    fn for_each_segment(&self, mut visit: impl FnMut(Segment)) {
        let (out_h, out_w) = (self.out_h(), self.out_w());
        for c in 0..self.channels_in {
            for ky in 0..self.kernel_h {
                for kx in 0..self.kernel_w {
                    let row = (c * self.kernel_h + ky) * self.kernel_w + kx;
                    // Output column `ox` reads input column `ox + kx - pad_w`.
                    let lo = self.pad_w.saturating_sub(kx).min(out_w);
                    let hi = (self.width + self.pad_w)
                        .saturating_sub(kx)
                        .min(out_w)
                        .max(lo);
                    for oy in 0..out_h {
                        let iy = (oy + ky)
                            .checked_sub(self.pad_h)
                            .filter(|&iy| iy < self.height);
                        // A row with no column inside the image is all padding.
                        let input_start = iy
                            .filter(|_| hi > lo)
                            .map(|iy| (c * self.height + iy) * self.width + lo + kx - self.pad_w);
                        visit(Segment {
                            cols_start: row * out_h * out_w + oy * out_w,
                            input_start,
                            lo,
                            hi,
                        });
                    }
                }
            }
        }
    }
}

/// The floats one thread holds for this convolution, whichever route it takes: for the GEMM
/// route one unfolded image (`K × P`) and the weight gradient's partial sums (`Cout × K +
/// Cout`). Saturates rather than wraps.
pub fn workspace_len(g: &ConvGeometry) -> usize {
    if winograd::handles(g) {
        return winograd::workspace(g).unwrap_or(usize::MAX);
    }
    let (k, p, co) = (g.patch_len(), g.out_pixels(), g.channels_out);
    k.saturating_mul(p)
        .saturating_add(co.saturating_mul(k))
        .saturating_add(co)
}

/// `side + 2·pad`, unless that overflows.
fn padded(side: usize, pad: usize) -> Option<usize> {
    pad.checked_mul(2)?.checked_add(side)
}

/// One output row of one unfolded row: `cols[cols_start + lo..cols_start + hi]` pairs with
/// `image[input_start..]`; the rest of the row (or all of it, without `input_start`) is padding.
struct Segment {
    cols_start: usize,
    input_start: Option<usize>,
    lo: usize,
    hi: usize,
}

/// Unfolds one image `[channels_in, height, width]` into `cols [K, P]`.
pub fn im2col(g: &ConvGeometry, image: &[f32], cols: &mut [f32]) {
    assert_eq!(image.len(), g.image_len());
    assert_eq!(cols.len(), g.patch_len() * g.out_pixels());
    let out_w = g.out_w();
    g.for_each_segment(|s| {
        let row = &mut cols[s.cols_start..s.cols_start + out_w];
        match s.input_start {
            Some(start) => {
                row[..s.lo].fill(0.0);
                row[s.lo..s.hi].copy_from_slice(&image[start..start + s.hi - s.lo]);
                row[s.hi..].fill(0.0);
            }
            None => row.fill(0.0),
        }
    });
}

/// Adds the unfolded gradient `cols [K, P]` back onto the image gradient it came from.
pub fn col2im_add(g: &ConvGeometry, cols: &[f32], image_grad: &mut [f32]) {
    assert_eq!(image_grad.len(), g.image_len());
    assert_eq!(cols.len(), g.patch_len() * g.out_pixels());
    g.for_each_segment(|s| {
        if let Some(start) = s.input_start {
            let src = &cols[s.cols_start + s.lo..s.cols_start + s.hi];
            for (dst, src) in image_grad[start..start + src.len()].iter_mut().zip(src) {
                *dst += src;
            }
        }
    });
}

/// A row-major view of a matrix inside a slice: element `(i, j)` is at `i·row + j·col`.
#[derive(Clone, Copy)]
pub(super) struct Strides {
    pub row: usize,
    pub col: usize,
}

/// A matrix: its values and how they are laid out.
#[derive(Clone, Copy)]
pub(super) struct Matrix<'a> {
    pub values: &'a [f32],
    pub strides: Strides,
}

impl<'a> Matrix<'a> {
    /// Row-major, `cols` to a row.
    pub fn rows(values: &'a [f32], cols: usize) -> Self {
        let strides = Strides { row: cols, col: 1 };
        Self { values, strides }
    }

    /// The transpose of a row-major matrix of `cols` to a row.
    pub fn transposed(values: &'a [f32], cols: usize) -> Self {
        let strides = Strides { row: 1, col: cols };
        Self { values, strides }
    }
}

/// `dst [m, n] (+)= lhs [m, k] · rhs [k, n]` on one thread, with bounds checked up front.
pub(super) fn matmul(
    (m, n, k): (usize, usize, usize),
    dst: &mut [f32],
    accumulate: bool,
    lhs: Matrix,
    rhs: Matrix,
) {
    let (lhs_strides, rhs_strides) = (lhs.strides, rhs.strides);
    let (lhs, rhs) = (lhs.values, rhs.values);
    let last = |rows: usize, cols: usize, s: Strides| (rows - 1) * s.row + (cols - 1) * s.col;
    if m == 0 || n == 0 {
        return;
    }
    assert!(dst.len() > last(m, n, Strides { row: n, col: 1 }));
    if k == 0 {
        if !accumulate {
            dst[..m * n].fill(0.0);
        }
        return;
    }
    assert!(lhs.len() > last(m, k, lhs_strides));
    assert!(rhs.len() > last(k, n, rhs_strides));
    // SAFETY: the asserts above keep every element gemm touches inside the three slices, and
    // `dst` is borrowed mutably, so it aliases neither input.
    unsafe {
        gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.as_ptr(),
            lhs_strides.col as isize,
            lhs_strides.row as isize,
            rhs.as_ptr(),
            rhs_strides.col as isize,
            rhs_strides.row as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

/// `conv(x, weight) + bias`, through ReLU if `with_relu`, into
/// `out [batch, channels_out, out_h, out_w]`.
pub fn forward(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
    with_relu: bool,
    out: &mut [f32],
) {
    assert_eq!(x.len(), g.batch * g.image_len());
    assert_eq!(weight.len(), g.weight_len());
    assert_eq!(bias.len(), g.channels_out);
    assert_eq!(out.len(), g.batch * g.out_image_len());
    if winograd::handles(g) {
        return winograd::forward(g, x, weight, bias, with_relu, out);
    }
    let (k, p) = (g.patch_len(), g.out_pixels());
    parallel::for_each_image(out, g.out_image_len(), k * p, |cols, b, out| {
        im2col(g, &x[b * g.image_len()..][..g.image_len()], cols);
        let (w, c) = (Matrix::rows(weight, k), Matrix::rows(cols, p));
        matmul((g.channels_out, p, k), out, false, w, c);
        for (row, &bias) in out.chunks_exact_mut(p).zip(bias) {
            if with_relu {
                row.iter_mut().for_each(|v| *v = relu(*v + bias));
            } else {
                row.iter_mut().for_each(|v| *v += bias);
            }
        }
    });
}

/// ReLU that keeps NaN (unlike `f32::max`), so a diverging run stays visibly NaN.
fn relu(v: f32) -> f32 {
    if v < 0.0 { 0.0 } else { v }
}

/// The weight and bias gradients from the input `x` and the gradient `grad` of the
/// convolution's output (before ReLU): `(dW [Cout, K], db [Cout])`.
pub fn param_grads(g: &ConvGeometry, x: &[f32], grad: &[f32]) -> (Vec<f32>, Vec<f32>) {
    assert_eq!(x.len(), g.batch * g.image_len());
    assert_eq!(grad.len(), g.batch * g.out_image_len());
    if winograd::handles(g) {
        return winograd::param_grads(g, x, grad);
    }
    let (k, p, co) = (g.patch_len(), g.out_pixels(), g.channels_out);
    let mut sums = parallel::sum_over_images(g.batch, co * k + co, k * p, |cols, b, sums| {
        im2col(g, &x[b * g.image_len()..][..g.image_len()], cols);
        let grad_b = &grad[b * g.out_image_len()..][..g.out_image_len()];
        let (dw, db) = sums.split_at_mut(co * k);
        let (gs, cols_t) = (Matrix::rows(grad_b, p), Matrix::transposed(cols, p));
        matmul((co, k, p), dw, true, gs, cols_t);
        for (db, row) in db.iter_mut().zip(grad_b.chunks_exact(p)) {
            *db += parallel::sum(row);
        }
    });
    let db = sums.split_off(co * k);
    (sums, db)
}

/// The input gradient `[batch, channels_in, height, width]` from the weight and the gradient
/// `grad` of the convolution's output (before ReLU).
pub fn input_grad(g: &ConvGeometry, weight: &[f32], grad: &[f32]) -> Vec<f32> {
    assert_eq!(weight.len(), g.weight_len());
    assert_eq!(grad.len(), g.batch * g.out_image_len());
    if winograd::handles(g) {
        return winograd::input_grad(g, weight, grad);
    }
    let (k, p, co) = (g.patch_len(), g.out_pixels(), g.channels_out);
    let mut dx = vec![0.0; g.batch * g.image_len()];
    parallel::for_each_image(&mut dx, g.image_len(), k * p, |cols, b, dx| {
        let grad_b = &grad[b * g.out_image_len()..][..g.out_image_len()];
        let (w_t, gs) = (Matrix::transposed(weight, k), Matrix::rows(grad_b, p));
        matmul((k, p, co), cols, false, w_t, gs);
        col2im_add(g, cols, dx);
    });
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Direct convolution, the definition, for checking the GEMM route.
    fn naive_conv(g: &ConvGeometry, x: &[f32], w: &[f32]) -> Vec<f32> {
        let (oh, ow) = (g.out_h(), g.out_w());
        let mut out = vec![0.0; g.batch * g.out_image_len()];
        for b in 0..g.batch {
            for co in 0..g.channels_out {
                for oy in 0..oh {
                    for ox in 0..ow {
                        let mut acc = 0.0;
                        for c in 0..g.channels_in {
                            for ky in 0..g.kernel_h {
                                for kx in 0..g.kernel_w {
                                    let iy = (oy + ky) as isize - g.pad_h as isize;
                                    let ix = (ox + kx) as isize - g.pad_w as isize;
                                    if iy < 0 || ix < 0 {
                                        continue;
                                    }
                                    let (iy, ix) = (iy as usize, ix as usize);
                                    if iy >= g.height || ix >= g.width {
                                        continue;
                                    }
                                    let xv =
                                        x[((b * g.channels_in + c) * g.height + iy) * g.width + ix];
                                    let wv = w[((co * g.channels_in + c) * g.kernel_h + ky)
                                        * g.kernel_w
                                        + kx];
                                    acc += xv * wv;
                                }
                            }
                        }
                        out[((b * g.channels_out + co) * oh + oy) * ow + ox] = acc;
                    }
                }
            }
        }
        out
    }

    fn values(n: usize, seed: u32) -> Vec<f32> {
        let mut state = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state % 2001) as f32 / 1000.0 - 1.0
            })
            .collect()
    }

    fn geometries() -> Vec<ConvGeometry> {
        [
            ([3, 3, 7, 6], [4, 3, 3, 3], [0, 0]),
            ([2, 2, 5, 5], [3, 2, 3, 3], [1, 1]),
            ([2, 1, 4, 3], [2, 1, 2, 3], [2, 1]),
            ([1, 2, 1, 1], [2, 2, 3, 3], [1, 1]),
            // Through Winograd: whole tiles, a ragged edge and a short last block of images,
            // no padding and unequal padding, channels in whole lanes and not.
            ([3, 9, 9, 9], [4, 9, 3, 3], [1, 1]),
            ([3, 8, 6, 10], [8, 8, 3, 3], [0, 0]),
            ([2, 8, 7, 6], [5, 8, 3, 3], [0, 0]),
            ([5, 8, 10, 12], [3, 8, 3, 3], [1, 0]),
        ]
        .into_iter()
        .map(|(x, w, p)| ConvGeometry::new(x, w, p).unwrap())
        .collect()
    }

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (i, (a, b)) in a.iter().zip(b).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * (1.0 + b.abs()),
                "element {i}: {a} vs {b}"
            );
        }
    }

    #[test]
    fn forward_is_the_direct_convolution_plus_bias_with_or_without_relu() {
        for g in geometries() {
            let x = values(g.batch * g.image_len(), 1);
            let w = values(g.weight_len(), 2);
            let bias = values(g.channels_out, 3);
            for with_relu in [true, false] {
                let mut out = vec![f32::NAN; g.batch * g.out_image_len()];
                forward(&g, &x, &w, &bias, with_relu, &mut out);
                let mut expected = naive_conv(&g, &x, &w);
                for (i, v) in expected.iter_mut().enumerate() {
                    *v += bias[(i / g.out_pixels()) % g.channels_out];
                    if with_relu {
                        *v = relu(*v);
                    }
                }
                close(&out, &expected);
            }
        }
    }

    /// The gradients are the adjoints of the (linear) convolution: for any `x`, `w`, `G`,
    /// `⟨G, conv(x, w)⟩ = ⟨dW(x, G), w⟩ = ⟨dX(w, G), x⟩`, and `db` sums `G` per channel.
    #[test]
    fn gradients_are_the_adjoints_of_the_convolution() {
        for g in geometries() {
            let x = values(g.batch * g.image_len(), 4);
            let w = values(g.weight_len(), 5);
            let grad = values(g.batch * g.out_image_len(), 6);
            let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f32>();
            let reference = dot(&grad, &naive_conv(&g, &x, &w));
            let (dw, db) = param_grads(&g, &x, &grad);
            let dx = input_grad(&g, &w, &grad);
            close(&[dot(&dw, &w)], &[reference]);
            close(&[dot(&dx, &x)], &[reference]);
            let mut expected_db = vec![0.0; g.channels_out];
            for (i, v) in grad.iter().enumerate() {
                expected_db[(i / g.out_pixels()) % g.channels_out] += v;
            }
            close(&db, &expected_db);
        }
    }

    #[test]
    fn three_by_three_kernels_on_enough_channels_go_through_winograd() {
        let routes: Vec<bool> = geometries().iter().map(winograd::handles).collect();
        assert_eq!(routes, [false, false, false, false, true, true, true, true]);
        // A 2×2 output is one tile of 4×4: no saving.
        let small = ConvGeometry::new([1, 8, 4, 4], [1, 8, 3, 3], [0, 0]).unwrap();
        assert!(!winograd::handles(&small));
    }

    #[test]
    fn col2im_adds_each_input_once_per_window_that_reads_it() {
        let g = ConvGeometry::new([1, 1, 3, 3], [1, 1, 3, 3], [1, 1]).unwrap();
        let mut image = vec![0.0; 9];
        col2im_add(&g, &vec![1.0; g.patch_len() * g.out_pixels()], &mut image);
        // With "same" padding each pixel is read by one window per neighbour it has (itself
        // included): 4 at the corners, 6 on the edges, 9 in the middle.
        assert_eq!(image, [4.0, 6.0, 4.0, 6.0, 9.0, 6.0, 4.0, 6.0, 4.0]);
    }

    #[test]
    fn geometry_refuses_kernels_larger_than_the_padded_input() {
        assert!(ConvGeometry::new([1, 1, 2, 2], [1, 1, 3, 3], [0, 0]).is_none());
        // Sizes past the address space are refused, not wrapped (WebAssembly's `usize` is 32
        // bits: 3·1,183²·32² ≈ 4.3 G floats).
        let wide = 1183usize;
        let unfolded = ConvGeometry::new([1, 3, 32, 32], [1, 3, wide, wide], [591, 591]);
        assert_eq!(
            unfolded.is_some(),
            (3 * 32 * 32u64).checked_mul((wide * wide) as u64).unwrap() <= usize::MAX as u64
        );
        assert!(ConvGeometry::new([usize::MAX / 2, 3, 32, 32], [1, 3, 3, 3], [1, 1]).is_none());
        assert!(ConvGeometry::new([1, 1, 3, 3], [1, 1, 3, 3], [usize::MAX, 0]).is_none());
        assert!(ConvGeometry::new([1, 2, 4, 4], [1, 3, 3, 3], [0, 0]).is_none());
    }
}
