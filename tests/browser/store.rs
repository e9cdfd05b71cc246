//! The runs kept in IndexedDB: orphaned weights are removed when the runs are read, and never
//! weights another tab keeps meanwhile (the keys are read, and orphans removed, in one
//! transaction).

use cifar_lab::web::RunStore;
use cifar_lab::web::saved::SavedRun;
use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

fn run(name: &str, created: f64) -> SavedRun {
    SavedRun::from_json(&format!(
        "{{\"name\":\"{name}\",\"created\":{created},\"model\":\"plain\",\
         \"origin\":{{\"kind\":\"trained\"}},\"config\":null,\"history\":[],\"metrics\":null,\
         \"confidence\":null,\"ending\":null,\"weights_bytes\":3}}"
    ))
    .unwrap()
}

/// The request's result, once it succeeds.
async fn result(request: &IdbRequest) -> JsValue {
    let promise = Promise::new(&mut |resolve, _| {
        let target = request.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::NULL, &target.result().unwrap());
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
    });
    JsFuture::from(promise).await.unwrap()
}

/// The database as `RunStore` opened it, for what the store itself never does: weights
/// without their run (left by an interrupted removal in an earlier version).
async fn database() -> IdbDatabase {
    let factory = web_sys::window().unwrap().indexed_db().unwrap().unwrap();
    result(&factory.open_with_u32("cifar-lab", 1).unwrap())
        .await
        .unchecked_into()
}

async fn put_orphan(key: &str) {
    let db = database().await;
    let store = db
        .transaction_with_str_and_mode("weights", IdbTransactionMode::Readwrite)
        .and_then(|t| t.object_store("weights"))
        .unwrap();
    let request = store
        .put_with_key(&Uint8Array::from(&[9u8, 9][..]), &key.into())
        .unwrap();
    result(&request).await;
    db.close();
}

async fn weight_keys() -> Vec<String> {
    let db = database().await;
    let store = db
        .transaction_with_str("weights")
        .and_then(|t| t.object_store("weights"))
        .unwrap();
    let keys = Array::from(&result(&store.get_all_keys().unwrap()).await);
    db.close();
    keys.iter().filter_map(|k| k.as_string()).collect()
}

/// One task turn: IndexedDB's events run between them.
async fn turn() {
    let promise = Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback(&resolve)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

#[wasm_bindgen_test]
async fn reading_the_runs_drops_orphans_but_never_weights_kept_meanwhile() {
    let page = RunStore::open().await.unwrap();
    // "Another tab": a connection of its own.
    let other = RunStore::open().await.unwrap();
    let kept = run("kept", 1.0);
    page.put(&kept, Some(&[1, 2, 3])).await.unwrap();
    put_orphan("0000000000002 lost").await;
    let runs = page.runs().await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        weight_keys().await,
        [kept.key()],
        "the orphan is gone, the run's stay"
    );
    // Whenever the other tab's run and weights land while this one reads, both stay: its
    // weights are never taken for an orphan.
    for delay in 0..24 {
        let fresh = run(&format!("fresh {delay}"), 10.0 + delay as f64);
        let keep = async {
            for _ in 0..delay {
                turn().await;
            }
            other.put(&fresh, Some(&[4, 5, 6])).await.unwrap();
        };
        let (read, ()) = futures_lite::future::zip(page.runs(), keep).await;
        read.unwrap();
        assert_eq!(
            other.weights(&fresh).await.unwrap().as_deref(),
            Some(&[4u8, 5, 6][..]),
            "the weights kept {delay} turns into the read were deleted"
        );
    }
    for key in weight_keys().await {
        page.delete(&key).await.unwrap();
    }
}
