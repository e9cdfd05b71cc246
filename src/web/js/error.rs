//! A browser API's failure in the browser's own words.

use wasm_bindgen::{JsCast, JsValue};

/// A failure of a browser API, with the browser's own message.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("the page has no element #{0}: index.html and the wasm module do not match")]
    MissingElement(String),
    #[error("{context}: {message}")]
    Js { context: String, message: String },
}

impl WebError {
    /// Wraps a thrown JS value: `Error`s give their message, anything else its string form.
    pub fn js(context: &str, value: JsValue) -> Self {
        Self::Js {
            context: context.to_string(),
            message: js_message(&value),
        }
    }
}

/// The readable part of a thrown JS value.
pub fn js_message(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        let name = String::from(error.name());
        let message = String::from(error.message());
        if name.is_empty() || name == "Error" {
            message
        } else {
            format!("{name}: {message}")
        }
    } else if let Some(text) = value.as_string() {
        text
    } else {
        format!("{value:?}")
    }
}

/// What a worker's `error` event says. A script that throws gives an `ErrorEvent` with its
/// message; one that is not found (offline, a stale cache) a plain `Event` without one.
pub fn worker_error_message(event: &web_sys::Event) -> String {
    match event.dyn_ref::<web_sys::ErrorEvent>() {
        Some(error) => error.message(),
        None => "its script did not load (is the page offline?)".to_string(),
    }
}
