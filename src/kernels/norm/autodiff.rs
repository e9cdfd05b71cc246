//! Batch norm's backward pass: the batch statistics are kept from the forward, as burn's own
//! batch norm does.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;

use super::BatchNormBackend;

#[derive(Debug)]
struct BatchNormBackward;

impl<B: BatchNormBackend> Backward<B, 3> for BatchNormBackward {
    /// Input, gamma, the batch's mean and variance, and ε.
    type State = (
        FloatTensor<B>,
        FloatTensor<B>,
        FloatTensor<B>,
        FloatTensor<B>,
        f64,
    );

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x_node, gamma_node, beta_node] = ops.parents;
        let (x, gamma, mean, variance, epsilon) = ops.state;
        let grad = grads.consume::<B>(&ops.node);
        let (x_grad, gamma_grad, beta_grad) =
            B::batch_norm_train_grads(x, gamma, mean, variance, epsilon, grad);
        for (node, grad) in [
            (x_node, x_grad),
            (gamma_node, gamma_grad),
            (beta_node, beta_grad),
        ] {
            if let Some(node) = node {
                grads.register::<B>(node.id, grad);
            }
        }
    }
}

impl<B: BatchNormBackend, C: CheckpointStrategy> BatchNormBackend for Autodiff<B, C> {
    fn batch_norm_train_fused(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let prep = BatchNormBackward
            .prepare::<C>([x.node(), gamma.node(), beta.node()])
            .compute_bound()
            .stateful();
        let (x, gamma, beta) = (
            x.into_primitive(),
            gamma.into_primitive(),
            beta.into_primitive(),
        );
        let (output, mean, variance) =
            B::batch_norm_train_fused(x.clone(), gamma.clone(), beta, epsilon);
        let output = match prep {
            OpsKind::Tracked(prep) => {
                prep.finish((x, gamma, mean.clone(), variance.clone(), epsilon), output)
            }
            OpsKind::UnTracked(prep) => prep.finish(output),
        };
        // The statistics are leaves: they feed the running averages, not the loss.
        (
            output,
            FloatTensor::<Self>::new(mean),
            FloatTensor::<Self>::new(variance),
        )
    }
}
