use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use super::summary::layer_shapes;
use super::{Activation, Architecture, LayerSpec, Padding};
use crate::kernels::{conv2d_relu, dropout, max_pool2d};

/// A layer before `Flatten`, working on `[batch, channels, height, width]`.
#[derive(Module, Debug)]
pub enum ImageLayer {
    /// Convolution followed by ReLU (every convolution of the tutorial has one).
    Conv(Conv2d),
    MaxPool(MaxPool2d),
    Dropout(Dropout),
}

/// A layer after `Flatten`, working on `[batch, features]`.
#[derive(Module, Debug)]
pub enum VectorLayer {
    DenseRelu(Linear),
    /// The output layer: logits (softmax is applied by the loss and by evaluation).
    DenseLogits(Linear),
    Dropout(Dropout),
}

/// One of the tutorial's sequential CNNs.
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
    /// Builds `architecture` with freshly initialised weights. Seed the device first
    /// (`device.seed(s)`) for reproducible weights.
    pub fn new(architecture: Architecture, device: &Device) -> Self {
        let layers = architecture.layers();
        let shapes = layer_shapes(&layers);
        let mut channels = crate::data::IMAGE_CHANNELS;
        let mut features = 0;
        let mut image_layers = Vec::new();
        let mut vector_layers = Vec::new();
        for (layer, (shape, _)) in layers.iter().zip(&shapes) {
            let flattened = shape.len() == 1;
            match *layer {
                LayerSpec::Conv2d {
                    filters,
                    kernel,
                    padding,
                } => {
                    let padding = match padding {
                        Padding::Valid => PaddingConfig2d::Valid,
                        Padding::Same => PaddingConfig2d::Same,
                    };
                    let mut conv = Conv2dConfig::new([channels, filters], [kernel, kernel])
                        .with_padding(padding)
                        .with_initializer(GLOROT_UNIFORM)
                        .init(device);
                    conv.bias = zero_bias(filters, device);
                    channels = filters;
                    image_layers.push(ImageLayer::Conv(conv));
                }
                LayerSpec::MaxPool2d { size } => {
                    let pool = MaxPool2dConfig::new([size, size])
                        .with_strides([size, size])
                        .init();
                    image_layers.push(ImageLayer::MaxPool(pool));
                }
                LayerSpec::Dropout { rate } => {
                    let layer = DropoutConfig::new(rate).init();
                    if flattened {
                        vector_layers.push(VectorLayer::Dropout(layer));
                    } else {
                        image_layers.push(ImageLayer::Dropout(layer));
                    }
                }
                LayerSpec::Flatten => features = shape[0],
                LayerSpec::Dense { units, activation } => {
                    let mut dense = LinearConfig::new(features, units)
                        .with_initializer(GLOROT_UNIFORM)
                        .init(device);
                    dense.bias = zero_bias(units, device);
                    features = units;
                    vector_layers.push(match activation {
                        Activation::Relu => VectorLayer::DenseRelu(dense),
                        Activation::Softmax => VectorLayer::DenseLogits(dense),
                    });
                }
            }
        }
        Self {
            image_layers,
            vector_layers,
        }
    }

    /// `[batch, 3, 32, 32]` images in [0, 1] → `[batch, 10]` logits.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        let mut x = images;
        for layer in &self.image_layers {
            x = match layer {
                ImageLayer::Conv(conv) => conv2d_relu(conv, x),
                ImageLayer::MaxPool(pool) => max_pool2d(pool, x),
                ImageLayer::Dropout(layer) => dropout(layer, x),
            };
        }
        // NCHW flattening order differs from Keras' NHWC, which only permutes the rows of the
        // first dense kernel: the model is the same.
        let mut x: Tensor<2> = x.flatten(1, 3);
        for layer in &self.vector_layers {
            x = match layer {
                VectorLayer::DenseRelu(dense) => relu(dense.forward(x)),
                VectorLayer::DenseLogits(dense) => dense.forward(x),
                VectorLayer::Dropout(layer) => dropout(layer, x),
            };
        }
        x
    }
}
