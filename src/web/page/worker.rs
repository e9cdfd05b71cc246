//! The training worker as the page sees it: started (again, after a crash), posted to, heard.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

use super::{App, Shared, dispatch};
use crate::web::WebError;
use crate::web::envelope;
use crate::web::error::js_message;
use crate::web::protocol::Request;
use crate::web::session::Input;

/// Starts the worker. It announces itself with `Event::Ready`.
pub(super) fn spawn(app: &Shared) -> Result<(), WebError> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("./worker.js", &options)
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
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        if !current(&shared) {
            return;
        }
        let message = format!("the training worker failed: {}", e.message());
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
        crate::web::dom::show_fatal(&error.to_string());
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
