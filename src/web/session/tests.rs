//! The page's behaviour without a browser: inputs in, state and commands out.

use super::*;
use crate::data::ClassNames;
use crate::eval::{ConfidenceHistogram, ConfusionMatrix, Evaluation, RunMetrics};
use crate::history::{EpochRecord, History};
use crate::model::Architecture;
use crate::train::RunEnd;
use crate::train::{BatchProgress, TrainConfig};
use crate::web::form::{Field, FormValues, tutorial};
use crate::web::protocol::{AdapterInfo, Event, Request};
use crate::web::saved::{Origin, SavedRun};

pub(super) fn worker(session: &mut Session, event: Event) -> Vec<Command> {
    session.update(Input::Worker { event, bytes: None })
}

/// The worker's word that the whole data set is loaded.
pub(super) fn data_ready() -> Event {
    Event::DataReady {
        source: "the network".into(),
        train_images: 50_000,
        test_images: 10_000,
        classes: ClassNames::default().as_slice().to_vec(),
        cached_files: 0,
        seconds: 2.0,
    }
}

/// A session whose worker is up, with no WebGPU, the data loaded and no stored runs.
pub(super) fn ready() -> Session {
    let mut s = Session::default();
    worker(&mut s, Event::Ready);
    worker(
        &mut s,
        Event::Backend {
            webgpu: None,
            problem: Some("no adapter".into()),
            gpu_module: true,
        },
    );
    s.update(Input::LoadUrl {
        base: "http://localhost/data/".into(),
    });
    worker(&mut s, data_ready());
    s.update(Input::Restored(Ok(Vec::new())));
    s
}

pub(super) fn train(s: &mut Session, model: &str) -> Vec<Command> {
    let mut form = tutorial();
    form.set(Field::Model, model);
    s.update(Input::Train { form, now: 1e12 })
}

/// The form shows `form` (as the page opens with it, no link).
pub(super) fn form_is(form: FormValues) -> Input {
    Input::FormOpened {
        form,
        hash: String::new(),
    }
}

pub(super) fn posted(commands: &[Command]) -> Vec<&Request> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::Post(r) => Some(r),
            _ => None,
        })
        .collect()
}

pub(super) fn said(commands: &[Command], line: Line) -> Option<&str> {
    commands.iter().rev().find_map(|c| match c {
        Command::Say(l, text) if *l == line => Some(text.as_str()),
        _ => None,
    })
}

/// Metrics of a two-image evaluation (a cat right, a cat taken for a dog), for any test of
/// the web layer that needs a run with metrics.
pub(crate) fn metrics() -> RunMetrics {
    let confusion = ConfusionMatrix::from_labels(10, &[3, 3], &[3, 5]);
    let evaluation = Evaluation {
        loss: 0.9,
        accuracy: confusion.accuracy(),
        predictions: vec![3, 5],
        confidence: vec![0.9, 0.6],
        probabilities: vec![0.1; 20],
        confusion,
    };
    RunMetrics::new(&evaluation, &History::default(), &ClassNames::default())
}

pub(super) fn epoch(s: &mut Session, run: &str, n: usize) -> Vec<Command> {
    let record = EpochRecord {
        epoch: n,
        loss: 1.0,
        acc: 0.5,
        val_loss: 1.1,
        val_acc: 0.5,
        seconds: 10.0,
        us_per_sample: 100.0,
        lr: 1.0,
    };
    worker(
        s,
        Event::Epoch {
            run: run.into(),
            record,
            metrics: metrics(),
            confidence: ConfidenceHistogram::new(&[0.9], &[1], &[1], 4),
        },
    )
}

pub(super) fn end(s: &mut Session, run: &str, ending: RunEnd<String>) -> Vec<Command> {
    worker(
        s,
        Event::RunEnded {
            run: run.into(),
            ending,
        },
    )
}

pub(super) fn stored(name: &str, created: f64) -> SavedRun {
    SavedRun {
        name: name.into(),
        created,
        model: Architecture::Plain.into(),
        origin: Origin::Trained,
        config: None,
        history: History::default(),
        metrics: Some(metrics()),
        confidence: None,
        ending: Some(RunEnd::Completed),
        weights_bytes: None,
    }
}

pub(super) fn names(s: &Session) -> Vec<&str> {
    s.runs().iter().map(|r| r.name()).collect()
}

#[test]
fn train_waits_for_the_data_the_backend_and_the_stored_runs() {
    let mut s = Session::default();
    let nothing = Controls {
        train: false,
        stop: false,
        load: true,
        measure: false,
    };
    assert_eq!(s.controls(), nothing);
    let commands = worker(&mut s, Event::Ready);
    assert_eq!(posted(&commands), [&Request::Init]);
    assert!(commands.contains(&Command::LoadTypedData));
    s.update(Input::LoadUrl { base: "d/".into() });
    assert!(!s.controls().load, "one load at a time");
    worker(
        &mut s,
        Event::Backend {
            webgpu: Some(AdapterInfo::default()),
            problem: None,
            gpu_module: true,
        },
    );
    worker(
        &mut s,
        Event::DataReady {
            source: "d/".into(),
            train_images: 1,
            test_images: 1,
            classes: ClassNames::default().as_slice().to_vec(),
            cached_files: 2,
            seconds: 0.1,
        },
    );
    assert!(
        !s.controls().train,
        "stored runs not read yet: a new run could take a name"
    );
    assert!(
        train(&mut s, "plain")
            .iter()
            .all(|c| !matches!(c, Command::Post(_)))
    );
    s.update(Input::Restored(Err("no IndexedDB".into())));
    assert!(s.controls().train, "without storage, training still works");
}

#[test]
fn a_run_trains_stops_and_frees_the_controls() {
    let mut s = ready();
    let commands = train(&mut s, "plain");
    let [Request::Train(request)] = posted(&commands)[..] else {
        panic!("expected one Train request: {commands:?}");
    };
    assert_eq!(request.run, "plain");
    assert_eq!(request.config.model, Architecture::Plain.into());
    assert_eq!(s.running(), Some("plain"));
    let busy = Controls {
        train: false,
        stop: true,
        load: false,
        measure: false,
    };
    assert_eq!(s.controls(), busy);
    worker(
        &mut s,
        Event::RunStarted {
            run: "plain".into(),
            backend: crate::backend::BackendKind::Flex,
            note: None,
            config: request.config.clone(),
            train_images: 50_000,
            val_images: 10_000,
            batches_per_epoch: 391,
        },
    );
    let config = s.runs()[0].saved.config.clone().unwrap();
    assert_eq!(
        (config.train_samples, config.backend),
        (50_000, Some(crate::backend::BackendKind::Flex))
    );

    let commands = s.update(Input::Stop);
    assert_eq!(posted(&commands), [&Request::Stop]);
    assert!(!s.controls().stop, "Stop is pressed once");
    assert!(posted(&s.update(Input::Stop)).is_empty());
    let commands = end(&mut s, "plain", RunEnd::Stopped { epoch: 1, batch: 7 });
    assert!(commands.contains(&Command::Persist("plain".into())));
    assert!(
        said(&commands, Line::RunStatus)
            .unwrap()
            .contains("stopped by you")
    );
    assert_eq!(s.running(), None);
    assert!(s.controls().train && s.controls().load && !s.controls().stop);
}

#[test]
fn runs_are_numbered_per_model() {
    let mut s = ready();
    for model in ["plain", "plain", "deeper", "plain"] {
        train(&mut s, model);
        let name = s.running().unwrap().to_string();
        end(&mut s, &name, RunEnd::Completed);
    }
    assert_eq!(names(&s), ["plain", "plain #2", "deeper", "plain #3"]);
    s.update(Input::Remove {
        run: "plain #2".into(),
    });
    train(&mut s, "plain");
    assert_eq!(
        s.running(),
        Some("plain #2"),
        "a removed name is free again"
    );
}

#[test]
fn bad_settings_start_nothing_and_say_which_field() {
    let mut s = ready();
    let mut form = tutorial();
    form.set(Field::Epochs, "0");
    let commands = s.update(Input::Train { form, now: 0.0 });
    assert!(posted(&commands).is_empty());
    assert!(
        said(&commands, Line::RunError)
            .unwrap()
            .starts_with("epochs")
    );
    assert!(s.runs().is_empty() && s.controls().train);
}

#[test]
fn a_refused_train_is_not_kept_as_a_run() {
    let mut s = ready();
    train(&mut s, "plain");
    let message = "busy loading the data: wait for it to finish (or press Stop)".to_string();
    let commands = worker(
        &mut s,
        Event::Refused {
            message: message.clone(),
        },
    );
    assert_eq!(said(&commands, Line::RunError), Some(message.as_str()));
    assert!(s.runs().is_empty());
    assert_eq!(s.running(), None);
    assert!(s.controls().train);
}

/// `ready()`, from a session that already read its stored runs.
pub(super) fn ready_with(mut s: Session) -> Session {
    let fresh = ready();
    s.data = fresh.data;
    s.worker = fresh.worker;
    s
}

#[test]
fn progress_moves_the_live_point_and_an_epoch_replaces_it() {
    let mut s = ready();
    train(&mut s, "plain");
    let progress = BatchProgress {
        epoch: 1,
        epochs: 8,
        batch: 10,
        batches: 391,
        samples_done: 25_000,
        samples_total: 50_000,
        elapsed: 5.0,
        loss: 2.0,
        acc: 0.2,
    };
    let progressed = |s: &mut Session| {
        let progress = progress.clone();
        let memory_bytes = Some(59_000_000);
        let run = "plain".into();
        worker(
            s,
            Event::Progress {
                run,
                progress,
                memory_bytes,
            },
        )
    };
    // Before RunStarted the run's sizes are unknown: no time left.
    let line = said(&progressed(&mut s), Line::Progress)
        .unwrap()
        .to_string();
    assert!(line.ends_with("acc 0.2000"), "{line}");
    let started = worker(
        &mut s,
        Event::RunStarted {
            run: "plain".into(),
            backend: crate::backend::BackendKind::Flex,
            note: None,
            config: TrainConfig::tutorial(Architecture::Plain),
            train_images: 50_000,
            val_images: 10_000,
            batches_per_epoch: 391,
        },
    );
    // 375,000 images left at 5,000 img/s, and eight validations: about 80 s. The line is
    // worked out from the state, so it has the time left as soon as the sizes are known.
    let line = said(&started, Line::Progress).unwrap();
    assert!(line.ends_with("acc 0.2000 · about 1 min left"), "{line}");
    let commands = progressed(&mut s);
    assert_eq!(said(&commands, Line::Progress), None, "nothing new to say");
    assert_eq!(said(&commands, Line::Memory), Some("59 MB"));
    assert_eq!(said(&commands, Line::BatchTime), Some("500 ms"));
    assert!(commands.contains(&Command::EpochProgress(0.5)));
    assert_eq!(s.runs()[0].live.map(|p| p.position), Some(0.5));
    let commands = epoch(&mut s, "plain", 1);
    assert!(commands.contains(&Command::Persist("plain".into())));
    assert_eq!(s.runs()[0].live, None);
}

#[test]
fn train_says_what_it_waits_for() {
    let mut s = Session::default();
    assert_eq!(
        s.train_reason().as_deref(),
        Some("Load the data set first (Data, at the top of the page).")
    );
    s.update(Input::LoadUrl {
        base: "http://localhost/data/".into(),
    });
    assert_eq!(
        s.train_reason().as_deref(),
        Some("Waiting for the data set to load…")
    );
    let mut s = ready();
    train(&mut s, "plain");
    assert_eq!(
        s.train_reason(),
        None,
        "the run bar speaks while a run trains"
    );
}
