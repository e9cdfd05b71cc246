//! Archives built entry by entry: extension headers (PAX, GNU long names) that name the data
//! set's files or try to make the reader hold gigabytes, and streams that unpack to more than
//! the data set.

use std::io::Write;

use crate::{Cifar10, encode_records, synthetic};

use super::{EXTENSION_LIMIT, UNPACKED_LIMIT};

/// The data set's files, a few images each.
fn files() -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = crate::TRAIN_BATCHES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let set = synthetic::banded(3, i as u64);
            (name.to_string(), encode_records(&set.labels, &set.pixels))
        })
        .collect();
    let test = synthetic::banded(2, 9);
    files.push((
        crate::TEST_BATCH.into(),
        encode_records(&test.labels, &test.pixels),
    ));
    files
}

/// A raw tar entry: a header of `kind` with `name`, claiming `size` bytes, then `body` written
/// by `fill` (padded to 512). Written into `out` as it goes, so gigabytes of zeros never sit
/// in memory.
fn entry(out: &mut impl Write, kind: tar::EntryType, name: &str, size: u64, body: &[u8]) {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kind);
    header.set_path(name).unwrap();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_cksum();
    out.write_all(header.as_bytes()).unwrap();
    let mut written = 0u64;
    while written < size {
        let part = (size - written).min(1 << 20) as usize;
        if body.is_empty() {
            out.write_all(&vec![0u8; part]).unwrap();
        } else {
            out.write_all(&body[written as usize..written as usize + part])
                .unwrap();
        }
        written += part as u64;
    }
    out.write_all(&vec![0u8; (size.div_ceil(512) * 512 - size) as usize])
        .unwrap();
}

fn gz() -> flate2::write::GzEncoder<Vec<u8>> {
    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast())
}

/// `before`'s entries, then the data set under `cifar-10-batches-bin/`, then the end.
fn archive(before: impl FnOnce(&mut flate2::write::GzEncoder<Vec<u8>>)) -> Vec<u8> {
    let mut out = gz();
    before(&mut out);
    for (name, bytes) in files() {
        let path = format!("cifar-10-batches-bin/{name}");
        entry(
            &mut out,
            tar::EntryType::Regular,
            &path,
            bytes.len() as u64,
            &bytes,
        );
    }
    out.write_all(&[0u8; 1024]).unwrap();
    out.finish().unwrap()
}

fn pax_record(key: &str, value: &str) -> Vec<u8> {
    // "LEN key=value\n", LEN counting itself.
    let rest = format!(" {key}={value}\n");
    let mut len = rest.len() + 1;
    while (len.to_string().len() + rest.len()) != len {
        len += 1;
    }
    format!("{len}{rest}").into_bytes()
}

#[test]
fn extension_headers_name_the_files_they_precede() {
    // A GNU long name and a PAX path give the next entry its path, whatever its header says.
    let bytes = archive(|out| {
        let long = b"cifar-10-batches-bin/batches.meta.txt\0";
        entry(
            out,
            tar::EntryType::GNULongName,
            "././@LongLink",
            long.len() as u64,
            long,
        );
        let meta = crate::CIFAR10_CLASSES.join("\n").replace("cat", "kitten");
        entry(
            out,
            tar::EntryType::Regular,
            "x",
            meta.len() as u64,
            meta.as_bytes(),
        );
        let global = pax_record("comment", "made by hand");
        entry(
            out,
            tar::EntryType::XGlobalHeader,
            "g",
            global.len() as u64,
            &global,
        );
        let local = pax_record("path", "cifar-10-batches-bin/readme.html");
        entry(
            out,
            tar::EntryType::XHeader,
            "p",
            local.len() as u64,
            &local,
        );
        entry(
            out,
            tar::EntryType::Regular,
            "cifar-10-batches-bin/test_batch.bin",
            5,
            b"<p>\n\n",
        );
    });
    let set = Cifar10::from_archive("named.tar.gz", bytes.as_slice()).unwrap();
    assert_eq!(set.classes.name(3), "kitten", "the long name was applied");
    assert_eq!(set.test.len(), 2, "the PAX path moved the odd entry away");
}

#[test]
fn a_huge_extension_header_is_refused_before_it_is_held() {
    // Each claims (and holds, as zeros: gzip makes them a few hundred kB) 64 MB: the `tar` crate
    // alone would read each into memory before handing over the entry it describes.
    for kind in [
        tar::EntryType::XHeader,
        tar::EntryType::XGlobalHeader,
        tar::EntryType::GNULongName,
        tar::EntryType::GNULongLink,
    ] {
        let bytes = archive(|out| entry(out, kind, "ext", 64 << 20, &[]));
        assert!(bytes.len() < 1024 * 1024, "{} bytes", bytes.len());
        let err = Cifar10::from_archive("bomb.tar.gz", bytes.as_slice()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "bomb.tar.gz: a tar extension header claims {} bytes (at most {EXTENSION_LIMIT} \
                 are read: a path or a few attributes take a few hundred); not read any further",
                64 << 20
            ),
            "{kind:?}"
        );
    }
    // One of the largest size read is applied.
    let bytes = archive(|out| {
        let mut records = pax_record("comment", &"x".repeat(EXTENSION_LIMIT as usize - 200));
        records.extend(pax_record("path", "elsewhere/test_batch.bin"));
        assert!(records.len() as u64 <= EXTENSION_LIMIT);
        entry(
            out,
            tar::EntryType::XHeader,
            "p",
            records.len() as u64,
            &records,
        );
        entry(
            out,
            tar::EntryType::Regular,
            "cifar-10-batches-bin/test_batch.bin",
            1,
            b"j",
        );
    });
    assert!(Cifar10::from_archive("big.tar.gz", bytes.as_slice()).is_ok());
}

#[test]
fn an_archive_that_unpacks_to_more_than_the_data_set_is_refused() {
    // A file the reader skips (not a batch) is still unpacked: beyond the whole data set's
    // size, the stream is given up.
    let bytes = archive(|out| {
        let path = "cifar-10-batches-bin/readme.html";
        entry(out, tar::EntryType::Regular, path, UNPACKED_LIMIT, &[]);
    });
    let err = Cifar10::from_archive("long.tar.gz", bytes.as_slice()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "long.tar.gz: unpacks to more than {UNPACKED_LIMIT} bytes, more than the whole \
             CIFAR-10 data set; not read any further"
        )
    );
}
