//! One batch file, from the browser's cache or the network, within limits: never more bytes
//! than the file officially has (whatever `Content-Length` says), never a wait longer than
//! [`IDLE_SECONDS`] without a byte, asked again while the server is busy ([`crate::web::retry`]),
//! and abandoned at once when the user presses Stop.

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
use web_time::{Duration, Instant};

use super::loaded::{Fetched, LoadError, Tally};
use crate::data::{BatchKind, DataError};
use crate::web::js::error::js_message;
use crate::web::protocol::Event;
use crate::web::retry::{Backoff, Failure, is_busy, retry_after};

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
async fn sleep(scope: &DedicatedWorkerGlobalScope, seconds: f64) {
    let mut id = 0;
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        id = scope
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                (seconds * 1000.0) as i32,
            )
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
        sleep(scope, f64::from(IDLE_SECONDS)).await;
        None
    })
    .await;
    match value {
        _ if signal.aborted() => Err(LoadError::Stopped),
        Some(Ok(value)) => Ok(value),
        Some(Err(e)) => Err(LoadError::Network {
            url: url.to_string(),
            detail: js_message(&e),
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
    /// The server's answer to a `GET` of `url`: asked again, after a wait the page is told
    /// of, while the server says it is busy or does not answer ([`Backoff`]).
    async fn answer(&self, url: &str, name: &str) -> Result<Response, LoadError> {
        let mut backoff = Backoff::new();
        let started = Instant::now();
        loop {
            let init = RequestInit::new();
            init.set_signal(Some(self.signal));
            let request = self.scope.fetch_with_str_and_init(url, &init);
            let (failure, status, given_up) =
                match step(self.scope, url, self.signal, request).await {
                    Ok(answer) => {
                        let response: Response = answer.unchecked_into();
                        let status = response.status();
                        if !is_busy(status) {
                            return Ok(response);
                        }
                        let header = response.headers().get("retry-after").ok().flatten();
                        if let Some(body) = response.body() {
                            let _ = body.cancel();
                        }
                        let busy = Failure::Busy {
                            retry_after: retry_after(header.as_deref()),
                        };
                        let given_up = LoadError::Busy {
                            url: url.to_string(),
                            status,
                            seconds: started.elapsed().as_secs_f64(),
                        };
                        (busy, Some(status), given_up)
                    }
                    Err(unanswered @ LoadError::Network { .. }) => {
                        (Failure::Unanswered, None, unanswered)
                    }
                    Err(other) => return Err(other),
                };
            let Some(seconds) = backoff.next(failure, js_sys::Math::random()) else {
                return Err(given_up);
            };
            self.outbox.post(&Event::DataRetrying {
                file: name.to_string(),
                status,
                seconds,
            });
            // In short slices, so that Stop is heeded at once.
            let until = Instant::now() + Duration::from_secs_f64(seconds);
            while Instant::now() < until {
                if self.signal.aborted() {
                    return Err(LoadError::Stopped);
                }
                sleep(self.scope, 0.25).await;
            }
        }
    }

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
            None => self.answer(&url, name).await?,
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
                        detail: js_message(&e),
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
