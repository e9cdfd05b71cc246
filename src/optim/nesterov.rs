//! Nesterov SGD as airbench trains its network: momentum 0.85, weight decay added to the
//! gradient (PyTorch's SGD), and the batch norms' shifts stepped with a 64× larger learning
//! rate but the same decay per step.
//!
//! airbench states its settings per 1,024 images for a loss *summed* over the batch; the
//! loop here averages the loss, so the learning rate below is airbench's times its batch of
//! 1,024 (1.5 = 11.5 / (1 + 1 / (1 − 0.85))). Its decay per step at full learning rate is
//! 0.0153 × 1024 / kilostep, the same for both groups.

use burn::module::ParamGroup;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{LearningRate, ModuleOptimizer, Optimizer, Sgd, SgdConfig, SgdState};
use burn::tensor::{Device, Tensor};

use crate::model::Cnn;

pub const MOMENTUM: f64 = 0.85;
/// airbench's peak learning rate for a mean loss (see the module's note).
pub const NESTEROV_LR: f64 = 1.5;
/// How much of each weight the decay takes per step at the peak learning rate.
const DECAY_PER_STEP: f64 = 0.0153 / (1.0 + 1.0 / (1.0 - MOMENTUM));
/// The batch norms' shifts learn this much faster ("bias scaler").
pub const SHIFT_LR_SCALE: f64 = 64.0;

/// Burn's SGD with the learning rate scaled: one group's optimizer.
#[derive(Clone)]
pub struct ScaledSgd {
    sgd: Sgd,
    scale: f64,
}

impl ScaledSgd {
    fn new(scale: f64) -> Self {
        let momentum = MomentumConfig::new()
            .with_momentum(MOMENTUM)
            .with_dampening(0.0)
            .with_nesterov(true);
        // PyTorch's coupled decay: `penalty · w` is added to the gradient, then scaled by
        // the learning rate, so the decay per step follows the schedule.
        let penalty = DECAY_PER_STEP / (NESTEROV_LR * scale);
        let sgd = SgdConfig::new()
            .with_momentum(Some(momentum))
            .with_weight_decay(Some(WeightDecayConfig::new(penalty as f32)))
            .build();
        Self { sgd, scale }
    }
}

impl Optimizer for ScaledSgd {
    type State<const D: usize> = SgdState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        self.sgd.step(lr * self.scale, tensor, grad, state)
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        Sgd::to_device(state, device)
    }
}

/// The optimizer for `model`: its batch norms' shifts in the fast group.
pub fn nesterov_for(model: &Cnn) -> ModuleOptimizer {
    ModuleOptimizer::from(ScaledSgd::new(1.0)).with_group(
        ParamGroup::ids_from_module(model.norm_shifts()),
        ScaledSgd::new(SHIFT_LR_SCALE),
        None,
    )
}
