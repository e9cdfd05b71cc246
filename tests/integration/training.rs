//! The training loop end to end on a small learnable data set, and the ways a run can end.

use crate::common::take_turn;
use burn::module::Module;
use burn::tensor::{Device, Distribution, Tensor};
use cifar_lab::data::{
    Augment, DataSpec, ImageSet, MAX_TRANSLATE, Splits, ValidationSource, synthetic,
};
use cifar_lab::eval::{RunMetrics, evaluate};
use cifar_lab::history::History;
use cifar_lab::model::{
    Architecture, Cnn, ModelSpec, WeightsError, load_weights, save_weights, weights_from_bytes,
    weights_to_bytes,
};
use cifar_lab::optim::OptimizerKind;
use cifar_lab::train::{
    BatchProgress, CancelToken, InProcess, ModelState, NoObserver, Observer, RunEnd, ShardBatch,
    ShardError, ShardGradients, ShardPool, TrainConfig, TrainError, TrainEvent, TrainOutcome,
    train, train_in_shards,
};
use futures_lite::future::block_on;

fn device() -> Device {
    Device::flex().autodiff()
}

fn splits(train: usize, val: usize) -> Splits {
    Splits {
        train: synthetic::banded(train, 1),
        validation: synthetic::banded(val, 2),
        validation_picked: None,
    }
}

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 32,
        readback_every: 2,
        ..TrainConfig::tutorial(Architecture::Plain)
    }
}

#[derive(Default)]
struct Recorder {
    progress: Vec<BatchProgress>,
    epochs_done: usize,
    evaluations: usize,
    cancel_after_progress: Option<(usize, CancelToken)>,
}

impl Observer for Recorder {
    fn on_event(&mut self, event: TrainEvent<'_>) {
        match event {
            TrainEvent::BatchDone(p) => {
                self.progress.push(p);
                if let Some((n, token)) = &self.cancel_after_progress
                    && self.progress.len() == *n
                {
                    token.cancel();
                }
            }
            TrainEvent::EvaluationDone { evaluation, .. } => {
                assert_eq!(
                    evaluation.predictions.len(),
                    evaluation.confusion.total() as usize
                );
                self.evaluations += 1;
            }
            TrainEvent::EpochDone(_) => self.epochs_done += 1,
            _ => {}
        }
    }
}

fn run(config: &TrainConfig, splits: &Splits, observer: &mut impl Observer) -> TrainOutcome {
    let device = device();
    device.seed(config.seed);
    let model = Cnn::new(&config.model, &device);
    block_on(train(
        config,
        model,
        splits,
        &device,
        observer,
        &CancelToken::new(),
    ))
}

#[test]
fn learns_a_learnable_data_set_and_reports_progress() {
    let _turn = take_turn();
    let splits = splits(200, 60);
    let mut recorder = Recorder::default();
    let outcome = run(&config(6), &splits, &mut recorder);
    assert!(
        matches!(outcome.end, RunEnd::Completed),
        "{:?}",
        outcome.end
    );
    let h = &outcome.history;
    assert_eq!(h.len(), 6);
    let last = h.last().unwrap();
    assert!(
        last.val_acc >= 0.9,
        "validation accuracy {:.3}: {h:?}",
        last.val_acc
    );
    assert!(last.acc >= 0.8, "training accuracy {:.3}", last.acc);
    assert!(h.epochs[0].loss > last.loss, "loss falls");
    assert!(
        h.epochs
            .iter()
            .all(|e| e.seconds > 0.0 && e.us_per_sample > 0.0 && e.lr == 1.0)
    );

    // 200 images / 32 = 7 batches; read back after batches 2, 4, 6 and 7.
    assert_eq!(recorder.epochs_done, 6);
    assert_eq!(recorder.evaluations, 6);
    let first_epoch: Vec<(usize, usize)> = recorder
        .progress
        .iter()
        .filter(|p| p.epoch == 1)
        .map(|p| (p.batch, p.samples_done))
        .collect();
    assert_eq!(first_epoch, [(2, 64), (4, 128), (6, 192), (7, 200)]);
    let end_of_first = recorder.progress[3].clone();
    // The running numbers at the epoch's end are the epoch's record.
    assert!((end_of_first.loss - h.epochs[0].loss).abs() < 1e-12);
    assert!((end_of_first.acc - h.epochs[0].acc).abs() < 1e-12);

    // The final evaluation agrees with a fresh one of the returned model.
    let device = device();
    let evaluated = outcome.evaluated.unwrap();
    assert_eq!(evaluated.epoch, 6);
    let evaluation = evaluated.evaluation;
    let again = block_on(evaluate(&evaluated.model, &splits.validation, 50, &device)).unwrap();
    assert_eq!(again.predictions, evaluation.predictions);
    assert!((again.accuracy - last.val_acc).abs() < 1e-12);
    assert_eq!(evaluation.confusion.total(), 60);
    assert!(
        evaluation
            .confidence
            .iter()
            .all(|&c| (0.1..=1.0).contains(&c))
    );
    let metrics = RunMetrics::new(&evaluation, h, &Default::default());
    assert!((metrics.report.accuracy - last.val_acc).abs() < 1e-12);
}

#[test]
fn same_seed_same_run() {
    let _turn = take_turn();
    let splits = splits(64, 20);
    let config = TrainConfig {
        model: Architecture::Dropout.into(),
        ..config(2)
    };
    let a = run(&config, &splits, &mut NoObserver).history;
    let b = run(&config, &splits, &mut NoObserver).history;
    let strip = |h: &History| -> Vec<(f64, f64, f64, f64)> {
        h.epochs
            .iter()
            .map(|e| (e.loss, e.acc, e.val_loss, e.val_acc))
            .collect()
    };
    assert_eq!(strip(&a), strip(&b));
    let c = run(&TrainConfig { seed: 7, ..config }, &splits, &mut NoObserver).history;
    assert_ne!(strip(&a), strip(&c));
}

/// A batch's gradient computed in shards, as the page's CPU workers will, trains the same
/// model as the whole batch at once (no dropout or batch norm, which draw per shard), up to
/// float rounding; the shards' losses and accuracies add up to the batch's.
#[test]
fn a_batch_in_shards_trains_as_the_whole_batch() {
    let _turn = take_turn();
    let splits = splits(60, 20);
    let whole = TrainConfig {
        model: ModelSpec::parse("conv 8 3 relu, maxpool 2, conv 8 3 relu, flatten, dense 10")
            .unwrap(),
        batch_size: 20,
        ..config(2)
    };
    let epochs = |config: &TrainConfig| -> Vec<[f64; 4]> {
        let outcome = run(config, &splits, &mut NoObserver);
        assert!(
            matches!(outcome.end, RunEnd::Completed),
            "{:?}",
            config.shards
        );
        let history = outcome.history.epochs;
        history
            .iter()
            .map(|e| [e.loss, e.acc, e.val_loss, e.val_acc])
            .collect()
    };
    let reference = epochs(&whole);
    assert_ne!(reference[0], reference[1], "the model trains");
    for shards in [2, 3, 7] {
        let sharded = epochs(&TrainConfig {
            shards,
            ..whole.clone()
        });
        for (a, b) in reference.iter().zip(&sharded) {
            for (x, y) in a.iter().zip(b) {
                assert!((x - y).abs() < 1e-4, "{shards} shards: {b:?} vs {a:?}");
            }
        }
    }
}

/// Helpers that work for a while and then one fails (a worker that crashed): the run ends
/// there as a failure naming the worker, and keeps the epochs it completed.
struct FailingHelpers {
    helpers: InProcess,
    steps_left: usize,
}

impl ShardPool for FailingHelpers {
    fn helpers(&self) -> usize {
        self.helpers.helpers()
    }

    fn send(&mut self, state: ModelState, shards: Vec<ShardBatch>) -> Result<(), ShardError> {
        self.helpers.send(state, shards)
    }

    async fn receive(&mut self) -> Result<Vec<ShardGradients>, ShardError> {
        if self.steps_left == 0 {
            return Err(ShardError::Helper {
                worker: 2,
                workers: 2,
                message: "it crashed: unreachable executed".into(),
            });
        }
        self.steps_left -= 1;
        self.helpers.receive().await
    }
}

#[test]
fn a_helper_that_fails_ends_the_run_and_keeps_its_epochs() {
    let _turn = take_turn();
    let splits = splits(60, 20);
    let config = TrainConfig {
        model: ModelSpec::parse("conv 8 3 relu, maxpool 2, flatten, dense 10").unwrap(),
        batch_size: 20,
        shards: 2,
        ..config(3)
    };
    let device = device();
    device.seed(config.seed);
    let model = Cnn::new(&config.model, &device);
    // Three batches an epoch: the fifth step is epoch 2's second batch.
    let mut pool = FailingHelpers {
        helpers: InProcess::new(1, &config.model, 0.0, &device),
        steps_left: 4,
    };
    let outcome = block_on(train_in_shards(
        &config,
        model,
        &splits,
        &device,
        &mut NoObserver,
        &CancelToken::new(),
        &mut pool,
    ));
    let RunEnd::Failed { error } = &outcome.end else {
        panic!("{:?}", outcome.end.described());
    };
    assert_eq!(
        error.to_string(),
        "at epoch 2: training worker 2 of 2 failed: it crashed: unreachable executed"
    );
    assert_eq!(outcome.history.epochs.len(), 1);
    assert_eq!(outcome.evaluated.map(|e| e.epoch), Some(1));
    // A pool of the wrong size is refused before any step.
    let mut three = InProcess::new(2, &config.model, 0.0, &device);
    let model = Cnn::new(&config.model, &device);
    let refused = block_on(train_in_shards(
        &config,
        model,
        &splits,
        &device,
        &mut NoObserver,
        &CancelToken::new(),
        &mut three,
    ));
    assert!(matches!(
        refused.end,
        RunEnd::Failed {
            error: TrainError::Config(_)
        }
    ));
}

/// Augmented runs are as reproducible as plain ones, and the augmentation does change what
/// the network sees (the validation images never are).
#[test]
fn augmentation_is_seeded_and_changes_the_run() {
    let _turn = take_turn();
    let splits = splits(64, 20);
    let plain = config(2);
    let augmented = TrainConfig {
        augment: Augment {
            flip: true,
            translate: 2,
        },
        ..plain.clone()
    };
    let a = run(&augmented, &splits, &mut NoObserver).history;
    let b = run(&augmented, &splits, &mut NoObserver).history;
    let losses = |h: &History| -> Vec<(f64, f64)> {
        h.epochs.iter().map(|e| (e.loss, e.val_loss)).collect()
    };
    assert_eq!(losses(&a), losses(&b));
    let unaugmented = run(&plain, &splits, &mut NoObserver).history;
    assert_ne!(losses(&a), losses(&unaugmented));
    let too_far = TrainConfig {
        augment: Augment {
            flip: false,
            translate: MAX_TRANSLATE + 1,
        },
        ..plain
    };
    let refused = run(&too_far, &splits, &mut NoObserver).end;
    assert!(matches!(
        refused,
        RunEnd::Failed {
            error: TrainError::Config(_)
        }
    ));
}

#[test]
fn cancel_stops_within_one_batch_and_keeps_history() {
    let _turn = take_turn();
    let splits = splits(96, 20);
    let token = CancelToken::new();
    // 3 batches of 32 per epoch, read back every batch: cancel after the 5th read-back, which
    // is batch 2 of epoch 2.
    let config = TrainConfig {
        readback_every: 1,
        ..config(3)
    };
    let mut recorder = Recorder {
        cancel_after_progress: Some((5, token.clone())),
        ..Default::default()
    };
    let device = device();
    let model = Cnn::new(&config.model, &device);
    let outcome = block_on(train(
        &config,
        model,
        &splits,
        &device,
        &mut recorder,
        &token,
    ));
    assert!(
        matches!(outcome.end, RunEnd::Stopped { epoch: 2, batch: 3 }),
        "{:?}",
        outcome.end
    );
    assert_eq!(outcome.history.len(), 1);
    assert_eq!(recorder.progress.len(), 5);
    // The model kept is the one epoch 1's row describes, not the one stopped mid-epoch 2.
    let evaluated = outcome.evaluated.expect("epoch 1 was evaluated");
    assert_eq!(evaluated.epoch, 1);
    let again = block_on(evaluate(&evaluated.model, &splits.validation, 50, &device)).unwrap();
    assert_eq!(again.loss, outcome.history.epochs[0].val_loss);
}

/// One batch per epoch: the step after it blows the weights up, so the training loss read
/// for epoch 1 is finite and the validation loss after it is not.
#[test]
fn a_diverged_validation_ends_the_run_and_keeps_no_weights() {
    let _turn = take_turn();
    let config = TrainConfig {
        optimizer: OptimizerKind::Sgd,
        lr: 1e30,
        batch_size: 32,
        ..config(3)
    };
    let outcome = run(&config, &splits(32, 20), &mut NoObserver);
    let RunEnd::Failed {
        error: TrainError::NonFiniteValidation { epoch, loss },
    } = outcome.end
    else {
        panic!(
            "expected a non-finite validation loss, got {:?}",
            outcome.end
        );
    };
    assert_eq!(epoch, 1);
    assert!(!loss.is_finite());
    assert!(outcome.history.is_empty());
    assert!(
        outcome.evaluated.is_none(),
        "no weights of a diverged model"
    );
}

#[test]
fn diverging_loss_stops_with_epoch_and_batch() {
    let _turn = take_turn();
    let splits = splits(64, 20);
    let config = TrainConfig {
        optimizer: OptimizerKind::Sgd,
        lr: 1e30,
        readback_every: 4,
        ..config(3)
    };
    let outcome = run(&config, &splits, &mut NoObserver);
    let RunEnd::Failed {
        error: TrainError::NonFiniteLoss { epoch, batch, loss },
    } = outcome.end
    else {
        panic!("expected a non-finite loss, got {:?}", outcome.end);
    };
    assert!(!loss.is_finite());
    assert!(
        batch >= 2,
        "the first batch's loss is finite, got batch {batch}"
    );
    assert_eq!(outcome.history.len(), epoch - 1);
    let message = TrainError::NonFiniteLoss { epoch, batch, loss }.to_string();
    assert!(
        message.contains(&format!("epoch {epoch}, batch {batch}")),
        "{message}"
    );
}

#[test]
fn invalid_settings_fail_cleanly() {
    let _turn = take_turn();
    let outcome = run(
        &TrainConfig {
            batch_size: 0,
            ..config(1)
        },
        &splits(10, 10),
        &mut NoObserver,
    );
    assert!(matches!(
        outcome.end,
        RunEnd::Failed {
            error: TrainError::Config(_)
        }
    ));
    for bad in [
        TrainConfig {
            epochs: 0,
            ..config(1)
        },
        TrainConfig {
            lr: f64::NAN,
            ..config(1)
        },
        TrainConfig {
            lr: -1.0,
            ..config(1)
        },
        TrainConfig {
            readback_every: 0,
            ..config(1)
        },
        TrainConfig {
            shards: 0,
            ..config(1)
        },
    ] {
        let outcome = run(&bad, &splits(10, 10), &mut NoObserver);
        let RunEnd::Failed {
            error: TrainError::Config(reason),
        } = outcome.end
        else {
            panic!("{bad:?} should be refused");
        };
        assert!(reason.contains("must all be positive"), "{reason}");
        assert!(outcome.history.is_empty());
    }
}

#[test]
fn held_out_validation_never_uses_the_test_batch() {
    let train_set = synthetic::banded(100, 1);
    let test = ImageSet {
        labels: vec![0; 5],
        pixels: vec![255; 5 * 3072],
    };
    let s = Splits::new(
        &train_set,
        &test,
        DataSpec {
            subset: None,
            validation: ValidationSource::HeldOut(0.2),
        },
        0,
    )
    .unwrap();
    assert_eq!(s.validation.len(), 20);
    assert!(
        !s.validation
            .pixels
            .chunks(3072)
            .any(|img| img == test.image(0))
    );
}

#[test]
fn weights_round_trip_with_their_model_and_batch_norm_statistics() {
    let _turn = take_turn();
    let device = device();
    let splits = splits(40, 30);
    let spec = ModelSpec::from(Architecture::DeeperBn);
    let model = Cnn::new(&spec, &device);
    // A training-mode pass moves batch norm's running statistics off their start (0 and 1),
    // so evaluating the loaded copy the same way shows they were saved.
    let images = Tensor::<4>::random([16, 3, 32, 32], Distribution::Default, &device);
    let _ = model.forward(images);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("model.bpk");
    save_weights(&model, &spec, &path).unwrap();
    let (found, loaded) = load_weights(&path, None, &device).unwrap();
    assert_eq!(found, spec, "the file says which model it holds");
    let fresh = Cnn::new(&spec, &device);
    let a = block_on(evaluate(&model, &splits.validation, 16, &device)).unwrap();
    let b = block_on(evaluate(&loaded, &splits.validation, 16, &device)).unwrap();
    let c = block_on(evaluate(&fresh, &splits.validation, 16, &device)).unwrap();
    assert_eq!((&a.predictions, a.loss), (&b.predictions, b.loss));
    assert_ne!(a.loss, c.loss, "a fresh model evaluates differently");

    let bytes = std::fs::read(&path).unwrap();
    let err = weights_from_bytes(&Architecture::Plain.into(), "m.bpk", bytes, &device).unwrap_err();
    assert!(matches!(err, WeightsError::Mismatch { .. }), "{err}");
    assert!(err.to_string().contains("`plain` model"), "{err}");

    let junk = tmp.path().join("junk.bpk");
    std::fs::write(&junk, b"not weights at all").unwrap();
    let err = load_weights(&junk, None, &device).unwrap_err();
    assert!(matches!(err, WeightsError::Unrecognised { .. }), "{err}");
    assert!(err.to_string().contains("junk.bpk"));
}

/// Files saved before weights recorded their model load with the model named for them.
#[test]
fn weights_without_a_recorded_model_need_one_named() {
    let _turn = take_turn();
    let device = device();
    let spec = ModelSpec::from(Architecture::Deeper);
    let model = Cnn::new(&spec, &device);
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("old.bpk");
    model.into_record().save(&path).unwrap();
    let err = load_weights(&path, None, &device).unwrap_err();
    assert!(matches!(err, WeightsError::NoModel { .. }), "{err}");
    let (found, _) = load_weights(&path, Some(&spec), &device).unwrap();
    assert_eq!(found, spec);
    let err = load_weights(&path, Some(&Architecture::Plain.into()), &device).unwrap_err();
    assert!(matches!(err, WeightsError::Mismatch { .. }), "{err}");
}

/// The browser's path: bytes written with asynchronous reads only, read back from bytes; the
/// file format is the same as `save_weights`'.
#[test]
fn weights_as_bytes_round_trip_and_match_the_file_format() {
    let _turn = take_turn();
    let device = device();
    let splits = splits(40, 30);
    let model = Cnn::new(&Architecture::Plain.into(), &device);
    let bytes = block_on(weights_to_bytes(&model, &Architecture::Plain.into())).unwrap();
    let again = block_on(weights_to_bytes(&model, &Architecture::Plain.into())).unwrap();
    assert!(bytes == again, "the same model saves to the same bytes");
    let loaded = weights_from_bytes(
        &Architecture::Plain.into(),
        "run.bpk",
        bytes.clone(),
        &device,
    )
    .unwrap();
    let a = block_on(evaluate(&model, &splits.validation, 16, &device)).unwrap();
    let b = block_on(evaluate(&loaded, &splits.validation, 16, &device)).unwrap();
    assert_eq!((a.predictions, a.loss), (b.predictions, b.loss));

    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("model.bpk");
    std::fs::write(&path, &bytes).unwrap();
    assert!(load_weights(&path, None, &device).is_ok());

    let err =
        weights_from_bytes(&Architecture::Deeper.into(), "run.bpk", bytes, &device).unwrap_err();
    assert!(matches!(err, WeightsError::Mismatch { .. }), "{err}");
    let err = weights_from_bytes(
        &Architecture::Plain.into(),
        "x.bpk",
        b"junk".to_vec(),
        &device,
    )
    .unwrap_err();
    assert!(matches!(err, WeightsError::Read { .. }), "{err}");
    assert!(matches!(
        block_on(weights_to_bytes(&model, &Architecture::Deeper.into())),
        Err(WeightsError::Save { .. })
    ));
}

#[test]
fn history_round_trips_through_json_and_csv() {
    let _turn = take_turn();
    let history = run(&config(2), &splits(40, 20), &mut NoObserver).history;
    assert_eq!(History::from_json(&history.to_json()).unwrap(), history);
    let csv = history.to_csv();
    assert!(csv.starts_with("epoch,acc,loss,val_acc,val_loss,seconds\n0,"));
    let back = History::from_csv(&csv).unwrap();
    for (a, b) in back.epochs.iter().zip(&history.epochs) {
        assert_eq!(
            (a.epoch, a.acc, a.loss, a.val_acc, a.val_loss, a.seconds),
            (b.epoch, b.acc, b.loss, b.val_acc, b.val_loss, b.seconds)
        );
    }
    assert!(History::from_csv("epoch,loss\n").is_err());
    let err =
        History::from_csv("epoch,acc,loss,val_acc,val_loss,seconds\n0,x,1,1,1,1\n").unwrap_err();
    assert!(err.to_string().contains("line 2"), "{err}");
}
