//! What the lead and its helpers say to each other, and how it travels: one object, the
//! message as JSON text under `json` (as between page and worker, `web::envelope`) and the big
//! arrays beside it as transferred `Float32Array`s (moved, not copied): a step's model values
//! and images to the helper, its gradients back.

use serde::{Deserialize, Serialize};

use crate::model::ModelSpec;

/// Lead → helper. A step's model values and images travel beside the JSON as transferred
/// `Float32Array`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HelperRequest {
    /// Build the run's model; `worker` (2 and up) seeds the helper's dropout.
    Start {
        model: ModelSpec,
        label_smoothing: f64,
        seed: u64,
        worker: usize,
    },
    /// Forward and backward on a shard: which of the model's tensors train, and the
    /// shard's labels.
    Step {
        trainable: Vec<bool>,
        labels: Vec<u8>,
    },
}

/// Helper → lead. A step's gradients travel beside the JSON as a transferred `Float32Array`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HelperEvent {
    /// The module runs and listens.
    Ready,
    Done {
        images: usize,
        loss_sum: f64,
        correct: usize,
        /// The helper's WebAssembly memory.
        memory_bytes: u64,
    },
    /// The step could not be computed.
    Failed { message: String },
    /// The helper panicked, or its module did not start (www/worker.js says so in the same
    /// words as to the page).
    Crashed { message: String },
}

impl HelperRequest {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("requests are plain data")
    }

    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

impl HelperEvent {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("events are plain data")
    }

    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

#[cfg(target_arch = "wasm32")]
pub use packing::*;

#[cfg(target_arch = "wasm32")]
mod packing {
    use wasm_bindgen::JsValue;

    use super::{HelperEvent, HelperRequest};
    use crate::train::{ModelState, ShardBatch};
    use crate::web::js::envelope::{envelope, floats, json, with_floats};

    /// A step's arrays, as they arrive beside its request.
    pub struct StepArrays {
        /// The model's values.
        pub values: Vec<f32>,
        /// The shard's images.
        pub images: Vec<f32>,
    }

    const VALUES: &str = "values";
    const IMAGES: &str = "images";
    const GRADIENTS: &str = "gradients";

    /// Lead → helper: `request`, and for a step the model's values and the shard's images.
    pub fn pack_request(
        request: &HelperRequest,
        step: Option<(&ModelState, &ShardBatch)>,
    ) -> (JsValue, js_sys::Array) {
        let message = envelope(request.to_json());
        match step {
            Some((state, shard)) => {
                with_floats(message, &[(VALUES, &state.values), (IMAGES, &shard.images)])
            }
            None => with_floats(message, &[]),
        }
    }

    /// A request, and a step's values and images.
    pub fn unpack_request(
        message: &JsValue,
    ) -> Result<(HelperRequest, Option<StepArrays>), String> {
        let text = json(message).map_err(|e| e.to_string())?;
        let request = HelperRequest::from_json(&text)
            .map_err(|error| format!("a malformed request: {error}"))?;
        let arrays = floats(message, VALUES)
            .zip(floats(message, IMAGES))
            .map(|(values, images)| StepArrays { values, images });
        Ok((request, arrays))
    }

    /// Helper → lead: `event`, and a step's gradients.
    pub fn pack_event(event: &HelperEvent, gradients: Option<&[f32]>) -> (JsValue, js_sys::Array) {
        let message = envelope(event.to_json());
        match gradients {
            Some(values) => with_floats(message, &[(GRADIENTS, values)]),
            None => with_floats(message, &[]),
        }
    }

    /// An event, and a step's gradients.
    pub fn unpack_event(message: &JsValue) -> Result<(HelperEvent, Option<Vec<f32>>), String> {
        let text = json(message).map_err(|e| e.to_string())?;
        let event = HelperEvent::from_json(&text)
            .map_err(|error| format!("a malformed message: {error}"))?;
        Ok((event, floats(message, GRADIENTS)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// www/worker.js reports a module that did not start in the page's words; a helper's
    /// lead reads them as a crash.
    #[test]
    fn a_module_that_did_not_start_reads_as_a_crash() {
        let json = r#"{"type":"crashed","message":"the worker's WebAssembly did not start"}"#;
        assert!(matches!(
            HelperEvent::from_json(json),
            Ok(HelperEvent::Crashed { .. })
        ));
        let step = HelperRequest::Step {
            trainable: vec![true, false],
            labels: vec![3, 9],
        };
        assert_eq!(HelperRequest::from_json(&step.to_json()).unwrap(), step);
    }
}
