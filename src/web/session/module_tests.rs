//! Which module the worker runs: the GPU module is asked for only when the form chooses
//! WebGPU that the CPU-only module cannot train on, and only when the worker is idle.

use super::tests::{data_ready, form_is, said, train, worker};
use super::*;
use crate::web::form::{Field, tutorial};
use crate::web::protocol::{AdapterInfo, Event};

fn swiftshader() -> AdapterInfo {
    AdapterInfo {
        vendor: "google".into(),
        architecture: "swiftshader".into(),
        fallback: true,
        ..AdapterInfo::default()
    }
}

/// A CPU-only worker with `adapter`, the data loaded, and the form on `backend`.
fn cpu_module(adapter: Option<AdapterInfo>, backend: &str) -> (Session, Vec<Command>) {
    let mut s = Session::default();
    worker(&mut s, Event::Ready);
    let mut form = tutorial();
    form.set(Field::Backend, backend);
    s.update(form_is(form));
    s.update(Input::Restored(Ok(Vec::new())));
    let out = worker(
        &mut s,
        Event::Backend {
            webgpu: adapter,
            problem: None,
            gpu_module: false,
        },
    );
    (s, out)
}

fn switches(out: &[Command]) -> bool {
    out.contains(&Command::StartGpuModule)
}

fn choose(s: &mut Session, backend: &str) -> Vec<Command> {
    let mut form = tutorial();
    form.set(Field::Backend, backend);
    s.update(form_is(form))
}

#[test]
fn auto_and_the_cpu_stay_on_the_cpu_only_module() {
    for backend in ["auto", "cpu"] {
        let (mut s, out) = cpu_module(Some(swiftshader()), backend);
        assert!(!switches(&out), "{backend}");
        worker(&mut s, data_ready());
        assert!(!switches(&choose(&mut s, "cpu")));
    }
    // No WebGPU at all: choosing it is refused at Train, never a module to load.
    let (mut s, _) = cpu_module(None, "auto");
    assert!(!switches(&choose(&mut s, "webgpu")));
}

#[test]
fn choosing_webgpu_by_name_loads_the_gpu_module_and_the_data_again() {
    let (mut s, _) = cpu_module(Some(swiftshader()), "auto");
    worker(&mut s, data_ready());
    assert!(s.controls().train);
    let out = choose(&mut s, "webgpu");
    assert!(switches(&out));
    let text = said(&out, Line::Adapter).unwrap();
    assert!(text.contains("GPU module"), "{text}");
    // Until the new worker has the data, nothing trains; it loads it when it is ready.
    assert!(!s.controls().train);
    let out = worker(&mut s, Event::Ready);
    assert!(out.contains(&Command::LoadTypedData), "{out:?}");
    let out = worker(
        &mut s,
        Event::Backend {
            webgpu: Some(swiftshader()),
            problem: None,
            gpu_module: true,
        },
    );
    assert!(!switches(&out), "once is enough");
    worker(&mut s, data_ready());
    assert!(s.controls().train);
}

#[test]
fn a_form_set_to_webgpu_before_the_worker_answers_switches_when_it_does() {
    let (_, out) = cpu_module(Some(swiftshader()), "webgpu");
    assert!(switches(&out));
}

#[test]
fn a_running_run_is_not_interrupted_by_the_switch() {
    let (mut s, _) = cpu_module(Some(swiftshader()), "cpu");
    worker(&mut s, data_ready());
    train(&mut s, "plain");
    assert!(
        !switches(&choose(&mut s, "webgpu")),
        "not while a run starts"
    );
    let name = s.running.clone().unwrap();
    let out = worker(
        &mut s,
        Event::RunEnded {
            run: name,
            ending: crate::train::RunEnd::Stopped { epoch: 0, batch: 0 },
        },
    );
    assert!(switches(&out), "once the run has ended");
}

#[test]
fn a_module_that_never_starts_is_not_restarted_in_a_loop() {
    let (mut s, _) = cpu_module(Some(swiftshader()), "auto");
    worker(&mut s, data_ready());
    choose(&mut s, "webgpu");
    // The GPU module's worker.js could not load it: it says so before any Ready.
    let message = "the worker's WebAssembly did not start: TypeError: Failed to fetch".to_string();
    let out = worker(&mut s, Event::Crashed { message });
    assert!(!out.contains(&Command::RestartWorker), "{out:?}");
    let text = said(&out, Line::RunError).unwrap();
    assert!(
        text.contains("Failed to fetch") && text.contains("Reload"),
        "{text}"
    );
}
