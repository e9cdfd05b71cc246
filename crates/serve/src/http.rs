//! What the answers say beyond their bytes: byte ranges, content types, and the validators
//! (`ETag`, `Last-Modified`) that let a browser revalidate what it has (`304`).

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::HeaderMap;
use hyper::header::{IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_RANGE};

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

/// What identifies this version of a file: its length and modification time (as nginx's
/// `ETag` does), or for files held in memory, which do not change while the server runs, its
/// length and when the server started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Validators {
    pub etag: String,
    /// Whole seconds, as `Last-Modified` says it.
    pub modified: Option<SystemTime>,
}

impl Validators {
    pub fn new(len: u64, modified: Option<SystemTime>, started: SystemTime) -> Self {
        let nanos = |t: SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let etag = match modified {
            Some(time) => format!("\"{len:x}-{:x}\"", nanos(time)),
            None => format!("\"{len:x}-m{:x}\"", nanos(started)),
        };
        let modified = modified.map(|time| {
            UNIX_EPOCH
                + std::time::Duration::from_secs(
                    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()),
                )
        });
        Self { etag, modified }
    }

    pub fn last_modified(&self) -> Option<String> {
        self.modified.map(httpdate::fmt_http_date)
    }

    /// Whether the client's copy is this version (`If-None-Match`, else
    /// `If-Modified-Since`; RFC 9110, 13.2.2), so `304` answers.
    pub fn not_modified(&self, headers: &HeaderMap) -> bool {
        if let Some(tags) = headers.get(IF_NONE_MATCH) {
            let tags = tags.to_str().unwrap_or("");
            // A weak comparison: `W/"x"` matches `"x"`.
            return tags
                .split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == self.etag);
        }
        let since = headers
            .get(IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok());
        matches!((since, self.modified), (Some(since), Some(modified)) if modified <= since)
    }

    /// Whether a `Range` may be served: no `If-Range`, or one naming this version (a strong
    /// comparison of the tag, or exactly its date).
    pub fn range_applies(&self, headers: &HeaderMap) -> bool {
        let Some(condition) = headers.get(IF_RANGE).and_then(|v| v.to_str().ok()) else {
            return headers.get(IF_RANGE).is_none();
        };
        let condition = condition.trim();
        if condition.starts_with('"') {
            return condition == self.etag;
        }
        httpdate::parse_http_date(condition).is_ok_and(|date| Some(date) == self.modified)
    }
}
