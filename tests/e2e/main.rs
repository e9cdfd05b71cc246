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

// The helpers shared with the other WebDriver suites (tests/engines.rs, benches/page.rs).
#[path = "../common/mod.rs"]
mod common;
#[path = "../common/webdriver.rs"]
#[allow(dead_code)]
mod webdriver;

// The scenarios, a file each, and what only they use.
mod chart_sizes;
mod console;
mod cpu_workers;
mod dashboard;
mod data_errors;
mod gpu_module;
mod hostile;
mod kept_and_shared;
mod long_session;
mod own_picture;
mod run_life;
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
    first_cell_by_keyboard, inked_share, screenshot, screenshots, text, train_enabled, wait_for,
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
    run_life::train_a_short_run_hover_and_stop(&page.client, &page.url).await;
    clean(&page, "a short run, hover and stop", none).await;
    own_picture::a_picture_of_your_own_is_named(&page.client).await;
    clean(&page, "your own picture", none).await;
    kept_and_shared::dig_keep_and_share(&page.client, &page.url, &page.downloads).await;
    clean(&page, "digging, keeping and sharing", none).await;
    run_life::reports_of_one_run_and_of_two(&page.client, &page.downloads).await;
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
    data_errors::archive_from_disk(&page.client, &page.url, &page.downloads).await;
    clean(&page, "reading an archive", missing).await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn missing_and_truncated_data_and_other_sites_links_are_clear() {
    let page = open("bad-data").await;
    data_errors::bad_data_gives_a_clear_message(&page.client, &page.url).await;
    clean(&page, "bad data", missing).await;
    page.client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the trunk build and chromedriver: scripts/test runs it"]
async fn hostile_servers_are_bounded_and_stoppable() {
    let page = open("hostile").await;
    let hostile = hostile::hostile_servers_are_bounded(&page.client, &page.url).await;
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
