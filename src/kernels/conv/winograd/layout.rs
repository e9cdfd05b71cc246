//! Between burn's layout (`[images, channels, height, width]`) and the transforms' (each
//! image's padded input channels last), by blocked transposes: 8×8 blocks through a local
//! array, so that both sides are read and written in runs instead of one strided element at a
//! time.

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

/// Where each image sits in a channels-last buffer: `rows × cols` pixels of `channels`
/// values, the image's first pixel at row `top`, column `left`; the rest is zero.
pub struct Frame {
    pub rows: usize,
    pub cols: usize,
    pub channels: usize,
    pub top: usize,
    pub left: usize,
}

impl Frame {
    /// One image's buffer.
    pub fn len(&self) -> usize {
        self.rows * self.cols * self.channels
    }
}

/// Copies images `[channels, height, width]` into `dst`, each in its `frame`.
#[inline(never)]
pub fn to_channels_last(src: &[f32], [c, h, w]: [usize; 3], frame: &Frame, dst: &mut [f32]) {
    // Zero only where the images leave a border or spare channels.
    let covered =
        [frame.top, frame.left] == [0, 0] && [h, w, c] == [frame.rows, frame.cols, frame.channels];
    if !covered {
        dst.fill(0.0);
    }
    for (image, out) in src
        .chunks_exact(c * h * w)
        .zip(dst.chunks_exact_mut(frame.len()))
    {
        for y in 0..h {
            // Row `y` of every channel, `[channels, width]`, to `[width, channels]`.
            let out = &mut out[((y + frame.top) * frame.cols + frame.left) * frame.channels..];
            transpose(&image[y * w..], h * w, out, frame.channels, (c, w));
        }
    }
}

/// The inverse of [`to_channels_last`]: each image's part of its frame into `dst`, images
/// `[channels, height, width]`.
#[inline(never)]
pub fn from_channels_last(src: &[f32], frame: &Frame, [c, h, w]: [usize; 3], dst: &mut [f32]) {
    for (image, out) in src
        .chunks_exact(frame.len())
        .zip(dst.chunks_exact_mut(c * h * w))
    {
        for y in 0..h {
            let row = &image[((y + frame.top) * frame.cols + frame.left) * frame.channels..];
            transpose(row, frame.channels, &mut out[y * w..], h * w, (w, c));
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
