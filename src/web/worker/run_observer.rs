//! A run's observer in the training worker: the loop's events as messages to the page (the
//! first step's time, progress with the workers' memory, each epoch's metrics), and its
//! pauses, where Stop and a lost GPU are noticed.

use std::cell::Cell;
use std::rc::Rc;

use web_time::Instant;

use super::kept::confidence_of;
use super::{Outbox, yield_to_events};
use crate::data::{Cifar10, Splits};
use crate::eval::{Evaluation, RunMetrics};
use crate::history::History;
use crate::train::{CancelToken, Observer, TrainEvent};
use crate::web::device::webgpu;
use crate::web::parallel::wasm_memory_bytes;
use crate::web::protocol::Event;

/// The loop's observer in the worker: every event becomes a message to the page.
pub(super) struct RunObserver {
    outbox: Outbox,
    run: String,
    classes: crate::data::ClassNames,
    /// The validation labels, for the confidence histogram's right and wrong.
    labels: Vec<u8>,
    history: History,
    evaluation: Option<Evaluation>,
    requested: Instant,
    first_step_sent: bool,
    last_yield: Instant,
    /// The run's own Stop, pulled (in `pause`) when the GPU it trains on is lost.
    stop_if_gpu_lost: Option<CancelToken>,
    /// The helper workers' memory, summed (0 without helpers).
    helpers_memory: Rc<Cell<u64>>,
}

impl RunObserver {
    /// The observer of `run` on `data`'s `splits`, requested at `requested`; `stop_if_gpu_lost`
    /// is the run's Stop where it trains on WebGPU.
    pub(super) fn new(
        outbox: &Outbox,
        run: String,
        data: &Cifar10,
        splits: &Splits,
        requested: Instant,
        stop_if_gpu_lost: Option<CancelToken>,
        helpers_memory: Rc<Cell<u64>>,
    ) -> Self {
        Self {
            outbox: outbox.clone(),
            run,
            classes: data.classes.clone(),
            labels: splits.validation.labels.clone(),
            history: History::default(),
            evaluation: None,
            requested,
            first_step_sent: false,
            last_yield: Instant::now(),
            stop_if_gpu_lost,
            helpers_memory,
        }
    }
}

impl Observer for RunObserver {
    fn on_event(&mut self, event: TrainEvent<'_>) {
        let run = self.run.clone();
        match event {
            TrainEvent::Started { .. } => {}
            TrainEvent::BatchDone(progress) => {
                if !self.first_step_sent {
                    self.first_step_sent = true;
                    let seconds = self.requested.elapsed().as_secs_f64();
                    self.outbox.post(&Event::FirstStep {
                        run: run.clone(),
                        seconds,
                    });
                }
                self.outbox.post(&Event::Progress {
                    run,
                    progress,
                    memory_bytes: Some(wasm_memory_bytes() + self.helpers_memory.get()),
                });
            }
            TrainEvent::ValidationStarted { epoch } => {
                self.outbox.post(&Event::Validating { run, epoch });
            }
            TrainEvent::EvaluationDone { evaluation, .. } => {
                self.evaluation = Some(evaluation.clone());
            }
            TrainEvent::EpochDone(record) => {
                self.history.push(record.clone());
                if let Some(evaluation) = &self.evaluation {
                    let metrics = RunMetrics::new(evaluation, &self.history, &self.classes);
                    let confidence = confidence_of(evaluation, &self.labels);
                    self.outbox.post(&Event::Epoch {
                        run,
                        record: record.clone(),
                        metrics,
                        confidence,
                    });
                }
            }
        }
    }

    /// Yields to the worker's event loop at most every 30 ms: often enough for Stop to land
    /// before the next batch, rarely enough not to slow a fast GPU.
    /// Also where a lost GPU stops the run: the loop pauses after every batch, and the loss
    /// is noticed while it yields.
    async fn pause(&mut self) {
        if self.last_yield.elapsed().as_secs_f64() >= 0.03 {
            yield_to_events(&self.outbox.0).await;
            self.last_yield = Instant::now();
        }
        if let Some(stop) = &self.stop_if_gpu_lost
            && webgpu::loss().is_some()
        {
            stop.cancel();
        }
    }
}
