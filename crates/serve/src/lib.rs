//! A small static web server for the browser app (native only): the trunk build under a
//! sub-path, and the CIFAR-10 batches beside it, from a folder or straight from the official
//! archive held in memory. `cifar-lab-serve` and `cifar-lab serve` run it ([`run`]); the
//! end-to-end tests serve their own generated data with it.
//!
//! It may face a network, so every resource is bounded: at most [`MAX_CONNECTIONS`] at once,
//! a request head of at most [`MAX_HEAD`] bytes read within [`READ_TIMEOUT`], files streamed
//! (with `Range` and `HEAD`) instead of read into memory, nothing outside a mount's folder
//! (no `..`, no dotfiles, no symlink that leads out), and headers that keep the browser strict
//! (`nosniff`, a Content-Security-Policy on pages, cross-origin access to the data only).

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Connections answered at once; more get `503` straight away.
pub const MAX_CONNECTIONS: usize = 64;
/// The longest request line plus headers.
pub const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request, and to take each part of the answer.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The page's policy: its own script files (no inline script: trunk's loader is replaced by
/// `www/boot.js`, see Trunk.toml), its WebAssembly, its worker; data may be fetched from
/// anywhere (`?data=`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' \
    'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; \
    connect-src *; worker-src 'self'; object-src 'none'; base-uri 'self'; \
    frame-ancestors 'none'";

/// Where the bytes of a mount come from.
#[derive(Debug, Clone)]
pub enum Content {
    Dir(PathBuf),
    /// Files by name (e.g. the batches read out of the archive).
    Files(Arc<HashMap<String, Vec<u8>>>),
}

/// `prefix` (starting and ending with `/`) is served from `content`.
#[derive(Debug, Clone)]
pub struct Mount {
    pub prefix: String,
    pub content: Content,
    /// Pages of other origins may fetch from it (the data set), so it says
    /// `Access-Control-Allow-Origin: *`; the app itself does not.
    pub shared: bool,
}

/// The mounts, longest prefix first, and the limits.
#[derive(Debug, Clone)]
pub struct Site {
    mounts: Vec<Mount>,
    max_connections: usize,
    read_timeout: Duration,
}

impl Default for Site {
    fn default() -> Self {
        Self {
            mounts: Vec::new(),
            max_connections: MAX_CONNECTIONS,
            read_timeout: READ_TIMEOUT,
        }
    }
}

/// What a path resolves to.
pub enum Body {
    File(File),
    Bytes(Arc<HashMap<String, Vec<u8>>>, String),
}

/// A resolved path: its bytes, their type, and whether other origins may read them.
pub struct Found {
    pub body: Body,
    pub len: u64,
    pub content_type: &'static str,
    pub shared: bool,
}

impl Site {
    pub fn new() -> Self {
        Self::default()
    }

    /// Other limits than [`MAX_CONNECTIONS`] and [`READ_TIMEOUT`] (tests use small ones).
    pub fn limits(mut self, max_connections: usize, read_timeout: Duration) -> Self {
        self.max_connections = max_connections.max(1);
        self.read_timeout = read_timeout;
        self
    }

    /// The app (or any content only its own pages read).
    pub fn mount(self, prefix: &str, content: Content) -> Self {
        self.add(prefix, content, false)
    }

    /// Data that pages elsewhere may fetch (CORS).
    pub fn mount_data(self, prefix: &str, content: Content) -> Self {
        self.add(prefix, content, true)
    }

    fn add(mut self, prefix: &str, content: Content, shared: bool) -> Self {
        let mut prefix = format!("/{}", prefix.trim_matches('/'));
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        self.mounts.push(Mount {
            prefix,
            content,
            shared,
        });
        self.mounts
            .sort_by_key(|m| std::cmp::Reverse(m.prefix.len()));
        self
    }

    /// Serves on `listener` until the process ends.
    pub fn serve(self, listener: TcpListener) {
        let site = Arc::new(self);
        let active = Arc::new(AtomicUsize::new(0));
        for stream in listener.incoming().flatten() {
            if active.fetch_add(1, Ordering::SeqCst) >= site.max_connections {
                active.fetch_sub(1, Ordering::SeqCst);
                let _ = busy(stream);
                continue;
            }
            let (site, done) = (site.clone(), active.clone());
            let spawned = std::thread::Builder::new().spawn(move || {
                // A client that hangs up or stalls mid-answer is its own business.
                let _ = site.answer(stream);
                done.fetch_sub(1, Ordering::SeqCst);
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

    fn answer(&self, mut stream: TcpStream) -> std::io::Result<()> {
        stream.set_read_timeout(Some(self.read_timeout))?;
        stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
        let head = match read_head(&mut stream) {
            Ok(head) => head,
            Err(status) => return respond(&mut stream, status, &Headers::text(), None),
        };
        let mut storage = [httparse::EMPTY_HEADER; 32];
        let mut request = httparse::Request::new(&mut storage);
        if !matches!(request.parse(&head), Ok(httparse::Status::Complete(_))) {
            return respond(&mut stream, 400, &Headers::text(), Some(b"bad request\n"));
        }
        let method = request.method.unwrap_or("");
        if method != "GET" && method != "HEAD" {
            return respond(
                &mut stream,
                405,
                &Headers::text(),
                Some(b"only GET and HEAD\n"),
            );
        }
        let target = request.path.unwrap_or("/");
        let path = target.split(['?', '#']).next().unwrap_or("/");
        let range = request
            .headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case("range"))
            .and_then(|h| std::str::from_utf8(h.value).ok());
        let with_body = method == "GET";
        let Some(found) = self.lookup(&percent_decode(path)) else {
            let body: &[u8] = b"not found\n";
            return respond(
                &mut stream,
                404,
                &Headers::text(),
                with_body.then_some(body),
            );
        };
        let mut headers = Headers {
            content_type: found.content_type,
            shared: found.shared,
            extra: Vec::new(),
        };
        let (status, start, len) = match range.map(|r| byte_range(r, found.len)) {
            None => (200, 0, found.len),
            Some(Some((start, end))) => {
                headers
                    .extra
                    .push(format!("Content-Range: bytes {start}-{end}/{}", found.len));
                (206, start, end - start + 1)
            }
            Some(None) => {
                headers
                    .extra
                    .push(format!("Content-Range: bytes */{}", found.len));
                return respond(&mut stream, 416, &headers, None);
            }
        };
        write_head(&mut stream, status, &headers, len)?;
        if with_body {
            match found.body {
                Body::File(mut file) => {
                    file.seek(SeekFrom::Start(start))?;
                    std::io::copy(&mut file.take(len), &mut stream)?;
                }
                Body::Bytes(files, name) => {
                    let bytes = &files[&name];
                    stream.write_all(&bytes[start as usize..(start + len) as usize])?;
                }
            }
        }
        stream.flush()
    }

    /// What `path` resolves to, if any mount has it.
    pub fn lookup(&self, path: &str) -> Option<Found> {
        // A mount's own path without its slash redirects nowhere: treat it as its index.
        let path =
            if !path.ends_with('/') && self.mounts.iter().any(|m| m.prefix == format!("{path}/")) {
                format!("{path}/")
            } else {
                path.to_string()
            };
        let mount = self.mounts.iter().find(|m| path.starts_with(&m.prefix))?;
        let mut rest = path[mount.prefix.len()..].to_string();
        if rest.is_empty() || rest.ends_with('/') {
            rest.push_str("index.html");
        }
        let (body, len) = match &mount.content {
            Content::Files(files) => {
                let len = files.get(&rest)?.len() as u64;
                (Body::Bytes(files.clone(), rest.clone()), len)
            }
            Content::Dir(dir) => {
                let path = contained(dir, &rest)?;
                let file = File::open(path).ok()?;
                let meta = file.metadata().ok()?;
                if !meta.is_file() {
                    return None;
                }
                (Body::File(file), meta.len())
            }
        };
        Some(Found {
            body,
            len,
            content_type: content_type(&rest),
            shared: mount.shared,
        })
    }
}

/// `dir/rest` if it names a file inside `dir`: no `..`, no hidden (dot) names, and no
/// symlink that leads outside `dir`.
fn contained(dir: &Path, rest: &str) -> Option<PathBuf> {
    let relative = Path::new(rest);
    let plain = relative.components().all(|c| match c {
        Component::Normal(name) => !name.to_string_lossy().starts_with('.'),
        _ => false,
    });
    if !plain {
        return None;
    }
    let root = dir.canonicalize().ok()?;
    let path = dir.join(relative).canonicalize().ok()?;
    path.starts_with(&root).then_some(path)
}

/// `/a%20b` → `/a b`; a `%` not followed by two hex digits stays as it is.
fn percent_decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

mod app;
mod http;
#[cfg(test)]
mod tests;

pub use app::{ServeArgs, ServeError, run};

pub use http::content_type;
use http::{Headers, busy, byte_range, read_head, respond, write_head};
