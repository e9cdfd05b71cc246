//! Training on several CPU cores in the page: how many WebAssembly workers a run uses
//! ([`cores`]), what the training worker (the lead) and its helper workers say to each other
//! ([`helper_protocol`]), the lead's side ([`lead`]: a `train::ShardPool` of helper workers) and
//! a helper's ([`helper`]).
//!
//! The lead owns the data, the model and the optimizer; every step it sends each helper the
//! model's values and a shard of the batch, and combines their gradients with its own
//! (`train::parallel`). Each helper is its own instance of the page's module: no shared memory,
//! so no cross-origin isolation and no nightly toolchain (docs/BENCHMARKS.md).

pub mod cores;
pub mod helper_protocol;

#[cfg(target_arch = "wasm32")]
pub mod helper;
#[cfg(target_arch = "wasm32")]
pub mod lead;

pub use cores::{CpuWorkers, MAX_CPU_WORKERS, Machine, reports_cores_in_buckets};
#[cfg(target_arch = "wasm32")]
pub use helper::HELPER_NAME;
#[cfg(target_arch = "wasm32")]
pub use lead::{HELPER_SCRIPT, Helpers};

/// The size of this worker's WebAssembly memory (the lead's and each helper's is shown).
#[cfg(target_arch = "wasm32")]
pub fn wasm_memory_bytes() -> u64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length() as u64
}
