//! Adadelta with Keras' semantics (burn has none).
//!
//! Per parameter, with gradient `g`:
//! `a ← ρa + (1−ρ)g²;  u = g·√(d+ε)/√(a+ε);  p ← p − lr·u;  d ← ρd + (1−ρ)u²`
//! where `a` accumulates squared gradients and `d` squared updates, both starting at zero.
//! Keras' defaults for the tutorial: lr 1.0, ρ 0.95, ε 1e-7. The arithmetic is an extension op
//! (`kernels::adadelta`): one pass on the CPU.

use burn::optim::{LearningRate, ModuleOptimizer, Optimizer, RecordState, StateSink, StateSource};
use burn::tensor::{Device, Tensor};

use crate::kernels::{AdadeltaStep, adadelta_step};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdadeltaConfig {
    pub rho: f64,
    pub epsilon: f64,
}

impl Default for AdadeltaConfig {
    fn default() -> Self {
        Self {
            rho: 0.95,
            epsilon: 1e-7,
        }
    }
}

impl AdadeltaConfig {
    pub fn build(&self) -> Adadelta {
        Adadelta { config: *self }
    }

    pub fn init(&self) -> ModuleOptimizer {
        ModuleOptimizer::from(self.build())
    }
}

#[derive(Debug, Clone)]
pub struct Adadelta {
    config: AdadeltaConfig,
}

/// The two running averages Adadelta keeps per parameter.
#[derive(Clone)]
pub struct AdadeltaState<const D: usize> {
    /// Running average of squared gradients (`a`).
    pub square_grad: Tensor<D>,
    /// Running average of squared updates (`d`).
    pub square_update: Tensor<D>,
}

impl Optimizer for Adadelta {
    type State<const D: usize> = AdadeltaState<D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<D>,
        grad: Tensor<D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<D>, Option<Self::State<D>>) {
        let AdadeltaConfig { rho, epsilon } = self.config;
        let (square_grad, square_update) = match state {
            Some(s) => (s.square_grad, s.square_update),
            None => (grad.zeros_like(), grad.zeros_like()),
        };
        let settings = AdadeltaStep { lr, rho, epsilon };
        let (tensor, square_grad, square_update) =
            adadelta_step(tensor, grad, square_grad, square_update, settings);
        (
            tensor,
            Some(AdadeltaState {
                square_grad,
                square_update,
            }),
        )
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device) -> Self::State<D> {
        AdadeltaState {
            square_grad: state.square_grad.to_device(device),
            square_update: state.square_update.to_device(device),
        }
    }
}

// Written by hand: burn's `#[derive(RecordState)]` only expands inside burn-optim.
impl<const D: usize> RecordState for AdadeltaState<D> {
    fn state_flatten(&self, prefix: &str, out: &mut StateSink) {
        out.push_tensor(prefix, "square_grad", self.square_grad.to_data());
        out.push_tensor(prefix, "square_update", self.square_update.to_data());
    }

    fn state_unflatten(prefix: &str, src: &mut StateSource, device: &Device) -> Option<Self> {
        Some(Self {
            square_grad: Tensor::from_data(src.take_tensor(prefix, "square_grad")?, device),
            square_update: Tensor::from_data(src.take_tensor(prefix, "square_update")?, device),
        })
    }
}
