//! One batch file, from the browser's cache or the network, within limits: never more bytes
//! than the file officially has (whatever `Content-Length` says), never a wait longer than
//! [`IDLE_SECONDS`] without a byte, and abandoned at once when the user presses Stop.

use std::cell::RefCell;
use std::rc::Rc;

use futures_lite::future;
use js_sys::{Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Cache, DedicatedWorkerGlobalScope, ReadableStreamDefaultReader, RequestInit,
    Response,
};

use super::loaded::{Fetched, LoadError, Tally};
use super::message_of;
use crate::data::{BatchKind, DataError};

/// A server that sends nothing for this long is given up on.
pub const IDLE_SECONDS: u32 = 30;

/// Clears its timer when dropped, so a step that finished first leaves no timer behind.
struct Timer<'a> {
    scope: &'a DedicatedWorkerGlobalScope,
    id: i32,
}

impl Drop for Timer<'_> {
    fn drop(&mut self) {
        self.scope.clear_timeout_with_handle(self.id);
    }
}

/// Resolves after `seconds`.
async fn sleep(scope: &DedicatedWorkerGlobalScope, seconds: u32) {
    let mut id = 0;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        id = scope
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, seconds as i32 * 1000)
            .unwrap_or(0);
    });
    let _timer = Timer { scope, id };
    let _ = JsFuture::from(promise).await;
}

/// What a fetch step waits for: the promise's value, or why it ended without one.
async fn step(
    scope: &DedicatedWorkerGlobalScope,
    url: &str,
    signal: &AbortSignal,
    promise: js_sys::Promise,
) -> Result<JsValue, LoadError> {
    let value = future::or(async { Some(JsFuture::from(promise).await) }, async {
        sleep(scope, IDLE_SECONDS).await;
        None
    })
    .await;
    match value {
        _ if signal.aborted() => Err(LoadError::Stopped),
        Some(Ok(value)) => Ok(value),
        Some(Err(e)) => Err(LoadError::Network {
            url: url.to_string(),
            detail: message_of(&e),
        }),
        None => Err(LoadError::Stalled {
            url: url.to_string(),
            seconds: IDLE_SECONDS,
        }),
    }
}

/// Everything one download needs to know.
pub struct Download<'a> {
    pub scope: &'a DedicatedWorkerGlobalScope,
    pub cache: Option<Cache>,
    pub signal: &'a AbortSignal,
    pub tally: Rc<RefCell<Tally>>,
    pub outbox: &'a super::Outbox,
}

impl Download<'_> {
    pub async fn file(
        &self,
        url: String,
        name: &'static str,
        kind: BatchKind,
        index: usize,
    ) -> Result<Fetched, LoadError> {
        let limit = kind.size_limit();
        let too_large = |url: &str| {
            LoadError::Data(DataError::TooLarge {
                file: url.to_string(),
                limit,
            })
        };
        let mut cached = None;
        if let Some(cache) = &self.cache {
            // A failed lookup only means a download.
            if let Ok(hit) = JsFuture::from(cache.match_with_str(&url)).await {
                cached = hit.dyn_into::<Response>().ok();
            }
        }
        let from_cache = cached.is_some();
        let response = match cached {
            Some(response) => response,
            None => {
                let init = RequestInit::new();
                init.set_signal(Some(self.signal));
                let request = self.scope.fetch_with_str_and_init(&url, &init);
                step(self.scope, &url, self.signal, request)
                    .await?
                    .unchecked_into::<Response>()
            }
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
        // A compressed transfer's length is not the body's; a plain one over the limit is
        // refused before a byte is read.
        if !encoded && length.is_some_and(|l| l > limit) {
            return Err(too_large(&url));
        }
        self.tally.borrow_mut().sizes[index] = length;
        let mut bytes = Vec::with_capacity(length.unwrap_or(0).min(limit) as usize);
        if let Some(body) = response.body() {
            let reader: ReadableStreamDefaultReader = body.get_reader().unchecked_into();
            loop {
                let chunk = step(self.scope, &url, self.signal, reader.read()).await?;
                if Reflect::get(&chunk, &"done".into())
                    .ok()
                    .and_then(|d| d.as_bool())
                    .unwrap_or(true)
                {
                    break;
                }
                let value: Uint8Array = Reflect::get(&chunk, &"value".into())
                    .map_err(|e| LoadError::Network {
                        url: url.clone(),
                        detail: message_of(&e),
                    })?
                    .unchecked_into();
                let start = bytes.len();
                if (start + value.length() as usize) as u64 > limit {
                    let _ = reader.cancel();
                    return Err(too_large(&url));
                }
                bytes.resize(start + value.length() as usize, 0);
                value.copy_to(&mut bytes[start..]);
                self.tally
                    .borrow_mut()
                    .add(value.length() as u64, self.outbox);
            }
        }
        let got = bytes.len() as u64;
        match length {
            Some(expected) if got < expected && !encoded => {
                return Err(LoadError::Truncated { url, expected, got });
            }
            None => self.tally.borrow_mut().sizes[index] = Some(got),
            _ => {}
        }
        Ok(Fetched {
            name,
            url,
            bytes,
            from_cache,
        })
    }
}
