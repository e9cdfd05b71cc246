//! A small static web server for the browser app (native only): the trunk build under a
//! sub-path, and the CIFAR-10 batches beside it, from a folder or straight from the official
//! archive held in memory. `cifar-lab-serve` and `cifar-lab serve` run it ([`run`]); the
//! end-to-end tests serve their own generated data with it.
//!
//! It may face a network, so every resource is bounded ([`Limits`]):
//! - at most [`MAX_CONNECTIONS`] answered at once; more get `503` at once, written without
//!   waiting on them, and are held open a little (for at most [`REJECTED_LINGER`]; at most
//!   [`REJECTED_HELD`] held and as many waiting, more are closed at once) by a thread of their
//!   own, so that the answer is not lost;
//! - a request head of at most [`MAX_HEAD`] bytes, which must arrive whole within
//!   [`HEAD_DEADLINE`] (`408`), however it is dribbled;
//! - an answer that must keep pace, however it is read: its `n`-th byte taken within
//!   [`ANSWER_BASE`] + `n` / [`ANSWER_MIN_RATE`]; files are streamed in chunks of [`CHUNK`]
//!   (with `Range` and `HEAD`), not read into memory;
//! - only regular files (a FIFO would block `open`), judged by the name asked for and again by
//!   where it leads: nothing outside a mount's folder, no dot names, and from the data mount
//!   only the data set's own files (any page may read it);
//! - headers that keep the browser strict (`nosniff`, a Content-Security-Policy on pages,
//!   cross-origin access to the data only).

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

mod answer;
mod app;
mod files;
mod http;
mod limits;
mod reject;
#[cfg(test)]
mod tests;

pub use answer::CHUNK;
pub use app::{ServeArgs, ServeError, run};
pub use files::{Body, Content, Found, Mount, Names};
pub use http::content_type;
pub use limits::{ANSWER_BASE, ANSWER_MIN_RATE, HEAD_DEADLINE, Limits, MAX_CONNECTIONS, MAX_HEAD};
pub use reject::{REJECTED_HELD, REJECTED_LINGER};

/// The page's policy: its own script files (no inline script: trunk's loader is replaced by
/// `www/boot.js`, see Trunk.toml), its WebAssembly, its worker; data may be fetched from
/// anywhere (`?data=`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' \
    'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; \
    connect-src *; worker-src 'self'; object-src 'none'; base-uri 'self'; \
    frame-ancestors 'none'";

/// The mounts, longest prefix first, and the limits.
#[derive(Debug, Clone, Default)]
pub struct Site {
    mounts: Vec<Mount>,
    limits: Limits,
}

impl Site {
    pub fn new() -> Self {
        Self::default()
    }

    /// Other limits than the defaults (tests use small ones).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Limits {
            connections: limits.connections.max(1),
            ..limits
        };
        self
    }

    /// The app (or any content only its own pages read): any file in its folder.
    pub fn mount(self, prefix: &str, content: Content) -> Self {
        self.add(prefix, content, false, Names::Any)
    }

    /// The data set, which pages elsewhere may fetch (CORS): its own files only.
    pub fn mount_data(self, prefix: &str, content: Content) -> Self {
        self.add(prefix, content, true, Names::DataSet)
    }

    fn add(mut self, prefix: &str, content: Content, shared: bool, names: Names) -> Self {
        let mut prefix = format!("/{}", prefix.trim_matches('/'));
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        self.mounts.push(Mount {
            prefix,
            content,
            shared,
            names,
        });
        self.mounts
            .sort_by_key(|m| std::cmp::Reverse(m.prefix.len()));
        self
    }

    /// Serves on `listener` until the process ends.
    pub fn serve(self, listener: TcpListener) {
        let site = Arc::new(self);
        let active = Arc::new(AtomicUsize::new(0));
        let rejecter = reject::Rejecter::start();
        for stream in listener.incoming() {
            let Ok(stream) = stream else {
                // Out of file descriptors, say: the next accept would fail at once as well,
                // so pause instead of spinning.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            };
            if active.fetch_add(1, Ordering::SeqCst) >= site.limits.connections {
                active.fetch_sub(1, Ordering::SeqCst);
                rejecter.reject(stream);
                continue;
            }
            let (site, done) = (site.clone(), active.clone());
            let spawned = std::thread::Builder::new().spawn(move || {
                // A client that hangs up or stalls mid-answer is its own business.
                let _ = site.answer(&stream);
                // The slot is free before the connection closes: a client that asks again as
                // soon as it sees the close is not turned away.
                done.fetch_sub(1, Ordering::SeqCst);
                drop(stream);
            });
            if spawned.is_err() {
                active.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }

    /// Serves on a free loopback port in a background thread; returns its address.
    pub fn spawn_local(self) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        std::thread::spawn(move || self.serve(listener));
        Ok(address)
    }
}

/// `/a%20b` → `/a b`; a `%` not followed by two hex digits stays as it is.
fn percent_decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}
