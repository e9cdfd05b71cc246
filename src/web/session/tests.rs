//! The page's behaviour without a browser: inputs in, state and commands out.

use super::*;
use crate::data::ClassNames;
use crate::eval::{ConfidenceHistogram, ConfusionMatrix, Evaluation, RunMetrics};
use crate::history::{EpochRecord, History};
use crate::model::Architecture;
use crate::train::{BatchProgress, TrainConfig};
use crate::web::form::{Field, tutorial};
use crate::web::protocol::{AdapterInfo, CellPage, Event, Request, RunEnding};
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

pub(super) fn end(s: &mut Session, run: &str, ending: RunEnding) -> Vec<Command> {
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
        ending: Some(RunEnding::Completed),
        weights_bytes: None,
    }
}

fn names(s: &Session) -> Vec<&str> {
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
    let commands = end(&mut s, "plain", RunEnding::Stopped { epoch: 1, batch: 7 });
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
        end(&mut s, &name, RunEnding::Completed);
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

#[test]
fn a_crash_keeps_the_epochs_and_starts_a_new_worker() {
    let mut s = ready();
    train(&mut s, "plain");
    epoch(&mut s, "plain", 1);
    let commands = worker(
        &mut s,
        Event::Crashed {
            message: "the training worker crashed: out of memory".into(),
        },
    );
    assert!(commands.contains(&Command::RestartWorker));
    assert!(commands.contains(&Command::Persist("plain".into())));
    let run = &s.runs()[0];
    assert_eq!(run.saved.history.len(), 1);
    assert!(matches!(run.saved.ending, Some(RunEnding::Failed { .. })));
    assert!(!run.in_worker, "the new worker does not have its model");
    assert!(!run.has_weights());
    assert_eq!(s.running(), None);
    assert!(
        !s.controls().train,
        "the new worker must load the data again"
    );
    // The new worker says Ready: the data loads again, then Train is back.
    let commands = worker(&mut s, Event::Ready);
    assert!(commands.contains(&Command::LoadTypedData));
    // The lost model's images are not asked of the new worker.
    let commands = s.update(Input::OpenGallery {
        run: "plain".into(),
        truth: 3,
        predicted: 5,
    });
    assert!(posted(&commands).is_empty());
    assert!(
        said(&commands, Line::GalleryCaption)
            .unwrap()
            .contains("not available")
    );
}

#[test]
fn stored_runs_come_first_oldest_first_in_numeric_order() {
    let mut s = Session::default();
    let kept = vec![
        Ok(stored("plain #10", 0.0)),
        Ok(stored("deeper", 2e12)),
        Err("from another version".to_string()),
        Ok(stored("plain #2", 0.0)),
        Ok(stored("plain", 1e12)),
    ];
    let commands = s.update(Input::Restored(Ok(kept)));
    assert_eq!(names(&s), ["plain #2", "plain #10", "plain", "deeper"]);
    assert_eq!(
        said(&commands, Line::RunsError).unwrap(),
        "A stored run could not be read, so it is not listed: from another version."
    );
    assert!(
        said(&commands, Line::RunsStatus)
            .unwrap()
            .starts_with("4 runs")
    );
    assert!(s.runs().iter().all(|r| !r.in_worker));
    // Numbering continues after the stored runs.
    let mut s = ready_with(s);
    train(&mut s, "plain");
    assert_eq!(s.running(), Some("plain #3"));
}

/// `ready()`, from a session that already read its stored runs.
fn ready_with(mut s: Session) -> Session {
    let fresh = ready();
    s.data = fresh.data;
    s.backend_known = true;
    s
}

#[test]
fn weights_go_where_they_were_asked_for() {
    let mut s = ready();
    s.update(Input::KeepWeights(true));
    train(&mut s, "plain");
    epoch(&mut s, "plain", 1);
    let commands = end(&mut s, "plain", RunEnding::Completed);
    assert!(posted(&commands).contains(&&Request::SaveWeights {
        run: "plain".into()
    }));
    let commands = s.update(Input::Download {
        run: "plain".into(),
        what: Download::Weights,
    });
    assert_eq!(posted(&commands).len(), 1);
    let commands = s.update(Input::Worker {
        event: Event::Weights {
            run: "plain".into(),
            model: Architecture::Plain.into(),
        },
        bytes: Some(vec![1, 2, 3]),
    });
    assert!(commands.iter().any(|c| matches!(
        c,
        Command::Download { file, bytes, .. } if file == "plain.bpk" && bytes.len() == 3
    )));
    assert!(commands.contains(&Command::StoreWeights {
        run: "plain".into(),
        bytes: vec![1, 2, 3],
    }));
    assert_eq!(s.runs()[0].saved.weights_bytes, Some(3));
    // A restored run's weights come from the browser's storage, not the worker.
    let mut s = Session::default();
    let mut kept = stored("plain", 1.0);
    kept.weights_bytes = Some(10);
    s.update(Input::Restored(Ok(vec![Ok(kept), Ok(stored("bare", 2.0))])));
    let commands = s.update(Input::Download {
        run: "plain".into(),
        what: Download::Weights,
    });
    assert!(matches!(&commands[..], [Command::DownloadStored { file, .. }] if file == "plain.bpk"));
    let commands = s.update(Input::Download {
        run: "bare".into(),
        what: Download::Weights,
    });
    assert!(said(&commands, Line::RunsError).is_some());
}

#[test]
fn the_running_run_cannot_be_removed_and_others_are_forgotten() {
    let mut s = ready();
    train(&mut s, "plain");
    end(&mut s, "plain", RunEnding::Completed);
    train(&mut s, "deeper");
    let commands = s.update(Input::Remove {
        run: "deeper".into(),
    });
    assert!(said(&commands, Line::RunsError).is_some());
    assert_eq!(names(&s), ["plain", "deeper"]);
    let commands = s.update(Input::Remove {
        run: "plain".into(),
    });
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Unstore { run, .. } if run == "plain"))
    );
    assert_eq!(names(&s), ["deeper"]);
    assert_eq!(s.history_run().map(RunView::name), Some("deeper"));
    // The running run still gets its epochs after the other one went.
    epoch(&mut s, "deeper", 1);
    assert_eq!(s.runs()[0].saved.history.len(), 1);
}

#[test]
fn loaded_weights_make_an_honest_record() {
    let mut s = ready();
    let mut form = tutorial();
    form.set(Field::Model, "deeper");
    train(&mut s, "plain");
    end(&mut s, "plain", RunEnding::Completed);
    let commands = s.update(Input::LoadWeights {
        file_name: "plain.bpk".into(),
        form,
        now: 2e12,
    });
    let [Request::LoadWeights { run, model, .. }] = posted(&commands)[..] else {
        panic!("expected LoadWeights: {commands:?}");
    };
    assert_eq!(
        (run.as_str(), model.clone()),
        ("plain (loaded)", Architecture::Deeper.into())
    );
    let commands = worker(
        &mut s,
        Event::Evaluated {
            run: run.clone(),
            model: Architecture::Plain.into(),
            val_images: 10_000,
            metrics: metrics(),
            confidence: ConfidenceHistogram::new(&[0.9], &[1], &[1], 4),
        },
    );
    let text = said(&commands, Line::RunsStatus).unwrap();
    assert!(
        text.contains("not the `deeper` model chosen above"),
        "{text}"
    );
    let saved = &s.runs()[1].saved;
    assert_eq!(saved.config, None, "no training settings are made up");
    assert_eq!(saved.model, Architecture::Plain.into());
    assert!(saved.history.is_empty());
    assert!(matches!(&saved.origin, Origin::Loaded { file } if file == "plain.bpk"));
    // After a reload it comes back after the run trained before it.
    let kept: Vec<_> = s.runs().iter().rev().map(|r| Ok(r.saved.clone())).collect();
    let mut reloaded = Session::default();
    reloaded.update(Input::Restored(Ok(kept)));
    assert_eq!(names(&reloaded), ["plain", "plain (loaded)"]);
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
fn the_gallery_pages_through_one_cell() {
    let mut s = ready();
    train(&mut s, "plain");
    epoch(&mut s, "plain", 1);
    // The worker keeps a run's model once it ends (see words_tests for one that trains).
    end(&mut s, "plain", RunEnding::Completed);
    let commands = s.update(Input::OpenGallery {
        run: "plain".into(),
        truth: 3,
        predicted: 5,
    });
    let cell = CellPage {
        run: "plain".into(),
        truth: 3,
        predicted: 5,
        page: 0,
    };
    assert_eq!(posted(&commands), [&Request::Gallery(cell.clone())]);
    assert!(
        said(&commands, Line::GalleryCaption)
            .unwrap()
            .contains("true cat → predicted dog")
    );
    let commands = worker(
        &mut s,
        Event::Gallery {
            cell: cell.clone(),
            total: 50,
            images: Vec::new(),
        },
    );
    assert_eq!(commands, [Command::ShowGallery(Vec::new())]);
    let next = s.update(Input::TurnGalleryPage(1));
    let page_one = CellPage { page: 1, ..cell };
    assert_eq!(posted(&next), [&Request::Gallery(page_one)]);
    let back = s.update(Input::TurnGalleryPage(-1));
    assert!(matches!(
        posted(&back)[..],
        [Request::Gallery(CellPage { page: 0, .. })]
    ));
    // Removing the run closes its gallery: turning pages asks for nothing.
    end(&mut s, "plain", RunEnding::Completed);
    s.update(Input::Remove {
        run: "plain".into(),
    });
    assert!(s.gallery().is_none());
    assert!(posted(&s.update(Input::TurnGalleryPage(1))).is_empty());
}

#[test]
fn stop_cancels_a_download() {
    let mut s = Session::default();
    worker(&mut s, Event::Ready);
    s.update(Input::LoadUrl { base: "d/".into() });
    assert!(s.controls().stop && !s.controls().load);
    let commands = s.update(Input::Stop);
    assert_eq!(posted(&commands), [&Request::Stop]);
    assert_eq!(
        said(&commands, Line::DataStatus),
        Some("Stopping the download…")
    );
    assert!(!s.controls().stop);
    let message = "loading stopped: press Load to start again".to_string();
    let commands = worker(
        &mut s,
        Event::DataFailed {
            message: message.clone(),
        },
    );
    assert_eq!(said(&commands, Line::DataError), Some(message.as_str()));
    let idle = Controls {
        train: false,
        stop: false,
        load: true,
        measure: false,
    };
    assert_eq!(s.controls(), idle);
    assert!(posted(&s.update(Input::Stop)).is_empty(), "nothing to stop");
}

#[test]
fn a_worker_that_traps_is_recovered_like_a_crash() {
    let mut s = ready();
    train(&mut s, "plain");
    epoch(&mut s, "plain", 1);
    let commands = s.update(Input::WorkerError(
        "the training worker failed: RuntimeError: unreachable".into(),
    ));
    assert!(commands.contains(&Command::RestartWorker));
    assert!(commands.contains(&Command::Persist("plain".into())));
    assert_eq!(s.running(), None);
    assert!(matches!(
        s.runs()[0].saved.ending,
        Some(RunEnding::Failed { .. })
    ));
    // A second error from the same dead worker restarts nothing more.
    let again = s.update(Input::WorkerError(
        "the training worker failed: again".into(),
    ));
    assert!(!again.contains(&Command::RestartWorker));
}

#[test]
fn a_worker_that_never_started_is_not_restarted_in_a_loop() {
    let mut s = Session::default();
    let commands = s.update(Input::WorkerError(
        "the training worker failed: module workers unsupported".into(),
    ));
    assert!(!commands.contains(&Command::RestartWorker));
    assert!(
        said(&commands, Line::RunError)
            .unwrap()
            .contains("module workers")
    );
}

#[test]
fn the_worker_forgets_removed_runs_and_says_which_it_dropped() {
    let mut s = ready();
    for _ in 0..2 {
        train(&mut s, "plain");
        let name = s.running().unwrap().to_string();
        epoch(&mut s, &name, 1);
        end(&mut s, &name, RunEnding::Completed);
    }
    let commands = s.update(Input::Remove {
        run: "plain".into(),
    });
    assert!(posted(&commands).contains(&&Request::Forget {
        run: "plain".into()
    }));
    assert!(commands.contains(&Command::Unstore {
        run: "plain".into(),
        key: format!("{:013.0} plain", 1e12),
    }));
    // The worker keeps only its most recent models: it says which went.
    worker(
        &mut s,
        Event::Forgotten {
            runs: vec!["plain #2".into()],
        },
    );
    let run = s.run("plain #2").unwrap();
    assert!(!run.in_worker && !run.has_weights());
    let commands = s.update(Input::OpenGallery {
        run: "plain #2".into(),
        truth: 0,
        predicted: 0,
    });
    assert!(posted(&commands).is_empty());
    // A restored run was never in the worker: removing it asks the worker nothing.
    let mut s = Session::default();
    s.update(Input::Restored(Ok(vec![Ok(stored("old", 1.0))])));
    let commands = s.update(Input::Remove { run: "old".into() });
    assert!(posted(&commands).is_empty());
}

#[test]
fn data_from_another_origin_waits_for_a_click() {
    let mut s = Session::default();
    let commands = s.update(Input::ForeignData {
        origin: "https://elsewhere.example".into(),
    });
    assert!(
        said(&commands, Line::DataStatus)
            .unwrap()
            .contains("https://elsewhere.example")
    );
    let commands = worker(&mut s, Event::Ready);
    assert!(
        !commands.contains(&Command::LoadTypedData),
        "nothing is fetched on open"
    );
    assert!(s.controls().load);
    let commands = s.update(Input::LoadUrl {
        base: "https://elsewhere.example/data/".into(),
    });
    assert_eq!(
        posted(&commands),
        [&Request::LoadUrl {
            base: "https://elsewhere.example/data/".into()
        }]
    );
}

/// A worker drops messages sent before it listens: what the user asks before Ready waits.
#[test]
fn requests_before_the_worker_listens_wait_for_it() {
    let mut s = Session::default();
    s.update(Input::ForeignData {
        origin: "http://elsewhere.example".into(),
    });
    let load = Request::LoadUrl {
        base: "http://elsewhere.example/d/".into(),
    };
    let commands = s.update(Input::LoadUrl {
        base: "http://elsewhere.example/d/".into(),
    });
    assert!(posted(&commands).is_empty(), "held back");
    assert!(!s.controls().load, "the load is under way");
    let commands = worker(&mut s, Event::Ready);
    assert_eq!(posted(&commands), [&Request::Init, &load]);
    assert!(
        !commands.contains(&Command::LoadTypedData),
        "one load, not two"
    );
}

/// A run on WebGPU that fails (a lost device, out of GPU memory) points at the CPU; a CPU
/// run's failure does not.
#[test]
fn a_failed_gpu_run_offers_the_cpu() {
    let started = |backend| Event::RunStarted {
        run: "plain".into(),
        backend,
        note: None,
        config: TrainConfig::tutorial(Architecture::Plain),
        train_images: 1000,
        val_images: 200,
        batches_per_epoch: 8,
    };
    let mut s = ready();
    train(&mut s, "plain");
    worker(&mut s, started(crate::backend::BackendKind::Wgpu));
    let commands = worker(
        &mut s,
        Event::Crashed {
            message: "the training worker crashed: Device lost".into(),
        },
    );
    assert!(
        said(&commands, Line::RunError)
            .unwrap()
            .contains("choose Backend: CPU")
    );

    let mut s = ready();
    train(&mut s, "plain");
    worker(&mut s, started(crate::backend::BackendKind::Wgpu));
    let failed = RunEnding::Failed {
        message: "the compute device failed at epoch 1".into(),
    };
    let commands = end(&mut s, "plain", failed.clone());
    assert!(
        said(&commands, Line::RunError)
            .unwrap()
            .contains("choose Backend: CPU")
    );

    let mut s = ready();
    train(&mut s, "plain");
    worker(&mut s, started(crate::backend::BackendKind::Flex));
    let commands = end(&mut s, "plain", failed);
    assert!(
        !said(&commands, Line::RunError)
            .unwrap()
            .contains("Backend: CPU")
    );
}

/// The augmentation strip follows the form: asked for once the data is there, again when
/// the augmentation or the seed changes, never with settings the form would refuse.
#[test]
fn the_augmentation_strip_follows_the_form() {
    let mut s = Session::default();
    worker(&mut s, Event::Ready);
    let changed = |augment: &str, seed: &str| {
        let mut form = tutorial();
        form.set(Field::Augment, augment);
        form.set(Field::Seed, seed);
        Input::FormEdited {
            field: Field::Augment,
            form,
        }
    };
    let flips_and_shifts = Augment {
        flip: true,
        translate: 2,
    };
    let commands = s.update(changed("flip-shift-2", "42"));
    assert!(posted(&commands).is_empty(), "no data yet: {commands:?}");
    let commands = worker(&mut s, data_ready());
    let asked = Request::AugmentSamples {
        augment: flips_and_shifts,
        seed: 42,
    };
    assert_eq!(posted(&commands), [&asked]);
    let commands = s.update(changed("none", "7"));
    let off = Request::AugmentSamples {
        augment: Augment::default(),
        seed: 7,
    };
    assert_eq!(posted(&commands), [&off]);
    for (augment, seed) in [("rotate", "7"), ("none", "-1")] {
        let commands = s.update(changed(augment, seed));
        assert!(posted(&commands).is_empty(), "{augment} {seed}");
    }

    let images = vec![vec![0u8; 3072]; 8];
    let samples = Event::AugmentSamples {
        index: 7,
        class: 7,
        images: images.clone(),
    };
    let commands = worker(&mut s, samples.clone());
    assert!(commands.contains(&Command::ShowAugmentSamples(images)));
    assert_eq!(
        said(&commands, Line::AugmentCaption),
        Some("Training image #7 (a horse), without augmentation: every epoch sees it the same.")
    );
    s.update(changed("flip-shift-2", "42"));
    let commands = worker(&mut s, samples);
    assert_eq!(
        said(&commands, Line::AugmentCaption),
        Some("Training image #7 (a horse), as 8 epochs see it, flipped and shifted by up to 2 px.")
    );
}
