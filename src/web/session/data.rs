//! The data set: loading it (from the page's folder, another site's on a click, or an
//! archive on this device), what the worker says while it does, and the augmentation strip's
//! samples from it.

use super::Input;
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

/// What the page knows of the data set.
#[derive(Debug, Clone)]
pub(super) struct DataPart {
    pub(super) state: Data,
    /// Load as soon as the worker is ready (not for another origin's `?data=`).
    pub(super) autoload: bool,
    pub(super) classes: Vec<String>,
    /// The augmentation and seed the strip of samples shows.
    pub(super) augment_preview: Option<(Augment, u64)>,
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

impl Session {
    /// Load, Clear cache, or a link naming another site's data.
    pub(super) fn data_input(&mut self, input: Input, out: &mut Vec<Command>) {
        match input {
            Input::LoadUrl { base } => {
                self.start_loading(format!("Loading from {base}"), out);
                out.push(Command::Post(Request::LoadUrl { base }));
            }
            Input::LoadArchive { name } => {
                self.start_loading(format!("Reading {name} on this device…"), out);
                out.push(Command::Post(Request::LoadArchive { name }));
            }
            Input::ClearCache => out.push(Command::Post(Request::ClearCache)),
            Input::ForeignData { origin } => {
                self.data.autoload = false;
                let text = format!(
                    "This link loads the data set from {origin}, another site: press Load to \
                     fetch it from there, or change the address first."
                );
                out.push(Command::Say(Line::DataStatus, text));
            }
            _ => {}
        }
    }

    fn start_loading(&mut self, status: String, out: &mut Vec<Command>) {
        self.data.state = Data::Loading;
        out.push(Command::Hide(Line::DataError));
        out.push(Command::Say(Line::DataStatus, status));
        out.push(Command::DataProgress(0.0));
    }

    pub(super) fn data_event(&mut self, event: Event, out: &mut Vec<Command>) {
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
                self.data.state = Data::Loaded;
                self.stopping = false;
                self.data.classes = classes;
                out.push(Command::DataProgress(1.0));
                let text = loaded_line(&source, (train_images, test_images), cached_files, seconds);
                say(out, Line::DataStatus, text);
                // The batches were just cached: the storage line would lag by their size.
                self.changed(Change::Storage);
                if let Some((augment, seed)) = self.data.augment_preview {
                    out.push(Command::Post(Request::AugmentSamples { augment, seed }));
                }
            }
            Event::AugmentSamples {
                index,
                class,
                images,
            } => {
                let class = self.data.classes.get(class).map_or("?", String::as_str);
                let what = match self.data.augment_preview {
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
                self.data.state = Data::Missing;
                self.stopping = false;
                say(out, Line::DataStatus, "The data set is not loaded.".into());
                say(out, Line::DataError, message);
            }
            Event::CacheCleared { files } => {
                let text =
                    format!("Cleared {files} cached files; the next load downloads them again.");
                say(out, Line::DataStatus, text);
            }
            Event::Notice { message } => say(out, Line::DataStatus, message),
            _ => {}
        }
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
