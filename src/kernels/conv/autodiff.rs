//! The fused convolution's backward pass: the incoming gradient masked with the output
//! (ReLU's derivative; a convolution without ReLU passes it as is), then the inner backend
//! asked for the gradients that are needed.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::ConvOptions;
use burn::backend::tensor::FloatTensor;

use super::ConvBackend;

#[derive(Debug)]
struct ConvBackward;

impl<B: ConvBackend> Backward<B, 3> for ConvBackward {
    /// Input, weight, bias, the op's output if it went through ReLU (for ReLU's mask) and the
    /// options.
    type State = (
        FloatTensor<B>,
        FloatTensor<B>,
        FloatTensor<B>,
        Option<FloatTensor<B>>,
        ConvOptions<2>,
    );

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x_node, weight_node, bias_node] = ops.parents;
        let (x, weight, bias, relu_output, options) = ops.state;
        let grad = grads.consume::<B>(&ops.node);
        let grad = match relu_output {
            Some(output) => B::relu_backward(output, grad),
            None => grad,
        };
        if let Some(node) = x_node {
            let input_grad =
                B::conv2d_input_grad(x.clone(), weight.clone(), grad.clone(), options.clone());
            grads.register::<B>(node.id, input_grad);
        }
        if weight_node.is_some() || bias_node.is_some() {
            let (weight_grad, bias_grad) = B::conv2d_param_grads(x, weight, bias, grad, options);
            if let Some(node) = weight_node {
                grads.register::<B>(node.id, weight_grad);
            }
            if let Some(node) = bias_node {
                grads.register::<B>(node.id, bias_grad);
            }
        }
    }
}

impl<B: ConvBackend, C: CheckpointStrategy> ConvBackend for Autodiff<B, C> {
    fn conv2d_fused(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
        relu: bool,
    ) -> FloatTensor<Self> {
        let prep = ConvBackward
            .prepare::<C>([x.node(), weight.node(), bias.node()])
            .compute_bound()
            .stateful();
        let (x, weight, bias) = (
            x.into_primitive(),
            weight.into_primitive(),
            bias.into_primitive(),
        );
        match prep {
            OpsKind::Tracked(prep) => {
                let output = B::conv2d_fused(
                    x.clone(),
                    weight.clone(),
                    bias.clone(),
                    options.clone(),
                    relu,
                );
                let mask = relu.then(|| output.clone());
                prep.finish((x, weight, bias, mask, options), output)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::conv2d_fused(x, weight, bias, options, relu))
            }
        }
    }
}
