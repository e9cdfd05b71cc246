//! Small helpers over web-sys for the page. Text goes in through `textContent` only: nothing
//! the data or the user supplies is ever parsed as HTML.

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Document, Element};

use super::WebError;

pub fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("the page has a document")
}

/// The element `#id` as type `T`.
pub fn by_id<T: JsCast>(id: &str) -> Result<T, WebError> {
    document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<T>().ok())
        .ok_or_else(|| WebError::MissingElement(id.to_string()))
}

pub fn set_text(element: &Element, text: &str) {
    element.set_text_content(Some(text));
}

/// A message, with what it puts between backticks (a model, a layer) shown as `<code>`
/// rather than as raw Markdown. Each piece goes in as text.
pub fn set_words(element: &Element, text: &str) {
    clear(element);
    for (code, piece) in crate::web::format::code_spans(text) {
        if code {
            let _ = element.append_child(&self::element("code", piece));
        } else {
            let _ = element.append_with_str_1(piece);
        }
    }
}

/// A new element with text content.
pub fn element(tag: &str, text: &str) -> Element {
    let e = document()
        .create_element(tag)
        .expect("creating an element of a known tag");
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    e
}

/// A table row of text cells; the first is a row header when `header` is set.
pub fn row(cells: &[String], header: bool) -> Element {
    let tr = element("tr", "");
    for (i, text) in cells.iter().enumerate() {
        let cell = element(if header && i == 0 { "th" } else { "td" }, text);
        if header && i == 0 {
            let _ = cell.set_attribute("scope", "row");
        }
        let _ = tr.append_child(&cell);
    }
    tr
}

pub fn clear(element: &Element) {
    element.set_text_content(None);
}

/// Calls `f` on every `event` of `target` for the page's lifetime.
pub fn on<E: wasm_bindgen::convert::FromWasmAbi + 'static>(
    target: &web_sys::EventTarget,
    event: &str,
    f: impl FnMut(E) + 'static,
) {
    let closure = Closure::<dyn FnMut(E)>::new(f);
    target
        .add_event_listener_with_callback(event, closure.as_ref().unchecked_ref())
        .expect("adding an event listener");
    // The page lives as long as the listeners; leaking the closure is the intended lifetime.
    closure.forget();
}

/// Makes `zone` take a dropped file: outlined (class `over`) while something is dragged over
/// it, and `take` gets the first file dropped.
pub fn drop_zone(zone: &web_sys::HtmlElement, take: impl Fn(web_sys::File) + 'static) {
    let over = |add: bool| {
        let zone = zone.clone();
        move |e: web_sys::DragEvent| {
            let classes = zone.class_list();
            if add {
                e.prevent_default();
                let _ = classes.add_1("over");
            } else {
                let _ = classes.remove_1("over");
            }
        }
    };
    on(zone, "dragover", over(true));
    on(zone, "dragleave", over(false));
    on(zone, "drop", {
        let zone = zone.clone();
        move |e: web_sys::DragEvent| {
            e.prevent_default();
            let _ = zone.class_list().remove_1("over");
            if let Some(file) = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0))
            {
                take(file);
            }
        }
    });
}

/// Shows an error that stops the app, in the page's alert area.
pub fn show_fatal(message: &str) {
    if let Some(alert) = document().get_element_by_id("fatal") {
        set_text(&alert, message);
        let _ = alert.remove_attribute("hidden");
    }
    web_sys::console::error_1(&message.into());
}
