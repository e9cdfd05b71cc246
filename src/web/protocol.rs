//! The messages between the page and its training worker. The page only draws; the worker owns
//! the data, the devices and the training loop. Both sides are this crate, so the messages are
//! plain serde types sent as JSON text (a file picked from disk travels beside the JSON, as a
//! `File`, which the browser clones without copying).

use serde::{Deserialize, Serialize};

use super::parallel::CpuWorkers;
use crate::backend::BackendKind;
use crate::data::{Augment, DataSpec};
use crate::eval::{ConfidenceHistogram, RunMetrics};
use crate::history::EpochRecord;
use crate::model::ModelSpec;
use crate::optim::OptimizerKind;
use crate::train::{BatchProgress, ParityReport, RunEnd, SpeedSample, TrainConfig};

/// Which device the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BackendChoice {
    /// WebGPU on a hardware adapter, else the CPU (see `web::device`).
    Auto,
    WebGpu,
    Cpu,
}

impl BackendChoice {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "auto" => Some(Self::Auto),
            "webgpu" => Some(Self::WebGpu),
            "cpu" => Some(Self::Cpu),
            _ => None,
        }
    }
}

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Look for WebGPU and open it (once); answered by [`Event::Backend`].
    Init,
    /// Fetch the batches from `base` (a folder URL ending in `/`), from the browser's cache
    /// when they were fetched before.
    LoadUrl {
        base: String,
    },
    /// Read the official `cifar-10-binary.tar.gz`, attached to the message as a `File`.
    LoadArchive {
        name: String,
    },
    /// Forget the cached batches.
    ClearCache,
    Train(TrainRequest),
    /// Time a few training steps of the form's model on random images, answered by
    /// [`Event::SpeedMeasured`] or [`Event::SpeedFailed`].
    MeasureSpeed(SpeedRequest),
    /// Stop the current run before its next batch.
    Stop,
    /// One page of the validation images of a confusion-matrix cell.
    Gallery(CellPage),
    /// Training image [`AUGMENT_SAMPLE`] as the first [`AUGMENT_EPOCHS`] epochs of a run with
    /// these settings would show it, answered by [`Event::AugmentSamples`].
    AugmentSamples {
        augment: Augment,
        seed: u64,
    },
    /// The run's trained weights (burnpack), answered by [`Event::Weights`] with the bytes.
    SaveWeights {
        run: String,
    },
    /// What the run's model sees in a picture of the user's own: `pixels` is its CIFAR-10
    /// version (`data::cifar_pixels`). Answered by [`Event::Classified`].
    Classify {
        run: String,
        pixels: Vec<u8>,
    },
    /// The run was removed from the page: its model need not be kept.
    Forget {
        run: String,
    },
    /// Evaluate weights from a file (attached as a `File`), answered by [`Event::Evaluated`].
    LoadWeights(WeightsFile),
}

/// Weights from a file to evaluate on the validation set the form describes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightsFile {
    /// The run it becomes on the page.
    pub run: String,
    pub file_name: String,
    /// Tried first, then the other architectures.
    pub model: ModelSpec,
    pub backend: BackendChoice,
    /// The images to evaluate on, picked with `seed` as a run with these settings would.
    pub data: DataSpec,
    pub seed: u64,
}

/// What to time: the form's model, optimizer and device, at `batch_size`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedRequest {
    pub model: ModelSpec,
    pub optimizer: OptimizerKind,
    pub batch_size: usize,
    pub backend: BackendChoice,
    /// Workers, if the CPU is timed.
    #[serde(default)]
    pub workers: CpuWorkers,
}

/// The training image the augmentation strip shows (a clear, off-centre subject).
pub const AUGMENT_SAMPLE: usize = 7;
/// How many epochs' versions of it the strip shows.
pub const AUGMENT_EPOCHS: usize = 8;

/// Images per gallery page.
pub const GALLERY_PAGE: usize = 24;

/// A page of the validation images in one cell of a run's confusion matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CellPage {
    pub run: String,
    /// The true class (the matrix's row) and the predicted one (its column).
    pub truth: usize,
    pub predicted: usize,
    /// 0-based, [`GALLERY_PAGE`] images a page.
    pub page: usize,
}

/// One validation image: its CHW bytes and every class's predicted probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GalleryImage {
    /// Position in the run's validation set.
    pub index: usize,
    pub pixels: Vec<u8>,
    pub probabilities: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRequest {
    pub run: String,
    /// `shards` is set by the worker: the workers a run on the CPU gets, else 1.
    pub config: TrainConfig,
    pub backend: BackendChoice,
    pub data: DataSpec,
    /// Workers for a run on the CPU.
    #[serde(default)]
    pub workers: CpuWorkers,
}

/// What the browser says about its WebGPU adapter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdapterInfo {
    pub vendor: String,
    pub architecture: String,
    pub device: String,
    pub description: String,
    /// A software adapter (SwiftShader): real WebGPU, CPU speed.
    pub fallback: bool,
}

impl AdapterInfo {
    /// "google swiftshader (fallback adapter)", "nvidia ampere".
    pub fn label(&self) -> String {
        let mut parts: Vec<&str> = [&self.vendor, &self.architecture, &self.device]
            .into_iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() && !self.description.trim().is_empty() {
            parts.push(self.description.trim());
        }
        let name = if parts.is_empty() {
            "unnamed adapter".to_string()
        } else {
            parts.join(" ")
        };
        if self.fallback {
            format!("{name} (fallback adapter: software, slow)")
        } else {
            name
        }
    }
}

/// The steps between pressing Train and the first progress line. On WebGPU the first batch
/// compiles every kernel, which takes a minute and more on a software adapter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// One training step on WebGPU and on the CPU, compared (compiles WebGPU's kernels).
    SelfCheck,
    /// The first batch of the run is on its way.
    FirstBatch { backend: BackendKind },
}

/// Worker → page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// The worker's wasm is running and listening.
    Ready,
    /// WebGPU's state: `webgpu` is its adapter when it opened (or, in the CPU-only module,
    /// the adapter there is); `problem` says why there is none.
    Backend {
        webgpu: Option<AdapterInfo>,
        problem: Option<String>,
        /// Whether this worker's module can train on WebGPU (burn's GPU backend is in it).
        #[serde(default)]
        gpu_module: bool,
    },
    /// Bytes of the data set arrived (from the network or the cache).
    DataProgress {
        loaded: u64,
        /// Known once every file's size is known.
        total: Option<u64>,
        seconds: f64,
    },
    /// A download is tried again after `seconds`: the server said it was busy (`status`), or
    /// did not answer at all (`None`).
    DataRetrying {
        file: String,
        status: Option<u16>,
        seconds: f64,
    },
    DataReady {
        source: String,
        train_images: usize,
        test_images: usize,
        classes: Vec<String>,
        /// Files served from the browser's cache instead of the network.
        cached_files: usize,
        seconds: f64,
    },
    DataFailed {
        message: String,
    },
    CacheCleared {
        files: usize,
    },
    /// A note for the user that is not an error (e.g. cache unavailable).
    Notice {
        message: String,
    },
    /// What the worker is doing before the first batch's numbers exist.
    Stage {
        stage: Stage,
    },
    /// The WebGPU-vs-CPU one-step check.
    SelfCheck {
        report: Option<ParityReport>,
        problem: Option<String>,
    },
    RunStarted {
        run: String,
        backend: BackendKind,
        /// Why the run is not on the device the user may have expected (see `web::device`).
        #[serde(default)]
        note: Option<String>,
        config: TrainConfig,
        train_images: usize,
        val_images: usize,
        batches_per_epoch: usize,
    },
    /// Seconds from the Train request to the first batch's result on the device.
    FirstStep {
        run: String,
        seconds: f64,
    },
    Progress {
        run: String,
        progress: BatchProgress,
        /// The worker's WebAssembly memory (it only grows, so this is also its peak).
        #[serde(default)]
        memory_bytes: Option<u64>,
    },
    Validating {
        run: String,
        epoch: usize,
    },
    Epoch {
        run: String,
        record: EpochRecord,
        metrics: RunMetrics,
        confidence: ConfidenceHistogram,
    },
    /// Training image `index` (of class `class`), once per epoch as augmentation shows it.
    AugmentSamples {
        index: usize,
        class: usize,
        images: Vec<Vec<u8>>,
    },
    Gallery {
        cell: CellPage,
        /// Images in the cell, over all pages.
        total: usize,
        images: Vec<GalleryImage>,
    },
    /// The weights of `run`; the burnpack bytes travel beside the JSON as `bytes`.
    Weights {
        run: String,
        model: ModelSpec,
    },
    /// Weights from a file, evaluated without training.
    Evaluated {
        run: String,
        model: ModelSpec,
        val_images: usize,
        metrics: RunMetrics,
        confidence: ConfidenceHistogram,
    },
    RunEnded {
        run: String,
        ending: RunEnd<String>,
    },
    /// Every class's probability for the picture of a [`Request::Classify`], or why the run's
    /// model could not say.
    Classified {
        run: String,
        outcome: Result<Vec<f32>, String>,
    },
    /// The worker no longer keeps these runs' models (it keeps only the most recent few), so
    /// their images and weights cannot be asked for.
    Forgotten {
        runs: Vec<String>,
    },
    /// The device's speed on the model of a [`Request::MeasureSpeed`].
    SpeedMeasured {
        backend: BackendKind,
        sample: SpeedSample,
        /// The workers that trained (1 on WebGPU).
        #[serde(default = "one")]
        workers: usize,
    },
    SpeedFailed {
        message: String,
    },
    /// A request that could not be served (e.g. Train before the data is loaded).
    Refused {
        message: String,
    },
    /// The worker panicked (wgpu does on out-of-memory and other uncaptured GPU errors) and
    /// is gone; the page keeps what it received and starts a new worker.
    Crashed {
        message: String,
    },
}

fn one() -> usize {
    1
}

#[derive(Debug, thiserror::Error)]
#[error("a malformed message between page and worker: {0}")]
pub struct ProtocolError(#[from] serde_json::Error);

impl Request {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("requests are plain data")
    }

    pub fn from_json(text: &str) -> Result<Self, ProtocolError> {
        Ok(serde_json::from_str(text)?)
    }
}

impl Event {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("events are plain data")
    }

    pub fn from_json(text: &str) -> Result<Self, ProtocolError> {
        Ok(serde_json::from_str(text)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-check that found NaN reaches the page as NaN (serde_json alone would send null,
    /// and the page would drop the message as malformed).
    #[test]
    fn non_finite_numbers_cross_between_page_and_worker() {
        let report = ParityReport {
            loss_reference: 2.302,
            loss_candidate: f64::NAN,
            max_relative_difference: f64::INFINITY,
            non_finite: true,
        };
        let event = Event::SelfCheck {
            report: Some(report),
            problem: None,
        };
        let Event::SelfCheck {
            report: Some(back), ..
        } = Event::from_json(&event.to_json()).unwrap()
        else {
            panic!("not a self-check");
        };
        assert!(back.loss_candidate.is_nan());
        assert_eq!(back.max_relative_difference, f64::INFINITY);
        assert_eq!(back.loss_reference, 2.302);
    }
}
