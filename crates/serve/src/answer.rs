//! Answering one request (hyper has read and checked its head): the file it names, a part of
//! it, `304` when the browser's copy is current, or the reason not, each with the headers
//! every answer carries.

use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::body::AnswerBody;
use super::http::{RangeAnswer, Validators, byte_range};
use super::{CONTENT_SECURITY_POLICY, Site, percent_decode};

impl Site {
    /// The answer to `request`.
    pub(crate) fn answer<B>(&self, request: &Request<B>) -> Response<AnswerBody> {
        let path = percent_decode(request.uri().path());
        let shared = self.shared(&path);
        let head_only = request.method() == Method::HEAD;
        if request.method() != Method::GET && !head_only {
            let mut answer = words(
                StatusCode::METHOD_NOT_ALLOWED,
                "only GET and HEAD\n",
                shared,
                false,
            );
            answer
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return answer;
        }
        let Some(found) = self.lookup(&path) else {
            return words(StatusCode::NOT_FOUND, "not found\n", shared, head_only);
        };
        let validators = Validators::new(found.len, found.modified, self.started);
        let headers = request.headers();
        if validators.not_modified(headers) {
            let mut answer = Response::new(AnswerBody::empty());
            *answer.status_mut() = StatusCode::NOT_MODIFIED;
            common_headers(&mut answer, found.content_type, shared, &validators);
            return answer;
        }
        let whole = found.len;
        let range = headers
            .get(header::RANGE)
            .and_then(|r| r.to_str().ok())
            .filter(|_| validators.range_applies(headers))
            .map_or(RangeAnswer::Whole, |r| byte_range(r, whole));
        let (status, start, len, content_range) = match range {
            RangeAnswer::Whole => (StatusCode::OK, 0, whole, None),
            RangeAnswer::Part { start, end } => (
                StatusCode::PARTIAL_CONTENT,
                start,
                end - start + 1,
                Some(format!("bytes {start}-{end}/{whole}")),
            ),
            RangeAnswer::Unsatisfiable => {
                let mut answer = words(StatusCode::RANGE_NOT_SATISFIABLE, "", shared, head_only);
                set(
                    &mut answer,
                    header::CONTENT_RANGE,
                    &format!("bytes */{whole}"),
                );
                return answer;
            }
        };
        let body = if head_only {
            AnswerBody::empty()
        } else {
            // One of the places for answers being sent; none free: the client asks again.
            let Ok(place) = self.answers.clone().try_acquire_owned() else {
                let mut answer = words(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy, try again\n",
                    shared,
                    false,
                );
                set(&mut answer, header::RETRY_AFTER, "1");
                return answer;
            };
            match AnswerBody::part(found.source, start, len, place) {
                Ok(body) => body,
                Err(_) => return words(StatusCode::NOT_FOUND, "not found\n", shared, false),
            }
        };
        let mut answer = Response::new(body);
        *answer.status_mut() = status;
        common_headers(&mut answer, found.content_type, shared, &validators);
        set(&mut answer, header::CONTENT_LENGTH, &len.to_string());
        if let Some(content_range) = content_range {
            set(&mut answer, header::CONTENT_RANGE, &content_range);
        }
        answer
    }
}

/// A short plain-text answer; its length is said for `HEAD` as for `GET`.
fn words(
    status: StatusCode,
    text: &'static str,
    shared: bool,
    head_only: bool,
) -> Response<AnswerBody> {
    let body = if head_only {
        AnswerBody::empty()
    } else {
        AnswerBody::words(text)
    };
    let mut answer = Response::new(body);
    *answer.status_mut() = status;
    every_answers_headers(&mut answer, "text/plain; charset=utf-8", shared);
    answer
        .headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(text.len()));
    answer
}

/// What every answer says: its type, `nosniff`, to ask again on every use (`no-cache`), and
/// whether any page may read it.
fn every_answers_headers(
    answer: &mut Response<AnswerBody>,
    content_type: &'static str,
    shared: bool,
) {
    let headers = answer.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Asked again on every use, answered `304` while unchanged: a rebuilt app is picked up on
    // reload, an unchanged one is not downloaded again.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if shared {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    }
}

/// The headers of a file's answers (`200`, `206`, `304`).
fn common_headers(
    answer: &mut Response<AnswerBody>,
    content_type: &'static str,
    shared: bool,
    validators: &Validators,
) {
    every_answers_headers(answer, content_type, shared);
    let headers = answer.headers_mut();
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    // Pages, and scripts: a worker runs under the policy of its own script's answer.
    if content_type.starts_with("text/html") || content_type.starts_with("text/javascript") {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    set(answer, header::ETAG, &validators.etag);
    if let Some(date) = validators.last_modified() {
        set(answer, header::LAST_MODIFIED, &date);
    }
}

fn set(answer: &mut Response<AnswerBody>, name: header::HeaderName, value: &str) {
    // Every value set here is ASCII made by this server.
    if let Ok(value) = HeaderValue::from_str(value) {
        answer.headers_mut().insert(name, value);
    }
}
