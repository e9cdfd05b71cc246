//! The core flow in a second browser: Firefox ESR (Debian's `firefox-esr`, driven by
//! geckodriver), where WebGPU is off and the page trains on the CPU in WebAssembly. Load the
//! data, train a short run, see the curves, the matrix and a cell's images, keep the run and
//! find it again after a reload. Needs the trunk build, Firefox and geckodriver, so it is
//! `#[ignore]`d in plain `cargo test`; `scripts/test` runs it with `--ignored`.

#![cfg(not(target_arch = "wasm32"))]

// A library of helpers, shared by the browser tests: each uses some of them.
mod common;
#[path = "common/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use fantoccini::Locator;
use webdriver::{
    cell_count, choose, click, fill, firefox, first_cell_by_keyboard, geckodriver, inked,
    screenshots, serve_app, text, train_enabled, wait_for,
};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build, firefox-esr and geckodriver: scripts/test runs it"]
async fn the_core_flow_works_in_firefox() {
    let url = serve_app(common::files(100, 100));
    let downloads = screenshots().join("firefox-downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let (_driver, port) = geckodriver().await;
    let client = firefox(port, &downloads).await;

    client.goto(&url).await.unwrap();
    train_enabled(&client, "the data set to load", 180).await;
    assert!(
        text(&client, "data-status")
            .await
            .contains("Loaded 500 training and 100 test images"),
    );
    // No WebGPU in Firefox ESR: the page says so, and Auto trains on the CPU.
    let adapter = wait_for(
        &client,
        "the WebGPU line",
        "(() => { const t = document.getElementById('adapter').textContent; return !t.includes('looking') && t; })()",
        60,
    )
    .await;
    println!("Firefox's WebGPU line: {adapter}");

    choose(&client, "model", "plain").await;
    fill(&client, "epochs", "1").await;
    fill(&client, "batch-size", "50").await;
    choose(&client, "subset", "1000").await;
    client
        .find(Locator::Id("keep-weights"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(&client, "train").await;
    wait_for(
        &client,
        "the run to end",
        "document.getElementById('run-status').textContent.includes('done')",
        600,
    )
    .await;
    assert_eq!(text(&client, "tp-backend").await, "CPU");
    let line = text(&client, "progress-line").await;
    assert!(line.starts_with("plain: done · 1 epoch in "), "{line}");
    for canvas in ["acc-canvas", "loss-canvas", "matrix-canvas"] {
        let ink = inked(&client, canvas).await;
        assert!(ink > 3_000, "{canvas} inked {ink} pixels");
    }

    // A cell's images, the keyboard way: the first cell, Enter.
    let (canvas, cell) = first_cell_by_keyboard(&client).await;
    let count = cell_count(&cell);
    canvas.send_keys("\u{E007}").await.unwrap(); // Enter
    let caption = wait_for(
        &client,
        "the gallery",
        "(() => { const c = document.getElementById('gallery-caption').textContent; return c.includes('airplane recognised as airplane') && c; })()",
        30,
    )
    .await;
    assert!(
        caption
            .as_str()
            .unwrap()
            .ends_with(&format!(": {count} images.")),
        "{caption}"
    );
    let shown = client
        .execute(
            "return document.querySelectorAll('#gallery li canvas').length;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(shown.as_u64(), Some(count.min(24) as u64));
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join("firefox.png"), png).unwrap();

    // Kept in IndexedDB, with its weights: after a reload the run is listed again.
    wait_for(
        &client,
        "the weights to be kept",
        "document.getElementById('runs-body').textContent.includes('weights kept')",
        60,
    )
    .await;
    client.refresh().await.unwrap();
    let runs = wait_for(
        &client,
        "the kept run after a reload",
        "(() => { const t = document.getElementById('runs-body').textContent; return t.includes('plain') && t; })()",
        60,
    )
    .await;
    println!("runs after the reload: {runs}");
    let line = wait_for(
        &client,
        "the restored run's progress line",
        "(() => { const t = document.getElementById('progress-line').textContent; return t.startsWith('plain: done') && t; })()",
        30,
    )
    .await;
    println!("progress line after the reload: {line}");
    client.close().await.unwrap();
}
