//! Batch norm on burn's CPU backend (`flex`): the two fused passes of [`cpu`](super::cpu) when
//! every operand is `f32`, burn's own ops otherwise.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ModuleOps;
use burn::tensor::DType;

use super::BatchNormBackend;
use super::burn_ops as norm_ops;
use super::cpu::{self, NormGeometry};
use crate::kernels::flex::{slice, tensor, values};

/// The geometry when every operand is `f32` (the kernels' one float type).
fn norm_geometry(x: &FlexTensor, others: &[&FlexTensor]) -> Option<NormGeometry> {
    let f32s = std::iter::once(x)
        .chain(others.iter().copied())
        .all(|t| t.dtype() == DType::F32);
    f32s.then(|| NormGeometry::of(x.shape().as_slice()))
        .flatten()
}

impl BatchNormBackend for Flex {
    fn batch_norm_train_fused(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        epsilon: f64,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let Some(g) = norm_geometry(&x, &[&gamma, &beta]) else {
            return norm_ops::batch_norm_train_fused::<Self>(x, gamma, beta, epsilon);
        };
        let x = values(&x);
        let (mean, variance) = cpu::stats(&g, slice(&x));
        let (mean, variance) = (tensor(mean, [g.channels]), tensor(variance, [g.channels]));
        let output =
            Self::batch_norm_apply(x, gamma, beta, mean.clone(), variance.clone(), epsilon);
        (output, mean, variance)
    }

    fn batch_norm_train_grads(
        x: FlexTensor,
        gamma: FlexTensor,
        mean: FlexTensor,
        variance: FlexTensor,
        epsilon: f64,
        grad: FlexTensor,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let Some(g) = norm_geometry(&x, &[&gamma, &mean, &variance, &grad]) else {
            return norm_ops::batch_norm_train_grads::<Self>(
                x, gamma, mean, variance, epsilon, grad,
            );
        };
        let [x, gamma, mean, variance, grad] = [x, gamma, mean, variance, grad].map(|t| values(&t));
        let (x_grad, gamma_grad, beta_grad) = cpu::grads(
            &g,
            slice(&x),
            slice(&gamma),
            slice(&mean),
            slice(&variance),
            epsilon,
            slice(&grad),
        );
        (
            tensor(x_grad, x.shape().as_slice()),
            tensor(gamma_grad, [g.channels]),
            tensor(beta_grad, [g.channels]),
        )
    }

    fn batch_norm_apply(
        x: FlexTensor,
        gamma: FlexTensor,
        beta: FlexTensor,
        mean: FlexTensor,
        variance: FlexTensor,
        epsilon: f64,
    ) -> FlexTensor {
        let Some(g) = norm_geometry(&x, &[&gamma, &beta, &mean, &variance]) else {
            return Self::batch_norm(x, gamma, beta, mean, variance, epsilon);
        };
        let [x, gamma, beta, mean, variance] = [x, gamma, beta, mean, variance].map(|t| values(&t));
        let mut out = vec![0.0; slice(&x).len()];
        cpu::normalize(
            &g,
            slice(&x),
            slice(&gamma),
            slice(&beta),
            slice(&mean),
            slice(&variance),
            epsilon,
            &mut out,
        );
        tensor(out, x.shape().as_slice())
    }
}
