//! Which device a run, a measurement or an evaluation uses, in one place. The decision is
//! plain Rust, tested natively ([`decide`], [`choose`], [`place`]); the page's and the worker's
//! questions all go through it: which module the page starts, where the worker runs a
//! request, where the session says a run will go and how fast. The web-sys half opens what it
//! names: [`adapter`] asks the browser which WebGPU adapter there is (the page, and the
//! CPU-only module's worker), [`webgpu`] opens burn's WebGPU device in the GPU module and
//! notices its loss.
//!
//! A fallback adapter (SwiftShader, WARP, lavapipe) is WebGPU computed on the CPU through a
//! shader interpreter: many times slower than the CPU backend compiled to WebAssembly
//! (docs/BENCHMARKS.md), and its first step waits for every kernel to compile. So *Auto* uses
//! a fallback adapter only when asked to by name.

#[cfg(target_arch = "wasm32")]
pub mod adapter;
#[cfg(target_arch = "wasm32")]
pub mod webgpu;

use burn::tensor::Device;

use super::protocol::{AdapterInfo, BackendChoice};
use crate::backend::BackendKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceDecision {
    WebGpu,
    /// The CPU backend, with the reason to show when the user might have expected WebGPU.
    Cpu {
        note: Option<String>,
    },
    /// WebGPU was asked for by name and there is none: the run does not start.
    Refuse(String),
}

/// Decides from the user's choice, the opened adapter (if any) and why there is none.
pub fn decide(
    choice: BackendChoice,
    adapter: Option<&AdapterInfo>,
    problem: Option<&str>,
) -> DeviceDecision {
    let no_webgpu = || problem.unwrap_or("WebGPU has not been opened").to_string();
    match (choice, adapter) {
        (BackendChoice::Cpu, _) => DeviceDecision::Cpu { note: None },
        (BackendChoice::WebGpu, Some(_)) => DeviceDecision::WebGpu,
        (BackendChoice::WebGpu, None) => DeviceDecision::Refuse(format!(
            "cannot train on WebGPU: {}. Choose the CPU backend instead",
            no_webgpu()
        )),
        (BackendChoice::Auto, Some(adapter)) if adapter.fallback => DeviceDecision::Cpu {
            note: Some(format!(
                "On the CPU: the WebGPU adapter here, {}, runs on the CPU too and trains \
                 slower than the CPU backend (choose WebGPU to use it anyway).",
                adapter.label()
            )),
        },
        (BackendChoice::Auto, Some(_)) => DeviceDecision::WebGpu,
        (BackendChoice::Auto, None) => DeviceDecision::Cpu {
            note: Some(format!("On the CPU: {}.", no_webgpu())),
        },
    }
}

/// What a request on WebGPU gets from the CPU-only module (the page switches modules first,
/// so only a request racing that switch sees it).
pub const NOT_IN_THIS_MODULE: &str = "WebGPU's kernels are not loaded in this worker: choose \
    WebGPU again (the page loads them), or the CPU";

/// Where a worker runs a request on `choice`: [`decide`] on what it has, and a decision for
/// WebGPU refused where its device is not in this module (`device_here` false: see
/// [`NOT_IN_THIS_MODULE`]).
pub fn choose(
    choice: BackendChoice,
    adapter: Option<&AdapterInfo>,
    problem: Option<&str>,
    device_here: bool,
) -> DeviceDecision {
    match decide(choice, adapter, problem) {
        DeviceDecision::WebGpu if !device_here => DeviceDecision::Refuse(NOT_IN_THIS_MODULE.into()),
        decision => decision,
    }
}

/// The device a decision names: `webgpu` (the opened device) for WebGPU, else the CPU backend
/// (also where the decision refuses; callers that must refuse check that first). Autodiff on.
pub fn device_for(decision: &DeviceDecision, webgpu: Option<&Device>) -> (BackendKind, Device) {
    match (decision, webgpu) {
        (DeviceDecision::WebGpu, Some(device)) => (BackendKind::Wgpu, device.clone()),
        _ => (BackendKind::Flex, Device::flex().autodiff()),
    }
}

/// Where a run goes, for its speed: the backend and how many workers train it.
pub type Place = (BackendKind, usize);

/// Where the worker would train a run on `choice` with `adapter` (the one the worker reported)
/// in `cpu_workers` workers on the CPU. A run refused WebGPU is placed as if it had it (the
/// estimate then says how fast it would be there).
pub fn place(choice: BackendChoice, adapter: Option<&AdapterInfo>, cpu_workers: usize) -> Place {
    match decide(choice, adapter, None) {
        DeviceDecision::Cpu { .. } => (BackendKind::Flex, cpu_workers),
        DeviceDecision::WebGpu | DeviceDecision::Refuse(_) => (BackendKind::Wgpu, 1),
    }
}

/// Whether *Auto* trains on WebGPU with `adapter`: the page then starts the worker with the GPU
/// module (a hardware adapter), else with the CPU-only one.
pub fn auto_trains_on_webgpu(adapter: Option<&AdapterInfo>) -> bool {
    decide(BackendChoice::Auto, adapter, None) == DeviceDecision::WebGpu
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adapter(fallback: bool) -> AdapterInfo {
        AdapterInfo {
            vendor: "google".into(),
            architecture: "swiftshader".into(),
            fallback,
            ..AdapterInfo::default()
        }
    }

    #[test]
    fn auto_prefers_a_hardware_adapter_and_the_cpu_over_a_software_one() {
        assert_eq!(
            decide(BackendChoice::Auto, Some(&adapter(false)), None),
            DeviceDecision::WebGpu
        );
        let DeviceDecision::Cpu { note: Some(note) } =
            decide(BackendChoice::Auto, Some(&adapter(true)), None)
        else {
            panic!("a fallback adapter should send Auto to the CPU");
        };
        assert!(note.contains("google swiftshader"), "{note}");
        assert!(note.contains("choose WebGPU"), "{note}");
    }

    #[test]
    fn a_named_choice_is_obeyed_or_refused_with_the_reason() {
        assert_eq!(
            decide(BackendChoice::WebGpu, Some(&adapter(true)), None),
            DeviceDecision::WebGpu
        );
        assert_eq!(
            decide(BackendChoice::Cpu, Some(&adapter(false)), None),
            DeviceDecision::Cpu { note: None }
        );
        let DeviceDecision::Refuse(why) = decide(
            BackendChoice::WebGpu,
            None,
            Some("navigator.gpu is missing"),
        ) else {
            panic!("WebGPU by name without WebGPU must refuse");
        };
        assert!(why.contains("navigator.gpu is missing"), "{why}");
        assert_eq!(
            decide(BackendChoice::Auto, None, Some("no adapter")),
            DeviceDecision::Cpu {
                note: Some("On the CPU: no adapter.".into())
            }
        );
    }

    /// The CPU-only module has no WebGPU device to train on: a WebGPU decision there is
    /// refused (the page loads the GPU module), whatever else the decision would be.
    #[test]
    fn webgpu_is_refused_where_its_device_is_not_loaded() {
        let hardware = adapter(false);
        assert_eq!(
            choose(BackendChoice::Auto, Some(&hardware), None, true),
            DeviceDecision::WebGpu
        );
        assert_eq!(
            choose(BackendChoice::Auto, Some(&hardware), None, false),
            DeviceDecision::Refuse(NOT_IN_THIS_MODULE.into())
        );
        assert_eq!(
            choose(BackendChoice::Cpu, Some(&hardware), None, false),
            DeviceDecision::Cpu { note: None }
        );
        let (backend, _) = device_for(&DeviceDecision::Refuse("no".into()), None);
        assert_eq!(backend, BackendKind::Flex);
    }

    /// A run is placed where it would train; one refused WebGPU where it asked to go.
    #[test]
    fn runs_are_placed_where_they_would_train() {
        let hardware = adapter(false);
        let software = adapter(true);
        assert_eq!(
            place(BackendChoice::Auto, Some(&hardware), 3),
            (BackendKind::Wgpu, 1)
        );
        assert_eq!(
            place(BackendChoice::Auto, Some(&software), 3),
            (BackendKind::Flex, 3)
        );
        assert_eq!(
            place(BackendChoice::WebGpu, None, 3),
            (BackendKind::Wgpu, 1)
        );
        assert!(auto_trains_on_webgpu(Some(&hardware)));
        assert!(!auto_trains_on_webgpu(Some(&software)));
        assert!(!auto_trains_on_webgpu(None));
    }
}
