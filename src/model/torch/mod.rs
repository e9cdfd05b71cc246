//! A model in PyTorch's terms: the `nn.Sequential` a layer list becomes, and the name, shape
//! and layout of each tensor of its state dict. Everything that crosses to PyTorch reads this
//! one table: the safetensors writer and reader (`state_dict`), `.pth` files (`pth`) and
//! the generated `model.py` (`python`).

#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
mod pth;
mod python;
mod state_dict;
#[cfg(test)]
mod state_dict_tests;

use burn::nn::BatchNormConfig;

use super::{Activation, LayerSpec, ModelSpec, Padding, PlacedLayer};

#[cfg(all(feature = "cli", not(target_arch = "wasm32")))]
pub use pth::PthFile;
pub use python::model_py;
pub use state_dict::{
    Element, SafetensorsFile, StateDict, Stored, fits, load_state_dict, safetensors_bytes,
    spec_of_state_dict,
};

/// One module of the `nn.Sequential`: a cifar-lab layer with an activation is two.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TorchModule {
    Conv2d {
        inputs: usize,
        filters: usize,
        kernel: usize,
        padding: Padding,
        /// The whitening layer's filters: set from the data, never trained (its bias trains).
        frozen: bool,
    },
    MaxPool2d {
        size: usize,
    },
    Dropout {
        rate: f64,
    },
    /// `BatchNorm2d` on images, `BatchNorm1d` after `flatten`.
    BatchNorm {
        features: usize,
        images: bool,
    },
    Activation(Activation),
    Flatten,
    Linear {
        inputs: usize,
        units: usize,
    },
    /// Multiplies by a constant: no such module in `torch.nn`, so `model.py` defines `Scale`.
    Scale {
        factor: f64,
    },
}

/// How a state-dict tensor relates to the burn module's parameter in the same place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The same values in the same order.
    Same,
    /// A dense layer's weight: burn stores `[inputs, units]`, PyTorch `[units, inputs]`.
    Transposed,
    /// Batch norm's `num_batches_tracked` (an int64 scalar): PyTorch's alone, used only
    /// with `momentum=None`; written as 0, ignored when read.
    BatchCount,
}

/// One tensor of the state dict, in the order of the burn module's parameters (`Cnn`'s
/// visiting order: a convolution's or dense layer's weight then bias; batch norm's
/// gamma, beta, running mean and variance).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TorchTensor {
    /// `3.weight`: the module's index in the `nn.Sequential`, then PyTorch's own name.
    pub name: String,
    /// PyTorch's shape.
    pub shape: Vec<usize>,
    pub layout: Layout,
}

/// Batch norm's settings, PyTorch's defaults too (`eps=1e-5`, `momentum=0.1`): the network
/// is built with `BatchNormConfig::new`, and `model.py` writes these values out.
pub fn batch_norm_settings() -> (f64, f64) {
    let config = BatchNormConfig::new(1);
    (config.epsilon, config.momentum)
}

/// The `nn.Sequential` of `spec`, module by module.
pub fn modules(spec: &ModelSpec) -> Vec<TorchModule> {
    let mut modules = Vec::new();
    for PlacedLayer {
        layer,
        inputs,
        outputs,
        flattened,
    } in spec.placed()
    {
        match layer {
            LayerSpec::Conv2d {
                filters,
                kernel,
                padding,
                activation,
            } => {
                modules.push(TorchModule::Conv2d {
                    inputs,
                    filters,
                    kernel,
                    padding,
                    frozen: false,
                });
                modules.extend(activation.map(TorchModule::Activation));
            }
            LayerSpec::Whiten { kernel } => modules.push(TorchModule::Conv2d {
                inputs,
                filters: outputs,
                kernel,
                padding: Padding::Valid,
                frozen: true,
            }),
            LayerSpec::MaxPool2d { size } => modules.push(TorchModule::MaxPool2d { size }),
            LayerSpec::Dropout { rate } => modules.push(TorchModule::Dropout { rate }),
            LayerSpec::BatchNorm => modules.push(TorchModule::BatchNorm {
                features: outputs,
                images: !flattened,
            }),
            LayerSpec::Activation(activation) => modules.push(TorchModule::Activation(activation)),
            LayerSpec::Flatten => modules.push(TorchModule::Flatten),
            LayerSpec::Dense { units, activation } => {
                modules.push(TorchModule::Linear { inputs, units });
                modules.extend(activation.map(TorchModule::Activation));
            }
            LayerSpec::Rescale { factor } => modules.push(TorchModule::Scale { factor }),
        }
    }
    modules
}

/// Every tensor of `spec`'s state dict, in the burn module's parameter order.
pub fn tensors(spec: &ModelSpec) -> Vec<TorchTensor> {
    let mut tensors = Vec::new();
    for (index, module) in modules(spec).into_iter().enumerate() {
        let mut add = |name: &str, shape: Vec<usize>, layout| {
            tensors.push(TorchTensor {
                name: format!("{index}.{name}"),
                shape,
                layout,
            })
        };
        match module {
            TorchModule::Conv2d {
                inputs,
                filters,
                kernel,
                ..
            } => {
                add(
                    "weight",
                    vec![filters, inputs, kernel, kernel],
                    Layout::Same,
                );
                add("bias", vec![filters], Layout::Same);
            }
            TorchModule::Linear { inputs, units } => {
                add("weight", vec![units, inputs], Layout::Transposed);
                add("bias", vec![units], Layout::Same);
            }
            TorchModule::BatchNorm { features, .. } => {
                for name in ["weight", "bias", "running_mean", "running_var"] {
                    add(name, vec![features], Layout::Same);
                }
                add("num_batches_tracked", Vec::new(), Layout::BatchCount);
            }
            TorchModule::MaxPool2d { .. }
            | TorchModule::Dropout { .. }
            | TorchModule::Activation(_)
            | TorchModule::Flatten
            | TorchModule::Scale { .. } => {}
        }
    }
    tensors
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Architecture;

    #[test]
    fn plains_state_dict_is_named_as_pytorchs_sequential_names_it() {
        let names: Vec<(String, Vec<usize>)> = tensors(&Architecture::Plain.into())
            .into_iter()
            .map(|t| (t.name, t.shape))
            .collect();
        let expected = [
            ("0.weight", vec![32, 3, 3, 3]),
            ("0.bias", vec![32]),
            ("2.weight", vec![64, 32, 3, 3]),
            ("2.bias", vec![64]),
            ("6.weight", vec![128, 12544]),
            ("6.bias", vec![128]),
            ("8.weight", vec![10, 128]),
            ("8.bias", vec![10]),
        ];
        let expected: Vec<(String, Vec<usize>)> = expected
            .into_iter()
            .map(|(n, s)| (n.to_string(), s))
            .collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn every_trainable_and_running_value_has_a_tensor() {
        for architecture in Architecture::ALL {
            let spec = ModelSpec::preset(architecture);
            let summary = crate::model::Summary::new(&spec);
            let values: usize = tensors(&spec)
                .iter()
                .filter(|t| t.layout != Layout::BatchCount)
                .map(|t| t.shape.iter().product::<usize>())
                .sum();
            assert_eq!(values, summary.total_params, "{architecture}");
        }
    }
}
