//! The loop itself, read top to bottom: for each epoch, shuffle, step through the batches,
//! read the running loss and accuracy back every few batches, then evaluate on the
//! validation set and record the epoch.

use burn::tensor::{Device, ExecutionError, Int, Tensor, Transaction};
use web_time::Instant;

use super::parallel::{
    InProcess, ShardBatch, ShardError, ShardPool, loss_function, shards, step_in_shards,
};
use super::{BatchProgress, CancelToken, Lookahead, Observer, TrainConfig, TrainEvent};
use crate::data::{SeededRng, Splits};
use crate::eval::{Evaluation, evaluate_views};
use crate::history::{EpochRecord, History};
use crate::kernels::ScratchScope;
use crate::model::Cnn;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(
        "the training loss became {loss} at epoch {epoch}, batch {batch}: training diverged \
         (try a smaller learning rate); the history up to epoch {} is kept", epoch - 1
    )]
    NonFiniteLoss {
        epoch: usize,
        batch: usize,
        loss: f64,
    },
    /// The device failed: lost, out of memory, or a kernel error.
    #[error("the compute device failed at epoch {epoch}: {source}")]
    Device {
        epoch: usize,
        #[source]
        source: ExecutionError,
    },
    #[error(
        "the validation loss became {loss} after epoch {epoch}: training diverged (try a \
         smaller learning rate); the history up to epoch {} is kept", epoch - 1
    )]
    NonFiniteValidation { epoch: usize, loss: f64 },
    #[error("invalid training settings: {0}")]
    Config(String),
    /// A batch's shards could not be computed or combined (a helper worker failed).
    #[error("at epoch {epoch}: {source}")]
    Shard {
        epoch: usize,
        #[source]
        source: ShardError,
    },
}

/// How a run ended. Every ending keeps the history of the completed epochs.
///
/// A failure carries `E`: the loop's typed [`TrainError`], and its message (`RunEnd<String>`)
/// where the page shows and stores an ending (`{"kind": "failed", "message": …}`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunEnd<E = TrainError> {
    Completed,
    /// Stopped by the user before `batch` (1-based) of `epoch`.
    Stopped {
        epoch: usize,
        batch: usize,
    },
    Failed {
        #[serde(rename = "message")]
        error: E,
    },
}

impl<E: std::fmt::Display> RunEnd<E> {
    /// The same ending with its failure as the words a user reads.
    pub fn described(self) -> RunEnd<String> {
        match self {
            Self::Completed => RunEnd::Completed,
            Self::Stopped { epoch, batch } => RunEnd::Stopped { epoch, batch },
            Self::Failed { error } => RunEnd::Failed {
                error: error.to_string(),
            },
        }
    }
}

pub struct TrainOutcome {
    pub history: History,
    /// The model as the last completed epoch left it, with its validation evaluation: what
    /// the history's last row and the metrics describe, so the weights kept are the ones
    /// shown (never a mid-epoch or diverged model). None before the first epoch completes.
    pub evaluated: Option<Evaluated>,
    pub end: RunEnd,
}

/// A model and its evaluation on the validation set after `epoch`.
pub struct Evaluated {
    pub epoch: usize,
    pub model: Cnn,
    pub evaluation: Evaluation,
}

/// Trains `model` (built on the autodiff `device`) on `splits`, reporting to `observer`. A
/// batch in `config.shards` shards computes the shards after the first here, one after another
/// (see [`train_in_shards`] for helpers elsewhere).
pub async fn train(
    config: &TrainConfig,
    model: Cnn,
    splits: &Splits,
    device: &Device,
    observer: &mut impl Observer,
    cancel: &CancelToken,
) -> TrainOutcome {
    let helpers = config.shards.saturating_sub(1);
    let smoothing = config.recipe.label_smoothing;
    let mut pool = InProcess::new(helpers, &config.model, smoothing, device);
    train_in_shards(config, model, splits, device, observer, cancel, &mut pool).await
}

/// As [`train`], the shards of each batch after the first computed by `pool`'s helpers while
/// the loop computes the first; `config.shards` must be the helpers and the loop.
pub async fn train_in_shards(
    config: &TrainConfig,
    model: Cnn,
    splits: &Splits,
    device: &Device,
    observer: &mut impl Observer,
    cancel: &CancelToken,
    pool: &mut impl ShardPool,
) -> TrainOutcome {
    let _scratch = ScratchScope;
    let mut history = History::default();
    let mut evaluated = None;
    let end = |history, evaluated, end| TrainOutcome {
        history,
        evaluated,
        end,
    };
    if let Err(error) = config.check() {
        return end(history, None, RunEnd::Failed { error });
    }
    if pool.helpers() + 1 != config.shards {
        let error = TrainError::Config(format!(
            "{} shards a batch, but {} workers to compute them",
            config.shards,
            pool.helpers() + 1
        ));
        return end(history, None, RunEnd::Failed { error });
    }
    let train_set = &splits.train;
    let samples = train_set.len();
    let batches = samples.div_ceil(config.batch_size);
    let total_steps = batches * config.epochs;
    let mut model = config.recipe.prepare(model, train_set);
    let mut lookahead = config.recipe.lookahead.then(Lookahead::default);
    observer.on_event(TrainEvent::Started {
        epochs: config.epochs,
        batches_per_epoch: batches,
        train_samples: samples,
        val_samples: splits.validation.len(),
        trainable_params: model.trainable_params(),
    });
    let mut optimizer = config.optimizer.init(&model);
    let loss_fn = loss_function(config.recipe.label_smoothing, device);
    let mut lr = config.lr;

    for epoch in 1..=config.epochs {
        let started = Instant::now();
        model = config.recipe.start_epoch(model, epoch);
        let order = SeededRng::derive(config.seed, epoch as u64).permutation(samples);
        let mut totals = RunningTotals::default();
        // Per-batch (loss × batch size, correct count), still on the device.
        let mut pending: Vec<(Tensor<1>, Tensor<1, Int>, usize)> = Vec::new();

        for (index, chunk) in order.chunks(config.batch_size).enumerate() {
            if cancel.is_cancelled() {
                let stopped = RunEnd::Stopped {
                    epoch,
                    batch: index + 1,
                };
                return end(history, evaluated, stopped);
            }
            // The batch's loss and gradient: at once, or in `config.shards` shards, the first
            // computed here while the pool's helpers compute the others.
            let split = shards(chunk.len(), config.shards);
            let shard = |range: &std::ops::Range<usize>| {
                let images = &chunk[range.clone()];
                ShardBatch::of(train_set, images, config.augment, config.seed, epoch)
            };
            let own = shard(&split[0]).into_tensors(device);
            let others = split[1..].iter().map(shard).collect();
            let computed = step_in_shards(&model, &loss_fn, own, others, pool, device).await;
            let grads = match computed {
                Ok(step) => {
                    pending.push((step.loss_sum(), step.correct(), chunk.len()));
                    step.grads
                }
                Err(error) => {
                    let failed = error.at(epoch);
                    return end(history, evaluated, RunEnd::Failed { error: failed });
                }
            };
            let step = (epoch - 1) * batches + index;
            lr = config.lr * config.recipe.schedule.factor(step, total_steps);
            model = optimizer.step(lr, model, grads);
            if let Some(lookahead) = &mut lookahead {
                model = lookahead.after_step(model, step + 1, total_steps);
            }
            // Every batch, so a Stop sent while the CPU backend computes is seen before the next.
            observer.pause().await;

            let done = index + 1;
            if pending.len() < config.readback_every && done < batches {
                continue;
            }
            let first_batch = done - pending.len() + 1;
            match totals.read_back(std::mem::take(&mut pending)).await {
                Ok(None) => {}
                Ok(Some((offset, loss))) => {
                    let failed = TrainError::NonFiniteLoss {
                        epoch,
                        batch: first_batch + offset,
                        loss,
                    };
                    return end(history, evaluated, RunEnd::Failed { error: failed });
                }
                Err(source) => {
                    let failed = TrainError::Device { epoch, source };
                    return end(history, evaluated, RunEnd::Failed { error: failed });
                }
            }
            observer.on_event(TrainEvent::BatchDone(BatchProgress {
                epoch,
                epochs: config.epochs,
                batch: done,
                batches,
                samples_done: totals.samples,
                samples_total: samples,
                elapsed: started.elapsed().as_secs_f64(),
                loss: totals.loss(),
                acc: totals.acc(),
            }));
        }
        let train_seconds = started.elapsed().as_secs_f64();

        observer.on_event(TrainEvent::ValidationStarted { epoch });
        let tta = config.recipe.tta && epoch == config.epochs;
        let validation = match evaluate_views(
            &model,
            &splits.validation,
            config.batch_size,
            device,
            tta,
        )
        .await
        {
            Ok(v) => v,
            Err(source) => {
                let failed = TrainError::Device { epoch, source };
                return end(history, evaluated, RunEnd::Failed { error: failed });
            }
        };
        if !validation.loss.is_finite() {
            let failed = TrainError::NonFiniteValidation {
                epoch,
                loss: validation.loss,
            };
            return end(history, evaluated, RunEnd::Failed { error: failed });
        }
        observer.on_event(TrainEvent::EvaluationDone {
            epoch,
            evaluation: &validation,
        });
        let record = EpochRecord {
            epoch,
            loss: totals.loss(),
            acc: totals.acc(),
            val_loss: validation.loss,
            val_acc: validation.accuracy,
            seconds: started.elapsed().as_secs_f64(),
            us_per_sample: train_seconds * 1e6 / samples as f64,
            lr,
        };
        observer.on_event(TrainEvent::EpochDone(&record));
        history.push(record);
        // A clone shares the parameters' buffers; the next step writes new ones.
        evaluated = Some(Evaluated {
            epoch,
            model: model.clone(),
            evaluation: validation,
        });
        observer.pause().await;
    }
    end(history, evaluated, RunEnd::Completed)
}

impl ShardError {
    fn at(self, epoch: usize) -> TrainError {
        match self {
            Self::Device(source) => TrainError::Device { epoch, source },
            source => TrainError::Shard { epoch, source },
        }
    }
}

#[derive(Default)]
struct RunningTotals {
    loss_sum: f64,
    correct: f64,
    samples: usize,
}

impl RunningTotals {
    /// Reads the pending batches back in one transaction and adds them up. Returns the offset
    /// and value of the first non-finite batch loss, if any.
    async fn read_back(
        &mut self,
        pending: Vec<(Tensor<1>, Tensor<1, Int>, usize)>,
    ) -> Result<Option<(usize, f64)>, ExecutionError> {
        let sizes: Vec<usize> = pending.iter().map(|p| p.2).collect();
        let reads = pending
            .into_iter()
            .fold(Transaction::default(), |t, (loss, correct, _)| {
                t.register(loss).register(correct)
            });
        let data = reads.execute_async().await?;
        for (offset, (pair, size)) in data.chunks_exact(2).zip(sizes).enumerate() {
            let loss_sum = crate::backend::read_f64(&pair[0])[0];
            if !loss_sum.is_finite() {
                return Ok(Some((offset, loss_sum / size as f64)));
            }
            self.loss_sum += loss_sum;
            self.correct += crate::backend::read_f64(&pair[1])[0];
            self.samples += size;
        }
        Ok(None)
    }

    fn loss(&self) -> f64 {
        self.loss_sum / self.samples.max(1) as f64
    }

    fn acc(&self) -> f64 {
        self.correct / self.samples.max(1) as f64
    }
}
