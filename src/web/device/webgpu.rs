//! Opening WebGPU through burn, what the browser says about the adapter it got, noticing when
//! the browser takes the device away (`GPUDevice.lost`), and what a worker has of WebGPU
//! ([`Gpu`]), which every request's choice of device is made on.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use wasm_bindgen::{JsCast, JsValue};

use super::DeviceDecision;
use crate::backend::BackendKind;
use crate::web::protocol::{AdapterInfo, BackendChoice};

/// WebGPU as a worker has it: its device (opened in the GPU module only), the adapter there is
/// (opened as `webgpu`, or only asked about in the CPU-only module), or why there is none.
#[derive(Clone, Default)]
pub struct Gpu {
    pub webgpu: Option<Rc<WebGpu>>,
    pub adapter: Option<AdapterInfo>,
    pub problem: Option<String>,
}

impl Gpu {
    /// Where a request on `choice` runs in this worker ([`super::choose`]).
    pub fn choose(&self, choice: BackendChoice) -> DeviceDecision {
        let here = self.webgpu.is_some();
        super::choose(choice, self.adapter.as_ref(), self.problem.as_deref(), here)
    }

    /// The device `decision` names here ([`super::device_for`]).
    pub fn device_for(&self, decision: &DeviceDecision) -> (BackendKind, Device) {
        super::device_for(decision, self.webgpu.as_ref().map(|gpu| &gpu.device))
    }
}

/// An opened WebGPU device (autodiff on) and its adapter.
pub struct WebGpu {
    pub device: Device,
    pub adapter: AdapterInfo,
    /// The browser's `GPUDevice` under burn's device, when burn runs on WebGPU.
    js_device: Option<JsValue>,
}

impl WebGpu {
    /// Settles when the browser loses this device (a driver reset, the GPU removed, the tab
    /// put away), saying why in words; never, for most sessions.
    pub async fn lost(&self) -> String {
        match &self.js_device {
            Some(device) => device_lost(device).await,
            None => std::future::pending().await,
        }
    }
}

thread_local! {
    /// Why this worker's GPU device was lost, once it was: read by the run that was using it
    /// and by the panic hook, so a crash after the loss names its cause.
    static LOST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Remembers that the device was lost, and why.
#[cfg(feature = "wgpu")]
pub fn remember_loss(why: &str) {
    LOST.with(|lost| *lost.borrow_mut() = Some(why.to_string()));
}

/// Why the device was lost, if it was.
pub fn loss() -> Option<String> {
    LOST.with(|lost| lost.borrow().clone())
}

/// Awaits `GPUDevice.lost` of `device` (a `GPUDevice`) and words its `GPUDeviceLostInfo`.
pub async fn device_lost(device: &JsValue) -> String {
    let promise = js_sys::Reflect::get(device, &"lost".into())
        .ok()
        .and_then(|lost| lost.dyn_into::<js_sys::Promise>().ok());
    let Some(promise) = promise else {
        // A browser without `lost` cannot say; a lost device then shows as wgpu's error.
        return std::future::pending().await;
    };
    let info = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .unwrap_or_else(|error| error);
    let text = |key: &str| {
        js_sys::Reflect::get(&info, &key.into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    lost_words(&text("reason"), &text("message"))
}

/// The page's sentence for a lost device, from `GPUDeviceLostInfo`'s reason and message.
fn lost_words(reason: &str, message: &str) -> String {
    let what = match reason {
        "destroyed" => "the GPU device was closed",
        _ => "the browser lost the GPU device (a driver reset, the GPU removed or put to sleep)",
    };
    let detail = message.trim();
    if detail.is_empty() {
        what.to_string()
    } else {
        format!("{what}: {detail}")
    }
}

/// Opens WebGPU once for the worker's life. The error says, in words, why there is none.
#[cfg(feature = "wgpu")]
pub async fn open_webgpu() -> Result<WebGpu, String> {
    if super::adapter::navigator_gpu().is_none() {
        return Err(super::adapter::NO_WEBGPU.into());
    }
    let (device, setup) = Device::wgpu_options()
        .init_with_setup_async()
        .await
        .map_err(|e| format!("WebGPU is present but could not be opened: {e}"))?;
    let js_device = setup
        .device
        .as_webgpu()
        .map(|d| AsRef::<JsValue>::as_ref(d).clone());
    let adapter = match &js_device {
        Some(d) => super::adapter::describe(
            &js_sys::Reflect::get(d, &"adapterInfo".into()).unwrap_or(JsValue::UNDEFINED),
        ),
        None => AdapterInfo {
            description: setup.adapter.get_info().name,
            ..AdapterInfo::default()
        },
    };
    Ok(WebGpu {
        device: device.autodiff(),
        adapter,
        js_device,
    })
}
