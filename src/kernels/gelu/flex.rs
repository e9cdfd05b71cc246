//! GELU on burn's CPU backend (`flex`) through the vectorised erf of [`cpu`](super::cpu).

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::backend::ops::ActivationOps;
use burn::tensor::DType;

use super::GeluBackend;
use super::cpu;
use crate::kernels::flex::{slice, tensor, values};

impl GeluBackend for Flex {
    fn gelu_fused(x: FlexTensor) -> FlexTensor {
        if x.dtype() != DType::F32 {
            return Self::gelu(x);
        }
        let x = values(&x);
        let mut out = vec![0.0; slice(&x).len()];
        cpu::forward(slice(&x), &mut out);
        tensor(out, x.shape().as_slice())
    }

    fn gelu_grad(x: FlexTensor, grad: FlexTensor) -> FlexTensor {
        if x.dtype() != DType::F32 || grad.dtype() != DType::F32 {
            return Self::gelu_backward(x, grad);
        }
        let (x, grad) = (values(&x), values(&grad));
        let mut dx = vec![0.0; slice(&x).len()];
        cpu::backward(slice(&x), slice(&grad), &mut dx);
        tensor(dx, x.shape().as_slice())
    }
}
