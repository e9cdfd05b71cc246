//! Max pooling on burn's CPU backend (`flex`): the window kernels of [`cpu`](super::cpu) for
//! the plain kind, burn's own ops for the rest.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::tensor::DType;

use super::MaxPoolBackend;
use super::burn_ops as pool_ops;
use super::cpu::{self, PoolGeometry};
use crate::kernels::flex::{slice, tensor, values};

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
        cpu::forward(&g, slice(&x), &mut out);
        let [batch, channels, _, _] = <[usize; 4]>::try_from(x.shape().as_slice()).expect("4D");
        tensor(out, [batch, channels, g.out_h(), g.out_w()])
    }

    fn max_pool2d_windows_grad(x: FlexTensor, grad: FlexTensor, size: usize) -> FlexTensor {
        let Some(g) = pool_geometry(&x, size).filter(|_| grad.dtype() == DType::F32) else {
            return pool_ops::max_pool2d_windows_grad::<Self>(x, grad, size);
        };
        let (x, grad) = (values(&x), values(&grad));
        let dx = cpu::backward(&g, slice(&x), slice(&grad));
        tensor(dx, x.shape().as_slice())
    }
}
