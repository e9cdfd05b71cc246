//! The parsers under random and mutated input: batch files, archives, weights files, share
//! links, page ⇄ worker messages and stored runs. Whatever the bytes, each answers with a
//! value or its typed error: never a panic, and no allocation past the size caps of
//! docs/RELIABILITY.md (an allocator that notes the largest request checks that).

use crate::common;
use crate::common::take_turn;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::{Read, Write};
use std::sync::LazyLock;

use burn::tensor::Device;
use cifar_lab::data::{BatchKind, Cifar10, EXTENSION_LIMIT, RECORD_BYTES, parse_batch};
use cifar_lab::model::{Architecture, Cnn, WeightsError, weights_from_bytes_any, weights_to_bytes};
use cifar_lab::web::form::FormValues;
use cifar_lab::web::protocol::{Event, Request};
use cifar_lab::web::saved::SavedRun;
use proptest::prelude::*;
use proptest::sample::Index;

/// The system allocator, noting the largest single request of each thread.
struct NotingAllocator;

thread_local! {
    // `const`, with no destructor: usable from inside the allocator.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

// SAFETY: every call is passed to `System` unchanged; noting a size allocates nothing.
unsafe impl GlobalAlloc for NotingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: NotingAllocator = NotingAllocator;

/// Runs `f` and returns the largest single allocation it made on this thread.
fn largest_allocation(f: impl FnOnce()) -> usize {
    LARGEST.with(|largest| largest.set(0));
    f();
    LARGEST.with(Cell::get)
}

/// The most an archive's parser may ask for at once: a batch entry's cap, 30,730,000 bytes
/// (an entry's reader ends at its header's size, so the buffer sized from it never grows).
fn archive_allocation_limit() -> usize {
    BatchKind::Test.size_limit() as usize
}

/// A small, valid official-layout archive to mutate.
static ARCHIVE: LazyLock<Vec<u8>> = LazyLock::new(|| common::official_tar_gz(&common::files(2, 2)));

/// The tar inside [`ARCHIVE`], whose entry headers the tests rewrite.
static TAR: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(ARCHIVE.as_slice())
        .read_to_end(&mut tar)
        .unwrap();
    tar
});

/// Where each entry's 512-byte header starts in [`TAR`].
fn header_offsets(tar: &[u8]) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut at = 0;
    while at + 512 <= tar.len() && tar[at] != 0 {
        offsets.push(at);
        let size = tar::Header::from_byte_slice(&tar[at..at + 512])
            .entry_size()
            .unwrap() as usize;
        at += 512 + size.div_ceil(512) * 512;
    }
    offsets
}

/// [`ARCHIVE`] with entry `entry`'s header claiming `size` bytes (its checksum made right, so
/// the claim is what the parser has to weigh).
fn archive_claiming(entry: Index, size: u64) -> Vec<u8> {
    let mut tar = TAR.clone();
    let offsets = header_offsets(&tar);
    let at = offsets[entry.index(offsets.len())];
    let mut header = tar::Header::from_byte_slice(&tar[at..at + 512]).clone();
    header.set_size(size);
    header.set_cksum();
    tar[at..at + 512].copy_from_slice(header.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

/// [`TAR`] after an extension header (PAX local or global, GNU long name or link) that
/// claims `claimed` bytes and holds `held` zeros of them: the tar reader's own whole-entry
/// read of such headers is what a bomb would aim at.
fn archive_after_extension(kind: usize, claimed: u64, held: u64) -> Vec<u8> {
    let kinds = [
        tar::EntryType::XHeader,
        tar::EntryType::XGlobalHeader,
        tar::EntryType::GNULongName,
        tar::EntryType::GNULongLink,
    ];
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(kinds[kind % kinds.len()]);
    header.set_path("ext").unwrap();
    header.set_size(claimed);
    header.set_cksum();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(header.as_bytes()).unwrap();
    let zeros = vec![0u8; 1 << 20];
    let held = held.min(claimed);
    let mut left = held.div_ceil(512) * 512;
    while left > 0 {
        let part = left.min(zeros.len() as u64) as usize;
        gz.write_all(&zeros[..part]).unwrap();
        left -= part as u64;
    }
    gz.write_all(&TAR).unwrap();
    gz.finish().unwrap()
}

/// `plain`'s first dense layer, 12,544 × 128 weights of 4 bytes: the largest tensor of the
/// three models, which the weights reader builds whatever the file says.
const LARGEST_TENSOR_BYTES: usize = 12_544 * 128 * 4;

/// Weights of `plain`, to mutate.
static WEIGHTS: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let model = Cnn::new(&Architecture::Plain.into(), &Device::flex());
    futures_lite::future::block_on(weights_to_bytes(&model, &Architecture::Plain.into())).unwrap()
});

/// The same weights as safetensors (PyTorch's names), to mutate.
static SAFETENSORS: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let spec = Architecture::Plain.into();
    let model = Cnn::new(&spec, &Device::flex());
    cifar_lab::model::torch::safetensors_bytes(&model, &spec).unwrap()
});

/// A valid message of each direction and a stored run, as JSON, to mutate.
const MESSAGES: [&str; 4] = [
    r#"{"type":"train","run":"plain","config":{"model":"plain","epochs":8,"batch_size":128,"optimizer":"adadelta","lr":1.0,"seed":42,"readback_every":1},"backend":"auto","data":{"subset":null,"validation":{"kind":"test_batch"}}}"#,
    r#"{"type":"progress","run":"plain","progress":{"epoch":1,"epochs":8,"batch":4,"batches":391,"samples_done":512,"samples_total":50000,"elapsed":2.5,"loss":"NaN","acc":0.1},"memory_bytes":59000000}"#,
    r#"{"type":"gallery","run":"plain","truth":3,"predicted":5,"page":0}"#,
    r#"{"name":"plain","created":1.0,"model":"plain","origin":{"kind":"trained"},"config":null,"history":[],"metrics":null,"confidence":null,"ending":null,"weights_bytes":null}"#,
];

/// The messages mutated start from ones the app reads, so the mutations explore near them.
#[test]
fn the_messages_to_mutate_are_valid() {
    assert!(Request::from_json(MESSAGES[0]).is_ok(), "{}", MESSAGES[0]);
    assert!(Event::from_json(MESSAGES[1]).is_ok(), "{}", MESSAGES[1]);
    assert!(Request::from_json(MESSAGES[2]).is_ok(), "{}", MESSAGES[2]);
    assert!(SavedRun::from_json(MESSAGES[3]).is_ok(), "{}", MESSAGES[3]);
}

/// `bytes` with each `(position, value)` written over it, then cut at `cut` (if any).
fn mutate(bytes: &[u8], writes: &[(Index, u8)], cut: Option<Index>) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (at, value) in writes {
        let i = at.index(out.len());
        out[i] = *value;
    }
    if let Some(cut) = cut {
        out.truncate(cut.index(out.len() + 1));
    }
    out
}

fn writes() -> impl Strategy<Value = Vec<(Index, u8)>> {
    prop::collection::vec((any::<Index>(), any::<u8>()), 1..12)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn batch_files(bytes in prop::collection::vec(any::<u8>(), 0..4 * RECORD_BYTES)) {
        let (mut labels, mut pixels) = (Vec::new(), Vec::new());
        if parse_batch("b.bin", &bytes, &mut labels, &mut pixels).is_ok() {
            prop_assert_eq!(labels.len() * RECORD_BYTES, bytes.len());
            prop_assert!(labels.iter().all(|&l| l < 10));
        }
    }

    #[test]
    fn archives(writes in writes(), cut in proptest::option::of(any::<Index>())) {
        let bytes = mutate(&ARCHIVE, &writes, cut);
        let largest = largest_allocation(|| {
            let _ = Cifar10::from_archive("a.tar.gz", bytes.as_slice());
        });
        prop_assert!(largest <= archive_allocation_limit(), "asked for {} bytes at once", largest);
    }

    #[test]
    fn archives_whose_headers_claim_any_size(
        entry in any::<Index>(),
        size in prop_oneof![0..2 * BatchKind::Test.size_limit(), any::<u64>()],
    ) {
        let bytes = archive_claiming(entry, size);
        let largest = largest_allocation(|| {
            let _ = Cifar10::from_archive("c.tar.gz", bytes.as_slice());
        });
        prop_assert!(largest <= archive_allocation_limit(), "asked for {} bytes at once", largest);
    }

    #[test]
    fn random_archives(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let mut parsed = None;
        let largest = largest_allocation(|| {
            parsed = Some(Cifar10::from_archive("r.tar.gz", bytes.as_slice()));
        });
        prop_assert!(parsed.unwrap().is_err());
        prop_assert!(largest <= archive_allocation_limit(), "asked for {} bytes at once", largest);
    }

    #[test]
    fn share_links(hash in "#?([a-z]{0,10}(=[%0-9a-zA-Z.\\-]{0,12})?&?){0,12}") {
        let _ = FormValues::from_hash(&hash, &FormValues::default());
    }

    #[test]
    fn any_text_as_a_message_or_a_stored_run(text in ".{0,200}") {
        let _ = Request::from_json(&text);
        let _ = Event::from_json(&text);
        let _ = SavedRun::from_json(&text);
    }

    #[test]
    fn mutated_messages(which in 0..MESSAGES.len(), writes in writes(), cut in proptest::option::of(any::<Index>())) {
        let bytes = mutate(MESSAGES[which].as_bytes(), &writes, cut);
        let text = String::from_utf8_lossy(&bytes);
        let _ = Request::from_json(&text);
        let _ = Event::from_json(&text);
        let _ = SavedRun::from_json(&text);
    }
}

proptest! {
    // Each case compresses up to 48 MB: fewer of them.
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn archives_with_extension_headers_of_any_size(
        kind in 0usize..4,
        claimed in prop_oneof![0..4 * EXTENSION_LIMIT, any::<u64>()],
        held in 0u64..48 << 20,
    ) {
        let bytes = archive_after_extension(kind, claimed, held);
        let largest = largest_allocation(|| {
            let _ = Cifar10::from_archive("x.tar.gz", bytes.as_slice());
        });
        prop_assert!(largest <= archive_allocation_limit(), "asked for {} bytes at once", largest);
    }
}

proptest! {
    // Each case builds models: fewer of them.
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn weights_files(writes in writes(), cut in proptest::option::of(any::<Index>())) {
        let _turn = take_turn();
        let bytes = mutate(&WEIGHTS, &writes, cut);
        // Whatever sizes a weights file claims, the reader asks for no more than the model's
        // own largest tensor or a copy of the file (aligned, so a little over its length);
        // twice that leaves room for the allocator's rounding and still refuses any claim
        // of gigabytes.
        let limit = 2 * WEIGHTS.len().max(LARGEST_TENSOR_BYTES);
        let largest = largest_allocation(|| {
            let _ = weights_from_bytes_any(&Architecture::Plain.into(), "w.bpk", bytes, &Device::flex());
        });
        prop_assert!(largest <= limit, "asked for {} bytes at once", largest);
    }

    #[test]
    fn safetensors_files(writes in writes(), cut in proptest::option::of(any::<Index>())) {
        let _turn = take_turn();
        let bytes = mutate(&SAFETENSORS, &writes, cut);
        // As for .bpk files: whatever the header claims, no more than the model's largest
        // tensor or a copy of the file, about twice over.
        let limit = 2 * SAFETENSORS.len().max(LARGEST_TENSOR_BYTES);
        let largest = largest_allocation(|| {
            let _ = weights_from_bytes_any(&Architecture::Plain.into(), "w.safetensors", bytes, &Device::flex());
        });
        prop_assert!(largest <= limit, "asked for {} bytes at once", largest);
    }

    /// A small file whose recorded model is any valid layer list (up to 16.8 M parameters),
    /// holding tensors of the right names and wrong sizes: refused from its size alone, with
    /// no allocation beyond about twice the file's.
    #[test]
    fn weights_files_recording_any_model(
        filters in 1usize..64,
        kernel in (0usize..4).prop_map(|k| 2 * k + 1),
        units in 1usize..4096,
        tensors in 0usize..=6,
    ) {
        let _turn = take_turn();
        // Up to 64·8·8·4,096 = 16.8 M parameters, under the cap: the list itself is valid.
        let spec = format!("conv {filters} {kernel} same, maxpool 4, flatten, dense {units}, dense 10");
        // The model's own tensor names, a float each: every name matches, no shape does.
        let names = [
            "image_layers.0.ConvLinear.weight",
            "image_layers.0.ConvLinear.bias",
            "vector_layers.0.DenseLogits.weight",
            "vector_layers.0.DenseLogits.bias",
            "vector_layers.1.DenseLogits.weight",
            "vector_layers.1.DenseLogits.bias",
        ];
        let some = names
            .iter()
            .take(tensors)
            .map(|name| {
                let bytes = burn_pack::Bytes::from_bytes_vec(1f32.to_le_bytes().to_vec());
                burn_pack::Tensor::new(name.to_string(), burn_pack::DType::F32, [1], None, bytes)
            })
            .collect();
        let bytes = burn_pack::Writer::new(some)
            .with_metadata("cifar-lab.model", &spec)
            .into_bytes()
            .unwrap()
            .to_vec();
        let limit = 2 * bytes.len().max(LARGEST_TENSOR_BYTES / 8);
        let mut found = None;
        let largest = largest_allocation(|| {
            found = Some(weights_from_bytes_any(&Architecture::Plain.into(), "s.bpk", bytes, &Device::flex()));
        });
        // Refused from its size, before any model is built or any record applied.
        let too_small = matches!(found.unwrap(), Err(WeightsError::TooSmall { .. }));
        prop_assert!(too_small);
        prop_assert!(largest <= limit, "{}: asked for {} bytes at once", spec, largest);
    }

    #[test]
    fn random_weights(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let _turn = take_turn();
        let mut found = None;
        let largest = largest_allocation(|| {
            found = Some(weights_from_bytes_any(&Architecture::Plain.into(), "r.bpk", bytes, &Device::flex()));
        });
        prop_assert!(found.unwrap().is_err());
        prop_assert!(largest <= LARGEST_TENSOR_BYTES, "asked for {} bytes at once", largest);
    }
}
