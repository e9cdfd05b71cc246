//! What can be wrong with CIFAR-10 input, each error naming the file or setting at fault.

use thiserror::Error;

/// Everything that can be wrong with CIFAR-10 input. Every variant names the file (or the
/// setting) at fault, so the message alone tells the user what to fix.
#[derive(Debug, Error)]
pub enum DataError {
    #[error("{file}: the file is empty (expected 3,073-byte CIFAR-10 records)")]
    Empty { file: String },

    #[error(
        "{file}: {len} bytes is not a whole number of 3,073-byte CIFAR-10 records \
         ({records} records and {extra} bytes left over): the file is truncated or not a CIFAR-10 batch"
    )]
    BadLength {
        file: String,
        len: usize,
        records: usize,
        extra: usize,
    },

    #[error("{file}: record {record} has label byte {label}, but CIFAR-10 labels are 0 to 9")]
    BadLabel {
        file: String,
        record: usize,
        label: u8,
    },

    #[error("{file}: missing (expected {expected})")]
    MissingFile { file: String, expected: String },

    #[error("{file}: not a CIFAR-10 binary archive: it has no `cifar-10-batches-bin/` folder")]
    NotCifarArchive { file: String },

    #[error("{file}: {reason}")]
    BadArchive { file: String, reason: String },

    #[error(
        "{file}: larger than the {limit} bytes such a file has in the official CIFAR-10 binary \
         version; not read any further"
    )]
    TooLarge { file: String, limit: u64 },

    #[error(
        "{file}: unpacks to more than {limit} bytes, more than the whole CIFAR-10 data set; \
         not read any further"
    )]
    ArchiveTooLarge { file: String, limit: u64 },

    #[error(
        "{file}: a tar extension header claims {size} bytes (at most {limit} are read: a path \
         or a few attributes take a few hundred); not read any further"
    )]
    ExtensionTooLarge { file: String, size: u64, limit: u64 },

    /// Not there, not a regular file, or unreadable.
    #[error(transparent)]
    File(#[from] crate::FileError),

    #[error("{file}: the archive holds this file twice; which one is meant is not clear")]
    Duplicate { file: String },

    #[error("{file}: {reason}")]
    BadLabelNames { file: String, reason: String },

    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },

    #[error("validation split must be between 0 and 1 (exclusive), got {0}")]
    BadSplit(f64),

    #[error("the {what} set is empty after taking a subset of {subset}: nothing to {purpose}")]
    EmptySet {
        what: &'static str,
        subset: usize,
        purpose: &'static str,
    },
}

impl DataError {
    pub fn io(file: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            file: file.into(),
            source,
        }
    }
}
