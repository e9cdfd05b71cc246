//! Helpers shared by the integration tests: small CIFAR-10 data sets written in the official
//! layout, as a folder or as a .tar.gz.

#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use cifar_lab::data::{
    ARCHIVE_DIR, CIFAR10_CLASSES, ImageSet, META_FILE, TEST_BATCH, TRAIN_BATCHES, encode_records,
    synthetic,
};

/// The flex backend's random generator is global, so any test that draws from it (every
/// model's initialisation, every random tensor) would disturb a reproducibility check running
/// beside it in this binary: they all take turns.
pub fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    static SEEDED: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SEEDED.lock().unwrap_or_else(|e| e.into_inner())
}

/// The files of a complete small data set: five training batches of `per_batch` images and
/// a test batch of `test` images, all learnable, plus the label names.
pub fn files(per_batch: usize, test: usize) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (i, name) in TRAIN_BATCHES.iter().enumerate() {
        let set = synthetic::banded(per_batch, i as u64 + 1);
        files.push((name.to_string(), encode(&set)));
    }
    files.push((TEST_BATCH.into(), encode(&synthetic::banded(test, 99))));
    files.push((
        META_FILE.into(),
        (CIFAR10_CLASSES.join("\n") + "\n\n").into_bytes(),
    ));
    files
}

pub fn encode(set: &ImageSet) -> Vec<u8> {
    encode_records(&set.labels, &set.pixels)
}

pub fn write_dir(dir: &Path, files: &[(String, Vec<u8>)]) {
    std::fs::create_dir_all(dir).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

/// A .tar.gz with the files under `folder/` (the official archive uses `cifar-10-batches-bin`).
pub fn tar_gz(folder: &str, files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(gz);
    for (name, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("{folder}/{name}"), bytes.as_slice())
            .unwrap();
    }
    let mut gz = builder.into_inner().unwrap();
    gz.flush().unwrap();
    gz.finish().unwrap()
}

pub fn official_tar_gz(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    tar_gz(ARCHIVE_DIR, files)
}
