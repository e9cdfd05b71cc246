//! Which device a run trains on. Plain Rust, tested natively; the worker acts on the answer.
//!
//! A fallback adapter (SwiftShader, WARP, lavapipe) is WebGPU computed on the CPU through a
//! shader interpreter: many times slower than the CPU backend compiled to WebAssembly
//! (docs/BENCHMARKS.md), and its first step waits for every kernel to compile. So *Auto* uses
//! a fallback adapter only when asked to by name.
//! The worker asks this for training and for evaluating saved weights alike.

use super::protocol::{AdapterInfo, BackendChoice};

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
}
