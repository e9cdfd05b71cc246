//! The HTTP side of the server: reading a bounded request head, byte ranges, and writing
//! answers with the headers every answer carries.

use std::io::{Read, Write};

use super::CONTENT_SECURITY_POLICY;
use super::limits::{MAX_HEAD, out_of_time};

/// Why no request head was read; each is answered with [`HeadError::status`].
#[derive(Debug, thiserror::Error)]
pub(super) enum HeadError {
    #[error("the connection ended before the request head did")]
    Ended,
    #[error("a request head over {MAX_HEAD} bytes")]
    TooLarge,
    #[error("the request head did not arrive within its deadline")]
    TooSlow,
}

impl HeadError {
    pub fn status(&self) -> u16 {
        match self {
            Self::Ended => 400,
            Self::TooLarge => 431,
            Self::TooSlow => 408,
        }
    }
}

/// Reads the request line and headers, up to the blank line: at most [`MAX_HEAD`] bytes, from
/// `stream` whose reads end at the head's deadline.
pub(super) fn read_head(stream: &mut impl Read) -> Result<Vec<u8>, HeadError> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        if head.windows(4).any(|w| w == b"\r\n\r\n") || head.windows(2).any(|w| w == b"\n\n") {
            return Ok(head);
        }
        if head.len() > MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
        let want = chunk.len().min(MAX_HEAD + 1 - head.len());
        match stream.read(&mut chunk[..want]) {
            Ok(0) => return Err(HeadError::Ended),
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e) if out_of_time(&e) => return Err(HeadError::TooSlow),
            Err(_) => return Err(HeadError::Ended),
        }
    }
}

/// How to answer a `Range` header for a body of some length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RangeAnswer {
    /// `200` with the whole body: no range, or one this server does not serve (several
    /// ranges, another unit, not a range at all), which RFC 9110 lets a server ignore.
    Whole,
    /// `206` with the bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// `416`: a valid single byte range that starts at or past the end.
    Unsatisfiable,
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` against a body of `len` bytes (RFC 9110, 14.1.2). Only
/// single ranges: what media and download tools ask.
pub(super) fn byte_range(header: &str, len: u64) -> RangeAnswer {
    let Some((unit, spec)) = header.trim().split_once('=') else {
        return RangeAnswer::Whole;
    };
    if !unit.trim().eq_ignore_ascii_case("bytes") || spec.contains(',') {
        return RangeAnswer::Whole;
    }
    let Some((from, to)) = spec.split_once('-') else {
        return RangeAnswer::Whole;
    };
    let (from, to) = (from.trim(), to.trim());
    if from.is_empty() {
        // `-n`: the last n bytes; the whole body when it is shorter, none of it when n is 0.
        return match (digits(to), len) {
            (None, _) => RangeAnswer::Whole,
            (Some(0), _) => RangeAnswer::Unsatisfiable,
            (Some(_), 0) => RangeAnswer::Whole,
            (Some(suffix), len) => RangeAnswer::Part {
                start: len - suffix.min(len),
                end: len - 1,
            },
        };
    }
    let (Some(start), Some(end)) = (
        digits(from),
        if to.is_empty() {
            Some(u64::MAX)
        } else {
            digits(to)
        },
    ) else {
        return RangeAnswer::Whole;
    };
    if end < start {
        // Not a valid range, so ignored as well.
        RangeAnswer::Whole
    } else if start >= len {
        RangeAnswer::Unsatisfiable
    } else {
        RangeAnswer::Part {
            start,
            end: end.min(len - 1),
        }
    }
}

/// A position in a range: digits only (`parse` would take a sign), and no more than a u64.
fn digits(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
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
        503 => "Service Unavailable",
        _ => "Error",
    }
}

pub(super) fn write_head(
    out: &mut impl Write,
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
    out: &mut impl Write,
    status: u16,
    headers: &Headers,
    body: Option<&[u8]>,
) -> std::io::Result<()> {
    let body = body.unwrap_or_default();
    write_head(out, status, headers, body.len() as u64)?;
    out.write_all(body)?;
    out.flush()
}

/// The whole `503` answer, for a client turned away (see `reject.rs`).
pub(super) fn busy_answer() -> Vec<u8> {
    let mut answer = Vec::new();
    // Writing to memory cannot fail.
    let _ = respond(
        &mut answer,
        503,
        &Headers::text(),
        Some(b"busy, try again\n"),
    );
    answer
}
