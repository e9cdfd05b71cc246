//! How the form's fields follow each other. Choosing a preset shows its layers and fills in
//! the settings its run wants (the tutorial's, or fast94's recipe); editing the layers makes
//! the model the user's own; choosing an optimizer brings its usual learning rate. The
//! session applies these ([`Session::update`](crate::web::session::Session::update)) and
//! the page fills in what they changed.

use super::model::{CUSTOM, preset_layers};
use super::{Field, FormValues};
use crate::model::Architecture;
use crate::optim::OptimizerKind;
use crate::train::TrainConfig;

impl FormValues {
    /// The form as the page opens with these values: a preset's layers are shown. Nothing
    /// else changes, so a shared link's settings stay as the link says.
    pub fn opened(mut self) -> Self {
        if let Some(layers) = preset_layers(&self[Field::Model]) {
            self.set(Field::Layers, layers);
        }
        self
    }

    /// The form after the user edited `field` (these values already hold the edit).
    pub fn edited(mut self, field: Field) -> Self {
        match field {
            Field::Model => {
                self = self.opened();
                for (field, value) in preset_settings(&self[Field::Model]) {
                    self.set(field, value);
                }
            }
            Field::Layers => {
                let shown = preset_layers(&self[Field::Model]);
                if shown.is_some_and(|preset| preset != self[Field::Layers]) {
                    self.set(Field::Model, CUSTOM);
                }
            }
            Field::Optimizer => {
                if let Ok(kind) = self.get(Field::Optimizer).parse::<OptimizerKind>() {
                    self.set(Field::LearningRate, kind.default_lr().to_string());
                }
            }
            _ => {}
        }
        self
    }
}

/// The fields a preset's run sets, and their values: the tutorial's settings, or fast94's
/// recipe. None for [`CUSTOM`]: a layer list keeps what the form holds.
pub fn preset_settings(select: &str) -> Vec<(Field, String)> {
    let Ok(preset) = select.trim().parse::<Architecture>() else {
        return Vec::new();
    };
    let config = TrainConfig::for_model(&preset.into());
    let mut settings = vec![
        (Field::Epochs, config.epochs.to_string()),
        (Field::BatchSize, config.batch_size.to_string()),
        (Field::Optimizer, config.optimizer.name().to_string()),
        (Field::LearningRate, config.lr.to_string()),
    ];
    if let Some(augment) = config.augment.name() {
        settings.push((Field::Augment, augment.to_string()));
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::form::tutorial;

    fn edit(form: &FormValues, field: Field, value: &str) -> FormValues {
        let mut form = form.clone();
        form.set(field, value);
        form.edited(field)
    }

    #[test]
    fn choosing_fast94_fills_in_its_recipe_and_a_tutorial_model_the_tutorials() {
        let fast = edit(&tutorial().opened(), Field::Model, "fast94");
        let values = |form: &FormValues| {
            [
                Field::Epochs,
                Field::BatchSize,
                Field::Optimizer,
                Field::LearningRate,
                Field::Augment,
            ]
            .map(|f| form.get(f).to_string())
        };
        assert_eq!(
            values(&fast),
            ["10", "1024", "nesterov", "1.5", "flip-shift-2"]
        );
        assert!(
            fast.get(Field::Layers).contains("gelu"),
            "{}",
            fast[Field::Layers]
        );
        // The seed, the data and the backend are the user's.
        assert_eq!(fast.get(Field::Seed), "42");
        assert_eq!(fast.get(Field::Subset), "all");
        let back = edit(&fast, Field::Model, "plain");
        assert_eq!(values(&back), ["8", "128", "adadelta", "1", "none"]);
        assert_eq!(back, tutorial().opened());
        assert_eq!(edit(&fast, Field::Model, "deeper").get(Field::Epochs), "15");
    }

    #[test]
    fn editing_the_layers_makes_the_model_the_users_own() {
        let form = tutorial().opened();
        let plain_layers = form[Field::Layers].clone();
        assert!(plain_layers.starts_with("conv 32 3 relu\n"));
        let mut edited = edit(&form, Field::Layers, "conv 8 3 relu, flatten, dense 10");
        assert_eq!(edited.get(Field::Model), CUSTOM);
        // Choosing custom keeps the text and the other settings.
        edited.set(Field::Epochs, "3");
        let kept = edit(&edited, Field::Model, CUSTOM);
        assert_eq!(kept, edited);
        // Typing a preset's own list back leaves the preset chosen.
        let same = edit(&form, Field::Layers, &plain_layers);
        assert_eq!(same.get(Field::Model), "plain");
    }

    #[test]
    fn an_optimizer_brings_its_learning_rate() {
        let form = tutorial().opened();
        let adam = edit(&form, Field::Optimizer, "adam");
        assert_eq!(adam.get(Field::LearningRate), "0.001");
        let back = edit(&adam, Field::Optimizer, "adadelta");
        assert_eq!(back.get(Field::LearningRate), "1");
        // An edit of the rate itself, or of another field, keeps it.
        let typed = edit(&adam, Field::LearningRate, "0.01");
        assert_eq!(
            edit(&typed, Field::Epochs, "3").get(Field::LearningRate),
            "0.01"
        );
    }

    #[test]
    fn opening_shows_a_presets_layers_and_keeps_the_rest() {
        let mut link = tutorial();
        link.set(Field::Model, "deeper");
        link.set(Field::Epochs, "3");
        let opened = link.clone().opened();
        assert_eq!(opened.get(Field::Epochs), "3");
        assert!(opened.get(Field::Layers).contains("conv 64 3 relu"));
        link.set(Field::Model, CUSTOM);
        link.set(Field::Layers, "conv 8 3, flatten, dense 10");
        assert_eq!(link.clone().opened(), link);
    }
}
