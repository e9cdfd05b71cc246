//! Saving and loading trained weights in burn's burnpack format.

use std::path::Path;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::store::{ModuleRecord, RecordError};
use burn::tensor::{Device, Shape, Tensor, TensorData, Transaction};

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
        "{file}: these weights fit none of the three models (plain, dropout, deeper): they \
         come from another network"
    )]
    NoModel { file: String },
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

/// The model's weights as a burnpack file's bytes, with asynchronous reads only, so it works
/// on WebGPU (where burn's own `into_record` would read synchronously and panic). The
/// parameters are read in one transaction, rebuilt on the CPU backend, and packed there.
pub async fn weights_to_bytes(
    model: &Cnn,
    architecture: Architecture,
) -> Result<Vec<u8>, WeightsError> {
    let mut gather = Gather::default();
    model.visit(&mut gather);
    let mut reads = Transaction::default();
    for tensor in &gather.tensors {
        reads = reads.register(tensor.clone());
    }
    let data = reads
        .execute_async()
        .await
        .map_err(|e| WeightsError::Save {
            file: "the trained model".into(),
            source: RecordError::Io(format!("reading the weights from the device: {e}")),
        })?;
    let cpu = Device::flex();
    let mut fill = Fill {
        values: gather
            .ids
            .into_iter()
            .zip(gather.shapes)
            .zip(data)
            .map(|((id, shape), data)| (id, shape, data))
            .collect(),
        device: cpu.clone(),
        mismatched: false,
    };
    let on_cpu = Cnn::new(architecture, &cpu).map(&mut fill);
    if fill.mismatched || !fill.values.is_empty() {
        return Err(WeightsError::Save {
            file: "the trained model".into(),
            source: RecordError::Validation(format!("the model is not a `{architecture}` network")),
        });
    }
    let bytes = on_cpu
        .into_record()
        .into_bytes()
        .map_err(|source| WeightsError::Save {
            file: "the trained model".into(),
            source,
        })?;
    Ok(bytes.to_vec())
}

fn parse_record(file: &str, bytes: Vec<u8>) -> Result<ModuleRecord, WeightsError> {
    ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes)).map_err(|source| {
        WeightsError::Read {
            file: file.into(),
            source,
        }
    })
}

/// Loads burnpack bytes (from [`weights_to_bytes`] or `save_weights`) into `architecture`.
/// `file` names the source in errors.
pub fn weights_from_bytes(
    architecture: Architecture,
    file: &str,
    bytes: Vec<u8>,
    device: &Device,
) -> Result<Cnn, WeightsError> {
    let record = parse_record(file, bytes)?;
    Cnn::new(architecture, device)
        .try_load_record(record)
        .map_err(|source| WeightsError::Mismatch {
            file: file.into(),
            model: architecture,
            source,
        })
}

/// Weights of an unknown model: the bytes are parsed once and loaded into `preferred`, then
/// into the other architectures, until one fits. A file that is not burnpack at all is not
/// tried further.
pub fn weights_from_bytes_any(
    preferred: Architecture,
    file: &str,
    bytes: Vec<u8>,
    device: &Device,
) -> Result<(Architecture, Cnn), WeightsError> {
    let record = parse_record(file, bytes)?;
    let candidates: Vec<Architecture> = std::iter::once(preferred)
        .chain(Architecture::ALL.into_iter().filter(|a| *a != preferred))
        .collect();
    let (last, others) = candidates.split_last().expect("three architectures");
    for &architecture in others {
        if let Ok(model) = Cnn::new(architecture, device).try_load_record(record.clone()) {
            return Ok((architecture, model));
        }
    }
    // The last candidate takes the record itself, not a copy.
    Cnn::new(*last, device)
        .try_load_record(record)
        .map(|model| (*last, model))
        .map_err(|_| WeightsError::NoModel { file: file.into() })
}

/// Every float parameter, flattened, with its id and shape, in visiting order.
#[derive(Default)]
struct Gather {
    tensors: Vec<Tensor<1>>,
    ids: Vec<ParamId>,
    shapes: Vec<Vec<usize>>,
}

impl ModuleVisitor for Gather {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        self.ids.push(param.id);
        self.shapes.push(tensor.dims().to_vec());
        self.tensors.push(tensor.flatten(0, D - 1));
    }
}

/// Puts the gathered values into a model of the same architecture, in the same order.
struct Fill {
    /// The trained model's ids go with the values, so the same model saves to the same bytes.
    values: std::collections::VecDeque<(ParamId, Vec<usize>, TensorData)>,
    device: Device,
    /// A parameter had no value, or one of another shape: not the same architecture.
    mismatched: bool,
}

impl ModuleMapper for Fill {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        match self.values.pop_front() {
            Some((id, shape, data)) if shape == param.val().dims() => {
                let mut filled = param.map(|_| {
                    Tensor::<1>::from_data(data, &self.device).reshape(Shape::from(shape))
                });
                filled.id = id;
                filled
            }
            _ => {
                self.mismatched = true;
                param
            }
        }
    }
}
