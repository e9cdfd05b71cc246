//! A small static web server for the browser app (native only): the trunk build under a
//! sub-path, and the CIFAR-10 batches beside it, from a folder or straight from the official
//! archive held in memory. `cifar-lab-serve` and `cifar-lab serve` run it ([`run`]); the
//! end-to-end tests serve their own generated data with it.
//!
//! HTTP is hyper's (on tokio); what this crate adds is what is served and what one client may
//! cost, since it may face a network ([`Limits`]):
//! - connections: as many as the open-files limit allows ([`Limits::for_open_files`]; 10,000
//!   idle ones cost little), at most [`PER_CLIENT`] from one IP address; more get `503` at once;
//! - a request head of at most [`MAX_HEAD`] bytes (`431`), which must arrive whole within
//!   [`HEAD_DEADLINE`] (`408`), however it is dribbled; a kept-alive connection asking nothing
//!   more is closed after it;
//! - an answer that must keep pace, however it is read: its `n`-th byte taken within
//!   [`ANSWER_BASE`] + `n` / [`ANSWER_MIN_RATE`]; at most [`MAX_ANSWERS`] sent at once, files
//!   streamed in chunks of [`CHUNK`] (with `Range`, `HEAD`, and `ETag`/`Last-Modified` for
//!   `304`), not read into memory;
//! - connections closed without resetting what they were sent ([`CLOSE_LINGER`]);
//! - only regular files, judged by the name asked for and again by where it leads, and opened
//!   beneath their folder following no symlink: nothing outside a mount's folder, no dot names,
//!   and from the data mount only the data set's own files (any page may read it: every answer
//!   there says so, a `404` too);
//! - headers that keep the browser strict (`nosniff`, a Content-Security-Policy on pages,
//!   cross-origin access to the data only).

use std::sync::Arc;
use std::time::SystemTime;

use tokio::sync::Semaphore;

mod answer;
mod app;
mod body;
mod close;
mod files;
mod http;
mod limits;
mod pace;
mod server;
#[cfg(test)]
mod tests;

pub use app::{ServeArgs, ServeError, run};
pub use body::CHUNK;
pub use files::{Content, Found, Mount, Names, Source};
pub use http::content_type;
pub use limits::{
    ANSWER_BASE, ANSWER_MIN_RATE, CLOSE_LINGER, CLOSING_HELD, HEAD_DEADLINE, Limits, MAX_ANSWERS,
    MAX_CONNECTIONS, MAX_HEAD, PER_CLIENT,
};

/// The page's policy: its own script files (no inline script: trunk's loader is replaced by
/// `www/boot.js`, see Trunk.toml), its WebAssembly, its worker; data may be fetched from
/// anywhere (`?data=`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' \
    'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; \
    connect-src *; worker-src 'self'; object-src 'none'; base-uri 'self'; \
    frame-ancestors 'none'";

/// The mounts, longest prefix first, and the limits.
#[derive(Debug, Clone)]
pub struct Site {
    mounts: Vec<Mount>,
    limits: Limits,
    /// The places for answers being sent ([`Limits::answers`]).
    answers: Arc<Semaphore>,
    /// When the site was made: what versions the files it holds in memory.
    started: SystemTime,
}

impl Default for Site {
    fn default() -> Self {
        Self::new()
    }
}

impl Site {
    pub fn new() -> Self {
        let limits = Limits::default();
        Self {
            mounts: Vec::new(),
            answers: Arc::new(Semaphore::new(limits.answers)),
            limits,
            started: SystemTime::now(),
        }
    }

    /// Other limits than the defaults (tests use small ones); at least one of each place.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = Limits {
            connections: limits.connections.max(1),
            per_client: limits.per_client.max(1),
            answers: limits.answers.max(1),
            ..limits
        };
        self.answers = Arc::new(Semaphore::new(self.limits.answers));
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
}

/// `/a%20b` → `/a b`; a `%` not followed by two hex digits stays as it is.
fn percent_decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}
