//! The fused convolution + bias (+ ReLU): the extension trait, its burn-ops defaults and the
//! model-facing functions.

mod autodiff;
pub mod cpu;
mod flex;
mod winograd;

use burn::backend::ops::ConvOptions;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, Dispatch, backend_extension};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::tensor::Tensor;
use burn::tensor::activation::relu;

/// The fused op and its gradients. Gradients take `grad`, the gradient of the convolution's
/// output *before* ReLU (the autodiff step masks it with the output first when there is one).
#[backend_extension(Flex, Cube: cfg(feature = "wgpu"), Autodiff)]
pub trait ConvBackend: Backend {
    /// `conv2d(x, weight) + bias`, through ReLU if `relu` (a convolution before a batch norm
    /// has none).
    fn conv2d_fused(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
        relu: bool,
    ) -> FloatTensor<Self> {
        burn_ops::conv2d_fused::<Self>(x, weight, bias, options, relu)
    }

    /// The gradients of the weight and of the bias.
    fn conv2d_param_grads(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        burn_ops::conv2d_param_grads::<Self>(x, weight, bias, grad, options)
    }

    /// The gradient of the input.
    fn conv2d_input_grad(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        burn_ops::conv2d_input_grad::<Self>(x, weight, grad, options)
    }
}

/// The same three computations with burn's own ops: the trait's default bodies, and the CPU
/// kernels' fallback for convolutions they do not handle.
pub(super) mod burn_ops {
    use burn::backend::Backend;
    use burn::backend::ops::ConvOptions;
    use burn::backend::tensor::FloatTensor;

    pub fn conv2d_fused<B: Backend>(
        x: FloatTensor<B>,
        weight: FloatTensor<B>,
        bias: FloatTensor<B>,
        options: ConvOptions<2>,
        relu: bool,
    ) -> FloatTensor<B> {
        let out = B::conv2d(x, weight, Some(bias), options);
        if relu { B::relu(out) } else { out }
    }

    pub fn conv2d_param_grads<B: Backend>(
        x: FloatTensor<B>,
        weight: FloatTensor<B>,
        bias: FloatTensor<B>,
        grad: FloatTensor<B>,
        options: ConvOptions<2>,
    ) -> (FloatTensor<B>, FloatTensor<B>) {
        let weight_grad = B::conv2d_weight_backward(x.clone(), weight, grad.clone(), options);
        (weight_grad, B::conv2d_bias_backward(x, bias, grad))
    }

    pub fn conv2d_input_grad<B: Backend>(
        x: FloatTensor<B>,
        weight: FloatTensor<B>,
        grad: FloatTensor<B>,
        options: ConvOptions<2>,
    ) -> FloatTensor<B> {
        B::conv2d_x_backward(x, weight, grad, options)
    }
}

#[cfg(feature = "wgpu")]
impl ConvBackend for burn::backend::Cube {}

/// `relu(conv(x))` for one of the model's convolutions, through the fused op.
pub fn conv2d_relu(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    fused(conv, x, true)
}

/// `conv(x)` without an activation, through the same op (burn's own convolution is several
/// times slower on the CPU backend).
pub fn conv2d_linear(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    fused(conv, x, false)
}

fn fused(conv: &Conv2d, x: Tensor<4>, relu_after: bool) -> Tensor<4> {
    let (Some(bias), Some(padding)) = (&conv.bias, padding_pairs(conv)) else {
        let out = conv.forward(x);
        return if relu_after { relu(out) } else { out };
    };
    let options = ConvOptions::new_with_padding(conv.stride, padding, conv.dilation, conv.groups);
    Tensor::from_dispatch(<Dispatch as ConvBackend>::conv2d_fused(
        x.into_dispatch(),
        conv.weight.val().into_dispatch(),
        bias.val().into_dispatch(),
        options,
        relu_after,
    ))
}

/// The `(begin, end)` padding of each axis as `Conv2d::forward` computes it, for the cases
/// that do not depend on the input's size: `Same` with stride 1 and an odd kernel (the
/// tutorial's) pads `(k − 1) / 2` on both sides. `None` leaves the rest to `Conv2d::forward`.
fn padding_pairs(conv: &Conv2d) -> Option<[(usize, usize); 2]> {
    match conv.padding {
        PaddingConfig2d::Valid => Some([(0, 0), (0, 0)]),
        PaddingConfig2d::Explicit(top, left, bottom, right) => Some([(top, bottom), (left, right)]),
        PaddingConfig2d::Same => {
            let half = |axis: usize| {
                let k = conv.kernel_size[axis];
                (conv.stride[axis] == 1 && k % 2 == 1).then_some(((k - 1) / 2, (k - 1) / 2))
            };
            Some([half(0)?, half(1)?])
        }
    }
}
