//! Which of the two wasm modules the worker runs. The CPU-only module (the page's own) trains
//! in WebAssembly; the GPU module adds burn's WebGPU backend with fusion, a larger download
//! that only visitors who train on WebGPU fetch. The page starts the GPU module where WebGPU
//! has a hardware adapter (`page::worker`); here, the session asks for it when the form
//! chooses WebGPU on a worker without it (a software adapter, chosen by name).

use super::{Command, Line, Session};
use crate::web::device::{DeviceDecision, decide};
use crate::web::form::Field;
use crate::web::protocol::BackendChoice;

impl Session {
    /// Whether the form's choice needs WebGPU that this worker's module cannot train on.
    pub(super) fn wants_gpu_module(&self) -> bool {
        if !self.worker.ready() || !self.worker.backend_known() || self.worker.gpu_module() {
            return false;
        }
        let choice = self
            .form
            .values()
            .and_then(|form| BackendChoice::parse(form.get(Field::Backend)))
            .unwrap_or(BackendChoice::Auto);
        decide(choice, self.worker.webgpu(), None) == DeviceDecision::WebGpu
    }

    /// Restarts the worker with the GPU module when the form needs it and the worker is idle
    /// (else once it is). The data loads again; models of earlier
    /// runs stay only as their records and kept weights, as after a reload.
    pub(super) fn switch_module_if_needed(&mut self, out: &mut Vec<Command>) {
        let idle = self.running.is_none()
            && !self.starting
            && !self.speed.timing()
            && self.pending_weights.is_empty()
            && self.pending_file.is_none();
        if !idle || !self.wants_gpu_module() {
            return;
        }
        let text = "loading WebGPU's kernels (the GPU module) for training on it…".to_string();
        out.push(Command::Say(Line::Adapter, text));
        // The new worker loads the data as the first did (from the cache, when it was fetched).
        self.worker_replaced(out);
        out.push(Command::StartGpuModule);
    }
}
