//! Which device a request gets: opening WebGPU when the worker starts (in the GPU module) or
//! only asking which adapter there is (in the CPU-only one), watching for its loss, and the
//! device a decision names.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;

use super::{Gpu, Outbox, WebGpu, Worker};
use crate::backend::BackendKind;
use crate::web::device::{DeviceDecision, decide};
use crate::web::protocol::BackendChoice;
use crate::web::protocol::Event;

/// Whether this module has burn's WebGPU backend (the page loads it only where WebGPU will
/// train: see `page::worker`).
const GPU_MODULE: bool = cfg!(feature = "wgpu");

/// Opens WebGPU (in the GPU module) or asks which adapter there is (in the CPU-only one), and
/// says so.
pub(super) async fn open(worker: &Rc<RefCell<Worker>>, outbox: &Outbox) -> Event {
    #[cfg(feature = "wgpu")]
    let opened = super::open_webgpu().await.map(|gpu| {
        let gpu = Rc::new(gpu);
        watch_for_loss(worker, outbox, gpu.clone());
        worker.borrow_mut().gpu.webgpu = Some(gpu.clone());
        gpu.adapter.clone()
    });
    #[cfg(not(feature = "wgpu"))]
    let opened = {
        let _ = outbox;
        crate::web::adapter::probe().await
    };
    let mut w = worker.borrow_mut();
    match opened {
        Ok(adapter) => {
            w.gpu.adapter = Some(adapter.clone());
            Event::Backend {
                webgpu: Some(adapter),
                problem: None,
                gpu_module: GPU_MODULE,
            }
        }
        Err(problem) => {
            w.gpu.problem = Some(problem.clone());
            Event::Backend {
                webgpu: None,
                problem: Some(problem),
                gpu_module: GPU_MODULE,
            }
        }
    }
}

/// What a request on WebGPU gets from the CPU-only module (the page switches modules first,
/// so only a request racing that switch sees it).
pub const NOT_IN_THIS_MODULE: &str = "WebGPU's kernels are not loaded in this worker: choose \
    WebGPU again (the page loads them), or the CPU";

/// The device a decision names: the opened WebGPU one, else the CPU backend (also where the
/// decision refuses; callers that must refuse check that first). Autodiff on.
pub(super) fn device_for(
    decision: &DeviceDecision,
    webgpu: Option<&Rc<WebGpu>>,
) -> (BackendKind, Device) {
    match (decision, webgpu) {
        (DeviceDecision::WebGpu, Some(gpu)) => (BackendKind::Wgpu, gpu.device.clone()),
        _ => (BackendKind::Flex, Device::flex().autodiff()),
    }
}

/// Where a request on `choice` runs, the one mapping every request uses: [`decide`] on what
/// this worker has, and a decision for WebGPU refused where its device is not here (see
/// [`NOT_IN_THIS_MODULE`]).
pub(super) fn choose(choice: BackendChoice, gpu: &Gpu) -> DeviceDecision {
    match decide(choice, gpu.adapter.as_ref(), gpu.problem.as_deref()) {
        DeviceDecision::WebGpu if gpu.webgpu.is_none() => {
            DeviceDecision::Refuse(NOT_IN_THIS_MODULE.into())
        }
        decision => decision,
    }
}

/// When the browser takes the GPU away, WebGPU is no longer offered: a run on it ends (its
/// observer stops the loop after the batch in flight and [`super::run::train_run`] says why), and
/// later runs use the CPU.
#[cfg(feature = "wgpu")]
fn watch_for_loss(worker: &Rc<RefCell<Worker>>, outbox: &Outbox, gpu: Rc<WebGpu>) {
    let worker = worker.clone();
    let outbox = outbox.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let lost = gpu.lost().await;
        web_sys::console::error_1(&lost.clone().into());
        super::gpu::remember_loss(&lost);
        let mut w = worker.borrow_mut();
        w.gpu = Gpu {
            webgpu: None,
            adapter: None,
            problem: Some(lost.clone()),
        };
        w.checked = false;
        drop(w);
        outbox.post(&Event::Backend {
            webgpu: None,
            problem: Some(lost),
            gpu_module: GPU_MODULE,
        });
    });
}
