//! The fused convolution on burn's CPU backend (`flex`): the per-image GEMMs of [`cpu`](super::cpu)
//! for the convolutions they handle, burn's own ops for the rest.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ConvOptions;
use burn::tensor::DType;

use super::ConvBackend;
use super::burn_ops;
use super::cpu::{self, ConvGeometry};
use crate::kernels::flex::{slice, tensor, values};

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
        cpu::forward(&g, x, weight, bias, relu, &mut out);
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
        let (weight_grad, bias_grad) = cpu::param_grads(&g, slice(&x), slice(&grad));
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
        let input_grad = cpu::input_grad(&g, slice(&weight), slice(&grad));
        tensor(input_grad, x.shape().as_slice())
    }
}
