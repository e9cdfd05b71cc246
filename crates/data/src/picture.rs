//! Any picture as a CIFAR-10 image: the centred square (CIFAR's photos are framed square around
//! their subject), shrunk to 32×32 by averaging the area each output pixel covers (no aliasing
//! from a large photo, unlike nearest or bilinear sampling), transparent parts shown on white
//! as an image viewer shows them, in the records' channel-planar layout.

use thiserror::Error;

use super::{IMAGE_BYTES, IMAGE_SIDE};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum PictureError {
    #[error("the picture has no pixels ({width}×{height})")]
    Empty { width: usize, height: usize },
    #[error("{width}×{height} RGBA pixels take {expected} bytes, not {got}")]
    Length {
        width: usize,
        height: usize,
        expected: usize,
        got: usize,
    },
}

/// A picture's CIFAR-10 version: `rgba` holds `width`×`height` pixels, row by row, four bytes
/// each, not premultiplied (as a canvas's `getImageData` gives them). Returns
/// [`IMAGE_BYTES`] bytes: the red plane, then green, then blue.
pub fn cifar_pixels(rgba: &[u8], width: usize, height: usize) -> Result<Vec<u8>, PictureError> {
    if width == 0 || height == 0 {
        return Err(PictureError::Empty { width, height });
    }
    let expected = width * height * 4;
    if rgba.len() != expected {
        return Err(PictureError::Length {
            width,
            height,
            expected,
            got: rgba.len(),
        });
    }
    let side = width.min(height);
    let (left, top) = ((width - side) / 2, (height - side) / 2);
    let spans = area_weights(side, IMAGE_SIDE);
    // Rows of the square shrunk to IMAGE_SIDE columns first (side × 32 × 3), then the columns.
    let mut narrow = vec![0f32; side * IMAGE_SIDE * 3];
    for y in 0..side {
        let row = &rgba[((top + y) * width + left) * 4..][..side * 4];
        for (ox, span) in spans.iter().enumerate() {
            let mut sum = [0f32; 3];
            for &(x, weight) in span {
                let pixel = &row[x * 4..x * 4 + 4];
                let alpha = f32::from(pixel[3]) / 255.0;
                for (c, s) in sum.iter_mut().enumerate() {
                    // On white, as a viewer shows a transparent picture.
                    let on_white = f32::from(pixel[c]) * alpha + 255.0 * (1.0 - alpha);
                    *s += weight * on_white;
                }
            }
            narrow[(y * IMAGE_SIDE + ox) * 3..][..3].copy_from_slice(&sum);
        }
    }
    let plane = IMAGE_SIDE * IMAGE_SIDE;
    let mut out = vec![0u8; IMAGE_BYTES];
    for (oy, span) in spans.iter().enumerate() {
        for ox in 0..IMAGE_SIDE {
            for c in 0..3 {
                let value: f32 = span
                    .iter()
                    .map(|&(y, weight)| weight * narrow[(y * IMAGE_SIDE + ox) * 3 + c])
                    .sum();
                out[c * plane + oy * IMAGE_SIDE + ox] = value.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    Ok(out)
}

/// For each of `outputs` pixels along an axis of `inputs` pixels: the input pixels it covers
/// and how much of it each one is (the weights sum to 1). Output pixel `o` covers
/// `[o·inputs/outputs, (o+1)·inputs/outputs)`; a smaller input is stretched the same way.
fn area_weights(inputs: usize, outputs: usize) -> Vec<Vec<(usize, f32)>> {
    let scale = inputs as f64 / outputs as f64;
    (0..outputs)
        .map(|o| {
            let (start, end) = (o as f64 * scale, (o + 1) as f64 * scale);
            let first = start.floor() as usize;
            let last = (end.ceil() as usize).min(inputs);
            (first..last)
                .filter_map(|i| {
                    let overlap = end.min(i as f64 + 1.0) - start.max(i as f64);
                    (overlap > 1e-9).then(|| (i, (overlap / scale) as f32))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(width: usize, height: usize, colour: impl Fn(usize, usize) -> [u8; 4]) -> Vec<u8> {
        (0..height)
            .flat_map(|y| (0..width).map(move |x| (x, y)))
            .flat_map(|(x, y)| colour(x, y))
            .collect()
    }

    /// Channel `c` of output pixel (x, y).
    fn at(out: &[u8], c: usize, x: usize, y: usize) -> u8 {
        out[c * IMAGE_SIDE * IMAGE_SIDE + y * IMAGE_SIDE + x]
    }

    #[test]
    fn a_large_picture_is_averaged_into_planes() {
        // 64×64: red left half, blue right half, a one-pixel black/white checkerboard row band
        // at the top that must average to grey rather than alias to black or white.
        let rgba = picture(64, 64, |x, y| {
            if y < 2 {
                let v = if (x + y) % 2 == 0 { 0 } else { 255 };
                [v, v, v, 255]
            } else if x < 32 {
                [255, 0, 0, 255]
            } else {
                [0, 0, 255, 255]
            }
        });
        let out = cifar_pixels(&rgba, 64, 64).unwrap();
        assert_eq!(out.len(), IMAGE_BYTES);
        assert_eq!(
            (at(&out, 0, 0, 5), at(&out, 1, 0, 5), at(&out, 2, 0, 5)),
            (255, 0, 0)
        );
        assert_eq!(
            (at(&out, 0, 31, 5), at(&out, 1, 31, 5), at(&out, 2, 31, 5)),
            (0, 0, 255)
        );
        for x in [0, 7, 31] {
            assert_eq!(
                at(&out, 1, x, 0),
                128,
                "the checkerboard at {x} averages to grey"
            );
        }
    }

    #[test]
    fn the_centred_square_is_kept() {
        // 96×32: green in the middle third, black on both sides that must be cut away.
        let rgba = picture(96, 32, |x, _| {
            if (32..64).contains(&x) {
                [0, 200, 0, 255]
            } else {
                [0, 0, 0, 255]
            }
        });
        let out = cifar_pixels(&rgba, 96, 32).unwrap();
        assert!(
            out[IMAGE_SIDE * IMAGE_SIDE..2 * IMAGE_SIDE * IMAGE_SIDE]
                .iter()
                .all(|&g| g == 200)
        );
        // A tall one: the middle rows.
        let rgba = picture(10, 30, |_, y| {
            if y < 10 {
                [9, 9, 9, 255]
            } else {
                [50, 60, 70, 255]
            }
        });
        let out = cifar_pixels(&rgba, 10, 30).unwrap();
        assert_eq!(
            (at(&out, 0, 3, 0), at(&out, 1, 3, 31), at(&out, 2, 31, 31)),
            (50, 60, 70)
        );
    }

    #[test]
    fn an_uneven_shrink_weighs_partial_pixels() {
        // 48 → 32: each output pixel covers 1.5 input pixels. Columns alternate 0 and 255, so
        // output 0 covers a 0 (whole) and a 255 (half): 85; output 1 a 255 (half) and a 0
        // (whole): 85; output 2 a 255 (whole) and a 0 (half): 170.
        let rgba = picture(48, 48, |x, _| {
            let v = if x % 2 == 0 { 0 } else { 255 };
            [v, v, v, 255]
        });
        let out = cifar_pixels(&rgba, 48, 48).unwrap();
        assert_eq!(
            (at(&out, 0, 0, 0), at(&out, 0, 1, 0), at(&out, 0, 2, 0)),
            (85, 85, 170)
        );
        for span in area_weights(4000, 32)
            .into_iter()
            .chain(area_weights(7, 32))
        {
            let total: f32 = span.iter().map(|(_, w)| w).sum();
            assert!((total - 1.0).abs() < 1e-5, "{total}");
        }
    }

    #[test]
    fn a_small_picture_is_stretched_and_transparency_shows_white() {
        let rgba = picture(2, 2, |x, y| match (x, y) {
            (0, 0) => [0, 0, 0, 255],
            (1, 0) => [0, 0, 0, 0],
            (0, 1) => [0, 0, 0, 128],
            _ => [10, 20, 30, 255],
        });
        let out = cifar_pixels(&rgba, 2, 2).unwrap();
        assert_eq!(at(&out, 0, 0, 0), 0);
        assert_eq!(at(&out, 0, 31, 0), 255, "transparent is white");
        assert_eq!(at(&out, 0, 0, 31), 127, "half transparent black is grey");
        assert_eq!((at(&out, 0, 31, 31), at(&out, 2, 16, 16)), (10, 30));
    }

    #[test]
    fn bad_sizes_say_what_is_wrong() {
        assert_eq!(
            cifar_pixels(&[], 0, 5),
            Err(PictureError::Empty {
                width: 0,
                height: 5
            })
        );
        let error = cifar_pixels(&[0; 12], 2, 2).unwrap_err();
        assert_eq!(error.to_string(), "2×2 RGBA pixels take 16 bytes, not 12");
    }
}
