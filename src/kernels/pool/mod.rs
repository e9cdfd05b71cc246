//! Max pooling as an extension op: burn's ops by default, the window kernels of
//! [`cpu`] on the CPU backend.

mod autodiff;
pub mod cpu;
mod flex;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, backend_extension};
use burn::nn::PaddingConfig2d;
use burn::nn::pool::MaxPool2d;
use burn::tensor::Tensor;

/// Max pooling with `size × size` windows and stride `size` (no padding, no dilation), and
/// its gradient. The gradient is computed from the input again rather than from stored
/// indices: reading the input once more costs less than writing and keeping the indices.
#[backend_extension(Flex, Cube: cfg(feature = "wgpu"), Autodiff)]
pub trait MaxPoolBackend: Backend {
    fn max_pool2d_windows(x: FloatTensor<Self>, size: usize) -> FloatTensor<Self> {
        burn_ops::max_pool2d_windows::<Self>(x, size)
    }

    /// The gradient of the input, from the gradient of the output.
    fn max_pool2d_windows_grad(
        x: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        size: usize,
    ) -> FloatTensor<Self> {
        burn_ops::max_pool2d_windows_grad::<Self>(x, grad, size)
    }
}

pub(super) mod burn_ops {
    use burn::backend::Backend;
    use burn::backend::tensor::FloatTensor;
    use burn::tensor::IntDType;

    pub fn max_pool2d_windows<B: Backend>(x: FloatTensor<B>, size: usize) -> FloatTensor<B> {
        B::max_pool2d(x, [size; 2], [size; 2], [0; 2], [1; 2], false)
    }

    pub fn max_pool2d_windows_grad<B: Backend>(
        x: FloatTensor<B>,
        grad: FloatTensor<B>,
        size: usize,
    ) -> FloatTensor<B> {
        let (k, s, p, d) = ([size; 2], [size; 2], [0; 2], [1; 2]);
        let indices =
            B::max_pool2d_with_indices(x.clone(), k, s, p, d, false, IntDType::I32).indices;
        B::max_pool2d_with_indices_backward(x, k, s, p, d, false, grad, indices).x_grad
    }
}

#[cfg(feature = "wgpu")]
impl MaxPoolBackend for burn::backend::Cube {}

/// The model's pooling layer through the extension op, when it is the plain kind
/// (non-overlapping windows, no padding, no dilation); anything else runs as burn's layer.
pub fn max_pool2d(pool: &MaxPool2d, x: Tensor<4>) -> Tensor<4> {
    let [k0, k1] = pool.kernel_size;
    let plain = k0 == k1
        && pool.stride == pool.kernel_size
        && pool.dilation == [1, 1]
        && !pool.ceil_mode
        && matches!(pool.padding, PaddingConfig2d::Valid);
    if !plain {
        return pool.forward(x);
    }
    Tensor::from_dispatch(<Dispatch as MaxPoolBackend>::max_pool2d_windows(
        x.into_dispatch(),
        k0,
    ))
}
