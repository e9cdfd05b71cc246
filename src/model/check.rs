//! Whether a layer list makes a model: each layer's input shape fits it, the last layer gives
//! one score per class, and the parameters stay under a cap. Errors name the layer.

use super::layer::{LayerSpec, Padding};
use crate::data::{IMAGE_CHANNELS, IMAGE_SIDE, NUM_CLASSES};
use crate::kernels::conv::cpu::{self, ConvGeometry};

/// More parameters than this is refused before training starts: with the optimiser's state
/// and the gradients the model takes four times its size (320 MB at the cap), and a browser
/// tab's WebAssembly memory is 4 GB at most.
pub const MAX_PARAMS: usize = 20_000_000;
/// Every layer's output for one batch, kept for the backward pass: above this the run would
/// exhaust a tab's memory (or the GPU's buffers), so it is refused before it starts.
pub const MAX_ACTIVATION_BYTES: usize = 2 << 30;
/// The largest weights file read: a model at [`MAX_PARAMS`] stored in f64, with room for its
/// headers and metadata.
pub const MAX_WEIGHTS_FILE_BYTES: u64 = MAX_PARAMS as u64 * 8 + (64 << 20);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ModelError {
    #[error(
        "the model has no layers: write them separated by commas, e.g. `conv 32 3 relu, \
         maxpool 2, flatten, dense 10`"
    )]
    Empty,
    #[error(
        "unknown model `{0}`: expected a preset (plain, dropout, deeper, deeper-bn, fast94) or a \
         layer list such as `conv 32 3 relu, maxpool 2, flatten, dense 10`"
    )]
    Unknown(String),
    #[error("layer {index} `{text}`: {reason}")]
    Layer {
        /// Counted from 1, as the user reads the list.
        index: usize,
        text: String,
        reason: String,
    },
    #[error(
        "the last layer must be `dense {classes}` without an activation (one score per class; \
         softmax is applied by the loss; only a `rescale` may follow it), not `{0}`",
        classes = NUM_CLASSES
    )]
    Output(String),
    #[error(
        "the model has {params} parameters, more than the cap of {cap}: use fewer \
         filters or units, or pool before `flatten`",
        cap = MAX_PARAMS
    )]
    TooManyParams { params: usize },
    #[error(
        "a batch of {batch} needs {mib} MiB for the layers' outputs, more than the cap of {cap} \
         MiB: use a smaller batch, or fewer filters before the first pooling",
        mib = bytes / (1 << 20),
        cap = MAX_ACTIVATION_BYTES / (1 << 20)
    )]
    TooMuchMemory { batch: usize, bytes: usize },
    #[error(
        "layer {index} `{text}`: the CPU convolution unfolds each image into {per_thread_mib} MiB \
         of scratch memory, {threads} at once ({total_mib} MiB with the layers' outputs for a \
         batch of {batch}), more than the cap of {cap} MiB: use a smaller kernel or fewer \
         channels before this layer, or pool first",
        per_thread_mib = per_thread.div_ceil(1 << 20),
        total_mib = total / (1 << 20),
        cap = MAX_ACTIVATION_BYTES / (1 << 20)
    )]
    TooMuchWorkspace {
        index: usize,
        text: String,
        per_thread: usize,
        threads: usize,
        batch: usize,
        total: usize,
    },
}

/// A layer's output shape without the batch: `[h, w, c]` before `flatten` (channels last, as
/// Keras shows them), `[n]` after; and its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerShape {
    pub output: Vec<usize>,
    pub trainable: usize,
    /// Batch norm's running mean and variance: saved, never trained.
    pub non_trainable: usize,
}

/// Walks the list from a 32×32×3 image and checks every layer, then the output and the cap.
pub fn check_layers(layers: &[LayerSpec]) -> Result<Vec<LayerShape>, ModelError> {
    // A rescaling of the logits may follow the output layer (airbench's 1/9).
    let last = layers
        .iter()
        .rev()
        .find(|l| !matches!(l, LayerSpec::Rescale { .. }))
        .ok_or(ModelError::Empty)?;
    let mut shape = vec![IMAGE_SIDE, IMAGE_SIDE, IMAGE_CHANNELS];
    let mut shapes = Vec::with_capacity(layers.len());
    for (i, layer) in layers.iter().enumerate() {
        let fail = |reason: String| ModelError::Layer {
            index: i + 1,
            text: layer.to_string(),
            reason,
        };
        let (output, trainable, non_trainable) = next_shape(layer, &shape).map_err(fail)?;
        shape = output.clone();
        shapes.push(LayerShape {
            output,
            trainable,
            non_trainable,
        });
    }
    let logits = LayerSpec::Dense {
        units: NUM_CLASSES,
        activation: None,
    };
    if *last != logits {
        return Err(ModelError::Output(last.to_string()));
    }
    let params = shapes.iter().fold(0usize, |n, s| {
        n.saturating_add(s.trainable + s.non_trainable)
    });
    if params > MAX_PARAMS {
        return Err(ModelError::TooManyParams { params });
    }
    Ok(shapes)
}

/// Refuses a batch whose layer outputs, with the scratch memory of the widest convolution
/// (one per image running at once: `threads` of them, at most the batch), would not fit.
pub fn check_batch(
    layers: &[LayerSpec],
    shapes: &[LayerShape],
    batch: usize,
    threads: usize,
) -> Result<(), ModelError> {
    let floats = shapes.iter().fold(0usize, |n, s| {
        n.saturating_add(s.output.iter().fold(1usize, |p, d| p.saturating_mul(*d)))
    });
    let bytes = floats.saturating_mul(4).saturating_mul(batch);
    if bytes > MAX_ACTIVATION_BYTES {
        return Err(ModelError::TooMuchMemory { batch, bytes });
    }
    let threads = threads.clamp(1, batch.max(1));
    let mut input: &[usize] = &[IMAGE_SIDE, IMAGE_SIDE, IMAGE_CHANNELS];
    for (i, (layer, shape)) in layers.iter().zip(shapes).enumerate() {
        if let LayerSpec::Conv2d {
            kernel, padding, ..
        } = *layer
        {
            let per_thread = conv_workspace_bytes(input, kernel, padding, &shape.output, batch);
            let total = per_thread.saturating_mul(threads).saturating_add(bytes);
            if total > MAX_ACTIVATION_BYTES {
                return Err(ModelError::TooMuchWorkspace {
                    index: i + 1,
                    text: layer.to_string(),
                    per_thread,
                    threads,
                    batch,
                    total,
                });
            }
        }
        input = &shape.output;
    }
    Ok(())
}

/// What the CPU kernels ([`cpu::workspace_len`]) hold per thread for a convolution from
/// `input [h, w, c]` to `output [oh, ow, filters]` in a batch of `batch`. A layer too large to
/// address counts as `usize::MAX` (a 32-bit `usize` in WebAssembly overflows at 4 GiB).
pub fn conv_workspace_bytes(
    input: &[usize],
    kernel: usize,
    padding: Padding,
    output: &[usize],
    batch: usize,
) -> usize {
    let pad = match padding {
        Padding::Same => kernel.saturating_sub(1) / 2,
        Padding::Valid => 0,
    };
    let (x, weight) = (
        [batch, input[2], input[0], input[1]],
        [output[2], input[2], kernel, kernel],
    );
    ConvGeometry::new(x, weight, [pad, pad])
        .map_or(usize::MAX, |g| cpu::workspace_len(&g).saturating_mul(4))
}

fn image(shape: &[usize], what: &str) -> Result<(usize, usize, usize), String> {
    match *shape {
        [h, w, c] => Ok((h, w, c)),
        _ => Err(format!(
            "{what} needs an image, but the input is already flat here (after `flatten`)"
        )),
    }
}

/// The output shape, trainable and non-trainable parameters of `layer` on `shape`.
fn next_shape(layer: &LayerSpec, shape: &[usize]) -> Result<(Vec<usize>, usize, usize), String> {
    let features = |shape: &[usize]| *shape.last().expect("shapes are never empty");
    Ok(match *layer {
        LayerSpec::Conv2d {
            filters,
            kernel,
            padding,
            ..
        } => {
            let (h, w, c) = image(shape, "a convolution")?;
            if filters == 0 || kernel == 0 {
                return Err(
                    "a convolution needs at least 1 filter and a kernel of 1 or more".into(),
                );
            }
            let (oh, ow) = match padding {
                Padding::Valid if kernel > h.min(w) => {
                    return Err(format!(
                        "a {kernel}×{kernel} kernel does not fit the {h}×{w} image here"
                    ));
                }
                Padding::Valid => (h - kernel + 1, w - kernel + 1),
                Padding::Same if kernel % 2 == 0 => {
                    return Err("`same` padding needs an odd kernel size".into());
                }
                Padding::Same => (h, w),
            };
            let weights = kernel
                .saturating_mul(kernel)
                .saturating_mul(c)
                .saturating_mul(filters);
            (vec![oh, ow, filters], weights.saturating_add(filters), 0)
        }
        LayerSpec::MaxPool2d { size } => {
            let (h, w, c) = image(shape, "pooling")?;
            if size == 0 || size > h.min(w) {
                return Err(format!(
                    "a {size}×{size} pool does not fit the {h}×{w} image here"
                ));
            }
            (vec![h / size, w / size, c], 0, 0)
        }
        LayerSpec::Dropout { rate } => {
            if !(0.0..1.0).contains(&rate) {
                return Err(format!(
                    "the rate must be at least 0 and below 1, not {rate}"
                ));
            }
            (shape.to_vec(), 0, 0)
        }
        LayerSpec::BatchNorm => {
            let n = features(shape);
            (shape.to_vec(), 2 * n, 2 * n)
        }
        LayerSpec::Activation(_) => (shape.to_vec(), 0, 0),
        LayerSpec::Flatten => {
            image(shape, "`flatten`")?;
            (vec![shape.iter().product()], 0, 0)
        }
        LayerSpec::Dense { units, .. } => {
            let [inputs] = *shape else {
                return Err("a dense layer needs a flat input: put `flatten` before it".into());
            };
            if units == 0 {
                return Err("a dense layer needs at least 1 unit".into());
            }
            let weights = inputs.saturating_mul(units).saturating_add(units);
            (vec![units], weights, 0)
        }
        LayerSpec::Whiten { kernel } => {
            if *shape != [IMAGE_SIDE, IMAGE_SIDE, IMAGE_CHANNELS] {
                return Err("whitening works on the input image: make it the first layer".into());
            }
            if kernel == 0 || kernel > 4 {
                return Err(format!("a whitening kernel is 1 to 4 pixels, not {kernel}"));
            }
            let filters = 2 * IMAGE_CHANNELS * kernel * kernel;
            let side = IMAGE_SIDE - kernel + 1;
            // The filters are set from the data, not trained; the bias trains.
            let frozen = filters * IMAGE_CHANNELS * kernel * kernel;
            (vec![side, side, filters], filters, frozen)
        }
        LayerSpec::Rescale { .. } => (shape.to_vec(), 0, 0),
    })
}

#[cfg(test)]
mod tests {
    use super::check_batch;
    use crate::model::{Architecture, ModelError, ModelSpec};

    fn error_of(text: &str) -> ModelError {
        ModelSpec::parse(text).unwrap_err()
    }

    #[test]
    fn shapes_that_no_longer_fit_are_refused_at_their_layer() {
        let cases = [
            (
                "conv 8 5, maxpool 2, conv 8 15, flatten, dense 10",
                "layer 3 `conv 8 15`: a 15×15 kernel does not fit the 14×14 image here",
            ),
            (
                "conv 8 4 same, flatten, dense 10",
                "layer 1 `conv 8 4 same`: `same` padding needs an odd kernel size",
            ),
            (
                "flatten, conv 8 3, dense 10",
                "layer 2 `conv 8 3`: a convolution needs an image, but the input is already flat here",
            ),
            (
                "flatten, maxpool 2, dense 10",
                "layer 2 `maxpool 2`: pooling needs an image",
            ),
            (
                "flatten, flatten, dense 10",
                "layer 2 `flatten`: `flatten` needs an image",
            ),
            (
                "conv 8 3, dense 10",
                "layer 2 `dense 10`: a dense layer needs a flat input: put `flatten` before it",
            ),
            (
                "flatten, dropout 1.5, dense 10",
                "layer 2 `dropout 1.5`: the rate must be at least 0 and below 1",
            ),
            (
                "flatten, dense 10, dropout 0.5",
                "the last layer must be `dense 10`",
            ),
            ("flatten, dense 12", "the last layer must be `dense 10`"),
            (
                "flatten, dense 10 relu",
                "the last layer must be `dense 10` without an activation",
            ),
        ];
        for (text, expected) in cases {
            let error = error_of(text).to_string();
            assert!(error.starts_with(expected), "{text}: {error}");
        }
    }

    #[test]
    fn parameters_and_activation_memory_are_capped_before_training() {
        // 3,072 inputs · 8,192 units = 25 M weights.
        let error = error_of("flatten, dense 8192, dense 10");
        assert!(matches!(error, ModelError::TooManyParams { params } if params > 25_000_000));
        assert!(
            error.to_string().contains("more than the cap of 20000000"),
            "{error}"
        );
        // 512 filters at full size: 32·32·512 floats = 2 MiB per image, 4 MiB with its
        // batch norm; a batch of 1,024 needs 4 GiB.
        let wide =
            ModelSpec::parse("conv 512 3 same, batchnorm, maxpool 32, flatten, dense 10").unwrap();
        assert!(wide.check_batch(128).is_ok());
        let error = wide.check_batch(1024).unwrap_err();
        assert!(matches!(
            error,
            ModelError::TooMuchMemory { batch: 1024, .. }
        ));
        assert!(
            error.to_string().starts_with("a batch of 1024 needs 4"),
            "{error}"
        );
        // A wide kernel on the full image: its unfolded image is the cost, not its output.
        // 3·301² rows of 32·32 pixels: 1.04 GiB per image in flight.
        let unfolded = "conv 1 301 same, flatten, dense 10";
        let one = |threads| {
            check_batch(
                ModelSpec::parse(unfolded).unwrap().layers(),
                &ModelSpec::parse(unfolded).unwrap().shapes(),
                4,
                threads,
            )
        };
        assert!(one(1).is_ok(), "one thread: {:?}", one(1));
        let error = one(2).unwrap_err();
        assert!(
            matches!(
                error,
                ModelError::TooMuchWorkspace {
                    index: 1,
                    threads: 2,
                    ..
                }
            ),
            "{error}"
        );
        assert!(
            error.to_string().starts_with(
                "layer 1 `conv 1 301 same`: the CPU convolution unfolds each image into 1063 MiB \
                 of scratch memory, 2 at once"
            ),
            "{error}"
        );
        // No more at once than the batch has images; and 82 GB per thread for 2,581² is
        // refused even alone, with its size unwrapped.
        let huge = "conv 1 2581 same, flatten, dense 10";
        let spec = ModelSpec::parse(huge).unwrap();
        let error = check_batch(spec.layers(), &spec.shapes(), 1, 64).unwrap_err();
        assert!(
            matches!(error, ModelError::TooMuchWorkspace { threads: 1, per_thread, .. } if per_thread > 80_000_000_000u64 as usize || usize::BITS == 32),
            "{error}"
        );
        // The presets fit any batch the page offers.
        for preset in Architecture::ALL {
            assert!(
                ModelSpec::preset(preset).check_batch(1024).is_ok(),
                "{preset}"
            );
        }
    }

    #[test]
    fn the_presets_check_out_and_deeper_bn_counts_its_statistics() {
        for preset in Architecture::ALL {
            let spec = ModelSpec::preset(preset);
            assert_eq!(
                ModelSpec::parse(&spec.layer_text()).unwrap().layers(),
                spec.layers()
            );
        }
        let shapes = ModelSpec::preset(Architecture::DeeperBn).shapes();
        let fixed: usize = shapes.iter().map(|s| s.non_trainable).sum();
        // Running mean and variance for 32 + 32 + 64 + 64 channels and 512 units.
        assert_eq!(fixed, 2 * (32 + 32 + 64 + 64 + 512));
    }
}
