//! The browser app: a page that only draws, and a dedicated Web Worker that loads the data and
//! trains, built from the same wasm module. [`protocol`] is what they say to each other,
//! [`device`] which device a run trains on and [`format`] the words the page shows; all are
//! plain Rust, tested natively. The rest is the
//! thin web-sys layer: [`worker`] (fetch + cache, WebGPU, the training loop's observer),
//! [`page`] (form, progress, tables, canvases) and [`canvas`] (the plot module on a canvas).

pub mod device;
pub mod estimate;
pub mod format;
pub mod model_form;
pub mod protocol;
pub mod saved;
pub mod session;
pub mod settings;
pub mod share;
pub mod shelf;

#[cfg(target_arch = "wasm32")]
pub mod adapter;
#[cfg(target_arch = "wasm32")]
pub mod canvas;
#[cfg(target_arch = "wasm32")]
mod dom;
#[cfg(target_arch = "wasm32")]
pub mod envelope;
#[cfg(target_arch = "wasm32")]
mod error;
#[cfg(target_arch = "wasm32")]
pub mod gpu_meter;
#[cfg(target_arch = "wasm32")]
mod measured_canvas;
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
        worker::start(scope.clone());
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
