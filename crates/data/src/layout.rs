//! The official data set's files: their names in the archive and in a folder, what each
//! holds, the most bytes each may have, and the one bounded read every source uses. The
//! archive's reader and the loading of a whole set both build on this.

use std::io::Read;

use super::{DataError, RECORD_BYTES};

/// The folder the official archive unpacks to.
pub const ARCHIVE_DIR: &str = "cifar-10-batches-bin";
pub const TRAIN_BATCHES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
pub const TEST_BATCH: &str = "test_batch.bin";
pub const META_FILE: &str = "batches.meta.txt";

/// One file of the data set, by its file name (`data_batch_3.bin`, `test_batch.bin`,
/// `batches.meta.txt`).
pub struct BatchFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchKind {
    Train(usize),
    Test,
    Meta,
}

/// Images in each official batch file.
pub const IMAGES_PER_BATCH: usize = 10_000;

/// Largest meta file read: the official one is 61 bytes.
pub const META_LIMIT: u64 = 64 * 1024;

impl BatchKind {
    /// The most bytes a file of this kind may have: a batch's official size, 64 KiB of label
    /// names. Nothing larger is read, so a small archive that unpacks to gigabytes (or a
    /// server that sends without end) costs no more than the real data set.
    pub fn size_limit(self) -> u64 {
        match self {
            Self::Train(_) | Self::Test => (IMAGES_PER_BATCH * RECORD_BYTES) as u64,
            Self::Meta => META_LIMIT,
        }
    }
}

/// Reads `reader` to its end, refusing more than `limit` bytes (it stops at `limit + 1`).
/// `expected` sizes the buffer, capped at the limit so that a lying header costs nothing.
pub fn read_capped(
    shown: &str,
    reader: impl Read,
    expected: u64,
    limit: u64,
) -> Result<Vec<u8>, DataError> {
    read_up_to(reader, expected, limit)
        .map_err(|e| DataError::io(shown, e))?
        .ok_or_else(|| DataError::TooLarge {
            file: shown.into(),
            limit,
        })
}

/// Reads `reader` to its end if it holds at most `limit` bytes (`None` if more: it stops at
/// `limit + 1`). `expected` sizes the buffer, capped at the limit so that a lying header
/// costs nothing.
pub(crate) fn read_up_to(
    reader: impl Read,
    expected: u64,
    limit: u64,
) -> std::io::Result<Option<Vec<u8>>> {
    if expected > limit {
        return Ok(None);
    }
    let mut bytes = Vec::with_capacity(expected as usize);
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// What a file of the data set is, from its file name.
pub fn batch_kind(file_name: &str) -> Option<BatchKind> {
    if file_name == TEST_BATCH {
        return Some(BatchKind::Test);
    }
    if file_name == META_FILE {
        return Some(BatchKind::Meta);
    }
    TRAIN_BATCHES
        .iter()
        .position(|b| *b == file_name)
        .map(BatchKind::Train)
}
