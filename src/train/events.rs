//! What the loop tells its observer as it goes, and how it is told to stop.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::eval::Evaluation;
use crate::history::EpochRecord;

/// Progress within an epoch, sent at every read-back. `loss` and `acc` are running averages
/// over the epoch so far, as Keras' progress bar shows them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BatchProgress {
    pub epoch: usize,
    pub epochs: usize,
    /// Batches done in this epoch.
    pub batch: usize,
    pub batches: usize,
    pub samples_done: usize,
    pub samples_total: usize,
    /// Seconds since the epoch began.
    pub elapsed: f64,
    #[serde(with = "crate::serde_float")]
    pub loss: f64,
    #[serde(with = "crate::serde_float")]
    pub acc: f64,
}

impl BatchProgress {
    pub fn us_per_sample(&self) -> f64 {
        if self.samples_done == 0 {
            0.0
        } else {
            self.elapsed * 1e6 / self.samples_done as f64
        }
    }

    pub fn images_per_second(&self) -> f64 {
        if self.elapsed > 0.0 {
            self.samples_done as f64 / self.elapsed
        } else {
            0.0
        }
    }

    /// Seconds left in this epoch's training at the current pace.
    pub fn eta(&self) -> f64 {
        let rate = self.images_per_second();
        if rate > 0.0 {
            (self.samples_total - self.samples_done) as f64 / rate
        } else {
            0.0
        }
    }
}

/// What the loop tells its [`Observer`] as it goes. Not the page's `web::protocol::Event`:
/// these borrow what the loop holds (an epoch's evaluation is every validation image's
/// probabilities) and know nothing of runs' names; the browser's observer turns them into the
/// few `Event`s the page needs (an epoch's metrics, not its probabilities), the CLI into its
/// progress bar.
#[derive(Debug, Clone)]
pub enum TrainEvent<'a> {
    Started {
        epochs: usize,
        batches_per_epoch: usize,
        train_samples: usize,
        val_samples: usize,
        /// Parameters training changes, counted on the model as the recipe prepared it.
        trainable_params: usize,
    },
    /// Some batches are done (sent every `readback_every` batches and at the epoch's end).
    BatchDone(BatchProgress),
    /// Training batches of `epoch` are done; validation begins.
    ValidationStarted {
        epoch: usize,
    },
    EvaluationDone {
        epoch: usize,
        evaluation: &'a Evaluation,
    },
    EpochDone(&'a EpochRecord),
}

/// Receives the loop's events: the CLI draws a progress bar, the browser posts messages.
pub trait Observer {
    fn on_event(&mut self, event: TrainEvent<'_>);

    /// Awaited after every batch. The browser yields to its event loop here, so a Stop message
    /// can arrive while the CPU backend computes synchronously.
    fn pause(&mut self) -> impl Future<Output = ()> {
        std::future::ready(())
    }
}

/// Ignores every event.
pub struct NoObserver;

impl Observer for NoObserver {
    fn on_event(&mut self, _event: TrainEvent<'_>) {}
}

/// Asks a run to stop; honoured before the next batch.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
