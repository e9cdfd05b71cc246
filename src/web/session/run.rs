//! One run as the page shows it: the stored record plus what only this session knows.

use std::cmp::Ordering;

use crate::backend::BackendKind;
use crate::eval::{ConfidenceHistogram, RunMetrics};
use crate::history::{EpochRecord, History};
use crate::model::ModelSpec;
use crate::plot::RunningPoint;
use crate::train::RunEnd;
use crate::train::{BatchProgress, RunConfig};
use crate::web::format;
use crate::web::protocol::TrainRequest;
use crate::web::saved::{Origin, SavedRun};

use super::run_bar::InProgress;

#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    /// What is kept in the browser and offered for download.
    pub saved: SavedRun,
    /// The training point between epochs, while the run is in progress.
    pub live: Option<RunningPoint>,
    /// The worker holds the run's model (its images and weights can be asked for): runs of
    /// this session until the worker is restarted, not runs restored from storage.
    pub in_worker: bool,
    /// What it does while it trains (the run bar's words, `run_bar.rs`); none once it ended.
    pub in_progress: Option<InProgress>,
    /// Ticked in the runs table, for a report that compares the ticked runs.
    pub in_report: bool,
}

impl RunView {
    /// A run about to start; the data counts and the device come with `RunStarted`.
    pub fn new(name: String, request: &TrainRequest, created: f64) -> Self {
        let config = RunConfig {
            train: request.config.clone(),
            train_samples: 0,
            val_samples: 0,
            data: request.data,
            backend: None,
        };
        let mut view = Self::fresh(SavedRun {
            name,
            created,
            model: request.config.model.clone(),
            origin: Origin::Trained,
            config: Some(config),
            history: History::default(),
            metrics: None,
            confidence: None,
            ending: None,
            weights_bytes: None,
        });
        view.in_progress = Some(InProgress::starting());
        view
    }

    /// Weights from a file, picked at `created` (milliseconds since 1970).
    pub fn loaded(name: String, file: &str, created: f64, model: ModelSpec) -> Self {
        Self::fresh(SavedRun {
            name,
            created,
            model,
            origin: Origin::Loaded { file: file.into() },
            config: None,
            history: History::default(),
            metrics: None,
            confidence: None,
            ending: None,
            weights_bytes: None,
        })
    }

    /// With the evaluation of its weights.
    pub fn with_metrics(mut self, metrics: RunMetrics, confidence: ConfidenceHistogram) -> Self {
        self.saved.metrics = Some(metrics);
        self.saved.confidence = Some(confidence);
        self
    }

    fn fresh(saved: SavedRun) -> Self {
        Self {
            saved,
            live: None,
            in_worker: true,
            in_progress: None,
            in_report: false,
        }
    }

    pub fn restored(saved: SavedRun) -> Self {
        Self {
            saved,
            live: None,
            in_worker: false,
            in_progress: None,
            in_report: false,
        }
    }

    pub fn name(&self) -> &str {
        &self.saved.name
    }

    /// How the run went, in one line, once it no longer trains: "plain #2: done · 8 epochs
    /// in 3 min 10 s · val_acc 0.6120 (best 0.6350 at epoch 6)".
    pub fn outcome_line(&self) -> String {
        let saved = &self.saved;
        let name = &saved.name;
        let history = &saved.history;
        if let Origin::Loaded { file } = &saved.origin {
            let accuracy = saved
                .metrics
                .as_ref()
                .map(|m| format!(" · val_acc {:.4}", m.accuracy))
                .unwrap_or_default();
            return format!("{name}: weights from {file}, evaluated without training{accuracy}");
        }
        let how = match &saved.ending {
            Some(RunEnd::Completed) => "done".to_string(),
            Some(RunEnd::Stopped { epoch, .. }) => format!("stopped by you in epoch {epoch}"),
            Some(RunEnd::Failed { .. }) => "failed".to_string(),
            // Stored while it trained, and the page closed before it ended.
            None => "interrupted (the page was closed while it trained)".to_string(),
        };
        let (Some(last), Some(best)) = (history.last(), history.best()) else {
            return format!("{name}: {how}, before its first epoch ended");
        };
        let took: f64 = history.epochs.iter().map(|e| e.seconds).sum();
        let best = if best.val_acc <= last.val_acc {
            String::new()
        } else {
            format!(" (best {:.4} at epoch {})", best.val_acc, best.epoch)
        };
        format!(
            "{name}: {how} · {} in {} · val_acc {:.4}{best}",
            format::count(history.len(), "epoch"),
            format::duration(took),
            last.val_acc
        )
    }

    /// The share of its epochs the run completed, for the progress bar once it ended.
    pub fn finished_share(&self) -> f64 {
        let planned = self.saved.config.as_ref().map_or(0, |c| c.train.epochs);
        match planned {
            0 => 1.0,
            n => (self.saved.history.len() as f64 / n as f64).min(1.0),
        }
    }

    /// The run's weights can be offered: from the worker, or from the browser's storage.
    pub fn has_weights(&self) -> bool {
        self.saved.metrics.is_some() && (self.in_worker || self.saved.weights_bytes.is_some())
    }

    /// The worker started the run on `backend`, in `shards` workers.
    pub(super) fn started(
        &mut self,
        backend: BackendKind,
        shards: usize,
        train: usize,
        validation: usize,
    ) {
        if let Some(config) = &mut self.saved.config {
            config.backend = Some(backend);
            config.train.shards = shards;
            config.train_samples = train;
            config.val_samples = validation;
        }
    }

    /// The running training point: epoch `e` at fraction f sits at x = e − 1 + f.
    pub(super) fn progress(&mut self, p: &BatchProgress) {
        let fraction = p.samples_done as f64 / p.samples_total.max(1) as f64;
        self.live = Some(RunningPoint {
            position: (p.epoch - 1) as f64 + fraction,
            acc: p.acc,
            loss: p.loss,
        });
    }

    pub(super) fn epoch(
        &mut self,
        record: EpochRecord,
        metrics: RunMetrics,
        confidence: ConfidenceHistogram,
    ) {
        self.saved.history.push(record);
        self.saved.metrics = Some(metrics);
        self.saved.confidence = Some(confidence);
        self.live = None;
    }

    pub(super) fn end(&mut self, ending: RunEnd<String>) {
        self.live = None;
        self.in_progress = None;
        self.saved.ending = Some(ending);
    }
}

/// Stored runs oldest first; runs kept before their time was recorded by name, numbers in
/// numeric order ("plain #2" before "plain #10").
pub(super) fn stored_order(a: &SavedRun, b: &SavedRun) -> Ordering {
    a.created
        .total_cmp(&b.created)
        .then_with(|| name_key(&a.name).cmp(&name_key(&b.name)))
}

/// "plain #10" → ("plain", 10); "plain" → ("plain", 1), as the page numbers runs.
fn name_key(name: &str) -> (&str, u64) {
    match name.rsplit_once(" #") {
        Some((stem, number)) => match number.parse() {
            Ok(n) => (stem, n),
            Err(_) => (name, 1),
        },
        None => (name, 1),
    }
}
