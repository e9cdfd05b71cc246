//! The browser app: a page that only draws, and a dedicated Web Worker that loads the data and
//! trains (the CPU worker from the page's own module; the WebGPU worker from a second module,
//! fetched only where WebGPU trains).
//!
//! Plain Rust, tested natively: [`protocol`] (what page and worker say to each other),
//! [`session`] (the page's state and its `update`: every decision the page makes),
//! [`form`] (the training form's fields in one table, their checks, rules and share links),
//! [`device`] (which device a run, a measurement or an evaluation uses), [`estimate`] (time left), [`retry`] (when a
//! download is tried again), [`saved`] (a run as
//! IndexedDB keeps it), [`shelf`] (the models the worker keeps), [`parallel`] (a CPU run in
//! several workers: how many, and what they say to each other; its lead and helper sides are
//! wasm32-only) and [`format`] (the words the page shows). The wasm32-only web-sys layer around
//! them: [`worker`] (fetch + cache, WebGPU,
//! the training loop's observer), `page` (DOM events in, the session's commands applied,
//! IndexedDB), [`canvas`] (the plot module on a canvas) and [`gpu_meter`] (WebGPU's work
//! counted); [`device`]'s web-sys half opens the device it decides on.

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
pub mod canvas;
#[cfg(target_arch = "wasm32")]
mod canvas_text;
#[cfg(target_arch = "wasm32")]
mod dom;
#[cfg(target_arch = "wasm32")]
pub mod envelope;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
pub mod gpu_meter;
#[cfg(target_arch = "wasm32")]
mod page;
#[cfg(target_arch = "wasm32")]
pub mod worker;

#[cfg(target_arch = "wasm32")]
pub use error::WebError;
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
            dom::show_fatal(&format!(
                "cifar-lab stopped on an internal error: {info}. Reload the page: stored runs \
                 and their weights are kept."
            ));
        }));
        if let Err(error) = page::start() {
            dom::show_fatal(&error.to_string());
        }
    }
}
