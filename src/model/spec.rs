//! A model as plain data: a list of layers, checked once (shapes, caps) and then built by
//! `network` and summarised by `summary`. Presets are named lists (`presets`); users write
//! their own in the text form `parse` reads.

use std::fmt;

use super::check::{LayerShape, ModelError, check_batch, check_layers};
use super::presets::Architecture;

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

/// The model a run trains: one of the presets, or a layer list the user wrote. Built only
/// through [`ModelSpec::preset`] and [`ModelSpec::parse`], so its layers always fit together
/// and stay under the caps.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    preset: Option<Architecture>,
    layers: Vec<LayerSpec>,
}

impl ModelSpec {
    pub fn preset(architecture: Architecture) -> Self {
        Self {
            preset: Some(architecture),
            layers: architecture.layers(),
        }
    }

    /// A preset's name (`plain`), or a layer list (`conv 32 3 relu, maxpool 2, flatten,
    /// dense 10`; commas or new lines between layers).
    pub fn parse(text: &str) -> Result<Self, ModelError> {
        if let Ok(architecture) = text.trim().parse::<Architecture>() {
            return Ok(Self::preset(architecture));
        }
        let one_word = !text
            .trim()
            .contains(|c: char| c.is_whitespace() || ",;".contains(c));
        let layers = super::parse::parse_layers(text).map_err(|error| match error {
            // Most likely a misspelt preset, not a one-layer model.
            ModelError::Layer { .. } if one_word => ModelError::Unknown(text.trim().into()),
            error => error,
        })?;
        check_layers(&layers)?;
        Ok(Self {
            preset: None,
            layers,
        })
    }

    pub fn layers(&self) -> &[LayerSpec] {
        &self.layers
    }

    /// Each layer's output shape and parameters.
    pub fn shapes(&self) -> Vec<LayerShape> {
        check_layers(&self.layers).expect("a ModelSpec is checked when it is made")
    }

    /// Refuses a batch size whose activations, with the convolutions' scratch memory on as
    /// many threads as the CPU kernels use here, would not fit in memory.
    pub fn check_batch(&self, batch: usize) -> Result<(), ModelError> {
        check_batch(
            &self.layers,
            &self.shapes(),
            batch,
            crate::kernels::parallel::threads(),
        )
    }

    pub fn as_preset(&self) -> Option<Architecture> {
        self.preset
    }

    /// What runs and summaries call it: the preset's name, or `custom`.
    pub fn name(&self) -> &'static str {
        self.preset.map_or("custom", Architecture::name)
    }

    /// The epochs a run of it takes unless told otherwise: the tutorial's for its models.
    pub fn default_epochs(&self) -> usize {
        self.preset.map_or(10, Architecture::tutorial_epochs)
    }

    /// The layer list in the text form [`parse`](Self::parse) reads.
    pub fn layer_text(&self) -> String {
        let layers: Vec<String> = self.layers.iter().map(ToString::to_string).collect();
        layers.join(", ")
    }
}

impl From<Architecture> for ModelSpec {
    fn from(architecture: Architecture) -> Self {
        Self::preset(architecture)
    }
}

/// The preset's name, or the layer list: what config files and links carry.
impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.preset {
            Some(architecture) => f.write_str(architecture.name()),
            None => f.write_str(&self.layer_text()),
        }
    }
}

impl std::str::FromStr for ModelSpec {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

// As a string, so config files written before custom models (`"model": "plain"`) still read.
impl serde::Serialize for ModelSpec {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ModelSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_files_carry_a_presets_name_or_the_layer_list() {
        let preset = ModelSpec::preset(Architecture::Deeper);
        assert_eq!(serde_json::to_string(&preset).unwrap(), "\"deeper\"");
        let custom = ModelSpec::parse("conv 8 3 gelu, maxpool 2, flatten, dense 10").unwrap();
        let json = serde_json::to_string(&custom).unwrap();
        assert_eq!(json, "\"conv 8 3 gelu, maxpool 2, flatten, dense 10\"");
        assert_eq!(serde_json::from_str::<ModelSpec>(&json).unwrap(), custom);
        assert_eq!((custom.name(), custom.default_epochs()), ("custom", 10));
        let bad = serde_json::from_str::<ModelSpec>("\"conv 8 3, dense 10\"").unwrap_err();
        assert!(bad.to_string().contains("layer 2 `dense 10`"), "{bad}");
    }

    #[test]
    fn one_unknown_word_is_taken_for_a_misspelt_preset() {
        let error = ModelSpec::parse(" resnet ").unwrap_err();
        assert_eq!(error, ModelError::Unknown("resnet".into()));
        assert!(
            error
                .to_string()
                .contains("a preset (plain, dropout, deeper, deeper-bn, fast94)")
        );
        let error = ModelSpec::parse("flatten").unwrap_err();
        assert!(matches!(error, ModelError::Output(_)), "{error}");
    }
}
