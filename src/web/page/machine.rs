//! The machine as the browser describes it to the page: how many workers *Auto* means, shown
//! on the form's CPU-workers select ("Auto (8)" on 8 cores).

use crate::web::parallel::{Machine, reports_cores_in_buckets};

/// What `navigator` says, and the select's Auto option labelled with its count.
pub(super) fn describe() -> Machine {
    let Some(window) = web_sys::window() else {
        return Machine::default();
    };
    let navigator = window.navigator();
    let cores = navigator.hardware_concurrency();
    // Chromium only, and not in web-sys: read it by name.
    let memory_gb = js_sys::Reflect::get(&navigator, &"deviceMemory".into())
        .ok()
        .and_then(|m| m.as_f64());
    let machine = Machine {
        cores: (cores.is_finite() && cores >= 1.0).then_some(cores as usize),
        memory_gb,
        cores_in_buckets: navigator
            .user_agent()
            .is_ok_and(|agent| reports_cores_in_buckets(&agent)),
    };
    let auto = window.document().and_then(|d| {
        d.query_selector("#cpu-workers option[value=auto]")
            .ok()
            .flatten()
    });
    if let Some(option) = auto {
        option.set_text_content(Some(&format!("Auto ({})", machine.auto_workers())));
    }
    machine
}
