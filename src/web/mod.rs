//! The browser app: a page that only draws, and a dedicated Web Worker that loads the data and
//! trains (the CPU worker from the page's own module; the WebGPU worker from a second module,
//! fetched only where WebGPU trains).
//!
//! Plain Rust, tested natively: [`protocol`] (what page and worker say to each other),
//! [`session`] (the page's state and its `update`: every decision the page makes), [`form`]
//! (the training form's fields in one table, their checks, rules and share links), [`device`]
//! (which device a run, a measurement or an evaluation uses), [`parallel`] (a CPU run in
//! several workers: how many, and what they say), [`estimate`] (time left), [`retry`] (when a
//! download is tried again), [`saved`] (a run as IndexedDB keeps it), [`shelf`] (the models
//! the worker keeps) and [`format`] (the words the page shows).
//!
//! wasm32 only, the web-sys layer around them: `page` (DOM events in, the session's commands
//! applied, IndexedDB), [`worker`] (the training worker's requests), [`js`] (the browser's APIs
//! both use), and the web-sys halves of [`device`] (opening WebGPU) and [`parallel`] (the lead's
//! helper workers, and a helper's side).

pub mod device;
pub mod estimate;
pub mod form;
pub mod format;
pub mod parallel;
pub mod protocol;
pub mod retry;
pub mod saved;
pub mod session;
pub mod shelf;

#[cfg(target_arch = "wasm32")]
pub mod js;
#[cfg(target_arch = "wasm32")]
mod page;
#[cfg(target_arch = "wasm32")]
pub mod worker;

#[cfg(target_arch = "wasm32")]
pub use js::WebError;
/// The runs kept in IndexedDB (public for the browser tests).
#[cfg(target_arch = "wasm32")]
pub use page::RunStore;

/// Entry point of the wasm module: the page's UI on a window, the training loop in a worker.
#[cfg(target_arch = "wasm32")]
pub fn start() {
    use wasm_bindgen::JsCast;
    let global = js_sys::global();
    if let Some(scope) = global.dyn_ref::<web_sys::DedicatedWorkerGlobalScope>() {
        if scope.name() == parallel::HELPER_NAME {
            parallel::helper::start(scope.clone());
        } else {
            worker::start(scope.clone());
        }
    } else {
        // A panic ends the module; without this the page would just stop answering.
        std::panic::set_hook(Box::new(|info| {
            js::dom::show_fatal(&format!(
                "cifar-lab stopped on an internal error: {info}. Reload the page: stored runs \
                 and their weights are kept."
            ));
        }));
        if let Err(error) = page::start() {
            js::dom::show_fatal(&error.to_string());
        }
    }
}
