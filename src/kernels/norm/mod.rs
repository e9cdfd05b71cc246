//! Batch normalisation as an extension op: the training-mode norm (batch statistics), its
//! gradients, and the evaluation-mode norm (running statistics). On the CPU they are the
//! fused passes of [`cpu`]; other backends keep burn's ops, which is
//! also what the trait's default bodies run.

mod autodiff;
pub mod cpu;
mod flex;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, backend_extension};
use burn::nn::BatchNorm;
use burn::tensor::Tensor;

#[backend_extension(Flex, Cube: cfg(feature = "wgpu"), Autodiff)]
pub trait BatchNormBackend: Backend {
    /// The norm with the batch's own statistics, and those statistics: `(output, mean,
    /// biased variance)`, the last two per channel and outside the autodiff graph.
    fn batch_norm_train_fused(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        burn_ops::batch_norm_train_fused::<Self>(x, gamma, beta, epsilon)
    }

    /// The gradients of the input, `gamma` and `beta` given the output's gradient `grad`;
    /// `mean` and `variance` are the batch statistics the forward returned.
    fn batch_norm_train_grads(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
        grad: FloatTensor<Self>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        burn_ops::batch_norm_train_grads::<Self>(x, gamma, mean, variance, epsilon, grad)
    }

    /// The norm with given statistics (the running ones, at evaluation).
    fn batch_norm_apply(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        variance: FloatTensor<Self>,
        epsilon: f64,
    ) -> FloatTensor<Self> {
        Self::batch_norm(x, gamma, beta, mean, variance, epsilon)
    }
}

/// burn's own ops: the defaults, and the CPU kernels' fallback for other float types.
pub(super) mod burn_ops {
    use burn::backend::Backend;
    use burn::backend::tensor::FloatTensor;

    pub fn batch_norm_train_fused<B: Backend>(
        x: FloatTensor<B>,
        gamma: FloatTensor<B>,
        beta: FloatTensor<B>,
        epsilon: f64,
    ) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
        let result = B::batch_norm_train(x, gamma, beta, epsilon);
        (result.output, result.mean, result.variance)
    }

    pub fn batch_norm_train_grads<B: Backend>(
        x: FloatTensor<B>,
        gamma: FloatTensor<B>,
        mean: FloatTensor<B>,
        variance: FloatTensor<B>,
        epsilon: f64,
        grad: FloatTensor<B>,
    ) -> (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>) {
        let result = B::batch_norm_train_backward(x, gamma, mean, variance, epsilon, grad);
        (result.x_grad, result.gamma_grad, result.beta_grad)
    }
}

#[cfg(feature = "wgpu")]
impl BatchNormBackend for burn::backend::Cube {}

/// The model's batch norm through the extension op, as `BatchNorm::forward` behaves: batch
/// statistics (and an update of the running ones) while training, the running statistics
/// otherwise.
pub fn batch_norm<const D: usize>(norm: &BatchNorm, x: Tensor<D>) -> Tensor<D> {
    let device = x.device();
    if !(device.is_autodiff() && norm.training.is_enabled()) {
        // On an autodiff device (a frozen norm) the default body is burn's differentiable
        // ops, so the gradient still flows through the running statistics as constants.
        return Tensor::from_dispatch(<Dispatch as BatchNormBackend>::batch_norm_apply(
            x.into_dispatch(),
            norm.gamma.val().into_dispatch(),
            norm.beta.val().into_dispatch(),
            norm.running_mean.value().to_device(&device).into_dispatch(),
            norm.running_var.value().to_device(&device).into_dispatch(),
            norm.epsilon,
        ));
    }
    let (output, mean, variance) = <Dispatch as BatchNormBackend>::batch_norm_train_fused(
        x.into_dispatch(),
        norm.gamma.val().into_dispatch(),
        norm.beta.val().into_dispatch(),
        norm.epsilon,
    );
    let (mean, variance) = (
        Tensor::<1>::from_dispatch(mean),
        Tensor::<1>::from_dispatch(variance),
    );
    let blend = |running: Tensor<1>, batch: Tensor<1>| {
        running
            .to_device(&device)
            .mul_scalar(1.0 - norm.momentum)
            .add(batch.detach().mul_scalar(norm.momentum))
            .detach()
    };
    norm.running_mean
        .update(blend(norm.running_mean.value_sync(), mean));
    norm.running_var
        .update(blend(norm.running_var.value_sync(), variance));
    Tensor::from_dispatch(output)
}
