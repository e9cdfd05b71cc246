//! A checked layer list built as burn modules, and its forward pass.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Gelu, Initializer, Linear, LinearConfig,
    PaddingConfig2d, Relu,
};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use super::{Activation, LayerSpec, ModelSpec, Padding, PlacedLayer};
use crate::kernels::{batch_norm, conv2d_linear, conv2d_relu, dropout, gelu, max_pool2d};

// Variant names are part of the saved weights' paths: new kinds get new variants, and the
// first ones keep their names so weights saved before them still load.

/// A layer before `Flatten`, working on `[batch, channels, height, width]`.
#[derive(Module, Debug)]
pub enum ImageLayer {
    /// Convolution followed by ReLU, fused (every convolution of the tutorial has one).
    Conv(Conv2d),
    /// Convolution without an activation (one is usually after a batch norm instead).
    ConvLinear(Conv2d),
    ConvGelu(Conv2d),
    MaxPool(MaxPool2d),
    Dropout(Dropout),
    BatchNorm(BatchNorm),
    Relu(Relu),
    Gelu(Gelu),
    /// Frozen filters set from the data (see `whiten`); the bias trains.
    Whiten(Conv2d),
    Rescale(f64),
}

/// A layer after `Flatten`, working on `[batch, features]`.
#[derive(Module, Debug)]
pub enum VectorLayer {
    DenseRelu(Linear),
    /// Dense without an activation: the output layer's logits (softmax is applied by the
    /// loss and by evaluation), or a hidden layer before a batch norm.
    DenseLogits(Linear),
    DenseGelu(Linear),
    Dropout(Dropout),
    BatchNorm(BatchNorm),
    Relu(Relu),
    Gelu(Gelu),
    Rescale(f64),
}

/// A sequential CNN built from a [`ModelSpec`].
#[derive(Module, Debug)]
pub struct Cnn {
    pub image_layers: Vec<ImageLayer>,
    pub vector_layers: Vec<VectorLayer>,
}

// Keras' defaults: glorot-uniform kernels and zero biases.
const GLOROT_UNIFORM: Initializer = Initializer::XavierUniform { gain: 1.0 };

fn zero_bias(len: usize, device: &Device) -> Option<Param<Tensor<1>>> {
    Some(Param::from_tensor(Tensor::zeros([len], device)))
}

impl Cnn {
    /// Builds `model` with freshly initialised weights. Seed the device first
    /// (`device.seed(s)`) for reproducible weights.
    pub fn new(model: &ModelSpec, device: &Device) -> Self {
        let mut cnn = Self {
            image_layers: Vec::new(),
            vector_layers: Vec::new(),
        };
        for PlacedLayer {
            layer,
            inputs,
            outputs,
            flattened,
        } in model.placed()
        {
            match layer {
                LayerSpec::Conv2d {
                    filters,
                    kernel,
                    padding,
                    activation,
                } => {
                    let padding = match padding {
                        Padding::Valid => PaddingConfig2d::Valid,
                        Padding::Same => PaddingConfig2d::Same,
                    };
                    let mut conv = Conv2dConfig::new([inputs, filters], [kernel, kernel])
                        .with_padding(padding)
                        .with_initializer(GLOROT_UNIFORM)
                        .init(device);
                    conv.bias = zero_bias(filters, device);
                    cnn.image_layers.push(match activation {
                        Some(Activation::Relu) => ImageLayer::Conv(conv),
                        Some(Activation::Gelu) => ImageLayer::ConvGelu(conv),
                        None => ImageLayer::ConvLinear(conv),
                    });
                }
                LayerSpec::MaxPool2d { size } => {
                    let pool = MaxPool2dConfig::new([size, size])
                        .with_strides([size, size])
                        .init();
                    cnn.image_layers.push(ImageLayer::MaxPool(pool));
                }
                LayerSpec::Dropout { rate } => {
                    let layer = DropoutConfig::new(rate).init();
                    cnn.push_either(flattened, layer, ImageLayer::Dropout, VectorLayer::Dropout);
                }
                LayerSpec::BatchNorm => {
                    let norm = BatchNormConfig::new(outputs).init(device);
                    cnn.push_either(
                        flattened,
                        norm,
                        ImageLayer::BatchNorm,
                        VectorLayer::BatchNorm,
                    );
                }
                LayerSpec::Activation(Activation::Relu) => {
                    cnn.push_either(flattened, Relu, ImageLayer::Relu, VectorLayer::Relu);
                }
                LayerSpec::Activation(Activation::Gelu) => {
                    cnn.push_either(flattened, Gelu::new(), ImageLayer::Gelu, VectorLayer::Gelu);
                }
                LayerSpec::Whiten { kernel } => {
                    let mut conv = Conv2dConfig::new([inputs, outputs], [kernel, kernel])
                        .with_initializer(GLOROT_UNIFORM)
                        .init(device);
                    conv.weight = conv.weight.set_require_grad(false);
                    conv.bias = zero_bias(outputs, device);
                    cnn.image_layers.push(ImageLayer::Whiten(conv));
                }
                LayerSpec::Rescale { factor } => {
                    cnn.push_either(flattened, factor, ImageLayer::Rescale, VectorLayer::Rescale);
                }
                LayerSpec::Flatten => {}
                LayerSpec::Dense { units, activation } => {
                    let mut dense = LinearConfig::new(inputs, units)
                        .with_initializer(GLOROT_UNIFORM)
                        .init(device);
                    dense.bias = zero_bias(units, device);
                    cnn.vector_layers.push(match activation {
                        Some(Activation::Relu) => VectorLayer::DenseRelu(dense),
                        Some(Activation::Gelu) => VectorLayer::DenseGelu(dense),
                        None => VectorLayer::DenseLogits(dense),
                    });
                }
            }
        }
        cnn
    }

    /// Batch norm, dropout and activations go on whichever side of `flatten` they are.
    fn push_either<T>(
        &mut self,
        flattened: bool,
        layer: T,
        image: fn(T) -> ImageLayer,
        vector: fn(T) -> VectorLayer,
    ) {
        if flattened {
            self.vector_layers.push(vector(layer));
        } else {
            self.image_layers.push(image(layer));
        }
    }

    /// `[batch, 3, 32, 32]` images in [0, 1] → `[batch, 10]` logits.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for layer in &self.image_layers {
            x = match layer {
                ImageLayer::Conv(conv) => conv2d_relu(conv, x),
                ImageLayer::ConvLinear(conv) => conv2d_linear(conv, x),
                ImageLayer::ConvGelu(conv) => gelu(conv2d_linear(conv, x)),
                ImageLayer::MaxPool(pool) => max_pool2d(pool, x),
                ImageLayer::Dropout(layer) => dropout(layer, x),
                ImageLayer::BatchNorm(norm) => batch_norm(norm, x),
                ImageLayer::Relu(_) => relu(x),
                ImageLayer::Gelu(_) => gelu(x),
                ImageLayer::Whiten(conv) => conv2d_linear(conv, x),
                ImageLayer::Rescale(factor) => x.mul_scalar(*factor),
            };
        }
        // NCHW flattening order differs from Keras' NHWC, which only permutes the rows of the
        // first dense kernel: the model is the same.
        let mut x: Tensor<2> = x.flatten(1, 3);
        for layer in &self.vector_layers {
            x = match layer {
                VectorLayer::DenseRelu(dense) => relu(dense.forward(x)),
                VectorLayer::DenseLogits(dense) => dense.forward(x),
                VectorLayer::DenseGelu(dense) => gelu(dense.forward(x)),
                VectorLayer::Dropout(layer) => dropout(layer, x),
                VectorLayer::BatchNorm(norm) => batch_norm(norm, x),
                VectorLayer::Relu(_) => relu(x),
                VectorLayer::Gelu(_) => gelu(x),
                VectorLayer::Rescale(factor) => x.mul_scalar(*factor),
            };
        }
        x
    }
}
