//! Weights from a file, evaluated on the validation set without training.

use std::rc::Rc;

use burn::tensor::Device;
use wasm_bindgen_futures::JsFuture;

use super::message_of;
use super::run::KeptModel;
use crate::data::{Cifar10, Splits, ValidationSource};
use crate::eval::evaluate;
use crate::model::{MAX_PARAMS, ModelSpec, weights_from_bytes_any};

/// The largest weights file read: the largest model allowed (4 bytes a parameter) and room
/// for the file's index. The presets' files are 5–6.5 MB.
const WEIGHTS_LIMIT: u64 = MAX_PARAMS as u64 * 4 + 1024 * 1024;

/// Reads `file` (refusing one far larger than any model's weights), finds which
/// architecture its weights fit (`preferred` first) and evaluates them. Errors are the
/// page's message.
#[allow(clippy::too_many_arguments)]
pub async fn evaluate_file(
    data: &Rc<Cifar10>,
    file: &web_sys::File,
    file_name: &str,
    preferred: &ModelSpec,
    subset: Option<usize>,
    validation: ValidationSource,
    seed: u64,
    device: &Device,
) -> Result<KeptModel, String> {
    let size = file.size() as u64;
    if size > WEIGHTS_LIMIT {
        return Err(format!(
            "{file_name}: {size} bytes is more than the weights of the largest model cifar-lab \
             trains ({MAX_PARAMS} parameters, {WEIGHTS_LIMIT} bytes); pick a .bpk file saved \
             by cifar-lab"
        ));
    }
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{file_name}: could not be read ({})", message_of(&e)))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let (architecture, model) =
        weights_from_bytes_any(preferred, file_name, bytes, device).map_err(|e| e.to_string())?;
    let splits = Splits::new(&data.train, &data.test, validation, subset, seed)
        .map_err(|e| e.to_string())?;
    let evaluation = evaluate(&model, &splits.validation, 128, device)
        .await
        .map_err(|e| format!("evaluating {file_name} failed on the device: {e}"))?;
    let validation = splits
        .validation_picked
        .ok_or_else(|| format!("{file_name}: the validation images were not found"))?;
    Ok(KeptModel {
        device: device.clone(),
        tta: false,
        model,
        architecture,
        data: data.clone(),
        validation,
        evaluation,
    })
}
