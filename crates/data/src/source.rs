//! Loading the whole data set from the official archive, from a folder of extracted batches, or
//! from batch files fetched one by one (the browser). All three feed one [`Assembler`], so the
//! checks are the same whatever the source.

use std::io::Read;
use std::path::Path;

use super::archive::for_each_archived_file;
use super::layout::{
    ARCHIVE_DIR, BatchFile, BatchKind, META_FILE, TEST_BATCH, TRAIN_BATCHES, batch_kind,
    read_capped,
};
use super::{ClassNames, DataError, ImageSet, open_regular, parse_batch};

/// The whole data set: five training batches in order, the test batch, and the label names.
#[derive(Debug, Clone)]
pub struct Cifar10 {
    pub train: ImageSet,
    pub test: ImageSet,
    pub classes: ClassNames,
}

/// The data set's files inside the official archive, by file name (`data_batch_1.bin`, …),
/// unparsed: for serving them to the browser. Only an archive whose batches all parse is
/// accepted, so a broken one is reported here, not by the page.
pub fn archived_files(name: &str, reader: impl Read) -> Result<Vec<(String, Vec<u8>)>, DataError> {
    let mut files = Vec::new();
    for_each_archived_file(name, reader, |path, _, bytes| {
        let file = path.rsplit('/').next().unwrap_or(path).to_string();
        files.push((file, bytes));
        Ok(())
    })?;
    Cifar10::from_files(
        &format!("{name}: {ARCHIVE_DIR}/"),
        files
            .iter()
            .map(|(file, bytes)| BatchFile { name: file, bytes }),
    )?;
    Ok(files)
}

#[derive(Default)]
struct Assembler {
    train: [Option<ImageSet>; 5],
    test: Option<ImageSet>,
    classes: Option<ClassNames>,
}

impl Assembler {
    /// `shown` names the file in errors (with its archive or folder); `kind` says what it is.
    fn add(&mut self, shown: &str, kind: BatchKind, bytes: &[u8]) -> Result<(), DataError> {
        let parse = |bytes: &[u8]| {
            let mut set = ImageSet::default();
            parse_batch(shown, bytes, &mut set.labels, &mut set.pixels)?;
            Ok::<_, DataError>(set)
        };
        match kind {
            BatchKind::Train(i) => self.train[i] = Some(parse(bytes)?),
            BatchKind::Test => self.test = Some(parse(bytes)?),
            BatchKind::Meta => {
                let text = std::str::from_utf8(bytes).map_err(|_| DataError::BadLabelNames {
                    file: shown.into(),
                    reason: "not UTF-8 text".into(),
                })?;
                self.classes = Some(ClassNames::parse(shown, text)?);
            }
        }
        Ok(())
    }

    /// `place` is prefixed to missing file names, e.g. `archive.tar.gz: cifar-10-batches-bin/`.
    fn finish(self, place: &str) -> Result<Cifar10, DataError> {
        let missing = |name: &str, expected: &str| DataError::MissingFile {
            file: format!("{place}{name}"),
            expected: expected.into(),
        };
        let mut train = ImageSet::default();
        for (slot, name) in self.train.into_iter().zip(TRAIN_BATCHES) {
            let batch = slot.ok_or_else(|| missing(name, "one of the five training batches"))?;
            train.labels.extend(batch.labels);
            train.pixels.extend(batch.pixels);
        }
        let test = self
            .test
            .ok_or_else(|| missing(TEST_BATCH, "the test batch, used for validation"))?;
        Ok(Cifar10 {
            train,
            test,
            // The official names; only a present but broken meta file is an error.
            classes: self.classes.unwrap_or_default(),
        })
    }
}

impl Cifar10 {
    /// Loads from the official `cifar-10-binary.tar.gz`, or from a folder holding the batches
    /// (either directly or in a `cifar-10-batches-bin/` sub-folder).
    pub fn load(path: &Path) -> Result<Self, DataError> {
        let shown = path.display().to_string();
        let meta = std::fs::metadata(path).map_err(|e| DataError::io(&shown, e))?;
        if meta.is_dir() {
            Self::from_dir(path)
        } else {
            let file = open_regular(path)?;
            Self::from_archive(&shown, std::io::BufReader::new(file))
        }
    }

    pub fn from_dir(dir: &Path) -> Result<Self, DataError> {
        let nested = dir.join(ARCHIVE_DIR);
        let dir = if nested.is_dir() {
            nested
        } else {
            dir.to_path_buf()
        };
        let mut assembler = Assembler::default();
        let names = TRAIN_BATCHES.iter().chain([&TEST_BATCH, &META_FILE]);
        for name in names {
            let path = dir.join(name);
            let shown = path.display().to_string();
            let kind = batch_kind(name).expect("known file name");
            let file = match open_regular(&path) {
                Err(missing) if missing.is_not_found() => continue,
                opened => opened?,
            };
            let size = file.metadata().map_err(|e| DataError::io(&shown, e))?.len();
            let bytes = read_capped(&shown, file, size, kind.size_limit())?;
            assembler.add(&shown, kind, &bytes)?;
        }
        assembler.finish(&format!("{}/", dir.display()))
    }

    /// Reads the gzip stream as it comes: no temporary files, and each batch is parsed as soon
    /// as its tar entry has been read.
    pub fn from_archive(name: &str, reader: impl Read) -> Result<Self, DataError> {
        let mut assembler = Assembler::default();
        for_each_archived_file(name, reader, |path, kind, bytes| {
            assembler.add(&format!("{name}: {path}"), kind, &bytes)
        })?;
        assembler.finish(&format!("{name}: {ARCHIVE_DIR}/"))
    }

    /// Assembles the set from files fetched one by one; `place` names where they came from
    /// (a URL) in errors.
    pub fn from_files<'a>(
        place: &str,
        files: impl IntoIterator<Item = BatchFile<'a>>,
    ) -> Result<Self, DataError> {
        let mut assembler = Assembler::default();
        for file in files {
            let Some(kind) = batch_kind(file.name) else {
                continue;
            };
            assembler.add(&format!("{place}{}", file.name), kind, file.bytes)?;
        }
        assembler.finish(place)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::FileError;

    /// A named pipe where a batch should be is named, not opened: opening it would wait for a
    /// writer forever.
    #[test]
    fn a_pipe_in_a_folder_is_refused_without_waiting() {
        let dir = std::env::temp_dir().join(format!("cifar-lab-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pipe = dir.join(TEST_BATCH);
        let _ = std::fs::remove_file(&pipe);
        let made = std::process::Command::new("mkfifo").arg(&pipe).status();
        if !made.is_ok_and(|s| s.success()) {
            eprintln!("no mkfifo here: skipped");
            return;
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let folder = dir.clone();
        std::thread::spawn(move || tx.send(Cifar10::from_dir(&folder).map(|_| ())));
        let answer = rx.recv_timeout(std::time::Duration::from_secs(10));
        std::fs::remove_dir_all(&dir).unwrap();
        let err = answer.expect("still waiting on the pipe").unwrap_err();
        assert!(
            matches!(err, DataError::File(FileError::NotAFile { .. })),
            "{err}"
        );
        assert!(
            err.to_string().ends_with(
                "test_batch.bin: not a regular file (a folder, a pipe or a device); not opened"
            ),
            "{err}"
        );
    }
}
