//! Weights from a file in any format cifar-lab reads, told apart by its first bytes (never
//! by its name): burnpack (`.bpk`, cifar-lab's own), safetensors (PyTorch's names, as
//! cifar-lab exports them or `model.py`'s `save` writes them) and PyTorch's `.pth` (read
//! by the command line only).

use std::path::Path;

use burn::tensor::Device;

use super::torch::{
    SafetensorsFile, StateDict, fits, load_state_dict, safetensors_bytes, spec_of_state_dict,
};
use super::weights::{burnpack_any, recorded_spec, weights_from_bytes};
use super::{Architecture, Cnn, MAX_WEIGHTS_FILE_BYTES, ModelSpec, WeightsError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsFormat {
    Burnpack,
    Safetensors,
    /// `torch.save`'s containers: a zip (PyTorch 1.6 on), a pickle stream or a tar.
    Pytorch,
}

impl WeightsFormat {
    pub fn of(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&burn_pack::MAGIC_NUMBER.to_le_bytes()) {
            return Some(Self::Burnpack);
        }
        // An 8-byte little-endian header length, then the JSON header. First: the length's
        // bytes may look like a pickle's opening (0x80 0x02).
        let header = bytes
            .get(..8)
            .map(|n| u64::from_le_bytes(n.try_into().expect("8 bytes")));
        if let Some(n) = header
            && bytes.get(8) == Some(&b'{')
            && n <= bytes.len() as u64 - 8
        {
            return Some(Self::Safetensors);
        }
        let pickle = bytes.first() == Some(&0x80) && matches!(bytes.get(1), Some(2..=5));
        let tar = bytes.get(257..262) == Some(b"ustar");
        (bytes.starts_with(b"PK\x03\x04") || pickle || tar).then_some(Self::Pytorch)
    }
}

/// The model that loads: the one recorded in the file, which must be `expected` where the
/// caller names one; `expected` for a file that records none.
fn chosen(
    file: &str,
    recorded: Option<ModelSpec>,
    expected: Option<&ModelSpec>,
) -> Result<ModelSpec, WeightsError> {
    match (recorded, expected) {
        (Some(recorded), Some(asked)) if recorded != *asked => Err(WeightsError::OtherModel {
            file: file.into(),
            recorded: recorded.to_string(),
            asked: asked.to_string(),
        }),
        (Some(spec), _) => Ok(spec),
        (None, Some(expected)) => Ok(expected.clone()),
        (None, None) => Err(WeightsError::NoModel { file: file.into() }),
    }
}

/// Whether the model `spec` loaded from `file` can be evaluated in batches of `batch`: the
/// check training makes (the layers' outputs and the convolutions' scratch memory under the
/// cap), refused in its words, before the evaluation runs out of memory.
pub fn check_evaluation(file: &str, spec: &ModelSpec, batch: usize) -> Result<(), WeightsError> {
    spec.check_batch(batch)
        .map_err(|source| WeightsError::TooWide {
            file: file.into(),
            source,
        })
}

/// Loads the weights at `path` (`.bpk`, `.safetensors` or `.pth`). `expected`, where the
/// caller names a model, must be the recorded one; it is the model for files that record
/// none (a PyTorch file, a `.bpk` saved before specs were recorded).
pub fn load_weights(
    path: &Path,
    expected: Option<&ModelSpec>,
    device: &Device,
) -> Result<(ModelSpec, Cnn), WeightsError> {
    let file = path.display().to_string();
    let bytes = crate::data::read_regular(path, MAX_WEIGHTS_FILE_BYTES)?;
    let from_dict = |dict: &dyn StateDict| {
        let spec = chosen(&file, spec_of_state_dict(dict)?, expected)?;
        let model = load_state_dict(&spec, dict, device)?;
        Ok((spec, model))
    };
    match WeightsFormat::of(&bytes) {
        Some(WeightsFormat::Burnpack) => {
            let spec = chosen(&file, recorded_spec(&file, &bytes)?, expected)?;
            let model = weights_from_bytes(&spec, &file, bytes, device)?;
            Ok((spec, model))
        }
        Some(WeightsFormat::Safetensors) => from_dict(&SafetensorsFile::parse(&file, &bytes)?),
        #[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
        Some(WeightsFormat::Pytorch) => {
            drop(bytes);
            from_dict(&super::torch::PthFile::open(path)?)
        }
        #[cfg(not(all(feature = "cli", not(target_arch = "wasm32"))))]
        Some(WeightsFormat::Pytorch) => Err(WeightsError::PytorchInPage { file }),
        None => Err(WeightsError::Unrecognised { file }),
    }
}

/// Weights of a model to be found (the page's *Evaluate saved weights*): the one recorded in
/// the file, else `preferred` (the form's model), then the other presets, until one fits.
pub fn weights_from_bytes_any(
    preferred: &ModelSpec,
    file: &str,
    bytes: Vec<u8>,
    device: &Device,
) -> Result<(ModelSpec, Cnn), WeightsError> {
    match WeightsFormat::of(&bytes) {
        Some(WeightsFormat::Burnpack) => burnpack_any(preferred, file, bytes, device),
        Some(WeightsFormat::Safetensors) => {
            let dict = SafetensorsFile::parse(file, &bytes)?;
            let spec = match spec_of_state_dict(&dict)? {
                Some(spec) => spec,
                None => match candidates(preferred).find(|spec| fits(spec, &dict).is_ok()) {
                    Some(spec) => spec,
                    // The form's model says best why the file fits none.
                    None => return Err(fits(preferred, &dict).expect_err("tried first")),
                },
            };
            let model = load_state_dict(&spec, &dict, device)?;
            Ok((spec, model))
        }
        Some(WeightsFormat::Pytorch) => Err(WeightsError::PytorchInPage { file: file.into() }),
        None => Err(WeightsError::Unrecognised { file: file.into() }),
    }
}

/// `preferred`, then the presets it is not.
pub(super) fn candidates(preferred: &ModelSpec) -> impl Iterator<Item = ModelSpec> + '_ {
    let presets = Architecture::ALL
        .into_iter()
        .map(ModelSpec::preset)
        .filter(move |spec| spec != preferred);
    std::iter::once(preferred.clone()).chain(presets)
}

/// A `.bpk`'s weights as safetensors (the page's *model.safetensors* of a kept run).
pub fn burnpack_to_safetensors(file: &str, bytes: Vec<u8>) -> Result<Vec<u8>, WeightsError> {
    let spec =
        recorded_spec(file, &bytes)?.ok_or_else(|| WeightsError::NoModel { file: file.into() })?;
    let model = weights_from_bytes(&spec, file, bytes, &Device::flex())?;
    safetensors_bytes(&model, &spec)
}

#[cfg(test)]
mod tests {
    use super::WeightsFormat::{self, *};

    #[test]
    fn formats_are_told_apart_by_their_first_bytes() {
        // A 640-byte safetensors header's length starts 0x80 0x02, as a pickle does.
        let mut safetensors = 640u64.to_le_bytes().to_vec();
        safetensors.push(b'{');
        safetensors.resize(8 + 640, b' ');
        assert_eq!(safetensors[..2], [0x80, 0x02]);
        assert_eq!(WeightsFormat::of(&safetensors), Some(Safetensors));
        // A header longer than the file is not safetensors.
        assert_ne!(WeightsFormat::of(&safetensors[..100]), Some(Safetensors));
        // torch.save before 1.6: a pickle stream opening with its magic number.
        let legacy = [
            0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a,
        ];
        assert_eq!(WeightsFormat::of(&legacy), Some(Pytorch));
        assert_eq!(WeightsFormat::of(b"PK\x03\x04\x00\x00"), Some(Pytorch));
        assert_eq!(WeightsFormat::of(b"NRUB\x01\x00"), Some(Burnpack));
        assert_eq!(WeightsFormat::of(b"hello"), None);
        assert_eq!(WeightsFormat::of(b""), None);
    }
}
