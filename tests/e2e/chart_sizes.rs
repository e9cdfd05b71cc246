//! The charts are drawn for the box they are shown in: after a short run, at 1024, 1366 and
//! 1920 CSS pixels wide and at `devicePixelRatio` 1 and 2 (Chromium's device metrics, changed
//! while the page is open, as a window moved to a Retina screen), every chart's bitmap is its
//! CSS box times the ratio (±1 px), and the accuracy chart's axis title ("epoch") is inked the
//! same height in CSS pixels at every size: text keeps its size, neither shrunk with the box
//! nor stretched with the ratio.

use fantoccini::Client;

use super::webdriver::{
    charts_fit_their_boxes, choose, click, emulate_screen, fill, screenshots, train_enabled,
    wait_for,
};

/// The inked height, in CSS pixels, of the lowest line of text in the accuracy chart: its
/// x-axis title, under the tick labels, with blank rows between them.
const AXIS_TITLE_HEIGHT: &str = "
    const c = document.getElementById('acc-canvas');
    const ratio = c.width / (c.getBoundingClientRect().width - (c.offsetWidth - c.clientWidth));
    const band = Math.round(48 * ratio);
    const d = c.getContext('2d').getImageData(0, c.height - band, c.width, band).data;
    const dark = y => {
      for (let x = Math.round(c.width * 0.3); x < Math.round(c.width * 0.9); x++) {
        const i = (y * c.width + x) * 4;
        if (d[i + 3] > 0 && d[i] < 120 && d[i + 1] < 120 && d[i + 2] < 120) return true;
      }
      return false;
    };
    let y = band - 1;
    while (y >= 0 && !dark(y)) y--;
    const bottom = y;
    while (y >= 0 && dark(y)) y--;
    return bottom < 0 ? 0 : (bottom - y) / ratio;";

pub async fn charts_fit_at_every_size_and_ratio(client: &Client, url: &str) {
    client.goto(url).await.unwrap();
    train_enabled(client, "the data set to load", 120).await;
    choose(client, "backend", "cpu").await;
    choose(client, "model", "plain").await;
    fill(client, "epochs", "1").await;
    fill(client, "batch-size", "50").await;
    choose(client, "subset", "1000").await;
    click(client, "train").await;
    wait_for(
        client,
        "the run to end",
        "document.getElementById('run-status').textContent.includes('done')",
        300,
    )
    .await;

    let mut heights = Vec::new();
    for ratio in [1.0, 2.0] {
        for (width, height) in [(1024, 768), (1366, 768), (1920, 1080)] {
            emulate_screen(client, width, height, ratio).await;
            let what = format!("{width}×{height} at ratio {ratio}");
            let sizes = charts_fit_their_boxes(client, &what).await;
            let title = client.execute(AXIS_TITLE_HEIGHT, vec![]).await.unwrap();
            let title = title.as_f64().unwrap();
            println!("{what}: bitmaps {sizes}, axis title {title} CSS px high");
            heights.push(((width, ratio), title));
            if width == 1024 || ratio == 2.0 && width == 1366 {
                let png = client.screenshot().await.unwrap();
                let name = format!("charts-{width}x{height}-ratio{ratio}.png");
                std::fs::write(screenshots().join(name), png).unwrap();
            }
        }
    }
    // 14 px text with an ascender and a descender ("epoch"): about 13 px of ink.
    let (lowest, highest) = heights.iter().fold((f64::MAX, 0f64), |(lo, hi), (_, h)| {
        (lo.min(*h), hi.max(*h))
    });
    assert!(
        lowest >= 10.0,
        "the axis title is inked too small: {heights:?}"
    );
    // Within a pixel, and half a pixel more across ratios: ink is counted in whole device
    // pixels, a CSS pixel at ratio 1 and half of one at 2. A chart shrunk by CSS to 45 %, as
    // before, inked it 6 px high.
    assert!(
        highest - lowest <= 1.5,
        "the axis title changes size with the box or the ratio: {heights:?}"
    );
}
