//! The run bar's two lines, the progress line and the run status, worked out from the state
//! after every update rather than said when an event comes: they follow the runs (a run that
//! ends, a reload, a removal), so neither can go stale.

use super::{Command, Line, RunView, Session};
use crate::model::group_thousands;
use crate::train::BatchProgress;
use crate::train::RunEnd;
use crate::web::protocol::Stage;
use crate::web::saved::Origin;
use crate::web::{estimate, format};

/// The bar's lines as last said, and a note that stands in for a run that never started: a
/// part of the session with its own state and [`RunBar::update`].
#[derive(Debug, Clone)]
pub(super) struct RunBar {
    /// The progress line and the status as last said.
    said: (String, String),
    /// Says why the bar has no run to speak of (a refused Train), until the next Train.
    note: Option<String>,
}

/// What happens to the bar.
pub(super) enum BarMsg {
    /// A Train was refused: the note stands in for its run.
    Refused(String),
    /// Train was pressed: the note is dropped.
    Train,
    /// The update is done: say the lines the state changed.
    Say,
}

/// What the bar reads of the rest of the session.
pub(super) struct BarContext<'a> {
    /// The run in progress, else the newest.
    pub run: Option<&'a RunView>,
    /// A run is in progress.
    pub running: bool,
}

impl RunBar {
    pub(super) fn update(&mut self, msg: BarMsg, context: &BarContext) -> Vec<Command> {
        let mut out = Vec::new();
        match msg {
            BarMsg::Refused(note) => self.note = Some(note),
            BarMsg::Train => self.note = None,
            BarMsg::Say => self.say(context, &mut out),
        }
        out
    }

    /// Says the bar's lines where the state changed them since they were last said.
    fn say(&mut self, context: &BarContext, out: &mut Vec<Command>) {
        let run = context.run;
        let progress = run.map_or_else(|| NO_RUN.to_string(), RunView::progress_line);
        let status = match (&self.note, run) {
            // A refused Train: its run is gone, and the note says so until the next one.
            (Some(note), _) if !context.running => note.clone(),
            (_, Some(run)) => run.status_line(),
            (_, None) => String::new(),
        };
        for (line, text, said) in [
            (Line::Progress, progress, &mut self.said.0),
            (Line::RunStatus, status, &mut self.said.1),
        ] {
            if *said != text {
                out.push(Command::Say(line, text.clone()));
                *said = text;
            }
        }
    }
}

impl Default for RunBar {
    fn default() -> Self {
        Self {
            said: (NO_RUN.to_string(), String::new()),
            note: None,
        }
    }
}

/// What a run in progress is doing, as the worker (or Stop) last said.
#[derive(Debug, Clone, PartialEq)]
pub enum Doing {
    /// Train was pressed; the worker has not started it yet.
    Starting,
    /// The worker started it; `note` says why it is not on the device the user may expect.
    Started {
        batches_per_epoch: usize,
        note: Option<String>,
    },
    Validating {
        epoch: usize,
    },
    EpochFinished {
        epoch: usize,
        val_acc: f64,
    },
    Stopping,
}

/// A run in progress: what it does, the step before its first batch, its latest batch.
#[derive(Debug, Clone, PartialEq)]
pub struct InProgress {
    pub doing: Doing,
    pub stage: Option<Stage>,
    pub last: Option<BatchProgress>,
}

impl InProgress {
    pub fn starting() -> Self {
        Self {
            doing: Doing::Starting,
            stage: None,
            last: None,
        }
    }
}

/// What the progress line says before any run.
pub const NO_RUN: &str = "No run yet.";

impl RunView {
    /// Keras' line for its latest batch (with the time left), or what comes before the first
    /// batch; once it no longer trains, how it went.
    pub fn progress_line(&self) -> String {
        let Some(now) = &self.in_progress else {
            return self.outcome_line();
        };
        match (&now.last, now.stage) {
            (Some(progress), _) => {
                let line = format::progress_line(progress);
                let left = self.saved.config.as_ref();
                match left.and_then(|c| estimate::seconds_left(c, progress)) {
                    Some(left) => format!("{line} · {}", format::time_left(left)),
                    None => line,
                }
            }
            (None, Some(stage)) => format::stage_line(stage).into(),
            (None, None) => format!("{}: starting…", self.name()),
        }
    }

    /// What it does now, or how it ended.
    pub fn status_line(&self) -> String {
        let name = self.name();
        if let Some(now) = &self.in_progress {
            let config = self.saved.config.as_ref();
            return match &now.doing {
                Doing::Starting => format!("Starting {name}…"),
                Doing::Started {
                    batches_per_epoch,
                    note,
                } => format!(
                    "Training {name} on {} training images, validating on {} ({} batches of {} \
                     per epoch).{}",
                    group_thousands(config.map_or(0, |c| c.train_samples)),
                    group_thousands(config.map_or(0, |c| c.val_samples)),
                    batches_per_epoch,
                    config.map_or(0, |c| c.train.batch_size),
                    note.as_ref().map(|n| format!(" {n}")).unwrap_or_default()
                ),
                Doing::Validating { epoch } => {
                    format!("Epoch {epoch}: evaluating on the validation set…")
                }
                Doing::EpochFinished { epoch, val_acc } => {
                    let epochs = config.map(|c| c.train.epochs);
                    let of = epochs.map(|n| format!(" of {n}")).unwrap_or_default();
                    let next = match epochs {
                        Some(n) if *epoch < n => format!("; training epoch {}…", epoch + 1),
                        _ => String::new(),
                    };
                    format!("{name}: epoch {epoch}{of} finished, val_acc {val_acc:.4}{next}")
                }
                Doing::Stopping => "Stopping before the next batch…".into(),
            };
        }
        if let Origin::Loaded { file } = &self.saved.origin {
            return format!("{name}: weights from {file}, evaluated without training.");
        }
        match &self.saved.ending {
            Some(RunEnd::Completed) => format!("{name}: done."),
            Some(RunEnd::Stopped { epoch, batch }) => format!(
                "{name}: stopped by you in epoch {epoch} before batch {batch}; the completed \
                 epochs are kept."
            ),
            Some(RunEnd::Failed { .. }) => {
                format!("{name}: failed; the completed epochs are kept.")
            }
            None => format!("{name}: interrupted (the page was closed while it trained)."),
        }
    }
}

impl Session {
    /// Hands the run bar `msg`, with the run it speaks of.
    pub(super) fn update_bar(&mut self, msg: BarMsg, out: &mut Vec<Command>) {
        let running = self.running.as_deref();
        let context = BarContext {
            run: super::history_run(&self.runs, running),
            running: running.is_some(),
        };
        out.extend(self.bar.update(msg, &context));
    }

    /// Records what the run in progress does now.
    pub(super) fn running_does(&mut self, change: impl FnOnce(&mut InProgress)) {
        let running = self.running.clone();
        if let Some(now) = running
            .and_then(|name| self.run_mut(&name))
            .and_then(|view| view.in_progress.as_mut())
        {
            change(now);
        }
    }
}
