//! The command line's arguments (clap): one struct per subcommand.

use std::path::PathBuf;

use cifar_lab::backend::BackendKind;
use cifar_lab::model::ModelSpec;
use cifar_lab::optim::OptimizerKind;
use cifar_lab_serve::ServeArgs;
use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "cifar-lab",
    version,
    about = "Train and evaluate the Keras CIFAR-10 tutorial's CNNs"
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Train a model and write its history, metrics, report and weights to --out.
    Train(TrainArgs),
    /// Re-evaluate saved weights on the test batch.
    Evaluate(EvaluateArgs),
    /// Time training steps on random data and print images per second.
    Bench(BenchArgs),
    /// Write one self-contained HTML report comparing training runs.
    Report(ReportArgs),
    /// Serve the browser app (a trunk build) with the CIFAR-10 batches beside it.
    Serve(ServeArgs),
    /// Print a model's Keras-style summary.
    Summary {
        /// A preset (plain, dropout, deeper, deeper-bn, fast94) or a layer list in quotes.
        #[arg(long, default_value = "plain")]
        model: ModelSpec,
    },
}

#[derive(clap::Args, Debug)]
pub struct TrainArgs {
    /// The official cifar-10-binary.tar.gz, or a folder of extracted batches.
    #[arg(long)]
    pub data: PathBuf,
    /// A preset (plain, dropout, deeper, deeper-bn, fast94) or your own layer list in quotes:
    /// "conv 32 3 same relu, conv 32 3 relu, maxpool 2, dropout 0.25, flatten, dense 128 relu,
    /// dense 10". fast94 trains with airbench's recipe (batch 1024, Nesterov SGD on a triangle
    /// schedule, label smoothing, flips and shifts, lookahead, test-time augmentation).
    #[arg(long, default_value = "plain")]
    pub model: ModelSpec,
    /// Default: the tutorial's epochs for a preset (8, 11, 15, 15; fast94 10), 10 for a layer
    /// list.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Default: 128 (fast94: 1024).
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Train on the first N images after a seeded shuffle (validation: N/5 test images).
    #[arg(long)]
    pub subset: Option<usize>,
    /// Validate on this fraction of the training images instead of the test batch.
    #[arg(long)]
    pub val_split: Option<f64>,
    /// adadelta, adam, sgd or nesterov. Default: adadelta (fast94: nesterov).
    #[arg(long)]
    pub optimizer: Option<OptimizerKind>,
    /// Default: the optimizer's (Adadelta 1.0, Adam 0.001, SGD 0.01, Nesterov 1.5 at the
    /// schedule's peak).
    #[arg(long)]
    pub lr: Option<f64>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, default_value = "flex")]
    pub backend: BackendKind,
    /// Augmentation: mirror half of the training images, differently each epoch (fast94 flips
    /// and shifts by 2 unless told otherwise).
    #[arg(long)]
    pub flip: bool,
    /// Augmentation: shift training images by up to N pixels (reflect-padded), 0 = off.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub translate: usize,
    /// Batches between read-backs of the running loss and accuracy.
    #[arg(long, default_value_t = 10)]
    pub readback_every: usize,
    /// Compute each batch's gradient in N parts and combine them, as N CPU workers in the page
    /// do: the same training without batch norm or dropout, which draw per part.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub shards: usize,
    /// Where to write history.json/.csv, confusion.csv, metrics.json, config.json, model.bpk.
    /// A new or empty folder; the history is rewritten after every epoch.
    #[arg(long)]
    pub out: PathBuf,
    /// Replace the run already in --out (only its files are removed).
    #[arg(long)]
    pub force: bool,
}

#[derive(clap::Args, Debug)]
pub struct EvaluateArgs {
    #[arg(long)]
    pub data: PathBuf,
    /// Weights: a model.bpk or model.safetensors written by `train`, or PyTorch's
    /// (.safetensors or .pth) of the module in model.py.
    #[arg(long)]
    pub weights: PathBuf,
    /// For weights that do not record their model (PyTorch's, or saved before files
    /// recorded it): a preset or a layer list. Default: the one recorded in the weights,
    /// else in config.json beside them.
    #[arg(long)]
    pub model: Option<ModelSpec>,
    /// Also write every test image's logits (the model's raw outputs) to this CSV file:
    /// one row an image, in the test set's order, one column a class.
    #[arg(long)]
    pub logits: Option<PathBuf>,
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    #[arg(long, default_value = "flex")]
    pub backend: BackendKind,
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// A preset or a layer list.
    #[arg(long, default_value = "plain")]
    pub model: ModelSpec,
    #[arg(long, default_value = "flex")]
    pub backend: BackendKind,
    #[arg(long, default_value_t = 128)]
    pub batch_size: usize,
    /// Untimed steps first, the first of them timed alone (kernel compilation, allocator
    /// warm-up).
    #[arg(long, default_value_t = 2)]
    pub warmup: usize,
    /// Timed steps per run.
    #[arg(long, default_value_t = 5)]
    pub steps: usize,
    /// Timed runs; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    #[arg(long, default_value = "adadelta")]
    pub optimizer: OptimizerKind,
    /// Print the result as one JSON line.
    #[arg(long)]
    pub json: bool,
    /// Every model on the CPU and the tutorial's three on wgpu, each in its own process, as one
    /// Markdown table.
    #[arg(long)]
    pub all: bool,
    /// With --all: only the CPU backend.
    #[arg(long, requires = "all")]
    pub skip_wgpu: bool,
    /// With --all: also write the table to this file.
    #[arg(long, requires = "all")]
    pub markdown: Option<PathBuf>,
    /// With --all: add the results in this file (JSON lines, as `--json` prints them; the
    /// peer frameworks' script writes the same) to the table.
    #[arg(long, requires = "all")]
    pub peers: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Run folders written by `train` (each holds history.json, metrics.json, config.json).
    #[arg(required = true)]
    pub runs: Vec<PathBuf>,
    #[arg(long, default_value = "report.html")]
    pub out: PathBuf,
    /// Also write the charts as PNG files into this folder (curves.png, RUN-confusion.png).
    #[arg(long)]
    pub png: Option<PathBuf>,
}
