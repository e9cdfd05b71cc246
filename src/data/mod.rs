//! CIFAR-10 in its official binary layout: parsing, loading from an archive or a folder, and
//! the image sets the training loop draws batches from.
//!
//! Images stay `u8` in memory (the whole set is 184 MB that way, four times less than as f32)
//! and become an NCHW f32 tensor scaled to [0, 1] only when a batch is fed to the model.

mod augment;
mod batch;
mod error;
mod image_set;
mod labels;
mod record;
mod shuffle;
mod source;
pub mod synthetic;

pub use augment::{Augment, Choice, MAX_TRANSLATE, push_augmented};
pub use batch::{
    augmented_images_to_tensor, images_to_tensor, labels_to_tensor, viewed_images_to_tensor,
};
pub use error::DataError;
pub use image_set::{ImageSet, Picked, Splits, ValidationSource};
pub use labels::{CIFAR10_CLASSES, ClassNames};
pub use record::{
    IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_SIDE, NUM_CLASSES, RECORD_BYTES, encode_records, parse_batch,
};
pub use shuffle::SeededRng;
pub use source::{
    ARCHIVE_DIR, BatchFile, BatchKind, Cifar10, META_FILE, TEST_BATCH, TRAIN_BATCHES,
    archived_files, batch_kind, read_capped,
};
