//! The link to the training worker: whether it listens yet (requests wait until it does),
//! what it said about WebGPU and its module, and its replacement after a crash.

use super::data::DataMsg;
use super::events::GPU_LOST;
use super::redraw::Change;
use super::{Command, Line, Session};
use crate::train::RunEnd;
use crate::web::protocol::{AdapterInfo, Event, Request};

/// What the page knows of the worker.
#[derive(Debug, Clone, Default)]
pub(super) struct WorkerLink {
    /// It has said Ready (it runs; a failure after this is a crash to recover from).
    pub(super) ready: bool,
    /// It has answered whether WebGPU opened.
    pub(super) backend_known: bool,
    /// Its module has burn's WebGPU backend (`module.rs`).
    pub(super) gpu_module: bool,
    pub(super) webgpu: Option<AdapterInfo>,
    /// Requests made before it listens: a worker drops messages that arrive before its
    /// handler is installed, so they wait for `Event::Ready`.
    pub(super) queued: Vec<Request>,
}

impl WorkerLink {
    /// Holds back the requests in `out` until the worker listens.
    pub(super) fn hold(&mut self, out: &mut Vec<Command>) {
        if self.ready {
            return;
        }
        out.retain(|command| match command {
            Command::Post(request) => {
                self.queued.push(request.clone());
                false
            }
            _ => true,
        });
    }
}

impl Session {
    /// The worker failed outside Rust. A trap (out of memory, a stack overflow) ends it
    /// without a word: the same recovery as a reported crash. Before Ready it never ran:
    /// say so, no retry.
    pub(super) fn worker_failed(&mut self, message: String, out: &mut Vec<Command>) {
        if self.worker.ready {
            return self.crashed(message, out);
        }
        let text = format!(
            "{message}. Reload the page; a browser without module workers cannot run cifar-lab"
        );
        out.push(Command::Say(Line::RunError, text));
    }

    pub(super) fn worker_event(&mut self, event: Event, out: &mut Vec<Command>) {
        let say = |out: &mut Vec<Command>, line, text: String| out.push(Command::Say(line, text));
        match event {
            Event::Ready => {
                self.worker.ready = true;
                out.push(Command::Post(Request::Init));
                out.extend(self.worker.queued.drain(..).map(Command::Post));
                self.update_data(DataMsg::WorkerReady, out);
            }
            Event::Backend {
                webgpu,
                problem,
                gpu_module,
            } => {
                self.worker.gpu_module = gpu_module;
                let text = match (&webgpu, &problem) {
                    (Some(info), _) => info.label(),
                    (None, Some(problem)) => {
                        format!("not available ({problem}); training runs on the CPU")
                    }
                    (None, None) => "not available".to_string(),
                };
                say(out, Line::Adapter, text);
                self.worker.webgpu = webgpu;
                self.worker.backend_known = true;
            }
            _ => {}
        }
    }

    /// The worker is gone (a Rust panic it reported, or a trap it could not): keep what
    /// the page has, mark the run in progress failed, and start a new worker.
    pub(super) fn crashed(&mut self, message: String, out: &mut Vec<Command>) {
        let on_gpu = self
            .running
            .as_deref()
            .is_some_and(|name| self.on_gpu(name));
        if let Some(name) = self.running.take()
            && let Some(view) = self.run_mut(&name)
        {
            view.end(RunEnd::Failed {
                error: message.clone(),
            });
            out.push(Command::Persist(name));
        }
        let mut text =
            format!("{message}. The completed epochs are kept; the data set must be loaded again.");
        if on_gpu {
            text.push_str(GPU_LOST);
        }
        out.push(Command::Say(Line::RunError, text));
        self.worker_replaced(out);
        out.push(Command::RestartWorker);
    }

    /// The worker is being replaced (after a crash, or by the GPU module): nothing it held
    /// or was asked comes back, and the new one starts from Ready without the data.
    pub(super) fn worker_replaced(&mut self, out: &mut Vec<Command>) {
        self.starting = false;
        self.stopping = false;
        self.update_speed(super::speed::SpeedMsg::WorkerLost, out);
        self.data.forget();
        self.worker.backend_known = false;
        // Weights and evaluations asked of the old worker will not come.
        self.pending_weights.clear();
        self.pending_file = None;
        self.update_picture(super::picture::PictureMsg::WorkerLost, None, out);
        // The new worker has no models: this session's runs are now like stored ones.
        for view in &mut self.runs {
            view.in_worker = false;
        }
        self.changed(Change::ModelsGone);
        self.worker.ready = false;
        self.worker.queued.clear();
    }
}
