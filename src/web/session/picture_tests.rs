//! The user's own picture: it waits for a model, each new model answers for it, a stale
//! answer is dropped, and every state says what happens.

use super::tests::{end, epoch, posted, ready, said, stored, train, worker};
use super::*;
use crate::data::IMAGE_BYTES;
use crate::train::RunEnd;
use crate::web::protocol::Event;

fn pick(s: &mut Session, run: Option<&str>) -> Vec<Command> {
    s.update(Input::Picture {
        name: "cat.png".into(),
        run: run.map(str::to_string),
        pixels: vec![7; IMAGE_BYTES],
    })
}

fn classify_posted(out: &[Command]) -> Option<&str> {
    posted(out).into_iter().find_map(|r| match r {
        Request::Classify { run, pixels } => {
            assert_eq!(pixels.len(), IMAGE_BYTES);
            Some(run.as_str())
        }
        _ => None,
    })
}

fn answer(s: &mut Session, run: &str, outcome: Result<Vec<f32>, String>) -> Vec<Command> {
    let run = run.into();
    worker(s, Event::Classified { run, outcome })
}

/// Cat likeliest, then dog, then frog.
fn probabilities() -> Vec<f32> {
    vec![0.01, 0.01, 0.02, 0.7, 0.01, 0.15, 0.05, 0.02, 0.02, 0.01]
}

#[test]
fn a_picture_waits_for_a_run_and_its_model_names_it() {
    let mut s = ready();
    let out = pick(&mut s, None);
    assert!(out.contains(&Command::ShowPicture(vec![7; IMAGE_BYTES])));
    assert_eq!(classify_posted(&out), None);
    assert_eq!(
        said(&out, Line::PictureCaption),
        Some(
            "Train a run, or load weights (Runs, below): its model will then say what it sees \
             in cat.png."
        )
    );
    train(&mut s, "plain");
    epoch(&mut s, "plain", 1);
    let out = s.update(Input::MatrixRunChosen(Some("plain".into())));
    assert_eq!(
        classify_posted(&out),
        None,
        "the worker trains that very model"
    );
    assert_eq!(
        said(&out, Line::PictureCaption),
        Some("plain is training: it says what it sees in cat.png once it ends or is stopped.")
    );
    let out = end(&mut s, "plain", RunEnd::Completed);
    assert_eq!(classify_posted(&out), Some("plain"));
    assert_eq!(
        said(&out, Line::PictureCaption),
        Some("Asking plain about cat.png…")
    );
    let out = answer(&mut s, "plain", Ok(probabilities()));
    assert_eq!(
        said(&out, Line::PictureCaption),
        Some("plain says cat for cat.png, 70 % sure. Its likeliest classes:")
    );
    let top = |class: &str, probability| Prediction {
        class: class.into(),
        probability,
    };
    assert!(out.contains(&Command::ShowPrediction(vec![
        top("cat", 0.7),
        top("dog", 0.15),
        top("frog", 0.05),
    ])));
}

#[test]
fn the_matrix_run_answers_and_an_older_answer_is_dropped() {
    let mut s = ready();
    for run in ["plain", "plain #2"] {
        train(&mut s, "plain");
        epoch(&mut s, run, 1);
        end(&mut s, run, RunEnd::Completed);
    }
    let out = pick(&mut s, Some("plain"));
    assert_eq!(classify_posted(&out), Some("plain"));
    // A new picture clears the old answer at once.
    assert!(out.contains(&Command::ShowPrediction(Vec::new())));
    let out = s.update(Input::MatrixRunChosen(Some("plain #2".into())));
    assert_eq!(classify_posted(&out), Some("plain #2"));
    assert!(answer(&mut s, "plain", Ok(probabilities())).is_empty());
    let out = answer(&mut s, "plain #2", Err("the device was lost".into()));
    assert_eq!(
        said(&out, Line::PictureCaption),
        Some("plain #2 could not look at cat.png: the device was lost.")
    );
    assert!(out.contains(&Command::ShowPrediction(Vec::new())));
}

#[test]
fn a_run_without_a_model_here_says_so_and_asks_nothing() {
    let mut s = Session::default();
    worker(&mut s, Event::Ready);
    s.update(Input::Restored(Ok(vec![Ok(stored("old", 1.0))])));
    let out = pick(&mut s, Some("old"));
    assert_eq!(classify_posted(&out), None);
    assert!(
        said(&out, Line::PictureCaption)
            .unwrap()
            .starts_with("The model of old is not in this session")
    );
    // A run stopped before its first epoch has no model either.
    let mut s = ready();
    train(&mut s, "plain");
    let out = end(&mut s, "plain", RunEnd::Stopped { epoch: 1, batch: 3 });
    assert_eq!(classify_posted(&out), None);
    let out = pick(&mut s, Some("plain"));
    assert_eq!(classify_posted(&out), None);
}

#[test]
fn an_unreadable_file_and_a_lost_worker_are_named() {
    let mut s = ready();
    let out = s.update(Input::PictureUnreadable {
        name: "notes.pdf".into(),
        reason: "InvalidStateError: The source image could not be decoded.".into(),
    });
    assert_eq!(
        said(&out, Line::PictureCaption),
        Some(
            "notes.pdf is not a picture this browser can read (InvalidStateError: The source \
             image could not be decoded.). Try a JPEG, PNG, WebP or GIF."
        )
    );
    train(&mut s, "plain");
    epoch(&mut s, "plain", 1);
    end(&mut s, "plain", RunEnd::Completed);
    pick(&mut s, Some("plain"));
    let out = worker(
        &mut s,
        Event::Crashed {
            message: "out of memory".into(),
        },
    );
    assert_eq!(
        said(&out, Line::PictureCaption),
        Some(
            "The model of plain was lost with the worker before it named cat.png: train again, \
             or load weights."
        )
    );
}
