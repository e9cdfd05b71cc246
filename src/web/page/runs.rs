//! The runs panel: every run with its downloads, kept in IndexedDB across reloads, and
//! weights from a file evaluated without training.

use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement};

use super::store::{RunStore, storage_use};
use super::{App, Shared};
use crate::web::dom::{self, element};
use crate::web::protocol::{Request, RunEnding};
use crate::web::saved::Origin;

/// Why the page asked the worker for a run's weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsUse {
    Download,
    Keep,
}

/// Offers `bytes` as a file download named `name`.
pub fn download(name: &str, bytes: &[u8], mime: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| crate::web::error::js_message(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|e| crate::web::error::js_message(&e))?;
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
    pub(super) fn runs_message(&self, text: &str) {
        dom::set_text(&self.el.runs_status, text);
    }

    pub(super) fn runs_error(&self, text: &str) {
        dom::set_text(&self.el.runs_error, text);
        self.el.runs_error.set_hidden(false);
    }

    /// One row per run: name, model, epochs, final accuracy, status, downloads, remove.
    pub(super) fn render_runs(&self) {
        let body = &self.el.runs_body;
        dom::clear(body);
        for (index, run) in self.runs.iter().enumerate() {
            let tr = element("tr", "");
            let status = match (&run.origin, &run.ending, self.running == Some(index)) {
                (_, _, true) => "training".to_string(),
                (Origin::Loaded { file }, _, _) => format!("evaluated from {file}"),
                (_, Some(RunEnding::Completed), _) => "completed".into(),
                (_, Some(RunEnding::Stopped { epoch, .. }), _) => {
                    format!("stopped in epoch {epoch}")
                }
                (_, Some(RunEnding::Failed { .. }), _) => "failed".into(),
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
                run.config.model.to_string(),
                run.history.len().to_string(),
                acc,
                status,
            ] {
                let _ = tr.append_child(&element("td", &text));
            }
            let downloads = element("td", "");
            let group = element("div", "");
            let _ = group.set_attribute("class", "downloads");
            let has_weights = !run.restored || run.weights_bytes.is_some();
            for (action, label) in [
                ("history.csv", "history.csv"),
                ("history.json", "history.json"),
                ("metrics.json", "metrics.json"),
                ("config.json", "config.json"),
                ("weights", "weights .bpk"),
            ] {
                if action == "weights" && (!has_weights || run.metrics.is_none()) {
                    continue;
                }
                let _ = group.append_child(&self.run_button(action, label, index, &run.name));
            }
            let _ = downloads.append_child(&group);
            let _ = tr.append_child(&downloads);
            let remove = element("td", "");
            if self.running != Some(index) {
                let _ = remove.append_child(&self.run_button("remove", "Remove", index, &run.name));
            }
            let _ = tr.append_child(&remove);
            let _ = body.append_child(&tr);
        }
    }

    fn run_button(&self, action: &str, label: &str, index: usize, run: &str) -> web_sys::Element {
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

    /// A click in the runs table: which button, for which run.
    pub(super) fn run_action(app: &Shared, action: &str, index: usize) {
        let mut a = app.borrow_mut();
        let Some(run) = a.runs.get(index) else {
            return;
        };
        let saved = run.saved();
        let stem = saved.file_stem();
        let text = |name: &str, body: String, mime: &str| download(name, body.as_bytes(), mime);
        let result = match action {
            "history.csv" => text(
                &format!("{stem}-history.csv"),
                saved.history.to_csv(),
                "text/csv",
            ),
            "history.json" => text(
                &format!("{stem}-history.json"),
                saved.history.to_json(),
                "application/json",
            ),
            "metrics.json" => text(
                &format!("{stem}-metrics.json"),
                saved.metrics_json(),
                "application/json",
            ),
            "config.json" => text(
                &format!("{stem}-config.json"),
                saved.config_json(),
                "application/json",
            ),
            "weights" if run.restored => {
                let store = a.store.clone();
                let name = saved.name.clone();
                let app = app.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let bytes = match store {
                        Some(store) => store.weights(&name).await.map_err(|e| e.to_string()),
                        None => Err("no storage in this browser".to_string()),
                    };
                    let done = match bytes {
                        Ok(Some(bytes)) => {
                            download(&format!("{stem}.bpk"), &bytes, "application/octet-stream")
                        }
                        Ok(None) => Err(format!("no weights were kept for {name}")),
                        Err(error) => Err(error),
                    };
                    if let Err(error) = done {
                        app.borrow().runs_error(&error);
                    }
                });
                Ok(())
            }
            "weights" => {
                a.pending_weights
                    .push((saved.name.clone(), WeightsUse::Download));
                a.send(
                    &Request::SaveWeights {
                        run: saved.name.clone(),
                    },
                    None,
                );
                a.runs_message(&format!("Reading the weights of {}…", saved.name));
                Ok(())
            }
            "remove" => {
                let name = saved.name.clone();
                a.runs.remove(index);
                if let Some(running) = a.running.as_mut()
                    && index < *running
                {
                    *running -= 1;
                }
                a.after_runs_changed();
                if let Some(store) = a.store.clone() {
                    let app = app.clone();
                    wasm_bindgen_futures::spawn_local(async move {
                        let removed = store.delete(&name).await;
                        let a = app.borrow();
                        match removed {
                            Ok(()) => a.runs_message(&format!("Removed {name}.")),
                            Err(error) => a.runs_error(&error.to_string()),
                        }
                        a.show_storage_use();
                    });
                }
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(error) = result {
            a.runs_error(&format!("The download failed: {error}"));
        }
    }

    /// After a run was added or removed: every list and chart that shows runs.
    pub(super) fn after_runs_changed(&mut self) {
        if let Some(running) = self.running
            && running >= self.runs.len()
        {
            self.running = None;
        }
        self.show_run_in_selector();
        self.render_runs();
        self.show_history();
        self.draw_matrix();
        self.draw_difference();
        self.draw_curves();
    }

    /// Writes the run to IndexedDB (in the background; a failure is reported).
    pub(super) fn persist(app: &Shared, index: usize) {
        let a = app.borrow();
        let (Some(store), Some(run)) = (a.store.clone(), a.runs.get(index)) else {
            return;
        };
        let saved = run.saved();
        let app = app.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = store.put(&saved).await {
                app.borrow().runs_error(&format!(
                    "{} could not be kept in this browser: {error}",
                    saved.name
                ));
            }
        });
    }

    /// The worker sent a run's weights: download them and/or keep them.
    pub(super) fn weights_arrived(app: &Shared, run: &str, bytes: Vec<u8>) {
        let mut a = app.borrow_mut();
        let uses: Vec<WeightsUse> = a
            .pending_weights
            .iter()
            .filter(|(name, _)| name == run)
            .map(|(_, u)| *u)
            .collect();
        a.pending_weights.retain(|(name, _)| name != run);
        let stem = a
            .runs
            .iter()
            .find(|r| r.name == run)
            .map(|r| r.saved().file_stem())
            .unwrap_or_else(|| "weights".into());
        if uses.contains(&WeightsUse::Download) {
            match download(&format!("{stem}.bpk"), &bytes, "application/octet-stream") {
                Ok(()) => a.runs_message(&format!(
                    "Downloaded the weights of {run} ({:.1} MB).",
                    bytes.len() as f64 / 1e6
                )),
                Err(error) => a.runs_error(&format!("The download failed: {error}")),
            }
        }
        if uses.contains(&WeightsUse::Keep) {
            let Some(index) = a.runs.iter().position(|r| r.name == run) else {
                return;
            };
            a.runs[index].weights_bytes = Some(bytes.len());
            let store = a.store.clone();
            let name = run.to_string();
            drop(a);
            App::persist(app, index);
            if let Some(store) = store {
                let app = app.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let stored = store.put_weights(&name, &bytes).await;
                    let a = app.borrow();
                    match stored {
                        Ok(()) => {
                            a.runs_message(&format!("Kept the weights of {name} in this browser."))
                        }
                        Err(error) => a.runs_error(&error.to_string()),
                    }
                    a.show_storage_use();
                    a.render_runs();
                });
            }
        }
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

/// Opens the browser's store and lists the runs kept from earlier visits.
pub(super) async fn restore_runs(app: Shared) {
    let store = match RunStore::open().await {
        Ok(store) => store,
        Err(error) => {
            let message = format!("Runs will not survive a reload: {error}");
            return app.borrow().runs_error(&message);
        }
    };
    let stored = store.runs().await;
    let mut a = app.borrow_mut();
    a.store = Some(store);
    match stored {
        Ok(runs) => {
            let mut unreadable = 0;
            let mut earlier = Vec::new();
            for run in runs {
                match run {
                    Ok(saved) if !a.runs.iter().any(|r| r.name == saved.name) => {
                        earlier.push(super::view::RunView::restored(saved));
                    }
                    Ok(_) => {}
                    Err(_) => unreadable += 1,
                }
            }
            // Earlier visits' runs come first; this session's keep their order after them.
            if let Some(running) = a.running.as_mut() {
                *running += earlier.len();
            }
            a.runs.splice(0..0, earlier);
            if unreadable > 0 {
                a.runs_error(&format!(
                    "{unreadable} stored runs could not be read (from another version of cifar-lab?)"
                ));
            }
            let restored = a.runs.iter().filter(|r| r.restored).count();
            if restored > 0 {
                a.runs_message(&format!("{restored} runs from earlier visits are listed."));
            }
            a.after_runs_changed();
        }
        Err(error) => a.runs_error(&error.to_string()),
    }
    a.show_storage_use();
}
