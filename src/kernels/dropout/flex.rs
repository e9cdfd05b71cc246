//! Dropout's mask on burn's CPU backend (`flex`), drawn in parallel from a counter-based hash.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::FloatTensorOps;
use burn::tensor::{DType, FloatDType};

use super::DropoutBackend;
use super::{self as dropout, SEED_DRAW, burn_ops as dropout_ops};
use crate::kernels::flex::tensor;
use crate::kernels::parallel;

impl DropoutBackend for Flex {
    fn dropout_mask(like: FlexTensor, keep: f64) -> FlexTensor {
        if like.dtype() != DType::F32 {
            return dropout_ops::dropout_mask::<Self>(like, keep);
        }
        let device = like.device();
        let draws = Self::float_random([2].into(), SEED_DRAW, &device, FloatDType::F64);
        let draws = draws.as_slice::<f64>().expect("a fresh f64 tensor");
        let seed = (draws[0] as u64) << 32 | draws[1] as u64;
        let shape = like.shape();
        let mut mask = vec![0.0; shape.num_elements()];
        // Chunks large enough to amortise the scheduling, small enough to share the work.
        const CHUNK: usize = 1 << 14;
        parallel::for_each_image(&mut mask, CHUNK, 0, |_, c, chunk| {
            dropout::fill_mask(chunk, seed, (c * CHUNK) as u64, keep)
        });
        tensor(mask, shape.as_slice())
    }
}
