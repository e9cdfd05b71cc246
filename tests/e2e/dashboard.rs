//! The page as a dashboard: at 1366×768 and 1920×1080, while a run trains, its progress line,
//! Stop, the accuracy curve and the confusion matrix are all in the window without scrolling,
//! and a clicked cell's first image comes into view; at 390×844 nothing is wider than the
//! screen, before and after a run. Measured from the elements' bounding boxes.

use fantoccini::Client;
use fantoccini::Locator;
use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use serde_json::Value;

use super::webdriver::{choose, click, fill, screenshot, train_enabled, viewport, wait_for};

/// Each element's box, and whether it lies wholly inside the window.
async fn boxes(client: &Client, ids: &[&str]) -> Value {
    let script = format!(
        "return {ids:?}.map(id => {{
           const r = document.getElementById(id).getBoundingClientRect();
           const inside = r.width > 0 && r.top >= 0 && r.left >= 0
             && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
           return {{id, top: Math.round(r.top), bottom: Math.round(r.bottom),
                    left: Math.round(r.left), right: Math.round(r.right), inside}};
         }});"
    );
    client.execute(&script, vec![]).await.unwrap()
}

async fn assert_inside(client: &Client, what: &str, ids: &[&str]) {
    let found = boxes(client, ids).await;
    let height = client
        .execute("return [window.innerWidth, window.innerHeight, document.documentElement.scrollHeight];", vec![])
        .await
        .unwrap();
    println!("{what}: viewport and page height {height}, boxes {found}");
    let outside: Vec<&Value> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["inside"] != Value::Bool(true))
        .collect();
    assert!(
        outside.is_empty(),
        "{what}: outside the window: {outside:?}"
    );
}

/// The page's width beyond the layout viewport's (`clientWidth`, without a scroll bar), in
/// CSS pixels (0: nothing sticks out), and the outermost elements that stick out.
async fn overflow(client: &Client) -> (i64, Value) {
    let script = "const width = document.documentElement.clientWidth;
        const out = [...document.querySelectorAll('body *')]
          .filter(e => e.getBoundingClientRect().right > width + 0.5)
          .filter(e => !(e.parentElement && e.parentElement.getBoundingClientRect().right > width + 0.5))
          .map(e => `${e.tagName.toLowerCase()}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
        return [document.documentElement.scrollWidth - width, out];";
    let found = client.execute(script, vec![]).await.unwrap();
    (found[0].as_i64().unwrap(), found[1].clone())
}

async fn start_a_run(client: &Client, epochs: &str) {
    choose(client, "backend", "cpu").await;
    choose(client, "model", "plain").await;
    fill(client, "epochs", epochs).await;
    fill(client, "batch-size", "50").await;
    choose(client, "subset", "1000").await;
    click(client, "train").await;
}

/// Chooses a matrix cell with images by keyboard (row "airplane"), then clicks it where the
/// tooltip says it is; returns its count.
async fn click_a_cell_with_images(client: &Client) -> u64 {
    client
        .execute("document.getElementById('matrix-canvas').focus();", vec![])
        .await
        .unwrap();
    let canvas = client.find(Locator::Id("matrix-canvas")).await.unwrap();
    canvas.send_keys("\u{E015}").await.unwrap(); // ArrowDown: the first cell
    for _ in 0..10 {
        let words = client
            .execute(
                "return document.getElementById('matrix-cell').textContent;",
                vec![],
            )
            .await
            .unwrap();
        let words = words.as_str().unwrap().to_string();
        let count: u64 = words
            .split(": ")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        if count > 0 {
            // The tooltip names the cell's centre in CSS pixels of the canvas; pointer
            // offsets count from the canvas's centre.
            let at = client
                .execute(
                    "const t = document.getElementById('matrix-tooltip');
                     const c = document.getElementById('matrix-canvas');
                     return [t.dataset.x - c.clientWidth / 2, t.dataset.y - c.clientHeight / 2];",
                    vec![],
                )
                .await
                .unwrap();
            let (x, y) = (at[0].as_f64().unwrap(), at[1].as_f64().unwrap());
            let press = MouseActions::new("mouse".into())
                .then(PointerAction::MoveToElement {
                    element: canvas.clone(),
                    duration: None,
                    x,
                    y,
                })
                .then(PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                })
                .then(PointerAction::Up {
                    button: MOUSE_BUTTON_LEFT,
                });
            client.perform_actions(press).await.unwrap();
            return count;
        }
        canvas.send_keys("\u{E014}").await.unwrap(); // ArrowRight
    }
    panic!("no cell with images in the first row");
}

pub async fn the_dashboard_fits_the_window(client: &Client, url: &str) {
    for (width, height) in [(1366, 768), (1920, 1080)] {
        viewport(client, width, height).await;
        client.goto(url).await.unwrap();
        train_enabled(client, "the data set to load", 120).await;
        screenshot(client, &format!("dashboard-{width}-opened")).await;
        start_a_run(client, "20").await;
        let epoch_two =
            "document.getElementById('progress-line').textContent.startsWith('Epoch 2/20')";
        wait_for(client, "the second epoch", epoch_two, 120).await;
        let line = client
            .execute(
                "return document.getElementById('progress-line').textContent;",
                vec![],
            )
            .await
            .unwrap();
        let line = line.as_str().unwrap();
        assert!(
            line.contains("/500 · ") && line.contains(" img/s · loss ") && line.contains(" · acc "),
            "the Keras line: {line}"
        );
        let during = ["progress-line", "stop", "acc-canvas", "matrix-canvas"];
        assert_inside(client, &format!("{width}×{height} during a run"), &during).await;
        screenshot(client, &format!("dashboard-{width}-running")).await;
        // The worker trains the running model; its cells' images come once it stops.
        click(client, "stop").await;
        train_enabled(client, "the run to stop", 60).await;

        let count = click_a_cell_with_images(client).await;
        let first = "document.querySelector('#gallery li canvas')";
        wait_for(client, "the cell's images", first, 30).await;
        let title = client
            .execute(
                "return document.getElementById('gallery-title').textContent;",
                vec![],
            )
            .await
            .unwrap();
        let title = title.as_str().unwrap();
        assert!(
            title.starts_with(&format!("{count} image")) && title.contains("airplane"),
            "{title}"
        );
        client
            .execute(
                "document.querySelector('#gallery li canvas').id = 'first-image';",
                vec![],
            )
            .await
            .unwrap();
        assert_inside(
            client,
            &format!("{width}×{height} after a cell click"),
            &["first-image"],
        )
        .await;
        screenshot(client, &format!("dashboard-{width}-gallery")).await;
    }

    viewport(client, 390, 844).await;
    client.goto(url).await.unwrap();
    train_enabled(client, "the data set to load", 120).await;
    let (wider, out) = overflow(client).await;
    assert!(
        wider <= 0,
        "390 px wide, as the page opens: {wider} px too wide: {out}"
    );
    screenshot(client, "dashboard-390-opened").await;
    start_a_run(client, "1").await;
    let done = "document.getElementById('run-status').textContent.includes('done')";
    wait_for(client, "the narrow run", done, 120).await;
    let (wider, out) = overflow(client).await;
    assert!(
        wider <= 0,
        "390 px wide, after a run: {wider} px too wide: {out}"
    );
    screenshot(client, "dashboard-390-trained").await;
    viewport(client, 1280, 2200).await;
}
