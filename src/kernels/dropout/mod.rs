//! Dropout's random mask as an extension op. burn draws one Bernoulli sample per element from a
//! single ChaCha stream on one thread, and then multiplies twice (by the mask, by `1 / keep`):
//! a large share of a CPU training step of the dropout models. Here the CPU backend
//! draws one seed from burn's seeded generator (so `device.seed(s)` still fixes every mask) and
//! derives each element's draw from a counter-based hash of (seed, index): parallel, and the
//! same mask for the same seed on any number of threads. The mask arrives already scaled, so
//! the model multiplies once. Other backends keep burn's sampling.

mod flex;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, backend_extension};
use burn::nn::Dropout;
use burn::tensor::{Distribution, Tensor};

/// Called on inner (non-autodiff) tensors only: the mask is no part of the graph.
#[backend_extension(Flex, Cube: cfg(feature = "wgpu"))]
pub trait DropoutBackend: Backend {
    /// A tensor shaped like `like` holding `1 / keep` with probability `keep`, else 0.
    fn dropout_mask(like: FloatTensor<Self>, keep: f64) -> FloatTensor<Self> {
        burn_ops::dropout_mask::<Self>(like, keep)
    }
}

pub(super) mod burn_ops {
    use burn::backend::tensor::FloatTensor;
    use burn::backend::{Backend, TensorMetadata};
    use burn::tensor::Distribution;

    pub fn dropout_mask<B: Backend>(like: FloatTensor<B>, keep: f64) -> FloatTensor<B> {
        let (shape, device, dtype) = (like.shape(), like.device(), like.dtype());
        let mask = B::float_random(shape, Distribution::Bernoulli(keep), &device, dtype.into());
        B::float_mul_scalar(mask, (1.0 / keep).into())
    }
}

#[cfg(feature = "wgpu")]
impl DropoutBackend for burn::backend::Cube {}

/// The model's dropout layer: `x · mask` while training, `x` otherwise (as `Dropout::forward`).
pub fn dropout<const D: usize>(layer: &Dropout, x: Tensor<D>) -> Tensor<D> {
    if !layer.training.is_enabled() || !x.device().is_autodiff() || layer.prob == 0.0 {
        return x;
    }
    // The mask needs no gradient: it is drawn beside the autodiff graph and enters it as a
    // constant factor.
    let like = x.clone().inner().into_dispatch();
    let mask = Tensor::<D>::from_dispatch(<Dispatch as DropoutBackend>::dropout_mask(
        like,
        1.0 - layer.prob,
    ));
    x * Tensor::from_inner(mask)
}

/// The uniform draw in [0, 1) of element `index` under `seed` (SplitMix64's finaliser).
pub fn uniform(seed: u64, index: u64) -> f32 {
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    // The top 24 bits: exactly representable, uniform on a grid of 2⁻²⁴.
    (z >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
}

/// Fills `mask` with `1 / keep` where element `offset + i`'s draw is below `keep`, else 0.
pub fn fill_mask(mask: &mut [f32], seed: u64, offset: u64, keep: f64) {
    let (keep, scale) = (keep as f32, (1.0 / keep) as f32);
    for (i, m) in mask.iter_mut().enumerate() {
        *m = if uniform(seed, offset + i as u64) < keep {
            scale
        } else {
            0.0
        };
    }
}

/// The distribution the seed is drawn from: burn's uniform, two draws joined into 64 bits.
pub(super) const SEED_DRAW: Distribution = Distribution::Uniform(0.0, 4_294_967_296.0);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mask_keeps_about_keep_of_the_elements_scaled_by_its_inverse() {
        let mut mask = vec![0.0; 100_000];
        fill_mask(&mut mask, 42, 0, 0.75);
        let kept = mask.iter().filter(|&&m| m != 0.0).count() as f64 / mask.len() as f64;
        assert!((kept - 0.75).abs() < 0.01, "kept {kept}");
        assert!(
            mask.iter()
                .all(|&m| m == 0.0 || (m - 1.0 / 0.75).abs() < 1e-6)
        );
    }

    #[test]
    fn the_mask_depends_on_the_seed_and_not_on_how_it_is_split() {
        let (mut whole, mut a, mut b) = (vec![0.0; 1000], vec![0.0; 1000], vec![0.0; 1000]);
        fill_mask(&mut whole, 7, 0, 0.5);
        fill_mask(&mut a[..400], 7, 0, 0.5);
        fill_mask(&mut a[400..], 7, 400, 0.5);
        fill_mask(&mut b, 8, 0, 0.5);
        assert_eq!(whole, a);
        assert_ne!(whole, b);
    }
}
