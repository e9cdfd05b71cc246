//! The transforms of F(4×4, 3×3) on a tile, for [`L`] channels at once: `Bᵀ d B` (input),
//! `Aᵀ M A` (output), their adjoints `B dV Bᵀ` and `A dY Aᵀ` (the gradients), and the filter
//! transform `G w Gᵀ` with its adjoint. The tile transforms are written out term by term (the
//! matrices' zeros and ±1 skipped, as in NNPACK and oneDNN); the tests check them against the
//! matrices of Lavin & Gray (points 0, ±1, ±2 and ∞).

/// Channels transformed at once: two 128-bit vectors natively without AVX, one 256-bit vector
/// with it, two in WebAssembly.
pub const L: usize = 8;
/// One value of each of `L` channels.
pub type Lanes = [f32; L];

/// Outputs per tile side.
pub const M: usize = 4;
/// Input (and transformed) tile side: `M + 3 − 1`.
pub const ALPHA: usize = M + 2;
/// Points per transformed tile.
pub const POINTS: usize = ALPHA * ALPHA;

/// `G` (α×3).
#[rustfmt::skip]
const G: [[f32; 3]; ALPHA] = [
    [1.0 / 4.0,   0.0,         0.0],
    [-1.0 / 6.0,  -1.0 / 6.0,  -1.0 / 6.0],
    [-1.0 / 6.0,  1.0 / 6.0,   -1.0 / 6.0],
    [1.0 / 24.0,  1.0 / 12.0,  1.0 / 6.0],
    [1.0 / 24.0,  -1.0 / 12.0, 1.0 / 6.0],
    [0.0,         0.0,         1.0],
];

/// `Bᵀ x` for one column of six.
#[inline(always)]
fn bt(x: &[Lanes; ALPHA], r: &mut [Lanes; ALPHA]) {
    for l in 0..L {
        let [d0, d1, d2, d3, d4, d5] = [x[0][l], x[1][l], x[2][l], x[3][l], x[4][l], x[5][l]];
        r[0][l] = 4.0 * d0 - 5.0 * d2 + d4;
        r[1][l] = (d3 + d4) - 4.0 * (d1 + d2);
        r[2][l] = (d4 - d3) + 4.0 * (d1 - d2);
        r[3][l] = (d4 - d2) + 2.0 * (d3 - d1);
        r[4][l] = (d4 - d2) - 2.0 * (d3 - d1);
        r[5][l] = 4.0 * d1 - 5.0 * d3 + d5;
    }
}

/// `B x`: the adjoint of [`bt`].
#[inline(always)]
fn b(x: &[Lanes; ALPHA], r: &mut [Lanes; ALPHA]) {
    for l in 0..L {
        let [x0, x1, x2, x3, x4, x5] = [x[0][l], x[1][l], x[2][l], x[3][l], x[4][l], x[5][l]];
        r[0][l] = 4.0 * x0;
        r[1][l] = 4.0 * (x2 - x1 + x5) + 2.0 * (x4 - x3);
        r[2][l] = -5.0 * x0 - 4.0 * (x1 + x2) - (x3 + x4);
        r[3][l] = (x1 - x2) + 2.0 * (x3 - x4) - 5.0 * x5;
        r[4][l] = x0 + x1 + x2 + x3 + x4;
        r[5][l] = x5;
    }
}

/// `Aᵀ x`: six transformed values to four outputs.
#[inline(always)]
fn at(x: &[Lanes; ALPHA], r: &mut [Lanes; M]) {
    for l in 0..L {
        let [m0, m1, m2, m3, m4, m5] = [x[0][l], x[1][l], x[2][l], x[3][l], x[4][l], x[5][l]];
        let (sum12, diff12, sum34, diff34) = (m1 + m2, m1 - m2, m3 + m4, m3 - m4);
        r[0][l] = m0 + sum12 + sum34;
        r[1][l] = diff12 + 2.0 * diff34;
        r[2][l] = sum12 + 4.0 * sum34;
        r[3][l] = diff12 + 8.0 * diff34 + m5;
    }
}

/// `A y`: the adjoint of [`at`].
#[inline(always)]
fn a(y: &[Lanes; M], r: &mut [Lanes; ALPHA]) {
    for l in 0..L {
        let [y0, y1, y2, y3] = [y[0][l], y[1][l], y[2][l], y[3][l]];
        let (even, odd) = (y0 + y2, y1 + y3);
        let (even4, odd2) = (y0 + 4.0 * y2, 2.0 * y1 + 8.0 * y3);
        r[0][l] = y0;
        r[1][l] = even + odd;
        r[2][l] = even - odd;
        r[3][l] = even4 + odd2;
        r[4][l] = even4 - odd2;
        r[5][l] = y3;
    }
}

/// `T x Tᵀ` for a square tile `x [I][I]` into `out [O][O]`, given `T`'s action on a column
/// (`$t`). A macro rather than a generic function taking `T`: that left a call per column
/// behind, and the arrays copied in and out.
macro_rules! both_sides {
    ($t:ident, $x:expr, $out:expr, $i:expr, $o:expr) => {{
        let (x, out) = ($x, $out);
        // Down the columns, then along the rows.
        let mut column = [[0.0; L]; $i];
        let mut columns = [[[0.0; L]; $o]; $i];
        for j in 0..$i {
            for i in 0..$i {
                column[i] = x[i][j];
            }
            $t(&column, &mut columns[j]);
        }
        for r in 0..$o {
            for j in 0..$i {
                column[j] = columns[j][r];
            }
            $t(&column, &mut out[r]);
        }
    }};
}

/// `V = Bᵀ d B`.
#[inline(always)]
pub fn input(d: &[[Lanes; ALPHA]; ALPHA], v: &mut [[Lanes; ALPHA]; ALPHA]) {
    both_sides!(bt, d, v, ALPHA, ALPHA);
}

/// `B dV Bᵀ`: the adjoint of [`input`].
#[inline(always)]
pub fn input_adjoint(dv: &[[Lanes; ALPHA]; ALPHA], dd: &mut [[Lanes; ALPHA]; ALPHA]) {
    both_sides!(b, dv, dd, ALPHA, ALPHA);
}

/// `Y = Aᵀ M A`.
#[inline(always)]
pub fn output(m: &[[Lanes; ALPHA]; ALPHA], y: &mut [[Lanes; M]; M]) {
    both_sides!(at, m, y, ALPHA, M);
}

/// `A dY Aᵀ`: the adjoint of [`output`].
#[inline(always)]
pub fn output_adjoint(dy: &[[Lanes; M]; M], mg: &mut [[Lanes; ALPHA]; ALPHA]) {
    both_sides!(a, dy, mg, M, ALPHA);
}

/// `U = G w Gᵀ` for one 3×3 filter `w` (row major), point `(i, j)` at `i·α + j`.
pub fn filter(w: &[f32]) -> [f32; POINTS] {
    let gw: [[f32; 3]; ALPHA] = std::array::from_fn(|i| {
        std::array::from_fn(|x| (0..3).map(|y| G[i][y] * w[y * 3 + x]).sum())
    });
    std::array::from_fn(|p| (0..3).map(|x| gw[p / ALPHA][x] * G[p % ALPHA][x]).sum())
}

/// `Gᵀ dU G`: the adjoint of [`filter`], the 3×3 gradient (row major) of one filter.
pub fn filter_adjoint(du: &[f32; POINTS]) -> [f32; 9] {
    let gt_du: [[f32; ALPHA]; 3] = std::array::from_fn(|y| {
        std::array::from_fn(|j| (0..ALPHA).map(|i| G[i][y] * du[i * ALPHA + j]).sum())
    });
    std::array::from_fn(|k| (0..ALPHA).map(|j| gt_du[k / 3][j] * G[j][k % 3]).sum())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lavin & Gray's `Bᵀ` and `Aᵀ` for F(4×4, 3×3).
    #[rustfmt::skip]
    const BT: [[f32; ALPHA]; ALPHA] = [
        [4.0,  0.0, -5.0,  0.0, 1.0, 0.0],
        [0.0, -4.0, -4.0,  1.0, 1.0, 0.0],
        [0.0,  4.0, -4.0, -1.0, 1.0, 0.0],
        [0.0, -2.0, -1.0,  2.0, 1.0, 0.0],
        [0.0,  2.0, -1.0, -2.0, 1.0, 0.0],
        [0.0,  4.0,  0.0, -5.0, 0.0, 1.0],
    ];
    #[rustfmt::skip]
    const AT: [[f32; ALPHA]; M] = [
        [1.0, 1.0,  1.0, 1.0,  1.0, 0.0],
        [0.0, 1.0, -1.0, 2.0, -2.0, 0.0],
        [0.0, 1.0,  1.0, 4.0,  4.0, 0.0],
        [0.0, 1.0, -1.0, 8.0, -8.0, 1.0],
    ];

    fn lanes<const N: usize>(seed: usize) -> [Lanes; N] {
        std::array::from_fn(|i| std::array::from_fn(|l| ((seed + 7 * i + 3 * l) % 11) as f32 - 5.0))
    }

    /// `mat · x` (or `matᵀ · x`) by the definition.
    fn times<const R: usize, const C: usize, const O: usize, const I: usize>(
        mat: &[[f32; C]; R],
        transpose: bool,
        x: &[Lanes; I],
    ) -> [Lanes; O] {
        std::array::from_fn(|o| {
            std::array::from_fn(|l| {
                (0..I)
                    .map(|k| if transpose { mat[k][o] } else { mat[o][k] } * x[k][l])
                    .sum()
            })
        })
    }

    #[test]
    fn the_written_out_transforms_are_the_matrices() {
        for seed in 0..5 {
            let six: [Lanes; ALPHA] = lanes(seed);
            let four: [Lanes; M] = lanes(seed);
            let (mut to_six, mut to_four) = ([[0.0; L]; ALPHA], [[0.0; L]; M]);
            bt(&six, &mut to_six);
            assert_eq!(to_six, times(&BT, false, &six));
            b(&six, &mut to_six);
            assert_eq!(to_six, times(&BT, true, &six));
            at(&six, &mut to_four);
            assert_eq!(to_four, times(&AT, false, &six));
            a(&four, &mut to_six);
            assert_eq!(to_six, times(&AT, true, &four));
        }
    }

    /// `⟨U, dU⟩ = ⟨w, Gᵀ dU G⟩` for any filter and gradient; and a filter of one 1 in the
    /// middle transforms to `G`'s middle column times its transpose.
    #[test]
    fn the_filter_transform_and_its_adjoint_agree() {
        let w: [f32; 9] = std::array::from_fn(|k| k as f32 - 4.0);
        let du: [f32; POINTS] = std::array::from_fn(|p| ((p * 5) % 7) as f32 - 3.0);
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(a, b)| a * b).sum::<f32>();
        let (lhs, rhs) = (dot(&filter(&w), &du), dot(&w, &filter_adjoint(&du)));
        assert!(
            (lhs - rhs).abs() < 1e-3 * lhs.abs().max(1.0),
            "{lhs} vs {rhs}"
        );
        let centre = filter(&[0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
        for p in 0..POINTS {
            assert_eq!(centre[p], G[p / ALPHA][1] * G[p % ALPHA][1]);
        }
    }
}
