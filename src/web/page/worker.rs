//! The training worker as the page sees it: started (again, after a crash), posted to, heard.
//! It runs one of two builds of the app: the CPU-only module (the page's own, so nothing more to
//! download) or the GPU module (burn's WebGPU backend with fusion: a larger download, fetched
//! only where WebGPU will train; docs/BENCHMARKS.md).

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use super::{App, Shared, dispatch};
use crate::web::WebError;
use crate::web::device::{adapter, auto_trains_on_webgpu};
use crate::web::js::envelope;
use crate::web::js::error::{js_message, worker_error_message};
use crate::web::protocol::Request;
use crate::web::session::Input;

/// Starts the first worker: with the GPU module where WebGPU has a hardware adapter (where
/// *Auto* trains on it), else with the CPU-only one. The session asks for the GPU module later
/// if the form chooses WebGPU anyway (`session/module.rs`).
pub(super) fn start(app: &Shared) {
    let app = app.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let hardware = auto_trains_on_webgpu(adapter::probe().await.ok().as_ref());
        app.borrow_mut().gpu_module = hardware;
        if let Err(error) = spawn(&app) {
            crate::web::js::dom::show_fatal(&error.to_string());
        }
    });
}

/// Replaces the worker with one running the GPU module.
pub(super) fn start_gpu_module(app: &Shared) {
    app.borrow_mut().gpu_module = true;
    restart(app);
}

/// Starts the worker with the module the app has chosen. It announces itself with
/// `Event::Ready`.
fn spawn(app: &Shared) -> Result<(), WebError> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    // www/worker.js imports the module its address names.
    let (script, module) = if app.borrow().gpu_module {
        ("./worker.js?module=gpu", "gpu")
    } else {
        ("./worker.js", "cpu")
    };
    // Says which, for the curious and for the end-to-end test (a worker's downloads are its
    // own: the page's resource timing does not list them).
    let _ = app
        .borrow()
        .el
        .compute_panel
        .set_attribute("data-worker-module", module);
    let worker = Worker::new_with_options(script, &options)
        .map_err(|e| WebError::js("starting the training worker", e))?;
    // Events still queued from a worker that was replaced are not this worker's.
    let generation = {
        let mut a = app.borrow_mut();
        a.worker_generation += 1;
        a.worker_generation
    };
    let current = move |app: &Shared| app.borrow().worker_generation == generation;
    let shared = app.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        if !current(&shared) {
            return;
        }
        match envelope::unpack_event(&message.data()) {
            Ok((event, bytes)) => dispatch(&shared, Input::Worker { event, bytes }),
            Err(error) => dispatch(&shared, Input::BadMessage(error.to_string())),
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let shared = app.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        if !current(&shared) {
            return;
        }
        let message = format!("the training worker failed: {}", worker_error_message(&e));
        dispatch(&shared, Input::WorkerError(message));
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    app.borrow_mut().worker = Some(worker);
    Ok(())
}

/// The old worker is gone (it crashed): end it for good and start another.
pub(super) fn restart(app: &Shared) {
    if let Some(worker) = app.borrow_mut().worker.take() {
        worker.terminate();
    }
    if let Err(error) = spawn(app) {
        crate::web::js::dom::show_fatal(&error.to_string());
    }
}

impl App {
    pub(super) fn post(&self, request: &Request, file: Option<&web_sys::File>) {
        let Some(worker) = &self.worker else {
            return self.run_error("the training worker is not running; reload the page");
        };
        if let Err(e) = worker.post_message(&envelope::pack_request(request, file)) {
            self.run_error(&format!("could not reach the worker: {}", js_message(&e)));
        }
    }
}
