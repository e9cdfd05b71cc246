//! Getting CIFAR-10 into the worker: the batch files fetched in parallel from a base URL (kept
//! in Cache Storage, so a reload reads them from disk), or the official archive picked from
//! disk. Either way the bytes go through the same parser as natively.

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Cache, DedicatedWorkerGlobalScope, Response};
use web_time::Instant;

use super::fetch::Download;
use super::loaded::{LoadError, Tally};
use crate::data::{BatchFile, Cifar10, META_FILE, TEST_BATCH, TRAIN_BATCHES, batch_kind};
use crate::web::js::error::js_message;
use crate::web::protocol::Event;
use crate::web::worker::Outbox;

/// Cache Storage bucket of the batch files; bump the version if their handling changes.
const CACHE_NAME: &str = "cifar-lab-batches-v1";

/// The largest archive read from disk: the official `cifar-10-binary.tar.gz` is 170,052,171
/// bytes; it is read whole into memory, so nothing much larger is.
pub const ARCHIVE_LIMIT: u64 = 256 * 1024 * 1024;

/// Fetches every batch from `base` in parallel; `signal` (the worker's, aborted by Stop)
/// cancels them all.
pub async fn load_from_url(
    scope: &DedicatedWorkerGlobalScope,
    base: &str,
    outbox: &Outbox,
    signal: &AbortSignal,
) -> Result<(Cifar10, Event), LoadError> {
    let names: Vec<&'static str> = TRAIN_BATCHES
        .iter()
        .copied()
        .chain([TEST_BATCH, META_FILE])
        .collect();
    let cache = open_cache(scope, outbox).await;
    let tally = Rc::new(RefCell::new(Tally::new(names.len())));
    let download = Download {
        scope,
        cache: cache.clone(),
        signal,
        tally: tally.clone(),
        outbox,
    };
    let downloads = names.iter().enumerate().map(|(index, &name)| {
        let url = format!("{base}{name}");
        let kind = batch_kind(name).expect("the data set's own file names");
        download.file(url, name, kind, index)
    });
    let mut files = Vec::new();
    for result in join_all(downloads.collect()).await {
        match result {
            Ok(file) => files.push(file),
            // The label names are optional: the official ones are built in.
            Err(LoadError::Http {
                status: 404, url, ..
            }) if url.ends_with(META_FILE) => {}
            Err(error) => return Err(error),
        }
    }
    outbox.post(&tally.borrow().event());
    let set = Cifar10::from_files(
        base,
        files.iter().map(|f| BatchFile {
            name: f.name,
            bytes: &f.bytes,
        }),
    )?;
    // Only files that parsed are kept, so a damaged download is never served again.
    if let Some(cache) = &cache {
        for file in files.iter_mut().filter(|f| !f.from_cache) {
            if let Err(problem) = store(cache, &file.url, &mut file.bytes).await {
                let message = format!(
                    "the batches could not be kept in the browser's cache ({problem}); a \
                     reload will download them again"
                );
                outbox.post(&Event::Notice { message });
                break;
            }
        }
    }
    let ready = Event::DataReady {
        source: base.to_string(),
        train_images: set.train.len(),
        test_images: set.test.len(),
        classes: set.classes.as_slice().to_vec(),
        cached_files: files.iter().filter(|f| f.from_cache).count(),
        seconds: tally.borrow().started.elapsed().as_secs_f64(),
    };
    Ok((set, ready))
}

pub async fn load_from_file(
    name: &str,
    file: &web_sys::File,
    outbox: &Outbox,
) -> Result<(Cifar10, Event), LoadError> {
    let started = Instant::now();
    let size = file.size() as u64;
    if size > ARCHIVE_LIMIT {
        return Err(LoadError::ArchiveTooLarge {
            name: name.into(),
            size,
        });
    }
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| {
        LoadError::Browser(format!("{name}: could not be read ({})", js_message(&e)))
    })?;
    let bytes = Uint8Array::new(&buffer).to_vec();
    outbox.post(&Event::DataProgress {
        loaded: size,
        total: Some(size),
        seconds: started.elapsed().as_secs_f64(),
    });
    let set = Cifar10::from_archive(name, bytes.as_slice())?;
    let ready = Event::DataReady {
        source: name.to_string(),
        train_images: set.train.len(),
        test_images: set.test.len(),
        classes: set.classes.as_slice().to_vec(),
        cached_files: 0,
        seconds: started.elapsed().as_secs_f64(),
    };
    Ok((set, ready))
}

/// Deletes the cached batches; returns how many files there were.
pub async fn clear_cache(scope: &DedicatedWorkerGlobalScope) -> Result<usize, LoadError> {
    let storage = scope
        .caches()
        .map_err(|e| LoadError::Browser(format!("no cache storage here: {}", js_message(&e))))?;
    let failed = |e: JsValue| LoadError::Browser(format!("clearing the cache: {}", js_message(&e)));
    let cache: Cache = JsFuture::from(storage.open(CACHE_NAME))
        .await
        .map_err(failed)?
        .unchecked_into();
    let keys = JsFuture::from(cache.keys()).await.map_err(failed)?;
    let files = js_sys::Array::from(&keys).length() as usize;
    JsFuture::from(storage.delete(CACHE_NAME))
        .await
        .map_err(failed)?;
    Ok(files)
}

/// The cache, or `None` (with a notice) where the browser has none, e.g. on plain http.
async fn open_cache(scope: &DedicatedWorkerGlobalScope, outbox: &Outbox) -> Option<Cache> {
    let opened = match scope.caches() {
        Ok(storage) => JsFuture::from(storage.open(CACHE_NAME)).await,
        Err(error) => Err(error),
    };
    match opened {
        Ok(cache) => Some(cache.unchecked_into()),
        Err(error) => {
            let message = format!(
                "the browser's cache is not available ({}): the batches will be downloaded on \
                 every visit",
                js_message(&error)
            );
            outbox.post(&Event::Notice { message });
            None
        }
    }
}

async fn store(cache: &Cache, url: &str, bytes: &mut [u8]) -> Result<(), String> {
    let response = Response::new_with_opt_u8_array(Some(bytes)).map_err(|e| js_message(&e))?;
    JsFuture::from(cache.put_with_str(url, &response))
        .await
        .map(drop)
        .map_err(|e| js_message(&e))
}

/// Awaits every future together (the downloads run in parallel), keeping their order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    poll_fn(|cx| {
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none()
                && let Poll::Ready(value) = future.as_mut().poll(cx)
            {
                *output = Some(value);
            }
        }
        if outputs.iter().all(Option::is_some) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|o| o.expect("every future finished"))
        .collect()
}
