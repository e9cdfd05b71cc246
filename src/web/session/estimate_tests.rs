//! The time estimate under the form: unknown until a run has measured this device's speed,
//! then minutes for whatever the form holds.

use super::tests::{ready, train, worker};
use super::*;
use crate::backend::BackendKind;
use crate::model::Architecture;
use crate::train::{BatchProgress, TrainConfig};
use crate::web::protocol::Event;
use crate::web::settings::tutorial;

fn estimate(commands: &[Command]) -> &str {
    commands
        .iter()
        .find_map(|c| match c {
            Command::Say(Line::Estimate, text) => Some(text.as_str()),
            _ => None,
        })
        .expect("the estimate is said")
}

fn fast94_form() -> FormValues {
    FormValues {
        model: "fast94".into(),
        epochs: "10".into(),
        batch_size: "1024".into(),
        optimizer: "nesterov".into(),
        lr: "1.5".into(),
        augment: "flip-shift-2".into(),
        ..tutorial()
    }
}

#[test]
fn the_estimate_waits_for_a_measured_speed_then_gives_minutes() {
    let mut s = ready();
    let commands = s.update(Input::FormChanged(fast94_form()));
    let line = estimate(&commands);
    assert!(line.contains("(CPU): not measured yet"), "{line}");

    // A plain run on the CPU: 1,000 images per second at plain's work per image.
    train(&mut s, "plain");
    worker(
        &mut s,
        Event::RunStarted {
            run: "plain".into(),
            backend: BackendKind::Flex,
            note: None,
            config: TrainConfig::tutorial(Architecture::Plain),
            train_images: 50_000,
            val_images: 10_000,
            batches_per_epoch: 391,
        },
    );
    let progress = BatchProgress {
        epoch: 1,
        epochs: 8,
        batch: 100,
        batches: 391,
        samples_done: 10_000,
        samples_total: 50_000,
        elapsed: 10.0,
        loss: 2.0,
        acc: 0.2,
    };
    let run = "plain".to_string();
    let memory_bytes = None;
    worker(
        &mut s,
        Event::Progress {
            run,
            progress,
            memory_bytes,
        },
    );

    let commands = s.update(Input::FormChanged(fast94_form()));
    let line = estimate(&commands);
    let plain = crate::model::training_flops(&Architecture::Plain.into());
    let request = fast94_form().to_request(String::new()).unwrap();
    let seconds = crate::web::estimate::run_flops(&request) / (1000.0 * plain);
    assert!(
        seconds > 3600.0,
        "fast94 at plain's 1,000 img/s: {seconds} s"
    );
    assert!(line.starts_with("About "), "{line}");
    assert!(
        line.contains(&format!("{:.1} GFLOP/s", 1000.0 * plain / 1e9)),
        "{line}"
    );

    // An invalid form clears the line.
    let broken = FormValues {
        epochs: "0".into(),
        ..fast94_form()
    };
    assert_eq!(estimate(&s.update(Input::FormChanged(broken))), "");
}

#[test]
fn auto_on_a_software_adapter_is_timed_on_the_cpu_as_the_worker_will_train() {
    let mut s = ready();
    let adapter = crate::web::protocol::AdapterInfo {
        fallback: true,
        ..Default::default()
    };
    let webgpu = Some(adapter);
    worker(
        &mut s,
        Event::Backend {
            webgpu,
            problem: None,
        },
    );
    let line = estimate(&s.update(Input::FormChanged(tutorial()))).to_string();
    assert!(line.contains("(CPU)"), "{line}");
    let asked = FormValues {
        backend: "webgpu".into(),
        ..tutorial()
    };
    let line = estimate(&s.update(Input::FormChanged(asked))).to_string();
    assert!(line.contains("(WebGPU)"), "{line}");
}
