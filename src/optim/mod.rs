//! Optimizers: Adadelta (the tutorial's, written here), burn's Adam and SGD with momentum for
//! comparison, and airbench's Nesterov SGD for the fast recipe.

mod adadelta;
mod nesterov;

pub use adadelta::{Adadelta, AdadeltaConfig, AdadeltaState};
pub use nesterov::{MOMENTUM, NESTEROV_LR, SHIFT_LR_SCALE, ScaledSgd, nesterov_for};

use std::fmt;
use std::str::FromStr;

use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, ModuleOptimizer, SgdConfig};

use crate::model::Cnn;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Adadelta,
    Adam,
    Sgd,
    /// airbench's: Nesterov momentum 0.85, weight decay, batch-norm shifts 64× faster.
    Nesterov,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown optimizer `{0}`: expected adadelta, adam, sgd or nesterov")]
pub struct UnknownOptimizer(pub String);

impl OptimizerKind {
    pub const ALL: [OptimizerKind; 4] = [Self::Adadelta, Self::Adam, Self::Sgd, Self::Nesterov];

    pub fn name(self) -> &'static str {
        match self {
            Self::Adadelta => "adadelta",
            Self::Adam => "adam",
            Self::Sgd => "sgd",
            Self::Nesterov => "nesterov",
        }
    }

    /// Keras' default learning rates (Adadelta's 1.0 is the tutorial's); airbench's peak for
    /// Nesterov.
    pub fn default_lr(self) -> f64 {
        match self {
            Self::Adadelta => 1.0,
            Self::Adam => 1e-3,
            Self::Sgd => 1e-2,
            Self::Nesterov => NESTEROV_LR,
        }
    }

    /// The optimizer for `model` (Nesterov's groups depend on its layers).
    pub fn init(self, model: &Cnn) -> ModuleOptimizer {
        match self {
            Self::Nesterov => nesterov_for(model),
            Self::Adadelta => AdadeltaConfig::default().init(),
            // Keras' Adam epsilon.
            Self::Adam => AdamConfig::new().with_epsilon(1e-7).init(),
            Self::Sgd => SgdConfig::new()
                // Keras-style momentum: no dampening.
                .with_momentum(Some(
                    MomentumConfig::new().with_momentum(0.9).with_dampening(0.0),
                ))
                .init(),
        }
    }
}

impl fmt::Display for OptimizerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for OptimizerKind {
    type Err = UnknownOptimizer;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|o| o.name() == s)
            .ok_or_else(|| UnknownOptimizer(s.into()))
    }
}
