//! The page's state and every way it changes, in plain Rust (the Elm update loop that yew and
//! iced use): an [`Input`] (something the user did, or something the worker or the browser's
//! storage said) goes into [`Session::update`], which changes the state and answers with
//! [`Command`]s (a request for the worker, a line of text, a panel to redraw, a run to store).
//! The web-sys side (`web/page/`) only turns DOM events into inputs and applies the commands,
//! so what the buttons allow, run numbering, crash recovery and restoring stored runs are all
//! tested natively (`tests.rs`).

mod actions;
#[cfg(test)]
mod estimate_tests;
mod events;
mod form;
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
mod speed;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod words_tests;

pub use messages::{Command, Controls, Download, Input, Line, Panel, Prediction};
pub use run::RunView;

use super::protocol::{AdapterInfo, CellPage, Request};
use crate::backend::BackendKind;
use crate::data::Augment;
use crate::model::ModelSpec;
use crate::web::estimate::Speed;
use crate::web::form::{Field, FormValues, SettingsError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Data {
    Missing,
    Loading,
    Loaded,
}

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
    Download,
    Keep,
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

/// What the page knows.
#[derive(Debug, Clone)]
pub struct Session {
    runs: Vec<RunView>,
    /// Name of the run in progress.
    running: Option<String>,
    /// The worker has not yet said RunStarted for the running run (a refusal drops it).
    starting: bool,
    stopping: bool,
    data: Data,
    /// The worker has said Ready (it runs; a failure after this is a crash to recover from).
    worker_ready: bool,
    /// The worker has answered whether WebGPU opened.
    backend_known: bool,
    /// The worker's module has burn's WebGPU backend (`module.rs`).
    gpu_module: bool,
    /// The stored runs have been read (or could not be): run names are known.
    restored: bool,
    /// Load the data as soon as the worker is ready (not for another origin's `?data=`).
    autoload: bool,
    /// Requests made before the worker listens: a worker drops messages that arrive before
    /// its handler is installed, so they wait for `Event::Ready`.
    queued: Vec<Request>,
    webgpu: Option<AdapterInfo>,
    classes: Vec<String>,
    keep_weights: bool,
    pending_weights: Vec<(String, WeightsUse)>,
    pending_file: Option<PendingFile>,
    gallery: Option<GalleryShown>,
    /// The augmentation and seed the strip of samples shows.
    augment_preview: Option<(Augment, u64)>,
    /// The form as last seen, for the time estimate.
    form: Option<FormValues>,
    /// What is wrong with it, if anything: Train waits for a form that makes a run.
    form_error: Option<SettingsError>,
    /// Each backend's speed on each model, from its latest run or timing in this session
    /// (newest last).
    speeds: Vec<(BackendKind, Speed)>,
    /// The model being timed by Measure speed.
    timing: Option<ModelSpec>,
    /// The running run's name, backend, model and training work per image, once it has
    /// started.
    measuring: Option<(String, BackendKind, String, f64)>,
    picture: picture::OwnPicture,
    /// The run bar's progress line and status as last said (`run_bar.rs`).
    said_bar: (String, String),
    /// Says why the run bar has no run to speak of (a refused Train), until the next Train.
    bar_note: Option<String>,
    /// What the update under way changed, for the panels to redraw (`redraw.rs`).
    changes: Vec<redraw::Change>,
}

impl Default for Session {
    fn default() -> Self {
        Self {
            runs: Vec::new(),
            running: None,
            starting: false,
            stopping: false,
            data: Data::Missing,
            worker_ready: false,
            backend_known: false,
            gpu_module: false,
            restored: false,
            autoload: true,
            queued: Vec::new(),
            webgpu: None,
            classes: crate::data::ClassNames::default().as_slice().to_vec(),
            keep_weights: false,
            pending_weights: Vec::new(),
            pending_file: None,
            gallery: None,
            augment_preview: None,
            form: None,
            form_error: None,
            speeds: Vec::new(),
            timing: None,
            measuring: None,
            picture: picture::OwnPicture::default(),
            said_bar: (run_bar::NO_RUN.to_string(), String::new()),
            bar_note: None,
            changes: Vec::new(),
        }
    }
}

impl Session {
    pub fn runs(&self) -> &[RunView] {
        &self.runs
    }

    pub fn run(&self, name: &str) -> Option<&RunView> {
        self.runs.iter().find(|r| r.name() == name)
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
        &self.classes
    }

    pub fn gallery(&self) -> Option<&GalleryShown> {
        self.gallery.as_ref()
    }

    /// The run whose history table is shown: the one in progress, else the newest.
    pub fn history_run(&self) -> Option<&RunView> {
        self.running
            .as_deref()
            .and_then(|name| self.run(name))
            .or(self.runs.last())
    }

    pub fn controls(&self) -> Controls {
        let running = self.running.is_some();
        let timing = self.timing.is_some();
        Controls {
            train: !running
                && !timing
                && self.form_error.is_none()
                && self.data == Data::Loaded
                && self.backend_known
                && self.restored,
            // Stop ends a run, or a download of the data set.
            stop: (running || self.data == Data::Loading) && !self.stopping,
            load: !running && !timing && self.data != Data::Loading,
            // The worker does one thing at a time; timing needs no data.
            measure: !running
                && !timing
                && self.data != Data::Loading
                && self.worker_ready
                && self.backend_known,
        }
    }

    /// Why Train cannot be pressed now, in words for beside it; none while a run or a timing
    /// is under way (the run bar and the estimate say what happens).
    pub fn train_reason(&self) -> Option<String> {
        if self.running.is_some() || self.timing.is_some() {
            return None;
        }
        if let Some(error) = &self.form_error {
            return Some(format!("Fix the {error} first."));
        }
        match self.data {
            Data::Missing => {
                return Some("Load the data set first (Data, at the top of the page).".into());
            }
            Data::Loading => return Some("Waiting for the data set to load…".into()),
            Data::Loaded => {}
        }
        (!(self.backend_known && self.restored))
            .then(|| "Starting the training worker…".to_string())
    }

    /// The data set is loaded (the Data panel can fold to its status line).
    pub fn data_loaded(&self) -> bool {
        self.data == Data::Loaded
    }

    /// The form field that keeps Train disabled.
    pub fn invalid_field(&self) -> Option<Field> {
        self.form_error.as_ref().map(|e| e.field)
    }

    pub fn update(&mut self, input: Input) -> Vec<Command> {
        let mut out = Vec::new();
        match input {
            Input::Worker { event, bytes } => self.event(event, bytes, &mut out),
            Input::BadMessage(message) => out.push(Command::Say(Line::RunError, message)),
            // A trap (out of memory, a stack overflow) ends the worker without a word: the
            // same recovery as a reported crash. Before Ready it never ran: say so, no retry.
            Input::WorkerError(message) if self.worker_ready => self.crashed(message, &mut out),
            Input::WorkerError(message) => {
                let text = format!(
                    "{message}. Reload the page; a browser without module workers cannot run \
                     cifar-lab"
                );
                out.push(Command::Say(Line::RunError, text));
            }
            Input::Restored(stored) => self.restore(stored, &mut out),
            Input::LoadUrl { base } => {
                self.start_loading(format!("Loading from {base}"), &mut out);
                out.push(Command::Post(Request::LoadUrl { base }));
            }
            Input::LoadArchive { name } => {
                self.start_loading(format!("Reading {name} on this device…"), &mut out);
                out.push(Command::Post(Request::LoadArchive { name }));
            }
            Input::ClearCache => out.push(Command::Post(Request::ClearCache)),
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
            Input::FormOpened { form, hash } => self.form_opened(form, &hash, &mut out),
            Input::FormEdited { field, form } => self.form_edited(field, form, &mut out),
            Input::Picture { name, run, pixels } => {
                self.picture_chosen(name, run.as_deref(), pixels, &mut out);
            }
            Input::PictureUnreadable { name, reason } => {
                self.picture_unreadable(&name, &reason, &mut out)
            }
            Input::MatrixRunChosen(run) => self.ask_about_picture(run.as_deref(), &mut out),
            Input::ForeignData { origin } => {
                self.autoload = false;
                let text = format!(
                    "This link loads the data set from {origin}, another site: press Load to \
                     fetch it from there, or change the address first."
                );
                out.push(Command::Say(Line::DataStatus, text));
            }
        }
        self.say_run_bar(&mut out);
        self.switch_module_if_needed(&mut out);
        let changes = std::mem::take(&mut self.changes);
        out.extend(redraw::panels(&changes).into_iter().map(Command::Redraw));
        if !self.worker_ready {
            // Held back until the worker says Ready (see `queued`).
            out.retain(|command| match command {
                Command::Post(request) => {
                    self.queued.push(request.clone());
                    false
                }
                _ => true,
            });
        }
        out
    }
}
