//! Loading the data set from the archive, a folder, or fetched files, and every way the input
//! can be wrong.

use crate::common;

use cifar_lab::data::{
    BatchFile, CIFAR10_CLASSES, Cifar10, DataError, RECORD_BYTES, TEST_BATCH, synthetic,
};

#[test]
fn archive_folder_and_files_load_the_same_data() {
    let files = common::files(20, 10);
    let tmp = tempfile::tempdir().unwrap();

    let archive = tmp.path().join("cifar-10-binary.tar.gz");
    std::fs::write(&archive, common::official_tar_gz(&files)).unwrap();
    let from_archive = Cifar10::load(&archive).unwrap();

    let nested = tmp.path().join("extracted");
    common::write_dir(&nested.join("cifar-10-batches-bin"), &files);
    let from_nested = Cifar10::load(&nested).unwrap();
    let from_flat = Cifar10::load(&nested.join("cifar-10-batches-bin")).unwrap();

    let batch_files = files.iter().map(|(name, bytes)| BatchFile { name, bytes });
    let from_files = Cifar10::from_files("https://example.test/data/", batch_files).unwrap();

    assert_eq!(from_archive.train.len(), 100);
    assert_eq!(from_archive.test.len(), 10);
    // Training batches are concatenated in order 1..5.
    assert_eq!(
        from_archive.train.labels[..20],
        synthetic::banded(20, 1).labels[..]
    );
    assert_eq!(
        from_archive.train.pixels[20 * 3072..21 * 3072],
        synthetic::banded(20, 2).pixels[..3072]
    );
    assert_eq!(from_archive.classes.name(9), "truck");
    for other in [&from_nested, &from_flat, &from_files] {
        assert_eq!(other.train, from_archive.train);
        assert_eq!(other.test, from_archive.test);
        assert_eq!(other.classes, from_archive.classes);
    }
}

#[test]
fn missing_meta_file_falls_back_to_official_names() {
    let files: Vec<_> = common::files(2, 2)
        .into_iter()
        .filter(|(n, _)| n != "batches.meta.txt")
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    common::write_dir(tmp.path(), &files);
    assert_eq!(
        Cifar10::load(tmp.path()).unwrap().classes.name(0),
        "airplane"
    );
}

fn replaced(name: &str, bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    common::files(3, 3)
        .into_iter()
        .map(|(n, b)| {
            if n == name {
                (n, bytes.clone())
            } else {
                (n, b)
            }
        })
        .collect()
}

fn archive_error(files: &[(String, Vec<u8>)]) -> DataError {
    Cifar10::from_archive("cifar.tar.gz", common::official_tar_gz(files).as_slice()).unwrap_err()
}

fn folder_error(files: &[(String, Vec<u8>)]) -> DataError {
    let tmp = tempfile::tempdir().unwrap();
    common::write_dir(tmp.path(), files);
    Cifar10::load(tmp.path()).unwrap_err()
}

#[test]
fn truncated_batch_is_named_in_both_sources() {
    let mut short = common::encode(&synthetic::banded(3, 5));
    short.truncate(2 * RECORD_BYTES + 100);
    let files = replaced("data_batch_4.bin", short);
    for err in [archive_error(&files), folder_error(&files)] {
        assert!(
            matches!(
                err,
                DataError::BadLength {
                    records: 2,
                    extra: 100,
                    ..
                }
            ),
            "{err}"
        );
        let text = err.to_string();
        assert!(text.contains("data_batch_4.bin"), "{text}");
        assert!(text.contains("not a whole number of 3,073-byte"), "{text}");
    }
}

#[test]
fn bad_label_empty_file_and_missing_batch() {
    let mut bad = common::encode(&synthetic::banded(3, 5));
    bad[RECORD_BYTES] = 12;
    let err = folder_error(&replaced(TEST_BATCH, bad));
    assert!(
        matches!(
            err,
            DataError::BadLabel {
                record: 1,
                label: 12,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("test_batch.bin"));

    let err = archive_error(&replaced("data_batch_2.bin", vec![]));
    assert!(matches!(err, DataError::Empty { .. }));
    assert!(
        err.to_string()
            .contains("cifar-10-batches-bin/data_batch_2.bin"),
        "{err}"
    );

    let without: Vec<_> = common::files(3, 3)
        .into_iter()
        .filter(|(n, _)| n != "data_batch_5.bin")
        .collect();
    for err in [archive_error(&without), folder_error(&without)] {
        assert!(matches!(err, DataError::MissingFile { .. }), "{err}");
        assert!(err.to_string().contains("data_batch_5.bin"), "{err}");
    }
}

#[test]
fn wrong_archives_are_reported() {
    let files = common::files(2, 2);
    let elsewhere = common::tar_gz("some-other-folder", &files);
    let err = Cifar10::from_archive("x.tar.gz", elsewhere.as_slice()).unwrap_err();
    assert!(matches!(err, DataError::NotCifarArchive { .. }), "{err}");
    assert!(err.to_string().contains("cifar-10-batches-bin/"));

    let err = Cifar10::from_archive("notes.txt", b"just some text".as_slice()).unwrap_err();
    assert!(matches!(err, DataError::BadArchive { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("notes.txt: cannot read it as a .tar.gz"),
        "{err}"
    );

    // A download cut short: gzip stream ends mid-archive.
    let mut cut = common::official_tar_gz(&files);
    cut.truncate(cut.len() / 2);
    let err = Cifar10::from_archive("cut.tar.gz", cut.as_slice()).unwrap_err();
    assert!(err.to_string().contains("cut.tar.gz"), "{err}");
}

#[test]
fn missing_path_and_bad_meta() {
    let err = Cifar10::load(std::path::Path::new("/no/such/cifar.tar.gz")).unwrap_err();
    assert!(matches!(err, DataError::Io { .. }));
    assert!(err.to_string().contains("/no/such/cifar.tar.gz"));

    let err = folder_error(&replaced("batches.meta.txt", b"cat\ndog\n".to_vec()));
    assert!(matches!(err, DataError::BadLabelNames { .. }), "{err}");
    assert!(err.to_string().contains("batches.meta.txt"));
}

/// A .tar.gz whose one entry's header claims `size` bytes, followed by only `present` zeros:
/// what a gzip bomb looks like to a reader that trusts the header.
fn claimed_size_archive(name: &str, size: u64, present: usize) -> Vec<u8> {
    let mut header = tar::Header::new_gnu();
    header
        .set_path(format!("cifar-10-batches-bin/{name}"))
        .unwrap();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_cksum();
    let mut tar = header.as_bytes().to_vec();
    tar.extend(std::iter::repeat_n(0u8, present));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    gz.finish().unwrap()
}

/// Nothing past a file's official size is read: a batch or meta entry claiming more is refused
/// from its header, before a byte of it is decompressed.
#[test]
fn oversized_entries_are_refused_before_they_are_read() {
    let limit = (10_000 * RECORD_BYTES) as u64;
    for (name, size, limit) in [
        ("data_batch_1.bin", 1 << 40, limit),
        ("test_batch.bin", limit + 1, limit),
        ("batches.meta.txt", 64 * 1024 + 1, 64 * 1024),
    ] {
        let archive = claimed_size_archive(name, size, 512);
        let err = Cifar10::from_archive("bomb.tar.gz", archive.as_slice()).unwrap_err();
        assert!(
            matches!(&err, DataError::TooLarge { limit: l, .. } if *l == limit),
            "{name}: {err}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "bomb.tar.gz: cifar-10-batches-bin/{name}: larger than"
            )),
            "{text}"
        );
    }
    // A meta file of the largest accepted size is read (and then judged as label names).
    let meta = (CIFAR10_CLASSES.join("\n") + "\n").into_bytes();
    let mut padded = meta.clone();
    padded.resize(64 * 1024, b'\n');
    let files = replaced("batches.meta.txt", padded);
    assert!(Cifar10::from_archive("a.tar.gz", common::official_tar_gz(&files).as_slice()).is_ok());
}

#[test]
fn an_oversized_file_in_a_folder_is_not_read() {
    let mut big = (CIFAR10_CLASSES.join("\n") + "\n").into_bytes();
    big.resize(64 * 1024 + 1, b'\n');
    let err = folder_error(&replaced("batches.meta.txt", big));
    assert!(matches!(err, DataError::TooLarge { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("batches.meta.txt: larger than the 65536 bytes")
    );
}

#[test]
fn an_archive_with_a_file_twice_is_refused() {
    let mut files = common::files(2, 2);
    files.push(files[0].clone());
    let err = archive_error(&files);
    assert!(matches!(err, DataError::Duplicate { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("data_batch_1.bin: the archive holds this file twice")
    );
}
