//! `model.py`: a layer list as a PyTorch `nn.Module` whose `load_state_dict` takes the
//! exported safetensors as they are, with the input it expects written out.

use std::fmt::Write;

use super::{TorchModule, batch_norm_settings, modules};
use crate::data::CIFAR10_CLASSES;
use crate::model::{Activation, ModelSpec, Padding};

/// The Python source of `spec` as `class Net(nn.Sequential)`, with `prepare` (the input),
/// `CLASSES` (the output) and `save` (weights cifar-lab reads back).
pub fn model_py(spec: &ModelSpec) -> String {
    let modules = modules(spec);
    let mut lines = String::new();
    let mut frozen = Vec::new();
    for (index, module) in modules.iter().enumerate() {
        let code = module_code(*module);
        let _ = writeln!(lines, "            {code},  # {index}");
        if let TorchModule::Conv2d {
            frozen: true,
            kernel,
            ..
        } = module
        {
            frozen.push((index, kernel));
        }
    }
    let mut after = String::new();
    for (index, kernel) in frozen {
        let _ = write!(
            after,
            "\n        # Whitens {kernel}×{kernel} patches: its filters were set from the training \
             images\n        # before training and never trained (its bias was).\n        \
             self[{index}].weight.requires_grad_(False)\n"
        );
    }
    let scale = if modules
        .iter()
        .any(|m| matches!(m, TorchModule::Scale { .. }))
    {
        SCALE
    } else {
        ""
    };
    let classes: Vec<String> = CIFAR10_CLASSES.iter().map(|c| format!("{c:?}")).collect();
    HEAD.replace("{name}", spec.name())
        .replace("{model}", &spec.to_string())
        .replace("{layers}", &spec.layer_text())
        .replace("{classes}", &classes.join(", "))
        + scale
        + &NET.replace("{modules}", &lines).replace("{after}", &after)
}

fn module_code(module: TorchModule) -> String {
    match module {
        TorchModule::Conv2d {
            inputs,
            filters,
            kernel,
            padding,
            ..
        } => {
            let same = match padding {
                Padding::Same => ", padding=\"same\"",
                Padding::Valid => "",
            };
            format!("nn.Conv2d({inputs}, {filters}, {kernel}{same})")
        }
        TorchModule::MaxPool2d { size } => format!("nn.MaxPool2d({size})"),
        TorchModule::Dropout { rate } => format!("nn.Dropout({rate:?})"),
        TorchModule::BatchNorm { features, images } => {
            let (eps, momentum) = batch_norm_settings();
            let kind = if images { "2d" } else { "1d" };
            format!("nn.BatchNorm{kind}({features}, eps={eps:?}, momentum={momentum:?})")
        }
        TorchModule::Activation(Activation::Relu) => "nn.ReLU()".into(),
        // cifar-lab's GELU is the exact one (erf), PyTorch's default.
        TorchModule::Activation(Activation::Gelu) => "nn.GELU()".into(),
        TorchModule::Flatten => "nn.Flatten()".into(),
        TorchModule::Linear { inputs, units } => format!("nn.Linear({inputs}, {units})"),
        TorchModule::Scale { factor } => format!("Scale({factor:?})"),
    }
}

const HEAD: &str = r#""""cifar-lab's `{name}` model as a PyTorch module. Its layers, as cifar-lab writes them:
{layers}

    import torch
    from safetensors.torch import load_file
    from model import CLASSES, Net, prepare

    model = Net()
    model.load_state_dict(load_file("model.safetensors"))
    model.eval()  # dropout off; batch norm uses its running statistics
    with torch.no_grad():
        logits = model(prepare(images))  # images: uint8, [batch, 32, 32, 3], RGB
    predicted = [CLASSES[i] for i in logits.argmax(dim=1)]

Input: float32 [batch, 3, 32, 32], RGB, channels first, every pixel divided by 255 (0 to 1)
and nothing else: no mean is subtracted and no standard deviation divided, as cifar-lab
trains. Output: 10 logits per image, in CLASSES' order; softmax makes them probabilities.

`save(model, "model.safetensors")` writes weights that cifar-lab's page and
`cifar-lab evaluate` read back as this model.
"""

import torch
from torch import nn

MODEL = "{model}"
CLASSES = ({classes})


def prepare(images):
    """uint8 images, [batch, 32, 32, 3] (NumPy's, PIL's, torchvision CIFAR10's `.data`) or
    [batch, 3, 32, 32], as the float input `Net` takes."""
    images = torch.as_tensor(images)
    if images.shape[-1] == 3:
        images = images.permute(0, 3, 1, 2)
    return images.float().div(255)
"#;

const SCALE: &str = r#"

class Scale(nn.Module):
    """Multiplies by a constant (Keras' Rescaling)."""

    def __init__(self, factor):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor
"#;

const NET: &str = r#"

class Net(nn.Sequential):
    def __init__(self):
        super().__init__(
{modules}        )
{after}

def save(model, path):
    """Writes `model`'s weights as cifar-lab reads them: safetensors, the model recorded."""
    from safetensors.torch import save_file

    state = {name: tensor.contiguous() for name, tensor in model.state_dict().items()}
    save_file(state, path, metadata={"cifar-lab.model": MODEL})
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Architecture;

    #[test]
    fn fast94s_module_freezes_its_whitening_and_scales_its_logits() {
        let py = model_py(&Architecture::Fast94.into());
        assert!(
            py.contains("            nn.Conv2d(3, 24, 2),  # 0\n"),
            "{py}"
        );
        assert!(py.contains("self[0].weight.requires_grad_(False)"), "{py}");
        assert!(
            py.contains("nn.Conv2d(24, 64, 3, padding=\"same\"),  # 2\n"),
            "{py}"
        );
        assert!(
            py.contains("nn.BatchNorm2d(64, eps=1e-5, momentum=0.1)"),
            "{py}"
        );
        assert!(py.contains("class Scale(nn.Module)"), "{py}");
        assert!(py.contains("Scale(0.1111111111111111),"), "{py}");
        assert!(py.contains("MODEL = \"fast94\""), "{py}");
    }

    #[test]
    fn a_typed_models_module_records_its_layer_list() {
        let spec = ModelSpec::parse("conv 8 3 same gelu, dropout 0.2, flatten, dense 10").unwrap();
        let py = model_py(&spec);
        assert!(
            py.contains("MODEL = \"conv 8 3 same gelu, dropout 0.2, flatten, dense 10\""),
            "{py}"
        );
        for line in [
            "nn.Conv2d(3, 8, 3, padding=\"same\"),  # 0",
            "nn.GELU(),  # 1",
            "nn.Dropout(0.2),  # 2",
            "nn.Flatten(),  # 3",
            "nn.Linear(8192, 10),  # 4",
        ] {
            assert!(py.contains(line), "{line} in {py}");
        }
        assert!(
            !py.contains("class Scale") && !py.contains("requires_grad_"),
            "{py}"
        );
    }
}
