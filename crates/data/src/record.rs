//! The CIFAR-10 binary record: 1 label byte, then 3,072 pixel bytes (the red plane, then green,
//! then blue, each 32×32 row-major). That layout is already channel-major, so a record's pixels
//! are one CHW image as they stand.

use super::DataError;

pub const IMAGE_SIDE: usize = 32;
pub const IMAGE_CHANNELS: usize = 3;
pub const IMAGE_BYTES: usize = IMAGE_CHANNELS * IMAGE_SIDE * IMAGE_SIDE;
pub const RECORD_BYTES: usize = 1 + IMAGE_BYTES;
pub const NUM_CLASSES: usize = 10;

/// Parses one batch file's bytes into labels and pixels, appending to `labels` and `pixels`.
/// Returns how many records it read. `file` only names the source in errors.
pub fn parse_batch(
    file: &str,
    bytes: &[u8],
    labels: &mut Vec<u8>,
    pixels: &mut Vec<u8>,
) -> Result<usize, DataError> {
    if bytes.is_empty() {
        return Err(DataError::Empty { file: file.into() });
    }
    if !bytes.len().is_multiple_of(RECORD_BYTES) {
        return Err(DataError::BadLength {
            file: file.into(),
            len: bytes.len(),
            records: bytes.len() / RECORD_BYTES,
            extra: bytes.len() % RECORD_BYTES,
        });
    }
    let records = bytes.len() / RECORD_BYTES;
    // Validate every label before touching the outputs, so a bad file leaves them unchanged.
    for (index, record) in bytes.chunks_exact(RECORD_BYTES).enumerate() {
        if record[0] as usize >= NUM_CLASSES {
            return Err(DataError::BadLabel {
                file: file.into(),
                record: index,
                label: record[0],
            });
        }
    }
    labels.reserve(records);
    pixels.reserve(records * IMAGE_BYTES);
    for record in bytes.chunks_exact(RECORD_BYTES) {
        labels.push(record[0]);
        pixels.extend_from_slice(&record[1..]);
    }
    Ok(records)
}

/// Writes records in the official layout: the inverse of [`parse_batch`]. Used by tests and by
/// tools that make small data sets.
pub fn encode_records(labels: &[u8], pixels: &[u8]) -> Vec<u8> {
    assert_eq!(
        pixels.len(),
        labels.len() * IMAGE_BYTES,
        "one image per label"
    );
    let mut out = Vec::with_capacity(labels.len() * RECORD_BYTES);
    for (label, image) in labels.iter().zip(pixels.chunks_exact(IMAGE_BYTES)) {
        out.push(*label);
        out.extend_from_slice(image);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(labels: &[u8]) -> Vec<u8> {
        let pixels: Vec<u8> = (0..labels.len() * IMAGE_BYTES).map(|i| i as u8).collect();
        encode_records(labels, &pixels)
    }

    #[test]
    fn parses_labels_and_channel_planes() {
        let bytes = records(&[3, 9, 0]);
        let (mut labels, mut pixels) = (vec![], vec![]);
        assert_eq!(
            parse_batch("b", &bytes, &mut labels, &mut pixels).unwrap(),
            3
        );
        assert_eq!(labels, [3, 9, 0]);
        assert_eq!(pixels.len(), 3 * IMAGE_BYTES);
        // The second image starts right after the first image's blue plane.
        assert_eq!(pixels[IMAGE_BYTES], (IMAGE_BYTES % 256) as u8);
    }

    #[test]
    fn rejects_truncated_file_with_counts() {
        let mut bytes = records(&[1, 2]);
        bytes.pop();
        let err = parse_batch("data_batch_1.bin", &bytes, &mut vec![], &mut vec![]).unwrap_err();
        assert!(matches!(
            err,
            DataError::BadLength {
                len: 6145,
                records: 1,
                extra: 3072,
                ..
            }
        ));
        assert!(err.to_string().contains("data_batch_1.bin"));
    }

    #[test]
    fn rejects_empty_file() {
        let err = parse_batch("test_batch.bin", &[], &mut vec![], &mut vec![]).unwrap_err();
        assert!(matches!(err, DataError::Empty { .. }));
        assert!(err.to_string().contains("test_batch.bin"));
    }

    #[test]
    fn rejects_label_above_nine_and_leaves_outputs_untouched() {
        let bytes = records(&[1, 10, 2]);
        let (mut labels, mut pixels) = (vec![7], vec![]);
        let err = parse_batch("x.bin", &bytes, &mut labels, &mut pixels).unwrap_err();
        assert!(matches!(
            err,
            DataError::BadLabel {
                record: 1,
                label: 10,
                ..
            }
        ));
        assert_eq!(labels, [7]);
        assert!(pixels.is_empty());
    }
}
