//! A batch split into shards: which images each worker computes, and a shard as the host
//! holds it (what a helper is sent).

use std::ops::Range;

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::data::{Augment, IMAGE_BYTES, ImageSet, augmented_values, batch_shape};

/// The images of a batch of `batch` each of up to `workers` shards trains on: consecutive
/// ranges whose sizes differ by at most one, the larger first; no empty shard, so a batch
/// smaller than the worker count gives fewer shards.
pub fn shards(batch: usize, workers: usize) -> Vec<Range<usize>> {
    if batch == 0 {
        return Vec::new();
    }
    let count = workers.clamp(1, batch);
    let (base, extra) = (batch / count, batch % count);
    let mut start = 0;
    (0..count)
        .map(|i| {
            let len = base + usize::from(i < extra);
            let range = start..start + len;
            start += len;
            range
        })
        .collect()
}

/// A shard of a batch: its images as the model reads them (NCHW, in [0, 1], augmented) and
/// their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardBatch {
    pub images: Vec<f32>,
    pub labels: Vec<u8>,
}

impl ShardBatch {
    /// The images of `set` at `indices`, augmented as `epoch` of a run seeded with `seed`
    /// sees them: what the loop trains on.
    pub fn of(
        set: &ImageSet,
        indices: &[usize],
        augment: Augment,
        seed: u64,
        epoch: usize,
    ) -> Self {
        Self {
            images: augmented_values(set, indices, augment, seed, epoch),
            labels: indices.iter().map(|&i| set.labels[i]).collect(),
        }
    }

    /// Its images `range`.
    pub fn slice(&self, range: Range<usize>) -> Self {
        Self {
            images: self.images[range.start * IMAGE_BYTES..range.end * IMAGE_BYTES].to_vec(),
            labels: self.labels[range].to_vec(),
        }
    }

    /// Its images and labels as tensors on `device`.
    pub fn into_tensors(self, device: &Device) -> (Tensor<4>, Tensor<1, Int>) {
        let images = self.len();
        let labels: Vec<i64> = self.labels.iter().map(|&l| i64::from(l)).collect();
        (
            Tensor::from_data(TensorData::new(self.images, batch_shape(images)), device),
            Tensor::from_data(TensorData::new(labels, [images]), device),
        )
    }

    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Whether its images and labels agree (a helper is sent both).
    pub(super) fn is_whole(&self) -> bool {
        !self.is_empty() && self.images.len() == self.len() * IMAGE_BYTES
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{images_to_tensor, labels_to_tensor, synthetic};

    #[test]
    fn shards_cover_the_batch_in_order_and_nearly_evenly() {
        assert_eq!(shards(10, 3), vec![0..4, 4..7, 7..10]);
        assert_eq!(shards(128, 2), vec![0..64, 64..128]);
        assert_eq!(shards(2, 4), vec![0..1, 1..2]);
        assert_eq!(shards(5, 1), vec![0..5]);
        assert_eq!(shards(5, 0), vec![0..5]);
        assert!(shards(0, 3).is_empty());
    }

    /// A shard's tensors are the images and labels at its indices (as evaluation reads them,
    /// without augmentation), and a slice of an augmented batch is the shard of those images:
    /// each image's augmentation depends on its index, not on its batch.
    #[test]
    fn a_shard_is_what_the_loop_would_feed() {
        let device = Device::flex();
        let set = synthetic::banded(6, 3);
        let indices = [5, 0, 3, 2];
        let plain = ShardBatch::of(&set, &indices, Augment::default(), 7, 2);
        let (images, labels) = plain.into_tensors(&device);
        let expected = images_to_tensor(&set, &indices, &device);
        assert_eq!(images.into_data(), expected.into_data());
        assert_eq!(
            labels.into_data(),
            labels_to_tensor(&set, &indices, &device).into_data()
        );
        let augment = Augment::named("flip-shift-2").unwrap();
        let batch = ShardBatch::of(&set, &indices, augment, 7, 2);
        assert_eq!(
            batch.slice(1..3),
            ShardBatch::of(&set, &indices[1..3], augment, 7, 2)
        );
        assert!(batch.is_whole());
        let torn = ShardBatch {
            images: vec![0.0; 7],
            labels: vec![1],
        };
        assert!(!torn.is_whole());
    }
}
