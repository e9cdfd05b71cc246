//! Between burn's layout (`[images, channels, height, width]`) and the transforms' (each
//! image's padded input channels last), by blocked transposes: 8×8 blocks through a local
//! array, so that both sides are read and written in runs instead of one strided element at a
//! time.

use super::{M, Tiling};
use crate::kernels::conv::cpu::ConvGeometry;

/// Side of the blocks the transposes move.
const BLOCK: usize = 8;

/// `dst[j·dst_row + i] = src[i·src_row + j]` for `i < rows`, `j < cols`.
fn transpose(
    src: &[f32],
    src_row: usize,
    dst: &mut [f32],
    dst_row: usize,
    (rows, cols): (usize, usize),
) {
    for i0 in (0..rows).step_by(BLOCK) {
        for j0 in (0..cols).step_by(BLOCK) {
            if i0 + BLOCK <= rows && j0 + BLOCK <= cols {
                // A whole block: fixed lengths, so the copies are plain moves.
                let mut block = [[0.0f32; BLOCK]; BLOCK];
                for (i, row) in block.iter_mut().enumerate() {
                    row.copy_from_slice(&src[(i0 + i) * src_row + j0..][..BLOCK]);
                }
                for j in 0..BLOCK {
                    let out: &mut [f32; BLOCK] = (&mut dst[(j0 + j) * dst_row + i0..][..BLOCK])
                        .try_into()
                        .expect("a block's row");
                    for (i, v) in out.iter_mut().enumerate() {
                        *v = block[i][j];
                    }
                }
            } else {
                for i in i0..rows.min(i0 + BLOCK) {
                    for j in j0..cols.min(j0 + BLOCK) {
                        dst[j * dst_row + i] = src[i * src_row + j];
                    }
                }
            }
        }
    }
}

/// Copies images `[channels, height, width]` into `dst`, each channels last (`channels_in`
/// of the tiling, the extra ones zero) inside a zero border: the padding before, the rest of
/// the tiles' windows after.
#[inline(never)]
pub fn inputs_channels_last(g: &ConvGeometry, t: &Tiling, x: &[f32], dst: &mut [f32]) {
    let covered = [g.pad_h, g.pad_w] == [0, 0]
        && g.height == t.rows * M + 2
        && g.width == t.input_cols()
        && g.channels_in == t.channels_in;
    if !covered {
        dst.fill(0.0);
    }
    let (c, cols, plane) = (t.channels_in, t.input_cols(), g.height * g.width);
    for (image, out) in x
        .chunks_exact(g.image_len())
        .zip(dst.chunks_exact_mut(t.input_len()))
    {
        for y in 0..g.height {
            // Row `y` of every channel, `[channels, width]`, to `[width, channels]`.
            let out = &mut out[((y + g.pad_h) * cols + g.pad_w) * c..];
            let src = &image[y * g.width..];
            transpose(src, plane, out, c, (g.channels_in, g.width));
        }
    }
}

/// The inverse of [`inputs_channels_last`] for gradients: the image part of each padded
/// channels-last buffer into `dx [images, Cin, height, width]`.
#[inline(never)]
pub fn inputs_from_channels_last(g: &ConvGeometry, t: &Tiling, src: &[f32], dx: &mut [f32]) {
    let (c, cols, plane) = (t.channels_in, t.input_cols(), g.height * g.width);
    for (image, dx) in src
        .chunks_exact(t.input_len())
        .zip(dx.chunks_exact_mut(g.image_len()))
    {
        for y in 0..g.height {
            let src = &image[((y + g.pad_h) * cols + g.pad_w) * c..];
            let out = &mut dx[y * g.width..];
            transpose(src, c, out, plane, (g.width, g.channels_in));
        }
    }
}

/// Copies output gradients `[images, Cout, out_h, out_w]` into `dst`, each channels last in
/// whole tiles (`channels_out` of the tiling), zero past the edges.
#[inline(never)]
pub fn outputs_channels_last(g: &ConvGeometry, t: &Tiling, grad: &[f32], dst: &mut [f32]) {
    let covered =
        g.out_h() == t.rows * M && g.out_w() == t.output_cols() && g.channels_out == t.channels_out;
    if !covered {
        dst.fill(0.0);
    }
    let (c, cols, pixels) = (t.channels_out, t.output_cols(), g.out_pixels());
    for (image, out) in grad
        .chunks_exact(g.out_image_len())
        .zip(dst.chunks_exact_mut(t.output_len()))
    {
        for y in 0..g.out_h() {
            let out = &mut out[y * cols * c..];
            transpose(
                &image[y * g.out_w()..],
                pixels,
                out,
                c,
                (g.channels_out, g.out_w()),
            );
        }
    }
}

/// The part of each channels-last output in whole tiles inside `out [images, Cout, out_h,
/// out_w]`.
#[inline(never)]
pub fn outputs_from_channels_last(g: &ConvGeometry, t: &Tiling, src: &[f32], out: &mut [f32]) {
    let (c, cols, pixels) = (t.channels_out, t.output_cols(), g.out_pixels());
    for (image, out) in src
        .chunks_exact(t.output_len())
        .zip(out.chunks_exact_mut(g.out_image_len()))
    {
        for y in 0..g.out_h() {
            let dst = &mut out[y * g.out_w()..];
            transpose(
                &image[y * cols * c..],
                c,
                dst,
                pixels,
                (g.out_w(), g.channels_out),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_moves_every_element_of_ragged_blocks() {
        let (rows, cols) = (11, 19);
        let src: Vec<f32> = (0..rows * 20).map(|v| v as f32).collect();
        let mut dst = vec![-1.0; cols * 12];
        transpose(&src, 20, &mut dst, 12, (rows, cols));
        for j in 0..cols {
            for i in 0..12 {
                let expected = if i < rows { (i * 20 + j) as f32 } else { -1.0 };
                assert_eq!(dst[j * 12 + i], expected, "({i}, {j})");
            }
        }
    }
}
