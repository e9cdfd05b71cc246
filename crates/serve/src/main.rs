//! `cifar-lab-serve`: the browser app's server alone, built in about a minute (the full
//! `cifar-lab` command line serves the same way with `cifar-lab serve`).

use std::process::ExitCode;

use clap::Parser;

/// Serves cifar-lab's browser app (a trunk build) with the CIFAR-10 batches beside it.
#[derive(Parser, Debug)]
#[command(name = "cifar-lab-serve", version)]
struct Cli {
    #[command(flatten)]
    args: cifar_lab_serve::ServeArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cifar_lab_serve::run(&cli.args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
