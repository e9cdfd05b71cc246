//! What the per-op implementations on burn's CPU backend (`flex`) share: `f32` slices in and
//! out of its tensors. Each op's own (`conv/flex.rs`, `pool/flex.rs`, …) unwraps its tensors
//! with these, runs its kernels, and leaves anything they do not handle (strides, dilation,
//! groups, uneven padding, other float types) to burn's own ops.

use burn::backend::flex::FlexTensor;
use burn::tensor::TensorData;

/// The tensor's values in row-major order (copied only when it is a strided view).
pub(super) fn values(t: &FlexTensor) -> FlexTensor {
    t.to_contiguous()
}

pub(super) fn slice(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().expect("a contiguous f32 tensor")
}

pub(super) fn tensor(values: Vec<f32>, shape: impl Into<Vec<usize>>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.into()))
}
