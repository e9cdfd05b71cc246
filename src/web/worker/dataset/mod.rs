//! The requests about the data set: loading it from a URL or from an archive picked from disk
//! (`batches.rs` does the work), clearing the batches' cache, and the sample image the form
//! shows augmented.

mod batches;
mod fetch;
mod loaded;

pub use loaded::LoadError;

use std::cell::RefCell;
use std::rc::Rc;

use super::{Outbox, Worker};
use crate::data::{Augment, Cifar10};
use crate::web::js::error::js_message;
use crate::web::protocol::{AUGMENT_EPOCHS, AUGMENT_SAMPLE, Event};

/// `Request::LoadUrl`: the batches from `base`; Stop aborts the downloads.
pub(super) async fn from_url(worker: &Rc<RefCell<Worker>>, outbox: &Outbox, base: &str) {
    worker.borrow_mut().busy = Some("loading the data");
    let scope = worker.borrow().scope.clone();
    let loaded = match web_sys::AbortController::new() {
        Ok(abort) => {
            worker.borrow_mut().load_abort = Some(abort.clone());
            batches::load_from_url(&scope, base, outbox, &abort.signal()).await
        }
        Err(e) => Err(LoadError::Browser(js_message(&e))),
    };
    worker.borrow_mut().load_abort = None;
    finish(worker, outbox, loaded);
}

/// `Request::LoadArchive`: the official archive, as the page handed it over.
pub(super) async fn from_archive(
    worker: &Rc<RefCell<Worker>>,
    outbox: &Outbox,
    name: &str,
    file: Option<web_sys::File>,
) {
    worker.borrow_mut().busy = Some("reading the archive");
    let loaded = match file {
        Some(file) => batches::load_from_file(name, &file, outbox).await,
        None => Err(LoadError::Browser(
            "the archive did not reach the worker".into(),
        )),
    };
    finish(worker, outbox, loaded);
}

/// `Request::ClearCache`: forgets the batches kept in Cache Storage.
pub(super) async fn clear_cache(worker: &Rc<RefCell<Worker>>, outbox: &Outbox) {
    let scope = worker.borrow().scope.clone();
    match batches::clear_cache(&scope).await {
        Ok(files) => outbox.post(&Event::CacheCleared { files }),
        Err(error) => outbox.post(&Event::Refused {
            message: error.to_string(),
        }),
    }
}

/// `Request::AugmentSamples`: one training image as `augment` shows it in a few epochs
/// (nothing before the data is loaded).
pub(super) fn augment_samples(
    worker: &Rc<RefCell<Worker>>,
    outbox: &Outbox,
    augment: Augment,
    seed: u64,
) {
    let data = worker.borrow().data.clone();
    let Some(data) = data.filter(|d| d.train.len() > AUGMENT_SAMPLE) else {
        return;
    };
    let pixels = data.train.image(AUGMENT_SAMPLE);
    outbox.post(&Event::AugmentSamples {
        index: AUGMENT_SAMPLE,
        class: data.train.labels[AUGMENT_SAMPLE] as usize,
        images: augment.epoch_samples(pixels, seed, AUGMENT_SAMPLE, AUGMENT_EPOCHS),
    });
}

/// Keeps the data set that loaded (or says why none did); the worker is free again.
fn finish(
    worker: &Rc<RefCell<Worker>>,
    outbox: &Outbox,
    loaded: Result<(Cifar10, Event), LoadError>,
) {
    let mut w = worker.borrow_mut();
    w.busy = None;
    match loaded {
        Ok((set, ready)) => {
            w.data = Some(Rc::new(set));
            drop(w);
            outbox.post(&ready);
        }
        Err(error) => {
            drop(w);
            outbox.post(&Event::DataFailed {
                message: error.to_string(),
            });
        }
    }
}
