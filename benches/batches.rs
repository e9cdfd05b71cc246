//! What a training batch costs on the host before the device sees it: 1,024 images (fast94's
//! batch) turned into floats, plain and with the flip-and-shift augmentation, then uploaded.
//! Augmentation runs here, on the host, inside the pass that converts the bytes anyway; this
//! says what it adds, beside a training step (`cifar-lab bench`). Run with
//! `cargo bench --bench batches`.

use std::time::Instant;

use burn::tensor::Device;
use cifar_lab::data::{Augment, synthetic};
use cifar_lab::train::ShardBatch;

const BATCH: usize = 1_024;
const ROUNDS: usize = 30;

fn main() {
    let set = synthetic::banded(10_000, 1);
    let device = Device::flex();
    let indices: Vec<usize> = (0..BATCH).map(|i| (i * 7_919) % set.len()).collect();
    let none = Augment::default();
    let flip_shift = Augment {
        flip: true,
        translate: 2,
    };
    for (name, augment) in [("plain", none), ("flip + shift 2", flip_shift)] {
        let mut times: Vec<f64> = (0..ROUNDS)
            .map(|epoch| {
                let started = Instant::now();
                // As the training loop builds a batch (one shard: all of it).
                let shard = ShardBatch::of(&set, &indices, augment, 5, epoch);
                let batch = shard.into_tensors(&device);
                std::hint::black_box(batch);
                started.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        println!(
            "{name:>15}: {:.2} ms a batch of {BATCH} (median of {ROUNDS}; fastest {:.2})",
            times[ROUNDS / 2],
            times[0]
        );
    }
}
