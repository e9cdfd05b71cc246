//! Max pooling's backward pass: the gradient handed to each window's maximum.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;

use super::MaxPoolBackend;

#[derive(Debug)]
struct MaxPoolBackward;

impl<B: MaxPoolBackend> Backward<B, 1> for MaxPoolBackward {
    /// The input and the window size.
    type State = (FloatTensor<B>, usize);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x_node] = ops.parents;
        let (x, size) = ops.state;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = x_node {
            grads.register::<B>(node.id, B::max_pool2d_windows_grad(x, grad, size));
        }
    }
}

impl<B: MaxPoolBackend, C: CheckpointStrategy> MaxPoolBackend for Autodiff<B, C> {
    fn max_pool2d_windows(x: FloatTensor<Self>, size: usize) -> FloatTensor<Self> {
        let prep = MaxPoolBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful();
        let x = x.into_primitive();
        match prep {
            OpsKind::Tracked(prep) => {
                let output = B::max_pool2d_windows(x.clone(), size);
                prep.finish((x, size), output)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::max_pool2d_windows(x, size)),
        }
    }
}
