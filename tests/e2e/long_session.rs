//! A long session in the page: twenty short augmented runs, one after another, on the CPU
//! backend. The worker keeps the models of the last few runs only (`web/shelf.rs`), so its
//! WebAssembly memory, which only ever grows, must stop growing once that many runs are kept.

use cifar_lab::web::shelf::Shelf;
use fantoccini::Client;

use super::webdriver::{choose, click, content, fill, train_enabled, wait_for};

const RUNS: usize = 20;

/// The worker's WebAssembly memory as the page shows it ("59 MB"), in MB.
async fn worker_megabytes(client: &Client) -> u64 {
    let line = content(client, "tp-memory").await;
    line.trim_end_matches(" MB")
        .parse()
        .unwrap_or_else(|_| panic!("the memory line reads {line:?}"))
}

pub async fn twenty_runs_keep_memory_flat(client: &Client, url: &str) {
    client.goto(url).await.unwrap();
    train_enabled(client, "the data set to load", 120).await;
    choose(client, "backend", "cpu").await;
    choose(client, "model", "plain").await;
    fill(client, "epochs", "1").await;
    fill(client, "batch-size", "100").await;
    // Augmented runs: the flips and shifts run in WebAssembly too.
    choose(client, "augment", "flip-shift-2").await;
    let mut megabytes = Vec::new();
    for run in 1..=RUNS {
        let before = serde_json::to_string(&content(client, "run-status").await).unwrap();
        click(client, "train").await;
        let ended = format!(
            "(() => {{ const s = document.getElementById('run-status').textContent; \
             return s !== {before} && s.endsWith(': done.'); }})()"
        );
        wait_for(client, &format!("run {run} of {RUNS} to end"), &ended, 120).await;
        train_enabled(client, "Train to be enabled again", 30).await;
        megabytes.push(worker_megabytes(client).await);
    }
    println!("the worker's memory after each of {RUNS} runs, MB: {megabytes:?}");
    // Once the shelf is full, each new run's model replaces the oldest one's.
    let full = megabytes[Shelf::<()>::CAPACITY];
    let last = megabytes[RUNS - 1];
    assert!(
        last <= full,
        "the worker's memory grew from {full} MB to {last} MB over the runs after the \
         first {} (all: {megabytes:?})",
        Shelf::<()>::CAPACITY + 1
    );
}
