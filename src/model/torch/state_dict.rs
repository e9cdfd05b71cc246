//! State dicts: a model's tensors under PyTorch's names and layouts ([`tensors`]), written
//! as safetensors (Hugging Face's format, which `safetensors.torch.load_file` reads), and
//! read back from any [`StateDict`]: a safetensors file, or a `.pth` (`pth`).

use std::borrow::Cow;
use std::collections::HashMap;

use burn::module::{Module, ParamId};
use burn::tensor::{Device, TensorData};
use safetensors::{Dtype, SafeTensors, View};

use super::{Layout, TorchTensor, tensors};
use crate::model::weights::{Fill, Gather, SPEC_KEY};
use crate::model::{Cnn, ModelSpec, WeightsError};

/// A file's tensors by name, as PyTorch's `state_dict()` holds them.
pub trait StateDict {
    /// What errors call the file.
    fn file(&self) -> &str;
    fn names(&self) -> Vec<String>;
    /// A tensor's shape, from the file's index: no values are read.
    fn shape(&self, name: &str) -> Option<Vec<usize>>;
    fn read(&self, name: &str) -> Result<Stored<'_>, WeightsError>;
    /// The layer list recorded with the tensors (cifar-lab's own files), if any.
    fn recorded(&self) -> Option<&str>;
}

/// One tensor's values as the file holds them.
pub struct Stored<'a> {
    pub element: Element,
    /// Little-endian, row-major, contiguous.
    pub bytes: Cow<'a, [u8]>,
}

/// The element types a weight may be stored in; the rest are refused by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    F64,
    F32,
    F16,
    BF16,
    Other(String),
}

impl Stored<'_> {
    fn floats(&self, name: &str, file: &str) -> Result<Vec<f32>, WeightsError> {
        fn each<const N: usize>(bytes: &[u8], f: impl Fn([u8; N]) -> f32) -> Vec<f32> {
            bytes
                .chunks_exact(N)
                .map(|c| f(c.try_into().expect("chunks of N")))
                .collect()
        }
        let bytes = &self.bytes[..];
        Ok(match &self.element {
            Element::F32 => each(bytes, f32::from_le_bytes),
            Element::F64 => each(bytes, |b| f64::from_le_bytes(b) as f32),
            Element::F16 => each(bytes, |b| half::f16::from_le_bytes(b).to_f32()),
            Element::BF16 => each(bytes, |b| half::bf16::from_le_bytes(b).to_f32()),
            Element::Other(kind) => {
                return Err(WeightsError::StateDict {
                    file: file.into(),
                    problem: format!("`{name}` holds {kind} values, not floating-point weights"),
                });
            }
        })
    }
}

/// Checks that `dict` holds exactly `spec`'s tensors with PyTorch's shapes, from its index
/// alone (no values read): a file of another model is refused here, in words.
pub fn fits(spec: &ModelSpec, dict: &dyn StateDict) -> Result<(), WeightsError> {
    let problem = |problem: String| WeightsError::StateDict {
        file: dict.file().into(),
        problem: format!("not the `{spec}` model's tensors: {problem}"),
    };
    let expected = tensors(spec);
    for tensor in &expected {
        match dict.shape(&tensor.name) {
            Some(shape) if shape == tensor.shape => {}
            // PyTorch's own counter; a file without it is fine (we never read it).
            None if tensor.layout == Layout::BatchCount => {}
            Some(_) if tensor.layout == Layout::BatchCount => {}
            Some(shape) => {
                return Err(problem(format!(
                    "`{}` is {shape:?} in the file but {:?} in the model",
                    tensor.name, tensor.shape
                )));
            }
            None => return Err(problem(format!("the file has no `{}`", tensor.name))),
        }
    }
    let mut unknown: Vec<String> = dict
        .names()
        .into_iter()
        .filter(|name| !expected.iter().any(|t| t.name == *name))
        .collect();
    if !unknown.is_empty() {
        unknown.sort();
        let shown: Vec<String> = unknown.iter().take(4).map(|n| format!("`{n}`")).collect();
        let more = match unknown.len() {
            n if n > 4 => format!(" and {} more", n - 4),
            _ => String::new(),
        };
        return Err(problem(format!(
            "the file also has {}{more}, which the model has not",
            shown.join(", ")
        )));
    }
    Ok(())
}

/// The layer list recorded in `dict`, checked, or `None` (a file PyTorch wrote).
pub fn spec_of_state_dict(dict: &dyn StateDict) -> Result<Option<ModelSpec>, WeightsError> {
    dict.recorded()
        .map(|text| {
            ModelSpec::parse(text).map_err(|source| WeightsError::BadSpec {
                file: dict.file().into(),
                source,
            })
        })
        .transpose()
}

/// `spec`'s network with `dict`'s values, which must fit it ([`fits`]).
pub fn load_state_dict(
    spec: &ModelSpec,
    dict: &dyn StateDict,
    device: &Device,
) -> Result<Cnn, WeightsError> {
    fits(spec, dict)?;
    let mut values = Vec::new();
    for tensor in tensors(spec) {
        if tensor.layout == Layout::BatchCount {
            continue;
        }
        let floats = dict.read(&tensor.name)?.floats(&tensor.name, dict.file())?;
        let (data, shape) = match tensor.layout {
            Layout::Transposed => {
                let [units, inputs] = tensor.shape[..] else {
                    unreachable!("a dense layer's weight has two dimensions")
                };
                (transpose(&floats, units, inputs), vec![inputs, units])
            }
            _ => (floats, tensor.shape.clone()),
        };
        // Flat, as `Fill` takes the values (and shapes them itself).
        let data = TensorData::new(data, [shape.iter().product::<usize>()]);
        values.push((ParamId::new(), shape, data));
    }
    let mut fill = Fill::new(values, device.clone());
    let model = Cnn::new(spec, device).map(&mut fill);
    if !fill.complete() {
        return Err(WeightsError::StateDict {
            file: dict.file().into(),
            problem: format!("the values do not fill the `{spec}` network"),
        });
    }
    Ok(model)
}

/// `rows`×`columns` row-major → `columns`×`rows`.
fn transpose(values: &[f32], rows: usize, columns: usize) -> Vec<f32> {
    let mut out = vec![0.0; values.len()];
    for r in 0..rows {
        for c in 0..columns {
            out[c * rows + r] = values[r * columns + c];
        }
    }
    out
}

/// A model's weights as a safetensors file: PyTorch's names and layouts ([`tensors`]), f32,
/// with the layer list in the file's metadata. `model` lives on the CPU (read synchronously).
pub fn safetensors_bytes(model: &Cnn, spec: &ModelSpec) -> Result<Vec<u8>, WeightsError> {
    let save = |reason: String| WeightsError::Save {
        file: "model.safetensors".into(),
        source: burn::store::RecordError::Io(reason),
    };
    let mut gather = Gather::default();
    model.visit(&mut gather);
    let mut params = gather.tensors.into_iter().zip(gather.shapes);
    let mut entries: Vec<(String, Owned)> = Vec::new();
    for TorchTensor {
        name,
        shape,
        layout,
    } in tensors(spec)
    {
        if layout == Layout::BatchCount {
            entries.push((name, Owned::new(Dtype::I64, shape, 0i64.to_le_bytes())));
            continue;
        }
        let (tensor, burn_shape) = params
            .next()
            .ok_or_else(|| save(format!("the model has no value for `{name}`")))?;
        let floats = tensor
            .into_data()
            .try_into_vec::<f32>()
            .map_err(|e| save(format!("`{name}`: {e:?}")))?;
        let floats = match layout {
            Layout::Transposed => transpose(&floats, burn_shape[0], burn_shape[1]),
            _ => floats,
        };
        if floats.len() != shape.iter().product::<usize>() {
            return Err(save(format!("`{name}` is not {shape:?} in the model")));
        }
        let bytes: Vec<u8> = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
        entries.push((name, Owned::new(Dtype::F32, shape, bytes)));
    }
    if params.next().is_some() {
        return Err(save(format!("the model is not a `{spec}` network")));
    }
    // One key: safetensors writes a map's keys in its (random) order, and the same model
    // should make the same bytes.
    let metadata = HashMap::from([(SPEC_KEY.to_string(), spec.to_string())]);
    safetensors::serialize(entries, Some(metadata)).map_err(|e| save(e.to_string()))
}

/// A tensor to write.
struct Owned {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl Owned {
    fn new(dtype: Dtype, shape: Vec<usize>, data: impl Into<Vec<u8>>) -> Self {
        Self {
            dtype,
            shape,
            data: data.into(),
        }
    }
}

impl View for Owned {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// A safetensors file's bytes, parsed (and checked by the safetensors crate: every tensor
/// within the file, none overlapping).
pub struct SafetensorsFile<'a> {
    file: String,
    tensors: SafeTensors<'a>,
    metadata: HashMap<String, String>,
}

impl<'a> SafetensorsFile<'a> {
    pub fn parse(file: &str, bytes: &'a [u8]) -> Result<Self, WeightsError> {
        let damaged = |e: safetensors::SafeTensorError| WeightsError::Safetensors {
            file: file.into(),
            reason: e.to_string(),
        };
        let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(damaged)?;
        let tensors = SafeTensors::deserialize(bytes).map_err(damaged)?;
        Ok(Self {
            file: file.into(),
            tensors,
            metadata: metadata.metadata().clone().unwrap_or_default(),
        })
    }
}

impl StateDict for SafetensorsFile<'_> {
    fn file(&self) -> &str {
        &self.file
    }

    fn names(&self) -> Vec<String> {
        self.tensors.names().into_iter().map(String::from).collect()
    }

    fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.tensors.tensor(name).ok().map(|t| t.shape().to_vec())
    }

    fn read(&self, name: &str) -> Result<Stored<'_>, WeightsError> {
        let view = self
            .tensors
            .tensor(name)
            .map_err(|e| WeightsError::Safetensors {
                file: self.file.clone(),
                reason: e.to_string(),
            })?;
        let element = match view.dtype() {
            Dtype::F32 => Element::F32,
            Dtype::F64 => Element::F64,
            Dtype::F16 => Element::F16,
            Dtype::BF16 => Element::BF16,
            other => Element::Other(format!("{other:?}")),
        };
        Ok(Stored {
            element,
            bytes: Cow::Borrowed(view.data()),
        })
    }

    fn recorded(&self) -> Option<&str> {
        self.metadata.get(SPEC_KEY).map(String::as_str)
    }
}
