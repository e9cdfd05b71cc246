//! The first run, still on the page: its cells' images, downloads, a reload that keeps it, a
//! damaged stored run, its weights evaluated again, a shared link, a bad weights file.

use super::*;

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

/// The first run (`plain`, one epoch) is still on the page: its cell images, downloads, a
/// reload that keeps it, its weights evaluated again, a shared link, a bad weights file.
pub(crate) async fn dig_keep_and_share(client: &Client, url: &str, downloads: &Path) {
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
