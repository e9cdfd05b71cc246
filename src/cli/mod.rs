//! The native command line (`cifar-lab`): `train`, `evaluate`, `report` and `bench`, each a
//! module, `serve` (the server crate's) and `summary`; clap parses the arguments (`args.rs`),
//! and every failure is one typed [`CliError`], which `main` prints in words (exit code 1).

mod args;
mod bench;
mod evaluate;
mod memory;
mod progress;
mod report;
mod run_dir;
mod train;

pub use args::Args;

use args::Command;
use cifar_lab::backend::BackendError;
use cifar_lab::data::{DataError, FileError};
use cifar_lab::model::WeightsError;
use cifar_lab::plot::render::RenderError;
use cifar_lab::report::RunLoadError;
use cifar_lab::train::TrainError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Data(#[from] DataError),
    /// A file argument: not a regular file, too large, unreadable.
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Serve(#[from] cifar_lab_serve::ServeError),
    #[error(transparent)]
    Backend(#[from] BackendError),
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {reason}")]
    RunConfig { path: String, reason: String },
    #[error(
        "{path}: {}; nothing was written. Choose another --out{}",
        if *run { format!("holds another run ({files} files)") } else {
            format!("holds {files} files that are not a run's")
        },
        if *run { ", or pass --force to replace that run" } else { " (an empty or new folder)" }
    )]
    OutTaken {
        path: String,
        files: usize,
        run: bool,
    },
    #[error(transparent)]
    RunLoad(#[from] RunLoadError),
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("the compute device failed: {0}")]
    Device(#[from] burn::tensor::ExecutionError),
}

pub fn run(args: Args) -> Result<(), CliError> {
    if matches!(
        args.command,
        Command::Train(_) | Command::Evaluate(_) | Command::Bench(_)
    ) {
        memory::keep_freed_memory();
    }
    match args.command {
        Command::Train(a) => train::run(a),
        Command::Evaluate(a) => evaluate::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Report(a) => report::run(a),
        Command::Serve(a) => Ok(cifar_lab_serve::run(&a)?),
        Command::Summary { model } => {
            println!("{}", cifar_lab::model::Summary::new(&model));
            Ok(())
        }
    }
}
