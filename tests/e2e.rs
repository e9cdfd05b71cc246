//! End to end: the release build of the app in headless Chromium, driven over WebDriver by
//! Debian's chromedriver. The app is served from a sub-path (as on GitHub Pages) with a small
//! generated data set. Independent tests, each in its own browser: a run's life (train, stop,
//! a cell's images, your own picture, downloads, reload, the weights evaluated again, a shared
//! link, bad weights, reports), the dashboard at three sizes, the charts at three sizes and two pixel
//! ratios, an archive from disk, bad data, hostile
//! servers, your own model, WebGPU's own module and a step's GPU work, twenty runs in a row
//! with the worker's memory flat, and a run in one CPU worker and in two. They need the trunk
//! build and chromedriver, so they are `#[ignore]`d in plain `cargo test`; `scripts/test`
//! builds the app and runs them with `--ignored`.
//!
//! Screenshots land in `<target>/e2e/`.

#![cfg(not(target_arch = "wasm32"))]

// A library of helpers, shared by the browser tests: each uses some of them.
#[path = "e2e_steps/chart_sizes.rs"]
mod chart_sizes;
mod common;
#[path = "common/console.rs"]
mod console;
#[path = "e2e_steps/cpu_workers.rs"]
mod cpu_workers;
#[path = "e2e_steps/dashboard.rs"]
mod dashboard;
#[path = "e2e_steps/gpu_module.rs"]
mod gpu_module;
#[path = "common/hostile.rs"]
mod hostile;
#[path = "e2e_steps/long_session.rs"]
mod long_session;
#[path = "e2e_steps/own_picture.rs"]
mod own_picture;
#[path = "common/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;
#[path = "e2e_steps/your_own_model.rs"]
mod your_own_model;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cifar_lab::serve::{Content, Site};
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use webdriver::{
    BASE, assert_charts_drawn, browser, cell_count, choose, chromedriver, click, dist, fill,
    first_cell_by_keyboard, inked_share, screenshots, text, train_enabled, wait_for,
};

/// The app plus three data folders: a good one where the page looks by default, one with a
/// truncated training batch, and none at `missing/` (404).
fn serve() -> String {
    let good = common::files(100, 100);
    let mut truncated = good.clone();
    // Cut in the middle of a record, as an interrupted copy would.
    truncated[1].1.truncate(3073 * 40 + 1000);
    let files = |f: Vec<(String, Vec<u8>)>| {
        Content::Files(Arc::new(f.into_iter().collect::<HashMap<_, _>>()))
    };
    let address = Site::new()
        .mount(BASE, Content::Dir(dist()))
        .mount_data(&format!("{BASE}data/cifar-10-batches-bin/"), files(good))
        .mount_data(&format!("{BASE}truncated/"), files(truncated))
        .spawn_local()
        .unwrap();
    format!("http://{address}{BASE}")
}

/// Puts (`"put"`) a copy of a stored run, named "damaged", whose confused pair names class
/// 99, into the page's IndexedDB; or removes it (`"delete"`).
const DAMAGE_A_STORED_RUN: &str = r#"
const [what, done] = arguments;
const open = indexedDB.open('cifar-lab', 1);
open.onsuccess = () => {
  const db = open.result;
  const tx = db.transaction('runs', 'readwrite');
  const runs = tx.objectStore('runs');
  const key = '0000000000001 damaged';
  if (what === 'delete') {
    runs.delete(key);
  } else {
    const all = runs.getAll();
    all.onsuccess = () => {
      const run = JSON.parse(all.result.find(r => JSON.parse(r).metrics));
      run.name = 'damaged';
      run.created = 1;
      run.metrics.top_confusions = [{truth: 99, predicted: 5, count: 1, share_of_truth: 0.1}];
      runs.put(JSON.stringify(run), key);
    };
  }
  tx.oncomplete = () => { db.close(); done(true); };
  tx.onabort = () => done(String(tx.error));
};
open.onerror = () => done(String(open.error));
"#;

/// Where test `test`'s browser saves downloads.
fn downloads(test: &str) -> PathBuf {
    let dir = screenshots().join(format!("downloads-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A JS expression: the text of element `id` while it is shown, else false.
fn shown(id: &str) -> String {
    format!(
        "(() => {{ const e = document.getElementById('{id}'); return !e.hidden && e.textContent; }})()"
    )
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

async fn train_a_short_run_hover_and_stop(client: &Client, url: &str) {
    client.goto(url).await.unwrap();
    train_enabled(client, "the data set to load", 120).await;
    // The page started under a policy that refuses inline scripts, and has none.
    let inline = client
        .execute(
            "return document.querySelectorAll('script:not([src])').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(inline, json!(0), "inline scripts in the built page");
    assert!(
        text(client, "data-status")
            .await
            .contains("Loaded 500 training and 100 test images")
    );
    // WebGPU answered one way or the other.
    wait_for(
        client,
        "the WebGPU line",
        "!document.getElementById('adapter').textContent.includes('looking')",
        60,
    )
    .await;

    choose(client, "backend", "cpu").await;
    choose(client, "model", "plain").await;
    // Runs with a finished epoch keep their weights in the browser too.
    let keep = client.find(Locator::Id("keep-weights")).await.unwrap();
    keep.click().await.unwrap();
    assert_eq!(
        client
            .find(Locator::Id("epochs"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("8"),
        "the tutorial's epochs for plain"
    );
    fill(client, "epochs", "1").await;
    fill(client, "batch-size", "50").await;
    choose(client, "subset", "1000").await;
    click(client, "train").await;

    let rows = "document.querySelectorAll('#history-body tr').length";
    wait_for(client, "the first epoch's history row", rows, 300).await;
    let row = text(client, "history-body").await;
    assert!(row.starts_with('1'), "{row}");
    wait_for(
        client,
        "the run to end",
        "document.getElementById('run-status').textContent.includes('done')",
        60,
    )
    .await;
    // Once the run is over, the progress line says how it went (the Keras line while it
    // trains is checked by the dashboard step).
    let line = text(client, "progress-line").await;
    assert!(line.starts_with("plain: done · 1 epoch in "), "{line}");
    assert!(line.contains(" · val_acc "), "{line}");
    assert_charts_drawn(client).await;
    let classes = client
        .execute(
            "return document.querySelectorAll('#report-body tr').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(classes, json!(11), "ten classes and the macro average");

    // Hover the middle of the matrix: a cell's tooltip appears. Pointer actions do not
    // scroll, so the canvas is brought into view first, wherever the layout puts it.
    into_view(client, "matrix-canvas").await;
    let canvas = client.find(Locator::Id("matrix-canvas")).await.unwrap();
    let hover = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: canvas,
        duration: None,
        x: 20.0,
        y: 0.0,
    });
    client.perform_actions(hover).await.unwrap();
    let tooltip = wait_for(client, "the matrix tooltip", &shown("matrix-tooltip"), 10).await;
    let tooltip = tooltip.as_str().unwrap().to_string();
    assert!(
        tooltip.starts_with("true ")
            && tooltip.contains(" → predicted ")
            && tooltip.contains("% of "),
        "{tooltip}"
    );
    screenshot(client, "trained").await;

    // A long run, stopped while it trains.
    fill(client, "epochs", "20").await;
    click(client, "train").await;
    wait_for(
        client,
        "the second run's progress",
        "document.getElementById('progress-line').textContent.startsWith('Epoch 1/20')",
        120,
    )
    .await;
    click(client, "stop").await;
    let status = wait_for(client, "the run to stop", "(() => { const s = document.getElementById('run-status').textContent; return s.includes('stopped') && s; })()", 30).await;
    assert!(
        status
            .as_str()
            .unwrap()
            .starts_with("plain #2: stopped by you in epoch 1"),
        "{status}"
    );
    train_enabled(client, "Train to be enabled again", 10).await;
    let options = client
        .execute(
            "return [...document.querySelectorAll('#matrix-run option')].map(o => o.textContent);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(options, json!(["plain", "plain #2"]));
    screenshot(client, "stopped").await;
}

/// Scrolls element `id` to the middle of the window: pointer actions do not scroll, so an
/// element the layout put below the window would never be hovered.
async fn into_view(client: &Client, id: &str) {
    let script = format!("document.getElementById('{id}').scrollIntoView({{block: 'center'}});");
    client.execute(&script, vec![]).await.unwrap();
}

/// Waits for the gallery whose caption has `words`: it must show `count` images, at most a
/// page of them.
async fn assert_gallery(client: &Client, words: &str, count: usize) {
    let script = format!(
        "(() => {{ const c = document.getElementById('gallery-caption').textContent; return c.includes('{words}') && c; }})()"
    );
    let caption = wait_for(client, "the gallery", &script, 30).await;
    let caption = caption.as_str().unwrap();
    assert!(
        caption.ends_with(&format!(": {count} images.")),
        "{caption}"
    );
    let images = client
        .execute(
            "return document.querySelectorAll('#gallery li canvas').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(images, json!(count.min(24)));
}

/// Waits for a downloaded file to be complete; returns its bytes.
async fn downloaded(dir: &Path, name: &str) -> Vec<u8> {
    let path = dir.join(name);
    let started = Instant::now();
    loop {
        // Chromium reserves `name` with an empty file, writes `name.crdownload` and renames
        // it over `name` when done: until then `name` can be read, empty. Every download
        // here has content.
        let partial = dir.join(format!("{name}.crdownload"));
        if let Ok(bytes) = std::fs::read(&path)
            && !bytes.is_empty()
            && !partial.exists()
        {
            return bytes;
        }
        let listing: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no {name} in {listing:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A run's button or check box in the runs table, by its action.
async fn click_run_button(client: &Client, run: usize, action: &str) {
    let selector = format!("#runs-body [data-run='{run}'][data-action='{action}']");
    client
        .find(Locator::Css(&selector))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The first run (`plain`, one epoch) is still on the page: its cell images, downloads, a
/// reload that keeps it, its weights evaluated again, a shared link, a bad weights file.
async fn dig_keep_and_share(client: &Client, url: &str, downloads: &Path) {
    choose(client, "matrix-run", "0").await;
    // Hover the middle of the matrix, read the cell's count, click it: that many images.
    into_view(client, "matrix-canvas").await;
    let canvas = client.find(Locator::Id("matrix-canvas")).await.unwrap();
    let at = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
        element: canvas.clone(),
        duration: None,
        x: 20.0,
        y: 0.0,
    });
    client.perform_actions(at).await.unwrap();
    let tooltip = wait_for(client, "the tooltip", &shown("matrix-tooltip"), 10).await;
    let count = cell_count(&tooltip);
    // Pressed where it hovers (an element click would press the canvas's centre, another
    // cell).
    let press = MouseActions::new("mouse".into())
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(press).await.unwrap();
    assert_gallery(client, " images.", count).await;
    // The keyboard way. The clicked cell stays chosen: the arrows move on from it, up and
    // left to the first cell; then Enter.
    let (canvas, cell) = first_cell_by_keyboard(client).await;
    let count = cell_count(&cell);
    assert!(count > 0, "{cell}");
    canvas.send_keys("\u{E007}").await.unwrap(); // Enter
    assert_gallery(client, "airplane recognised as airplane", count).await;
    let probabilities = text(client, "gallery").await;
    assert!(
        probabilities.contains("airplane ") && probabilities.contains('%'),
        "{probabilities}"
    );
    // 2,000 pixels of the fixed 560×320 chart.
    assert!(inked_share(client, "confidence-canvas").await > 0.011);
    client
        .execute(
            "document.getElementById('gallery-title').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    screenshot(client, "gallery").await;

    // Downloads: the history as Keras' CSV, and the weights.
    click_run_button(client, 0, "history.csv").await;
    let csv = String::from_utf8(downloaded(downloads, "plain-history.csv").await).unwrap();
    assert!(
        csv.starts_with("epoch,acc,loss,val_acc,val_loss,seconds\n0,"),
        "{csv}"
    );
    click_run_button(client, 0, "weights").await;
    let weights = downloaded(downloads, "plain.bpk").await;
    assert!(
        weights.len() > 6_000_000,
        "{} bytes of weights",
        weights.len()
    );
    // For PyTorch: the same weights as safetensors, and the module that loads them.
    click_run_button(client, 0, "model.safetensors").await;
    let safetensors = downloaded(downloads, "plain.safetensors").await;
    let header = u64::from_le_bytes(safetensors[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&safetensors[8..8 + header]).unwrap();
    assert!(
        header.contains("\"0.weight\":{\"dtype\":\"F32\",\"shape\":[32,3,3,3]"),
        "{header}"
    );
    assert!(header.contains("\"cifar-lab.model\":\"plain\""), "{header}");
    // The same names again later: these (DevTools' downloads overwrite) move aside.
    std::fs::rename(downloads.join("plain.bpk"), downloads.join("trained.bpk")).unwrap();
    std::fs::rename(
        downloads.join("plain.safetensors"),
        downloads.join("trained.safetensors"),
    )
    .unwrap();
    click_run_button(client, 0, "model.py").await;
    let python = String::from_utf8(downloaded(downloads, "plain-model.py").await).unwrap();
    assert!(python.contains("class Net(nn.Sequential):"), "{python}");
    let trained_acc = wait_for(
        client,
        "the run's accuracy",
        "document.querySelector('#runs-body tr td:nth-child(5)').textContent",
        5,
    )
    .await;

    // A reload keeps the runs (IndexedDB); a damaged record beside them (its confused pair
    // names class 99) is named, not drawn, and the page loads as ever.
    client
        .execute_async(DAMAGE_A_STORED_RUN, vec![json!("put")])
        .await
        .unwrap();
    client.refresh().await.unwrap();
    let listed =
        "[...document.querySelectorAll('#runs-body th')].map(t => t.textContent).join(',')";
    let names = wait_for(client, "the stored runs", listed, 60).await;
    assert_eq!(names, json!("plain,plain #2"));
    assert_eq!(
        text(client, "runs-error").await,
        "A stored run could not be read, so it is not listed: “damaged” is damaged: a confused \
         pair names class 99 → 5, but there are 10 classes."
    );
    client
        .execute_async(DAMAGE_A_STORED_RUN, vec![json!("delete")])
        .await
        .unwrap();
    let status = "document.querySelector('#runs-body tr td:nth-child(6)').textContent";
    let status = wait_for(client, "the first run's status", status, 10).await;
    assert!(
        status
            .as_str()
            .unwrap()
            .starts_with("completed; weights kept (6.5 MB)"),
        "{status}"
    );
    // The kept weights download from the browser's storage, as they were.
    click_run_button(client, 0, "weights").await;
    assert_eq!(downloaded(downloads, "plain.bpk").await, weights);
    click_run_button(client, 0, "model.safetensors").await;
    assert_eq!(
        downloaded(downloads, "plain.safetensors").await,
        safetensors
    );
    train_enabled(client, "the data set to load", 120).await;

    // The downloaded weights, evaluated again: the same accuracy (same validation split).
    choose(client, "subset", "1000").await;
    choose(client, "backend", "cpu").await;
    let input = client.find(Locator::Id("weights-file")).await.unwrap();
    input
        .send_keys(downloads.join("plain.bpk").to_str().unwrap())
        .await
        .unwrap();
    let status = wait_for(client, "the loaded weights", "(() => { const s = document.getElementById('runs-status').textContent; return s.includes('validation accuracy') && s; })()", 120).await;
    let expected = format!("validation accuracy {}", trained_acc.as_str().unwrap());
    assert!(
        status.as_str().unwrap().contains(&expected),
        "{status} vs {expected}"
    );
    // Backticks in messages are shown as code, not as raw Markdown.
    assert!(
        status
            .as_str()
            .unwrap()
            .starts_with("plain.bpk: plain weights"),
        "{status}"
    );
    let code = client
        .execute(
            "return document.querySelector('#runs-status code')?.textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(code, json!("plain"));
    // The safetensors export, read back as PyTorch's weights: the same accuracy.
    let input = client.find(Locator::Id("weights-file")).await.unwrap();
    input
        .send_keys(downloads.join("plain.safetensors").to_str().unwrap())
        .await
        .unwrap();
    let status = wait_for(client, "the safetensors weights", "(() => { const s = document.getElementById('runs-status').textContent; return s.startsWith('plain.safetensors') && s.includes('validation accuracy') && s; })()", 120).await;
    assert!(
        status.as_str().unwrap().contains(&expected),
        "{status} vs {expected}"
    );

    // A file that is not weights.
    let junk = downloads.join("junk.bpk");
    std::fs::write(&junk, b"these are not weights").unwrap();
    let input = client.find(Locator::Id("weights-file")).await.unwrap();
    input.send_keys(junk.to_str().unwrap()).await.unwrap();
    let error = wait_for(client, "the bad weights message", &shown("runs-error"), 60).await;
    assert!(
        error
            .as_str()
            .unwrap()
            .starts_with("junk.bpk: not a weights file cifar-lab reads (a .bpk, a .safetensors"),
        "{error}"
    );
    screenshot(client, "runs").await;

    // A shared link fills the form and does not train.
    choose(client, "model", "deeper").await;
    fill(client, "epochs", "3").await;
    choose(client, "augment", "flip-shift-2").await;
    click(client, "share").await;
    let link = client
        .find(Locator::Id("share-url"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(link.contains("#model=deeper&epochs=3&"), "{link}");
    assert!(link.contains("&augment=flip-shift-2&"), "{link}");
    client.goto(url).await.unwrap();
    client.goto(&link).await.unwrap();
    client.refresh().await.unwrap();
    wait_for(
        client,
        "the shared settings",
        "document.getElementById('share-notice').textContent.includes('shared link')",
        30,
    )
    .await;
    let model = client
        .find(Locator::Id("model"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    let epochs = client
        .find(Locator::Id("epochs"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    let augment = client
        .find(Locator::Id("augment"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(
        (model.as_deref(), epochs.as_deref(), augment.as_deref()),
        (Some("deeper"), Some("3"), Some("flip-shift-2"))
    );
    // Filled in, not started: the progress line tells the newest stored run's outcome.
    let progress = text(client, "progress-line").await;
    assert!(
        !progress.starts_with("Epoch") && progress.contains(": "),
        "{progress}"
    );
    client.goto(&format!("{url}#model=resnet")).await.unwrap();
    client.refresh().await.unwrap();
    let notice = wait_for(
        client,
        "the malformed-link notice",
        "document.getElementById('share-notice').textContent",
        30,
    )
    .await;
    assert!(
        notice
            .as_str()
            .unwrap()
            .starts_with("The link's settings were ignored"),
        "{notice}"
    );

    // Removing a run removes it for good.
    let names = wait_for(client, "the stored runs", listed, 60).await;
    assert_eq!(
        names,
        json!("plain,plain #2,plain (loaded),plain (loaded) #2")
    );
    click_run_button(client, 1, "remove").await;
    wait_for(
        client,
        "the removal",
        "document.getElementById('runs-status').textContent.startsWith('Removed plain #2')",
        10,
    )
    .await;
    client.refresh().await.unwrap();
    wait_for(
        client,
        "the runs after a reload",
        &format!("{listed} === 'plain,plain (loaded),plain (loaded) #2'"),
        60,
    )
    .await;
}

/// A run's report, and two runs compared in one: the HTML `cifar-lab report` writes, with
/// its charts inline, which opens from disk without a server or a network.
async fn reports_of_one_run_and_of_two(client: &Client, downloads: &Path) {
    click_run_button(client, 0, "report.html").await;
    let one = String::from_utf8(downloaded(downloads, "plain-report.html").await).unwrap();
    assert!(one.starts_with("<!doctype html>"), "{}", &one[..100]);
    assert!(one.contains("<h2>Run plain</h2>"));
    // The curves, and the counts and recall matrices.
    assert_eq!(one.matches("<svg").count(), 3);
    // Self-contained: nothing to fetch.
    for outside in ["<link", "<script", " src=", "url("] {
        assert!(!one.contains(outside), "the report refers to {outside}");
    }
    let report = downloads.join("plain-report.html");
    let report = report.to_str().unwrap();
    assert!(one.contains("<h3>Per class</h3>") && one.contains("Diagnosis"));

    for run in [0, 1] {
        click_run_button(client, run, "tick").await;
    }
    click(client, "report-ticked").await;
    let both = String::from_utf8(downloaded(downloads, "cifar-lab-report.html").await).unwrap();
    assert!(both.contains("<h2>Run plain</h2>") && both.contains("<h2>Run plain (loaded)</h2>"));
    assert!(both.contains("cifar-lab report: plain, plain (loaded)"));

    // Opened from disk, its charts are drawn with their labels.
    client.goto(&format!("file://{report}")).await.unwrap();
    let drawn = wait_for(
        client,
        "the report's charts",
        "document.querySelectorAll('svg text').length > 100 && document.querySelectorAll('svg').length",
        10,
    )
    .await;
    assert_eq!(drawn, json!(3));
    screenshot(client, "report").await;
}

/// The official archive picked from disk is read in the page's worker; a file that is not
/// one is refused with its name.
async fn archive_from_disk(client: &Client, url: &str, downloads: &Path) {
    let archive = downloads.join("cifar-10-binary.tar.gz");
    std::fs::write(&archive, common::official_tar_gz(&common::files(30, 20))).unwrap();
    client.goto(&format!("{url}?data=missing/")).await.unwrap();
    let error = &shown("data-error");
    wait_for(client, "the 404 message", error, 60).await;
    let input = client.find(Locator::Id("archive")).await.unwrap();
    input.send_keys(archive.to_str().unwrap()).await.unwrap();
    let status = "document.getElementById('data-status').textContent";
    let loaded = wait_for(
        client,
        "the archive",
        &format!("{status}.startsWith('Loaded') && {status}"),
        60,
    )
    .await;
    let loaded = loaded.as_str().unwrap();
    assert!(
        loaded
            .starts_with("Loaded 150 training and 20 test images from cifar-10-binary.tar.gz in "),
        "{loaded}"
    );
    train_enabled(client, "Train", 30).await;

    let wrong = downloads.join("notes.tar.gz");
    std::fs::write(&wrong, b"plain text, not gzip").unwrap();
    let input = client.find(Locator::Id("archive")).await.unwrap();
    input.send_keys(wrong.to_str().unwrap()).await.unwrap();
    let message = wait_for(client, "the wrong-archive message", error, 60).await;
    assert!(
        message.as_str().unwrap().starts_with("notes.tar.gz: "),
        "{message}"
    );
}

async fn bad_data_gives_a_clear_message(client: &Client, url: &str) {
    client.goto(&format!("{url}?data=missing/")).await.unwrap();
    let error = &shown("data-error");
    let message = wait_for(client, "the 404 message", error, 60).await;
    let message = message.as_str().unwrap();
    assert!(
        message.contains("missing/data_batch_1.bin") && message.contains("HTTP 404"),
        "{message}"
    );
    assert!(
        client
            .find(Locator::Id("train"))
            .await
            .unwrap()
            .attr("disabled")
            .await
            .unwrap()
            .is_some()
    );
    screenshot(client, "missing-data").await;

    client
        .goto(&format!("{url}?data=truncated/"))
        .await
        .unwrap();
    let message = wait_for(client, "the truncated-batch message", error, 60).await;
    let message = message.as_str().unwrap();
    assert!(message.contains("truncated/data_batch_2.bin"), "{message}");
    assert!(
        message.contains("official CIFAR-10 binary version"),
        "{message}"
    );
    screenshot(client, "truncated-data").await;

    // A link naming another site's data: nothing is fetched until Load is pressed.
    let status =
        open_other_sites_link(client, &format!("{url}?data=http://localhost:9/elsewhere/")).await;
    assert!(
        status.as_str().unwrap().contains("http://localhost:9"),
        "{status}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        text(client, "data-error").await.is_empty(),
        "no download was tried"
    );
}

/// Opens a link whose data lives on another site and waits until the page offers to load it
/// (a Load pressed before the app has read the link does nothing); returns the notice.
async fn open_other_sites_link(client: &Client, link: &str) -> Value {
    client.goto(link).await.unwrap();
    let notice = "(() => { const s = document.getElementById('data-status').textContent; \
                  return s.includes('another site') && s; })()";
    wait_for(client, "the other-site notice", notice, 30).await
}

/// A server that claims 4 GB for a batch is refused before its body is read; one that
/// stops sending is abandoned when Stop is pressed, or after 30 s without a byte.
/// Returns the hostile server's address.
async fn hostile_servers_are_bounded(client: &Client, url: &str) -> String {
    let hostile = hostile::start();
    let error = &shown("data-error");
    open_other_sites_link(client, &format!("{url}?data={hostile}lying/")).await;
    click(client, "load-url").await;
    let message = wait_for(client, "the oversized-batch message", error, 60).await;
    let message = message.as_str().unwrap();
    assert!(
        message.contains("larger than the 30730000 bytes"),
        "{message}"
    );

    open_other_sites_link(client, &format!("{url}?data={hostile}stalling/")).await;
    click(client, "load-url").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    click(client, "stop").await;
    let message = wait_for(client, "the stopped load", error, 30).await;
    let message = message.as_str().unwrap();
    assert!(message.starts_with("loading stopped"), "{message}");

    // Left alone, the stalled download is given up after 30 s without a byte.
    click(client, "load-url").await;
    let message = wait_for(client, "the idle timeout", error, 90).await;
    let message = message.as_str().unwrap();
    assert!(message.contains("nothing arrived for 30 s"), "{message}");
    hostile
}

/// One test's own browser: a fresh Chromium (its own profile, so its own IndexedDB and
/// cache) with its own downloads folder, on a fresh server.
struct Page {
    client: Client,
    url: String,
    downloads: PathBuf,
    _driver: webdriver::Driver,
}

async fn open(test: &str) -> Page {
    let url = serve();
    let downloads = downloads(test);
    let (driver, port) = chromedriver().await;
    let client = browser(port, &downloads).await;
    Page {
        client,
        url,
        downloads,
        _driver: driver,
    }
}

/// No console error, except those `expected` matches.
async fn clean(page: &Page, step: &str, expected: impl Fn(&str) -> bool) {
    console::assert_clean(&page.client, step, expected).await;
}

fn none(_: &str) -> bool {
    false
}

fn missing(message: &str) -> bool {
    message.contains("/missing/") && message.contains("404")
}

// Each test sets up what it needs in its own browser, so a failure names its test and the
// others still run (in parallel, as cargo runs tests). The console stays clean under the
// server's Content-Security-Policy: a test that asks for a missing or hostile server's files
// expects those requests' errors, and no other.

/// One run's life: trained, its matrix hovered, stopped; your own picture named by it; its
/// cells' images, downloads, a reload that keeps it, its weights evaluated again, a link.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn a_run_is_trained_dug_into_kept_and_shared() {
    let page = open("run").await;
    train_a_short_run_hover_and_stop(&page.client, &page.url).await;
    clean(&page, "a short run, hover and stop", none).await;
    own_picture::a_picture_of_your_own_is_named(&page.client).await;
    clean(&page, "your own picture", none).await;
    dig_keep_and_share(&page.client, &page.url, &page.downloads).await;
    clean(&page, "digging, keeping and sharing", none).await;
    reports_of_one_run_and_of_two(&page.client, &page.downloads).await;
    clean(&page, "reports", none).await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn the_dashboard_fits_the_window_at_three_sizes() {
    let page = open("dashboard").await;
    dashboard::the_dashboard_fits_the_window(&page.client, &page.url).await;
    clean(&page, "the dashboard at three sizes", none).await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn the_charts_are_drawn_for_their_box_and_pixel_ratio() {
    let page = open("chart-sizes").await;
    chart_sizes::charts_fit_at_every_size_and_ratio(&page.client, &page.url).await;
    clean(
        &page,
        "the charts at three sizes and two pixel ratios",
        none,
    )
    .await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn an_archive_on_this_device_loads_and_a_wrong_one_is_named() {
    let page = open("archive").await;
    archive_from_disk(&page.client, &page.url, &page.downloads).await;
    clean(&page, "reading an archive", missing).await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn missing_and_truncated_data_and_other_sites_links_are_clear() {
    let page = open("bad-data").await;
    bad_data_gives_a_clear_message(&page.client, &page.url).await;
    clean(&page, "bad data", missing).await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn hostile_servers_are_bounded_and_stoppable() {
    let page = open("hostile").await;
    let hostile = hostile_servers_are_bounded(&page.client, &page.url).await;
    clean(&page, "hostile servers", |m| m.contains(&hostile)).await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn the_augmentation_strip_and_your_own_model() {
    let page = open("own-model").await;
    your_own_model::augmentation_strip_and_your_own_model(&page.client, &page.url).await;
    clean(&page, "your own model", none).await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn webgpu_loads_its_own_module_and_counts_a_step() {
    let page = open("gpu").await;
    gpu_module::webgpu_loads_its_own_module_and_counts_a_step(&page.client, &page.url).await;
    clean(&page, "the GPU module", none).await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn twenty_runs_keep_the_workers_memory_flat() {
    let page = open("long").await;
    long_session::twenty_runs_keep_memory_flat(&page.client, &page.url).await;
    clean(&page, "twenty runs", none).await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn one_and_two_cpu_workers_train_alike() {
    let page = open("workers").await;
    cpu_workers::one_and_two_workers_train_alike(&page.client, &page.url).await;
    clean(&page, "CPU workers", none).await;
    page.client.close().await.unwrap();
}
