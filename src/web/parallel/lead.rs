//! The training worker's helpers for one run: WebAssembly workers it starts (each the page's
//! module under [`HELPER_NAME`]), hands a shard of every step, and ends with the run. A
//! `train::ShardPool`, so the loop is the one the CLI runs.
//!
//! A helper that crashes, traps or cannot start fails the step it owes: the loop ends the
//! run with that message (epochs kept), the run's end drops this set (terminating every
//! helper), and the next run starts a fresh one.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen::closure::Closure;
use web_sys::{Event, MessageEvent, Worker, WorkerOptions, WorkerType};

use super::helper::HELPER_NAME;
use super::helper_protocol::{HelperEvent, HelperRequest, pack_request, unpack_event};
use crate::model::ModelSpec;
use crate::train::{ModelState, ShardBatch, ShardError, ShardGradients, ShardPool};
use crate::web::js::error::{js_message, worker_error_message};

/// The helpers' script, relative to the training worker's: the page's module
/// (www/worker.js).
pub const HELPER_SCRIPT: &str = "./worker.js";

pub struct Helpers {
    workers: Vec<Worker>,
    inbox: Rc<RefCell<Inbox>>,
    /// The helpers' WebAssembly memory, summed (the run's memory adds it to the lead's).
    memory: Rc<Cell<u64>>,
    _on_message: Vec<Closure<dyn FnMut(MessageEvent)>>,
    _on_error: Vec<Closure<dyn FnMut(Event)>>,
}

/// What the helpers have said, as their messages arrive.
#[derive(Default)]
struct Inbox {
    ready: Vec<bool>,
    /// This step's results, by helper; `expected` of them are owed.
    results: Vec<Option<ShardGradients>>,
    expected: usize,
    /// The first helper that failed (0-based), and why.
    failed: Option<(usize, String)>,
    memory: Vec<u64>,
    /// Resolves the promise the lead awaits, when a message may have completed what it
    /// waits for.
    wake: Option<js_sys::Function>,
}

impl Helpers {
    /// Starts `count` helpers of `script` and gives each the run's model; returns once all
    /// listen.
    pub async fn start(
        script: &str,
        count: usize,
        model: &ModelSpec,
        label_smoothing: f64,
        seed: u64,
        memory: Rc<Cell<u64>>,
    ) -> Result<Self, ShardError> {
        let inbox = Rc::new(RefCell::new(Inbox {
            ready: vec![false; count],
            results: vec![None; count],
            memory: vec![0; count],
            ..Inbox::default()
        }));
        let mut helpers = Self {
            workers: Vec::with_capacity(count),
            inbox: inbox.clone(),
            memory,
            _on_message: Vec::new(),
            _on_error: Vec::new(),
        };
        for index in 0..count {
            let options = WorkerOptions::new();
            options.set_type(WorkerType::Module);
            options.set_name(HELPER_NAME);
            let worker = Worker::new_with_options(script, &options).map_err(|e| {
                helpers.failure(index, format!("it did not start: {}", js_message(&e)))
            })?;
            let (heard_by, memory) = (inbox.clone(), helpers.memory.clone());
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |m: MessageEvent| {
                heard(&heard_by, &memory, index, m.data());
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            let inbox = inbox.clone();
            let on_error = Closure::<dyn FnMut(Event)>::new(move |e: Event| {
                e.prevent_default();
                fail(&inbox, index, worker_error_message(&e));
            });
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            helpers.workers.push(worker);
            helpers._on_message.push(on_message);
            helpers._on_error.push(on_error);
        }
        wait(&inbox, |i| i.ready.iter().all(|r| *r)).await;
        helpers.check()?;
        for (index, worker) in helpers.workers.iter().enumerate() {
            let start = HelperRequest::Start {
                model: model.clone(),
                label_smoothing,
                seed,
                worker: index + 2,
            };
            let (message, transfer) = pack_request(&start, None);
            if let Err(e) = worker.post_message_with_transfer(&message, &transfer) {
                return Err(helpers.failure(index, js_message(&e)));
            }
        }
        Ok(helpers)
    }

    fn failure(&self, index: usize, message: String) -> ShardError {
        ShardError::Helper {
            worker: index + 2,
            workers: self.inbox.borrow().ready.len() + 1,
            message,
        }
    }

    /// The first failure heard of, as the loop's error.
    fn check(&self) -> Result<(), ShardError> {
        let failed = self.inbox.borrow().failed.clone();
        match failed {
            Some((index, message)) => Err(self.failure(index, message)),
            None => Ok(()),
        }
    }
}

impl Drop for Helpers {
    fn drop(&mut self) {
        for worker in &self.workers {
            worker.terminate();
        }
    }
}

impl ShardPool for Helpers {
    fn helpers(&self) -> usize {
        self.workers.len()
    }

    fn send(&mut self, state: ModelState, shards: Vec<ShardBatch>) -> Result<(), ShardError> {
        self.check()?;
        self.check_count(shards.len())?;
        {
            let mut inbox = self.inbox.borrow_mut();
            inbox.results.iter_mut().for_each(|r| *r = None);
            inbox.expected = shards.len();
        }
        for (index, (worker, shard)) in self.workers.iter().zip(&shards).enumerate() {
            let step = HelperRequest::Step {
                trainable: state.trainable.clone(),
                labels: shard.labels.clone(),
            };
            let (message, transfer) = pack_request(&step, Some((&state, shard)));
            if let Err(e) = worker.post_message_with_transfer(&message, &transfer) {
                return Err(self.failure(index, js_message(&e)));
            }
        }
        Ok(())
    }

    async fn receive(&mut self) -> Result<Vec<ShardGradients>, ShardError> {
        let owed = |i: &Inbox| i.results[..i.expected].iter().all(Option::is_some);
        wait(&self.inbox, owed).await;
        self.check()?;
        let mut inbox = self.inbox.borrow_mut();
        let expected = inbox.expected;
        inbox.expected = 0;
        Ok(inbox.results[..expected]
            .iter_mut()
            .map(|r| r.take().expect("every result owed arrived"))
            .collect())
    }
}

/// Waits until `done` holds or a helper has failed.
async fn wait(inbox: &Rc<RefCell<Inbox>>, done: impl Fn(&Inbox) -> bool) {
    loop {
        if inbox.borrow().failed.is_some() || done(&inbox.borrow()) {
            return;
        }
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            inbox.borrow_mut().wake = Some(resolve);
        });
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}

fn wake(inbox: &Rc<RefCell<Inbox>>) {
    let wake = inbox.borrow_mut().wake.take();
    if let Some(wake) = wake {
        let _ = wake.call0(&JsValue::NULL);
    }
}

fn fail(inbox: &Rc<RefCell<Inbox>>, index: usize, message: String) {
    inbox.borrow_mut().failed.get_or_insert((index, message));
    wake(inbox);
}

/// Helper `index`'s message.
fn heard(inbox: &Rc<RefCell<Inbox>>, memory: &Cell<u64>, index: usize, message: JsValue) {
    let (event, gradients) = match unpack_event(&message) {
        Ok(unpacked) => unpacked,
        Err(error) => return fail(inbox, index, error),
    };
    match event {
        HelperEvent::Ready => inbox.borrow_mut().ready[index] = true,
        HelperEvent::Done {
            images,
            loss_sum,
            correct,
            memory_bytes,
        } => {
            let Some(values) = gradients else {
                return fail(inbox, index, "gradients missing from its answer".into());
            };
            let mut i = inbox.borrow_mut();
            i.memory[index] = memory_bytes;
            memory.set(i.memory.iter().sum());
            i.results[index] = Some(ShardGradients {
                values,
                images,
                loss_sum,
                correct,
            });
        }
        HelperEvent::Failed { message } | HelperEvent::Crashed { message } => {
            return fail(inbox, index, message);
        }
    }
    wake(inbox);
}
