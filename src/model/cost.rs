//! How much arithmetic a model is: what turns a measured speed into a time estimate before a
//! run starts.

use super::check::LayerShape;
use super::layer::LayerSpec;
use super::spec::ModelSpec;
use crate::data::{IMAGE_CHANNELS, IMAGE_SIDE};

/// Floating-point operations (a multiply-add is two) of one image's forward pass through the
/// convolutions and dense layers, which dominate; element-wise and pooling layers count none.
pub fn forward_flops(model: &ModelSpec) -> f64 {
    let shapes: Vec<LayerShape> = model.shapes();
    let mut input = vec![IMAGE_SIDE, IMAGE_SIDE, IMAGE_CHANNELS];
    let mut flops = 0.0;
    for (layer, shape) in model.layers().iter().zip(&shapes) {
        let out = &shape.output;
        flops += match *layer {
            // In f64 factor by factor: the products pass 2³² (WebAssembly's usize) for a wide
            // layer the model check allows.
            LayerSpec::Conv2d { kernel, .. } | LayerSpec::Whiten { kernel } => {
                2.0 * [kernel, kernel, input[2], out[2], out[0], out[1]]
                    .iter()
                    .map(|&f| f as f64)
                    .product::<f64>()
            }
            LayerSpec::Dense { units, .. } => 2.0 * input[0] as f64 * units as f64,
            // Every other kind by name, so that a new one is a compile error here.
            LayerSpec::MaxPool2d { .. }
            | LayerSpec::Dropout { .. }
            | LayerSpec::BatchNorm
            | LayerSpec::Activation(_)
            | LayerSpec::Flatten
            | LayerSpec::Rescale { .. } => 0.0,
        };
        input = out.clone();
    }
    flops
}

/// One training image: the forward pass and a backward pass of about twice its work.
pub fn training_flops(model: &ModelSpec) -> f64 {
    3.0 * forward_flops(model)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Architecture;

    #[test]
    fn counts_the_tutorials_plain_model_and_airbenchs() {
        let plain = forward_flops(&Architecture::Plain.into());
        // conv 32 (30×30×27×32), conv 64 (28×28×288×64), dense 12544→128, dense 128→10.
        let macs = 30 * 30 * 27 * 32 + 28 * 28 * 288 * 64 + 12544 * 128 + 128 * 10;
        assert_eq!(plain, 2.0 * macs as f64);
        // airbench94 states about 0.36 PFLOP for 50,000 images × 9.9 epochs (≈ 0.73 GFLOP per
        // training image).
        let fast = training_flops(&Architecture::Fast94.into());
        assert!((0.6e9..0.95e9).contains(&fast), "{fast}");
        // 3·1,183²·32² multiply-adds: more than a 32-bit count holds.
        let wide = forward_flops(&ModelSpec::parse("conv 1 1183 same, flatten, dense 10").unwrap());
        assert_eq!(wide, 2.0 * (3.0 * 1183.0 * 1183.0 * 1024.0 + 1024.0 * 10.0));
    }
}
