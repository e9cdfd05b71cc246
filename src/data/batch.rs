//! Batches of a data set as tensors: images scaled to [0, 1] (augmented or in a test-time
//! view) and labels.

use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{Augment, Choice, IMAGE_CHANNELS, IMAGE_SIDE, ImageSet, push_augmented};

/// The images at `indices` as an `[n, 3, 32, 32]` f32 tensor scaled to [0, 1]. Records are
/// already channel-major, so this is a straight copy.
pub fn images_to_tensor(set: &ImageSet, indices: &[usize], device: &Device) -> Tensor<4> {
    let mut values = Vec::with_capacity(indices.len() * super::IMAGE_BYTES);
    for &i in indices {
        values.extend(set.image(i).iter().map(|&p| p as f32 / 255.0));
    }
    let shape = [indices.len(), IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE];
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// The images at `indices` as values (NCHW, in [0, 1]), each flipped and shifted as `augment`
/// chooses for it in `epoch` of a run seeded with `seed` (see [`Augment::choice`]): a training
/// shard's images (`train::ShardBatch`).
pub fn augmented_values(
    set: &ImageSet,
    indices: &[usize],
    augment: Augment,
    seed: u64,
    epoch: usize,
) -> Vec<f32> {
    let mut values = Vec::with_capacity(indices.len() * super::IMAGE_BYTES);
    for &i in indices {
        if augment.is_off() {
            values.extend(set.image(i).iter().map(|&p| p as f32 / 255.0));
        } else {
            push_augmented(set.image(i), augment.choice(seed, epoch, i), &mut values);
        }
    }
    values
}

/// The shape of a batch of `images` images.
pub fn batch_shape(images: usize) -> [usize; 4] {
    [images, IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE]
}

/// As [`images_to_tensor`], every image transformed the same way (a test-time view).
pub fn viewed_images_to_tensor(
    set: &ImageSet,
    indices: &[usize],
    view: Choice,
    device: &Device,
) -> Tensor<4> {
    transformed(set, indices, device, |_| view)
}

/// The images at `indices`, image `i` transformed by `choice_of(i)`.
fn transformed(
    set: &ImageSet,
    indices: &[usize],
    device: &Device,
    choice_of: impl Fn(usize) -> Choice,
) -> Tensor<4> {
    let mut values = Vec::with_capacity(indices.len() * super::IMAGE_BYTES);
    for &i in indices {
        push_augmented(set.image(i), choice_of(i), &mut values);
    }
    let shape = [indices.len(), IMAGE_CHANNELS, IMAGE_SIDE, IMAGE_SIDE];
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// The labels at `indices` as class ids.
pub fn labels_to_tensor(set: &ImageSet, indices: &[usize], device: &Device) -> Tensor<1, Int> {
    let labels: Vec<i64> = indices.iter().map(|&i| set.labels[i] as i64).collect();
    Tensor::from_data(TensorData::new(labels, [indices.len()]), device)
}
