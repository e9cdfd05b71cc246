//! The page's state and every way it changes, in plain Rust (the Elm update loop that yew and
//! iced use): an [`Input`] (something the user did, or something the worker or the browser's
//! storage said) goes into [`Session::update`], which changes the state and answers with
//! [`Command`]s (a request for the worker, a line of text, a panel to redraw, a run to store).
//! The web-sys side (`web/page/`) only turns DOM events into inputs and applies the commands,
//! so what the buttons allow, run numbering, crash recovery and restoring stored runs are all
//! tested natively (`tests.rs`).

mod actions;
#[cfg(test)]
mod actions_tests;
mod data;
#[cfg(test)]
mod data_tests;
mod events;
mod form;
#[cfg(test)]
mod form_tests;
mod messages;
mod module;
#[cfg(test)]
mod module_tests;
mod picture;
#[cfg(test)]
mod picture_tests;
mod redraw;
mod run;
mod run_bar;
#[cfg(test)]
mod run_bar_tests;
mod speed;
#[cfg(test)]
mod speed_tests;
#[cfg(test)]
pub(crate) mod tests;
mod worker_link;
#[cfg(test)]
mod worker_link_tests;

pub use messages::{Command, Controls, Download, Input, Line, Panel, Prediction};
pub use run::RunView;

use data::{Data, DataMsg, DataPart};
use form::{FormMsg, FormPart};
use picture::{OwnPicture, PictureContext, PictureMsg, RunModel};
use run_bar::{BarMsg, RunBar};
use speed::SpeedPart;
use worker_link::WorkerLink;

use super::protocol::{CellPage, Request};
use crate::backend::BackendKind;
use crate::model::WeightsFormat;
use crate::web::form::Field;

/// The confusion-matrix cell whose images are shown.
#[derive(Debug, Clone, PartialEq)]
pub struct GalleryShown {
    pub cell: CellPage,
    /// Images in the cell, over all pages.
    pub total: usize,
}

/// Why the page asked the worker for a run's weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WeightsUse {
    /// Offered as a file in this format (the worker's `.bpk` converted if need be).
    Download(WeightsFormat),
    Keep,
}

/// A run's weights file's name in `format`.
pub fn weights_file_name(stem: &str, format: WeightsFormat) -> String {
    match format {
        WeightsFormat::Safetensors => format!("{stem}.safetensors"),
        _ => format!("{stem}.bpk"),
    }
}

/// A run's `.bpk` bytes as a file in `format` (named `file` in errors); the error in words.
pub fn weights_as(format: WeightsFormat, file: &str, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    match format {
        WeightsFormat::Safetensors => {
            crate::model::burnpack_to_safetensors(file, bytes).map_err(|e| e.to_string())
        }
        _ => Ok(bytes),
    }
}

/// A weights file sent to the worker for evaluation.
#[derive(Debug, Clone, PartialEq)]
struct PendingFile {
    file_name: String,
    /// The model chosen in the form when the file was picked.
    chosen_model: String,
    /// When it was picked, in milliseconds since 1970.
    picked: f64,
}

/// What the page knows: the runs (this file, `events.rs`, `actions.rs`), and the parts
/// with their own state: the worker link (`worker_link.rs`), the data set (`data.rs`), the
/// form (`form.rs`), speeds and the estimate (`speed.rs`), the user's picture (`picture.rs`)
/// and the run bar (`run_bar.rs`). A part with its own `update(message, &context)` (speeds,
/// the picture) is handed its messages by an `update_…` method here, which builds its context
/// from the rest of the session: it never reaches into another part.
#[derive(Debug, Clone, Default)]
pub struct Session {
    runs: Vec<RunView>,
    /// Name of the run in progress.
    running: Option<String>,
    /// The worker has not yet said RunStarted for the running run (a refusal drops it).
    starting: bool,
    /// Stop was pressed: the run or the download is ending.
    stopping: bool,
    /// The stored runs have been read (or could not be): run names are known.
    restored: bool,
    keep_weights: bool,
    pending_weights: Vec<(String, WeightsUse)>,
    pending_file: Option<PendingFile>,
    gallery: Option<GalleryShown>,
    worker: WorkerLink,
    data: DataPart,
    form: FormPart,
    speed: SpeedPart,
    picture: OwnPicture,
    bar: RunBar,
    /// What the update under way changed, for the panels to redraw (`redraw.rs`).
    changes: Vec<redraw::Change>,
}

/// The run named `name` among `runs`. A function of the list, not of the session, so that a
/// part's context can borrow the runs while the part itself is borrowed to update.
fn find_run<'a>(runs: &'a [RunView], name: &str) -> Option<&'a RunView> {
    runs.iter().find(|r| r.name() == name)
}

/// The run whose history is shown: the one in progress, else the newest.
fn history_run<'a>(runs: &'a [RunView], running: Option<&str>) -> Option<&'a RunView> {
    running
        .and_then(|name| find_run(runs, name))
        .or(runs.last())
}

impl Session {
    pub fn runs(&self) -> &[RunView] {
        &self.runs
    }

    pub fn run(&self, name: &str) -> Option<&RunView> {
        find_run(&self.runs, name)
    }

    /// The run trains (or trained) on WebGPU, as its `RunStarted` said.
    fn on_gpu(&self, name: &str) -> bool {
        self.run(name)
            .and_then(|r| r.saved.config.as_ref())
            .is_some_and(|c| c.backend == Some(BackendKind::Wgpu))
    }

    fn run_mut(&mut self, name: &str) -> Option<&mut RunView> {
        self.runs.iter_mut().find(|r| r.name() == name)
    }

    pub fn running(&self) -> Option<&str> {
        self.running.as_deref()
    }

    pub fn classes(&self) -> &[String] {
        self.data.classes()
    }

    pub fn gallery(&self) -> Option<&GalleryShown> {
        self.gallery.as_ref()
    }

    /// The run whose history table is shown: the one in progress, else the newest.
    pub fn history_run(&self) -> Option<&RunView> {
        history_run(&self.runs, self.running.as_deref())
    }

    pub fn controls(&self) -> Controls {
        let running = self.running.is_some();
        let timing = self.speed.timing();
        Controls {
            train: !running
                && !timing
                && self.form.error().is_none()
                && self.data.state() == Data::Loaded
                && self.worker.backend_known()
                && self.restored,
            // Stop ends a run, or a download of the data set.
            stop: (running || self.data.state() == Data::Loading) && !self.stopping,
            load: !running && !timing && self.data.state() != Data::Loading,
            // The worker does one thing at a time; timing needs no data.
            measure: !running
                && !timing
                && self.data.state() != Data::Loading
                && self.worker.ready()
                && self.worker.backend_known(),
        }
    }

    /// Why Train cannot be pressed now, in words for beside it; none while a run or a timing
    /// is under way (the run bar and the estimate say what happens).
    pub fn train_reason(&self) -> Option<String> {
        if self.running.is_some() || self.speed.timing() {
            return None;
        }
        if let Some(error) = self.form.error() {
            return Some(format!("Fix the {error} first."));
        }
        match self.data.state() {
            Data::Missing => {
                return Some("Load the data set first (Data, at the top of the page).".into());
            }
            Data::Loading => return Some("Waiting for the data set to load…".into()),
            Data::Loaded => {}
        }
        (!(self.worker.backend_known() && self.restored))
            .then(|| "Starting the training worker…".to_string())
    }

    /// The data set is loaded (the Data panel can fold to its status line).
    pub fn data_loaded(&self) -> bool {
        self.data.state() == Data::Loaded
    }

    /// The form field that keeps Train disabled.
    pub fn invalid_field(&self) -> Option<Field> {
        self.form.error().map(|e| e.field)
    }

    /// Hands the picture part `msg`, about `run`'s model.
    fn update_picture(&mut self, msg: PictureMsg, run: Option<&str>, out: &mut Vec<Command>) {
        let running = self.running.as_deref();
        let model = |view: &RunView| {
            if running == Some(view.name()) {
                RunModel::Training
            } else if !view.in_worker || view.saved.metrics.is_none() {
                RunModel::Absent
            } else {
                RunModel::Ready
            }
        };
        let view = run.and_then(|r| find_run(&self.runs, r));
        let context = PictureContext {
            run: view.map(|view| (view.name(), model(view))),
            classes: self.data.classes(),
        };
        out.extend(self.picture.update(msg, &context));
    }

    pub fn update(&mut self, input: Input) -> Vec<Command> {
        let mut out = Vec::new();
        match input {
            Input::Worker { event, bytes } => self.event(event, bytes, &mut out),
            Input::BadMessage(message) => out.push(Command::Say(Line::RunError, message)),
            Input::WorkerError(message) => self.worker_failed(message, &mut out),
            Input::Restored(stored) => self.restore(stored, &mut out),
            Input::LoadUrl { base } => self.update_data(DataMsg::LoadUrl { base }, &mut out),
            Input::LoadArchive { name } => {
                self.update_data(DataMsg::LoadArchive { name }, &mut out)
            }
            Input::ClearCache => self.update_data(DataMsg::ClearCache, &mut out),
            Input::ForeignData { origin } => {
                self.update_data(DataMsg::ForeignData { origin }, &mut out)
            }
            Input::Train { form, now } => self.train(&form, now, &mut out),
            Input::MeasureSpeed(form) => self.measure_speed(&form, &mut out),
            Input::Stop if self.controls().stop => {
                self.stopping = true;
                out.push(Command::Post(Request::Stop));
                if self.running.is_some() {
                    self.running_does(|now| now.doing = run_bar::Doing::Stopping);
                } else {
                    out.push(Command::Say(
                        Line::DataStatus,
                        "Stopping the download…".into(),
                    ));
                }
            }
            Input::Stop => {}
            Input::LoadWeights {
                file_name,
                form,
                now,
            } => self.load_weights(file_name, &form, now, &mut out),
            Input::Download { run, what } => self.download(&run, what, &mut out),
            Input::Remove { run } => self.remove(&run, &mut out),
            Input::TickForReport { run, ticked } => {
                if let Some(view) = self.run_mut(&run) {
                    view.in_report = ticked;
                }
            }
            Input::ReportTicked => self.report_ticked(&mut out),
            Input::OpenGallery {
                run,
                truth,
                predicted,
            } => self.open_gallery(run, truth, predicted, 0, &mut out),
            Input::TurnGalleryPage(step) => {
                if let Some(GalleryShown { cell, .. }) = self.gallery.clone() {
                    let page = cell.page.saturating_add_signed(step);
                    self.open_gallery(cell.run, cell.truth, cell.predicted, page, &mut out);
                }
            }
            Input::KeepWeights(keep) => self.keep_weights = keep,
            Input::FormOpened { form, hash } => {
                let opened = FormMsg::Opened { page: form, hash };
                self.update_form(opened, &mut out)
            }
            Input::FormEdited { field, form } => {
                self.update_form(FormMsg::Edited { field, page: form }, &mut out)
            }
            Input::Picture { name, run, pixels } => {
                let chosen = PictureMsg::Chosen { name, pixels };
                self.update_picture(chosen, run.as_deref(), &mut out);
            }
            Input::PictureUnreadable { name, reason } => {
                let unreadable = PictureMsg::Unreadable { name, reason };
                self.update_picture(unreadable, None, &mut out)
            }
            Input::MatrixRunChosen(run) => {
                self.update_picture(PictureMsg::Ask, run.as_deref(), &mut out)
            }
        }
        self.update_bar(BarMsg::Say, &mut out);
        self.switch_module_if_needed(&mut out);
        let changes = std::mem::take(&mut self.changes);
        out.extend(redraw::panels(&changes).into_iter().map(Command::Redraw));
        // Held back until the worker says Ready (see `WorkerLink::queued`).
        self.worker.hold(&mut out);
        out
    }
}
