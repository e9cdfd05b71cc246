//! How the page answers while it trains on the CPU, with one worker and with a worker on every
//! core: the delay of a hover on the confusion matrix (its tooltip), of a click on a cell (the
//! gallery of its images) and the gaps between the frames the page paints. Auto's worker count
//! rests on these numbers (docs/BENCHMARKS.md, "Every core in the page"). A benchmark, not a
//! test: it needs the trunk build (`CIFAR_LAB_DIST`) and chromedriver; `cargo bench --bench
//! responsiveness` runs it. Prints one JSON line per worker count.
//!
//! Delays are taken in the page: a capturing listener stamps each trusted `pointermove` and
//! `click` on the matrix when its handler starts (input delay: `performance.now() -
//! event.timeStamp`) and at the first animation frame after it (to the next frame: what the
//! user waits to see the answer). A `requestAnimationFrame` loop stamps every frame.

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "../tests/common/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use webdriver::{
    browser, choose, chromedriver, click, fill, screenshots, serve_app, train_enabled, wait_for,
};

/// Pointer moves and clicks per worker count.
const HOVERS: usize = 24;
const CLICKS: usize = 8;

const RECORD: &str = "
    window.delays = { pointermove: [], click: [] };
    window.frames = [];
    window.recording = true;
    const canvas = document.getElementById('matrix-canvas');
    for (const type of ['pointermove', 'click']) {
        canvas.addEventListener(type, (e) => {
            if (!e.isTrusted) return;
            const input = performance.now() - e.timeStamp;
            requestAnimationFrame(() => {
                window.delays[type].push([input, performance.now() - e.timeStamp]);
            });
        }, { capture: true });
    }
    const frame = (t) => {
        window.frames.push(t);
        if (window.recording) requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
";

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(async {
            let url = serve_app(common::files(400, 200));
            let (_driver, port) = chromedriver().await;
            let client = browser(port, &screenshots()).await;
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            for workers in [1, cores] {
                println!("{}", responsiveness(&client, &url, workers).await);
            }
            client.close().await.unwrap();
        });
}

/// Trains `plain` in `workers` workers; once the first epoch's matrix is drawn, hovers and
/// clicks it while the run goes on, and reports the delays and frame gaps seen meanwhile.
async fn responsiveness(client: &Client, url: &str, workers: usize) -> Value {
    client.goto(url).await.unwrap();
    train_enabled(client, "the data set to load", 120).await;
    choose(client, "backend", "cpu").await;
    choose(client, "cpu-workers", &workers.to_string()).await;
    choose(client, "model", "plain").await;
    choose(client, "subset", "1000").await;
    fill(client, "epochs", "20").await;
    click(client, "train").await;
    wait_for(
        client,
        "the first epoch's matrix",
        "document.getElementById('progress-line').textContent.startsWith('Epoch 2/')",
        300,
    )
    .await;
    client
        .execute(
            "document.getElementById('matrix-canvas').scrollIntoView({block: 'center'});",
            vec![],
        )
        .await
        .unwrap();
    client.execute(RECORD, vec![]).await.unwrap();
    let canvas = client.find(Locator::Id("matrix-canvas")).await.unwrap();
    let size = canvas.rectangle().await.unwrap();
    // Points spread over the matrix, away from its edges.
    let point = |i: usize, of: usize| {
        let f = (i as f64 + 0.5) / of as f64;
        (
            size.2 * (f - 0.5) * 0.8,
            size.3 * ((f * 7.0).fract() - 0.5) * 0.8,
        )
    };
    // The pointer moved onto the matrix at `point`.
    let move_to = |(x, y): (f64, f64)| {
        MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
            element: canvas.clone(),
            duration: None,
            x,
            y,
        })
    };
    for i in 0..HOVERS {
        let hover = move_to(point(i, HOVERS)).then(PointerAction::Pause {
            duration: std::time::Duration::from_millis(150),
        });
        client.perform_actions(hover).await.unwrap();
    }
    for i in 0..CLICKS {
        let press = move_to(point(i, CLICKS))
            .then(PointerAction::Down { button: 0 })
            .then(PointerAction::Up { button: 0 })
            .then(PointerAction::Pause {
                duration: std::time::Duration::from_millis(300),
            });
        client.perform_actions(press).await.unwrap();
    }
    let still_training = client
        .execute(
            "return document.getElementById('progress-line').textContent.startsWith('Epoch');",
            vec![],
        )
        .await
        .unwrap();
    let seen = client
        .execute(
            "window.recording = false; return { delays: window.delays, frames: window.frames, rate: document.getElementById('tp-rate').textContent };",
            vec![],
        )
        .await
        .unwrap();
    let stop = client.find(Locator::Id("stop")).await.unwrap();
    if stop.is_enabled().await.unwrap() {
        stop.click().await.unwrap();
    }
    train_enabled(client, "the run to end", 300).await;
    let column = |kind: &str, i: usize| -> Vec<f64> {
        seen["delays"][kind]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| d[i].as_f64())
            .collect()
    };
    let frames: Vec<f64> = seen["frames"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let gaps: Vec<f64> = frames.windows(2).map(|w| w[1] - w[0]).collect();
    json!({
        "workers": workers,
        "trained_throughout": still_training,
        "page_shows_img_per_s": seen["rate"],
        "hover_ms": summary(column("pointermove", 0), column("pointermove", 1)),
        "click_ms": summary(column("click", 0), column("click", 1)),
        "frame_gap_ms": { "frames": frames.len(), "median": quantile(&gaps, 0.5), "p95": quantile(&gaps, 0.95), "max": quantile(&gaps, 1.0) },
    })
}

/// Input delay and delay to the next frame: count, median, 95th percentile and worst.
fn summary(input: Vec<f64>, to_frame: Vec<f64>) -> Value {
    let stats = |v: &[f64]| json!({ "median": quantile(v, 0.5), "p95": quantile(v, 0.95), "max": quantile(v, 1.0) });
    json!({ "events": input.len(), "input_delay": stats(&input), "to_next_frame": stats(&to_frame) })
}

fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let at = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(at).map(|v| (v * 10.0).round() / 10.0)
}
