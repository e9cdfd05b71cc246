//! The training worker's helpers as real workers: one that throws, one that reports a
//! crash, and one whose script does not load each end the step (or the start) with a
//! `ShardError::Helper` naming it, and dropping the set terminates every helper. The helpers
//! here are small scripts speaking the helpers' messages (`HelperRequest`/`HelperEvent`), so
//! a failure can be made on purpose; the real helper's arithmetic is tested natively and in
//! the end-to-end test.

use cifar_lab::model::ModelSpec;
use cifar_lab::train::{ModelState, ShardBatch, ShardError, ShardPool};
use cifar_lab::web::parallel::Helpers;
use cifar_lab::web::parallel::helper_protocol::HelperEvent;
use js_sys::{Array, Promise};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{Blob, BlobPropertyBag, MessageEvent, Url};

// Bound here rather than as a web-sys feature: a feature only the tests turn on would build
// web-sys, and wgpu on it, a second time.
#[wasm_bindgen]
extern "C" {
    type BroadcastChannel;
    #[wasm_bindgen(constructor)]
    fn new(name: &str) -> BroadcastChannel;
    #[wasm_bindgen(method, setter)]
    fn set_onmessage(this: &BroadcastChannel, listener: &js_sys::Function);
    #[wasm_bindgen(method)]
    fn close(this: &BroadcastChannel);
}

/// Where the scripts below say they are alive, every 20 ms, with their worker number.
const CHANNEL: &str = "cifar-lab-helpers-test";

/// A helper script: ready at once, answers every step with zero gradients, except worker
/// `failing`, which does `misbehave` instead.
fn helper_script(failing: usize, misbehave: &str) -> String {
    let ready = HelperEvent::Ready.to_json();
    let done = HelperEvent::Done {
        images: 2,
        loss_sum: 1.5,
        correct: 1,
        memory_bytes: 1_000,
    }
    .to_json();
    format!(
        "const channel = new BroadcastChannel({CHANNEL:?});
        let me = 0;
        setInterval(() => channel.postMessage(me), 20);
        self.onmessage = (event) => {{
            const request = JSON.parse(event.data.json);
            if (request.type === 'start') {{ me = request.worker; return; }}
            if (me === {failing}) {{ {misbehave} }}
            const gradients = new Float32Array(event.data.values.length);
            self.postMessage({{ json: {done:?}, gradients }}, [gradients.buffer]);
        }};
        self.postMessage({{ json: {ready:?} }});"
    )
}

fn script_url(source: &str) -> String {
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let parts = Array::of1(&JsValue::from_str(source));
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).unwrap();
    Url::create_object_url_with_blob(&blob).unwrap()
}

async fn start(script: &str, count: usize) -> Result<Helpers, ShardError> {
    let model = ModelSpec::parse("conv 4 3 relu, maxpool 2, flatten, dense 10").unwrap();
    Helpers::start(script, count, &model, 0.0, 7, Rc::new(Cell::new(0))).await
}

fn step(helpers: &mut Helpers, shards: usize) -> Result<(), ShardError> {
    let state = ModelState {
        values: vec![0.5; 6],
        trainable: vec![true, true],
    };
    let shard = ShardBatch {
        images: vec![0.0; 2 * 3 * 32 * 32],
        labels: vec![1, 2],
    };
    helpers.send(state, vec![shard; shards])
}

async fn sleep(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        let window = web_sys::window().unwrap();
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    let _ = JsFuture::from(promise).await;
}

/// The worker numbers heard on [`CHANNEL`] during `ms` milliseconds.
async fn alive_during(ms: i32) -> Vec<usize> {
    let heard = Rc::new(RefCell::new(Vec::new()));
    let channel = BroadcastChannel::new(CHANNEL);
    let into = heard.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |m: MessageEvent| {
        into.borrow_mut()
            .push(m.data().as_f64().unwrap_or(0.0) as usize);
    });
    channel.set_onmessage(on_message.as_ref().unchecked_ref());
    sleep(ms).await;
    channel.close();
    let mut workers = heard.take();
    workers.sort_unstable();
    workers.dedup();
    workers
}

fn helper_failure(result: Result<impl Sized, ShardError>) -> (usize, usize, String) {
    match result {
        Err(ShardError::Helper {
            worker,
            workers,
            message,
        }) => (worker, workers, message),
        Err(other) => panic!("another error: {other}"),
        Ok(_) => panic!("no error"),
    }
}

#[wasm_bindgen_test]
async fn a_helper_that_throws_fails_the_step_and_the_set_ends_with_the_run() {
    let script = script_url(&helper_script(
        3,
        "throw new Error('a trap in helper ' + me);",
    ));
    let mut helpers = start(&script, 2).await.unwrap();
    step(&mut helpers, 2).unwrap();
    let (worker, workers, message) = helper_failure(helpers.receive().await);
    assert_eq!((worker, workers), (3, 3), "{message}");
    assert!(message.contains("a trap in helper 3"), "{message}");
    // The set stays failed: the loop is not handed a half step later.
    assert!(matches!(
        step(&mut helpers, 2),
        Err(ShardError::Helper { worker: 3, .. })
    ));
    assert_eq!(alive_during(200).await, vec![2, 3], "both helpers ran");
    drop(helpers);
    sleep(100).await;
    assert_eq!(
        alive_during(300).await,
        Vec::<usize>::new(),
        "dropped helpers run on"
    );
}

#[wasm_bindgen_test]
async fn a_helper_that_reports_a_crash_fails_the_step_with_its_message() {
    let crashed = HelperEvent::Crashed {
        message: "it crashed: panicked at src/model.rs".into(),
    }
    .to_json();
    let misbehave = format!("self.postMessage({{ json: {crashed:?} }}); return;");
    let mut helpers = start(&script_url(&helper_script(2, &misbehave)), 1)
        .await
        .unwrap();
    step(&mut helpers, 1).unwrap();
    let (worker, workers, message) = helper_failure(helpers.receive().await);
    assert_eq!((worker, workers), (2, 2));
    assert_eq!(message, "it crashed: panicked at src/model.rs");
}

#[wasm_bindgen_test]
async fn healthy_helpers_answer_every_step() {
    let mut helpers = start(&script_url(&helper_script(0, "")), 2).await.unwrap();
    for _ in 0..3 {
        step(&mut helpers, 2).unwrap();
        let results = helpers.receive().await.unwrap();
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|r| r.values == vec![0.0; 6]));
        assert!(results.iter().all(|r| r.loss_sum == 1.5 && r.correct == 1));
    }
}

#[wasm_bindgen_test]
async fn a_helper_whose_script_fails_is_named_at_the_start() {
    let throws = script_url("throw new Error('this module does not start');");
    let (worker, _, message) = helper_failure(start(&throws, 2).await);
    assert!(worker == 2 || worker == 3, "{message}");
    assert!(message.contains("does not start"), "{message}");
}

/// Starts one helper under a `Worker` whose only event is an `error` without a message, as
/// browsers fire for a worker script that is not found (here the test runner's own loading
/// reports it otherwise).
const NOT_FOUND_WORKER: &str = "
    const Real = self.Worker;
    self.Worker = function (url, options) {
        self.Worker = Real;
        const worker = new Real(url, options);
        worker.terminate();
        setTimeout(() => worker.dispatchEvent(new Event('error')), 10);
        return worker;
    };";

#[wasm_bindgen_test]
async fn a_helper_whose_script_is_not_found_is_named_at_the_start() {
    let idle = script_url("");
    js_sys::Function::new_no_args(NOT_FOUND_WORKER)
        .call0(&JsValue::NULL)
        .unwrap();
    let started = futures_lite::future::or(async { Some(start(&idle, 1).await) }, async {
        sleep(10_000).await;
        None
    })
    .await;
    let (worker, workers, message) = helper_failure(started.expect("no answer in 10 s"));
    assert_eq!((worker, workers), (2, 2));
    assert!(message.contains("did not load"), "{message}");
}
