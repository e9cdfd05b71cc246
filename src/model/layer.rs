//! The vocabulary of a model: one [`LayerSpec`] per layer as Keras code writes it, with its
//! padding and activation, and the text form `parse` reads back. Nothing here checks how
//! layers fit together: that is `check`, and [`ModelSpec`](super::ModelSpec) holds a checked
//! list.

use std::fmt;

/// Keras' padding modes: `valid` (no padding, the output shrinks) and `same`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Padding {
    Valid,
    Same,
}

/// A hidden layer's nonlinearity. The output layer has none: the model returns logits, and
/// softmax is applied by the loss and by evaluation (numerically the same as Keras' softmax
/// layer + cross-entropy).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    Relu,
    Gelu,
}

impl Activation {
    pub fn name(self) -> &'static str {
        match self {
            Self::Relu => "relu",
            Self::Gelu => "gelu",
        }
    }
}

/// One layer of a sequential model, as Keras code writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LayerSpec {
    Conv2d {
        filters: usize,
        kernel: usize,
        padding: Padding,
        activation: Option<Activation>,
    },
    MaxPool2d {
        size: usize,
    },
    Dropout {
        rate: f64,
    },
    /// Normalises each channel (or feature) over the batch while training and with running
    /// statistics, saved with the weights, when evaluating.
    BatchNorm,
    Activation(Activation),
    Flatten,
    Dense {
        units: usize,
        activation: Option<Activation>,
    },
    /// A frozen `kernel`×`kernel` convolution on the input image whose `2·3·kernel²` filters
    /// whiten its patches: set before training from the training images' patch covariance
    /// (each eigenvector scaled by 1/√eigenvalue, and its negative), never trained after. Its
    /// bias trains. The first layer of airbench's fast recipe.
    Whiten {
        kernel: usize,
    },
    /// Multiplies by a constant (Keras' `Rescaling`): airbench scales its logits by 1/9.
    Rescale {
        factor: f64,
    },
}

/// The text form `parse` reads back: `conv 32 3 same relu`, `maxpool 2`, `dense 10`.
impl fmt::Display for LayerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let activation = |a: &Option<Activation>| a.map(|a| format!(" {}", a.name()));
        match self {
            Self::Conv2d {
                filters,
                kernel,
                padding,
                activation: a,
            } => {
                let same = if *padding == Padding::Same {
                    " same"
                } else {
                    ""
                };
                let a = activation(a).unwrap_or_default();
                write!(f, "conv {filters} {kernel}{same}{a}")
            }
            Self::MaxPool2d { size } => write!(f, "maxpool {size}"),
            Self::Dropout { rate } => write!(f, "dropout {rate}"),
            Self::BatchNorm => f.write_str("batchnorm"),
            Self::Activation(a) => f.write_str(a.name()),
            Self::Flatten => f.write_str("flatten"),
            Self::Dense {
                units,
                activation: a,
            } => write!(f, "dense {units}{}", activation(a).unwrap_or_default()),
            Self::Whiten { kernel } => write!(f, "whiten {kernel}"),
            Self::Rescale { factor } => write!(f, "rescale {factor}"),
        }
    }
}
