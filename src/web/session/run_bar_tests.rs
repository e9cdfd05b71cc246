//! The run bar's words follow the runs: each epoch says which comes next, the end how it
//! went, and after a reload the newest stored run.

use super::tests::*;
use super::*;
use crate::history::{EpochRecord, History};
use crate::train::RunEnd;
use crate::web::protocol::Event;

fn record(epoch: usize, val_acc: f64) -> EpochRecord {
    EpochRecord {
        epoch,
        loss: 1.0,
        acc: 0.5,
        val_loss: 1.1,
        val_acc,
        seconds: 40.0,
        us_per_sample: 100.0,
        lr: 1.0,
    }
}

/// As `ready`, but the stored runs not read yet.
fn ready_without_runs() -> Session {
    let mut s = ready();
    s.restored = false;
    s
}

#[test]
fn each_epoch_says_which_comes_next_and_the_end_says_how_it_went() {
    let mut s = ready();
    train(&mut s, "plain");
    let out = worker(
        &mut s,
        Event::Validating {
            run: "plain".into(),
            epoch: 1,
        },
    );
    assert!(
        said(&out, Line::RunStatus)
            .unwrap()
            .starts_with("Epoch 1: evaluating")
    );
    let out = epoch(&mut s, "plain", 1);
    // Not "Epoch 1: evaluating…" while epoch 2 trains; and not "done", which says the run
    // ended (scripts and the tests wait for it).
    assert_eq!(
        said(&out, Line::RunStatus),
        Some("plain: epoch 1 of 8 finished, val_acc 0.5000; training epoch 2…")
    );
    epoch(&mut s, "plain", 2);
    let out = end(&mut s, "plain", RunEnd::Stopped { epoch: 3, batch: 4 });
    // Not the last batch's "under a minute left".
    assert_eq!(
        said(&out, Line::Progress),
        Some("plain: stopped by you in epoch 3 · 2 epochs in 20 s · val_acc 0.5000")
    );
    assert!(out.contains(&Command::EpochProgress(0.25)));
}

#[test]
fn after_a_reload_progress_tells_the_newest_stored_run() {
    let mut s = ready_without_runs();
    let mut older = stored("plain", 1.0);
    older.history = History::default();
    let mut newer = stored("deeper", 2.0);
    let mut history = History::default();
    history.push(record(1, 0.41));
    history.push(record(2, 0.52));
    history.push(record(3, 0.49));
    newer.history = history;
    let out = s.update(Input::Restored(Ok(vec![Ok(older), Ok(newer)])));
    assert_eq!(
        said(&out, Line::Progress),
        Some("deeper: done · 3 epochs in 2 min 00 s · val_acc 0.4900 (best 0.5200 at epoch 2)")
    );
    assert_eq!(
        said(&out, Line::RunsStatus),
        Some("2 runs from earlier visits listed.")
    );
    let mut s = ready_without_runs();
    let out = s.update(Input::Restored(Ok(vec![Ok(stored("plain", 1.0))])));
    assert_eq!(
        said(&out, Line::RunsStatus),
        Some("1 run from earlier visits listed.")
    );
    assert_eq!(
        said(&out, Line::Progress),
        Some("plain: done, before its first epoch ended")
    );
}

/// The run bar is worked out from the runs, so it follows a removal (it used to keep the
/// removed run's words) and a refused Train, and a restored run's status is its own.
#[test]
fn the_run_bar_follows_the_runs_it_speaks_of() {
    let mut s = ready();
    for run in ["plain", "plain #2"] {
        train(&mut s, "plain");
        epoch(&mut s, run, 1);
        end(&mut s, run, RunEnd::Completed);
    }
    let out = s.update(Input::Remove {
        run: "plain #2".into(),
    });
    assert_eq!(
        said(&out, Line::Progress),
        Some("plain: done · 1 epoch in 10 s · val_acc 0.5000")
    );
    assert_eq!(said(&out, Line::RunStatus), Some("plain: done."));
    let out = s.update(Input::Remove {
        run: "plain".into(),
    });
    assert_eq!(said(&out, Line::Progress), Some("No run yet."));
    assert_eq!(said(&out, Line::RunStatus), Some(""));

    // A refused Train: its run is gone, the status says so until the next Train.
    train(&mut s, "plain");
    let message = "busy training: wait for it to finish (or press Stop)".to_string();
    let out = worker(&mut s, Event::Refused { message });
    assert_eq!(said(&out, Line::RunStatus), Some("plain did not start."));
    assert_eq!(said(&out, Line::Progress), Some("No run yet."));
    let out = train(&mut s, "plain");
    assert_eq!(said(&out, Line::RunStatus), Some("Starting plain…"));
    assert_eq!(said(&out, Line::Progress), Some("plain: starting…"));

    // After a reload, a run stored while it trained says it was interrupted.
    let mut s = Session::default();
    worker(&mut s, Event::Ready);
    let mut open = stored("deeper", 1.0);
    open.ending = None;
    let out = s.update(Input::Restored(Ok(vec![Ok(open)])));
    assert_eq!(
        said(&out, Line::RunStatus),
        Some("deeper: interrupted (the page was closed while it trained).")
    );
}
