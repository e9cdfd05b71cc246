//! A trained model's answer for images without labels (a picture the user brings): every
//! class's probability, computed as the model's evaluation computes it.

use burn::module::Module;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, ExecutionError, Transaction};

use super::evaluate::logits;
use crate::backend::read_f64;
use crate::data::{IMAGE_BYTES, ImageSet, NUM_CLASSES};
use crate::model::Cnn;

/// Every class's probability for each image in `pixels` (channel-planar bytes,
/// [`IMAGE_BYTES`] an image), [`NUM_CLASSES`] an image, with the test-time views of the
/// run's last evaluation when `tta`. One asynchronous read-back, so it runs on WebGPU too.
pub async fn predict(
    model: &Cnn,
    pixels: &[u8],
    device: &Device,
    tta: bool,
) -> Result<Vec<f32>, ExecutionError> {
    let images = pixels.len() / IMAGE_BYTES;
    let set = ImageSet {
        // Not read: only the images go through the model.
        labels: vec![0; images],
        pixels: pixels[..images * IMAGE_BYTES].to_vec(),
    };
    let model = model.valid();
    let device = device.clone().without_autodiff();
    let all: Vec<usize> = (0..images).collect();
    let probabilities = softmax(logits(&model, &set, &all, &device, tta), 1);
    let data = Transaction::default()
        .register(probabilities)
        .execute_async()
        .await?;
    Ok(read_f64(&data[0]).iter().map(|&p| p as f32).collect())
}

/// The model's raw outputs (logits, [`NUM_CLASSES`] an image) for every image of `set`, in
/// `batch`-sized pieces, without test-time views: what another framework's copy of the
/// model is compared against.
pub async fn set_logits(
    model: &Cnn,
    set: &ImageSet,
    batch: usize,
    device: &Device,
) -> Result<Vec<f32>, ExecutionError> {
    let model = model.valid();
    let device = device.clone().without_autodiff();
    let all: Vec<usize> = (0..set.len()).collect();
    let mut out = Vec::with_capacity(set.len() * NUM_CLASSES);
    for chunk in all.chunks(batch.max(1)) {
        let data = Transaction::default()
            .register(logits(&model, set, chunk, &device, false))
            .execute_async()
            .await?;
        out.extend(read_f64(&data[0]).iter().map(|&v| v as f32));
    }
    Ok(out)
}

/// The `k` most probable classes of one image's probabilities, most probable first (the
/// lower class first among equals).
pub fn top_classes(probabilities: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut ranked: Vec<(usize, f32)> = probabilities.iter().copied().enumerate().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(k.min(NUM_CLASSES));
    ranked
}

#[cfg(test)]
mod tests {
    use futures_lite::future::block_on;

    use super::*;
    use crate::data::synthetic;
    use crate::eval::evaluate_views;
    use crate::model::ModelSpec;

    #[test]
    fn a_picture_gets_the_probabilities_its_evaluation_would_give() {
        let device = Device::flex();
        device.seed(3);
        let spec = ModelSpec::parse("conv 4 3 relu, maxpool 2, flatten, dense 10").unwrap();
        let model = Cnn::new(&spec, &device);
        let set = synthetic::banded(3, 9);
        for tta in [false, true] {
            let evaluated = block_on(evaluate_views(&model, &set, 2, &device, tta)).unwrap();
            let predicted = block_on(predict(&model, &set.pixels, &device, tta)).unwrap();
            assert_eq!(predicted.len(), 3 * NUM_CLASSES);
            for (a, b) in predicted.iter().zip(&evaluated.probabilities) {
                assert!((a - b).abs() < 1e-6, "{a} vs {b} (tta {tta})");
            }
            for image in predicted.chunks(NUM_CLASSES) {
                assert!((image.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn the_top_classes_come_most_probable_first() {
        let p = [0.1, 0.05, 0.3, 0.05, 0.0, 0.3, 0.1, 0.0, 0.1, 0.0];
        assert_eq!(top_classes(&p, 3), vec![(2, 0.3), (5, 0.3), (0, 0.1)]);
        assert_eq!(top_classes(&p, 99).len(), NUM_CLASSES);
    }
}
