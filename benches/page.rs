//! The page's own training speed in headless Chromium (or Firefox or WebKit, with
//! `CIFAR_LAB_PAGE_BENCH_ENGINE`), for `scripts/bench`: the release build
//! served with generated data, a run of each model on the CPU backend (WebAssembly; `plain`,
//! `deeper` and `fast94` in one worker and in two) and of `plain` on WebGPU (SwiftShader
//! here), reading what the page shows. Before each run, Measure
//! speed times the model, so the estimate's speed can be set beside the run's. Prints one
//! JSON line per run in `cifar-lab bench --json`'s fields. A benchmark, not a test: it needs
//! the trunk build (`CIFAR_LAB_DIST`) and chromedriver, and `cargo test` never builds it;
//! `scripts/bench` runs it (`cargo bench --bench page`). The page loads the CPU module's
//! relaxed-SIMD build where the engine has relaxed SIMD (Chromium, Firefox); each line names
//! the build it ran (`wasm`), and scripts/bench also runs a copy of the build that always
//! picks the baseline, for the two side by side.
//!
//! The speed is the steady one: a MutationObserver stamps every change of the progress line,
//! and the rate is taken between the end of the second batch and the last batch seen, so the
//! first batch's kernel compilation is left out (it is in "time to first step").

// The end-to-end tests' helpers: this uses some of them.
#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use cifar_lab::model::{ModelSpec, training_flops};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use webdriver::{
    browser, choose, chromedriver, click, fill, firefox, geckodriver, screenshots, serve_app, text,
    train_enabled, wait_for, wasm_fetched, webkit, webkit_driver,
};

const BATCH: usize = 128;

fn serve() -> String {
    // 2,000 training images: enough for the 1,000-image subset after the held-out split.
    serve_app(common::files(400, 200))
}

/// Records `[milliseconds, samples done]` for every new progress line in `window.stamps`,
/// when Train was pressed in `window.pressed`, and when each stage line before the first
/// batch appeared in `window.stages` (`[milliseconds, "self-check" | "first batch"]`).
const STAMP_PROGRESS: &str = "
    window.stamps = [];
    window.stages = [];
    document.getElementById('train')
        .addEventListener('click', () => { window.pressed = performance.now(); });
    const line = document.getElementById('progress-line');
    new MutationObserver(() => {
        const text = line.textContent;
        const m = text.match(/^Epoch \\d+\\/\\d+ · ([\\d,]+)\\//);
        if (m) window.stamps.push([performance.now(), Number(m[1].replaceAll(',', ''))]);
        else if (text.startsWith('Checking')) window.stages.push([performance.now(), 'self-check']);
        else if (text.startsWith('First batch')) window.stages.push([performance.now(), 'first batch']);
    }).observe(line, { childList: true, characterData: true, subtree: true });
";

/// The first step cut at each stage line: `[("prepare", s), ("self-check", s), ("first
/// batch", s)]`, from Train pressed to the first progress line.
fn first_step_parts(pressed: f64, stages: &Value, first_batch_at: Option<f64>) -> Value {
    let mut parts = Vec::new();
    let (mut name, mut from) = ("prepare".to_string(), pressed);
    for stage in stages.as_array().into_iter().flatten() {
        let at = stage[0].as_f64().unwrap();
        parts.push(json!([name, (at - from) / 1000.0]));
        name = stage[1].as_str().unwrap().to_string();
        from = at;
    }
    if let Some(at) = first_batch_at {
        parts.push(json!([name, (at - from) / 1000.0]));
    }
    Value::Array(parts)
}

/// Presses Measure speed and reads its speed back from the estimate line, in images per
/// second of `model`.
async fn measure_speed(client: &Client, model: &str) -> f64 {
    click(client, "measure").await;
    let estimate = "document.getElementById('estimate').textContent";
    let done =
        format!("{estimate}.includes('measured just now') || {estimate}.startsWith('Could')");
    wait_for(client, &format!("Measure speed on {model}"), &done, 900).await;
    let line = text(client, "estimate").await;
    let gflops: f64 = line
        .split_once("at the ")
        .and_then(|(_, rest)| rest.split_once(" GFLOP/s measured just now"))
        .and_then(|(number, _)| number.parse().ok())
        .unwrap_or_else(|| panic!("no measured speed in {line:?}"));
    let spec = ModelSpec::parse(model).unwrap();
    gflops * 1e9 / training_flops(&spec)
}

/// Trains `model` on `backend` until `batches` batches are done (or the epoch ends), then
/// reads the speed between batch 2 and the last batch, and the time to the first step.
async fn measure(
    client: &Client,
    url: &str,
    (model, backend, workers): (&str, &str, usize),
    batches: usize,
) -> Value {
    client.goto(url).await.unwrap();
    train_enabled(client, "the data set to load", 120).await;
    let answered = "!document.getElementById('adapter').textContent.includes('looking')";
    wait_for(client, "the WebGPU answer", answered, 60).await;
    choose(client, "backend", backend).await;
    // Builds from before the field have one worker, and no select.
    let has_workers = client
        .execute("return !!document.getElementById('cpu-workers');", vec![])
        .await
        .unwrap();
    if has_workers == Value::Bool(true) {
        choose(client, "cpu-workers", &workers.to_string()).await;
    } else {
        assert_eq!(workers, 1, "this build has no CPU-workers field");
    }
    choose(client, "model", model).await;
    choose(client, "subset", "1000").await;
    fill(client, "epochs", "1").await;
    fill(client, "batch-size", &BATCH.to_string()).await;
    let timed = measure_speed(client, model).await;
    client.execute(STAMP_PROGRESS, vec![]).await.unwrap();
    click(client, "train").await;
    let enough = format!(
        "window.stamps.length && (window.stamps[window.stamps.length - 1][1] >= {} \
         || document.getElementById('run-status').textContent.includes('done'))",
        batches * BATCH
    );
    // SwiftShader compiles for minutes before the first WebGPU batch.
    wait_for(
        client,
        &format!("{batches} batches of {model} on {backend}"),
        &enough,
        900,
    )
    .await;
    let stamps = client
        .execute("return window.stamps;", vec![])
        .await
        .unwrap();
    let stages = client
        .execute("return window.stages;", vec![])
        .await
        .unwrap();
    let pressed = client
        .execute("return window.pressed;", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap_or(f64::NAN);
    let stop = client.find(Locator::Id("stop")).await.unwrap();
    if stop.is_enabled().await.unwrap() {
        stop.click().await.unwrap();
    }
    train_enabled(client, "the run to end", 300).await;
    let first = text(client, "tp-first").await;
    let shown = text(client, "tp-rate").await;
    // Read by script: builds from before the field have no such element.
    let memory_mb = client
        .execute(
            "return document.getElementById('tp-memory')?.textContent ?? '';",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .and_then(|t| t.trim_end_matches(" MB").parse::<f64>().ok());
    let points: Vec<(f64, f64)> = stamps
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    let from = points.iter().find(|p| p.1 >= (2 * BATCH) as f64).copied();
    let to = points.last().copied();
    let steady = match (from, to) {
        (Some(a), Some(b)) if b.1 > a.1 => (b.1 - a.1) / ((b.0 - a.0) / 1000.0),
        // Too few progress lines to leave the first batches out: the page's own figure.
        _ => shown.parse::<f64>().unwrap_or(0.0),
    };
    // Which build of the CPU module the page loaded (www/cpu-module.js).
    let wasm = wasm_fetched(client).await;
    let cpu = match wasm.iter().any(|name| name.contains("relaxed")) {
        true => "page, CPU (wasm, relaxed SIMD)",
        false => "page, CPU (wasm)",
    };
    json!({
        "model": model,
        "backend": match (backend, workers) {
            ("cpu", 1) => cpu.to_string(),
            ("cpu", n) => format!("{cpu}, {n} workers"),
            _ => "page, WebGPU".to_string(),
        },
        "workers": workers,
        "batch_size": BATCH,
        "first_step_seconds": first.trim_end_matches(" s").parse::<f64>().unwrap_or(f64::NAN),
        "images_per_second": steady,
        // The workers' WebAssembly memory, which only grows: its peak.
        "peak_rss_mib": memory_mb.map(|mb| mb * 1e6 / (1024.0 * 1024.0)),
        "first_step_parts": first_step_parts(pressed, &stages, points.first().map(|p| p.0)),
        "page_shows": shown,
        "wasm": wasm,
        // What Measure speed found before the run, for the estimate under the form.
        "timed_images_per_second": timed,
    })
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(page_training_speed());
}

async fn page_training_speed() {
    let url = serve();
    // `CIFAR_LAB_PAGE_BENCH_ENGINE` picks the browser: Chromium (the default), `firefox` or
    // `webkit` (WebKitGTK's MiniBrowser, under `xvfb-run`). The other two engines have no
    // WebGPU here, and time `plain` on the CPU in one worker and in two: the three engines
    // side by side on one build.
    let engine = std::env::var("CIFAR_LAB_PAGE_BENCH_ENGINE").unwrap_or_default();
    let (_driver, client) = match engine.as_str() {
        "" | "chromium" => {
            let (driver, port) = chromedriver().await;
            (driver, browser(port, &screenshots()).await)
        }
        "firefox" => {
            let (driver, port) = geckodriver().await;
            (driver, firefox(port, &screenshots()).await)
        }
        "webkit" => {
            let (driver, port) = webkit_driver().await;
            (driver, webkit(port).await)
        }
        other => panic!("CIFAR_LAB_PAGE_BENCH_ENGINE={other}: chromium, firefox or webkit"),
    };
    // One CPU worker and two side by side (this machine has two cores), model by model;
    // `CIFAR_LAB_PAGE_BENCH_ONE_WORKER` keeps to one (a build from before the field).
    let mut runs = vec![
        (("plain", "cpu", 1), 8),
        (("plain", "cpu", 2), 8),
        (("dropout", "cpu", 1), 8),
        (("deeper", "cpu", 1), 8),
        (("deeper", "cpu", 2), 8),
        (("deeper-bn", "cpu", 1), 8),
        (("fast94", "cpu", 1), 8),
        (("fast94", "cpu", 2), 8),
    ];
    if !matches!(engine.as_str(), "" | "chromium") {
        runs.retain(|((model, _, _), _)| *model == "plain");
    }
    if std::env::var_os("CIFAR_LAB_PAGE_BENCH_ONE_WORKER").is_some() {
        runs.retain(|((_, _, workers), _)| *workers == 1);
    }
    if std::env::var_os("CIFAR_LAB_PAGE_BENCH_WEBGPU").is_some() {
        // WebGPU reports every 4 batches: 8 give two progress lines to time between.
        runs.push((("plain", "webgpu", 1), 8));
    }
    for (what, batches) in runs {
        let result = measure(&client, &url, what, batches).await;
        println!("{result}");
    }
    client.close().await.unwrap();
}
