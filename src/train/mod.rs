//! The training loop, written once for the CLI and the browser.

mod config;
mod events;
mod gpu_work;
mod parity;
mod recipe;
mod replica;
mod shard;
mod speed;
mod trainer;

pub use config::{RunConfig, TrainConfig};
pub use events::{BatchProgress, CancelToken, NoObserver, Observer, TrainEvent};
pub use gpu_work::{GpuCounts, GpuWork, ReadMeter, StepMeter};
pub use parity::{ParityError, ParityReport, step_parity};
pub use recipe::{LOOKAHEAD_EVERY, Lookahead, Recipe, Schedule};
pub use replica::{
    InProcess, ModelState, PartsError, ShardBatch, ShardPool, ShardResult, ShardWorker,
    StepGradients, gradients_in_parts, loss_function,
};
pub use shard::{GradientLayout, ShardError, ShardGradients, shards};
pub use speed::{RandomSteps, SpeedBudget, SpeedSample, measure_speed, measure_speed_in_parts};
pub use trainer::{Evaluated, RunEnd, TrainError, TrainOutcome, train, train_in_parts};
