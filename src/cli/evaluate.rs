//! `cifar-lab evaluate`: saved weights judged on the validation set, without training.

use cifar_lab::data::NUM_CLASSES;
use cifar_lab::eval::{ClassificationReport, evaluate, set_logits};
use cifar_lab::model::{ModelSpec, WeightsError, check_evaluation, load_weights};
use cifar_lab::train::RunConfig;
use futures_lite::future::block_on;

use super::CliError;
use super::args::EvaluateArgs;
use super::train::load_data;
use cifar_lab::data::{FileError, read_regular, write_regular};
use cifar_lab::report::{RUN_FILE_LIMIT, RunFiles};

/// For weights that do not record their model: the one named by `--model`, else by the
/// run's config.json beside the weights.
fn fallback_model(args: &EvaluateArgs) -> Result<ModelSpec, CliError> {
    if let Some(model) = &args.model {
        return Ok(model.clone());
    }
    let path = args.weights.with_file_name(RunFiles::CONFIG_JSON);
    let shown = path.display().to_string();
    let config_error = |reason: String| CliError::RunConfig {
        path: shown.clone(),
        reason: format!("{reason}; pass --model to say which model the weights are for"),
    };
    let bytes = read_regular(&path, RUN_FILE_LIMIT).map_err(|e| match e {
        FileError::Io { source, .. } => config_error(source.to_string()),
        other => other.into(),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| config_error("not UTF-8 text".into()))?;
    let config: RunConfig = serde_json::from_str(&text).map_err(|e| CliError::RunConfig {
        path: shown,
        reason: format!("not a run config ({e}); pass --model"),
    })?;
    Ok(config.train.model)
}

pub fn run(args: EvaluateArgs) -> Result<(), CliError> {
    let data = load_data(&args.data)?;
    let device = block_on(args.backend.init())?;
    let (spec, model) = match load_weights(&args.weights, args.model.as_ref(), &device) {
        Err(WeightsError::NoModel { .. }) => {
            load_weights(&args.weights, Some(&fallback_model(&args)?), &device)?
        }
        loaded => loaded?,
    };
    check_evaluation(&args.weights.display().to_string(), &spec, args.batch_size)?;
    let evaluation = block_on(evaluate(&model, &data.test, args.batch_size, &device))?;
    if let Some(path) = &args.logits {
        let logits = block_on(set_logits(&model, &data.test, args.batch_size, &device))?;
        write_logits(path, &logits, &data.test.labels, data.classes.as_slice())?;
    }
    println!(
        "`{}` on the {} test images: accuracy {:.4}, loss {:.4}\n",
        spec.name(),
        data.test.len(),
        evaluation.accuracy,
        evaluation.loss
    );
    let report = ClassificationReport::new(&evaluation.confusion);
    println!("{}", report.to_text(data.classes.as_slice()));
    println!("Confusion matrix (rows: true class, columns: predicted):");
    print!("{}", evaluation.confusion.to_csv(data.classes.as_slice()));
    Ok(())
}

/// One row an image: its index, its label, then its logits (written as the shortest text
/// that reads back to the same f32).
fn write_logits(
    path: &std::path::Path,
    logits: &[f32],
    labels: &[u8],
    classes: &[String],
) -> Result<(), CliError> {
    let mut csv = format!("image,label,{}\n", classes.join(","));
    for (image, (row, label)) in logits.chunks(NUM_CLASSES).zip(labels).enumerate() {
        let values: Vec<String> = row.iter().map(f32::to_string).collect();
        csv += &format!("{image},{label},{}\n", values.join(","));
    }
    Ok(write_regular(path, csv.as_bytes())?)
}
