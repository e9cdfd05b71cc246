//! GELU as an extension op: forward and derivative through [`cpu`]'s
//! vectorised formula on the CPU; other backends keep burn's `gelu` and `gelu_backward`,
//! which are also the trait's default bodies.

mod autodiff;
pub mod cpu;
mod flex;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, backend_extension};
use burn::tensor::Tensor;

#[backend_extension(Flex, Cube: cfg(feature = "wgpu"), Autodiff)]
pub trait GeluBackend: Backend {
    /// `x · Φ(x)`.
    fn gelu_fused(x: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::gelu(x)
    }

    /// `grad · (Φ(x) + x · φ(x))`.
    fn gelu_grad(x: FloatTensor<Self>, grad: FloatTensor<Self>) -> FloatTensor<Self> {
        Self::gelu_backward(x, grad)
    }
}

#[cfg(feature = "wgpu")]
impl GeluBackend for burn::backend::Cube {}

/// The model's GELU (exact, erf-based, as `burn::tensor::activation::gelu` and PyTorch's
/// default) through the extension op.
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    Tensor::from_dispatch(<Dispatch as GeluBackend>::gelu_fused(x.into_dispatch()))
}
