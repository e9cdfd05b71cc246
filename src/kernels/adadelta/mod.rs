//! Adadelta's update as an extension op: on the CPU one pass over each parameter, its
//! gradient and its two running averages, in place where the tensors are the optimizer's
//! alone ([`cpu::step`]), where burn's element-wise ops take sixteen passes with a fresh
//! buffer each: a few per cent of a `plain` step natively, more in WebAssembly, where it is
//! also a part of the step the page's lead worker takes alone while its helpers wait. Other
//! backends keep burn's ops, the trait's default body. Both round alike, op by op.

pub mod cpu;
mod flex;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, backend_extension};
use burn::tensor::Tensor;

/// Adadelta's settings for one update.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdadeltaStep {
    pub lr: f64,
    pub rho: f64,
    pub epsilon: f64,
}

/// Called on inner (non-autodiff) tensors: the optimizer's.
#[backend_extension(Flex, Cube: cfg(feature = "wgpu"))]
pub trait AdadeltaBackend: Backend {
    /// The parameter and the running averages of squared gradients and of squared updates
    /// after one update with `grad`.
    fn adadelta_step(
        param: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        square_grad: FloatTensor<Self>,
        square_update: FloatTensor<Self>,
        settings: AdadeltaStep,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        burn_ops::adadelta_step::<Self>(param, grad, square_grad, square_update, settings)
    }
}

pub(super) mod burn_ops {
    use burn::backend::Backend;
    use burn::backend::tensor::FloatTensor;

    use super::AdadeltaStep;

    /// The update in burn's element-wise ops, in the order [`super::cpu::step`] rounds.
    pub fn adadelta_step<B: Backend>(
        param: FloatTensor<B>,
        grad: FloatTensor<B>,
        square_grad: FloatTensor<B>,
        square_update: FloatTensor<B>,
        AdadeltaStep { lr, rho, epsilon }: AdadeltaStep,
    ) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
        let average = |running: FloatTensor<B>, x: FloatTensor<B>| {
            B::float_add(
                B::float_mul_scalar(running, rho.into()),
                B::float_mul_scalar(B::float_mul(x.clone(), x), (1.0 - rho).into()),
            )
        };
        let root = |t: FloatTensor<B>| B::float_sqrt(B::float_add_scalar(t, epsilon.into()));
        let square_grad = average(square_grad, grad.clone());
        let update = B::float_div(
            B::float_mul(grad, root(square_update.clone())),
            root(square_grad.clone()),
        );
        let square_update = average(square_update, update.clone());
        let param = B::float_sub(param, B::float_mul_scalar(update, lr.into()));
        (param, square_grad, square_update)
    }
}

#[cfg(feature = "wgpu")]
impl AdadeltaBackend for burn::backend::Cube {}

/// One Adadelta update of `param` (an inner tensor) and its running averages.
pub fn adadelta_step<const D: usize>(
    param: Tensor<D>,
    grad: Tensor<D>,
    square_grad: Tensor<D>,
    square_update: Tensor<D>,
    settings: AdadeltaStep,
) -> (Tensor<D>, Tensor<D>, Tensor<D>) {
    let (param, square_grad, square_update) = <Dispatch as AdadeltaBackend>::adadelta_step(
        param.into_dispatch(),
        grad.into_dispatch(),
        square_grad.into_dispatch(),
        square_update.into_dispatch(),
        settings,
    );
    (
        Tensor::from_dispatch(param),
        Tensor::from_dispatch(square_grad),
        Tensor::from_dispatch(square_update),
    )
}
