//! WebGPU's kernels only for those who train on WebGPU: on SwiftShader (a fallback adapter,
//! where *Auto* trains on the CPU) the worker runs the CPU-only module; choosing WebGPU by name
//! loads the GPU module and the data again, and Measure speed on WebGPU counts a step's GPU
//! work under Compute.

use fantoccini::Client;

use super::webdriver::{
    RELAXED_MODULE, choose, click, fill, text, train_enabled, wait_for, wasm_fetched,
};

const MODULE: &str = "document.getElementById('compute-panel').dataset.workerModule";

pub async fn webgpu_loads_its_own_module_and_counts_a_step(client: &Client, url: &str) {
    client.goto(url).await.unwrap();
    train_enabled(client, "the data set to load", 120).await;
    let answered = "!document.getElementById('adapter').textContent.includes('looking')";
    wait_for(client, "the WebGPU answer", answered, 60).await;
    let module = client
        .execute(&format!("return {MODULE};"), vec![])
        .await
        .unwrap();
    assert_eq!(module, "cpu", "a software adapter gets the CPU-only module");
    // Chromium has relaxed SIMD: the CPU module's build with it, and only that one, fetched.
    assert_eq!(wasm_fetched(client).await, [RELAXED_MODULE]);

    choose(client, "backend", "webgpu").await;
    let switched = format!("{MODULE} === 'gpu'");
    wait_for(client, "the GPU module's worker", &switched, 30).await;
    train_enabled(client, "the data set to load again", 120).await;
    wait_for(client, "WebGPU opened in the GPU module", answered, 60).await;
    let adapter = text(client, "adapter").await;
    assert!(adapter.contains("fallback"), "{adapter}");

    // A small model of the user's own, so that SwiftShader compiles its kernels in seconds.
    choose(client, "model", "custom").await;
    fill(
        client,
        "layers",
        "conv 8 3 relu, maxpool 2, flatten, dense 10",
    )
    .await;
    click(client, "measure").await;
    let counted = "document.getElementById('gpu-work').textContent.includes('dispatches')";
    wait_for(client, "a step's GPU work counted", counted, 300).await;
    // Inside the closed Compute panel: its text, not what is rendered.
    let work = client
        .execute(
            "return document.getElementById('gpu-work').textContent;",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string();
    println!("GPU work under Compute: {work}");
    for words in [
        "per step",
        "pipelines compiled for the first step",
        "of GPU memory",
    ] {
        assert!(work.contains(words), "{work:?} lacks {words:?}");
    }

    // Back to Auto: the GPU module trains on the CPU too, so it stays.
    choose(client, "backend", "auto").await;
    let module = client
        .execute(&format!("return {MODULE};"), vec![])
        .await
        .unwrap();
    assert_eq!(module, "gpu");
    assert!(
        client
            .find(fantoccini::Locator::Id("train"))
            .await
            .unwrap()
            .is_enabled()
            .await
            .unwrap()
    );
}
