//! The parsers under random and mutated input: batch files, archives, weights files, share
//! links, page ⇄ worker messages and stored runs. Whatever the bytes, each answers with a
//! value or its typed error: never a panic (and the size caps of docs/RELIABILITY.md bound
//! what any input can make it allocate).

// Native suites; the browser has its own (tests/browser.rs).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::sync::LazyLock;

use burn::tensor::Device;
use cifar_lab::data::{Cifar10, RECORD_BYTES, parse_batch};
use cifar_lab::model::{Architecture, Cnn, weights_from_bytes_any, weights_to_bytes};
use cifar_lab::web::protocol::{Event, Request};
use cifar_lab::web::saved::SavedRun;
use cifar_lab::web::settings::FormValues;
use proptest::prelude::*;
use proptest::sample::Index;

/// A small, valid official-layout archive to mutate.
static ARCHIVE: LazyLock<Vec<u8>> = LazyLock::new(|| common::official_tar_gz(&common::files(2, 2)));

/// Weights of `plain`, to mutate.
static WEIGHTS: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let model = Cnn::new(Architecture::Plain, &Device::flex());
    futures_lite::future::block_on(weights_to_bytes(&model, Architecture::Plain)).unwrap()
});

/// A valid message of each direction and a stored run, as JSON, to mutate.
const MESSAGES: [&str; 4] = [
    r#"{"type":"train","run":"plain","config":{"model":"plain","epochs":8,"batch_size":128,"optimizer":"adadelta","lr":1.0,"seed":42,"readback_every":1},"backend":"auto","subset":null,"validation":"test_batch"}"#,
    r#"{"type":"progress","run":"plain","progress":{"epoch":1,"epochs":8,"batch":4,"batches":391,"samples_done":512,"samples_total":50000,"elapsed":2.5,"loss":"NaN","acc":0.1},"memory_bytes":59000000}"#,
    r#"{"type":"gallery","run":"plain","truth":3,"predicted":5,"page":0}"#,
    r#"{"name":"plain","created":1.0,"model":"plain","origin":{"kind":"trained"},"config":null,"history":[],"metrics":null,"confidence":null,"ending":null,"weights_bytes":null}"#,
];

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
        let _ = Cifar10::from_archive("a.tar.gz", bytes.as_slice());
    }

    #[test]
    fn random_archives(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(Cifar10::from_archive("r.tar.gz", bytes.as_slice()).is_err());
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
    // Each case builds models: fewer of them.
    #![proptest_config(ProptestConfig { cases: 40, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn weights_files(writes in writes(), cut in proptest::option::of(any::<Index>())) {
        let bytes = mutate(&WEIGHTS, &writes, cut);
        let _ = weights_from_bytes_any(Architecture::Plain, "w.bpk", bytes, &Device::flex());
    }

    #[test]
    fn random_weights(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let found = weights_from_bytes_any(Architecture::Plain, "r.bpk", bytes, &Device::flex());
        prop_assert!(found.is_err());
    }
}
