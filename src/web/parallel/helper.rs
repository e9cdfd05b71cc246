//! A helper worker: the page's module started by a training worker under the name
//! [`HELPER_NAME`]. It computes one shard of each step the lead sends (a
//! `train::parallel::ShardWorker` on the lead's model values) and sends the gradients back; it
//! keeps nothing else, and the lead ends it with the run.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use super::helper_protocol::{HelperEvent, HelperRequest, StepArrays, pack_event, unpack_request};
use crate::data::SeededRng;
use crate::train::parallel::ShardWorker;
use crate::train::{ModelState, ShardBatch};

/// The name a training worker gives its helpers (`new Worker(…, {name})`), by which the
/// module knows which side it is.
pub const HELPER_NAME: &str = "cifar-lab-helper";

pub fn start(scope: DedicatedWorkerGlobalScope) {
    let post = Poster(scope.clone());
    let on_panic = post.clone();
    std::panic::set_hook(Box::new(move |info| {
        let message = format!("it crashed: {info}");
        on_panic.post(&HelperEvent::Crashed { message }, None);
    }));
    let worker: Rc<RefCell<Option<ShardWorker>>> = Rc::default();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        receive(&worker, &post, message.data());
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    Poster(scope).post(&HelperEvent::Ready, None);
}

#[derive(Clone)]
struct Poster(DedicatedWorkerGlobalScope);

impl Poster {
    /// `event`, with `gradients` transferred beside it.
    fn post(&self, event: &HelperEvent, gradients: Option<&[f32]>) {
        let (message, transfer) = pack_event(event, gradients);
        let _ = self.0.post_message_with_transfer(&message, &transfer);
    }

    fn fail(&self, message: String) {
        self.post(&HelperEvent::Failed { message }, None);
    }
}

fn receive(worker: &Rc<RefCell<Option<ShardWorker>>>, post: &Poster, message: JsValue) {
    let (request, arrays) = match unpack_request(&message) {
        Ok(unpacked) => unpacked,
        Err(error) => return post.fail(error),
    };
    match request {
        HelperRequest::Start {
            model,
            label_smoothing,
            seed,
            worker: index,
        } => {
            let device = Device::flex().autodiff();
            // Its own dropout stream, a function of the run's seed and its place.
            device.seed(SeededRng::derive(seed, 0x5348_4152_4400 + index as u64).next_u64());
            *worker.borrow_mut() = Some(ShardWorker::new(&model, label_smoothing, &device));
        }
        HelperRequest::Step { trainable, labels } => {
            let Some(StepArrays { values, images }) = arrays else {
                return post.fail("a step without its model values or images".into());
            };
            let Some(mut shard) = worker.borrow_mut().take() else {
                return post.fail("a step before the run's model, or during another".into());
            };
            let (worker, post) = (worker.clone(), post.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let state = ModelState { values, trainable };
                let batch = ShardBatch { images, labels };
                match shard.step(&state, &batch).await {
                    Ok(gradients) => {
                        let done = HelperEvent::Done {
                            images: gradients.images,
                            loss_sum: gradients.loss_sum,
                            correct: gradients.correct,
                            memory_bytes: super::wasm_memory_bytes(),
                        };
                        post.post(&done, Some(&gradients.values));
                    }
                    Err(error) => post.fail(error.to_string()),
                }
                *worker.borrow_mut() = Some(shard);
            });
        }
    }
}
