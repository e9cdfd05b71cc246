//! The data set, a part of the session: loading it (from the page's folder, another site's
//! on a click, or an archive on this device), what the worker says while it does, and the
//! augmentation strip's samples from it.

use super::redraw::Change;
use super::{Command, Line, Session};
use crate::data::Augment;
use crate::model::group_thousands;
use crate::web::format;
use crate::web::protocol::{Event, Request};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Data {
    Missing,
    Loading,
    Loaded,
}

/// What the page knows of the data set: a part of the session with its own state and
/// [`DataPart::update`].
#[derive(Debug, Clone)]
pub(super) struct DataPart {
    state: Data,
    /// Load as soon as the worker is ready (not for another origin's `?data=`).
    autoload: bool,
    classes: Vec<String>,
    /// The augmentation and seed the strip of samples shows.
    augment_preview: Option<(Augment, u64)>,
}

impl Default for DataPart {
    fn default() -> Self {
        Self {
            state: Data::Missing,
            autoload: true,
            classes: crate::data::ClassNames::default().as_slice().to_vec(),
            augment_preview: None,
        }
    }
}

/// What happens to the data set.
pub(super) enum DataMsg {
    /// Load pressed with a folder's URL.
    LoadUrl {
        base: String,
    },
    /// An archive picked on this device.
    LoadArchive {
        name: String,
    },
    ClearCache,
    /// A link names another site's data: load only when asked.
    ForeignData {
        origin: String,
    },
    /// What the worker says about the data set (boxed: events are large, the other
    /// messages small).
    Event(Box<Event>),
    /// The form's augmentation and seed, for the strip of samples.
    Preview {
        augment: Augment,
        seed: u64,
    },
    /// The worker listens: the data set loads as the page opens.
    WorkerReady,
    /// The worker refused what was asked (a load among them), or was replaced: what it was
    /// loading will not come.
    LoadLost,
}

impl DataPart {
    pub(super) fn update(&mut self, msg: DataMsg) -> Vec<Command> {
        let mut out = Vec::new();
        match msg {
            DataMsg::LoadUrl { base } => {
                self.start_loading(format!("Loading from {base}"), &mut out);
                out.push(Command::Post(Request::LoadUrl { base }));
            }
            DataMsg::LoadArchive { name } => {
                self.start_loading(format!("Reading {name} on this device…"), &mut out);
                out.push(Command::Post(Request::LoadArchive { name }));
            }
            DataMsg::ClearCache => out.push(Command::Post(Request::ClearCache)),
            DataMsg::ForeignData { origin } => {
                self.autoload = false;
                let text = format!(
                    "This link loads the data set from {origin}, another site: press Load to \
                     fetch it from there, or change the address first."
                );
                out.push(Command::Say(Line::DataStatus, text));
            }
            DataMsg::Event(event) => self.event(*event, &mut out),
            DataMsg::Preview { augment, seed } => {
                if self.augment_preview != Some((augment, seed)) {
                    self.augment_preview = Some((augment, seed));
                    // Else asked for when the data arrives (`Event::DataReady`).
                    if self.state == Data::Loaded {
                        out.push(Command::Post(Request::AugmentSamples { augment, seed }));
                    }
                }
            }
            DataMsg::WorkerReady => {
                // The batches load as the page opens, from the cache when they were fetched
                // before: pressing Train is all that is left.
                if self.state == Data::Missing && self.autoload {
                    out.push(Command::LoadTypedData);
                }
            }
            DataMsg::LoadLost => {
                if self.state == Data::Loading {
                    self.state = Data::Missing;
                }
            }
        }
        out
    }

    pub(super) fn state(&self) -> Data {
        self.state
    }

    pub(super) fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The worker was replaced: the new one starts without the data.
    pub(super) fn forget(&mut self) {
        self.state = Data::Missing;
    }

    fn start_loading(&mut self, status: String, out: &mut Vec<Command>) {
        self.state = Data::Loading;
        out.push(Command::Hide(Line::DataError));
        out.push(Command::Say(Line::DataStatus, status));
        out.push(Command::DataProgress(0.0));
    }

    fn event(&mut self, event: Event, out: &mut Vec<Command>) {
        let say = |out: &mut Vec<Command>, line, text: String| out.push(Command::Say(line, text));
        match event {
            Event::DataProgress {
                loaded,
                total,
                seconds,
            } => {
                if let Some(total) = total.filter(|t| *t > 0) {
                    out.push(Command::DataProgress(loaded as f64 / total as f64));
                }
                let text = format::download_line(loaded, total, seconds);
                say(out, Line::DataProgress, text);
            }
            Event::DataRetrying {
                file,
                status,
                seconds,
            } => say(
                out,
                Line::DataProgress,
                format::retry_line(&file, status, seconds),
            ),
            Event::DataReady {
                source,
                train_images,
                test_images,
                classes,
                cached_files,
                seconds,
            } => {
                self.state = Data::Loaded;
                self.classes = classes;
                out.push(Command::DataProgress(1.0));
                let text = loaded_line(&source, (train_images, test_images), cached_files, seconds);
                say(out, Line::DataStatus, text);
                if let Some((augment, seed)) = self.augment_preview {
                    out.push(Command::Post(Request::AugmentSamples { augment, seed }));
                }
            }
            Event::AugmentSamples {
                index,
                class,
                images,
            } => {
                let class = self.classes.get(class).map_or("?", String::as_str);
                let what = match self.augment_preview {
                    Some((augment, _)) if !augment.is_off() => {
                        format!("as {} epochs see it{}", images.len(), augment.describe())
                    }
                    _ => "without augmentation: every epoch sees it the same".into(),
                };
                let text = format!("Training image #{index} (a {class}), {what}.");
                say(out, Line::AugmentCaption, text);
                out.push(Command::ShowAugmentSamples(images));
            }
            Event::DataFailed { message } => {
                self.state = Data::Missing;
                say(out, Line::DataStatus, "The data set is not loaded.".into());
                say(out, Line::DataError, message);
            }
            Event::CacheCleared { files } => {
                let text =
                    format!("Cleared {files} cached files; the next load downloads them again.");
                say(out, Line::DataStatus, text);
            }
            Event::Notice { message } => say(out, Line::DataStatus, message),
            // `Session::event` hands only the data set's events here.
            _ => {}
        }
    }
}

impl Session {
    /// Hands the data part `msg`. A download that ends (loaded or failed) ends a Stop pressed
    /// for it; loaded batches are in the cache, so the storage line is drawn again.
    pub(super) fn update_data(&mut self, msg: DataMsg, out: &mut Vec<Command>) {
        if let DataMsg::Event(event) = &msg {
            match **event {
                Event::DataReady { .. } => {
                    self.stopping = false;
                    self.changed(Change::Storage);
                }
                Event::DataFailed { .. } => self.stopping = false,
                _ => {}
            }
        }
        out.extend(self.data.update(msg));
    }
}

/// "Loaded 50,000 training and 10,000 test images from … in 3 s, 6 files from the browser's
/// cache."
fn loaded_line(source: &str, (train, test): (usize, usize), cached: usize, seconds: f64) -> String {
    let cached = if cached > 0 {
        format!(", {cached} files from the browser's cache")
    } else {
        String::new()
    };
    format!(
        "Loaded {} training and {} test images from {source} in {}{cached}.",
        group_thousands(train),
        group_thousands(test),
        format::duration(seconds)
    )
}
