//! The page: reads the form, talks to the training worker, and draws what it reports. It never
//! computes anything heavier than a chart, so it repaints while the worker trains.

mod elements;
mod gallery;
mod runs;
mod store;
mod view;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{
    DragEvent, Event as DomEvent, HtmlInputElement, KeyboardEvent, MessageEvent, MouseEvent,
    Worker, WorkerOptions, WorkerType,
};

use self::elements::Elements;
use self::gallery::GalleryView;
use self::runs::WeightsUse;
use self::store::RunStore;
use self::view::RunView;
use super::WebError;
use super::dom::{self, on};
use super::error::js_message;
use super::format;
use super::protocol::{AdapterInfo, Event, Request, RunEnding};
use super::settings::FormValues;
use crate::eval::Normalization;
use crate::model::{Architecture, Summary};
use crate::optim::OptimizerKind;
use crate::plot::HeatmapLayout;

/// What the page knows.
pub struct App {
    el: Elements,
    worker: Option<Worker>,
    runs: Vec<RunView>,
    /// Index in `runs` of the run in progress.
    running: Option<usize>,
    data_loaded: bool,
    loading: bool,
    /// The worker has answered whether WebGPU opened.
    backend_known: bool,
    classes: Vec<String>,
    webgpu: Option<AdapterInfo>,
    matrix_mode: Normalization,
    layout: Option<HeatmapLayout>,
    /// The matrix cell chosen by keyboard.
    selected: Option<(usize, usize)>,
    charts_dirty: bool,
    frame_pending: bool,
    /// IndexedDB, once opened.
    store: Option<RunStore>,
    /// Weights asked of the worker, and what for.
    pending_weights: Vec<(String, WeightsUse)>,
    gallery: Option<GalleryView>,
    /// The weights file being evaluated.
    pending_file: Option<String>,
}

type Shared = Rc<RefCell<App>>;

pub fn start() -> Result<(), WebError> {
    let el = Elements::find()?;
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|s| web_sys::UrlSearchParams::new_with_str(&s).ok())
        .and_then(|p| p.get("data"));
    el.data_url.set_value(&format::data_base(query.as_deref()));
    let app = Rc::new(RefCell::new(App {
        el,
        worker: None,
        runs: Vec::new(),
        running: None,
        data_loaded: false,
        loading: false,
        backend_known: false,
        classes: crate::data::ClassNames::default().as_slice().to_vec(),
        webgpu: None,
        matrix_mode: Normalization::Counts,
        layout: None,
        selected: None,
        charts_dirty: true,
        frame_pending: false,
        store: None,
        pending_weights: Vec::new(),
        gallery: None,
        pending_file: None,
    }));
    wire(&app);
    {
        let mut a = app.borrow_mut();
        a.model_changed();
        a.apply_shared_link();
        a.draw_matrix();
        a.draw_difference();
        a.request_frame(&app);
        a.render_runs();
    }
    wasm_bindgen_futures::spawn_local(runs::restore_runs(app.clone()));
    spawn_worker(&app)
}

/// Starts the worker (again, after a crash). It announces itself with [`Event::Ready`].
fn spawn_worker(app: &Shared) -> Result<(), WebError> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options("./worker.js", &options)
        .map_err(|e| WebError::js("starting the training worker", e))?;
    let shared = app.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |message: MessageEvent| {
        // Plain JSON text, or {json, bytes} when bytes come along (weights).
        let data = message.data();
        let (text, bytes) = match data.as_string() {
            Some(text) => (text, None),
            None => {
                let field = |key: &str| js_sys::Reflect::get(&data, &key.into()).ok();
                let text = field("json")
                    .and_then(|j| j.as_string())
                    .unwrap_or_default();
                let bytes = field("bytes")
                    .and_then(|b| b.dyn_into::<js_sys::Uint8Array>().ok())
                    .map(|b| b.to_vec());
                (text, bytes)
            }
        };
        match Event::from_json(&text) {
            Ok(Event::Weights { run, .. }) => {
                App::weights_arrived(&shared, &run, bytes.unwrap_or_default());
            }
            Ok(event) => App::handle(&shared, event),
            Err(error) => shared.borrow().run_error(&error.to_string()),
        }
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    let shared = app.clone();
    let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        let message = format!(
            "the training worker failed: {}. Reload the page; if it persists, this browser \
             may not support module workers",
            e.message()
        );
        shared.borrow().run_error(&message);
    });
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    on_error.forget();
    app.borrow_mut().worker = Some(worker);
    Ok(())
}

/// Connects the controls to the app.
fn wire(app: &Shared) {
    let a = app.borrow();
    let el = &a.el;
    let handle = |f: fn(&Shared)| {
        let app = app.clone();
        move |_: DomEvent| f(&app)
    };
    on(
        &el.model,
        "change",
        handle(|app| app.borrow_mut().model_changed()),
    );
    on(
        &el.optimizer,
        "change",
        handle(|app| {
            let a = app.borrow();
            if let Ok(kind) = a.el.optimizer.value().parse::<OptimizerKind>() {
                a.el.lr.set_value(&kind.default_lr().to_string());
            }
        }),
    );
    on(
        &el.load_url,
        "click",
        handle(|app| {
            let base = app.borrow().resolved_data_url();
            app.borrow_mut()
                .start_loading(&format!("Loading from {base}"));
            app.borrow().send(&Request::LoadUrl { base }, None);
        }),
    );
    on(&el.archive, "change", {
        let app = app.clone();
        move |e: DomEvent| {
            let input: Option<HtmlInputElement> = e.target().and_then(|t| t.dyn_into().ok());
            if let Some(file) = input.and_then(|i| i.files()).and_then(|f| f.get(0)) {
                load_archive(&app, file);
            }
        }
    });
    on(&el.drop_zone, "dragover", {
        let zone = el.drop_zone.clone();
        move |e: DragEvent| {
            e.prevent_default();
            let _ = zone.class_list().add_1("over");
        }
    });
    on(&el.drop_zone, "dragleave", {
        let zone = el.drop_zone.clone();
        move |_: DragEvent| {
            let _ = zone.class_list().remove_1("over");
        }
    });
    on(&el.drop_zone, "drop", {
        let app = app.clone();
        move |e: DragEvent| {
            e.prevent_default();
            let _ = app.borrow().el.drop_zone.class_list().remove_1("over");
            let file = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0));
            if let Some(file) = file {
                load_archive(&app, file);
            }
        }
    });
    on(
        &el.clear_cache,
        "click",
        handle(|app| {
            app.borrow().send(&Request::ClearCache, None);
        }),
    );
    on(&el.form, "submit", {
        let app = app.clone();
        move |e: DomEvent| {
            e.prevent_default();
            App::train(&app);
        }
    });
    on(
        &el.stop,
        "click",
        handle(|app| {
            let a = app.borrow();
            a.send(&Request::Stop, None);
            dom::set_text(&a.el.run_status, "Stopping before the next batch…");
            a.el.stop.set_disabled(true);
        }),
    );
    on(&el.share, "click", handle(|app| app.borrow().share()));
    on(
        &el.gallery_prev,
        "click",
        handle(|app| app.borrow_mut().turn_gallery_page(-1)),
    );
    on(
        &el.gallery_next,
        "click",
        handle(|app| app.borrow_mut().turn_gallery_page(1)),
    );
    on(&el.runs_body, "click", {
        let app = app.clone();
        move |e: MouseEvent| {
            let button = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|t| t.closest("button[data-action]").ok().flatten());
            let Some(button) = button else {
                return;
            };
            let action = button.get_attribute("data-action").unwrap_or_default();
            let index = button
                .get_attribute("data-run")
                .and_then(|i| i.parse().ok())
                .unwrap_or(usize::MAX);
            App::run_action(&app, &action, index);
        }
    });
    on(&el.weights_file, "change", {
        let app = app.clone();
        move |e: DomEvent| {
            let input: Option<HtmlInputElement> = e.target().and_then(|t| t.dyn_into().ok());
            if let Some(file) = input
                .as_ref()
                .and_then(|i| i.files())
                .and_then(|f| f.get(0))
            {
                App::load_weights(&app, file);
            }
            if let Some(input) = input {
                // The same file can be picked again.
                input.set_value("");
            }
        }
    });
    on(&el.matrix_canvas, "click", {
        let app = app.clone();
        move |e: MouseEvent| {
            let mut a = app.borrow_mut();
            if let (Some((t, p)), Some(run)) = (
                a.cell_under(e.offset_x(), e.offset_y()),
                a.shown_run().map(|r| r.name.clone()),
            ) {
                a.open_gallery(run, t, p, 0);
            }
        }
    });
    on(
        &el.diff_a,
        "change",
        handle(|app| app.borrow().draw_difference()),
    );
    on(
        &el.diff_b,
        "change",
        handle(|app| app.borrow().draw_difference()),
    );
    on(
        &el.matrix_run,
        "change",
        handle(|app| {
            let mut a = app.borrow_mut();
            a.selected = None;
            a.draw_matrix();
        }),
    );
    for radio in dom::document()
        .query_selector_all("input[name=matrix-mode]")
        .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect::<Vec<_>>())
        .unwrap_or_default()
    {
        on(&radio, "change", {
            let app = app.clone();
            move |e: DomEvent| {
                let value = e
                    .target()
                    .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                    .map(|i| i.value())
                    .unwrap_or_default();
                let mut a = app.borrow_mut();
                a.matrix_mode = match value.as_str() {
                    "recall" => Normalization::Recall,
                    "precision" => Normalization::Precision,
                    _ => Normalization::Counts,
                };
                a.draw_matrix();
            }
        });
    }
    on(&el.matrix_canvas, "mousemove", {
        let app = app.clone();
        move |e: MouseEvent| app.borrow().hover(e.offset_x(), e.offset_y())
    });
    on(&el.matrix_canvas, "mouseleave", {
        let app = app.clone();
        move |_: MouseEvent| app.borrow().el.matrix_tooltip.set_hidden(true)
    });
    on(&el.matrix_canvas, "keydown", {
        let app = app.clone();
        move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                let mut a = app.borrow_mut();
                if let (Some((t, p)), Some(run)) =
                    (a.selected, a.shown_run().map(|r| r.name.clone()))
                {
                    a.open_gallery(run, t, p, 0);
                }
                return;
            }
            let step = match e.key().as_str() {
                "ArrowUp" => (-1, 0),
                "ArrowDown" => (1, 0),
                "ArrowLeft" => (0, -1),
                "ArrowRight" => (0, 1),
                _ => return,
            };
            e.prevent_default();
            app.borrow_mut().move_selection(step);
        }
    });
}

fn load_archive(app: &Shared, file: web_sys::File) {
    let name = file.name();
    app.borrow_mut()
        .start_loading(&format!("Reading {name} on this device…"));
    app.borrow()
        .send(&Request::LoadArchive { name }, Some(file.as_ref()));
}

impl App {
    fn send(&self, request: &Request, file: Option<&wasm_bindgen::JsValue>) {
        let Some(worker) = &self.worker else {
            return self.run_error("the training worker is not running; reload the page");
        };
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&message, &"json".into(), &request.to_json().into());
        if let Some(file) = file {
            let _ = js_sys::Reflect::set(&message, &"file".into(), file);
        }
        if let Err(e) = worker.post_message(&message) {
            self.run_error(&format!("could not reach the worker: {}", js_message(&e)));
        }
    }

    /// The data URL made absolute against the page, so messages name the real address.
    fn resolved_data_url(&self) -> String {
        let typed = format::data_base(Some(&self.el.data_url.value()));
        let base = dom::document()
            .base_uri()
            .ok()
            .flatten()
            .unwrap_or_default();
        web_sys::Url::new_with_base(&typed, &base)
            .map(|u| u.href())
            .unwrap_or(typed)
    }

    fn start_loading(&mut self, status: &str) {
        self.loading = true;
        self.data_loaded = false;
        self.el.data_error.set_hidden(true);
        dom::set_text(&self.el.data_status, status);
        self.el.data_progress.set_value(0.0);
        self.update_buttons();
    }

    fn run_error(&self, message: &str) {
        dom::set_text(&self.el.run_error, message);
        self.el.run_error.set_hidden(false);
    }

    fn update_buttons(&self) {
        let running = self.running.is_some();
        self.el.train.set_disabled(
            running || !self.data_loaded || !self.backend_known || self.worker.is_none(),
        );
        self.el.stop.set_disabled(!running);
        self.el.load_url.set_disabled(running || self.loading);
        self.el.archive.set_disabled(running || self.loading);
    }

    fn model_changed(&mut self) {
        if let Ok(model) = self.el.model.value().parse::<Architecture>() {
            self.el
                .epochs
                .set_value(&model.tutorial_epochs().to_string());
            dom::set_text(&self.el.summary, &Summary::new(model).to_string());
        }
    }

    fn form_values(&self) -> FormValues {
        let el = &self.el;
        FormValues {
            backend: el.backend.value(),
            model: el.model.value(),
            epochs: el.epochs.value(),
            batch_size: el.batch_size.value(),
            optimizer: el.optimizer.value(),
            lr: el.lr.value(),
            seed: el.seed.value(),
            subset: el.subset.value(),
            validation: el.validation.value(),
        }
    }

    /// Fills the form from a shared link's hash, if the page was opened with one. It never
    /// starts training: the user presses Train.
    fn apply_shared_link(&mut self) {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        if hash.trim_start_matches('#').is_empty() {
            return;
        }
        let notice = match FormValues::from_hash(&hash, &self.form_values()) {
            Ok(values) => {
                self.apply_form(&values);
                "Settings from the shared link are filled in: press Train to run them.".to_string()
            }
            Err(error) => {
                format!("The link's settings were ignored ({error}); the defaults are shown.")
            }
        };
        dom::set_text(&self.el.share_notice, &notice);
    }

    fn apply_form(&mut self, v: &FormValues) {
        let el = &self.el;
        el.model.set_value(&v.model);
        self.model_changed();
        let el = &self.el;
        el.backend.set_value(&v.backend);
        el.epochs.set_value(&v.epochs);
        el.batch_size.set_value(&v.batch_size);
        el.optimizer.set_value(&v.optimizer);
        el.lr.set_value(&v.lr);
        el.seed.set_value(&v.seed);
        el.subset.set_value(&v.subset);
        el.validation.set_value(&v.validation);
    }

    /// Puts the settings in the address (replacing the history entry) and shows the link.
    fn share(&self) {
        let values = self.form_values();
        if let Err(error) = values.to_request(String::new()) {
            return dom::set_text(&self.el.share_notice, &format!("Not shared: {error}"));
        }
        let hash = values.to_hash();
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Ok(history) = window.history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&hash));
        }
        let url = window.location().href().unwrap_or(hash);
        self.el.share_url.set_value(&url);
        self.el.share_url.set_hidden(false);
        self.el.share_url.select();
        dom::set_text(
            &self.el.share_notice,
            "Copy this link: it opens the page with these settings filled in.",
        );
    }

    fn train(app: &Shared) {
        let mut a = app.borrow_mut();
        a.el.run_error.set_hidden(true);
        let taken: Vec<String> = a.runs.iter().map(|r| r.name.clone()).collect();
        let name = format::run_name(&a.el.model.value(), &taken);
        let request = match a.form_values().to_request(name.clone()) {
            Ok(request) => request,
            Err(error) => return a.run_error(&error.to_string()),
        };
        a.runs
            .push(RunView::new(name.clone(), request.config.clone()));
        a.running = Some(a.runs.len() - 1);
        a.show_run_in_selector();
        a.show_history();
        dom::set_text(&a.el.run_status, &format!("Starting {name}…"));
        dom::set_text(&a.el.tp_first, "–");
        a.update_buttons();
        a.send(&Request::Train(request), None);
    }

    fn handle(app: &Shared, event: Event) {
        let mut a = app.borrow_mut();
        match event {
            Event::Ready => {
                a.send(&Request::Init, None);
                // The batches load as the page opens, from the cache when they were fetched
                // before: pressing Train is all that is left.
                if !a.data_loaded {
                    let base = a.resolved_data_url();
                    a.start_loading(&format!("Loading from {base}"));
                    a.send(&Request::LoadUrl { base }, None);
                }
                a.update_buttons();
            }
            Event::Backend { webgpu, problem } => {
                let text = match (&webgpu, &problem) {
                    (Some(info), _) => info.label(),
                    (None, Some(problem)) => {
                        format!("not available ({problem}); training runs on the CPU")
                    }
                    (None, None) => "not available".to_string(),
                };
                dom::set_text(&a.el.adapter, &text);
                a.webgpu = webgpu;
                a.backend_known = true;
                a.update_buttons();
            }
            Event::DataProgress {
                loaded,
                total,
                seconds,
            } => {
                if let Some(total) = total.filter(|t| *t > 0) {
                    a.el.data_progress.set_value(loaded as f64 / total as f64);
                }
                dom::set_text(
                    &a.el.data_progress_text,
                    &format::download_line(loaded, total, seconds),
                );
            }
            Event::DataReady {
                source,
                train_images,
                test_images,
                classes,
                cached_files,
                seconds,
            } => {
                a.loading = false;
                a.data_loaded = true;
                a.classes = classes;
                a.el.data_progress.set_value(1.0);
                let cached = if cached_files > 0 {
                    format!(", {cached_files} files from the browser's cache")
                } else {
                    String::new()
                };
                dom::set_text(
                    &a.el.data_status,
                    &format!(
                        "Loaded {} training and {} test images from {source} in {}{cached}.",
                        crate::model::group_thousands(train_images),
                        crate::model::group_thousands(test_images),
                        format::duration(seconds)
                    ),
                );
                a.update_buttons();
            }
            Event::DataFailed { message } => {
                a.loading = false;
                dom::set_text(&a.el.data_status, "The data set is not loaded.");
                dom::set_text(&a.el.data_error, &message);
                a.el.data_error.set_hidden(false);
                a.update_buttons();
            }
            Event::CacheCleared { files } => {
                dom::set_text(
                    &a.el.data_status,
                    &format!("Cleared {files} cached files; the next load downloads them again."),
                );
            }
            Event::Notice { message } => dom::set_text(&a.el.data_status, &message),
            Event::Stage { stage } => {
                dom::set_text(&a.el.progress_line, format::stage_line(stage));
            }
            Event::SelfCheck { report, problem } => {
                let text = match (report, problem) {
                    (Some(r), _) => format!(
                        "{} (relative difference {:.1e}, CPU loss {:.4}, WebGPU loss {:.4}{})",
                        if r.agrees() { "passed" } else { "FAILED" },
                        r.max_relative_difference,
                        r.loss_reference,
                        r.loss_candidate,
                        if r.non_finite {
                            ", NaN or infinite values"
                        } else {
                            ""
                        }
                    ),
                    (None, Some(problem)) => format!("could not run: {problem}"),
                    (None, None) => "not run".into(),
                };
                dom::set_text(&a.el.selfcheck, &text);
            }
            Event::RunStarted {
                run,
                backend,
                note,
                config,
                train_images,
                val_images,
                batches_per_epoch,
            } => {
                let adapter = match (backend, &a.webgpu) {
                    (crate::backend::BackendKind::Wgpu, Some(info)) => info.label(),
                    _ => "CPU (flex, single-threaded WebAssembly)".to_string(),
                };
                dom::set_text(
                    &a.el.tp_backend,
                    if backend == crate::backend::BackendKind::Wgpu {
                        "WebGPU"
                    } else {
                        "CPU"
                    },
                );
                dom::set_text(&a.el.tp_adapter, &adapter);
                dom::set_text(
                    &a.el.run_status,
                    &format!(
                        "Training {run} on {} training images, validating on {} ({} batches of {} per epoch).{}",
                        crate::model::group_thousands(train_images),
                        crate::model::group_thousands(val_images),
                        batches_per_epoch,
                        config.batch_size,
                        note.map(|n| format!(" {n}")).unwrap_or_default()
                    ),
                );
            }
            Event::FirstStep { seconds, .. } => {
                dom::set_text(&a.el.tp_first, &format!("{seconds:.1} s"));
            }
            Event::Progress {
                run,
                progress,
                memory_bytes,
            } => {
                dom::set_text(&a.el.progress_line, &format::progress_line(&progress));
                if let Some(bytes) = memory_bytes {
                    dom::set_text(&a.el.tp_memory, &format::megabytes(bytes));
                }
                a.el.epoch_progress
                    .set_value(progress.samples_done as f64 / progress.samples_total.max(1) as f64);
                let rate = progress.images_per_second();
                dom::set_text(&a.el.tp_rate, &format!("{rate:.1}"));
                if progress.batch > 0 {
                    let ms = progress.elapsed * 1000.0 / progress.batch as f64;
                    dom::set_text(&a.el.tp_batch, &format!("{ms:.0} ms"));
                }
                if let Some(view) = a.run_mut(&run) {
                    view.progress(&progress);
                }
                a.request_frame(app);
            }
            Event::Validating { epoch, .. } => {
                dom::set_text(
                    &a.el.run_status,
                    &format!("Epoch {epoch}: evaluating on the validation set…"),
                );
            }
            Event::Epoch {
                run,
                record,
                metrics,
                confidence,
            } => {
                if let Some(view) = a.run_mut(&run) {
                    view.epoch(record, metrics, confidence);
                }
                a.show_history();
                a.draw_matrix();
                a.draw_difference();
                a.render_runs();
                a.request_frame(app);
                let index = a.runs.iter().position(|r| r.name == run);
                drop(a);
                if let Some(index) = index {
                    App::persist(app, index);
                }
            }
            Event::Gallery {
                run,
                truth,
                predicted,
                total,
                page,
                images,
            } => {
                let view = GalleryView {
                    run,
                    truth,
                    predicted,
                    page,
                    total,
                };
                a.show_gallery(view, &images);
            }
            Event::Weights { .. } => {}
            Event::Evaluated {
                run,
                architecture,
                val_images,
                metrics,
                confidence,
            } => {
                let file = a
                    .pending_file
                    .take()
                    .unwrap_or_else(|| "a weights file".into());
                let mut view = RunView::new(
                    run.clone(),
                    crate::train::TrainConfig::tutorial(architecture),
                );
                view.origin = crate::web::saved::Origin::Loaded { file: file.clone() };
                view.config.epochs = 0;
                let chosen = a.el.model.value();
                let other = if chosen == architecture.name()
                    || (chosen == "dropout" && architecture == Architecture::Plain)
                {
                    String::new()
                } else {
                    format!(" (not the `{chosen}` model chosen above: they fit `{architecture}`)")
                };
                a.runs_message(&format!(
                    "{file}: `{architecture}` weights{other}, validation accuracy {:.4} on {} images.",
                    metrics.accuracy,
                    crate::model::group_thousands(val_images)
                ));
                view.metrics = Some(metrics);
                view.confidence = Some(confidence);
                a.runs.push(view);
                a.after_runs_changed();
                let index = a.runs.len() - 1;
                drop(a);
                App::persist(app, index);
            }
            Event::RunEnded { run, ending } => {
                if let Some(view) = a.run_mut(&run) {
                    view.end(ending.clone());
                }
                let text = match &ending {
                    RunEnding::Completed => format!("{run}: done."),
                    RunEnding::Stopped { epoch, batch } => format!(
                        "{run}: stopped by you in epoch {epoch} before batch {batch}; the completed epochs are kept."
                    ),
                    RunEnding::Failed { .. } => {
                        format!("{run}: failed; the completed epochs are kept.")
                    }
                };
                if let RunEnding::Failed { message } = &ending {
                    a.run_error(message);
                }
                dom::set_text(&a.el.run_status, &text);
                a.running = None;
                a.update_buttons();
                a.render_runs();
                a.request_frame(app);
                let index = a.runs.iter().position(|r| r.name == run);
                let keep = a.el.keep_weights.checked()
                    && index.is_some_and(|i| a.runs[i].metrics.is_some());
                if keep {
                    a.pending_weights.push((run.clone(), WeightsUse::Keep));
                    a.send(&Request::SaveWeights { run }, None);
                }
                drop(a);
                if let Some(index) = index {
                    App::persist(app, index);
                }
            }
            Event::Refused { message } => {
                if a.loading {
                    a.loading = false;
                    a.update_buttons();
                }
                if a.pending_file.take().is_some() {
                    return a.runs_error(&message);
                }
                a.run_error(&message);
            }
            Event::Crashed { message } => {
                let lost = a.running.take().map(|i| a.runs[i].name.clone());
                if let Some(name) = &lost
                    && let Some(view) = a.run_mut(name)
                {
                    view.end(RunEnding::Failed {
                        message: message.clone(),
                    });
                }
                let lost_index = lost.and_then(|name| a.runs.iter().position(|r| r.name == name));
                a.run_error(&format!(
                    "{message}. The completed epochs are kept; the data set must be loaded again."
                ));
                if let Some(worker) = a.worker.take() {
                    worker.terminate();
                }
                a.data_loaded = false;
                a.loading = false;
                a.backend_known = false;
                a.update_buttons();
                a.render_runs();
                drop(a);
                if let Some(index) = lost_index {
                    App::persist(app, index);
                }
                if let Err(error) = spawn_worker(app) {
                    dom::show_fatal(&error.to_string());
                }
            }
        }
    }

    /// Sends a weights file to the worker, to evaluate on the validation set of the form.
    fn load_weights(app: &Shared, file: web_sys::File) {
        let mut a = app.borrow_mut();
        a.el.runs_error.set_hidden(true);
        let file_name = file.name();
        let request = match a.form_values().to_request(String::new()) {
            Ok(request) => request,
            Err(error) => return a.runs_error(&error.to_string()),
        };
        let taken: Vec<String> = a.runs.iter().map(|r| r.name.clone()).collect();
        let stem = file_name.trim_end_matches(".bpk");
        let run = format::run_name(&format!("{stem} (loaded)"), &taken);
        a.pending_file = Some(file_name.clone());
        a.runs_message(&format!("Evaluating {file_name}…"));
        a.send(
            &Request::LoadWeights {
                run,
                file_name,
                model: request.config.model,
                backend: request.backend,
                subset: request.subset,
                validation: request.validation,
                seed: request.config.seed,
            },
            Some(file.as_ref()),
        );
    }

    fn run_mut(&mut self, name: &str) -> Option<&mut RunView> {
        self.runs.iter_mut().find(|r| r.name == name)
    }

    /// Repaints the curves at the next animation frame, at most once per frame.
    fn request_frame(&mut self, app: &Shared) {
        self.charts_dirty = true;
        if self.frame_pending {
            return;
        }
        self.frame_pending = true;
        let app = app.clone();
        let frame = Closure::once_into_js(move || {
            let mut a = app.borrow_mut();
            a.frame_pending = false;
            if a.charts_dirty {
                a.charts_dirty = false;
                a.draw_curves();
            }
        });
        if let Some(window) = web_sys::window() {
            let _ = window.request_animation_frame(frame.unchecked_ref());
        }
    }
}
