//! The training worker: owns the data set, the devices and the loop, and tells the page what
//! happens through [`Event`]s. Requests are handled one at a time, except Stop, which is
//! honoured at once (the loop checks it before every batch).

mod data;
mod devices;
mod fetch;
mod gpu;
mod run;
mod speed;
mod weights;

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

pub use data::LoadError;
#[cfg(feature = "wgpu")]
pub use gpu::open_webgpu;
pub use gpu::{WebGpu, device_lost};

use super::device::decide;
use super::envelope;
use super::error::js_message;
use super::protocol::{AUGMENT_EPOCHS, AUGMENT_SAMPLE, AdapterInfo, Event, Request};
use super::shelf::Shelf;
use crate::data::Cifar10;
use crate::model::weights_to_bytes;
use crate::train::CancelToken;

/// Everything the worker keeps between requests.
struct Worker {
    scope: DedicatedWorkerGlobalScope,
    data: Option<Rc<Cifar10>>,
    /// The adapter there is: opened as `webgpu` in the GPU module, only asked about in the
    /// CPU-only one.
    adapter: Option<AdapterInfo>,
    webgpu: Option<Rc<WebGpu>>,
    webgpu_problem: Option<String>,
    /// Whether the WebGPU-vs-CPU self-check has passed.
    checked: bool,
    cancel: CancelToken,
    /// Aborts the data download in progress (Stop).
    load_abort: Option<web_sys::AbortController>,
    /// What the worker is doing, when a request is still running.
    busy: Option<&'static str>,
    /// Models of this session's runs, by run name.
    models: Shelf<Rc<run::KeptModel>>,
}

/// Posts events to the page.
#[derive(Clone)]
pub struct Outbox(DedicatedWorkerGlobalScope);

impl Outbox {
    pub fn post(&self, event: &Event) {
        self.send(event, None);
    }

    /// An event with bytes beside its JSON (see [`envelope`]).
    pub fn post_with_bytes(&self, event: &Event, bytes: &[u8]) {
        self.send(event, Some(bytes));
    }

    fn send(&self, event: &Event, bytes: Option<&[u8]>) {
        let (message, transfer) = envelope::pack_event(event, bytes);
        // Posting cannot fail for a live worker; there is nobody else to tell.
        let _ = self.0.post_message_with_transfer(&message, &transfer);
    }
}

pub fn start(scope: DedicatedWorkerGlobalScope) {
    let outbox = Outbox(scope.clone());
    install_panic_hook(outbox.clone());
    // Counts every WebGPU call from here on (Measure speed reports a step's work).
    super::gpu_meter::install();
    let worker = Rc::new(RefCell::new(Worker {
        scope: scope.clone(),
        data: None,
        adapter: None,
        webgpu: None,
        webgpu_problem: None,
        checked: false,
        cancel: CancelToken::new(),
        load_abort: None,
        busy: None,
        models: Shelf::default(),
    }));
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        receive(&worker, &outbox, message);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    Outbox(scope).post(&Event::Ready);
}

/// A panic ends the wasm instance; say why first, so the page can keep what it has and tell
/// the user (wgpu panics on out-of-memory and other uncaptured GPU errors, and may on a lost
/// device, whose loss is then named first).
fn install_panic_hook(outbox: Outbox) {
    std::panic::set_hook(Box::new(move |info| {
        let message = match gpu::loss() {
            Some(lost) => format!("{lost}, and the training worker crashed: {info}"),
            None => format!("the training worker crashed: {info}"),
        };
        web_sys::console::error_1(&message.clone().into());
        outbox.post(&Event::Crashed { message });
    }));
}

fn receive(worker: &Rc<RefCell<Worker>>, outbox: &Outbox, message: MessageEvent) {
    let (request, file) = match envelope::unpack_request(&message.data()) {
        Ok(unpacked) => unpacked,
        Err(error) => {
            let message = error.to_string();
            return outbox.post(&Event::Refused { message });
        }
    };
    if request == Request::Stop {
        let w = worker.borrow();
        w.cancel.cancel();
        if let Some(abort) = &w.load_abort {
            abort.abort();
        }
        return;
    }
    // Looking at images and reading weights do not disturb a run or a download.
    let quick = matches!(
        request,
        Request::Gallery(_)
            | Request::AugmentSamples { .. }
            | Request::SaveWeights { .. }
            | Request::Classify { .. }
            | Request::ClearCache
            | Request::Forget { .. }
    );
    if let Some(doing) = worker.borrow().busy.filter(|_| !quick) {
        let message = format!("busy {doing}: wait for it to finish (or press Stop)");
        return outbox.post(&Event::Refused { message });
    }
    let worker = worker.clone();
    let outbox = outbox.clone();
    wasm_bindgen_futures::spawn_local(async move {
        handle(worker, outbox, request, file).await;
    });
}

async fn handle(
    worker: Rc<RefCell<Worker>>,
    outbox: Outbox,
    request: Request,
    file: Option<web_sys::File>,
) {
    let set_busy = |doing| worker.borrow_mut().busy = doing;
    match request {
        // Not marked busy: the data loads meanwhile (the page enables Train after both).
        Request::Init => {
            let event = devices::open(&worker, &outbox).await;
            outbox.post(&event);
        }
        Request::LoadUrl { base } => {
            set_busy(Some("loading the data"));
            let scope = worker.borrow().scope.clone();
            let loaded = match web_sys::AbortController::new() {
                Ok(abort) => {
                    worker.borrow_mut().load_abort = Some(abort.clone());
                    data::load_from_url(&scope, &base, &outbox, &abort.signal()).await
                }
                Err(e) => Err(LoadError::Browser(message_of(&e))),
            };
            worker.borrow_mut().load_abort = None;
            finish_load(&worker, &outbox, loaded);
        }
        Request::LoadArchive { name } => {
            set_busy(Some("reading the archive"));
            let loaded = match file {
                Some(file) => data::load_from_file(&name, &file, &outbox).await,
                None => Err(LoadError::Browser(
                    "the archive did not reach the worker".into(),
                )),
            };
            finish_load(&worker, &outbox, loaded);
        }
        Request::ClearCache => {
            let scope = worker.borrow().scope.clone();
            match data::clear_cache(&scope).await {
                Ok(files) => outbox.post(&Event::CacheCleared { files }),
                Err(error) => outbox.post(&Event::Refused {
                    message: error.to_string(),
                }),
            }
        }
        Request::Train(request) => {
            let (data, webgpu, adapter, problem, checked, cancel) = {
                let mut w = worker.borrow_mut();
                w.cancel = CancelToken::new();
                (
                    w.data.clone(),
                    w.webgpu.clone(),
                    w.adapter.clone(),
                    w.webgpu_problem.clone(),
                    w.checked,
                    w.cancel.clone(),
                )
            };
            let Some(data) = data else {
                let message = "load the data set before training".to_string();
                return outbox.post(&Event::Refused { message });
            };
            set_busy(Some("training"));
            let devices = run::Devices {
                cpu: Device::flex().autodiff(),
                webgpu,
                adapter,
                webgpu_problem: problem,
                checked,
            };
            let name = request.run.clone();
            let result = run::train_run(&outbox, &data, devices, request, &cancel).await;
            let mut w = worker.borrow_mut();
            w.checked |= result.passed_check;
            let dropped = match result.trained {
                Some(trained) => w.models.put(name, Rc::new(trained)),
                None => Vec::new(),
            };
            w.busy = None;
            drop(w);
            if !dropped.is_empty() {
                outbox.post(&Event::Forgotten { runs: dropped });
            }
        }
        Request::MeasureSpeed(request) => {
            let (webgpu, adapter, problem) = {
                let w = worker.borrow();
                (
                    w.webgpu.clone(),
                    w.adapter.clone(),
                    w.webgpu_problem.clone(),
                )
            };
            set_busy(Some("timing this device"));
            let decision = decide(request.backend, adapter.as_ref(), problem.as_deref());
            let decision = devices::refuse_without_device(decision, webgpu.as_ref());
            speed::measure(&outbox, request, decision, webgpu).await;
            set_busy(None);
        }
        Request::Gallery(cell) => {
            let run = &cell.run;
            let trained = worker.borrow_mut().models.get(run).cloned();
            let Some(trained) = trained else {
                let message = format!(
                    "the images of `{run}` are not in this session any more: train it again, \
                     or load its weights"
                );
                return outbox.post(&Event::Refused { message });
            };
            let (total, images) = run::gallery(&trained, cell.truth, cell.predicted, cell.page);
            outbox.post(&Event::Gallery {
                cell,
                total,
                images,
            });
        }
        Request::Classify { run, pixels } => {
            let trained = worker.borrow_mut().models.get(&run).cloned();
            let outcome = run::classify(trained.as_deref(), &run, &pixels).await;
            outbox.post(&Event::Classified { run, outcome });
        }
        Request::AugmentSamples { augment, seed } => {
            let data = worker.borrow().data.clone();
            let Some(data) = data.filter(|d| d.train.len() > AUGMENT_SAMPLE) else {
                return;
            };
            let pixels = data.train.image(AUGMENT_SAMPLE);
            outbox.post(&Event::AugmentSamples {
                index: AUGMENT_SAMPLE,
                class: data.train.labels[AUGMENT_SAMPLE] as usize,
                images: augment.epoch_samples(pixels, seed, AUGMENT_SAMPLE, AUGMENT_EPOCHS),
            });
        }
        Request::SaveWeights { run } => {
            let trained = worker.borrow_mut().models.get(&run).cloned();
            let Some(trained) = trained else {
                let message = format!("the model of `{run}` is not in this session any more");
                return outbox.post(&Event::Refused { message });
            };
            match weights_to_bytes(&trained.model, &trained.architecture).await {
                Ok(bytes) => outbox.post_with_bytes(
                    &Event::Weights {
                        run,
                        architecture: trained.architecture.clone(),
                    },
                    &bytes,
                ),
                Err(error) => outbox.post(&Event::Refused {
                    message: error.to_string(),
                }),
            }
        }
        Request::LoadWeights {
            run,
            file_name,
            model,
            backend,
            subset,
            validation,
            seed,
        } => {
            let (data, webgpu, adapter, problem) = {
                let w = worker.borrow();
                let (gpu, problem) = (w.webgpu.clone(), w.webgpu_problem.clone());
                (w.data.clone(), gpu, w.adapter.clone(), problem)
            };
            let Some(data) = data else {
                let message = "load the data set before evaluating weights".to_string();
                return outbox.post(&Event::Refused { message });
            };
            let Some(file) = file else {
                let message = "the weights file did not reach the worker".to_string();
                return outbox.post(&Event::Refused { message });
            };
            set_busy(Some("evaluating weights"));
            // The same choice as for training; evaluating needs no WebGPU, so where training
            // would refuse, the CPU evaluates.
            let decision = decide(backend, adapter.as_ref(), problem.as_deref());
            let (_, device) = devices::device_for(&decision, webgpu.as_ref());
            let loaded = weights::evaluate_file(
                &data, &file, &file_name, &model, subset, validation, seed, &device,
            )
            .await;
            set_busy(None);
            match loaded {
                Ok(trained) => {
                    outbox.post(&Event::Evaluated {
                        run: run.clone(),
                        architecture: trained.architecture.clone(),
                        val_images: trained.validation.len(),
                        metrics: crate::eval::RunMetrics::new(
                            &trained.evaluation,
                            &crate::history::History::default(),
                            &data.classes,
                        ),
                        confidence: trained.confidence(),
                    });
                    let dropped = worker.borrow_mut().models.put(run, Rc::new(trained));
                    if !dropped.is_empty() {
                        outbox.post(&Event::Forgotten { runs: dropped });
                    }
                }
                Err(message) => outbox.post(&Event::Refused { message }),
            }
        }
        Request::Forget { run } => {
            worker.borrow_mut().models.remove(&run);
        }
        Request::Stop => unreachable!("Stop is handled on arrival"),
    }
}

fn finish_load(
    worker: &Rc<RefCell<Worker>>,
    outbox: &Outbox,
    loaded: Result<(Cifar10, Event), LoadError>,
) {
    let mut w = worker.borrow_mut();
    w.busy = None;
    match loaded {
        Ok((set, ready)) => {
            w.data = Some(Rc::new(set));
            drop(w);
            outbox.post(&ready);
        }
        Err(error) => {
            drop(w);
            outbox.post(&Event::DataFailed {
                message: error.to_string(),
            });
        }
    }
}

/// Lets the event loop run (a Stop message arrives this way) and resumes on a fresh task.
pub async fn yield_to_events(scope: &DedicatedWorkerGlobalScope) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope.set_timeout_with_callback(&resolve);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

pub(crate) fn message_of(value: &wasm_bindgen::JsValue) -> String {
    js_message(value)
}
