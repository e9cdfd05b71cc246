//! The runs kept in this browser: IndexedDB database `cifar-lab`, one store of runs (JSON
//! text by run name) and one of their weights (bytes by run name), so runs survive a reload.

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

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
            let error = js_sys::Reflect::get(&target, &"error".into())
                .ok()
                .filter(|e| !e.is_null() && !e.is_undefined())
                .unwrap_or_else(|| "IndexedDB request failed".into());
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await
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

    fn store(&self, name: &str, write: bool) -> Result<web_sys::IdbObjectStore, WebError> {
        let mode = if write {
            IdbTransactionMode::Readwrite
        } else {
            IdbTransactionMode::Readonly
        };
        self.db
            .transaction_with_str_and_mode(name, mode)
            .and_then(|t| t.object_store(name))
            .map_err(failed("using IndexedDB"))
    }

    /// Every stored run, in IndexedDB's key order (by name: the session puts them in order).
    pub async fn runs(&self) -> Result<Vec<Result<SavedRun, String>>, WebError> {
        let request = self
            .store(RUNS, false)?
            .get_all()
            .map_err(failed("reading stored runs"))?;
        let values = done(&request)
            .await
            .map_err(failed("reading stored runs"))?;
        Ok(Array::from(&values)
            .iter()
            .map(|v| {
                let text = v.as_string().unwrap_or_default();
                SavedRun::from_json(&text).map_err(|e| e.to_string())
            })
            .collect())
    }

    pub async fn put(&self, run: &SavedRun) -> Result<(), WebError> {
        let request = self
            .store(RUNS, true)?
            .put_with_key(&run.to_json().into(), &run.name.as_str().into())
            .map_err(failed("storing a run"))?;
        done(&request)
            .await
            .map(drop)
            .map_err(failed("storing a run"))
    }

    pub async fn put_weights(&self, name: &str, bytes: &[u8]) -> Result<(), WebError> {
        let request = self
            .store(WEIGHTS, true)?
            .put_with_key(&Uint8Array::from(bytes), &name.into())
            .map_err(failed("storing weights"))?;
        done(&request)
            .await
            .map(drop)
            .map_err(failed("storing weights"))
    }

    pub async fn weights(&self, name: &str) -> Result<Option<Vec<u8>>, WebError> {
        let request = self
            .store(WEIGHTS, false)?
            .get(&name.into())
            .map_err(failed("reading weights"))?;
        let value = done(&request).await.map_err(failed("reading weights"))?;
        Ok(value
            .dyn_into::<Uint8Array>()
            .ok()
            .map(|array| array.to_vec()))
    }

    pub async fn delete(&self, name: &str) -> Result<(), WebError> {
        for store in [RUNS, WEIGHTS] {
            let request = self
                .store(store, true)?
                .delete(&name.into())
                .map_err(failed("removing a run"))?;
            done(&request).await.map_err(failed("removing a run"))?;
        }
        Ok(())
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
