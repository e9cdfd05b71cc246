//! Data from elsewhere: the archive picked from disk, a wrong file, missing and truncated
//! batches, and a link whose data lives on another site.

use super::*;

/// The official archive picked from disk is read in the page's worker; a file that is not
/// one is refused with its name.
pub(crate) async fn archive_from_disk(client: &Client, url: &str, downloads: &Path) {
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

pub(crate) async fn bad_data_gives_a_clear_message(client: &Client, url: &str) {
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
pub(crate) async fn open_other_sites_link(client: &Client, link: &str) -> Value {
    client.goto(link).await.unwrap();
    let notice = "(() => { const s = document.getElementById('data-status').textContent; \
                  return s.includes('another site') && s; })()";
    wait_for(client, "the other-site notice", notice, 30).await
}
