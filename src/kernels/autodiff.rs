//! The backward passes of the extension ops. The fused convolution + ReLU masks the incoming
//! gradient with its output (ReLU's derivative; a convolution without ReLU passes it as is), then asks the inner backend for the gradients
//! that are needed; max pooling hands the gradient to the windows' maxima; the batch norm
//! keeps its batch statistics for the backward, as burn's own batch norm does.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::ops::ConvOptions;
use burn::backend::tensor::FloatTensor;

use super::{BatchNormBackend, ConvBackend, GeluBackend, MaxPoolBackend};

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

#[derive(Debug)]
struct GeluBackward;

impl<B: GeluBackend> Backward<B, 1> for GeluBackward {
    /// The input.
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [x_node] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = x_node {
            grads.register::<B>(node.id, B::gelu_grad(ops.state, grad));
        }
    }
}

impl<B: GeluBackend, C: CheckpointStrategy> GeluBackend for Autodiff<B, C> {
    fn gelu_fused(x: FloatTensor<Self>) -> FloatTensor<Self> {
        let prep = GeluBackward
            .prepare::<C>([x.node()])
            .compute_bound()
            .stateful();
        let x = x.into_primitive();
        match prep {
            OpsKind::Tracked(prep) => {
                let output = B::gelu_fused(x.clone());
                prep.finish(x, output)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::gelu_fused(x)),
        }
    }
}
