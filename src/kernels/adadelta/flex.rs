//! Adadelta's update on burn's CPU backend (`flex`): [`cpu::step`](super::cpu::step) on the
//! tensors' own buffers, copied first only where another tensor shares them.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::flex::FlexTensor;
use burn::tensor::DType;

use super::{AdadeltaBackend, AdadeltaStep, burn_ops, cpu};
use crate::kernels::flex::{slice, tensor, values};

impl AdadeltaBackend for Flex {
    fn adadelta_step(
        param: FlexTensor,
        grad: FlexTensor,
        square_grad: FlexTensor,
        square_update: FlexTensor,
        settings: AdadeltaStep,
    ) -> (FlexTensor, FlexTensor, FlexTensor) {
        let tensors = [&param, &grad, &square_grad, &square_update];
        let shape = param.shape();
        if tensors
            .iter()
            .any(|t| t.dtype() != DType::F32 || t.shape() != shape)
        {
            return burn_ops::adadelta_step::<Self>(
                param,
                grad,
                square_grad,
                square_update,
                settings,
            );
        }
        let (mut param, mut square_grad, mut square_update) =
            (owned(param), owned(square_grad), owned(square_update));
        let grad = values(&grad);
        cpu::step(
            param.storage_mut(),
            slice(&grad),
            square_grad.storage_mut(),
            square_update.storage_mut(),
            settings,
        );
        (param, square_grad, square_update)
    }
}

/// `t` with a buffer of exactly its values, in order: as it is when it has one (the
/// optimizer's tensors, step after step), else a copy. Writing to a buffer another tensor
/// shares copies it first (`storage_mut`), so nothing else sees the update.
fn owned(t: FlexTensor) -> FlexTensor {
    let len = t.shape().num_elements();
    if t.storage::<f32>().len() == len && t.as_slice::<f32>().is_some() {
        return t;
    }
    tensor(slice(&values(&t)).to_vec(), t.shape().as_slice())
}
