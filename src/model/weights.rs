//! Saving and loading trained weights in burn's burnpack format.

use std::path::Path;

use burn::module::Module;
use burn::store::{ModuleRecord, RecordError};
use burn::tensor::Device;

use super::{Architecture, Cnn};

#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    #[error("{file}: cannot write the weights: {source}")]
    Save {
        file: String,
        #[source]
        source: RecordError,
    },
    #[error("{file}: not a burnpack weights file, or a damaged one: {source}")]
    Read {
        file: String,
        #[source]
        source: RecordError,
    },
    #[error(
        "{file}: these weights do not fit the `{model}` model (another model's weights?): {source}"
    )]
    Mismatch {
        file: String,
        model: Architecture,
        #[source]
        source: RecordError,
    },
}

/// Writes the model's parameters to `path` (burnpack). Reads every tensor synchronously, so
/// this is for native use; the browser reads them asynchronously instead.
pub fn save_weights(model: &Cnn, path: &Path) -> Result<(), WeightsError> {
    model
        .clone()
        .into_record()
        .save(path)
        .map_err(|source| WeightsError::Save {
            file: path.display().to_string(),
            source,
        })
}

/// Loads weights saved by [`save_weights`] into a fresh `architecture` model on `device`.
pub fn load_weights(
    architecture: Architecture,
    path: &Path,
    device: &Device,
) -> Result<Cnn, WeightsError> {
    let file = path.display().to_string();
    let record = ModuleRecord::load(path).map_err(|source| WeightsError::Read {
        file: file.clone(),
        source,
    })?;
    Cnn::new(architecture, device)
        .try_load_record(record)
        .map_err(|source| WeightsError::Mismatch {
            file,
            model: architecture,
            source,
        })
}
