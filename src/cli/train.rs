//! `cifar-lab train`: a run from the command line, its progress on the console and its files
//! written as it goes.

use std::time::Instant;

use cifar_lab::data::{Augment, Cifar10, DataSpec, Splits, ValidationSource};
use cifar_lab::eval::RunMetrics;
use cifar_lab::history::{EpochRecord, History};
use cifar_lab::model::{Cnn, ModelSpec, Summary, burnpack_bytes, on_cpu, torch};
use cifar_lab::train::{CancelToken, Observer, RunConfig, RunEnd, TrainConfig, TrainEvent, train};
use futures_lite::future::block_on;

use super::CliError;
use super::args::TrainArgs;
use super::progress::ConsoleProgress;
use super::run_dir::RunDir;
use cifar_lab::plot::render::EmbeddedFont;
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
    let data_spec = DataSpec {
        subset: args.subset,
        validation: match args.val_split {
            Some(f) => ValidationSource::HeldOut(f),
            None => ValidationSource::TestBatch,
        },
    };
    let splits = Splits::new(&data.train, &data.test, data_spec, args.seed)?;
    // The model's own settings (fast94's recipe, or the tutorial's), then what was asked for.
    let base = TrainConfig::for_model(&args.model);
    let optimizer = args.optimizer.unwrap_or(base.optimizer);
    let asked_augment = Augment {
        flip: args.flip,
        translate: args.translate,
    };
    let config = TrainConfig {
        epochs: args.epochs.unwrap_or(base.epochs),
        model: args.model,
        batch_size: args.batch_size.unwrap_or(base.batch_size),
        optimizer,
        lr: args.lr.unwrap_or(optimizer.default_lr()),
        seed: args.seed,
        readback_every: args.readback_every,
        augment: if asked_augment.is_off() {
            base.augment
        } else {
            asked_augment
        },
        recipe: base.recipe,
        shards: args.shards,
    };
    let run_config = RunConfig {
        train: config.clone(),
        train_samples: splits.train.len(),
        val_samples: splits.validation.len(),
        data: data_spec,
        backend: Some(args.backend),
    };
    // Everything that can be refused is, before --out is touched.
    config.check()?;
    let device = block_on(args.backend.init())?;
    let out = RunDir::create(&args.out, args.force)?;
    let config_json = serde_json::to_string_pretty(&run_config).expect("config serialises");
    out.write(RunFiles::CONFIG_JSON, config_json.as_bytes())?;
    device.seed(config.seed);
    println!(
        "Training `{}` for {} epochs on {} (batch {}{}, {} lr {}{})",
        config.model.name(),
        config.epochs,
        args.backend,
        config.batch_size,
        match config.shards {
            1 => String::new(),
            n => format!(" in {n} parts"),
        },
        config.optimizer,
        config.lr,
        config.augment.describe()
    );
    let model = Cnn::new(&config.model, &device);
    let cancel = stop_on_ctrl_c();
    let mut observer = Recording {
        model: &config.model,
        console: ConsoleProgress::new(),
        out: &out,
        history: History::default(),
        warned: false,
    };
    let outcome = block_on(train(
        &config,
        model,
        &splits,
        &device,
        &mut observer,
        &cancel,
    ));

    // Whatever happened, keep what was learned so far.
    let history = &outcome.history;
    write_history(&out, history)?;
    let evaluation = outcome.evaluated.as_ref().map(|e| &e.evaluation);
    let metrics = evaluation.map(|evaluation| RunMetrics::new(evaluation, history, &data.classes));
    if let (Some(evaluation), Some(metrics)) = (evaluation, &metrics) {
        let confusion = evaluation.confusion.to_csv(data.classes.as_slice());
        out.write(RunFiles::CONFUSION_CSV, confusion.as_bytes())?;
        out.write(RunFiles::METRICS_JSON, metrics.to_json().as_bytes())?;
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
    out.write(
        RunFiles::REPORT_HTML,
        report_html(&[summary], &EmbeddedFont)?.as_bytes(),
    )?;
    // The weights of the last completed epoch: the ones the metrics describe (a stopped or
    // diverged run keeps them too, never its mid-epoch or NaN model).
    match &outcome.evaluated {
        Some(evaluated) => {
            let model = block_on(on_cpu(&evaluated.model, &config.model))?;
            let bytes = burnpack_bytes(&model, &config.model)?;
            out.write(RunFiles::WEIGHTS, &bytes)?;
            let bytes = torch::safetensors_bytes(&model, &config.model)?;
            out.write(RunFiles::SAFETENSORS, &bytes)?;
            out.write(
                RunFiles::MODEL_PY,
                torch::model_py(&config.model).as_bytes(),
            )?;
            println!(
                "Weights: those of epoch {} ({}, and for PyTorch {} with {})",
                evaluated.epoch,
                RunFiles::WEIGHTS,
                RunFiles::SAFETENSORS,
                RunFiles::MODEL_PY
            );
        }
        None => println!("No epoch completed: no weights saved"),
    }
    match outcome.end {
        RunEnd::Failed { error } => Err(error.into()),
        end => {
            if let RunEnd::Stopped { epoch, batch } = end {
                println!("Stopped by the user at epoch {epoch}, batch {batch}");
            }
            println!("Wrote {}", args.out.display());
            Ok(())
        }
    }
}

fn write_history(out: &RunDir, history: &History) -> Result<(), CliError> {
    out.write(RunFiles::HISTORY_JSON, history.to_json().as_bytes())?;
    out.write(RunFiles::HISTORY_CSV, history.to_csv().as_bytes())
}

/// The console view, plus the history written after every epoch, so a run that is killed
/// keeps its completed epochs on disk.
struct Recording<'a> {
    /// Summarised when training starts, with the prepared model's trainable count.
    model: &'a ModelSpec,
    console: ConsoleProgress,
    out: &'a RunDir,
    history: History,
    /// A failed write is reported once (the final writes report it again, as an error).
    warned: bool,
}

impl Observer for Recording<'_> {
    fn on_event(&mut self, event: TrainEvent<'_>) {
        match &event {
            TrainEvent::Started {
                trainable_params, ..
            } => println!(
                "{}",
                Summary::new(self.model).with_trainable(*trainable_params)
            ),
            TrainEvent::EpochDone(record) => self.record(record),
            _ => {}
        }
        self.console.on_event(event);
    }
}

impl Recording<'_> {
    fn record(&mut self, record: &EpochRecord) {
        self.history.push(record.clone());
        if let Err(error) = write_history(self.out, &self.history)
            && !self.warned
        {
            eprintln!("warning: the history could not be saved after this epoch: {error}");
            self.warned = true;
        }
    }
}
