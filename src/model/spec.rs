//! A model as plain data: a list of layers, checked once (shapes, caps) and then built by
//! `network` and summarised by `summary`. Presets are named lists (`presets`); users write
//! their own in the text form `parse` reads.

use std::fmt;

use super::check::{LayerShape, ModelError, check_batch, check_layers};
use super::layer::LayerSpec;
use super::presets::Architecture;

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

    /// Each layer with the widths around it, which whatever builds the model (burn's
    /// network, PyTorch's `nn.Sequential`) needs: channels before `flatten`, features after.
    pub fn placed(&self) -> Vec<PlacedLayer> {
        let mut inputs = crate::data::IMAGE_CHANNELS;
        self.layers
            .iter()
            .zip(self.shapes())
            .map(|(&layer, shape)| {
                let outputs = *shape.output.last().expect("shapes are never empty");
                let placed = PlacedLayer {
                    layer,
                    inputs,
                    outputs,
                    flattened: shape.output.len() == 1,
                };
                inputs = outputs;
                placed
            })
            .collect()
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

/// A layer of a [`ModelSpec`] and the widths around it ([`ModelSpec::placed`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacedLayer {
    pub layer: LayerSpec,
    /// Channels (of an image) or features (after `flatten`) coming in.
    pub inputs: usize,
    /// And going out: a convolution's filters, a dense layer's units; `flatten`'s features.
    pub outputs: usize,
    /// At or after `flatten`: the layer works on vectors.
    pub flattened: bool,
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
