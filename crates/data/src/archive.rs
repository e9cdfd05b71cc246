//! Reading the official `.tar.gz` as a stream, with a bound on everything it can make us hold:
//! each data set file is capped at its official size ([`BatchKind::size_limit`]), each tar
//! extension header (a PAX record set, a GNU long name) at [`EXTENSION_LIMIT`], and the whole
//! unpacked stream at [`UNPACKED_LIMIT`].
//!
//! The `tar` crate reads an extension header whole into memory before the entry it describes
//! comes out of its iterator, so a small archive whose PAX header claims (and gzip-compresses)
//! a gigabyte would be held before any check of ours ran. The entries are therefore read raw
//! and the extension headers applied here, after their size is checked; their records are
//! parsed by the crate (`tar::PaxExtensions`).

use std::cell::Cell;
use std::io::Read;

use super::layout::{
    ARCHIVE_DIR, BatchKind, IMAGES_PER_BATCH, META_LIMIT, batch_kind, read_capped,
};
use super::{DataError, RECORD_BYTES};

/// The largest extension header read: a path or a few attributes take a few hundred bytes.
pub const EXTENSION_LIMIT: u64 = 64 * 1024;

/// The most bytes an archive may unpack to: the six batches and the label names at their
/// caps, plus 1 MiB for tar headers and small extra files (the official archive unpacks to
/// 184,391,680 bytes). A stream that goes on is not the data set, however it is laid out.
pub const UNPACKED_LIMIT: u64 =
    6 * (IMAGES_PER_BATCH * RECORD_BYTES) as u64 + META_LIMIT + 1024 * 1024;

/// Calls `f` with the path, kind and bytes of every data set file under
/// `cifar-10-batches-bin/` in the `.tar.gz` stream.
pub(crate) fn for_each_archived_file(
    name: &str,
    reader: impl Read,
    mut f: impl FnMut(&str, BatchKind, Vec<u8>) -> Result<(), DataError>,
) -> Result<(), DataError> {
    let over = Cell::new(false);
    let unpacked = Capped {
        inner: flate2::read::GzDecoder::new(reader),
        left: UNPACKED_LIMIT,
        over: &over,
    };
    // Any read error inside the stream is the archive's fault (or its size's), not the disk's.
    let bad = |e: std::io::Error| {
        if over.get() {
            DataError::ArchiveTooLarge {
                file: name.into(),
                limit: UNPACKED_LIMIT,
            }
        } else {
            DataError::BadArchive {
                file: name.into(),
                reason: format!("cannot read it as a .tar.gz archive ({e})"),
            }
        }
    };
    let mut archive = tar::Archive::new(unpacked);
    let mut saw_dir = false;
    let mut seen = Vec::new();
    // The path an extension header gave the next entry.
    let mut next_path: Option<String> = None;
    for entry in archive.entries().map_err(bad)?.raw(true) {
        let mut entry = entry.map_err(bad)?;
        let kind = entry.header().entry_type();
        if is_extension(kind) {
            let shown = format!(
                "{name}: a tar extension header ({})",
                kind.as_byte() as char
            );
            let size = entry.size();
            let bytes =
                read_capped(&shown, &mut entry, size, EXTENSION_LIMIT).map_err(|e| match e {
                    DataError::Io { source, .. } => bad(source),
                    _ => DataError::ExtensionTooLarge {
                        file: name.into(),
                        size,
                        limit: EXTENSION_LIMIT,
                    },
                })?;
            if let Some(path) = extension_path(kind, &bytes) {
                next_path = Some(path);
            }
            continue;
        }
        let path = match next_path.take() {
            Some(path) => path,
            None => entry.path().map_err(bad)?.to_string_lossy().into_owned(),
        };
        let Some(rest) = path
            .trim_start_matches("./")
            .strip_prefix(ARCHIVE_DIR)
            .and_then(|r| r.strip_prefix('/'))
        else {
            continue;
        };
        saw_dir = true;
        let Some(kind) = batch_kind(rest) else {
            continue;
        };
        let shown = format!("{name}: {path}");
        if seen.contains(&kind) {
            return Err(DataError::Duplicate { file: shown });
        }
        seen.push(kind);
        let size = entry.size();
        let bytes =
            read_capped(&shown, &mut entry, size, kind.size_limit()).map_err(|e| match e {
                DataError::Io { source, .. } => bad(source),
                other => other,
            })?;
        f(&path, kind, bytes)?;
    }
    if !saw_dir {
        return Err(DataError::NotCifarArchive { file: name.into() });
    }
    Ok(())
}

/// PAX headers (local `x`, global `g`) and GNU long names (`L`) and long link names (`K`).
fn is_extension(kind: tar::EntryType) -> bool {
    kind.is_pax_local_extensions()
        || kind.is_pax_global_extensions()
        || kind.is_gnu_longname()
        || kind.is_gnu_longlink()
}

/// The path an extension header gives the entry after it: a GNU long name, or a local PAX
/// header's `path` record. (Global headers and link names name nothing we read.)
fn extension_path(kind: tar::EntryType, bytes: &[u8]) -> Option<String> {
    if kind.is_gnu_longname() {
        let name = bytes.split(|b| *b == 0).next().unwrap_or_default();
        return Some(String::from_utf8_lossy(name).into_owned());
    }
    if kind.is_pax_local_extensions() {
        return tar::PaxExtensions::new(bytes)
            .filter_map(Result::ok)
            .find(|record| record.key_bytes() == b"path")
            .map(|record| String::from_utf8_lossy(record.value_bytes()).into_owned());
    }
    None
}

/// A reader that fails once more than `left` bytes have come out of `inner`, and notes that
/// it did in `over` (the `tar` crate may wrap the error it sees).
struct Capped<'a, R> {
    inner: R,
    left: u64,
    over: &'a Cell<bool>,
}

impl<R: Read> Read for Capped<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte past the limit proves the stream goes on; an archive that ends exactly
            // at it is fine.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.over.set(true);
            return Err(std::io::Error::other("the archive unpacks to too much"));
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
#[path = "archive_tests.rs"]
mod tests;
