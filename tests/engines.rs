//! The core flow in the other engines: Firefox ESR (Debian's `firefox-esr`, driven by
//! geckodriver) and WebKit, Safari's engine (Debian's WebKitGTK MiniBrowser, driven by
//! WebKitWebDriver, in an X server: `scripts/test` runs it under `xvfb-run`). WebGPU is off in
//! both and the page trains on the CPU in WebAssembly. Load the data, train a short run, see
//! the curves (drawn for their boxes), the matrix and a cell's images, keep the run and find it
//! again after a reload; screenshots at 1366×768 and 390×844. Needs the trunk build, the
//! browsers and their drivers, so it is `#[ignore]`d in plain `cargo test`; `scripts/test` runs
//! it with `--ignored`.

#![cfg(not(target_arch = "wasm32"))]

// A library of helpers, shared by the browser tests: each uses some of them.
mod common;
#[path = "common/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

use fantoccini::{Client, Locator};
use webdriver::{
    BASELINE_MODULE, RELAXED_MODULE, assert_charts_drawn, cell_count, charts_fit_their_boxes,
    choose, click, fill, firefox, first_cell_by_keyboard, geckodriver, screenshots, serve_app,
    text, train_enabled, viewport, wait_for, wasm_fetched, webkit, webkit_driver,
};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build, firefox-esr and geckodriver: scripts/test runs it"]
async fn the_core_flow_works_in_firefox() {
    let downloads = screenshots().join("firefox-downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let (_driver, port) = geckodriver().await;
    let client = firefox(port, &downloads).await;
    core_flow(&client, "firefox").await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build, WebKitWebDriver and an X server: scripts/test runs it"]
async fn the_core_flow_works_in_webkit() {
    let (_driver, port) = webkit_driver().await;
    let client = webkit(port).await;
    core_flow(&client, "webkit").await;
}

/// The flow in `engine`'s browser; screenshots named after it.
async fn core_flow(client: &Client, engine: &str) {
    let url = serve_app(common::files(100, 100));
    client.goto(&url).await.unwrap();
    train_enabled(client, "the data set to load", 180).await;
    assert!(
        text(client, "data-status")
            .await
            .contains("Loaded 500 training and 100 test images"),
    );
    // No WebGPU in Firefox ESR or WebKitGTK: the page says so, and Auto trains on the CPU.
    let adapter = wait_for(
        client,
        "the WebGPU line",
        "(() => { const t = document.getElementById('adapter').textContent; return !t.includes('looking') && t; })()",
        60,
    )
    .await;
    println!("{engine}'s WebGPU line: {adapter}");
    // One build of the CPU module, the one the engine runs: relaxed SIMD in Firefox 145 and
    // later (ESR 153 here), the baseline in WebKit, which has no relaxed SIMD.
    let expected = match engine {
        "firefox" => RELAXED_MODULE,
        _ => BASELINE_MODULE,
    };
    assert_eq!(wasm_fetched(client).await, [expected], "{engine}");

    choose(client, "model", "plain").await;
    fill(client, "epochs", "1").await;
    fill(client, "batch-size", "50").await;
    choose(client, "subset", "1000").await;
    client
        .find(Locator::Id("keep-weights"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(client, "train").await;
    wait_for(
        client,
        "the run to end",
        "document.getElementById('run-status').textContent.includes('done')",
        600,
    )
    .await;
    assert_eq!(text(client, "tp-backend").await, "CPU");
    let line = text(client, "progress-line").await;
    assert!(line.starts_with("plain: done · 1 epoch in "), "{line}");
    assert_charts_drawn(client).await;

    // A cell's images, the keyboard way: the first cell, Enter.
    let (canvas, cell) = first_cell_by_keyboard(client).await;
    let count = cell_count(&cell);
    canvas.send_keys("\u{E007}").await.unwrap(); // Enter
    let caption = wait_for(
        client,
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
    std::fs::write(screenshots().join(format!("{engine}.png")), png).unwrap();
    for (width, height) in [(1366, 768), (390, 844)] {
        viewport(client, width, height).await;
        charts_fit_their_boxes(client, &format!("{engine} at {width}×{height}")).await;
        client
            .execute("window.scrollTo(0, 0);", vec![])
            .await
            .unwrap();
        let png = client.screenshot().await.unwrap();
        let name = format!("{engine}-{width}x{height}.png");
        std::fs::write(screenshots().join(name), png).unwrap();
    }

    // Kept in IndexedDB, with its weights: after a reload the run is listed again.
    wait_for(
        client,
        "the weights to be kept",
        "document.getElementById('runs-body').textContent.includes('weights kept')",
        60,
    )
    .await;
    client.refresh().await.unwrap();
    let runs = wait_for(
        client,
        "the kept run after a reload",
        "(() => { const t = document.getElementById('runs-body').textContent; return t.includes('plain') && t; })()",
        60,
    )
    .await;
    println!("runs after the reload: {runs}");
    let line = wait_for(
        client,
        "the restored run's progress line",
        "(() => { const t = document.getElementById('progress-line').textContent; return t.startsWith('plain: done') && t; })()",
        30,
    )
    .await;
    println!("progress line after the reload: {line}");
    client.clone().close().await.unwrap();
}
