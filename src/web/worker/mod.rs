//! The training worker: owns the data set, the devices and the loop, and tells the page what
//! happens through [`Event`]s. A long request (training, measuring speed, loading weights or
//! data) runs one at a time; a quick one (a cell's images, augmentation samples, saving
//! weights, classifying a picture, clearing the cache, forgetting a run) is answered beside
//! it; Stop is honoured at once (the loop checks it before every batch).

mod dataset;
mod devices;
mod kept;
mod measure;
mod run_observer;
mod train_run;
mod weights;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

pub use dataset::LoadError;

use super::device::webgpu::{self, Gpu};
use super::js::envelope;
use super::js::error::js_message;
use super::protocol::{Event, Request};
use super::shelf::Shelf;
use crate::data::Cifar10;
use crate::train::CancelToken;

/// Everything the worker keeps between requests.
struct Worker {
    scope: DedicatedWorkerGlobalScope,
    data: Option<Rc<Cifar10>>,
    gpu: Gpu,
    /// Whether the WebGPU-vs-CPU self-check has passed.
    checked: bool,
    cancel: CancelToken,
    /// Aborts the data download in progress (Stop).
    load_abort: Option<web_sys::AbortController>,
    /// What the worker is doing, when a request is still running.
    busy: Option<&'static str>,
    /// Models of this session's runs, by run name.
    models: Shelf<Rc<kept::KeptModel>>,
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
    super::js::gpu_meter::install();
    let worker = Rc::new(RefCell::new(Worker {
        scope: scope.clone(),
        data: None,
        gpu: Gpu::default(),
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
        let message = match webgpu::loss() {
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

/// Hands each request to the file that answers it.
async fn handle(
    worker: Rc<RefCell<Worker>>,
    outbox: Outbox,
    request: Request,
    file: Option<web_sys::File>,
) {
    let (worker, outbox) = (&worker, &outbox);
    match request {
        // Not marked busy: the data loads meanwhile (the page enables Train after both).
        Request::Init => outbox.post(&devices::open(worker, outbox).await),
        Request::LoadUrl { base } => dataset::from_url(worker, outbox, &base).await,
        Request::LoadArchive { name } => dataset::from_archive(worker, outbox, &name, file).await,
        Request::ClearCache => dataset::clear_cache(worker, outbox).await,
        Request::AugmentSamples { augment, seed } => {
            dataset::augment_samples(worker, outbox, augment, seed)
        }
        Request::Train(request) => train_run::answer(worker, outbox, request).await,
        Request::MeasureSpeed(request) => measure::answer(worker, outbox, request).await,
        Request::LoadWeights(request) => weights::answer_load(worker, outbox, file, request).await,
        Request::SaveWeights { run } => weights::answer_save(worker, outbox, run).await,
        Request::Gallery(cell) => kept::answer_gallery(worker, outbox, cell),
        Request::Classify { run, pixels } => {
            kept::answer_classify(worker, outbox, run, pixels).await
        }
        Request::Forget { run } => {
            worker.borrow_mut().models.remove(&run);
        }
        Request::Stop => unreachable!("Stop is handled on arrival"),
    }
}

/// Lets the event loop run (a Stop message arrives this way) and resumes on a fresh task.
pub async fn yield_to_events(scope: &DedicatedWorkerGlobalScope) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope.set_timeout_with_callback(&resolve);
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
