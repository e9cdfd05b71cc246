//! Getting CIFAR-10 into the worker: the batch files fetched in parallel from a base URL (kept
//! in Cache Storage, so a reload reads them from disk), or the official archive picked from
//! disk. Either way the bytes go through the same parser as natively.

use std::cell::RefCell;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Cache, DedicatedWorkerGlobalScope, ReadableStreamDefaultReader, Response};
use web_time::Instant;

use super::{Outbox, message_of};
use crate::data::{BatchFile, Cifar10, DataError, META_FILE, TEST_BATCH, TRAIN_BATCHES};
use crate::web::protocol::Event;

/// Cache Storage bucket of the batch files; bump the version if their handling changes.
const CACHE_NAME: &str = "cifar-lab-batches-v1";

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(
        "{url}: the server answered HTTP {status} {status_text}. Put the CIFAR-10 batches \
         (the files of cifar-10-batches-bin/) at that address, point ?data= at a folder that \
         has them, or pick cifar-10-binary.tar.gz from disk"
    )]
    Http {
        url: String,
        status: u16,
        status_text: String,
    },
    #[error(
        "{url}: could not be fetched ({detail}). The address may be wrong or the server down; \
         a server on another origin must also allow it with an Access-Control-Allow-Origin \
         header (CORS)"
    )]
    Network { url: String, detail: String },
    #[error(
        "{url}: the download stopped after {got} of {expected} bytes. Load again; if it \
         keeps happening, the file on the server is incomplete"
    )]
    Truncated {
        url: String,
        expected: u64,
        got: u64,
    },
    #[error(
        "{0}. The batches must be the official CIFAR-10 binary version (as in \
         cifar-10-binary.tar.gz): replace the damaged file and load again"
    )]
    Data(#[from] DataError),
    #[error("{0}")]
    Browser(String),
}

/// Bytes received so far, for the progress bar.
struct Tally {
    loaded: u64,
    sizes: Vec<Option<u64>>,
    started: Instant,
    last_post: Option<Instant>,
}

impl Tally {
    fn event(&self) -> Event {
        Event::DataProgress {
            loaded: self.loaded,
            total: self.sizes.iter().copied().sum(),
            seconds: self.started.elapsed().as_secs_f64(),
        }
    }

    /// Adds bytes and posts progress at most ten times a second.
    fn add(&mut self, bytes: u64, outbox: &Outbox) {
        self.loaded += bytes;
        let due = self
            .last_post
            .is_none_or(|t| t.elapsed().as_secs_f64() >= 0.1);
        if due {
            self.last_post = Some(Instant::now());
            outbox.post(&self.event());
        }
    }
}

struct Fetched {
    name: &'static str,
    url: String,
    bytes: Vec<u8>,
    from_cache: bool,
}

pub async fn load_from_url(
    scope: &DedicatedWorkerGlobalScope,
    base: &str,
    outbox: &Outbox,
) -> Result<(Cifar10, Event), LoadError> {
    let names: Vec<&'static str> = TRAIN_BATCHES
        .iter()
        .copied()
        .chain([TEST_BATCH, META_FILE])
        .collect();
    let cache = open_cache(scope, outbox).await;
    let tally = Rc::new(RefCell::new(Tally {
        loaded: 0,
        sizes: vec![None; names.len()],
        started: Instant::now(),
        last_post: None,
    }));
    let downloads = names.iter().enumerate().map(|(index, &name)| {
        let url = format!("{base}{name}");
        fetch_file(
            scope,
            cache.clone(),
            url,
            name,
            index,
            tally.clone(),
            outbox,
        )
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
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| {
        LoadError::Browser(format!("{name}: could not be read ({})", message_of(&e)))
    })?;
    let bytes = Uint8Array::new(&buffer).to_vec();
    let size = bytes.len() as u64;
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
        .map_err(|e| LoadError::Browser(format!("no cache storage here: {}", message_of(&e))))?;
    let failed = |e: JsValue| LoadError::Browser(format!("clearing the cache: {}", message_of(&e)));
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
                message_of(&error)
            );
            outbox.post(&Event::Notice { message });
            None
        }
    }
}

async fn store(cache: &Cache, url: &str, bytes: &mut [u8]) -> Result<(), String> {
    let response = Response::new_with_opt_u8_array(Some(bytes)).map_err(|e| message_of(&e))?;
    JsFuture::from(cache.put_with_str(url, &response))
        .await
        .map(drop)
        .map_err(|e| message_of(&e))
}

async fn fetch_file(
    scope: &DedicatedWorkerGlobalScope,
    cache: Option<Cache>,
    url: String,
    name: &'static str,
    index: usize,
    tally: Rc<RefCell<Tally>>,
    outbox: &Outbox,
) -> Result<Fetched, LoadError> {
    let network = |url: &str, e: JsValue| LoadError::Network {
        url: url.to_string(),
        detail: message_of(&e),
    };
    let mut cached = None;
    if let Some(cache) = &cache {
        // A failed lookup only means a download.
        if let Ok(hit) = JsFuture::from(cache.match_with_str(&url)).await {
            cached = hit.dyn_into::<Response>().ok();
        }
    }
    let from_cache = cached.is_some();
    let response = match cached {
        Some(response) => response,
        None => JsFuture::from(scope.fetch_with_str(&url))
            .await
            .map_err(|e| network(&url, e))?
            .unchecked_into::<Response>(),
    };
    if !response.ok() {
        return Err(LoadError::Http {
            url,
            status: response.status(),
            status_text: response.status_text(),
        });
    }
    let headers = response.headers();
    let length = headers
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok());
    let encoded = headers.get("content-encoding").ok().flatten().is_some();
    tally.borrow_mut().sizes[index] = length;
    let mut bytes = Vec::with_capacity(length.unwrap_or(0) as usize);
    if let Some(body) = response.body() {
        let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
        loop {
            let chunk = JsFuture::from(reader.read())
                .await
                .map_err(|e| network(&url, e))?;
            if Reflect::get(&chunk, &"done".into())
                .ok()
                .and_then(|d| d.as_bool())
                .unwrap_or(true)
            {
                break;
            }
            let value: Uint8Array = Reflect::get(&chunk, &"value".into())
                .map_err(|e| network(&url, e))?
                .unchecked_into();
            let start = bytes.len();
            bytes.resize(start + value.length() as usize, 0);
            value.copy_to(&mut bytes[start..]);
            tally.borrow_mut().add(value.length() as u64, outbox);
        }
    }
    let got = bytes.len() as u64;
    match length {
        // A compressed transfer's length is not the body's.
        Some(expected) if got < expected && !encoded => {
            return Err(LoadError::Truncated { url, expected, got });
        }
        None => tally.borrow_mut().sizes[index] = Some(got),
        _ => {}
    }
    Ok(Fetched {
        name,
        url,
        bytes,
        from_cache,
    })
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
