//! PyTorch's own files (`torch.save(model.state_dict(), "model.pth")`, or of the whole
//! model), read by burn's `pytorch-reader` without PyTorch: for `cifar-lab evaluate`.

use std::borrow::Cow;
use std::path::Path;

use pytorch_reader::{DType, PytorchReader};

use super::state_dict::{Element, StateDict, Stored};
use crate::model::WeightsError;

pub struct PthFile {
    file: String,
    reader: PytorchReader,
}

impl PthFile {
    pub fn open(path: &Path) -> Result<Self, WeightsError> {
        let file = path.display().to_string();
        let reader = PytorchReader::new(path).map_err(|e| WeightsError::Pytorch {
            file: file.clone(),
            reason: e.to_string(),
        })?;
        Ok(Self { file, reader })
    }
}

impl StateDict for PthFile {
    fn file(&self) -> &str {
        &self.file
    }

    fn names(&self) -> Vec<String> {
        self.reader.keys()
    }

    fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.reader.get(name).map(|t| t.shape().to_vec())
    }

    fn read(&self, name: &str) -> Result<Stored<'_>, WeightsError> {
        let pytorch = |reason: String| WeightsError::Pytorch {
            file: self.file.clone(),
            reason,
        };
        let tensor = self
            .reader
            .get(name)
            .ok_or_else(|| pytorch(format!("no tensor `{name}`")))?;
        let element = match tensor.dtype() {
            DType::F32 => Element::F32,
            DType::F64 => Element::F64,
            DType::F16 => Element::F16,
            DType::BF16 => Element::BF16,
            other => Element::Other(format!("{other:?}")),
        };
        // The reader gives native-endian bytes and reads only little-endian files; cifar-lab
        // runs on little-endian machines only (x86_64, aarch64, wasm32).
        let bytes = tensor.read().map_err(|e| pytorch(e.to_string()))?;
        Ok(Stored {
            element,
            bytes: Cow::Owned(bytes),
        })
    }

    fn recorded(&self) -> Option<&str> {
        None
    }
}

#[cfg(test)]
mod tests {
    use burn::tensor::{Device, Tensor, TensorData};

    use crate::model::{ModelSpec, WeightsError, load_weights};

    fn fixture(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    /// tiny.pth is PyTorch's own `torch.save(state_dict())` (scripts/peers/make_pth_fixture.py),
    /// with the logits PyTorch computed for two fixed images.
    #[test]
    fn a_pth_that_pytorch_saved_gives_pytorchs_logits() {
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixture("tiny-logits.json")).unwrap())
                .unwrap();
        let spec = ModelSpec::parse(expected["model"].as_str().unwrap()).unwrap();
        let device = Device::flex();
        // A .pth records no model: without one it is refused, with one it loads.
        let error = load_weights(&fixture("tiny.pth"), None, &device).unwrap_err();
        assert!(matches!(error, WeightsError::NoModel { .. }), "{error}");
        let (_, model) = load_weights(&fixture("tiny.pth"), Some(&spec), &device).unwrap();
        let values: Vec<f32> = (0..2 * 3 * 32 * 32)
            .map(|i| (i % 251) as f32 / 251.0)
            .collect();
        let images = Tensor::<4>::from_data(TensorData::new(values, [2, 3, 32, 32]), &device);
        let logits: Vec<f32> = model.forward(images).into_data().try_into_vec().unwrap();
        let theirs = expected["logits"].as_array().unwrap();
        assert_eq!(logits.len(), theirs.len());
        for (ours, theirs) in logits.iter().zip(theirs) {
            let theirs = theirs.as_f64().unwrap() as f32;
            assert!((ours - theirs).abs() < 1e-5, "{ours} vs PyTorch's {theirs}");
        }
        // Another model's names are refused in words.
        let other = ModelSpec::parse("conv 2 3 relu, maxpool 2, flatten, dense 10").unwrap();
        let error = load_weights(&fixture("tiny.pth"), Some(&other), &device).unwrap_err();
        assert!(
            error.to_string().ends_with(
                "not the `conv 2 3 relu, maxpool 2, flatten, dense 10` model's tensors: \
                 `4.weight` is [10, 98] in the file but [10, 450] in the model"
            ),
            "{error}"
        );
    }
}
