//! The extension ops on burn's CPU backend (`flex`): unwrap the tensors to `f32` slices and
//! run [`conv_cpu`](super::conv_cpu), [`pool_cpu`](super::pool_cpu) and
//! [`norm_cpu`](super::norm_cpu); anything those
//! kernels do not handle (strides, dilation, groups, uneven padding, other float types) goes
//! to burn's own ops.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ConvOptions;
use burn::backend::ops::{ActivationOps, FloatTensorOps, ModuleOps};
use burn::tensor::{DType, FloatDType, TensorData};

use super::conv::burn_ops;
use super::conv_cpu::{self, ConvGeometry};
use super::dropout::{self, SEED_DRAW, burn_ops as dropout_ops};
use super::gelu_cpu;
use super::norm::burn_ops as norm_ops;
use super::norm_cpu::{self, NormGeometry};
use super::parallel;
use super::pool::burn_ops as pool_ops;
use super::pool_cpu::{self, PoolGeometry};
use super::{BatchNormBackend, ConvBackend, DropoutBackend, GeluBackend, MaxPoolBackend};

/// The geometry when the kernels handle this convolution.
fn geometry(x: &FlexTensor, weight: &FlexTensor, options: &ConvOptions<2>) -> Option<ConvGeometry> {
    let simple = options.stride == [1, 1]
        && options.dilation == [1, 1]
        && options.groups == 1
        && !options.is_asymmetric()
        && x.dtype() == DType::F32
        && weight.dtype() == DType::F32;
    let dims = |t: &FlexTensor| <[usize; 4]>::try_from(t.shape().as_slice()).ok();
    simple
        .then(|| ConvGeometry::new(dims(x)?, dims(weight)?, options.padding_begin()))
        .flatten()
}

/// The tensor's values in row-major order (copied only when it is a strided view).
fn values(t: &FlexTensor) -> FlexTensor {
    t.to_contiguous()
}

fn slice(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().expect("a contiguous f32 tensor")
}

fn tensor(values: Vec<f32>, shape: impl Into<Vec<usize>>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.into()))
}

impl ConvBackend for Flex {
    fn conv2d_fused(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        options: ConvOptions<2>,
        relu: bool,
    ) -> FlexTensor {
        let Some(g) = geometry(&x, &weight, &options).filter(|_| bias.dtype() == DType::F32) else {
            return burn_ops::conv2d_fused::<Self>(x, weight, bias, options, relu);
        };
        let (x, weight, bias) = (values(&x), values(&weight), values(&bias));
        let mut out = vec![0.0; g.batch * g.out_image_len()];
        let (x, weight, bias) = (slice(&x), slice(&weight), slice(&bias));
        conv_cpu::forward(&g, x, weight, bias, relu, &mut out);
        tensor(out, [g.batch, g.channels_out, g.out_h(), g.out_w()])
    }

    fn conv2d_param_grads(
        x: FlexTensor,
        weight: FlexTensor,
        bias: FlexTensor,
        grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> (FlexTensor, FlexTensor) {
        let Some(g) = geometry(&x, &weight, &options).filter(|_| grad.dtype() == DType::F32) else {
            return burn_ops::conv2d_param_grads::<Self>(x, weight, bias, grad, options);
        };
        let (x, grad) = (values(&x), values(&grad));
        let (weight_grad, bias_grad) = conv_cpu::param_grads(&g, slice(&x), slice(&grad));
        (
            tensor(weight_grad, weight.shape().as_slice()),
            tensor(bias_grad, [g.channels_out]),
        )
    }

    fn conv2d_input_grad(
        x: FlexTensor,
        weight: FlexTensor,
        grad: FlexTensor,
        options: ConvOptions<2>,
    ) -> FlexTensor {
        let Some(g) = geometry(&x, &weight, &options).filter(|_| grad.dtype() == DType::F32) else {
            return burn_ops::conv2d_input_grad::<Self>(x, weight, grad, options);
        };
        let (weight, grad) = (values(&weight), values(&grad));
        let input_grad = conv_cpu::input_grad(&g, slice(&weight), slice(&grad));
        tensor(input_grad, x.shape().as_slice())
    }
}

fn pool_geometry(x: &FlexTensor, size: usize) -> Option<PoolGeometry> {
    let [batch, channels, height, width] = <[usize; 4]>::try_from(x.shape().as_slice()).ok()?;
    (x.dtype() == DType::F32 && size > 0).then_some(PoolGeometry {
        planes: batch * channels,
        height,
        width,
        size,
    })
}

impl MaxPoolBackend for Flex {
    fn max_pool2d_windows(x: FlexTensor, size: usize) -> FlexTensor {
        let Some(g) = pool_geometry(&x, size) else {
            return pool_ops::max_pool2d_windows::<Self>(x, size);
        };
        let x = values(&x);
        let mut out = vec![0.0; g.planes * g.out_h() * g.out_w()];
        pool_cpu::forward(&g, slice(&x), &mut out);
        let [batch, channels, _, _] = <[usize; 4]>::try_from(x.shape().as_slice()).expect("4D");
        tensor(out, [batch, channels, g.out_h(), g.out_w()])
    }

    fn max_pool2d_windows_grad(x: FlexTensor, grad: FlexTensor, size: usize) -> FlexTensor {
        let Some(g) = pool_geometry(&x, size).filter(|_| grad.dtype() == DType::F32) else {
            return pool_ops::max_pool2d_windows_grad::<Self>(x, grad, size);
        };
        let (x, grad) = (values(&x), values(&grad));
        let dx = pool_cpu::backward(&g, slice(&x), slice(&grad));
        tensor(dx, x.shape().as_slice())
    }
}

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
        let (mean, variance) = norm_cpu::stats(&g, slice(&x));
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
        let (x_grad, gamma_grad, beta_grad) = norm_cpu::grads(
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
        norm_cpu::normalize(
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

impl GeluBackend for Flex {
    fn gelu_fused(x: FlexTensor) -> FlexTensor {
        if x.dtype() != DType::F32 {
            return Self::gelu(x);
        }
        let x = values(&x);
        let mut out = vec![0.0; slice(&x).len()];
        gelu_cpu::forward(slice(&x), &mut out);
        tensor(out, x.shape().as_slice())
    }

    fn gelu_grad(x: FlexTensor, grad: FlexTensor) -> FlexTensor {
        if x.dtype() != DType::F32 || grad.dtype() != DType::F32 {
            return Self::gelu_backward(x, grad);
        }
        let (x, grad) = (values(&x), values(&grad));
        let mut dx = vec![0.0; slice(&x).len()];
        gelu_cpu::backward(slice(&x), slice(&grad), &mut dx);
        tensor(dx, x.shape().as_slice())
    }
}
