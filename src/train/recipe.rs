//! What a training recipe adds to the tutorial's plain loop, all off by default: label
//! smoothing, a learning-rate schedule, lookahead (weight averaging), test-time augmentation
//! and airbench's initialisation. `TrainConfig::fast94` turns them all on.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::tensor::Tensor;
use serde::{Deserialize, Serialize};

use crate::data::ImageSet;
use crate::model::{Cnn, WHITENING_IMAGES};

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Recipe {
    /// Each label's target keeps `1 − s` and spreads `s` over all classes (0: one-hot).
    pub label_smoothing: f64,
    pub schedule: Schedule,
    /// Every 5 steps, pull the weights toward their running average (airbench's lookahead):
    /// less noise from the large learning rate, and the average is the final model.
    pub lookahead: bool,
    /// Evaluate the last epoch on six views of each image (as is, mirrored, each shifted one
    /// pixel both ways) and average their logits, as airbench does.
    pub tta: bool,
    /// airbench's initialisation: PyTorch's fan-in weights with identity filters on top, no
    /// biases, and batch norms that train only their shift.
    pub identity_init: bool,
    /// The share of each batch's statistics the batch norms' running averages take in
    /// (none: burn's 0.1).
    pub norm_momentum: Option<f64>,
    /// Train the whitening layer's bias for this many epochs, then freeze it (none: always).
    pub whiten_bias_epochs: Option<usize>,
}

/// The learning rate over a run, as a multiple of the configured one.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Schedule {
    #[default]
    Constant,
    /// Linear from `start` at the first step up to 1 at fraction `peak` of the run, then
    /// linear down to `end` at the last step (airbench: 0.2, 0.23, 0.07).
    Triangle { start: f64, peak: f64, end: f64 },
}

impl Schedule {
    /// The factor for step `step` (from 0) of `total`.
    pub fn factor(&self, step: usize, total: usize) -> f64 {
        match *self {
            Self::Constant => 1.0,
            Self::Triangle { start, peak, end } => {
                let top = (peak * total as f64) as usize;
                let step = step.min(total);
                if step < top {
                    start + (1.0 - start) * step as f64 / top as f64
                } else {
                    let span = (total - top).max(1) as f64;
                    1.0 + (end - 1.0) * (step - top) as f64 / span
                }
            }
        }
    }

    /// Refuses a schedule that is not a shape between 0 and 1.
    pub fn check(&self) -> Result<(), String> {
        match *self {
            Self::Constant => Ok(()),
            Self::Triangle { start, peak, end } => {
                let fraction = |v: f64| (0.0..=1.0).contains(&v);
                if fraction(start) && fraction(peak) && fraction(end) {
                    Ok(())
                } else {
                    Err(format!(
                        "a triangle schedule's start {start}, peak {peak} and end {end} must \
                         lie between 0 and 1"
                    ))
                }
            }
        }
    }
}

impl Recipe {
    /// airbench94's settings.
    pub fn airbench() -> Self {
        Self {
            label_smoothing: 0.2,
            schedule: Schedule::Triangle {
                start: 0.2,
                peak: 0.23,
                end: 0.07,
            },
            lookahead: true,
            tta: true,
            identity_init: true,
            norm_momentum: Some(0.4),
            whiten_bias_epochs: Some(3),
        }
    }

    pub fn check(&self) -> Result<(), String> {
        if !(0.0..1.0).contains(&self.label_smoothing) {
            return Err(format!(
                "label smoothing must be at least 0 and below 1, not {}",
                self.label_smoothing
            ));
        }
        if let Some(m) = self.norm_momentum
            && !(m > 0.0 && m <= 1.0)
        {
            return Err(format!("batch-norm momentum must lie in (0, 1], not {m}"));
        }
        self.schedule.check()
    }

    /// The model as training starts: whitening layers set from `train`'s first images, and
    /// airbench's initialisation where asked for.
    pub fn prepare(&self, model: Cnn, train: &ImageSet) -> Cnn {
        let count = train.len().min(WHITENING_IMAGES);
        let mut model = model.whitened((0..count).map(|i| train.image(i)));
        if self.identity_init {
            model = model
                .with_fan_in_weights()
                .with_identity_filters()
                .with_fixed_norm_scales();
        }
        if let Some(momentum) = self.norm_momentum {
            model = model.with_norm_momentum(momentum);
        }
        if self.whiten_bias_epochs == Some(0) {
            model = model.with_whitening_bias_frozen();
        }
        model
    }

    /// The model as epoch `epoch` (from 1) starts: the whitening bias freezes once its
    /// epochs are done.
    pub fn start_epoch(&self, model: Cnn, epoch: usize) -> Cnn {
        match self.whiten_bias_epochs {
            Some(epochs) if epochs > 0 && epoch == epochs + 1 => model.with_whitening_bias_frozen(),
            _ => model,
        }
    }
}

/// Lookahead as airbench94's code does it: every 5 steps the running average moves toward
/// the model by `1 − decay` and the model is set to it, with `decay` rising as
/// `0.95⁵ · (t/T)³` (next to no averaging early, more and more late), and when training ends
/// the model is the average. Everything averages, the batch norms' running statistics
/// included, so they describe the averaged weights; frozen tensors stay as they are.
#[derive(Default)]
pub struct Lookahead {
    average: HashMap<ParamId, Tensor<1>>,
}

pub const LOOKAHEAD_EVERY: usize = 5;

impl Lookahead {
    /// The decay after step `step` (from 1) of `total`.
    pub fn decay(step: usize, total: usize) -> f64 {
        0.95f64.powi(5) * (step as f64 / total.max(1) as f64).powi(3)
    }

    /// Called after every step (from 1, counted over the whole run of `total`). The first
    /// pull only records the average: airbench's starts from the initial weights, but its
    /// first decay (about 1e-6) replaces them with the model all but entirely. After the
    /// last step the model is the average (`finish`).
    pub fn after_step(&mut self, mut model: Cnn, step: usize, total: usize) -> Cnn {
        if step.is_multiple_of(LOOKAHEAD_EVERY) {
            model = self.pull(model, Self::decay(step, total));
        }
        if step == total {
            model = self.finish(model);
        }
        model
    }

    /// Called when training ends: the model becomes the average, so the steps since the
    /// last pull are dropped, as airbench's final update (decay 1) drops them.
    pub fn finish(&mut self, model: Cnn) -> Cnn {
        if self.average.is_empty() {
            model
        } else {
            self.pull(model, 1.0)
        }
    }

    fn pull(&mut self, model: Cnn, decay: f64) -> Cnn {
        model.sync_running_stats();
        model.map(&mut Pull {
            average: &mut self.average,
            decay,
        })
    }
}

struct Pull<'a> {
    average: &'a mut HashMap<ParamId, Tensor<1>>,
    decay: f64,
}

impl ModuleMapper for Pull<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let trained = tensor.is_require_grad();
        let shape = tensor.shape();
        let current: Tensor<1> = tensor.inner().flatten(0, D - 1);
        let averaged = match self.average.remove(&id) {
            Some(average) => average.clone() + (current - average).mul_scalar(1.0 - self.decay),
            None => current,
        };
        self.average.insert(id, averaged.clone());
        let value = Tensor::from_inner(averaged.reshape(shape)).set_require_grad(trained);
        Param::from_mapped_value(id, value, mapper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_triangle_rises_to_its_peak_and_falls_to_its_end() {
        let s = Recipe::airbench().schedule;
        let total = 100;
        assert!((s.factor(0, total) - 0.2).abs() < 1e-12);
        assert!((s.factor(23, total) - 1.0).abs() < 1e-12);
        assert!((s.factor(100, total) - 0.07).abs() < 1e-12);
        // Halfway up and halfway down, linearly.
        assert!((s.factor(11, total) - (0.2 + 0.8 * 11.0 / 23.0)).abs() < 1e-12);
        assert!((s.factor(23 + 77 / 2, total) - (1.0 - 0.93 * 38.0 / 77.0)).abs() < 1e-12);
        assert_eq!(Schedule::Constant.factor(7, 10), 1.0);
        let bad = Schedule::Triangle {
            start: 0.2,
            peak: 1.5,
            end: 0.0,
        };
        assert!(bad.check().unwrap_err().contains("peak 1.5"));
    }

    #[test]
    fn lookahead_decays_from_nothing_to_airbenchs_last_value() {
        assert_eq!(Lookahead::decay(0, 100), 0.0);
        assert!((Lookahead::decay(50, 100) - 0.95f64.powi(5) / 8.0).abs() < 1e-12);
        assert!((Lookahead::decay(100, 100) - 0.95f64.powi(5)).abs() < 1e-12);
    }

    #[test]
    fn recipes_read_from_config_files_default_to_off() {
        let recipe: Recipe = serde_json::from_str("{}").unwrap();
        assert_eq!(recipe, Recipe::default());
        let json = serde_json::to_string(&Recipe::airbench()).unwrap();
        assert!(
            json.contains(r#""schedule":{"kind":"triangle","start":0.2"#),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<Recipe>(&json).unwrap(),
            Recipe::airbench()
        );
    }
}
