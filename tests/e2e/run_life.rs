//! One run's life in the page: trained, its matrix hovered and stopped; then reports of one
//! run and of two.

use super::*;

pub(crate) async fn train_a_short_run_hover_and_stop(client: &Client, url: &str) {
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

/// A run's report, and two runs compared in one: the HTML `cifar-lab report` writes, with
/// its charts inline, which opens from disk without a server or a network.
pub(crate) async fn reports_of_one_run_and_of_two(client: &Client, downloads: &Path) {
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
