//! "Your own picture": the picture the user brought, which run was asked about it, and the
//! words while it is asked. A picture waits for a model (a run that ends, weights that are
//! loaded, another run chosen for the matrix), and each new one answers for it.

use super::{Command, Line, Prediction, Session};
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

impl Session {
    pub(super) fn picture_chosen(
        &mut self,
        name: String,
        run: Option<&str>,
        pixels: Vec<u8>,
        out: &mut Vec<Command>,
    ) {
        out.push(Command::ShowPicture(pixels.clone()));
        out.push(Command::ShowPrediction(Vec::new()));
        self.picture = OwnPicture {
            picture: Some((name, pixels)),
            asked: None,
        };
        self.ask_about_picture(run, out);
    }

    pub(super) fn picture_unreadable(&mut self, name: &str, reason: &str, out: &mut Vec<Command>) {
        let text = format!(
            "{name} is not a picture this browser can read ({reason}). Try a JPEG, PNG, WebP \
             or GIF."
        );
        out.push(Command::Say(Line::PictureCaption, text));
    }

    /// Asks `run`'s model about the picture, if there is one; or says why it cannot answer
    /// yet (a run that is training answers when it ends).
    pub(super) fn ask_about_picture(&mut self, run: Option<&str>, out: &mut Vec<Command>) {
        let Some((name, pixels)) = &self.picture.picture else {
            return;
        };
        let view = run.and_then(|r| self.run(r));
        let text = match view {
            None => format!(
                "Train a run, or load weights (Runs, below): its model will then say what it \
                 sees in {name}."
            ),
            Some(view) if self.running.as_deref() == Some(view.name()) => format!(
                "{} is training: it says what it sees in {name} once it ends or is stopped.",
                view.name()
            ),
            Some(view) if !view.in_worker || view.saved.metrics.is_none() => format!(
                "The model of {} is not in this session (it was restored after a reload, or \
                 finished no epoch): choose another run for the matrix, or load its weights \
                 (Runs, below).",
                view.name()
            ),
            Some(view) => {
                let run = view.name().to_string();
                out.push(Command::Post(Request::Classify {
                    run: run.clone(),
                    pixels: pixels.clone(),
                }));
                self.picture.asked = Some(run.clone());
                format!("Asking {run} about {name}…")
            }
        };
        out.push(Command::Say(Line::PictureCaption, text));
    }

    /// The worker's answer: the likeliest classes, unless another run was asked since.
    pub(super) fn classified(
        &mut self,
        run: String,
        outcome: Result<Vec<f32>, String>,
        out: &mut Vec<Command>,
    ) {
        if self.picture.asked.as_deref() != Some(run.as_str()) {
            return;
        }
        let Some((name, _)) = &self.picture.picture else {
            return;
        };
        let (text, top) = match outcome {
            Ok(probabilities) => {
                let top: Vec<Prediction> = top_classes(&probabilities, TOP)
                    .into_iter()
                    .filter_map(|(class, probability)| {
                        let class = self.data.classes.get(class)?.clone();
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

    /// The worker restarted: the answer asked for will not come.
    pub(super) fn picture_lost(&mut self, out: &mut Vec<Command>) {
        if let (Some(run), Some((name, _))) = (self.picture.asked.take(), &self.picture.picture) {
            let text = format!(
                "The model of {run} was lost with the worker before it named {name}: train \
                 again, or load weights."
            );
            out.push(Command::Say(Line::PictureCaption, text));
        }
    }
}
