//! The HTTP side of the server: reading a bounded request head, byte ranges, and writing
//! answers with the headers every answer carries.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::{CONTENT_SECURITY_POLICY, MAX_HEAD};

/// Reads the request line and headers, up to the blank line: at most [`MAX_HEAD`] bytes.
/// Errors are the status to answer with.
pub(super) fn read_head(stream: &mut TcpStream) -> Result<Vec<u8>, u16> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(431);
        }
        let want = chunk.len().min(MAX_HEAD + 1 - head.len());
        match stream.read(&mut chunk[..want]) {
            Ok(0) => return Err(400),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            // A client that sends nothing for READ_TIMEOUT.
            Err(_) => return Err(408),
        }
    }
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` against a body of `len` bytes: the inclusive range, or
/// `None` when it cannot be satisfied. Only single ranges (what media and download tools ask).
pub(super) fn byte_range(header: &str, len: u64) -> Option<(u64, u64)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (from, to) = spec.split_once('-')?;
    let (start, end) = match (from.trim(), to.trim()) {
        ("", suffix) => {
            let n: u64 = suffix.parse().ok()?;
            (len.checked_sub(n.min(len))?, len - 1)
        }
        (from, "") => (from.parse().ok()?, len - 1),
        (from, to) => (from.parse().ok()?, to.parse::<u64>().ok()?.min(len - 1)),
    };
    (start <= end && start < len).then_some((start, end))
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

pub(super) struct Headers {
    pub content_type: &'static str,
    pub shared: bool,
    pub extra: Vec<String>,
}

impl Headers {
    pub fn text() -> Self {
        Self {
            content_type: "text/plain; charset=utf-8",
            shared: false,
            extra: Vec::new(),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        _ => "Service Unavailable",
    }
}

pub(super) fn write_head(
    out: &mut TcpStream,
    status: u16,
    headers: &Headers,
    len: u64,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {}\r\nContent-Length: {len}\r\n\
         X-Content-Type-Options: nosniff\r\nAccept-Ranges: bytes\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n",
        reason(status),
        headers.content_type,
    );
    // no-cache above: a rebuilt app is picked up on reload (the page keeps the batches).
    // Pages, and scripts: a worker runs under the policy of its own script's answer.
    if headers.content_type.starts_with("text/html")
        || headers.content_type.starts_with("text/javascript")
    {
        head.push_str(&format!(
            "Content-Security-Policy: {CONTENT_SECURITY_POLICY}\r\n"
        ));
    }
    if headers.shared {
        head.push_str("Access-Control-Allow-Origin: *\r\n");
    }
    for line in &headers.extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    out.write_all(head.as_bytes())
}

pub(super) fn respond(
    out: &mut TcpStream,
    status: u16,
    headers: &Headers,
    body: Option<&[u8]>,
) -> std::io::Result<()> {
    let body = body.unwrap_or_default();
    write_head(out, status, headers, body.len() as u64)?;
    out.write_all(body)?;
    out.flush()
}

/// Too many connections: say so, on the accepting thread, spending at most a few tens of
/// milliseconds. The request is read (not parsed) before closing: closing with unread bytes
/// would reset the connection and the client might never see the answer.
pub(super) fn busy(mut stream: TcpStream) -> std::io::Result<()> {
    let mut request = [0u8; 1024];
    stream.set_write_timeout(Some(Duration::from_millis(100)))?;
    stream.set_read_timeout(Some(Duration::from_millis(50)))?;
    let body: &[u8] = b"busy, try again\n";
    respond(&mut stream, 503, &Headers::text(), Some(body))?;
    stream.shutdown(std::net::Shutdown::Write)?;
    for _ in 0..MAX_HEAD / request.len() {
        if matches!(stream.read(&mut request), Ok(0) | Err(_)) {
            break;
        }
    }
    Ok(())
}
