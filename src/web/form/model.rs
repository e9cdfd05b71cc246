//! The form's model fields: a preset select and the layer list beside it (`rules` says how
//! they follow each other). Plain Rust, so the live preview (parameter count, summary, the
//! error naming the bad layer) is tested natively.

use crate::model::{Architecture, ModelSpec, Summary, group_thousands};

/// The model select's value for a layer list the user writes.
pub const CUSTOM: &str = "custom";

/// What the page shows under the model fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPreview {
    /// The Keras-style summary; empty while the layers do not make a model.
    pub summary: String,
    /// One line: the parameter count, or what is wrong and where.
    pub status: String,
    pub valid: bool,
}

/// The model the two fields describe.
pub fn model_of(select: &str, layers: &str) -> Result<ModelSpec, String> {
    match select.trim() {
        CUSTOM => ModelSpec::parse(layers).map_err(|e| e.to_string()),
        name => name
            .parse::<Architecture>()
            .map(ModelSpec::preset)
            .map_err(|e| e.to_string()),
    }
}

/// The layer list to show for a preset, one layer a line (`None` for `custom`: the user's
/// text stays, which starts as the list of the preset chosen before).
pub fn preset_layers(select: &str) -> Option<String> {
    let preset = select.trim().parse::<Architecture>().ok()?;
    let model = ModelSpec::preset(preset);
    let layers: Vec<String> = model.layers().iter().map(ToString::to_string).collect();
    Some(layers.join("\n"))
}

pub fn preview(select: &str, layers: &str) -> ModelPreview {
    match model_of(select, layers) {
        Ok(model) => {
            let summary = Summary::new(&model);
            let fixed = match summary.non_trainable_params {
                0 => String::new(),
                n => format!(" ({} of them batch-norm statistics)", group_thousands(n)),
            };
            ModelPreview {
                status: format!(
                    "{} layers, {} parameters{fixed}",
                    model.layers().len(),
                    group_thousands(summary.total_params)
                ),
                summary: summary.to_string(),
                valid: true,
            }
        }
        Err(error) => ModelPreview {
            summary: String::new(),
            status: error,
            valid: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preset_shows_its_layers_and_count() {
        let p = preview("deeper", "");
        assert!(p.valid);
        assert_eq!(p.status, "12 layers, 1,250,858 parameters");
        assert!(p.summary.contains("Total params: 1,250,858"));
        let text = preset_layers("plain").unwrap();
        assert_eq!(
            text,
            "conv 32 3 relu\nconv 64 3 relu\nmaxpool 2\nflatten\ndense 128 relu\ndense 10"
        );
        assert_eq!(preset_layers(CUSTOM), None);
        // The shown text, edited or not, is the same model again.
        assert_eq!(
            model_of(CUSTOM, &text).unwrap().layers(),
            ModelSpec::preset(Architecture::Plain).layers()
        );
    }

    #[test]
    fn batch_norm_statistics_are_counted_apart() {
        let p = preview("deeper-bn", "");
        assert!(p.valid, "{}", p.status);
        assert!(
            p.status.contains("of them batch-norm statistics"),
            "{}",
            p.status
        );
        assert!(p.summary.contains("BatchNormalization"));
    }

    #[test]
    fn the_users_layers_are_previewed_live() {
        let p = preview(CUSTOM, "conv 16 3 relu, maxpool 2, flatten, dense 10");
        assert!(p.valid);
        // 3·3·3·16 + 16 = 448; 15·15·16 = 3,600 inputs · 10 + 10 = 36,010.
        assert_eq!(p.status, "4 layers, 36,458 parameters");
        let p = preview(CUSTOM, "conv 16 3 relu, maxpool 64, flatten, dense 10");
        assert!(!p.valid);
        assert_eq!(
            p.status,
            "layer 2 `maxpool 64`: a 64×64 pool does not fit the 30×30 image here"
        );
        assert!(p.summary.is_empty());
    }
}
