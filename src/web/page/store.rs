//! The runs kept in this browser: IndexedDB database `cifar-lab`, one store of runs (JSON
//! text) and one of their weights (bytes), both under the run's key ([`SavedRun::key`]:
//! its start time and name, so two tabs never write over each other's runs). A run and its
//! weights are written and removed in one transaction, so neither outlives the other.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

use crate::web::WebError;
use crate::web::saved::SavedRun;

const DATABASE: &str = "cifar-lab";
const RUNS: &str = "runs";
const WEIGHTS: &str = "weights";

#[derive(Clone)]
pub struct RunStore {
    db: IdbDatabase,
}

fn failed(context: &str) -> impl Fn(JsValue) -> WebError + '_ {
    move |e| WebError::js(context, e)
}

/// The `error` a failed request or aborted transaction carries, or `fallback`.
fn error_of(target: &JsValue, fallback: &str) -> JsValue {
    js_sys::Reflect::get(target, &"error".into())
        .ok()
        .filter(|e| !e.is_null() && !e.is_undefined())
        .unwrap_or_else(|| fallback.into())
}

/// Resolves with the request's result, or fails with its error.
async fn done(request: &IdbRequest) -> Result<JsValue, JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let target = request.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(
                &JsValue::NULL,
                &target.result().unwrap_or(JsValue::UNDEFINED),
            );
        });
        let target = request.clone();
        let on_error = Closure::once_into_js(move || {
            let error = error_of(&target, "IndexedDB request failed");
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await
}

/// Resolves when the transaction has committed, or fails with why it aborted.
async fn committed(transaction: &IdbTransaction) -> Result<(), JsValue> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let target = transaction.clone();
        let on_abort = Closure::once_into_js(move || {
            let error = error_of(&target, "IndexedDB transaction aborted");
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        transaction.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(drop)
}

impl RunStore {
    pub async fn open() -> Result<Self, WebError> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or_else(|| WebError::Js {
                context: "keeping runs".into(),
                message: "this browser offers no IndexedDB (private mode?)".into(),
            })?;
        let request: IdbOpenDbRequest = factory
            .open_with_u32(DATABASE, 1)
            .map_err(failed("opening IndexedDB"))?;
        let upgrade = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let db: Option<IdbDatabase> = e
                .target()
                .and_then(|t| t.dyn_into::<IdbRequest>().ok())
                .and_then(|r| r.result().ok())
                .and_then(|r| r.dyn_into().ok());
            if let Some(db) = db {
                let _ = db.create_object_store(RUNS);
                let _ = db.create_object_store(WEIGHTS);
            }
        });
        request.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        let db = done(&request).await.map_err(failed("opening IndexedDB"))?;
        drop(upgrade);
        Ok(Self {
            db: db.unchecked_into(),
        })
    }

    fn store(&self, name: &str) -> Result<web_sys::IdbObjectStore, WebError> {
        self.db
            .transaction_with_str_and_mode(name, IdbTransactionMode::Readonly)
            .and_then(|t| t.object_store(name))
            .map_err(failed("using IndexedDB"))
    }

    /// One read-write transaction over both stores: a run and its weights change together.
    fn both(&self) -> Result<IdbTransaction, WebError> {
        let names = Array::of2(&RUNS.into(), &WEIGHTS.into());
        self.db
            .transaction_with_str_sequence_and_mode(&names, IdbTransactionMode::Readwrite)
            .map_err(failed("using IndexedDB"))
    }

    /// Every stored run (the session puts them in order). Weights whose run is gone (left by
    /// an older version, or an interrupted removal) are deleted on the way.
    pub async fn runs(&self) -> Result<Vec<Result<SavedRun, String>>, WebError> {
        let reading = failed("reading stored runs");
        // One transaction over both stores, so the keys are read at one moment and the
        // orphans removed are orphans at that moment: another tab keeps a run and its weights
        // in a transaction of its own, wholly before this one or wholly after. (Read in
        // separate transactions, its fresh weights could be seen without their run and
        // deleted.)
        let transaction = self.both()?;
        let runs = transaction.object_store(RUNS).map_err(&reading)?;
        let weights = transaction.object_store(WEIGHTS).map_err(&reading)?;
        let values = runs.get_all().map_err(&reading)?;
        let run_keys = runs.get_all_keys().map_err(&reading)?;
        let weight_keys = weights.get_all_keys().map_err(&reading)?;
        // Requests finish in order: once the last has, all have. Its continuation runs in
        // the success event's microtasks, while the transaction still takes requests.
        let weight_keys = Array::from(&done(&weight_keys).await.map_err(&reading)?);
        let run_keys = Array::from(&run_keys.result().map_err(&reading)?);
        let values = Array::from(&values.result().map_err(&reading)?);
        for key in weight_keys.iter().filter(|key| !run_keys.includes(key, 0)) {
            // A browser that closed the transaction already only keeps the orphan: harmless.
            if weights.delete(&key).is_err() {
                break;
            }
        }
        committed(&transaction).await.map_err(&reading)?;
        Ok(values
            .iter()
            .map(|v| {
                let text = v.as_string().unwrap_or_default();
                SavedRun::from_json(&text).map_err(|e| e.to_string())
            })
            .collect())
    }

    /// Keeps the run's record, and its weights when given, in one transaction.
    pub async fn put(&self, run: &SavedRun, weights: Option<&[u8]>) -> Result<(), WebError> {
        let storing = failed("storing a run");
        let transaction = self.both()?;
        let key: JsValue = run.key().into();
        transaction
            .object_store(RUNS)
            .and_then(|s| s.put_with_key(&run.to_json().into(), &key))
            .map_err(&storing)?;
        if let Some(bytes) = weights {
            transaction
                .object_store(WEIGHTS)
                .and_then(|s| s.put_with_key(&Uint8Array::from(bytes), &key))
                .map_err(&storing)?;
        }
        committed(&transaction).await.map_err(storing)
    }

    pub async fn weights(&self, run: &SavedRun) -> Result<Option<Vec<u8>>, WebError> {
        let request = self
            .store(WEIGHTS)?
            .get(&run.key().into())
            .map_err(failed("reading weights"))?;
        let value = done(&request).await.map_err(failed("reading weights"))?;
        Ok(value
            .dyn_into::<Uint8Array>()
            .ok()
            .map(|array| array.to_vec()))
    }

    /// Removes the run under `key` ([`SavedRun::key`]) and its weights, in one transaction.
    pub async fn delete(&self, key: &str) -> Result<(), WebError> {
        let removing = failed("removing a run");
        let transaction = self.both()?;
        let key: JsValue = key.into();
        for store in [RUNS, WEIGHTS] {
            transaction
                .object_store(store)
                .and_then(|s| s.delete(&key))
                .map_err(&removing)?;
        }
        committed(&transaction).await.map_err(removing)
    }
}

/// Asks the browser not to evict this site's storage under pressure (it may say no, or
/// ask the user); done once weights are kept, since they cannot be recomputed.
pub async fn ask_to_persist() {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(promise) = window.navigator().storage().persist() {
        let _ = JsFuture::from(promise).await;
    }
}

/// "12.3 MB of this browser's storage in use", when the browser tells.
pub async fn storage_use() -> Option<String> {
    let storage = web_sys::window()?.navigator().storage();
    let estimate = JsFuture::from(storage.estimate().ok()?).await.ok()?;
    let usage = js_sys::Reflect::get(&estimate, &"usage".into())
        .ok()?
        .as_f64()?;
    Some(format!(
        "{:.1} MB of this browser's storage in use by this site (runs, weights and cached batches).",
        usage / 1e6
    ))
}
