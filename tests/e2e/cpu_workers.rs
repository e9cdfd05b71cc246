//! Every core in the page: the same run in one CPU worker and in two (the training worker and
//! a helper it starts) gives the same losses and accuracies, epoch by epoch, for a model
//! without dropout or batch norm; the page says how many workers train, records the count
//! with the run, and counts every worker's memory.

use fantoccini::Client;
use serde_json::Value;

use super::webdriver::{choose, click, fill, text, train_enabled, wait_for};

/// Every stored run's name, settings and history, from the page's IndexedDB.
const STORED_RUNS: &str = r#"
const done = arguments[0];
const open = indexedDB.open('cifar-lab', 1);
open.onsuccess = () => {
  const all = open.result.transaction('runs').objectStore('runs').getAll();
  all.onsuccess = () => done(all.result.map(text => {
    const run = JSON.parse(text);
    return { name: run.name, created: run.created, config: run.config, history: run.history };
  }));
  all.onerror = () => done(String(all.error));
};
open.onerror = () => done(String(open.error));
"#;

/// Trains the form's run in `workers` workers to its end; the run as stored.
async fn train_with(client: &Client, workers: &str) -> Value {
    choose(client, "cpu-workers", workers).await;
    let status = "document.getElementById('run-status').textContent";
    let before = client.execute(&format!("return {status};"), vec![]).await;
    let before = serde_json::to_string(&before.unwrap()).unwrap();
    click(client, "train").await;
    let ended = format!("{status} !== {before} && {status}.endsWith(': done.')");
    wait_for(
        client,
        &format!("the run in {workers} workers to end"),
        &ended,
        180,
    )
    .await;
    train_enabled(client, "Train to be enabled again", 30).await;
    let device = text(client, "tp-adapter").await;
    let expected = match workers {
        "1" => "one worker".to_string(),
        n => format!("{n} workers"),
    };
    assert!(
        device.contains(&expected),
        "the device line reads {device:?}"
    );
    let runs = client.execute_async(STORED_RUNS, vec![]).await.unwrap();
    let runs = runs
        .as_array()
        .unwrap_or_else(|| panic!("stored runs: {runs}"));
    let created = |run: &Value| run["created"].as_f64().unwrap_or(0.0);
    runs.iter()
        .max_by(|a, b| created(a).total_cmp(&created(b)))
        .cloned()
        .unwrap()
}

pub async fn one_and_two_workers_train_alike(client: &Client, url: &str) {
    client.goto(url).await.unwrap();
    train_enabled(client, "the data set to load", 120).await;
    let auto = client
        .execute(
            "return document.querySelector('#cpu-workers option[value=auto]').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        auto.as_str().is_some_and(|t| t.starts_with("Auto (")),
        "the Auto option names its count: {auto}"
    );
    choose(client, "backend", "cpu").await;
    choose(client, "model", "plain").await;
    fill(client, "epochs", "2").await;
    fill(client, "batch-size", "25").await;
    let one = train_with(client, "1").await;
    let two = train_with(client, "2").await;
    assert_ne!(one["name"], two["name"]);
    // Written only when not 1, as config.json does.
    let shards = |run: &Value| run["config"]["train"]["shards"].as_u64().unwrap_or(1);
    assert_eq!(
        (shards(&one), shards(&two)),
        (1, 2),
        "recorded: {one} {two}"
    );
    let epochs = |run: &Value| run["history"].as_array().unwrap().clone();
    let (one, two) = (epochs(&one), epochs(&two));
    assert_eq!(one.len(), 2);
    assert_eq!(one.len(), two.len());
    // Alike up to rounding: one worker sums a batch's gradients in another order than two
    // workers' shards do, and `plain`'s 3×3 convolution (Winograd F(4×4, 3×3) on the CPU, whose
    // transforms' constants run from 1/24 to 8) rounds more coarsely than a direct sum, so
    // after an epoch the two differ by a few parts in 10⁴. A lost shard would halve the
    // gradient.
    for (a, b) in one.iter().zip(&two) {
        for column in ["loss", "acc", "val_loss", "val_acc"] {
            let (x, y) = (a[column].as_f64().unwrap(), b[column].as_f64().unwrap());
            assert!(
                (x - y).abs() <= 2e-3 * x.abs().max(1.0),
                "epoch {}: {column} {x} in one worker, {y} in two",
                a["epoch"]
            );
        }
    }
    println!("one worker: {one:?}\ntwo workers: {two:?}");

    // Stop reaches a run in two workers before its next batch, and the next run starts its
    // own helper (the stopped run's ended with it).
    fill(client, "epochs", "50").await;
    click(client, "train").await;
    let training = "document.getElementById('progress-line').textContent.startsWith('Epoch 1/50')";
    wait_for(client, "the long run's progress", training, 60).await;
    let memory = text(client, "tp-memory").await;
    click(client, "stop").await;
    let stopped = "(() => { const s = document.getElementById('run-status').textContent; \
                   return s.includes('stopped by you') && s; })()";
    wait_for(client, "the run in two workers to stop", stopped, 30).await;
    train_enabled(client, "Train to be enabled again", 10).await;
    println!("memory of both workers while the long run trained: {memory}");
    fill(client, "epochs", "1").await;
    let after = train_with(client, "2").await;
    assert_eq!(
        after["history"].as_array().map(Vec::len),
        Some(1),
        "{after}"
    );
}
