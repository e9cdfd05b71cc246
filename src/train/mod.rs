//! The training loop, written once for the CLI and the browser.

mod config;
mod events;
mod gpu_work;
pub mod parallel;
mod parity;
mod recipe;
mod speed;
mod trainer;

pub use config::{RunConfig, TrainConfig};
pub use events::{BatchProgress, CancelToken, NoObserver, Observer, TrainEvent};
pub use gpu_work::{GpuCounts, GpuWork, ReadMeter, StepMeter};
pub use parallel::{InProcess, ModelState, ShardBatch, ShardError, ShardGradients, ShardPool};
pub use parity::{ParityError, ParityReport, step_parity};
pub use recipe::{LOOKAHEAD_EVERY, Lookahead, Recipe, Schedule};
pub use speed::{RandomSteps, SpeedBudget, SpeedSample, measure_speed, measure_speed_in_shards};
pub use trainer::{Evaluated, RunEnd, TrainError, TrainOutcome, train, train_in_shards};
