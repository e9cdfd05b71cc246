//! How a [`Request`] or an [`Event`] travels between the page and its worker: always one
//! object, `{json}` plus, when something big comes along, `file` (a `File` picked by the user,
//! which the browser clones without copying) or `bytes` (a `Uint8Array` whose buffer is
//! transferred, not copied). Both sides and the browser test pack and unpack through here; the
//! training worker and its helpers wrap their messages the same way (`parallel::helper_protocol`).

use wasm_bindgen::{JsCast, JsValue};

use crate::web::protocol::{Event, ProtocolError, Request};

const JSON: &str = "json";
const FILE: &str = "file";
const BYTES: &str = "bytes";

/// Why a message could not be unpacked.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    #[error("a message without its JSON text")]
    NoJson,
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

/// A message of `json` text.
pub(crate) fn envelope(json: String) -> js_sys::Object {
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &JSON.into(), &json.into());
    message
}

fn field(message: &JsValue, key: &str) -> Option<JsValue> {
    js_sys::Reflect::get(message, &key.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// A message's JSON text.
pub(crate) fn json(message: &JsValue) -> Result<String, EnvelopeError> {
    field(message, JSON)
        .and_then(|v| v.as_string())
        .ok_or(EnvelopeError::NoJson)
}

/// `message` with `arrays` beside its JSON, each copied out of this module's memory once, and
/// the transfer list for `postMessage` that moves (not copies) them on.
pub(crate) fn with_floats(
    message: js_sys::Object,
    arrays: &[(&str, &[f32])],
) -> (JsValue, js_sys::Array) {
    let transfer = js_sys::Array::new();
    for (key, values) in arrays {
        let array = js_sys::Float32Array::from(*values);
        let _ = js_sys::Reflect::set(&message, &(*key).into(), &array);
        transfer.push(&array.buffer());
    }
    (message.into(), transfer)
}

/// A message's typed array `key`, copied into this module's memory.
pub(crate) fn floats(message: &JsValue, key: &str) -> Option<Vec<f32>> {
    field(message, key)?
        .dyn_into::<js_sys::Float32Array>()
        .ok()
        .map(|array| array.to_vec())
}

/// Page → worker: the request, and the file it is about.
pub fn pack_request(request: &Request, file: Option<&web_sys::File>) -> JsValue {
    let message = envelope(request.to_json());
    if let Some(file) = file {
        let _ = js_sys::Reflect::set(&message, &FILE.into(), file);
    }
    message.into()
}

pub fn unpack_request(
    message: &JsValue,
) -> Result<(Request, Option<web_sys::File>), EnvelopeError> {
    let request = Request::from_json(&json(message)?)?;
    let file = field(message, FILE).and_then(|f| f.dyn_into().ok());
    Ok((request, file))
}

/// Worker → page: the event, and the bytes that come with it (weights). The second value is
/// the transfer list for `postMessage`: the bytes' buffer, moved instead of copied.
pub fn pack_event(event: &Event, bytes: Option<&[u8]>) -> (JsValue, js_sys::Array) {
    let message = envelope(event.to_json());
    let transfer = js_sys::Array::new();
    if let Some(bytes) = bytes {
        let array = js_sys::Uint8Array::from(bytes);
        let _ = js_sys::Reflect::set(&message, &BYTES.into(), &array);
        transfer.push(&array.buffer());
    }
    (message.into(), transfer)
}

pub fn unpack_event(message: &JsValue) -> Result<(Event, Option<Vec<u8>>), EnvelopeError> {
    let event = Event::from_json(&json(message)?)?;
    let bytes = field(message, BYTES)
        .and_then(|b| b.dyn_into::<js_sys::Uint8Array>().ok())
        .map(|b| b.to_vec());
    Ok((event, bytes))
}
