//! A run's settings: what the loop needs (`TrainConfig`) and all a run records (`RunConfig`).

use serde::{Deserialize, Serialize};

use crate::backend::BackendKind;
use crate::data::{Augment, DataSpec};
use crate::model::{Architecture, ModelSpec};
use crate::optim::OptimizerKind;
use crate::train::{Recipe, TrainError};

/// What the training loop needs to know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// A preset's name or a layer list, in config files (`"model": "plain"`).
    pub model: ModelSpec,
    pub epochs: usize,
    pub batch_size: usize,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    /// Fixes weight init, shuffling and dropout on a given backend.
    pub seed: u64,
    /// Batches between read-backs of loss and accuracy. Reading back stalls a GPU, so it is
    /// done every few batches, not every one.
    pub readback_every: usize,
    /// Flips and shifts of the training images (none in the tutorial's runs; settings saved
    /// before it existed read as none).
    #[serde(default)]
    pub augment: Augment,
    /// Label smoothing, schedule, lookahead, test-time augmentation, initialisation (all off
    /// in the tutorial's runs and in settings saved before they existed).
    #[serde(default)]
    pub recipe: Recipe,
    /// How many shards each batch's gradient is computed in, one per CPU worker in the page
    /// (`train::parallel`); their combination is the batch's, but dropout's masks and batch
    /// norm's statistics are drawn per shard, so a run repeats for a given count. Settings
    /// saved before it existed, and written without it, are one.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub shards: usize,
}

fn one() -> usize {
    1
}

fn is_one(n: &usize) -> bool {
    *n == 1
}

impl TrainConfig {
    /// Refuses settings the loop cannot run with.
    pub fn check(&self) -> Result<(), TrainError> {
        if self.epochs == 0
            || self.batch_size == 0
            || self.readback_every == 0
            || self.shards == 0
            || !self.lr.is_finite()
            || self.lr <= 0.0
        {
            return Err(TrainError::Config(format!(
                "epochs {}, batch size {}, read-back every {} batches, shards {} and learning \
                 rate {} must all be positive",
                self.epochs, self.batch_size, self.readback_every, self.shards, self.lr
            )));
        }
        self.augment.check().map_err(TrainError::Config)?;
        self.recipe.check().map_err(TrainError::Config)?;
        self.model
            .check_batch(self.batch_size)
            .map_err(|e| TrainError::Config(e.to_string()))
    }

    /// The tutorial's settings for `model`: its epochs, batch 128, Adadelta lr 1.0.
    pub fn tutorial(model: Architecture) -> Self {
        Self {
            model: model.into(),
            epochs: model.tutorial_epochs(),
            batch_size: 128,
            optimizer: OptimizerKind::Adadelta,
            lr: OptimizerKind::Adadelta.default_lr(),
            seed: 42,
            readback_every: 10,
            augment: Augment::default(),
            recipe: Recipe::default(),
            shards: 1,
        }
    }

    /// airbench94's recipe with its network: 10 epochs of 1,024 images, Nesterov SGD on a
    /// triangular schedule, label smoothing 0.2, flips and 2-pixel shifts, lookahead, and
    /// six-view test-time augmentation for the final evaluation.
    pub fn fast94() -> Self {
        Self {
            model: Architecture::Fast94.into(),
            epochs: Architecture::Fast94.tutorial_epochs(),
            batch_size: 1024,
            optimizer: OptimizerKind::Nesterov,
            lr: OptimizerKind::Nesterov.default_lr(),
            seed: 42,
            readback_every: 10,
            augment: Augment {
                flip: true,
                translate: 2,
            },
            recipe: Recipe::airbench(),
            shards: 1,
        }
    }

    /// The settings a run of `model` starts from: fast94's recipe for it, the tutorial's for
    /// everything else (a layer list trains 10 epochs).
    pub fn for_model(model: &ModelSpec) -> Self {
        match model.as_preset() {
            Some(Architecture::Fast94) => Self::fast94(),
            Some(preset) => Self::tutorial(preset),
            None => Self {
                model: model.clone(),
                epochs: model.default_epochs(),
                ..Self::tutorial(Architecture::Plain)
            },
        }
    }
}

/// A whole run's settings, as saved beside its results: the loop's, the data's and where it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    pub train: TrainConfig,
    /// Training images used (after the subset), and validation images.
    pub train_samples: usize,
    pub val_samples: usize,
    /// Its images: `subset` and `validation` at the top level of the file, as always.
    #[serde(flatten)]
    pub data: DataSpec,
    /// Where it trained; none recorded for runs kept before it was, and until a run's first
    /// batch says. Written as the backend's name (`"flex"`, `"wgpu"`) or `"not recorded"`.
    #[serde(with = "recorded_backend")]
    pub backend: Option<BackendKind>,
}

/// [`RunConfig::backend`] as `config.json` and stored runs have always carried it: a name.
mod recorded_backend {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::backend::BackendKind;

    pub const NOT_RECORDED: &str = "not recorded";

    pub fn serialize<S: Serializer>(
        backend: &Option<BackendKind>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_str(backend.map_or(NOT_RECORDED, BackendKind::name))
    }

    /// Any other text (an empty string from a run stored before its first batch, "not
    /// recorded") reads as none.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BackendKind>, D::Error> {
        let name = String::deserialize(d)?;
        Ok([BackendKind::Flex, BackendKind::Wgpu]
            .into_iter()
            .find(|kind| kind.name() == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::ValidationSource;

    /// The backend is typed in memory and a name on disk, as config.json files and stored
    /// runs have always carried it; a blank or "not recorded" reads as none.
    #[test]
    fn the_backend_is_recorded_by_name() {
        let mut config = RunConfig {
            train: TrainConfig::tutorial(Architecture::Plain),
            train_samples: 1000,
            val_samples: 200,
            data: DataSpec {
                subset: Some(1000),
                validation: ValidationSource::TestBatch,
            },
            backend: Some(BackendKind::Wgpu),
        };
        let json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["backend"], "wgpu");
        assert_eq!(json["subset"], 1000);
        assert_eq!(json["validation"]["kind"], "test_batch");
        assert_eq!(serde_json::from_value::<RunConfig>(json).unwrap(), config);
        config.backend = None;
        let mut json = serde_json::to_value(&config).unwrap();
        assert_eq!(json["backend"], "not recorded");
        json["backend"] = "".into();
        assert_eq!(
            serde_json::from_value::<RunConfig>(json).unwrap().backend,
            None
        );
    }
}
