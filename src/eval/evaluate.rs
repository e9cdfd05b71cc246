//! A model run over a labelled set without gradients (with test-time views where asked): its
//! loss, accuracy and predictions.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, ExecutionError, Tensor, Transaction};

use super::ConfusionMatrix;
use crate::backend::read_f64;
use crate::data::{
    Choice, ImageSet, NUM_CLASSES, images_to_tensor, labels_to_tensor, viewed_images_to_tensor,
};
use crate::kernels::ScratchScope;
use crate::model::Cnn;

/// A model's predictions on a labelled set.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Mean cross-entropy.
    pub loss: f64,
    pub accuracy: f64,
    /// The predicted class of each image, in the set's order.
    pub predictions: Vec<u8>,
    /// The softmax probability of each predicted class.
    pub confidence: Vec<f32>,
    /// Every class's softmax probability, image by image (`NUM_CLASSES` per image): what the
    /// gallery of mistakes shows.
    pub probabilities: Vec<f32>,
    pub confusion: ConfusionMatrix,
}

/// airbench's test-time views and their weights: the image and its mirror (½ together), and
/// both shifted one pixel down-right and up-left (¼ each pair).
const TTA_VIEWS: [(bool, isize, f64); 6] = [
    (false, 0, 0.25),
    (true, 0, 0.25),
    (false, 1, 0.125),
    (true, 1, 0.125),
    (false, -1, 0.125),
    (true, -1, 0.125),
];

/// Runs `model` over `set` in batches without gradients. Every read-back is asynchronous and
/// happens once at the end, so this works on WebGPU and never stalls between batches.
pub async fn evaluate(
    model: &Cnn,
    set: &ImageSet,
    batch_size: usize,
    device: &Device,
) -> Result<Evaluation, ExecutionError> {
    evaluate_views(model, set, batch_size, device, false).await
}

/// As [`evaluate`], with test-time augmentation if `tta`: each image's logits are the
/// weighted mean of its six views' (six times the work).
pub async fn evaluate_views(
    model: &Cnn,
    set: &ImageSet,
    batch_size: usize,
    device: &Device,
    tta: bool,
) -> Result<Evaluation, ExecutionError> {
    let _scratch = ScratchScope;
    let model = model.valid();
    let device = device.clone().without_autodiff();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    let indices: Vec<usize> = (0..set.len()).collect();
    let mut reads = Transaction::default();
    for chunk in indices.chunks(batch_size.max(1)) {
        let targets = labels_to_tensor(set, chunk, &device);
        let logits = logits(&model, set, chunk, &device, tta);
        // Summed, not averaged, so uneven last batches weigh right.
        let loss_sum = loss_fn
            .forward(logits.clone(), targets)
            .mul_scalar(chunk.len() as f64);
        reads = reads.register(loss_sum).register(softmax(logits, 1));
    }
    let data = reads.execute_async().await?;
    let mut loss_sum = 0.0;
    let mut probabilities = Vec::with_capacity(set.len() * NUM_CLASSES);
    for batch in data.chunks_exact(2) {
        loss_sum += read_f64(&batch[0]).iter().sum::<f64>();
        probabilities.extend(read_f64(&batch[1]).iter().map(|&p| p as f32));
    }
    // The first of equal maxima, as argmax on the device picks.
    let (predictions, confidence): (Vec<u8>, Vec<f32>) = probabilities
        .chunks_exact(NUM_CLASSES)
        .map(|row| {
            let best = (0..row.len()).fold(0, |b, i| if row[i] > row[b] { i } else { b });
            (best as u8, row[best])
        })
        .unzip();
    let confusion = ConfusionMatrix::from_labels(NUM_CLASSES, &set.labels, &predictions);
    Ok(Evaluation {
        loss: loss_sum / set.len().max(1) as f64,
        accuracy: confusion.accuracy(),
        predictions,
        confidence,
        probabilities,
        confusion,
    })
}

/// The logits of the images `chunk` of `set`, from the six test-time views if `tta`; `model`
/// is the inference (`valid`) one and `device` has no autodiff.
pub(super) fn logits(
    model: &Cnn,
    set: &ImageSet,
    chunk: &[usize],
    device: &Device,
    tta: bool,
) -> Tensor<2> {
    if !tta {
        return model.forward(images_to_tensor(set, chunk, device));
    }
    let view = |(flip, shift, weight): (bool, isize, f64)| {
        let choice = Choice {
            flip,
            dx: shift,
            dy: shift,
        };
        let images = viewed_images_to_tensor(set, chunk, choice, device);
        model.forward(images).mul_scalar(weight)
    };
    let views: Vec<Tensor<2>> = TTA_VIEWS.into_iter().map(view).collect();
    views.into_iter().reduce(|a, b| a + b).expect("six views")
}
