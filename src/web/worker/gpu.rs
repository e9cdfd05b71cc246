//! Opening WebGPU through burn, and what the browser says about the adapter it got.

use burn::tensor::Device;
use wasm_bindgen::JsValue;

use crate::web::protocol::AdapterInfo;

/// An opened WebGPU device (autodiff on) and its adapter.
pub struct WebGpu {
    pub device: Device,
    pub adapter: AdapterInfo,
}

/// Opens WebGPU once for the worker's life. The error says, in words, why there is none.
pub async fn open_webgpu() -> Result<WebGpu, String> {
    let global = js_sys::global();
    let navigator =
        js_sys::Reflect::get(&global, &"navigator".into()).unwrap_or(JsValue::UNDEFINED);
    let gpu = js_sys::Reflect::get(&navigator, &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err(
            "this browser offers no WebGPU (navigator.gpu is missing): use a current \
                    Chrome, Edge or Safari, or enable WebGPU in the browser's settings"
                .into(),
        );
    }
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| format!("WebGPU is present but could not be opened: {e}"))?;
    let adapter = setup
        .device
        .as_webgpu()
        .map(|d| adapter_info(d.as_ref()))
        .unwrap_or_else(|| AdapterInfo {
            description: setup.adapter.get_info().name,
            ..AdapterInfo::default()
        });
    Ok(WebGpu {
        device: device.autodiff(),
        adapter,
    })
}

/// Reads `GPUDevice.adapterInfo` (vendor, architecture, device, description, fallback).
fn adapter_info(device: &JsValue) -> AdapterInfo {
    let info = js_sys::Reflect::get(device, &"adapterInfo".into()).unwrap_or(JsValue::UNDEFINED);
    let text = |key: &str| {
        js_sys::Reflect::get(&info, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let fallback = js_sys::Reflect::get(&info, &"isFallbackAdapter".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    AdapterInfo {
        vendor: text("vendor"),
        architecture: text("architecture"),
        device: text("device"),
        description: text("description"),
        fallback,
    }
}
