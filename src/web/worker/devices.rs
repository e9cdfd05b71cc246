//! The worker's WebGPU (`Request::Init`): opened when the worker starts (in the GPU module) or
//! only asked which adapter there is (in the CPU-only one), and watched for its loss. Which
//! device each request then gets is `web::device`'s to say (`Gpu::choose`).

use std::cell::RefCell;
use std::rc::Rc;

use super::{Outbox, Worker};
#[cfg(feature = "wgpu")]
use crate::web::device::webgpu::{self, Gpu, WebGpu};
use crate::web::protocol::Event;

/// Whether this module has burn's WebGPU backend (the page loads it only where WebGPU will
/// train: see `page::worker`).
const GPU_MODULE: bool = cfg!(feature = "wgpu");

/// Opens WebGPU (in the GPU module) or asks which adapter there is (in the CPU-only one), and
/// says so.
pub(super) async fn open(worker: &Rc<RefCell<Worker>>, outbox: &Outbox) -> Event {
    #[cfg(feature = "wgpu")]
    let opened = webgpu::open_webgpu().await.map(|gpu| {
        let gpu = Rc::new(gpu);
        watch_for_loss(worker, outbox, gpu.clone());
        worker.borrow_mut().gpu.webgpu = Some(gpu.clone());
        gpu.adapter.clone()
    });
    #[cfg(not(feature = "wgpu"))]
    let opened = {
        let _ = outbox;
        crate::web::device::adapter::probe().await
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

/// When the browser takes the GPU away, WebGPU is no longer offered: a run on it ends (its
/// observer stops the loop after the batch in flight and [`super::train_run::train_run`]
/// says why), and
/// later runs use the CPU.
#[cfg(feature = "wgpu")]
fn watch_for_loss(worker: &Rc<RefCell<Worker>>, outbox: &Outbox, gpu: Rc<WebGpu>) {
    let worker = worker.clone();
    let outbox = outbox.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let lost = gpu.lost().await;
        web_sys::console::error_1(&lost.clone().into());
        webgpu::remember_loss(&lost);
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
