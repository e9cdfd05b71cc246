//! One training run in the worker: pick the device, self-check WebGPU once, train, and post
//! every step of the way to the page.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use burn::tensor::Device;
use web_time::Instant;

use super::kept::{KeptModel, keep};
use super::run_observer::RunObserver;
use super::{Outbox, Worker};
use crate::backend::BackendKind;
use crate::data::{Cifar10, Splits};
use crate::model::Cnn;
use crate::train::{
    CancelToken, ParityReport, RunEnd, TrainConfig, step_parity, train, train_in_shards,
};
use crate::web::device::DeviceDecision;
use crate::web::device::webgpu::{self, Gpu, WebGpu};
use crate::web::parallel::{HELPER_SCRIPT, Helpers, Machine};
use crate::web::protocol::{Event, Stage, TrainRequest};

pub struct Devices {
    pub cpu: Device,
    pub gpu: Gpu,
    /// The self-check already passed on this WebGPU device.
    pub checked: bool,
}

/// Images in the self-check's batch: enough to exercise every kernel, quick on SwiftShader.
const SELF_CHECK_IMAGES: usize = 16;

/// `Request::Train`: the run, on the data loaded, its model kept afterwards (the least
/// recently used one beyond the shelf's capacity is dropped, and the page told).
pub(super) async fn answer(worker: &Rc<RefCell<Worker>>, outbox: &Outbox, request: TrainRequest) {
    let (data, devices, cancel) = {
        let mut w = worker.borrow_mut();
        w.cancel = CancelToken::new();
        let devices = Devices {
            cpu: Device::flex().autodiff(),
            gpu: w.gpu.clone(),
            checked: w.checked,
        };
        (w.data.clone(), devices, w.cancel.clone())
    };
    let Some(data) = data else {
        let message = "load the data set before training".to_string();
        return outbox.post(&Event::Refused { message });
    };
    worker.borrow_mut().busy = Some("training");
    let name = request.run.clone();
    let result = train_run(outbox, &data, devices, request, &cancel).await;
    {
        let mut w = worker.borrow_mut();
        w.checked |= result.passed_check;
        w.busy = None;
    }
    if let Some(trained) = result.trained {
        keep(worker, outbox, name, trained);
    }
}

/// What a run leaves in the worker.
pub struct AfterRun {
    /// WebGPU's self-check passed during this run.
    pub passed_check: bool,
    /// The model to keep, if at least one epoch was evaluated.
    pub trained: Option<KeptModel>,
}

/// Runs one training request to its end: the device placed, WebGPU self-checked once, the
/// run's settings for that device, its helper workers started, the loop run, and the model of
/// its last completed epoch kept. A step that fails ends the run in its words.
pub async fn train_run(
    outbox: &Outbox,
    data: &Rc<Cifar10>,
    devices: Devices,
    request: TrainRequest,
    cancel: &CancelToken,
) -> AfterRun {
    let requested = Instant::now();
    let mut after = AfterRun {
        passed_check: false,
        trained: None,
    };
    let ending = match prepare(outbox, data, &devices, &request, &mut after.passed_check).await {
        Ok(prepared) => {
            let (ending, trained) =
                train_prepared(outbox, data, prepared, &request, cancel, requested).await;
            after.trained = trained;
            ending
        }
        Err(message) => RunEnd::Failed { error: message },
    };
    outbox.post(&Event::RunEnded {
        run: request.run,
        ending,
    });
    after
}

/// A run ready to train: where, with what settings, on which images, with which helpers.
struct Prepared {
    gpu: Option<Rc<WebGpu>>,
    /// The device the run trains on: the GPU's, or the CPU's.
    device: Device,
    note: Option<String>,
    config: TrainConfig,
    splits: Splits,
    helpers: Option<Helpers>,
    helpers_memory: Rc<Cell<u64>>,
}

/// Everything before the first batch; `passed` says whether the self-check passed on the way.
async fn prepare(
    outbox: &Outbox,
    data: &Rc<Cifar10>,
    devices: &Devices,
    request: &TrainRequest,
    passed: &mut bool,
) -> Result<Prepared, String> {
    let (gpu, note) = match devices.gpu.choose(request.backend) {
        DeviceDecision::WebGpu => (devices.gpu.webgpu.clone(), None),
        DeviceDecision::Cpu { note } => (None, note),
        DeviceDecision::Refuse(why) => return Err(why),
    };
    if let Some(gpu) = &gpu
        && !devices.checked
    {
        self_check(outbox, data, &devices.cpu, gpu, request.config.seed).await?;
        *passed = true;
    }
    let device = match &gpu {
        Some(gpu) => gpu.device.clone(),
        None => devices.cpu.clone(),
    };
    let config = settings_for(request, gpu.is_some());
    let splits = Splits::new(&data.train, &data.test, request.data, config.seed)
        .map_err(|error| error.to_string())?;
    let helpers_memory = Rc::new(Cell::new(0));
    let helpers = start_helpers(&config, helpers_memory.clone()).await?;
    Ok(Prepared {
        gpu,
        device,
        note,
        config,
        splits,
        helpers,
        helpers_memory,
    })
}

/// One training step on WebGPU against the CPU backend, before the first run there: a GPU or
/// driver that computes wrongly is refused in words instead of training nonsense.
async fn self_check(
    outbox: &Outbox,
    data: &Cifar10,
    cpu: &Device,
    gpu: &WebGpu,
    seed: u64,
) -> Result<(), String> {
    let batch = data
        .train
        .select(&(0..SELF_CHECK_IMAGES.min(data.train.len())).collect::<Vec<_>>());
    outbox.post(&Event::Stage {
        stage: Stage::SelfCheck,
    });
    let report = match step_parity(cpu, &gpu.device, &batch, seed).await {
        Ok(report) => report,
        Err(error) => {
            let problem = error.to_string();
            outbox.post(&Event::SelfCheck {
                report: None,
                problem: Some(problem.clone()),
            });
            return Err(format!("WebGPU's self-check could not run: {problem}"));
        }
    };
    outbox.post(&Event::SelfCheck {
        report: Some(report.clone()),
        problem: None,
    });
    if report.agrees() {
        return Ok(());
    }
    Err(format!(
        "WebGPU's self-check failed: one training step differs from the CPU backend's by \
         {:.1e} (relative; tolerance {:.0e}){}. This GPU or driver computes wrongly: train on \
         the CPU backend",
        report.max_relative_difference,
        ParityReport::TOLERANCE,
        if report.non_finite {
            ", with NaN or infinite values"
        } else {
            ""
        }
    ))
}

/// The request's settings as this device runs them.
fn settings_for(request: &TrainRequest, on_gpu: bool) -> TrainConfig {
    let mut config = request.config.clone();
    // Reading back stalls a GPU, so it waits for a few batches there; the CPU reports each.
    config.readback_every = if on_gpu { 4 } else { 1 };
    // The CPU trains in as many workers as asked for (a shard each); WebGPU in one.
    config.shards = match on_gpu {
        true => 1,
        false => request.workers.count(Machine::default()),
    };
    config
}

/// The run's helper workers, one per shard beyond the lead's; none for one shard.
async fn start_helpers(
    config: &TrainConfig,
    memory: Rc<Cell<u64>>,
) -> Result<Option<Helpers>, String> {
    if config.shards <= 1 {
        return Ok(None);
    }
    let smoothing = config.recipe.label_smoothing;
    let count = config.shards - 1;
    Helpers::start(
        HELPER_SCRIPT,
        count,
        &config.model,
        smoothing,
        config.seed,
        memory,
    )
    .await
    .map(Some)
    .map_err(|error| {
        format!(
            "could not start the run's {} workers: {error}",
            config.shards
        )
    })
}

/// The loop, from the first batch to the run's end, posting as it goes; the model of the last
/// completed epoch to keep.
async fn train_prepared(
    outbox: &Outbox,
    data: &Rc<Cifar10>,
    prepared: Prepared,
    request: &TrainRequest,
    cancel: &CancelToken,
    requested: Instant,
) -> (RunEnd<String>, Option<KeptModel>) {
    let Prepared {
        gpu,
        device,
        note,
        config,
        splits,
        mut helpers,
        helpers_memory,
    } = prepared;
    let run = request.run.clone();
    let backend = match gpu {
        Some(_) => BackendKind::Wgpu,
        None => BackendKind::Flex,
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
    let mut observer = RunObserver::new(
        outbox,
        run,
        data,
        &splits,
        requested,
        gpu.as_ref().map(|_| cancel.clone()),
        helpers_memory,
    );
    let outcome = match &mut helpers {
        Some(pool) => {
            let observer = &mut observer;
            train_in_shards(&config, model, &splits, &device, observer, cancel, pool).await
        }
        None => train(&config, model, &splits, &device, &mut observer, cancel).await,
    };
    // The helpers end with the run; the next run starts a fresh set.
    drop(helpers);
    // The model of the last completed epoch, the one the page shows the metrics of.
    let trained = outcome
        .evaluated
        .zip(splits.validation_picked)
        .map(|(evaluated, validation)| KeptModel {
            tta: config.recipe.tta && evaluated.epoch == config.epochs,
            device: device.clone(),
            model: evaluated.model,
            spec: config.model.clone(),
            data: data.clone(),
            validation,
            evaluation: evaluated.evaluation,
        });
    let lost = gpu.as_ref().and_then(|_| webgpu::loss());
    (ending(outcome.end, lost), trained)
}

/// How the run ended, in words: a lost GPU stops the loop as Stop does, but it ended the run,
/// not the user.
fn ending(end: RunEnd, lost: Option<String>) -> RunEnd<String> {
    match (end, lost) {
        (RunEnd::Stopped { epoch, batch }, Some(lost)) => RunEnd::Failed {
            error: format!("{lost}; the run ended in epoch {epoch}, batch {batch}"),
        },
        (RunEnd::Failed { error }, Some(lost)) => RunEnd::Failed {
            error: format!("{lost}; then: {error}"),
        },
        (end, _) => end.described(),
    }
}
