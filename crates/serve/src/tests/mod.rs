use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use super::http::{RangeAnswer, byte_range};
use super::*;

fn body(found: Found) -> Vec<u8> {
    match found.source {
        Source::File(mut file) => {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            bytes
        }
        Source::Memory(files, name) => files[&name].clone(),
    }
}

#[test]
fn mounts_serve_their_files_and_nothing_outside() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>hi</p>").unwrap();
    std::fs::write(dir.path().join("app.wasm"), [0u8, 97, 115, 109]).unwrap();
    std::fs::write(dir.path().join(".env"), "SECRET=1").unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        dir.path().join("link.txt"),
    )
    .unwrap();
    let files = HashMap::from([("data_batch_1.bin".to_string(), vec![1u8, 2, 3])]);
    let site = Site::new()
        .mount("/lab/", Content::Dir(dir.path().into()))
        .mount_data(
            "/lab/data/cifar-10-batches-bin/",
            Content::Files(Arc::new(files)),
        );

    let index = site.lookup("/lab/").unwrap();
    assert_eq!(index.content_type, "text/html; charset=utf-8");
    assert!(!index.shared, "the app is not offered to other origins");
    assert_eq!(body(index), b"<p>hi</p>");
    assert!(
        site.lookup("/lab").is_some(),
        "the sub-path without its slash"
    );
    assert_eq!(
        site.lookup("/lab/app.wasm").unwrap().content_type,
        "application/wasm"
    );
    let batch = site
        .lookup("/lab/data/cifar-10-batches-bin/data_batch_1.bin")
        .unwrap();
    assert!(batch.shared);
    assert_eq!(body(batch), vec![1, 2, 3]);
    for refused in [
        "/lab/data/cifar-10-batches-bin/test_batch.bin",
        "/lab/../etc/passwd",
        "/lab/%2e%2e/secret",
        "/lab/.env",
        "/lab/link.txt",
        "/other/",
    ] {
        assert!(site.lookup(&percent_decode(refused)).is_none(), "{refused}");
    }
}

#[test]
fn byte_ranges() {
    let part = |start, end| RangeAnswer::Part { start, end };
    assert_eq!(byte_range("bytes=0-9", 100), part(0, 9));
    assert_eq!(byte_range("bytes=90-", 100), part(90, 99));
    assert_eq!(byte_range("bytes=-10", 100), part(90, 99));
    assert_eq!(byte_range("bytes=-500", 100), part(0, 99));
    assert_eq!(byte_range("bytes=50-500", 100), part(50, 99));
    assert_eq!(byte_range("Bytes = 1-2", 100), part(1, 2));
    // A valid single range that starts past the end (or asks for no bytes at all).
    for unsatisfiable in ["bytes=100-", "bytes=100-200", "bytes=-0"] {
        assert_eq!(
            byte_range(unsatisfiable, 100),
            RangeAnswer::Unsatisfiable,
            "{unsatisfiable}"
        );
    }
    assert_eq!(byte_range("bytes=0-", 0), RangeAnswer::Unsatisfiable);
    // Anything else is ignored: the whole body.
    for ignored in [
        "bytes=9-2",
        "bytes=0-1,4-5",
        "lines=1-2",
        "bytes=x-",
        "bytes=+1-2",
        "bytes=-",
        "bytes=99999999999999999999-",
        "bytes",
        "",
    ] {
        assert_eq!(byte_range(ignored, 100), RangeAnswer::Whole, "{ignored}");
    }
    assert_eq!(byte_range("bytes=-5", 0), RangeAnswer::Whole);
}

fn site_on(dir: &Path, max_connections: usize, timeout: Duration) -> SocketAddr {
    site_with(
        dir,
        Limits {
            connections: max_connections,
            head: timeout,
            ..Limits::default()
        },
    )
}

/// `dir` served at `/`, and as the data set at `/data/`.
fn site_with(dir: &Path, limits: Limits) -> SocketAddr {
    Site::new()
        .limits(limits)
        .mount("/", Content::Dir(dir.into()))
        .mount_data("/data/", Content::Dir(dir.into()))
        .spawn_local()
        .unwrap()
}

/// `request`'s answer, the connection closed after it (`Connection: close` added after the
/// request line); a server that stalls fails the test after 5 s instead of hanging it.
fn ask(address: SocketAddr, request: &str) -> String {
    let request = request.replacen("\r\n", "\r\nConnection: close\r\n", 1);
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    String::from_utf8_lossy(&answer).into_owned()
}

fn get(address: SocketAddr, path: &str) -> String {
    ask(address, &format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"))
}

#[test]
fn answers_over_http_with_strict_headers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    std::fs::write(dir.path().join("a b.txt"), "spaced").unwrap();
    std::fs::write(dir.path().join("digits.bin"), "0123456789").unwrap();
    std::fs::write(dir.path().join("worker.js"), "import './app.js';").unwrap();
    std::fs::write(dir.path().join("data_batch_1.bin"), "batch").unwrap();
    let address = site_on(dir.path(), 8, Duration::from_secs(5));
    let ok = get(address, "/index.html?x=1");
    assert!(ok.starts_with("HTTP/1.1 200 OK\r\n"), "{ok}");
    assert!(ok.ends_with("\r\n\r\nhello"));
    assert!(ok.contains("X-Content-Type-Options: nosniff\r\n"));
    assert!(ok.contains("Content-Security-Policy: default-src 'self'"));
    assert!(ok.contains("'wasm-unsafe-eval'"));
    assert!(
        !ok.contains("'unsafe-inline'"),
        "no inline script may run: {ok}"
    );
    assert!(!ok.contains("Access-Control-Allow-Origin"), "{ok}");
    // The worker's script carries the policy too (a worker is not covered by its page's).
    let worker = get(address, "/worker.js");
    assert!(
        worker.contains("Content-Security-Policy: default-src 'self'"),
        "{worker}"
    );
    assert!(!get(address, "/digits.bin").contains("Content-Security-Policy"));
    assert!(get(address, "/data/data_batch_1.bin").contains("Access-Control-Allow-Origin: *\r\n"));
    assert!(get(address, "/missing.bin").starts_with("HTTP/1.1 404"));
    // Paths arrive percent-encoded; an encoded `..` still cannot climb out.
    assert!(get(address, "/a%20b.txt").ends_with("\r\n\r\nspaced"));
    assert!(get(address, "/%2e%2e/etc/passwd").starts_with("HTTP/1.1 404"));
    // HEAD: the headers alone; Range: a part of the file.
    let head = ask(address, "HEAD /digits.bin HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(
        head.contains("Content-Length: 10\r\n") && head.ends_with("\r\n\r\n"),
        "{head}"
    );
    let part = ask(
        address,
        "GET /digits.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4\r\n\r\n",
    );
    assert!(
        part.starts_with("HTTP/1.1 206 Partial Content\r\n"),
        "{part}"
    );
    assert!(part.contains("Content-Range: bytes 2-4/10\r\n"));
    assert!(part.ends_with("\r\n\r\n234"));
    let beyond = ask(
        address,
        "GET /digits.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=20-\r\n\r\n",
    );
    assert!(beyond.starts_with("HTTP/1.1 416"), "{beyond}");
    assert!(beyond.contains("Content-Range: bytes */10\r\n"), "{beyond}");
    assert!(ask(address, "\u{1}\u{2} garbage\r\n\r\n").starts_with("HTTP/1.1 400"));
}

/// RFC 9110: a server may ignore `Range`, so one it cannot serve as asked (several ranges,
/// another unit, nonsense) gets the whole file; only a valid range past the end is `416`.
/// A `405` says which methods would do (`Allow`).
#[test]
fn ranges_it_cannot_serve_get_the_whole_file_and_405_says_allow() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("digits.bin"), "0123456789").unwrap();
    let address = site_on(dir.path(), 8, Duration::from_secs(5));
    for ignored in [
        "bytes=0-1,4-5",
        "lines=1-2",
        "bytes=x-",
        "bytes=9-2",
        "bytes",
    ] {
        let whole = ask(
            address,
            &format!("GET /digits.bin HTTP/1.1\r\nHost: x\r\nRange: {ignored}\r\n\r\n"),
        );
        assert!(
            whole.starts_with("HTTP/1.1 200 OK\r\n"),
            "{ignored}: {whole}"
        );
        assert!(whole.ends_with("\r\n\r\n0123456789"), "{ignored}: {whole}");
        assert!(!whole.contains("Content-Range"), "{ignored}: {whole}");
    }
    let refused = ask(address, "POST / HTTP/1.1\r\n\r\n");
    assert!(refused.starts_with("HTTP/1.1 405"), "{refused}");
    assert!(refused.contains("\r\nAllow: GET, HEAD\r\n"), "{refused}");
}

#[test]
fn long_slow_and_idle_clients_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "hello").unwrap();
    let address = site_on(dir.path(), 2, Duration::from_millis(300));
    // A request line longer than the limit is refused without reading it all.
    // (Exactly one byte over, so the server has read all of it when it answers.)
    let long = format!("GET /{}", "a".repeat(MAX_HEAD + 1 - 5));
    let mut stream = TcpStream::connect(address).unwrap();
    let _ = stream.write_all(long.as_bytes());
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    // A client that never finishes its request is dropped after the read timeout.
    let mut idle = TcpStream::connect(address).unwrap();
    idle.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    let mut answer = String::new();
    idle.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    // Two idle connections fill a site; a third is turned away at once, and once they are
    // gone the site answers again. (A site of its own with a longer timeout, and polling
    // rather than fixed sleeps, so that a loaded machine cannot time the held ones out
    // before the third asks.)
    let address = site_on(dir.path(), 2, Duration::from_secs(5));
    let held: Vec<TcpStream> = (0..2)
        .map(|_| TcpStream::connect(address).unwrap())
        .collect();
    assert!(
        answers_within(address, "HTTP/1.1 503"),
        "a full site still answered"
    );
    drop(held);
    assert!(
        answers_within(address, "HTTP/1.1 200"),
        "the site did not recover"
    );
}

/// Whether `GET /` is answered with `status` within 4 s (polling, so that a loaded machine
/// does not fail a test that waits for a slot to be freed).
fn answers_within(address: SocketAddr, status: &str) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(4);
    loop {
        if get(address, "/").starts_with(status) {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

mod clients;
mod conformance;
mod crowd;
mod files;
