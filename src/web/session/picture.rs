//! "Your own picture", a part of the session with its own state and [`OwnPicture::update`]:
//! the picture the user brought, which run was asked about it, and the words while it is
//! asked. A picture waits for a model (a run that ends, weights that are loaded, another run
//! chosen for the matrix), and each new one answers for it. What it needs of the rest of the
//! session (the run asked about, the class names) comes in a [`PictureContext`].

use super::{Command, Line, Prediction};
use crate::eval::top_classes;
use crate::web::protocol::Request;

/// Classes the page lists for a picture.
const TOP: usize = 3;

#[derive(Debug, Clone, Default)]
pub(super) struct OwnPicture {
    /// The file's name and its CIFAR-10 version.
    picture: Option<(String, Vec<u8>)>,
    /// The run whose answer is awaited or shown.
    asked: Option<String>,
}

/// What happens to the picture.
pub(super) enum PictureMsg {
    /// A picture was dropped or picked: its CIFAR-10 version.
    Chosen { name: String, pixels: Vec<u8> },
    /// The browser could not decode the file.
    Unreadable { name: String, reason: String },
    /// The context's run may answer now (chosen for the matrix, ended, loaded).
    Ask,
    /// The worker's answer.
    Classified {
        run: String,
        outcome: Result<Vec<f32>, String>,
    },
    /// The worker restarted: the answer asked for will not come.
    WorkerLost,
}

/// Where a run's model is, as the picture needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RunModel {
    /// Still training: it answers once it ends.
    Training,
    /// Not in this session's worker (restored after a reload, or no epoch finished).
    Absent,
    /// In the worker, ready to answer.
    Ready,
}

/// What the picture part reads of the rest of the session.
pub(super) struct PictureContext<'a> {
    /// The run the matrix shows (the one asked), and where its model is.
    pub run: Option<(&'a str, RunModel)>,
    /// The data set's class names.
    pub classes: &'a [String],
}

impl OwnPicture {
    pub(super) fn update(&mut self, msg: PictureMsg, context: &PictureContext) -> Vec<Command> {
        let mut out = Vec::new();
        match msg {
            PictureMsg::Chosen { name, pixels } => {
                out.push(Command::ShowPicture(pixels.clone()));
                out.push(Command::ShowPrediction(Vec::new()));
                *self = Self {
                    picture: Some((name, pixels)),
                    asked: None,
                };
                self.ask(context, &mut out);
            }
            PictureMsg::Unreadable { name, reason } => {
                let text = format!(
                    "{name} is not a picture this browser can read ({reason}). Try a JPEG, \
                     PNG, WebP or GIF."
                );
                out.push(Command::Say(Line::PictureCaption, text));
            }
            PictureMsg::Ask => self.ask(context, &mut out),
            PictureMsg::Classified { run, outcome } => {
                self.classified(&run, outcome, context.classes, &mut out)
            }
            PictureMsg::WorkerLost => {
                if let (Some(run), Some((name, _))) = (self.asked.take(), &self.picture) {
                    let text = format!(
                        "The model of {run} was lost with the worker before it named {name}: \
                         train again, or load weights."
                    );
                    out.push(Command::Say(Line::PictureCaption, text));
                }
            }
        }
        out
    }

    /// Asks the context's run about the picture, if there is one; or says why it cannot
    /// answer yet (a run that is training answers when it ends).
    fn ask(&mut self, context: &PictureContext, out: &mut Vec<Command>) {
        let Some((name, pixels)) = &self.picture else {
            return;
        };
        let text = match context.run {
            None => format!(
                "Train a run, or load weights (Runs, below): its model will then say what it \
                 sees in {name}."
            ),
            Some((run, RunModel::Training)) => format!(
                "{run} is training: it says what it sees in {name} once it ends or is stopped."
            ),
            Some((run, RunModel::Absent)) => format!(
                "The model of {run} is not in this session (it was restored after a reload, or \
                 finished no epoch): choose another run for the matrix, or load its weights \
                 (Runs, below)."
            ),
            Some((run, RunModel::Ready)) => {
                out.push(Command::Post(Request::Classify {
                    run: run.to_string(),
                    pixels: pixels.clone(),
                }));
                self.asked = Some(run.to_string());
                format!("Asking {run} about {name}…")
            }
        };
        out.push(Command::Say(Line::PictureCaption, text));
    }

    /// The likeliest classes, unless another run was asked since.
    fn classified(
        &self,
        run: &str,
        outcome: Result<Vec<f32>, String>,
        classes: &[String],
        out: &mut Vec<Command>,
    ) {
        if self.asked.as_deref() != Some(run) {
            return;
        }
        let Some((name, _)) = &self.picture else {
            return;
        };
        let (text, top) = match outcome {
            Ok(probabilities) => {
                let top: Vec<Prediction> = top_classes(&probabilities, TOP)
                    .into_iter()
                    .filter_map(|(class, probability)| {
                        let class = classes.get(class)?.clone();
                        Some(Prediction { class, probability })
                    })
                    .collect();
                let text = match top.first() {
                    Some(best) => format!(
                        "{run} says {} for {name}, {:.0} % sure. Its likeliest classes:",
                        best.class,
                        best.probability * 100.0
                    ),
                    None => format!("{run} gave no answer for {name}."),
                };
                (text, top)
            }
            Err(message) => (
                format!("{run} could not look at {name}: {message}."),
                Vec::new(),
            ),
        };
        out.push(Command::Say(Line::PictureCaption, text));
        out.push(Command::ShowPrediction(top));
    }
}
