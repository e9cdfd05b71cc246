//! The worker link: requests wait until it listens; a crash or a trap keeps the epochs and
//! starts a new worker; a worker that never started is not restarted in a loop.

use super::tests::*;
use super::*;
use crate::model::Architecture;
use crate::train::RunEnd;
use crate::train::TrainConfig;
use crate::web::protocol::{Event, Request};

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
    assert!(matches!(run.saved.ending, Some(RunEnd::Failed { .. })));
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
        Some(RunEnd::Failed { .. })
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
    let failed = RunEnd::Failed {
        error: "the compute device failed at epoch 1".into(),
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
