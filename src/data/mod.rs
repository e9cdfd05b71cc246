//! CIFAR-10 for the models: everything of the format itself (records, the archive, image
//! sets, splits, augmentation, pictures) is the `cifar-lab-data` crate, re-exported here; this
//! module adds what needs burn, the batches as tensors.
//!
//! Images stay `u8` in memory and become an NCHW f32 tensor scaled to [0, 1] only when a batch
//! is fed to the model.

mod batch;

pub use batch::{
    augmented_values, batch_shape, images_to_tensor, labels_to_tensor, viewed_images_to_tensor,
};
pub use cifar_lab_data::*;
