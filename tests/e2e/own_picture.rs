//! "Your own picture": a picture generated in the page (no fixture file) is dropped on the
//! panel, shrunk to 32×32, and named by the matrix's run; a file that is no picture is refused
//! in words.

use fantoccini::Client;
use serde_json::json;

use super::webdriver::{choose, text, wait_for};

/// Builds a 240×160 PNG in the page (sky over grass, a dark blob) and hands it over as a
/// drop on the panel, or as the file input's pick when `drop` is false.
async fn give_picture(client: &Client, drop: bool) {
    let script = "
        // WebDriver passes the callback that ends the script last.
        const [drop, done] = arguments;
        const c = document.createElement('canvas');
        c.width = 240; c.height = 160;
        const g = c.getContext('2d');
        g.fillStyle = '#6aa8e8'; g.fillRect(0, 0, 240, 90);
        g.fillStyle = '#3c8a2e'; g.fillRect(0, 90, 240, 70);
        g.fillStyle = '#3a2a1a'; g.beginPath(); g.arc(120, 95, 35, 0, 7); g.fill();
        c.toBlob(blob => {
            const dt = new DataTransfer();
            dt.items.add(new File([blob], 'mine.png', { type: 'image/png' }));
            if (drop) {
                document.getElementById('picture-drop')
                    .dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
            } else {
                const input = document.getElementById('picture-file');
                input.files = dt.files;
                input.dispatchEvent(new Event('change', { bubbles: true }));
            }
            done(true);
        }, 'image/png');";
    client
        .execute_async(script, vec![json!(drop)])
        .await
        .unwrap();
}

/// The listed classes' percentages, most probable first.
async fn listed(client: &Client) -> Vec<(String, f64)> {
    let rows = client
        .execute(
            "return [...document.querySelectorAll('#picture-top li')].map(li => [li.children[0].textContent, li.children[2].textContent, li.children[1].value]);",
            vec![],
        )
        .await
        .unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let class = row[0].as_str().unwrap().to_string();
            let percent: f64 = row[1]
                .as_str()
                .unwrap()
                .trim_end_matches(" %")
                .parse()
                .unwrap();
            let bar = row[2].as_f64().unwrap();
            assert!(
                (bar * 100.0 - percent).abs() < 0.06,
                "{class}: bar {bar} vs {percent} %"
            );
            (class, percent)
        })
        .collect()
}

/// After the short runs: the matrix shows `plain #2`, stopped before its first epoch; `plain`
/// (index 0) has a model in the worker.
pub async fn a_picture_of_your_own_is_named(client: &Client) {
    let caption = "document.getElementById('picture-caption').textContent";
    give_picture(client, true).await;
    let waiting = wait_for(
        client,
        "the picture's caption",
        &format!("{caption}.startsWith('The model of plain #2') && {caption}"),
        20,
    )
    .await;
    assert!(
        waiting.as_str().unwrap().contains("finished no epoch"),
        "{waiting}"
    );
    // Drawn at 32×32, from the picture: sky on top, grass at the bottom.
    let corners = client
        .execute(
            "const g = document.getElementById('picture-small').getContext('2d');
             return [[...g.getImageData(1, 1, 1, 1).data], [...g.getImageData(1, 30, 1, 1).data]];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(corners, json!([[106, 168, 232, 255], [60, 138, 46, 255]]));

    // The matrix's run names it.
    choose(client, "matrix-run", "0").await;
    let said = wait_for(
        client,
        "plain's answer",
        &format!("{caption}.startsWith('plain says ') && {caption}"),
        30,
    )
    .await;
    let top = listed(client).await;
    assert_eq!(top.len(), 3, "{top:?}");
    assert!(
        said.as_str()
            .unwrap()
            .contains(&format!("plain says {} for mine.png", top[0].0))
    );
    assert!(top.windows(2).all(|w| w[0].1 >= w[1].1), "{top:?}");
    let total: f64 = top.iter().map(|t| t.1).sum();
    assert!(total > 0.0 && total <= 100.2, "{top:?}");

    // Picked the other way, and a file that is not a picture.
    give_picture(client, false).await;
    wait_for(
        client,
        "the picked picture's answer",
        &format!("{caption}.startsWith('plain says ')"),
        30,
    )
    .await;
    client
        .execute(
            "const dt = new DataTransfer();
             dt.items.add(new File(['just words'], 'notes.txt', { type: 'text/plain' }));
             const input = document.getElementById('picture-file');
             input.files = dt.files;
             input.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![],
        )
        .await
        .unwrap();
    wait_for(
        client,
        "the refusal",
        &format!("{caption}.startsWith('notes.txt is not a picture this browser can read')"),
        20,
    )
    .await;
    assert!(
        text(client, "picture-caption")
            .await
            .ends_with("Try a JPEG, PNG, WebP or GIF.")
    );
}
