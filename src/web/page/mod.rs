//! The page: the web-sys side of the [`Session`]. DOM events become [`Input`]s (`wire.rs`),
//! the session decides, and its [`Command`]s are applied to the DOM, the worker and the
//! browser's storage (`apply.rs`). It never computes anything heavier than a chart, so it
//! repaints while the worker trains.
//!
//! One file a job: `wire.rs` connects the controls, `apply.rs` carries out the session's
//! commands, `elements.rs` finds the page's elements, `worker.rs` starts the training worker
//! and relays its events, `machine.rs` reads how many cores the browser reports, `form_fields.rs`
//! reads and fills the training form (and makes share links), `view.rs` draws the history,
//! curves and the confusion matrix, `runs.rs` the runs table, `store.rs` the runs kept in
//! IndexedDB, `report.rs` a report of runs, `gallery.rs` a matrix cell's images,
//! `own_picture.rs` the user's own picture, `resize.rs` draws the charts again when their boxes
//! change.

mod apply;
mod elements;
mod form_fields;
mod gallery;
mod machine;
mod own_picture;
mod report;
mod resize;
mod runs;
mod store;
mod view;
mod wire;
mod worker;

use std::cell::RefCell;
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::Worker;

use self::elements::Elements;
pub use self::store::RunStore;
use super::WebError;
use super::format;
use super::js::dom;
use super::session::{Input, Line, Session};
use crate::eval::Normalization;
use crate::plot::HeatmapLayout;

/// The session and what only the page needs: its elements, the worker, the store, and the
/// state of the drawings (matrix mode, the cell chosen by keyboard, a frame pending).
pub struct App {
    el: Elements,
    session: Session,
    worker: Option<Worker>,
    /// Counts the workers started, so a replaced one's late events are ignored.
    worker_generation: u32,
    /// The worker runs (or will run) the GPU module (`worker.rs`).
    gpu_module: bool,
    /// IndexedDB, once opened.
    store: Option<RunStore>,
    matrix_mode: Normalization,
    layout: Option<HeatmapLayout>,
    /// The matrix cell chosen by keyboard.
    selected: Option<(usize, usize)>,
    charts_dirty: bool,
    frame_pending: bool,
    /// The form field marked invalid, by its element id.
    marked_invalid: Option<&'static str>,
    /// Whether the Data panel was last opened for the data set's sake (see `show_controls`).
    data_wanted: Option<bool>,
}

type Shared = Rc<RefCell<App>>;

pub fn start() -> Result<(), WebError> {
    let el = Elements::find()?;
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|s| web_sys::UrlSearchParams::new_with_str(&s).ok())
        .and_then(|p| p.get("data"));
    el.data_url.set_value(&format::data_base(query.as_deref()));
    let keep_weights = el.keep_weights.checked();
    let mut session = Session::default();
    session.set_machine(machine::describe());
    let app = Rc::new(RefCell::new(App {
        el,
        session,
        worker: None,
        worker_generation: 0,
        gpu_module: false,
        store: None,
        matrix_mode: Normalization::Counts,
        layout: None,
        selected: None,
        charts_dirty: true,
        frame_pending: false,
        marked_invalid: None,
        data_wanted: None,
    }));
    wire::wire(&app);
    own_picture::wire_picture(&app);
    resize::follow_boxes(&app);
    {
        let mut a = app.borrow_mut();
        a.draw_matrix();
        a.draw_difference();
        a.request_frame(&app);
        a.render_runs();
    }
    dispatch(&app, Input::KeepWeights(keep_weights));
    let form = app.borrow().form_opened();
    dispatch(&app, form);
    let foreign = query.and_then(|_| app.borrow().foreign_data_origin());
    if let Some(origin) = foreign {
        dispatch(&app, Input::ForeignData { origin });
    }
    wasm_bindgen_futures::spawn_local(runs::restore_runs(app.clone()));
    worker::start(&app);
    Ok(())
}

/// Feeds the session one input and applies what it answers.
pub(super) fn dispatch(app: &Shared, input: Input) {
    dispatch_with_file(app, input, None);
}

/// As [`dispatch`], with the file that the input's request is about (an archive, weights).
pub(super) fn dispatch_with_file(app: &Shared, input: Input, file: Option<web_sys::File>) {
    let commands = app.borrow_mut().session.update(input);
    for command in commands {
        apply::apply(app, command, file.as_ref());
    }
    app.borrow_mut().show_controls();
}

impl App {
    /// Enables the controls the session allows now, says why Train is not, marks the field
    /// at fault, and opens the Data panel while the data set needs the user.
    fn show_controls(&mut self) {
        let controls = self.session.controls();
        let ready = controls.train && self.worker.is_some();
        self.el.train.set_disabled(!ready);
        let reason = self.session.train_reason().unwrap_or_default();
        dom::set_words(&self.el.train_reason, &reason);
        let invalid = self.session.invalid_field().map(|field| field.id());
        if invalid != self.marked_invalid {
            for (id, on) in [(self.marked_invalid, false), (invalid, true)] {
                if let Some(element) = id.and_then(|id| dom::document().get_element_by_id(id)) {
                    let _ =
                        element.set_attribute("aria-invalid", if on { "true" } else { "false" });
                }
            }
            self.marked_invalid = invalid;
        }
        // Only on a change: a panel the user opened or closed stays so.
        let wanted = !self.session.data_loaded();
        if self.data_wanted != Some(wanted) {
            self.data_wanted = Some(wanted);
            let _ = self
                .el
                .data_panel
                .toggle_attribute_with_force("open", wanted);
        }
        self.el.stop.set_disabled(!controls.stop);
        self.el
            .measure
            .set_disabled(!(controls.measure && self.worker.is_some()));
        self.el.load_url.set_disabled(!controls.load);
        self.el.archive.set_disabled(!controls.load);
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

    /// A problem to show beside the run controls (drawing failures, an unreachable worker).
    fn run_error(&self, message: &str) {
        self.say(Line::RunError, message);
    }
}
