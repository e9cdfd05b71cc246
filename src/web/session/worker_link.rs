//! The link to the training worker: whether it listens yet (requests wait until it does),
//! what it said about WebGPU and its module, and its replacement after a crash.

use super::data::DataMsg;
use super::events::GPU_LOST;
use super::redraw::Change;
use super::{Command, Line, Session};
use crate::train::RunEnd;
use crate::web::protocol::{AdapterInfo, Event, Request};

/// What the page knows of the worker: a part of the session with its own state and
/// [`WorkerLink::update`].
#[derive(Debug, Clone, Default)]
pub(super) struct WorkerLink {
    /// It has said Ready (it runs; a failure after this is a crash to recover from).
    ready: bool,
    /// It has answered whether WebGPU opened.
    backend_known: bool,
    /// Its module has burn's WebGPU backend (`module.rs`).
    gpu_module: bool,
    webgpu: Option<AdapterInfo>,
    /// Requests made before it listens: a worker drops messages that arrive before its
    /// handler is installed, so they wait for `Event::Ready`.
    queued: Vec<Request>,
}

/// What happens to the link.
pub(super) enum LinkMsg {
    /// The worker listens: it is asked to open WebGPU, and the requests held are sent.
    Ready,
    /// What it said about WebGPU and its module.
    Backend {
        webgpu: Option<AdapterInfo>,
        problem: Option<String>,
        gpu_module: bool,
    },
    /// It is being replaced: the next one starts from Ready.
    Replaced,
}

impl WorkerLink {
    pub(super) fn update(&mut self, msg: LinkMsg) -> Vec<Command> {
        let mut out = Vec::new();
        match msg {
            LinkMsg::Ready => {
                self.ready = true;
                out.push(Command::Post(Request::Init));
                out.extend(self.queued.drain(..).map(Command::Post));
            }
            LinkMsg::Backend {
                webgpu,
                problem,
                gpu_module,
            } => {
                self.gpu_module = gpu_module;
                let text = match (&webgpu, &problem) {
                    (Some(info), _) => info.label(),
                    (None, Some(problem)) => {
                        format!("not available ({problem}); training runs on the CPU")
                    }
                    (None, None) => "not available".to_string(),
                };
                out.push(Command::Say(Line::Adapter, text));
                self.webgpu = webgpu;
                self.backend_known = true;
            }
            LinkMsg::Replaced => {
                self.ready = false;
                self.backend_known = false;
                self.queued.clear();
            }
        }
        out
    }

    /// It has said Ready.
    pub(super) fn ready(&self) -> bool {
        self.ready
    }

    /// It has said whether WebGPU opened.
    pub(super) fn backend_known(&self) -> bool {
        self.backend_known
    }

    /// Its module has burn's WebGPU backend.
    pub(super) fn gpu_module(&self) -> bool {
        self.gpu_module
    }

    /// The WebGPU adapter it reported.
    pub(super) fn webgpu(&self) -> Option<&AdapterInfo> {
        self.webgpu.as_ref()
    }

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

    /// Ready or Backend from the worker.
    pub(super) fn worker_event(&mut self, event: Event, out: &mut Vec<Command>) {
        match event {
            Event::Ready => {
                out.extend(self.worker.update(LinkMsg::Ready));
                self.update_data(DataMsg::WorkerReady, out);
            }
            Event::Backend {
                webgpu,
                problem,
                gpu_module,
            } => {
                let backend = LinkMsg::Backend {
                    webgpu,
                    problem,
                    gpu_module,
                };
                out.extend(self.worker.update(backend));
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
        // Weights and evaluations asked of the old worker will not come.
        self.pending_weights.clear();
        self.pending_file = None;
        self.update_picture(super::picture::PictureMsg::WorkerLost, None, out);
        // The new worker has no models: this session's runs are now like stored ones.
        for view in &mut self.runs {
            view.in_worker = false;
        }
        self.changed(Change::ModelsGone);
        out.extend(self.worker.update(LinkMsg::Replaced));
    }
}
