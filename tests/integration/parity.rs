//! The GPU self-check: one training step on a GPU backend against the CPU backend.
//!
//! The wgpu cases run on whatever adapter wgpu finds; `scripts/test` installs Mesa's lavapipe
//! (a Vulkan driver on the CPU) so there is always one. On a machine that cannot have one,
//! build the tests with `CIFAR_LAB_NO_GPU=1` (build.rs): the wgpu cases are then reported as
//! ignored, saying why.

use crate::common::take_turn;
use burn::tensor::Device;
use cifar_lab::backend::BackendKind;
use cifar_lab::data::synthetic;
use cifar_lab::train::{ParityReport, step_parity};
use futures_lite::future::block_on;

#[test]
fn identical_backends_agree_exactly() {
    let _turn = take_turn();
    let cpu = Device::flex().autodiff();
    let batch = synthetic::banded(8, 3);
    let report = block_on(step_parity(&cpu, &cpu, &batch, 1)).unwrap();
    assert!(report.agrees(), "{report:?}");
    assert_eq!(report.max_relative_difference, 0.0);
    assert!(report.loss_reference > 1.0 && report.loss_reference < 4.0);
}

#[test]
#[cfg_attr(no_gpu, ignore = "CIFAR_LAB_NO_GPU is set: no wgpu adapter to check")]
fn wgpu_step_matches_the_cpu_backend() {
    let gpu =
        block_on(BackendKind::Wgpu.init()).expect("a wgpu adapter (install mesa-vulkan-drivers)");
    let _turn = take_turn();
    let cpu = Device::flex().autodiff();
    let batch = synthetic::banded(16, 4);
    let report = block_on(step_parity(&cpu, &gpu, &batch, 2)).unwrap();
    eprintln!("wgpu vs flex: {report:?}");
    assert!(report.agrees(), "{report:?}");
    assert!(!report.non_finite);
    assert!(
        (report.loss_reference - report.loss_candidate).abs() < 1e-3,
        "{report:?}"
    );
}

/// The GPU asked for twice in one process (two runs of `bench`, a test beside another, a
/// record read onto burn's default device first) is the same GPU, not "no usable GPU".
#[test]
#[cfg_attr(
    no_gpu,
    ignore = "CIFAR_LAB_NO_GPU is set: no wgpu adapter to ask for twice"
)]
fn the_gpu_asked_for_again_is_the_same_one() {
    let first = block_on(BackendKind::Wgpu.init()).expect("a wgpu adapter");
    let again = block_on(BackendKind::Wgpu.init()).expect("the same adapter again");
    assert_eq!(format!("{first:?}"), format!("{again:?}"));
}

#[test]
fn a_mismatch_or_nan_does_not_agree() {
    let report = |diff, non_finite| ParityReport {
        loss_reference: 2.3,
        loss_candidate: 2.3,
        max_relative_difference: diff,
        non_finite,
    };
    assert!(report(1e-6, false).agrees());
    assert!(!report(0.01, false).agrees());
    assert!(!report(0.0, true).agrees());
    assert!(!report(f64::INFINITY, false).agrees());
}
