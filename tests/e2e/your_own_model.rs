//! The tutorial's later chapters in the page: the augmentation strip shows what training
//! will see, and a model written as a layer list is previewed as it is typed, refused at the
//! layer that breaks it, timed on this device, trained, and carried by a shared link.

use fantoccini::{Client, Locator};

use super::webdriver::{choose, click, content, fill, train_enabled, wait_for};

async fn value(client: &Client, id: &str) -> String {
    let element = client.find(Locator::Id(id)).await.unwrap();
    element.prop("value").await.unwrap().unwrap_or_default()
}

pub async fn augmentation_strip_and_your_own_model(client: &Client, url: &str) {
    client.goto(url).await.unwrap();
    train_enabled(client, "the data set to load", 120).await;

    // Eight epochs' versions of one training image, different from each other.
    choose(client, "augment", "flip-shift-2").await;
    let strip = "document.querySelectorAll('#augment-strip canvas')";
    let caption = "document.getElementById('augment-caption').textContent";
    wait_for(
        client,
        "the augmented samples",
        &format!(
            "{caption}.endsWith('flipped and shifted by up to 2 px.') && {strip}.length === 8"
        ),
        30,
    )
    .await;
    let distinct = client
        .execute(
            &format!("return new Set([...{strip}].map(c => c.toDataURL())).size;"),
            vec![],
        )
        .await
        .unwrap();
    assert!(distinct.as_u64().unwrap() > 1, "the samples are all alike");
    choose(client, "augment", "none").await;
    wait_for(
        client,
        "the unaugmented samples",
        &format!("{caption}.includes('every epoch sees it the same')"),
        30,
    )
    .await;

    // A preset shows its layers; editing them makes the model the user's own.
    choose(client, "model", "deeper-bn").await;
    assert!(
        value(client, "layers")
            .await
            .starts_with("conv 32 3 same\nbatchnorm\nrelu"),
        "one layer a line"
    );
    assert_eq!(value(client, "epochs").await, "15");
    fill(
        client,
        "layers",
        "conv 8 3 relu, maxpool 64, flatten, dense 10",
    )
    .await;
    assert_eq!(value(client, "model").await, "custom");
    let status = content(client, "layers-status").await;
    assert_eq!(
        status,
        "layer 2 maxpool 64: a 64×64 pool does not fit the 30×30 image here"
    );
    // The field is marked, and Train says why it waits.
    let marked = client
        .execute(
            "return document.getElementById('layers').getAttribute('aria-invalid');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(marked, serde_json::json!("true"));
    let reason = content(client, "train-reason").await;
    assert!(
        reason.starts_with("Fix the layers: layer 2 maxpool 64"),
        "{reason}"
    );
    let layers = "conv 8 3 same gelu, batchnorm, maxpool 2, flatten, dense 10";
    fill(client, "layers", layers).await;
    assert_eq!(
        content(client, "layers-status").await,
        "5 layers, 20,746 parameters (16 of them batch-norm statistics)"
    );
    assert!(
        content(client, "summary")
            .await
            .contains("Total params: 20,746")
    );

    // It trains in the page (on the CPU, one epoch) and the link carries it.
    choose(client, "backend", "cpu").await;
    fill(client, "epochs", "1").await;
    fill(client, "batch-size", "100").await;
    // Before any run, the estimate waits for a measured speed: Measure speed times the model.
    let estimate = content(client, "estimate").await;
    assert!(
        estimate.contains("on this device (CPU") && estimate.contains("): not measured yet"),
        "{estimate}"
    );
    click(client, "measure").await;
    wait_for(
        client,
        "Measure speed to time the model",
        "document.getElementById('estimate').textContent.includes('measured just now')",
        60,
    )
    .await;
    let estimate = content(client, "estimate").await;
    assert!(
        estimate.starts_with("About ") && estimate.contains("on this device (CPU"),
        "{estimate}"
    );
    assert!(
        estimate.contains("of conv 8 3 same gelu, batchnorm"),
        "{estimate}"
    );
    train_enabled(client, "Train after the timing", 30).await;
    click(client, "train").await;
    wait_for(
        client,
        "the custom model's run to end",
        "document.getElementById('run-status').textContent.endsWith(': done.')",
        120,
    )
    .await;
    train_enabled(client, "Train to be enabled again", 30).await;

    // fast94 brings its recipe's settings, and the run just finished has measured this
    // device's speed for the estimate.
    choose(client, "model", "fast94").await;
    assert_eq!(value(client, "batch-size").await, "1024");
    assert_eq!(value(client, "optimizer").await, "nesterov");
    assert_eq!(value(client, "augment").await, "flip-shift-2");
    let estimate = content(client, "estimate").await;
    assert!(
        estimate.starts_with("About ") && estimate.contains("on this device (CPU"),
        "{estimate}"
    );
    choose(client, "model", "custom").await;
    fill(client, "layers", layers).await;
    click(client, "share").await;
    let link = value(client, "share-url").await;
    assert!(link.contains("#model=custom&"), "{link}");
    assert!(
        link.contains("&layers=conv%208%203%20same%20gelu%2C%20batchnorm"),
        "{link}"
    );
    client.goto(url).await.unwrap();
    client.goto(&link).await.unwrap();
    client.refresh().await.unwrap();
    wait_for(
        client,
        "the shared model",
        "document.getElementById('share-notice').textContent.includes('shared link')",
        30,
    )
    .await;
    assert_eq!(value(client, "model").await, "custom");
    assert_eq!(value(client, "layers").await, layers);
}
