//! Max pooling with non-overlapping windows (kernel = stride, no padding) on `f32` slices in
//! NCHW order. burn's CPU backend runs a general pooling that computes a flat index per output
//! with divisions and scatters the gradient through it; here each window is read in place and
//! the backward pass finds the window's maximum again instead of storing indices.
//!
//! A NaN in a window wins it (as `f32::max` would not), so a diverging run stays visibly NaN.

use crate::kernels::parallel;

/// Whether `a`, coming first, stays the maximum against `b`: ties go to the first, NaN wins.
#[inline]
fn wins(a: f32, b: f32) -> bool {
    a >= b || a.is_nan()
}

/// The larger of `a` and `b` in the order [`wins`] decides.
#[inline]
fn first_max(a: f32, b: f32) -> f32 {
    if wins(a, b) { a } else { b }
}

/// Shapes of one pooling: input `[planes = batch × channels, height, width]`, windows of
/// `size × size`, output `[planes, height / size, width / size]` (rows and columns that do
/// not fill a window are dropped, as burn and Keras do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolGeometry {
    pub planes: usize,
    pub height: usize,
    pub width: usize,
    pub size: usize,
}

impl PoolGeometry {
    pub fn out_h(&self) -> usize {
        self.height / self.size
    }

    pub fn out_w(&self) -> usize {
        self.width / self.size
    }

    fn plane_len(&self) -> usize {
        self.height * self.width
    }

    fn out_plane_len(&self) -> usize {
        self.out_h() * self.out_w()
    }

    /// Calls `visit(window_start, out_index)` for each window of one plane, where the window's
    /// rows start at `window_start + r·width` for `r < size`.
    fn windows(&self, mut visit: impl FnMut(usize, usize)) {
        for oy in 0..self.out_h() {
            for ox in 0..self.out_w() {
                visit(
                    oy * self.size * self.width + ox * self.size,
                    oy * self.out_w() + ox,
                );
            }
        }
    }

    /// The offset (within the plane) of the window's maximum, the first one on ties.
    #[inline]
    fn argmax(&self, plane: &[f32], start: usize) -> usize {
        if self.size == 2 {
            // The tutorial's windows, unrolled: the general loop below costs twice as much.
            let (w, first) = (
                self.width,
                |a: usize, b: usize| if wins(plane[a], plane[b]) { a } else { b },
            );
            return first(first(start, start + 1), first(start + w, start + w + 1));
        }
        let mut best = start;
        for r in 0..self.size {
            for c in 0..self.size {
                let at = start + r * self.width + c;
                if !wins(plane[best], plane[at]) {
                    best = at;
                }
            }
        }
        best
    }
}

/// The maximum of each window: `out [planes, out_h, out_w]`.
pub fn forward(g: &PoolGeometry, x: &[f32], out: &mut [f32]) {
    assert_eq!(x.len(), g.planes * g.plane_len());
    assert_eq!(out.len(), g.planes * g.out_plane_len());
    parallel::for_each_image(out, g.out_plane_len(), 0, |_, p, out| {
        let plane = &x[p * g.plane_len()..][..g.plane_len()];
        if g.size == 2 {
            // The tutorial's windows, row by row, so that the loop vectorizes.
            for (oy, out) in out.chunks_exact_mut(g.out_w()).enumerate() {
                let top = &plane[2 * oy * g.width..][..2 * g.out_w()];
                let bottom = &plane[(2 * oy + 1) * g.width..][..2 * g.out_w()];
                for ((o, t), b) in out
                    .iter_mut()
                    .zip(top.chunks_exact(2))
                    .zip(bottom.chunks_exact(2))
                {
                    *o = first_max(first_max(t[0], t[1]), first_max(b[0], b[1]));
                }
            }
        } else {
            g.windows(|start, at| out[at] = plane[g.argmax(plane, start)]);
        }
    });
}

/// The input gradient: each output's gradient goes to its window's maximum, zero elsewhere.
pub fn backward(g: &PoolGeometry, x: &[f32], grad: &[f32]) -> Vec<f32> {
    assert_eq!(x.len(), g.planes * g.plane_len());
    assert_eq!(grad.len(), g.planes * g.out_plane_len());
    let mut dx = vec![0.0; x.len()];
    if g.out_plane_len() == 0 {
        return dx;
    }
    parallel::for_each_image(&mut dx, g.plane_len(), 0, |_, p, dx| {
        let plane = &x[p * g.plane_len()..][..g.plane_len()];
        let grad = &grad[p * g.out_plane_len()..][..g.out_plane_len()];
        g.windows(|start, at| dx[g.argmax(plane, start)] = grad[at]);
    });
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_window_gives_its_maximum_and_takes_the_gradient_there() {
        // One 3×5 plane: 2×2 windows cover rows 0–1 and columns 0–3; row 2 and column 4 drop.
        let g = PoolGeometry {
            planes: 1,
            height: 3,
            width: 5,
            size: 2,
        };
        #[rustfmt::skip]
        let x = [
            1.0, 5.0, -2.0, -1.0, 99.0,
            3.0, 2.0, -3.0, -1.0, 99.0,
            99.0, 99.0, 99.0, 99.0, 99.0,
        ];
        let mut out = [0.0; 2];
        forward(&g, &x, &mut out);
        assert_eq!(out, [5.0, -1.0]);
        let dx = backward(&g, &x, &[10.0, 20.0]);
        // The tie at -1.0 goes to the first of the two.
        #[rustfmt::skip]
        assert_eq!(dx, [
            0.0, 10.0, 0.0, 20.0, 0.0,
            0.0, 0.0, 0.0, 0.0, 0.0,
            0.0, 0.0, 0.0, 0.0, 0.0,
        ]);
    }

    #[test]
    fn larger_windows_and_several_planes_agree_with_the_general_path() {
        let g = PoolGeometry {
            planes: 2,
            height: 6,
            width: 7,
            size: 3,
        };
        let x: Vec<f32> = (0..84).map(|i| ((i * 37) % 23) as f32 - 11.0).collect();
        let mut out = vec![0.0; 2 * 2 * 2];
        forward(&g, &x, &mut out);
        for p in 0..2 {
            for oy in 0..2 {
                for ox in 0..2 {
                    let mut m = f32::MIN;
                    for r in 0..3 {
                        for c in 0..3 {
                            m = m.max(x[p * 42 + (oy * 3 + r) * 7 + ox * 3 + c]);
                        }
                    }
                    assert_eq!(out[p * 4 + oy * 2 + ox], m);
                }
            }
        }
        let dx = backward(&g, &x, &[1.0; 8]);
        assert_eq!(dx.iter().sum::<f32>(), 8.0);
    }

    #[test]
    fn nan_wins_its_window() {
        let g = PoolGeometry {
            planes: 1,
            height: 2,
            width: 2,
            size: 2,
        };
        let mut out = [0.0];
        forward(&g, &[1.0, f32::NAN, 3.0, 2.0], &mut out);
        assert!(out[0].is_nan());
    }
}
