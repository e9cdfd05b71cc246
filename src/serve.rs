//! A small static web server for the browser app (native only): the trunk build under a
//! sub-path, and the CIFAR-10 batches beside it, from a folder or straight from the official
//! archive held in memory. `cifar-lab serve` runs it; the end-to-end tests serve their own
//! generated data with it. GET and HEAD only, one thread per connection.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

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
}

/// The mounts, longest prefix first.
#[derive(Debug, Clone, Default)]
pub struct Site {
    mounts: Vec<Mount>,
}

impl Site {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn mount(mut self, prefix: &str, content: Content) -> Self {
        let mut prefix = format!("/{}", prefix.trim_matches('/'));
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        self.mounts.push(Mount { prefix, content });
        self.mounts
            .sort_by_key(|m| std::cmp::Reverse(m.prefix.len()));
        self
    }

    /// Serves on `listener` until the process ends.
    pub fn serve(self, listener: TcpListener) {
        let site = Arc::new(self);
        for stream in listener.incoming().flatten() {
            let site = site.clone();
            std::thread::spawn(move || {
                // A client that hangs up mid-answer is its own business.
                let _ = site.answer(stream);
            });
        }
    }

    /// Serves on a free loopback port in a background thread; returns its address.
    pub fn spawn_local(self) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        std::thread::spawn(move || self.serve(listener));
        Ok(address)
    }

    fn answer(&self, stream: TcpStream) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut request_line = String::new();
        reader.read_line(&mut request_line)?;
        // Headers are read and ignored: nothing here depends on them.
        let mut header = String::new();
        while reader.read_line(&mut header)? > 2 {
            header.clear();
        }
        let mut parts = request_line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
        let path = target.split(['?', '#']).next().unwrap_or("/");
        let mut out = stream;
        if method != "GET" && method != "HEAD" {
            return respond(&mut out, 405, "text/plain", b"only GET and HEAD\n", true);
        }
        match self.lookup(&percent_decode(path)) {
            Some((bytes, content_type)) => {
                respond(&mut out, 200, content_type, &bytes, method == "GET")
            }
            None => respond(&mut out, 404, "text/plain", b"not found\n", method == "GET"),
        }
    }

    /// The bytes and content type at `path`, if any mount has it.
    pub fn lookup(&self, path: &str) -> Option<(Vec<u8>, &'static str)> {
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
        let bytes = match &mount.content {
            Content::Files(files) => files.get(&rest)?.clone(),
            Content::Dir(dir) => std::fs::read(safe_join(dir, &rest)?).ok()?,
        };
        Some((bytes, content_type(&rest)))
    }
}

/// `dir/rest`, refusing anything that climbs out of `dir`.
fn safe_join(dir: &Path, rest: &str) -> Option<PathBuf> {
    let relative = Path::new(rest);
    relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then(|| dir.join(relative))
}

/// `/a%20b` → `/a b`; a `%` not followed by two hex digits stays as it is.
fn percent_decode(path: &str) -> String {
    percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned()
}

/// Types the browser cares about: `application/wasm` lets it compile while downloading.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "json" => "application/json",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(
    out: &mut TcpStream,
    status: u16,
    content_type: &str,
    body: &[u8],
    with_body: bool,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    // no-cache: a rebuilt app is picked up on reload (the page keeps the batches itself).
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nAccess-Control-Allow-Origin: *\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if with_body {
        out.write_all(body)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_serve_their_files_and_nothing_outside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(dir.path().join("app.wasm"), [0u8, 97, 115, 109]).unwrap();
        let files = HashMap::from([("data_batch_1.bin".to_string(), vec![1u8, 2, 3])]);
        let site = Site::new()
            .mount("/lab/", Content::Dir(dir.path().into()))
            .mount(
                "/lab/data/cifar-10-batches-bin/",
                Content::Files(Arc::new(files)),
            );

        let (index, kind) = site.lookup("/lab/").unwrap();
        assert_eq!(
            (index.as_slice(), kind),
            (&b"<p>hi</p>"[..], "text/html; charset=utf-8")
        );
        assert!(
            site.lookup("/lab").is_some(),
            "the sub-path without its slash"
        );
        assert_eq!(site.lookup("/lab/app.wasm").unwrap().1, "application/wasm");
        let batch = site.lookup("/lab/data/cifar-10-batches-bin/data_batch_1.bin");
        assert_eq!(batch.unwrap().0, vec![1, 2, 3]);
        assert!(
            site.lookup("/lab/data/cifar-10-batches-bin/test_batch.bin")
                .is_none()
        );
        assert!(site.lookup("/lab/../etc/passwd").is_none());
        assert!(site.lookup("/lab/%2e%2e/secret").is_none());
        assert!(site.lookup("/other/").is_none());
    }

    #[test]
    fn answers_over_http() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "hello").unwrap();
        std::fs::write(dir.path().join("a b.txt"), "spaced").unwrap();
        let address = Site::new()
            .mount("/", Content::Dir(dir.path().into()))
            .spawn_local()
            .unwrap();
        let get = |path: &str| {
            let mut stream = TcpStream::connect(address).unwrap();
            write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut answer = String::new();
            std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
            answer
        };
        let ok = get("/index.html?x=1");
        assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
        assert!(ok.ends_with("\r\n\r\nhello"));
        assert!(get("/missing.bin").starts_with("HTTP/1.1 404"));
        // Paths arrive percent-encoded; an encoded `..` still cannot climb out.
        assert!(get("/a%20b.txt").ends_with("\r\n\r\nspaced"));
        assert!(get("/%2e%2e/etc/passwd").starts_with("HTTP/1.1 404"));
    }
}
