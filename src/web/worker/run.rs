//! One training run in the worker: pick the device, self-check WebGPU once, train, and post
//! every step of the way to the page.

use std::rc::Rc;

use burn::tensor::Device;
use web_time::Instant;

use super::{Outbox, WebGpu, yield_to_events};
use crate::backend::BackendKind;
use crate::data::{Cifar10, IMAGE_BYTES, ImageSet, NUM_CLASSES, Picked, Splits};
use crate::eval::{ConfidenceHistogram, Evaluation, RunMetrics, predict};
use crate::history::History;
use crate::model::{Cnn, ModelSpec};
use crate::train::{CancelToken, Observer, RunEnd, TrainEvent, step_parity, train};
use crate::web::device::{DeviceDecision, decide};
use crate::web::protocol::{AdapterInfo, Event, RunEnding, Stage, TrainRequest};

pub struct Devices {
    pub cpu: Device,
    pub webgpu: Option<Rc<WebGpu>>,
    /// The adapter there is (without `webgpu` in the CPU-only module).
    pub adapter: Option<AdapterInfo>,
    pub webgpu_problem: Option<String>,
    /// The self-check already passed on this WebGPU device.
    pub checked: bool,
}

/// Images in the self-check's batch: enough to exercise every kernel, quick on SwiftShader.
const SELF_CHECK_IMAGES: usize = 16;

/// A model the worker keeps after its run, for the gallery, the weights download and the
/// user's own pictures. Its validation images are positions in the data set, not a copy of
/// them (30 MB a run).
pub struct KeptModel {
    pub model: Cnn,
    /// Where the model lives (WebGPU or the CPU).
    pub device: Device,
    /// Its metrics came from the six test-time views (fast94's last epoch): so do its
    /// answers about a picture.
    pub tta: bool,
    pub architecture: ModelSpec,
    pub data: Rc<Cifar10>,
    pub validation: Picked,
    pub evaluation: Evaluation,
}

impl KeptModel {
    fn validation_set(&self) -> &ImageSet {
        self.validation.source(&self.data.train, &self.data.test)
    }

    pub fn label(&self, i: usize) -> u8 {
        self.validation_set().labels[self.validation.indices()[i]]
    }

    pub fn image(&self, i: usize) -> &[u8] {
        self.validation_set().image(self.validation.indices()[i])
    }

    pub fn confidence(&self) -> ConfidenceHistogram {
        let labels: Vec<u8> = (0..self.validation.len()).map(|i| self.label(i)).collect();
        confidence_of(&self.evaluation, &labels)
    }
}

/// Every class's probability for a picture's CIFAR-10 `pixels`, from the model of `run`.
pub async fn classify(
    trained: Option<&KeptModel>,
    run: &str,
    pixels: &[u8],
) -> Result<Vec<f32>, String> {
    let trained =
        trained.ok_or_else(|| format!("the model of `{run}` is not in this session any more"))?;
    if pixels.len() != IMAGE_BYTES {
        let got = pixels.len();
        return Err(format!("a picture of {got} bytes instead of {IMAGE_BYTES}"));
    }
    predict(&trained.model, pixels, &trained.device, trained.tta)
        .await
        .map_err(|e| format!("the model of `{run}` could not run: {e}"))
}

/// Bins of the confidence histogram.
pub const CONFIDENCE_BINS: usize = 20;

pub fn confidence_of(evaluation: &Evaluation, labels: &[u8]) -> ConfidenceHistogram {
    ConfidenceHistogram::new(
        &evaluation.confidence,
        &evaluation.predictions,
        labels,
        CONFIDENCE_BINS,
    )
}

/// What a run leaves in the worker.
pub struct AfterRun {
    /// WebGPU's self-check passed during this run.
    pub passed_check: bool,
    /// The model to keep, if at least one epoch was evaluated.
    pub trained: Option<KeptModel>,
}

/// Runs one training request to its end.
pub async fn train_run(
    outbox: &Outbox,
    data: &Rc<Cifar10>,
    devices: Devices,
    request: TrainRequest,
    cancel: &CancelToken,
) -> AfterRun {
    let nothing = |passed_check| AfterRun {
        passed_check,
        trained: None,
    };
    let requested = Instant::now();
    let run = request.run.clone();
    let fail = |message: String| {
        outbox.post(&Event::RunEnded {
            run: run.clone(),
            ending: RunEnding::Failed { message },
        })
    };
    let decision = decide(
        request.backend,
        devices.adapter.as_ref(),
        devices.webgpu_problem.as_deref(),
    );
    let (gpu, note) = match decision {
        DeviceDecision::WebGpu if devices.webgpu.is_none() => {
            fail(super::devices::NOT_IN_THIS_MODULE.into());
            return nothing(false);
        }
        DeviceDecision::WebGpu => (devices.webgpu.clone(), None),
        DeviceDecision::Cpu { note } => (None, note),
        DeviceDecision::Refuse(why) => {
            fail(why);
            return nothing(false);
        }
    };
    let mut passed = false;
    if let Some(gpu) = &gpu
        && !devices.checked
    {
        let batch = data
            .train
            .select(&(0..SELF_CHECK_IMAGES.min(data.train.len())).collect::<Vec<_>>());
        outbox.post(&Event::Stage {
            stage: Stage::SelfCheck,
        });
        match step_parity(&devices.cpu, &gpu.device, &batch, request.config.seed).await {
            Ok(report) => {
                let agrees = report.agrees();
                outbox.post(&Event::SelfCheck {
                    report: Some(report.clone()),
                    problem: None,
                });
                if !agrees {
                    fail(format!(
                        "WebGPU's self-check failed: one training step differs from the CPU \
                         backend's by {:.1e} (relative; tolerance {:.0e}){}. This GPU or driver \
                         computes wrongly: train on the CPU backend",
                        report.max_relative_difference,
                        crate::train::ParityReport::TOLERANCE,
                        if report.non_finite {
                            ", with NaN or infinite values"
                        } else {
                            ""
                        }
                    ));
                    return nothing(false);
                }
                passed = true;
            }
            Err(error) => {
                let problem = error.to_string();
                outbox.post(&Event::SelfCheck {
                    report: None,
                    problem: Some(problem.clone()),
                });
                fail(format!("WebGPU's self-check could not run: {problem}"));
                return nothing(false);
            }
        }
    }
    let (device, backend) = match &gpu {
        Some(gpu) => (gpu.device.clone(), BackendKind::Wgpu),
        None => (devices.cpu.clone(), BackendKind::Flex),
    };
    let mut config = request.config.clone();
    // Reading back stalls a GPU, so it waits for a few batches there; the CPU reports each.
    config.readback_every = if gpu.is_some() { 4 } else { 1 };
    let splits = match Splits::new(
        &data.train,
        &data.test,
        request.validation,
        request.subset,
        config.seed,
    ) {
        Ok(splits) => splits,
        Err(error) => {
            fail(error.to_string());
            return nothing(passed);
        }
    };
    device.seed(config.seed);
    let model = Cnn::new(&config.model, &device);
    outbox.post(&Event::RunStarted {
        run: run.clone(),
        backend,
        note,
        config: config.clone(),
        train_images: splits.train.len(),
        val_images: splits.validation.len(),
        batches_per_epoch: splits.train.len().div_ceil(config.batch_size.max(1)),
    });
    outbox.post(&Event::Stage {
        stage: Stage::FirstBatch { backend },
    });
    let mut observer = Poster {
        outbox: outbox.clone(),
        run: run.clone(),
        classes: data.classes.clone(),
        labels: splits.validation.labels.clone(),
        history: History::default(),
        evaluation: None,
        requested,
        first_step_sent: false,
        last_yield: Instant::now(),
        stop_if_gpu_lost: gpu.as_ref().map(|_| cancel.clone()),
    };
    let outcome = train(&config, model, &splits, &device, &mut observer, cancel).await;
    // The model of the last completed epoch, the one the page shows the metrics of.
    let trained = outcome
        .evaluated
        .zip(splits.validation_picked)
        .map(|(evaluated, validation)| KeptModel {
            tta: config.recipe.tta && evaluated.epoch == config.epochs,
            device: device.clone(),
            model: evaluated.model,
            architecture: config.model.clone(),
            data: data.clone(),
            validation,
            evaluation: evaluated.evaluation,
        });
    let lost = gpu.as_ref().and_then(|_| super::gpu::loss());
    let ending = match (outcome.end, lost) {
        (RunEnd::Completed, _) => RunEnding::Completed,
        (RunEnd::Cancelled { epoch, batch }, Some(lost)) => RunEnding::Failed {
            message: format!("{lost}; the run ended in epoch {epoch}, batch {batch}"),
        },
        (RunEnd::Failed(error), Some(lost)) => RunEnding::Failed {
            message: format!("{lost}; then: {error}"),
        },
        (RunEnd::Cancelled { epoch, batch }, None) => RunEnding::Stopped { epoch, batch },
        (RunEnd::Failed(error), None) => RunEnding::Failed {
            message: error.to_string(),
        },
    };
    outbox.post(&Event::RunEnded { run, ending });
    AfterRun {
        passed_check: passed,
        trained,
    }
}

/// The loop's observer in the worker: every event becomes a message to the page.
struct Poster {
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
}

/// The size of this worker's WebAssembly memory.
fn wasm_memory_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as u64
}

impl Observer for Poster {
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
                    memory_bytes: Some(wasm_memory_bytes()),
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
            && super::gpu::loss().is_some()
        {
            stop.cancel();
        }
    }
}

/// The validation images of one confusion cell, a page at a time.
pub fn gallery(
    trained: &KeptModel,
    truth: usize,
    predicted: usize,
    page: usize,
) -> (usize, Vec<crate::web::protocol::GalleryImage>) {
    let cell: Vec<usize> = (0..trained.validation.len())
        .filter(|&i| {
            trained.label(i) as usize == truth
                && trained.evaluation.predictions[i] as usize == predicted
        })
        .collect();
    let size = crate::web::protocol::GALLERY_PAGE;
    let images = cell
        .iter()
        .skip(page * size)
        .take(size)
        .map(|&index| crate::web::protocol::GalleryImage {
            index,
            pixels: trained.image(index).to_vec(),
            probabilities: trained.evaluation.probabilities
                [index * NUM_CLASSES..(index + 1) * NUM_CLASSES]
                .to_vec(),
        })
        .collect();
    (cell.len(), images)
}
