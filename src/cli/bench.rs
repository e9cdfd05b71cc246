//! Times training steps (forward, backward, optimizer) on random data after a warm-up and
//! reports the median images per second: the number performance work moves.

use std::time::Instant;

use burn::optim::GradientsParams;
use burn::tensor::{Distribution, Int, Tensor};
use cifar_lab::data::{IMAGE_CHANNELS, IMAGE_SIDE, NUM_CLASSES};
use cifar_lab::model::Cnn;
use futures_lite::future::block_on;

use super::CliError;
use super::args::BenchArgs;

pub fn run(args: BenchArgs) -> Result<(), CliError> {
    let device = block_on(args.backend.init())?;
    device.seed(0);
    let mut model = Cnn::new(args.model, &device);
    let mut optimizer = args.optimizer.init();
    let loss_fn = burn::nn::loss::CrossEntropyLossConfig::new().init(&device);
    let n = args.batch_size;
    let images = Tensor::<4>::random(
        [n, IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE],
        Distribution::Uniform(0.0, 1.0),
        &device,
    );
    let labels: Tensor<1, Int> =
        Tensor::<1, Int>::random([n], Distribution::Uniform(0.0, NUM_CLASSES as f64), &device);
    let mut step = |model: Cnn| {
        let loss = loss_fn.forward(model.forward(images.clone()), labels.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        optimizer.step(1.0, model, grads)
    };
    println!(
        "bench: `{}` on {}, batch {n}, {} warm-up steps, {} runs of {} steps",
        args.model, args.backend, args.warmup, args.runs, args.steps
    );
    let started = Instant::now();
    for _ in 0..args.warmup {
        model = step(model);
    }
    device.sync()?;
    println!("  warm-up: {:.2}s", started.elapsed().as_secs_f64());
    let mut rates = Vec::new();
    for run in 1..=args.runs {
        let started = Instant::now();
        for _ in 0..args.steps {
            model = step(model);
        }
        device.sync()?;
        let seconds = started.elapsed().as_secs_f64();
        let rate = (args.steps * n) as f64 / seconds;
        println!(
            "  run {run}: {:.1} img/s ({:.0} ms/batch)",
            rate,
            seconds * 1e3 / args.steps as f64
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    if let Some(median) = rates.get(rates.len() / 2) {
        println!("median: {median:.1} img/s");
    }
    Ok(())
}
