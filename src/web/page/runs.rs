//! The runs panel: every run with its downloads and a Remove button, and the IndexedDB side
//! of keeping runs across reloads (what to keep and when is the session's to say).

use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement};

use super::store::{RunStore, ask_to_persist, storage_use};
use super::{App, Shared, dispatch};
use crate::model::WeightsFormat;
use crate::train::RunEnd;
use crate::web::js::dom::{self, element};
use crate::web::saved::Origin;
use crate::web::session::{Download, Input, Line, weights_as};

/// Offers `bytes` as a file download named `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| crate::web::js::error::js_message(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|e| crate::web::js::error::js_message(&e))?;
    let link: HtmlAnchorElement = element("a", "").unchecked_into();
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The download has its own copy once started; free the blob on the next turn.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(window) = web_sys::window() {
        let _ = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000);
    }
    Ok(())
}

impl App {
    /// One row per run: ticked for the report, name, model, epochs, final accuracy, status,
    /// downloads, remove.
    pub(super) fn render_runs(&self) {
        let body = &self.el.runs_body;
        dom::clear(body);
        let running = self.session.running();
        for (index, view) in self.session.runs().iter().enumerate() {
            let run = &view.saved;
            let is_running = running == Some(run.name.as_str());
            let tr = element("tr", "");
            let tick = element("td", "");
            let checkbox = element("input", "");
            let _ = checkbox.set_attribute("type", "checkbox");
            let _ = checkbox.set_attribute("data-action", "tick");
            let _ = checkbox.set_attribute("data-run", &index.to_string());
            let _ = checkbox.set_attribute("aria-label", &format!("{} in the report", run.name));
            if view.in_report {
                let _ = checkbox.set_attribute("checked", "");
            }
            let _ = tick.append_child(&checkbox);
            let _ = tr.append_child(&tick);
            let status = match (&run.origin, &run.ending, is_running) {
                (_, _, true) => "training".to_string(),
                (Origin::Loaded { file }, _, _) => format!("evaluated from {file}"),
                (_, Some(RunEnd::Completed), _) => "completed".into(),
                (_, Some(RunEnd::Stopped { epoch, .. }), _) => {
                    format!("stopped in epoch {epoch}")
                }
                (_, Some(RunEnd::Failed { .. }), _) => "failed".into(),
                (_, None, _) => "interrupted".into(),
            };
            let status = match run.weights_bytes {
                Some(bytes) => format!("{status}; weights kept ({:.1} MB)", bytes as f64 / 1e6),
                None => status,
            };
            let acc = run
                .metrics
                .as_ref()
                .map(|m| format!("{:.4}", m.accuracy))
                .unwrap_or_else(|| "–".into());
            let name = element("th", &run.name);
            let _ = name.set_attribute("scope", "row");
            let _ = tr.append_child(&name);
            for text in [
                run.model.name().to_string(),
                run.history.len().to_string(),
                acc,
                status,
            ] {
                let _ = tr.append_child(&element("td", &text));
            }
            let downloads = element("td", "");
            let group = element("div", "");
            let _ = group.set_attribute("class", "downloads");
            for what in Download::ALL {
                if what.needs_weights() && !view.has_weights() {
                    continue;
                }
                let button = run_button(what.action(), what.label(), index, &run.name);
                let _ = group.append_child(&button);
            }
            let _ = downloads.append_child(&group);
            let _ = tr.append_child(&downloads);
            let remove = element("td", "");
            if !is_running {
                let _ = remove.append_child(&run_button("remove", "Remove", index, &run.name));
            }
            let _ = tr.append_child(&remove);
            let _ = body.append_child(&tr);
        }
    }

    /// Writes the run's record to IndexedDB (in the background; a failure is reported).
    pub(super) fn persist(app: &Shared, run: &str) {
        App::put(app, run, None);
    }

    /// The run's record and its weights, in one transaction; the browser is asked to keep
    /// them through storage pressure.
    pub(super) fn store_weights(app: &Shared, run: String, bytes: Vec<u8>) {
        App::put(app, &run, Some(bytes));
    }

    fn put(app: &Shared, run: &str, weights: Option<Vec<u8>>) {
        let a = app.borrow();
        let (Some(store), Some(view)) = (a.store.clone(), a.session.run(run)) else {
            return;
        };
        let saved = view.saved.clone();
        let app = app.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let stored = store.put(&saved, weights.as_deref()).await;
            let a = app.borrow();
            match (stored, weights.is_some()) {
                (Ok(()), false) => {}
                (Ok(()), true) => {
                    let text = format!("Kept the weights of {} in this browser.", saved.name);
                    a.say(Line::RunsStatus, &text);
                    a.show_storage_use();
                    wasm_bindgen_futures::spawn_local(ask_to_persist());
                }
                (Err(error), _) => {
                    let text = format!("{} could not be kept in this browser: {error}", saved.name);
                    a.say(Line::RunsError, &text);
                }
            }
        });
    }

    pub(super) fn unstore(app: &Shared, run: String, key: String) {
        let Some(store) = app.borrow().store.clone() else {
            return;
        };
        let app = app.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let removed = store.delete(&key).await;
            let a = app.borrow();
            match removed {
                Ok(()) => a.say(Line::RunsStatus, &format!("Removed {run}.")),
                Err(error) => a.say(Line::RunsError, &error.to_string()),
            }
            a.show_storage_use();
        });
    }

    /// Offers the weights kept in IndexedDB as a download.
    pub(super) fn download_stored(app: &Shared, run: String, file: String, format: WeightsFormat) {
        let (store, saved) = {
            let a = app.borrow();
            (
                a.store.clone(),
                a.session.run(&run).map(|v| v.saved.clone()),
            )
        };
        let app = app.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let bytes = match (store, saved) {
                (Some(store), Some(saved)) => {
                    store.weights(&saved).await.map_err(|e| e.to_string())
                }
                _ => Err("no storage in this browser".to_string()),
            };
            let done = match bytes {
                Ok(Some(bytes)) => weights_as(format, &file, bytes)
                    .and_then(|bytes| download(&file, &bytes, "application/octet-stream")),
                Ok(None) => Err(format!("no weights were kept for {run}")),
                Err(error) => Err(error),
            };
            if let Err(error) = done {
                app.borrow().say(Line::RunsError, &error);
            }
        });
    }

    pub(super) fn show_storage_use(&self) {
        let target = self.el.storage_use.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(text) = storage_use().await {
                dom::set_text(&target, &text);
            }
        });
    }
}

fn run_button(action: &str, label: &str, index: usize, run: &str) -> web_sys::Element {
    let button = element("button", label);
    let _ = button.set_attribute("type", "button");
    let _ = button.set_attribute("data-action", action);
    let _ = button.set_attribute("data-run", &index.to_string());
    let what = if action == "remove" {
        format!("Remove {run}")
    } else {
        format!("Download {label} of {run}")
    };
    let _ = button.set_attribute("aria-label", &what);
    button
}

/// Opens the browser's store and hands the session the runs kept from earlier visits.
pub(super) async fn restore_runs(app: Shared) {
    let stored = match RunStore::open().await {
        Ok(store) => {
            let runs = store.runs().await.map_err(|e| e.to_string());
            app.borrow_mut().store = Some(store);
            runs
        }
        Err(error) => Err(error.to_string()),
    };
    dispatch(&app, Input::Restored(stored));
}
