//! Asking the browser for a WebGPU adapter without opening a device: the page does it to
//! choose which module its worker loads (only a hardware adapter is worth WebGPU's kernels),
//! and the CPU-only module's worker to say what WebGPU there is. Plain web-sys, no burn.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::web::protocol::AdapterInfo;

/// Why there is no WebGPU in this browser, in the page's words.
pub const NO_WEBGPU: &str = "this browser offers no WebGPU (navigator.gpu is missing): use a \
    current Chrome, Edge or Safari, or enable WebGPU in the browser's settings";

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `navigator.gpu` of this realm (a window or a worker), if there is one.
pub fn navigator_gpu() -> Option<JsValue> {
    let gpu = get(&get(&js_sys::global(), "navigator"), "gpu");
    (!gpu.is_undefined() && !gpu.is_null()).then_some(gpu)
}

/// The adapter the browser would give WebGPU, described; the error says why there is none.
pub async fn probe() -> Result<AdapterInfo, String> {
    let gpu = navigator_gpu().ok_or_else(|| NO_WEBGPU.to_string())?;
    let request = js_sys::Reflect::get(&gpu, &"requestAdapter".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("WebGPU offers no requestAdapter")?;
    let promise = request
        .call0(&gpu)
        .ok()
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
        .ok_or("requestAdapter failed")?;
    let adapter = JsFuture::from(promise).await.map_err(|e| {
        format!(
            "requestAdapter failed: {}",
            crate::web::js::error::js_message(&e)
        )
    })?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err(
            "WebGPU is present but the browser offers no adapter (blocked or no GPU)".into(),
        );
    }
    let mut info = describe(&get(&adapter, "info"));
    // Browsers before `GPUAdapterInfo.isFallbackAdapter` said it on the adapter.
    info.fallback |= get(&adapter, "isFallbackAdapter")
        .as_bool()
        .unwrap_or(false);
    Ok(info)
}

/// A `GPUAdapterInfo` (from an adapter, or a device's `adapterInfo`) as the page shows it.
pub fn describe(info: &JsValue) -> AdapterInfo {
    let text = |key: &str| get(info, key).as_string().unwrap_or_default();
    AdapterInfo {
        vendor: text("vendor"),
        architecture: text("architecture"),
        device: text("device"),
        description: text("description"),
        fallback: get(info, "isFallbackAdapter").as_bool().unwrap_or(false),
    }
}
