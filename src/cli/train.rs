use std::time::Instant;

use cifar_lab::data::{Cifar10, Splits, ValidationSource};
use cifar_lab::eval::RunMetrics;
use cifar_lab::model::{Cnn, Summary, save_weights};
use cifar_lab::train::{CancelToken, RunConfig, RunEnd, TrainConfig, train};
use futures_lite::future::block_on;

use super::CliError;
use super::args::TrainArgs;
use super::progress::ConsoleProgress;
use super::run_dir::RunDir;
use cifar_lab::report::{RunFiles, RunSummary, report_html};

pub fn load_data(path: &std::path::Path) -> Result<Cifar10, CliError> {
    let started = Instant::now();
    let data = Cifar10::load(path)?;
    println!(
        "Loaded {} training and {} test images from {} in {:.1}s",
        data.train.len(),
        data.test.len(),
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(data)
}

/// The first Ctrl-C stops training before the next batch and still writes the run; a second
/// one quits at once.
fn stop_on_ctrl_c() -> CancelToken {
    let cancel = CancelToken::new();
    let flag = cancel.clone();
    let installed = ctrlc::set_handler(move || {
        if flag.is_cancelled() {
            std::process::exit(130);
        }
        eprintln!("\nStopping after this batch; the run so far is kept (Ctrl-C again quits now)");
        flag.cancel();
    });
    if let Err(e) = installed {
        eprintln!("note: Ctrl-C will quit without saving ({e})");
    }
    cancel
}

pub fn run(args: TrainArgs) -> Result<(), CliError> {
    let data = load_data(&args.data)?;
    let validation = match args.val_split {
        Some(f) => ValidationSource::HeldOut(f),
        None => ValidationSource::TestBatch,
    };
    let splits = Splits::new(&data.train, &data.test, validation, args.subset, args.seed)?;
    let config = TrainConfig {
        model: args.model,
        epochs: args.epochs.unwrap_or(args.model.tutorial_epochs()),
        batch_size: args.batch_size,
        optimizer: args.optimizer,
        lr: args.lr.unwrap_or(args.optimizer.default_lr()),
        seed: args.seed,
        readback_every: args.readback_every,
    };
    let run_config = RunConfig {
        train: config.clone(),
        train_samples: splits.train.len(),
        val_samples: splits.validation.len(),
        subset: args.subset,
        validation,
        backend: args.backend.to_string(),
    };
    let out = RunDir::create(&args.out)?;
    out.write(
        RunFiles::CONFIG_JSON,
        &serde_json::to_string_pretty(&run_config).expect("config serialises"),
    )?;

    let device = block_on(args.backend.init())?;
    device.seed(config.seed);
    println!("{}", Summary::new(config.model));
    println!(
        "Training `{}` for {} epochs on {} (batch {}, {} lr {})",
        config.model, config.epochs, args.backend, config.batch_size, config.optimizer, config.lr
    );
    let model = Cnn::new(config.model, &device);
    let cancel = stop_on_ctrl_c();
    let outcome = block_on(train(
        &config,
        model,
        &splits,
        &device,
        &mut ConsoleProgress::new(),
        &cancel,
    ));

    // Whatever happened, keep what was learned so far.
    let history = &outcome.history;
    out.write(RunFiles::HISTORY_JSON, &history.to_json())?;
    out.write(RunFiles::HISTORY_CSV, &history.to_csv())?;
    let metrics = outcome
        .evaluation
        .as_ref()
        .map(|evaluation| RunMetrics::new(evaluation, history, &data.classes));
    if let (Some(evaluation), Some(metrics)) = (&outcome.evaluation, &metrics) {
        out.write(
            RunFiles::CONFUSION_CSV,
            &evaluation.confusion.to_csv(data.classes.as_slice()),
        )?;
        out.write(RunFiles::METRICS_JSON, &metrics.to_json())?;
        println!("\n{}", metrics.report.to_text(data.classes.as_slice()));
        println!("Most confused (true → predicted):");
        for pair in &metrics.top_confusions {
            println!(
                "  {} → {}: {} ({:.1}% of {})",
                data.classes.name(pair.truth),
                data.classes.name(pair.predicted),
                pair.count,
                pair.share_of_truth * 100.0,
                data.classes.name(pair.truth)
            );
        }
        println!("\nDiagnosis: {}", metrics.diagnosis.summary);
    }
    let summary = RunSummary {
        name: args
            .out
            .file_name()
            .map_or("run".into(), |n| n.to_string_lossy().into_owned()),
        config: Some(run_config),
        history: outcome.history.clone(),
        metrics,
    };
    out.write(RunFiles::REPORT_HTML, &report_html(&[summary])?)?;
    match outcome.end {
        // The weights of a diverged run are NaN: not worth saving.
        RunEnd::Failed(error) => Err(error.into()),
        end => {
            if let RunEnd::Cancelled { epoch, batch } = end {
                println!("Stopped by the user at epoch {epoch}, batch {batch}");
            }
            save_weights(&outcome.model, &out.path(RunFiles::WEIGHTS))?;
            println!("Wrote {}", args.out.display());
            Ok(())
        }
    }
}
