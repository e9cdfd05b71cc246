//! What a training recipe changes in a freshly built model, as airbench sets up its
//! network: the whitening filters from the data, PyTorch's initialisation with identity
//! filters and no biases, batch norms that train only their shift with a faster-moving
//! running average, and the whitening bias frozen after a few epochs.

use burn::module::{Module, ModuleVisitor, Param};
use burn::nn::BatchNorm;
use burn::nn::conv::Conv2d;
use burn::tensor::{Distribution, Tensor, TensorData};

use super::network::{Cnn, ImageLayer, VectorLayer};
use super::whitening_filters;

impl Cnn {
    /// Sets every whitening layer's filters from the patches of `images` (channel-major bytes).
    pub fn whitened<'a>(mut self, images: impl Iterator<Item = &'a [u8]> + Clone) -> Self {
        for layer in &mut self.image_layers {
            if let ImageLayer::Whiten(conv) = layer {
                let [filters, channels, kernel, _] = conv.weight.dims();
                let device = conv.weight.val().device();
                let found = whitening_filters(images.clone(), kernel);
                let weight = TensorData::new(found.weight, [filters, channels, kernel, kernel]);
                conv.weight =
                    Param::from_tensor(Tensor::from_data(weight, &device)).set_require_grad(false);
                conv.bias = Some(Param::from_tensor(Tensor::from_data(
                    TensorData::new(found.bias, [filters]),
                    &device,
                )));
            }
        }
        self
    }

    /// Starts each convolution's first filters as the identity (PyTorch's `dirac_` on the
    /// first `inputs` filters, as airbench does): the network begins close to passing its
    /// whitened input through, which trains faster.
    pub fn with_identity_filters(mut self) -> Self {
        for conv in self.convolutions_mut() {
            let [outputs, inputs, kh, kw] = conv.weight.dims();
            if kh % 2 == 0 || kw % 2 == 0 {
                continue;
            }
            let mut keep = vec![1.0f32; outputs * inputs * kh * kw];
            let mut identity = vec![0.0f32; keep.len()];
            for o in 0..outputs.min(inputs) {
                let filter = o * inputs * kh * kw;
                keep[filter..filter + inputs * kh * kw].fill(0.0);
                identity[filter + o * kh * kw + (kh / 2) * kw + kw / 2] = 1.0;
            }
            let shape = [outputs, inputs, kh, kw];
            conv.weight = conv.weight.clone().map(|w| {
                // Computed off the autodiff graph, so the result is a fresh leaf again.
                let w = w.inner();
                let device = w.device();
                let keep = Tensor::<4>::from_data(TensorData::new(keep, shape), &device);
                let identity = Tensor::<4>::from_data(TensorData::new(identity, shape), &device);
                Tensor::from_inner(w * keep + identity).require_grad()
            });
        }
        self
    }

    /// PyTorch's default initialisation, which airbench keeps (the identity filters go on
    /// top): weights uniform within ±1/√fan-in, and no biases (each is frozen at zero; a
    /// batch norm's shift takes their place). Keras' Glorot draws the 256-wide convolutions
    /// 1.7× larger, and under batch norm a larger weight learns more slowly.
    pub fn with_fan_in_weights(mut self) -> Self {
        fn fan_in_uniform<const D: usize>(
            weight: Param<Tensor<D>>,
            fan_in: usize,
        ) -> Param<Tensor<D>> {
            let bound = 1.0 / (fan_in as f64).sqrt();
            weight.map(|w| {
                Tensor::random(w.shape(), Distribution::Uniform(-bound, bound), &w.device())
                    .require_grad()
            })
        }
        fn no_bias(bias: &mut Option<Param<Tensor<1>>>) {
            if let Some(b) = bias.take() {
                let zeros = b.val().zeros_like().inner();
                *bias = Some(Param::from_tensor(Tensor::from_inner(zeros)).set_require_grad(false));
            }
        }
        for conv in self.convolutions_mut() {
            let [_, inputs, kh, kw] = conv.weight.dims();
            conv.weight = fan_in_uniform(conv.weight.clone(), inputs * kh * kw);
            no_bias(&mut conv.bias);
        }
        for layer in &mut self.vector_layers {
            if let VectorLayer::DenseRelu(dense)
            | VectorLayer::DenseLogits(dense)
            | VectorLayer::DenseGelu(dense) = layer
            {
                let [inputs, _] = dense.weight.dims();
                dense.weight = fan_in_uniform(dense.weight.clone(), inputs);
                no_bias(&mut dense.bias);
            }
        }
        self
    }

    /// Freezes every batch norm's scale at 1 (airbench trains only the shift).
    pub fn with_fixed_norm_scales(mut self) -> Self {
        for norm in self.norms_mut() {
            norm.gamma = norm.gamma.clone().set_require_grad(false);
        }
        self
    }

    /// Sets how much of each batch's statistics the batch norms' running averages take in
    /// (burn's default 0.1; airbench's 0.4 follows the fast-moving weights more closely).
    pub fn with_norm_momentum(mut self, momentum: f64) -> Self {
        for norm in self.norms_mut() {
            norm.momentum = momentum;
        }
        self
    }

    /// Stops training the whitening layers' bias (airbench trains it for the first epochs).
    pub fn with_whitening_bias_frozen(mut self) -> Self {
        for layer in &mut self.image_layers {
            if let ImageLayer::Whiten(conv) = layer {
                conv.bias = conv.bias.take().map(|b| b.set_require_grad(false));
            }
        }
        self
    }

    /// The batch norms' shifts: airbench trains them with a 64× larger learning rate.
    pub fn norm_shifts(&self) -> Vec<Param<Tensor<1>>> {
        self.norms().map(|norm| norm.beta.clone()).collect()
    }

    /// How many parameters training will change: those the recipe froze (the whitening
    /// filters, airbench's zero biases and fixed batch-norm scales) do not count.
    pub fn trainable_params(&self) -> usize {
        #[derive(Default)]
        struct Count(usize);
        impl ModuleVisitor for Count {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let tensor = param.val();
                if tensor.is_require_grad() {
                    self.0 += tensor.shape().num_elements();
                }
            }
        }
        let mut count = Count::default();
        self.visit(&mut count);
        count.0
    }

    /// Folds in the running statistics of the last training step, which burn keeps aside
    /// until the next forward pass: a mapper (lookahead) then reads and writes current ones.
    pub fn sync_running_stats(&self) {
        for norm in self.norms() {
            norm.running_mean.value_sync();
            norm.running_var.value_sync();
        }
    }

    fn norms(&self) -> impl Iterator<Item = &BatchNorm> {
        let images = self.image_layers.iter().filter_map(|l| match l {
            ImageLayer::BatchNorm(norm) => Some(norm),
            _ => None,
        });
        let vectors = self.vector_layers.iter().filter_map(|l| match l {
            VectorLayer::BatchNorm(norm) => Some(norm),
            _ => None,
        });
        images.chain(vectors)
    }

    fn norms_mut(&mut self) -> impl Iterator<Item = &mut BatchNorm> {
        let images = self.image_layers.iter_mut().filter_map(|l| match l {
            ImageLayer::BatchNorm(norm) => Some(norm),
            _ => None,
        });
        let vectors = self.vector_layers.iter_mut().filter_map(|l| match l {
            VectorLayer::BatchNorm(norm) => Some(norm),
            _ => None,
        });
        images.chain(vectors)
    }

    /// The ordinary convolutions (not the whitening layer).
    fn convolutions_mut(&mut self) -> impl Iterator<Item = &mut Conv2d> {
        self.image_layers.iter_mut().filter_map(|l| match l {
            ImageLayer::Conv(conv) | ImageLayer::ConvLinear(conv) | ImageLayer::ConvGelu(conv) => {
                Some(conv)
            }
            _ => None,
        })
    }
}
