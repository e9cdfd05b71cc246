//! The WebGPU meter of `www/gpu_meter.js` from Rust: installed when a worker (or a test) starts,
//! read around training steps ([`crate::train::StepMeter`]).

use wasm_bindgen::prelude::*;

use crate::train::GpuCounts;

#[wasm_bindgen(module = "/www/gpu_meter.js")]
extern "C" {
    fn install_gpu_meter() -> bool;
    fn gpu_counts() -> JsValue;
}

/// Starts counting this realm's WebGPU calls (idempotent). False where there is no WebGPU.
pub fn install() -> bool {
    install_gpu_meter()
}

/// The totals so far (zeros before [`install`] or without WebGPU).
pub fn read() -> GpuCounts {
    js_sys::JSON::stringify(&gpu_counts())
        .ok()
        .and_then(|json| json.as_string())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}
