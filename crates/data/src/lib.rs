//! CIFAR-10 in its official binary layout: parsing, loading from an archive or a folder, the
//! image sets the training loop draws batches from (splits, shuffles, augmentation), and any
//! picture turned into a CIFAR-10 image.
//!
//! Images stay `u8` in memory (the whole set is 184 MB that way, four times less than as
//! f32); cifar-lab's `data` module turns batches into tensors. No tensor library here, so the
//! app's server (`cifar-lab-serve`) reads the archive without building burn.

mod archive;
mod augment;
mod error;
mod file;
mod image_set;
mod labels;
mod layout;
mod picture;
mod record;
mod shuffle;
mod source;
pub mod synthetic;

pub use archive::{EXTENSION_LIMIT, UNPACKED_LIMIT};
pub use augment::{Augment, Choice, MAX_TRANSLATE, push_augmented};
pub use error::DataError;
pub use file::{FileError, open_regular, read_regular, write_regular};
pub use image_set::{DataSpec, ImageSet, Picked, Splits, ValidationSource};
pub use labels::{CIFAR10_CLASSES, ClassNames};
pub use layout::{
    ARCHIVE_DIR, BatchFile, BatchKind, IMAGES_PER_BATCH, META_FILE, TEST_BATCH, TRAIN_BATCHES,
    batch_kind, read_capped,
};
pub use picture::{PictureError, cifar_pixels};
pub use record::{
    IMAGE_BYTES, IMAGE_CHANNELS, IMAGE_SIDE, NUM_CLASSES, RECORD_BYTES, encode_records, parse_batch,
};
pub use shuffle::SeededRng;
pub use source::{Cifar10, archived_files};
