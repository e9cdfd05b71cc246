//! 3×3 convolutions by Winograd's minimal filtering F(4×4, 3×3) (Lavin & Gray, "Fast
//! Algorithms for Convolutional Neural Networks", CVPR 2016): each 4×4 block of outputs comes
//! from a 6×6 tile of the input with 36 products per pair of channels instead of 144, so the
//! GEMMs do a quarter of the direct convolution's multiply-adds.
//!
//! With `V = Bᵀ d B` (an input tile `d`, transformed), `U = G w Gᵀ` (a filter) and the output
//! tile `Y = Aᵀ M A`, at each of the 36 points `ξ` of the transformed tile:
//! - forward: `M[ξ] = V[ξ] · U[ξ]`, `[tiles, Cin] · [Cin, Cout]`;
//! - data gradient, the forward map's adjoint step by step in reverse: `Mg = A dY Aᵀ`,
//!   `dV[ξ] = Mg[ξ] · U[ξ]ᵀ`, and `B dV Bᵀ` added back onto the (overlapping) input tiles;
//! - weight gradient: `dU[ξ] = Σ V[ξ]ᵀ · Mg[ξ]` over the images, then `dw = Gᵀ dU G`.
//!
//! As exact adjoints, the gradients are those of the map the forward pass computes. Inside, a
//! block of images is kept channels-last (`[row][column][channel]`), so that every transform is
//! a vector operation along the channels; the block's tiles are the rows of each GEMM.

mod layout;
mod transform;

use layout::{Frame, from_channels_last, to_channels_last};
use transform::{ALPHA, L, Lanes, M, POINTS};

use super::cpu::{ConvGeometry, Matrix, matmul};
use crate::kernels::parallel;

/// Tiles per block of images (the GEMMs' rows are the block's tiles): this many or more where
/// the batch allows, so that each GEMM is large enough to run near `gemm`'s speed.
const MIN_ROWS: usize = 192;

/// Whether this convolution goes through Winograd: a 3×3 kernel, enough input channels for
/// the GEMMs' inner dimension, and tiles that waste less than half the saving on the padding
/// of a side that is not a multiple of 4.
pub fn handles(g: &ConvGeometry) -> bool {
    let tiles = Tiling::new(g);
    g.kernel_h == 3
        && g.kernel_w == 3
        && g.channels_in >= 8
        && (2 * POINTS).saturating_mul(tiles.per_image()) <= 9usize.saturating_mul(g.out_pixels())
        && workspace(g).is_some()
}

/// How one image is cut into tiles, and the sizes of a block of images' buffers. Channels are
/// rounded up to whole lanes inside (the extra ones zero).
#[derive(Clone, Copy)]
struct Tiling {
    rows: usize,
    cols: usize,
    channels_in: usize,
    channels_out: usize,
    /// Images per block.
    images: usize,
}

impl Tiling {
    fn new(g: &ConvGeometry) -> Self {
        let (rows, cols) = (g.out_h().div_ceil(M), g.out_w().div_ceil(M));
        // Blocks of at least `MIN_ROWS` tiles, as many for each thread: a run of images split
        // unevenly leaves a thread idle at the end of each pass.
        let threads = parallel::threads();
        let tiles = g.batch.saturating_mul(rows).saturating_mul(cols);
        let blocks = (tiles / MIN_ROWS)
            .div_ceil(threads)
            .max(1)
            .saturating_mul(threads);
        Self {
            rows,
            cols,
            channels_in: g.channels_in.div_ceil(L) * L,
            channels_out: g.channels_out.div_ceil(L) * L,
            images: g.batch.div_ceil(blocks).max(1),
        }
    }

    /// Block `block`'s first image, and its tiling (the last block may have fewer images).
    fn block(&self, block: usize, batch: usize) -> (usize, Self) {
        let first = block * self.images;
        let images = self.images.min(batch - first);
        (first, Self { images, ..*self })
    }

    fn per_image(&self) -> usize {
        self.rows * self.cols
    }

    /// Rows of each GEMM: the block's tiles.
    fn tiles(&self) -> usize {
        self.images * self.per_image()
    }

    /// Columns of one image's padded input: every tile's 6×6 window lies inside.
    fn input_cols(&self) -> usize {
        self.cols * M + 2
    }

    /// One image's padded input, channels last.
    fn input_len(&self) -> usize {
        (self.rows * M + 2) * self.input_cols() * self.channels_in
    }

    /// Where an image's input sits in its padded buffer.
    fn input_frame(&self, g: &ConvGeometry) -> Frame {
        let (rows, cols, channels) = (self.rows * M + 2, self.input_cols(), self.channels_in);
        let (top, left) = (g.pad_h, g.pad_w);
        Frame {
            rows,
            cols,
            channels,
            top,
            left,
        }
    }

    /// Where an image's output sits in its whole tiles.
    fn output_frame(&self) -> Frame {
        let (rows, cols, channels) = (self.rows * M, self.output_cols(), self.channels_out);
        Frame {
            rows,
            cols,
            channels,
            top: 0,
            left: 0,
        }
    }

    /// Columns of one image's output rounded up to whole tiles.
    fn output_cols(&self) -> usize {
        self.cols * M
    }

    /// One image's output (or its gradient) in whole tiles, channels last.
    fn output_len(&self) -> usize {
        self.rows * M * self.output_cols() * self.channels_out
    }

    /// The scratch one block needs: the padded inputs, the outputs, and both transformed;
    /// `None` past the address space (WebAssembly's is 32 bits).
    fn checked_scratch_len(&self) -> Option<usize> {
        let product = |factors: &[usize]| factors.iter().try_fold(1usize, |p, &f| p.checked_mul(f));
        let input = [self.rows * M + 2, self.input_cols(), self.channels_in];
        let output = [self.rows * M, self.output_cols(), self.channels_out];
        let channels = self.channels_in.checked_add(self.channels_out)?;
        [
            product(&[&[self.images][..], &input].concat())?,
            product(&[&[self.images][..], &output].concat())?,
            product(&[POINTS, self.tiles(), channels])?,
        ]
        .iter()
        .try_fold(0usize, |sum, &len| sum.checked_add(len))
    }

    fn scratch_len(&self) -> usize {
        self.checked_scratch_len()
            .expect("`handles` refuses a convolution whose buffers do not fit")
    }

    /// `(image, tile row, tile column, index among the block's tiles)` for every tile.
    fn each_tile(&self) -> impl Iterator<Item = (usize, usize, usize, usize)> + use<> {
        let (rows, cols) = (self.rows, self.cols);
        (0..self.tiles()).map(move |index| {
            let (image, tile) = (index / (rows * cols), index % (rows * cols));
            (image, tile / cols, tile % cols, index)
        })
    }
}

/// The floats a thread holds at once for this convolution (the weight gradient's partial sums
/// included), or `None` if that is past the address space.
pub fn workspace(g: &ConvGeometry) -> Option<usize> {
    let t = Tiling::new(g);
    let weights = POINTS
        .checked_mul(t.channels_in)?
        .checked_mul(t.channels_out)?
        .checked_add(g.channels_out)?;
    t.checked_scratch_len()?.checked_add(weights)
}

/// The block's buffers, carved out of one scratch slice.
struct Buffers<'a> {
    /// Each image's padded input (or its gradient), channels last.
    input: &'a mut [f32],
    /// Each image's output (or its gradient) in whole tiles, channels last.
    output: &'a mut [f32],
    /// `V[ξ] [tiles, Cin]` (or `dV`).
    v: &'a mut [f32],
    /// `M[ξ] [tiles, Cout]` (or `Mg`).
    m: &'a mut [f32],
}

impl<'a> Buffers<'a> {
    fn new(t: &Tiling, scratch: &'a mut [f32]) -> Self {
        let (input, rest) = scratch.split_at_mut(t.images * t.input_len());
        let (output, rest) = rest.split_at_mut(t.images * t.output_len());
        let (v, rest) = rest.split_at_mut(POINTS * t.tiles() * t.channels_in);
        let m = &mut rest[..POINTS * t.tiles() * t.channels_out];
        Self {
            input,
            output,
            v,
            m,
        }
    }
}

/// The filters transformed, `U[ξ] [Cin, Cout]` for each point (lanes rounded up, zero), from
/// `weight [Cout, Cin, 3, 3]`.
fn transform_weights(g: &ConvGeometry, t: &Tiling, weight: &[f32]) -> Vec<f32> {
    let (ci, co) = (t.channels_in, t.channels_out);
    let mut u = vec![0.0; POINTS * ci * co];
    for (i, filter) in weight.chunks_exact(9).enumerate() {
        let (o, c) = (i / g.channels_in, i % g.channels_in);
        for (p, v) in transform::filter(filter).into_iter().enumerate() {
            u[(p * ci + c) * co + o] = v;
        }
    }
    u
}

/// The adjoint of [`transform_weights`]: `dw [Cout, Cin, 3, 3]` from `dU[ξ] [Cin, Cout]`.
fn weight_grads_from_transformed(g: &ConvGeometry, t: &Tiling, du: &[f32]) -> Vec<f32> {
    let (ci, co) = (t.channels_in, t.channels_out);
    let mut dw = vec![0.0; g.weight_len()];
    for (i, filter) in dw.chunks_exact_mut(9).enumerate() {
        let (o, c) = (i / g.channels_in, i % g.channels_in);
        let du = std::array::from_fn(|p| du[(p * ci + c) * co + o]);
        filter.copy_from_slice(&transform::filter_adjoint(&du));
    }
    dw
}

/// Reads one lane group's 6×6 window of a channels-last image.
#[inline(always)]
fn window(image: &[f32], start: usize, cols: usize, c: usize, d: &mut [[Lanes; ALPHA]; ALPHA]) {
    for (i, row) in d.iter_mut().enumerate() {
        for (j, lanes) in row.iter_mut().enumerate() {
            lanes.copy_from_slice(&image[start + (i * cols + j) * c..][..L]);
        }
    }
}

/// Reads one tile's lane group from each point of a transformed buffer `[ξ][tiles][c]`.
#[inline(always)]
fn points(src: &[f32], index: usize, tiles: usize, c: usize, d: &mut [[Lanes; ALPHA]; ALPHA]) {
    for (p, lanes) in d.as_flattened_mut().iter_mut().enumerate() {
        lanes.copy_from_slice(&src[(p * tiles + index) * c..][..L]);
    }
}

/// Writes one tile's lane group to each point of a transformed buffer `[ξ][tiles][c]`.
#[inline(always)]
fn set_points(dst: &mut [f32], index: usize, tiles: usize, c: usize, d: &[[Lanes; ALPHA]; ALPHA]) {
    for (p, lanes) in d.as_flattened().iter().enumerate() {
        dst[(p * tiles + index) * c..][..L].copy_from_slice(lanes);
    }
}

// The passes below are kept out of line: each runs once per block, and a profile names it.

/// `V = Bᵀ d B` for every tile of the block's channels-last inputs.
#[inline(never)]
fn transform_inputs(t: &Tiling, input: &[f32], v: &mut [f32]) {
    let (c, cols, tiles) = (t.channels_in, t.input_cols(), t.tiles());
    let (mut d, mut transformed) = ([[[0.0; L]; ALPHA]; ALPHA], [[[0.0; L]; ALPHA]; ALPHA]);
    for (image, ty, tx, index) in t.each_tile() {
        let image = &input[image * t.input_len()..][..t.input_len()];
        for q in (0..c).step_by(L) {
            let start = (ty * M * cols + tx * M) * c + q;
            window(image, start, cols, c, &mut d);
            transform::input(&d, &mut transformed);
            set_points(&mut v[q..], index, tiles, c, &transformed);
        }
    }
}

/// The adjoint of [`transform_inputs`]: `B dV Bᵀ` of every tile added onto its window of
/// `input` (the windows overlap by two rows and columns).
#[inline(never)]
fn add_transformed_back(t: &Tiling, dv: &[f32], input: &mut [f32]) {
    let (c, cols, tiles) = (t.channels_in, t.input_cols(), t.tiles());
    let (mut transformed, mut dd) = ([[[0.0; L]; ALPHA]; ALPHA], [[[0.0; L]; ALPHA]; ALPHA]);
    for (image, ty, tx, index) in t.each_tile() {
        let image = &mut input[image * t.input_len()..][..t.input_len()];
        for q in (0..c).step_by(L) {
            points(&dv[q..], index, tiles, c, &mut transformed);
            transform::input_adjoint(&transformed, &mut dd);
            let start = (ty * M * cols + tx * M) * c + q;
            for (i, row) in dd.iter().enumerate() {
                for (j, lanes) in row.iter().enumerate() {
                    let dst = &mut image[start + (i * cols + j) * c..][..L];
                    dst.iter_mut().zip(lanes).for_each(|(d, v)| *d += v);
                }
            }
        }
    }
}

/// `Y = Aᵀ M A` for each tile, with the bias and ReLU, into the block's channels-last
/// outputs (whole tiles).
#[inline(never)]
fn transform_outputs(t: &Tiling, m: &[f32], bias: &[f32], with_relu: bool, output: &mut [f32]) {
    let (c, tiles, cols) = (t.channels_out, t.tiles(), t.output_cols());
    let (mut transformed, mut y) = ([[[0.0; L]; ALPHA]; ALPHA], [[[0.0; L]; M]; M]);
    for (image, ty, tx, index) in t.each_tile() {
        let image = &mut output[image * t.output_len()..][..t.output_len()];
        for q in (0..c).step_by(L) {
            let bias: Lanes = bias[q..][..L].try_into().expect("L lanes");
            points(&m[q..], index, tiles, c, &mut transformed);
            transform::output(&transformed, &mut y);
            for (r, row) in y.iter().enumerate() {
                for (s, lanes) in row.iter().enumerate() {
                    let start = ((ty * M + r) * cols + tx * M + s) * c + q;
                    let dst = &mut image[start..][..L];
                    for ((d, v), b) in dst.iter_mut().zip(lanes).zip(&bias) {
                        *d = if with_relu { relu(v + b) } else { v + b };
                    }
                }
            }
        }
    }
}

/// ReLU that keeps NaN, as the GEMM route's does.
fn relu(v: f32) -> f32 {
    if v < 0.0 { 0.0 } else { v }
}

/// The adjoint of the output transform, `Mg = A dY Aᵀ`, for every tile of the block's
/// channels-last output gradients.
#[inline(never)]
fn transform_output_grads(t: &Tiling, output: &[f32], mg: &mut [f32]) {
    let (c, tiles, cols) = (t.channels_out, t.tiles(), t.output_cols());
    let (mut dy, mut transformed) = ([[[0.0; L]; M]; M], [[[0.0; L]; ALPHA]; ALPHA]);
    for (image, ty, tx, index) in t.each_tile() {
        let image = &output[image * t.output_len()..][..t.output_len()];
        for q in (0..c).step_by(L) {
            for (r, row) in dy.iter_mut().enumerate() {
                for (s, lanes) in row.iter_mut().enumerate() {
                    let start = ((ty * M + r) * cols + tx * M + s) * c + q;
                    lanes.copy_from_slice(&image[start..][..L]);
                }
            }
            transform::output_adjoint(&dy, &mut transformed);
            set_points(&mut mg[q..], index, tiles, c, &transformed);
        }
    }
}

/// `dst[ξ] (+)= lhs[ξ] · rhs[ξ]` for each point, the three buffers split into as many equal
/// parts: `lhs [rows, inner]`, `rhs [inner, cols]` (each laid out as its strides say) and
/// `dst [rows, cols]`.
fn each_point(
    dims: (usize, usize, usize),
    dst: &mut [f32],
    accumulate: bool,
    lhs: Matrix,
    rhs: Matrix,
) {
    fn part(m: Matrix<'_>, p: usize) -> Matrix<'_> {
        let len = m.values.len() / POINTS;
        let values = &m.values[p * len..][..len];
        Matrix { values, ..m }
    }
    for (p, dst) in dst.chunks_exact_mut(dims.0 * dims.1).enumerate() {
        matmul(dims, dst, accumulate, part(lhs, p), part(rhs, p));
    }
}

/// One image's input, `[channels, height, width]`.
fn input_shape(g: &ConvGeometry) -> [usize; 3] {
    [g.channels_in, g.height, g.width]
}

/// One image's output, `[channels, height, width]`.
fn output_shape(g: &ConvGeometry) -> [usize; 3] {
    [g.channels_out, g.out_h(), g.out_w()]
}

/// The forward pass: as [`cpu::forward`](super::cpu::forward), for a convolution
/// [`handles`] accepts.
pub fn forward(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
    with_relu: bool,
    out: &mut [f32],
) {
    let tiling = Tiling::new(g);
    let u = transform_weights(g, &tiling, weight);
    let (ci, co) = (tiling.channels_in, tiling.channels_out);
    let mut bias = bias.to_vec();
    bias.resize(co, 0.0);
    let chunk = tiling.images * g.out_image_len();
    parallel::for_each_image(out, chunk, tiling.scratch_len(), |scratch, block, out| {
        let (first, t) = tiling.block(block, g.batch);
        let x = &x[first * g.image_len()..][..t.images * g.image_len()];
        let buffers = Buffers::new(&t, scratch);
        to_channels_last(x, input_shape(g), &t.input_frame(g), buffers.input);
        transform_inputs(&t, buffers.input, buffers.v);
        let n = t.tiles();
        let (v, u) = (Matrix::rows(buffers.v, ci), Matrix::rows(&u, co));
        each_point((n, co, ci), buffers.m, false, v, u);
        transform_outputs(&t, buffers.m, &bias, with_relu, buffers.output);
        from_channels_last(buffers.output, &t.output_frame(), output_shape(g), out);
    });
}

/// The weight and bias gradients: as [`cpu::param_grads`](super::cpu::param_grads).
pub fn param_grads(g: &ConvGeometry, x: &[f32], grad: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let tiling = Tiling::new(g);
    let (ci, co) = (tiling.channels_in, tiling.channels_out);
    let blocks = g.batch.div_ceil(tiling.images);
    let len = POINTS * ci * co + g.channels_out;
    let sums =
        parallel::sum_over_images(blocks, len, tiling.scratch_len(), |scratch, block, sums| {
            let (first, t) = tiling.block(block, g.batch);
            let x = &x[first * g.image_len()..][..t.images * g.image_len()];
            let grad = &grad[first * g.out_image_len()..][..t.images * g.out_image_len()];
            let buffers = Buffers::new(&t, scratch);
            to_channels_last(x, input_shape(g), &t.input_frame(g), buffers.input);
            transform_inputs(&t, buffers.input, buffers.v);
            to_channels_last(grad, output_shape(g), &t.output_frame(), buffers.output);
            transform_output_grads(&t, buffers.output, buffers.m);
            let (du, db) = sums.split_at_mut(POINTS * ci * co);
            let n = t.tiles();
            let (v_t, mg) = (
                Matrix::transposed(buffers.v, ci),
                Matrix::rows(buffers.m, co),
            );
            each_point((ci, co, n), du, true, v_t, mg);
            for (i, row) in grad.chunks_exact(g.out_pixels()).enumerate() {
                db[i % g.channels_out] += parallel::sum(row);
            }
        });
    let (du, db) = sums.split_at(POINTS * ci * co);
    (weight_grads_from_transformed(g, &tiling, du), db.to_vec())
}

/// The input gradient: as [`cpu::input_grad`](super::cpu::input_grad).
pub fn input_grad(g: &ConvGeometry, weight: &[f32], grad: &[f32]) -> Vec<f32> {
    let tiling = Tiling::new(g);
    let u = transform_weights(g, &tiling, weight);
    let (ci, co) = (tiling.channels_in, tiling.channels_out);
    let mut dx = vec![0.0; g.batch * g.image_len()];
    let chunk = tiling.images * g.image_len();
    parallel::for_each_image(
        &mut dx,
        chunk,
        tiling.scratch_len(),
        |scratch, block, dx| {
            let (first, t) = tiling.block(block, g.batch);
            let grad = &grad[first * g.out_image_len()..][..t.images * g.out_image_len()];
            let buffers = Buffers::new(&t, scratch);
            to_channels_last(grad, output_shape(g), &t.output_frame(), buffers.output);
            transform_output_grads(&t, buffers.output, buffers.m);
            let n = t.tiles();
            let (mg, u_t) = (Matrix::rows(buffers.m, co), Matrix::transposed(&u, co));
            each_point((n, ci, co), buffers.v, false, mg, u_t);
            buffers.input.fill(0.0);
            add_transformed_back(&t, buffers.v, buffers.input);
            from_channels_last(buffers.input, &t.input_frame(g), input_shape(g), dx);
        },
    );
    dx
}
