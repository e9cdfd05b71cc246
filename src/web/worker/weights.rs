//! Weights from a file, evaluated on the validation set without training.

use burn::tensor::Device;
use wasm_bindgen_futures::JsFuture;

use super::message_of;
use super::run::KeptModel;
use crate::data::{Cifar10, Splits, ValidationSource};
use crate::eval::evaluate;
use crate::model::{Architecture, WeightsError, weights_from_bytes};

/// Reads `file`, finds which architecture its weights fit (`preferred` first; plain and
/// dropout share their weights' shapes), and evaluates them. Errors are the page's message.
#[allow(clippy::too_many_arguments)]
pub async fn evaluate_file(
    data: &Cifar10,
    file: &web_sys::File,
    file_name: &str,
    preferred: Architecture,
    subset: Option<usize>,
    validation: ValidationSource,
    seed: u64,
    device: &Device,
) -> Result<KeptModel, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{file_name}: could not be read ({})", message_of(&e)))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let candidates =
        std::iter::once(preferred).chain(Architecture::ALL.into_iter().filter(|a| *a != preferred));
    let mut model = None;
    for architecture in candidates {
        match weights_from_bytes(architecture, file_name, bytes.clone(), device) {
            Ok(loaded) => {
                model = Some((architecture, loaded));
                break;
            }
            // Not a burnpack file at all: no other architecture will read it either.
            Err(error @ WeightsError::Read { .. }) => return Err(error.to_string()),
            Err(_) => {}
        }
    }
    let Some((architecture, model)) = model else {
        return Err(format!(
            "{file_name}: these weights fit none of the three models (plain, dropout, deeper): \
             they come from another network"
        ));
    };
    let splits = Splits::new(&data.train, &data.test, validation, subset, seed)
        .map_err(|e| e.to_string())?;
    let evaluation = evaluate(&model, &splits.validation, 128, device)
        .await
        .map_err(|e| format!("evaluating {file_name} failed on the device: {e}"))?;
    Ok(KeptModel {
        model,
        architecture,
        validation: splits.validation,
        evaluation,
    })
}
