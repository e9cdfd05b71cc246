//! Trained weights in burn's burnpack format (`.bpk`), and the model's values read out of
//! and put into a network in parameter order (which the PyTorch state dicts use too).

use std::path::Path;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::store::{ModuleRecord, RecordError};
use burn::tensor::{Device, Shape, Tensor, TensorData, Transaction};

use burn_pack::{Reader, Writer};

use super::{Cnn, ModelError, ModelSpec, Summary};

/// The burnpack metadata key holding the model's spec (a preset's name or a layer list), so
/// a file loads back into the right network without guessing.
pub(super) const SPEC_KEY: &str = "cifar-lab.model";

#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// The recorded model is too wide to run at the evaluation's batch (training's check).
    #[error("{file}: {source}")]
    TooWide {
        file: String,
        #[source]
        source: ModelError,
    },
    /// The file itself: missing, not a regular file, or larger than any model's weights.
    #[error(transparent)]
    File(#[from] crate::data::FileError),
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
        "{file}: these weights record no model and fit none of the presets (plain, dropout, \
         deeper, deeper-bn, fast94): they come from another network"
    )]
    NoModel { file: String },
    #[error(
        "{file}: the model recorded with these weights is not one cifar-lab can build: {source}"
    )]
    BadSpec {
        file: String,
        #[source]
        source: ModelError,
    },
    #[error(
        "{file}: {bytes} bytes cannot hold the {params} parameters of the `{model}` model \
         recorded in it (4 bytes each): the file is cut short or damaged"
    )]
    TooSmall {
        file: String,
        model: String,
        params: usize,
        bytes: usize,
    },
    #[error("{file}: these weights are for the `{recorded}` model, not `{asked}`")]
    OtherModel {
        file: String,
        recorded: String,
        asked: String,
    },
    #[error("{file}: not a safetensors file, or a damaged one: {reason}")]
    Safetensors { file: String, reason: String },
    #[error("{file}: cannot read this PyTorch file: {reason}")]
    Pytorch { file: String, reason: String },
    #[error(
        "{file}: a PyTorch .pth file, which the page does not read: evaluate it with \
         `cifar-lab evaluate --weights`, or save it as safetensors (model.py's `save`)"
    )]
    PytorchInPage { file: String },
    #[error(
        "{file}: not a weights file cifar-lab reads (a .bpk, a .safetensors or a PyTorch .pth)"
    )]
    Unrecognised { file: String },
    #[error("{file}: {problem}")]
    StateDict { file: String, problem: String },
    #[error(
        "{file}: these weights do not fit the `{model}` model (another model's weights?): {source}"
    )]
    Mismatch {
        file: String,
        model: String,
        #[source]
        source: RecordError,
    },
}

/// The model with batch norm's running statistics up to date: burn keeps a training pass's
/// update aside (per thread) until the state is synced, and saving reads the synced value.
/// `valid()` syncs them; it also drops autodiff, which saving does not need.
fn synced(model: &Cnn) -> Cnn {
    model.valid()
}

/// A record's burnpack bytes with the spec added to their metadata.
fn pack(record: ModuleRecord, spec: &ModelSpec) -> Result<Writer, RecordError> {
    let tensors = Reader::from_bytes(record.into_bytes()?)?.into_tensors()?;
    Ok(Writer::new(tensors).with_metadata(SPEC_KEY, &spec.to_string()))
}

/// Writes the model's parameters and its spec to `path` (burnpack). Reads every tensor
/// synchronously, so this is for native use; the browser reads them asynchronously instead.
pub fn save_weights(model: &Cnn, spec: &ModelSpec, path: &Path) -> Result<(), WeightsError> {
    let save = |source| WeightsError::Save {
        file: path.display().to_string(),
        source,
    };
    pack(synced(model).into_record(), spec)
        .map_err(save)?
        .write_to_file(path)
        .map_err(|e| save(e.into()))
}

/// The model's weights and spec as a burnpack file's bytes, with asynchronous reads only, so
/// it works on WebGPU (where burn's own `into_record` would read synchronously and panic).
pub async fn weights_to_bytes(model: &Cnn, spec: &ModelSpec) -> Result<Vec<u8>, WeightsError> {
    burnpack_bytes(&on_cpu(model, spec).await?, spec)
}

/// A model on the CPU ([`on_cpu`]) as a burnpack file's bytes, its spec recorded.
pub fn burnpack_bytes(model: &Cnn, spec: &ModelSpec) -> Result<Vec<u8>, WeightsError> {
    let bytes = pack(model.clone().into_record(), spec)
        .and_then(|writer| Ok(writer.into_bytes()?))
        .map_err(|source| WeightsError::Save {
            file: "the trained model".into(),
            source,
        })?;
    Ok(bytes.to_vec())
}

/// The model (batch norm's statistics synced) rebuilt on the CPU backend, where its values
/// read synchronously: the parameters are read from its device in one asynchronous
/// transaction.
pub async fn on_cpu(model: &Cnn, spec: &ModelSpec) -> Result<Cnn, WeightsError> {
    let save = |source| WeightsError::Save {
        file: "the trained model".into(),
        source,
    };
    let mut gather = Gather::default();
    synced(model).visit(&mut gather);
    let mut reads = Transaction::default();
    for tensor in &gather.tensors {
        reads = reads.register(tensor.clone());
    }
    let data = reads.execute_async().await.map_err(|e| {
        save(RecordError::Io(format!(
            "reading the weights from the device: {e}"
        )))
    })?;
    let cpu = Device::flex();
    let values = gather
        .ids
        .into_iter()
        .zip(gather.shapes)
        .zip(data)
        .map(|((id, shape), data)| (id, shape, data))
        .collect();
    let mut fill = Fill::new(values, cpu.clone());
    let on_cpu = Cnn::new(spec, &cpu).map(&mut fill);
    if !fill.complete() {
        let reason = format!("the model is not a `{}` network", spec.name());
        return Err(save(RecordError::Validation(reason)));
    }
    Ok(on_cpu)
}

fn parse_record(file: &str, bytes: Vec<u8>) -> Result<ModuleRecord, WeightsError> {
    ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes)).map_err(|source| {
        WeightsError::Read {
            file: file.into(),
            source,
        }
    })
}

/// The spec recorded in burnpack `bytes`; `None` for files saved before it was recorded. A
/// file too small for its own recorded model's parameters is refused here, before any model
/// is built.
pub fn recorded_spec(file: &str, bytes: &[u8]) -> Result<Option<ModelSpec>, WeightsError> {
    let reader =
        Reader::from_bytes(burn::tensor::Bytes::from_bytes_vec(bytes.to_vec())).map_err(|e| {
            WeightsError::Read {
                file: file.into(),
                source: e.into(),
            }
        })?;
    reader
        .metadata()
        .get(SPEC_KEY)
        .map(|text| {
            let spec = ModelSpec::parse(text).map_err(|source| WeightsError::BadSpec {
                file: file.into(),
                source,
            })?;
            holds(&spec, file, bytes.len())?;
            Ok(spec)
        })
        .transpose()
}

/// Loads burnpack bytes (from [`weights_to_bytes`] or [`save_weights`]) into `spec`'s
/// network. `file` names the source in errors.
pub fn weights_from_bytes(
    spec: &ModelSpec,
    file: &str,
    bytes: Vec<u8>,
    device: &Device,
) -> Result<Cnn, WeightsError> {
    let record = parse_record(file, bytes)?;
    Cnn::new(spec, device)
        .try_load_record(record)
        .map_err(|source| WeightsError::Mismatch {
            file: file.into(),
            model: spec.name().into(),
            source,
        })
}

/// Refuses a file too short for its recorded `spec`'s parameters as 32-bit floats (as cifar-lab
/// saves them), before the model is built to find out: a few hundred bytes recording a
/// 20 M-parameter layer list are damaged, whatever they hold. (Weights of another model,
/// tried against a spec the user names, are a mismatch instead, found by loading.)
fn holds(spec: &ModelSpec, file: &str, bytes: usize) -> Result<(), WeightsError> {
    // A checked spec stays under `MAX_PARAMS`: its total cannot overflow.
    let params = Summary::new(spec).total_params;
    if params * 4 > bytes {
        return Err(WeightsError::TooSmall {
            file: file.into(),
            model: spec.name().into(),
            params,
            bytes,
        });
    }
    Ok(())
}

/// A `.bpk`'s model: the one recorded in the file, else (files saved before specs were
/// recorded) `preferred`, then the other presets, until one fits.
pub(super) fn burnpack_any(
    preferred: &ModelSpec,
    file: &str,
    bytes: Vec<u8>,
    device: &Device,
) -> Result<(ModelSpec, Cnn), WeightsError> {
    if let Some(spec) = recorded_spec(file, &bytes)? {
        let model = weights_from_bytes(&spec, file, bytes, device)?;
        return Ok((spec, model));
    }
    let record = parse_record(file, bytes)?;
    for spec in super::load::candidates(preferred) {
        if let Ok(model) = Cnn::new(&spec, device).try_load_record(record.clone()) {
            return Ok((spec, model));
        }
    }
    Err(WeightsError::NoModel { file: file.into() })
}

/// Every float parameter, flattened, with its id and shape, in visiting order.
#[derive(Default)]
pub(super) struct Gather {
    pub tensors: Vec<Tensor<1>>,
    pub ids: Vec<ParamId>,
    pub shapes: Vec<Vec<usize>>,
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
pub(super) struct Fill {
    /// The trained model's ids go with the values, so the same model saves to the same bytes.
    values: std::collections::VecDeque<(ParamId, Vec<usize>, TensorData)>,
    device: Device,
    /// A parameter had no value, or one of another shape: not the same architecture.
    mismatched: bool,
}

impl Fill {
    pub fn new(values: Vec<(ParamId, Vec<usize>, TensorData)>, device: Device) -> Self {
        Self {
            values: values.into(),
            device,
            mismatched: false,
        }
    }

    /// Every parameter got a value of its shape, and no value was left over.
    pub fn complete(&self) -> bool {
        !self.mismatched && self.values.is_empty()
    }
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
