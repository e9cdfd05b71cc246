//! Data-parallel training, in one place. Its noun is the **shard**: the consecutive images of
//! a batch that one worker computes (the CLI's `--shards`, [`TrainConfig::shards`]). The loop
//! (the lead) owns the data, the optimizer and the model; each step it splits the batch
//! ([`shards`]), hands every shard but the first to a [`ShardPool`] with the model as it is
//! now ([`ModelState`]), computes the first itself, and combines the shards' gradients
//! ([`GradientLayout::combine`]) before one optimizer step: one model, updated once a step,
//! as PyTorch's DDP keeps the first replica's buffers.
//!
//! Every worker computes its shard with the same function, [`step`] (forward, loss,
//! backward); so do Measure speed, `bench` and the GPU self-check. A pool's worker
//! ([`ShardWorker`]) is a pure function of what it is sent, plus its dropout stream, so a run
//! is reproducible for a given number of shards. [`InProcess`] computes the pool's shards one
//! after another on the loop's own device (the CLI's `--shards`, and the tests); the browser's
//! lead has helper workers (`web::parallel`), each its own WebAssembly instance on its own core.
//!
//! [`TrainConfig::shards`]: super::TrainConfig::shards

mod layout;
mod pool;
mod split;
mod state;
mod step;

pub use layout::{GradientLayout, ShardGradients};
pub use pool::{InProcess, ShardPool, ShardWorker};
pub use split::{ShardBatch, shards};
pub use state::ModelState;
pub use step::{Keep, Step, loss_function, step, step_in_shards};

use burn::tensor::ExecutionError;

/// Why a step's shards could not be computed or combined.
#[derive(Debug, thiserror::Error)]
pub enum ShardError {
    #[error("a shard sent {got} gradient values where the model has {expected}")]
    Length { got: usize, expected: usize },
    #[error("no shard sent gradients")]
    NoShards,
    #[error("a helper was sent {values} values for {tensors} tensors: not its model's")]
    State { values: usize, tensors: usize },
    #[error("a shard of {labels} labels came with {values} image values")]
    Batch { values: usize, labels: usize },
    #[error("{shards} shards for {helpers} helpers")]
    TooManyShards { shards: usize, helpers: usize },
    /// The device failed (a helper's reaches the lead as [`ShardError::Helper`]).
    #[error(transparent)]
    Device(#[from] ExecutionError),
    /// A helper worker crashed, trapped or could not start.
    #[error("training worker {worker} of {workers} failed: {message}")]
    Helper {
        /// 1-based; the loop's own worker is 1, so helpers are 2 and up.
        worker: usize,
        workers: usize,
        message: String,
    },
}
