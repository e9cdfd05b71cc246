//! Adadelta's update on plain `f32` slices, one pass, split over threads natively.

use super::AdadeltaStep;

/// Updates `param` and the running averages `square_grad` and `square_update` in place with
/// `grad`, rounding as burn's ops do one after another:
/// `a ← ρa + (1−ρ)g²;  u = g·√(d+ε)/√(a+ε);  d ← ρd + (1−ρ)u²;  p ← p − lr·u`.
pub fn step(
    param: &mut [f32],
    grad: &[f32],
    square_grad: &mut [f32],
    square_update: &mut [f32],
    settings: AdadeltaStep,
) {
    let len = param.len();
    assert!(grad.len() == len && square_grad.len() == len && square_update.len() == len);
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        // Chunks large enough to amortise the scheduling, small enough to share the work.
        const CHUNK: usize = 1 << 14;
        param
            .par_chunks_mut(CHUNK)
            .zip(grad.par_chunks(CHUNK))
            .zip(square_grad.par_chunks_mut(CHUNK))
            .zip(square_update.par_chunks_mut(CHUNK))
            .for_each(|(((p, g), a), d)| step_chunk(p, g, a, d, settings));
    }
    #[cfg(target_arch = "wasm32")]
    step_chunk(param, grad, square_grad, square_update, settings);
}

fn step_chunk(p: &mut [f32], g: &[f32], a: &mut [f32], d: &mut [f32], settings: AdadeltaStep) {
    let AdadeltaStep { lr, rho, epsilon } = settings;
    // As burn converts its scalars: each factor computed in f64, then rounded once.
    let (rho, keep, eps, lr) = (rho as f32, (1.0 - rho) as f32, epsilon as f32, lr as f32);
    for (((p, &g), a), d) in p.iter_mut().zip(g).zip(a.iter_mut()).zip(d.iter_mut()) {
        *a = *a * rho + g * g * keep;
        let u = g * (*d + eps).sqrt() / (*a + eps).sqrt();
        *d = *d * rho + u * u * keep;
        *p -= u * lr;
    }
}
