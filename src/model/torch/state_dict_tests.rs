use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, Param};
use burn::tensor::{Device, Tensor, TensorData};
use safetensors::{Dtype, SafeTensors};

use super::*;
use crate::model::{
    Architecture, Cnn, ImageLayer, ModelSpec, VectorLayer, WeightsError, WeightsFormat,
    burnpack_bytes, burnpack_to_safetensors, weights_from_bytes_any,
};

/// Every value (running statistics too) set to a distinct pseudo-random number, so that a
/// value in the wrong place, layout or order changes the outputs.
struct Scramble(u64);

impl ModuleMapper for Scramble {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let dims = param.val().dims();
        let device = param.val().device();
        let n: usize = dims.iter().product();
        let values: Vec<f32> = (0..n)
            .map(|_| {
                self.0 = self
                    .0
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                // In [0.05, 0.15): positive, so running variances are valid.
                0.05 + (self.0 >> 40) as f32 / (1u64 << 24) as f32 * 0.1
            })
            .collect();
        param.map(|_| Tensor::from_data(TensorData::new(values, dims.to_vec()), &device))
    }
}

fn scrambled(spec: &ModelSpec) -> Cnn {
    Cnn::new(spec, &Device::flex()).map(&mut Scramble(7))
}

fn images(n: usize) -> Tensor<4> {
    let values: Vec<f32> = (0..n * 3 * 32 * 32)
        .map(|i| (i % 251) as f32 / 251.0)
        .collect();
    Tensor::from_data(TensorData::new(values, [n, 3, 32, 32]), &Device::flex())
}

fn outputs(model: &Cnn) -> Vec<f32> {
    model
        .valid()
        .forward(images(3))
        .into_data()
        .try_into_vec()
        .unwrap()
}

/// One tensor of a file: name, element type, shape, bytes.
type Entry = (String, Dtype, Vec<usize>, Vec<u8>);

fn entries(bytes: &[u8]) -> Vec<Entry> {
    let file = SafeTensors::deserialize(bytes).unwrap();
    file.iter()
        .map(|(name, v)| {
            (
                name.into(),
                v.dtype(),
                v.shape().to_vec(),
                v.data().to_vec(),
            )
        })
        .collect()
}

/// A file of `entries` without metadata, as `safetensors.torch.save_file` of a plain
/// `state_dict()` writes it.
fn write(entries: &[Entry]) -> Vec<u8> {
    let views = entries.iter().map(|(name, dtype, shape, data)| {
        let view = safetensors::tensor::TensorView::new(*dtype, shape.clone(), data).unwrap();
        (name.clone(), view)
    });
    safetensors::serialize(views, None::<HashMap<String, String>>).unwrap()
}

/// Every f32 tensor as f64 (`model.double()`).
fn widened(entries: Vec<Entry>) -> Vec<Entry> {
    let widen = |data: &[u8]| -> Vec<u8> {
        data.chunks_exact(4)
            .flat_map(|c| (f32::from_le_bytes(c.try_into().unwrap()) as f64).to_le_bytes())
            .collect()
    };
    entries
        .into_iter()
        .map(|(name, dtype, shape, data)| match dtype {
            Dtype::F32 => (name, Dtype::F64, shape, widen(&data)),
            _ => (name, dtype, shape, data),
        })
        .collect()
}

#[test]
fn every_model_comes_back_from_safetensors_with_the_same_outputs_bit_for_bit() {
    let custom = ModelSpec::parse("conv 4 3 same gelu, batchnorm, maxpool 2, dropout 0.1, conv 6 5, relu, flatten, dense 12, batchnorm, gelu, dense 10, rescale 0.5").unwrap();
    let specs = Architecture::ALL
        .into_iter()
        .map(ModelSpec::preset)
        .chain([custom]);
    for spec in specs {
        let model = scrambled(&spec);
        let bytes = safetensors_bytes(&model, &spec).unwrap();
        assert_eq!(WeightsFormat::of(&bytes), Some(WeightsFormat::Safetensors));
        let dict = SafetensorsFile::parse("model.safetensors", &bytes).unwrap();
        assert_eq!(spec_of_state_dict(&dict).unwrap(), Some(spec.clone()));
        let back = load_state_dict(&spec, &dict, &Device::flex()).unwrap();
        assert_eq!(outputs(&back), outputs(&model), "{spec}");
        // And through a .bpk, as the page converts a kept run's weights.
        let bpk = burnpack_bytes(&model, &spec).unwrap();
        let converted = burnpack_to_safetensors("run.bpk", bpk).unwrap();
        assert!(converted == bytes, "{spec}: the same bytes either way");
    }
}

#[test]
fn tensors_are_in_pytorchs_places_and_layouts() {
    let spec = ModelSpec::parse("conv 2 3, batchnorm, relu, flatten, dense 10").unwrap();
    let model = scrambled(&spec);
    let bytes = safetensors_bytes(&model, &spec).unwrap();
    let file = SafeTensors::deserialize(&bytes).unwrap();
    let floats = |name: &str| -> Vec<f32> {
        let view = file.tensor(name).unwrap();
        assert_eq!(view.dtype(), Dtype::F32, "{name}");
        view.data()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect()
    };
    let burn = |t: Tensor<1>| -> Vec<f32> { t.into_data().try_into_vec().unwrap() };
    let ImageLayer::BatchNorm(norm) = &model.image_layers[1] else {
        panic!("batch norm second")
    };
    assert_eq!(floats("1.weight"), burn(norm.gamma.val()));
    assert_eq!(floats("1.bias"), burn(norm.beta.val()));
    assert_eq!(floats("1.running_mean"), burn(norm.running_mean.value()));
    assert_eq!(floats("1.running_var"), burn(norm.running_var.value()));
    let count = file.tensor("1.num_batches_tracked").unwrap();
    assert_eq!((count.dtype(), count.shape()), (Dtype::I64, &[][..]));
    let VectorLayer::DenseLogits(dense) = &model.vector_layers[0] else {
        panic!("dense last")
    };
    // burn's [inputs, units] is PyTorch's [units, inputs].
    let weight: Tensor<2> = dense.weight.val();
    let transposed: Vec<f32> = weight.transpose().into_data().try_into_vec().unwrap();
    assert_eq!(file.tensor("4.weight").unwrap().shape(), &[10, 1800]);
    assert_eq!(floats("4.weight"), transposed);
    let metadata = SafeTensors::read_metadata(&bytes).unwrap().1;
    let metadata = metadata.metadata().clone().unwrap();
    assert_eq!(
        metadata["cifar-lab.model"],
        "conv 2 3, batchnorm, relu, flatten, dense 10"
    );
}

#[test]
fn pytorchs_own_files_load_by_their_names_whatever_their_float_type() {
    let spec = ModelSpec::preset(Architecture::DeeperBn);
    let model = scrambled(&spec);
    let exported = entries(&safetensors_bytes(&model, &spec).unwrap());
    let device = Device::flex();
    // No model recorded: the form's model, then the presets, until one fits.
    let bare = write(&exported);
    let plain = ModelSpec::preset(Architecture::Plain);
    let (found, back) = weights_from_bytes_any(&plain, "net.safetensors", bare, &device).unwrap();
    assert_eq!(found, spec);
    assert_eq!(outputs(&back), outputs(&model));
    // float64 values are read as f32: the same model; no `num_batches_tracked` is needed.
    let mut wide = widened(exported);
    wide.retain(|(name, ..)| !name.ends_with("num_batches_tracked"));
    let (_, back) =
        weights_from_bytes_any(&spec, "wide.safetensors", write(&wide), &device).unwrap();
    assert_eq!(outputs(&back), outputs(&model));
}

#[test]
fn another_models_or_a_damaged_file_is_refused_in_words() {
    let device = Device::flex();
    let plain = ModelSpec::preset(Architecture::Plain);
    let exported = safetensors_bytes(&scrambled(&plain), &plain).unwrap();
    let bare = entries(&exported);
    let refusal = |entries: &[Entry], spec: &ModelSpec| {
        let bytes = write(entries);
        let dict = SafetensorsFile::parse("net.safetensors", &bytes).unwrap();
        load_state_dict(spec, &dict, &device)
            .unwrap_err()
            .to_string()
    };
    let deeper = ModelSpec::preset(Architecture::Deeper);
    assert_eq!(
        refusal(&bare, &deeper),
        "net.safetensors: not the `deeper` model's tensors: `2.weight` is [64, 32, 3, 3] in the \
         file but [32, 32, 3, 3] in the model"
    );
    let mut extra = bare.clone();
    extra.push(("fc.weight".into(), Dtype::F32, vec![1], vec![0; 4]));
    assert_eq!(
        refusal(&extra, &plain),
        "net.safetensors: not the `plain` model's tensors: the file also has `fc.weight`, which \
         the model has not"
    );
    let missing: Vec<Entry> = bare.iter().filter(|e| e.0 != "8.bias").cloned().collect();
    assert!(refusal(&missing, &plain).ends_with("the file has no `8.bias`"));
    let mut integers = bare.clone();
    integers.iter_mut().for_each(|e| e.1 = Dtype::I32);
    assert!(
        refusal(&integers, &plain)
            .ends_with("`0.weight` holds I32 values, not floating-point weights"),
        "{}",
        refusal(&integers, &plain)
    );
    // Cut short: the safetensors crate finds a tensor past the end.
    let cut = &exported[..exported.len() - 100];
    let error = SafetensorsFile::parse("cut.safetensors", cut)
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.starts_with("cut.safetensors: not a safetensors file, or a damaged one: "),
        "{error}"
    );
    // Neither format, and PyTorch's zip in the page.
    let error = weights_from_bytes_any(&plain, "notes.txt", b"hello".to_vec(), &device);
    assert!(matches!(error, Err(WeightsError::Unrecognised { .. })));
    let zip = b"PK\x03\x04rest of a torch.save zip".to_vec();
    let error = weights_from_bytes_any(&plain, "model.pth", zip, &device)
        .err()
        .unwrap();
    assert!(
        error.to_string().contains("`cifar-lab evaluate --weights`"),
        "{error}"
    );
}
