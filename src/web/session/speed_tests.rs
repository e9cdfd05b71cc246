//! The time estimate under the form: unknown until a run or Measure speed has measured this
//! device's speed, then minutes for whatever the form holds.

use super::tests::{form_is, posted, ready, said, train, worker};
use super::*;
use crate::backend::BackendKind;
use crate::model::Architecture;
use crate::train::{BatchProgress, SpeedSample, TrainConfig};
use crate::web::form::{Field, FormValues, tutorial};
use crate::web::protocol::{Event, SpeedRequest};

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
    let mut form = tutorial();
    form.set(Field::Model, "fast94");
    form.edited(Field::Model)
}

#[test]
fn the_estimate_waits_for_a_measured_speed_then_gives_minutes() {
    let mut s = ready();
    let commands = s.update(form_is(fast94_form()));
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

    let commands = s.update(form_is(fast94_form()));
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
    let mut broken = fast94_form();
    broken.set(Field::Epochs, "0");
    assert_eq!(estimate(&s.update(form_is(broken))), "");
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
            gpu_module: true,
        },
    );
    let line = estimate(&s.update(form_is(tutorial()))).to_string();
    assert!(line.contains("(CPU)"), "{line}");
    let mut asked = tutorial();
    asked.set(Field::Backend, "webgpu");
    let line = estimate(&s.update(form_is(asked))).to_string();
    assert!(line.contains("(WebGPU)"), "{line}");
}

fn timing_request(commands: &[Command]) -> &SpeedRequest {
    commands
        .iter()
        .find_map(|c| match c {
            Command::Post(Request::MeasureSpeed(r)) => Some(r),
            _ => None,
        })
        .expect("a MeasureSpeed request")
}

#[test]
fn measure_speed_times_the_form_s_model_and_the_estimate_follows() {
    let mut s = ready();
    s.update(form_is(fast94_form()));
    assert!(s.controls().measure);
    let commands = s.update(Input::MeasureSpeed(fast94_form()));
    // On the CPU, at most CPU_TIMING_BATCH images: fast94's 1,024 would take minutes a step.
    let asked = timing_request(&commands);
    assert_eq!(asked.model, Architecture::Fast94.into());
    assert_eq!(asked.optimizer, crate::optim::OptimizerKind::Nesterov);
    assert_eq!(asked.batch_size, crate::web::estimate::CPU_TIMING_BATCH);
    let line = estimate(&commands);
    assert!(
        line.starts_with("Timing `fast94` on this device (CPU)"),
        "{line}"
    );
    // One thing at a time in the worker.
    let controls = s.controls();
    assert!(!controls.train && !controls.measure && !controls.load);
    assert!(posted(&train(&mut s, "plain")).is_empty());
    assert!(posted(&s.update(Input::MeasureSpeed(fast94_form()))).is_empty());

    let sample = SpeedSample {
        gpu: None,
        batch_size: 64,
        steps: 5,
        first_step_seconds: 1.5,
        images_per_second: 100.0,
    };
    let backend = BackendKind::Flex;
    let measured = Event::SpeedMeasured {
        backend,
        sample,
        workers: 1,
    };
    let line = estimate(&worker(&mut s, measured)).to_string();
    let work = crate::model::training_flops(&Architecture::Fast94.into());
    let request = fast94_form().to_request(String::new()).unwrap();
    let hours = crate::web::estimate::run_flops(&request) / (100.0 * work) / 3600.0;
    assert!((1.0..2.0).contains(&hours), "{hours} h at 100 img/s");
    assert!(line.starts_with("About 1 h "), "{line}");
    assert!(
        line.contains(&format!(
            "at the {:.1} GFLOP/s measured just now",
            100.0 * work / 1e9
        )),
        "{line}"
    );
    assert!(
        line.ends_with("(5 steps of `fast94` on 64 images)."),
        "{line}"
    );
    assert!(s.controls().train && s.controls().measure);

    // The speed serves other models too, scaled by their work.
    let line = estimate(&s.update(form_is(tutorial()))).to_string();
    assert!(line.starts_with("About "), "{line}");
}

#[test]
fn a_failed_or_refused_timing_says_why_and_frees_the_controls() {
    let mut s = ready();
    s.update(Input::MeasureSpeed(fast94_form()));
    let message = "the device failed while timing training steps: lost".to_string();
    let line = estimate(&worker(&mut s, Event::SpeedFailed { message })).to_string();
    assert_eq!(
        line,
        "Could not measure this device's speed: the device failed while timing training steps: \
         lost."
    );
    assert!(s.controls().train && s.controls().measure);

    s.update(Input::MeasureSpeed(fast94_form()));
    let message = "busy loading the data: wait for it to finish (or press Stop)".to_string();
    let line = estimate(&worker(&mut s, Event::Refused { message })).to_string();
    assert!(
        line.starts_with("Could not measure this device's speed: busy"),
        "{line}"
    );
    assert!(s.controls().measure);

    // A worker that crashes while timing: the new one is not timing anything.
    s.update(Input::MeasureSpeed(fast94_form()));
    worker(
        &mut s,
        Event::Crashed {
            message: "trap".into(),
        },
    );
    worker(&mut s, Event::Ready);
    worker(
        &mut s,
        Event::Backend {
            webgpu: None,
            problem: None,
            gpu_module: true,
        },
    );
    assert!(s.controls().measure);
}

#[test]
fn a_broken_form_is_not_timed() {
    let mut s = ready();
    let mut broken = fast94_form();
    broken.set(Field::BatchSize, "0");
    let commands = s.update(Input::MeasureSpeed(broken));
    assert!(posted(&commands).is_empty());
    assert!(estimate(&commands).contains("batch"), "{commands:?}");
    assert!(s.controls().measure);
}

/// Four cores: Auto is four workers. Runs and timings are asked for with that count, and a
/// speed is kept for its count: one worker's speed does not time four.
#[test]
fn speeds_are_kept_for_each_count_of_cpu_workers() {
    let mut s = ready();
    s.set_machine(crate::web::parallel::Machine {
        cores: Some(4),
        ..Default::default()
    });
    let mut form = crate::web::form::tutorial();
    form.set(Field::Backend, "cpu");
    s.update(form_is(form.clone()));
    let commands = s.update(Input::MeasureSpeed(form.clone()));
    let asked = timing_request(&commands);
    assert_eq!(asked.workers, crate::web::parallel::CpuWorkers::Count(4));
    // A part of the tutorial's 128 images a worker, as one worker is timed on 64.
    assert_eq!(asked.batch_size, 128);
    let line = estimate(&commands);
    assert!(line.contains("(CPU, 4 workers)"), "{line}");
    let sample = SpeedSample {
        gpu: None,
        batch_size: 128,
        steps: 5,
        first_step_seconds: 1.0,
        images_per_second: 600.0,
    };
    let measured = Event::SpeedMeasured {
        backend: BackendKind::Flex,
        sample,
        workers: 4,
    };
    let line = estimate(&worker(&mut s, measured)).to_string();
    assert!(line.starts_with("About "), "{line}");
    assert!(line.contains("(CPU, 4 workers)"), "{line}");
    form.set(Field::CpuWorkers, "1");
    let out = s.update(form_is(form.clone()));
    let line = estimate(&out);
    assert!(line.contains("not measured yet"), "{line}");
    form.set(Field::CpuWorkers, "auto");
    let commands = train(&mut s, "plain");
    let [Request::Train(request)] = posted(&commands)[..] else {
        panic!("one train request: {commands:?}");
    };
    assert_eq!(request.workers, crate::web::parallel::CpuWorkers::Count(4));
}

#[test]
fn a_speed_is_used_for_its_own_model_first() {
    use crate::train::SpeedSample;
    let mut s = ready();
    let mut form = tutorial();
    form.set(Field::Backend, "cpu");
    s.update(form_is(form.clone()));
    s.update(Input::MeasureSpeed(form.clone()));
    let sample = |images_per_second| SpeedSample {
        gpu: None,
        batch_size: 64,
        steps: 3,
        first_step_seconds: 1.0,
        images_per_second,
    };
    worker(
        &mut s,
        Event::SpeedMeasured {
            backend: crate::backend::BackendKind::Flex,
            sample: sample(200.0),
            workers: 1,
        },
    );
    form.set(Field::Model, "fast94");
    let out = s.update(form_is(form.clone()));
    let line = said(&out, Line::Estimate).unwrap();
    assert!(line.contains("Another model's speed"), "{line}");
    s.update(Input::MeasureSpeed(form.clone()));
    worker(
        &mut s,
        Event::SpeedMeasured {
            backend: crate::backend::BackendKind::Flex,
            sample: sample(20.0),
            workers: 1,
        },
    );
    let out = s.update(form_is(form.clone()));
    let line = said(&out, Line::Estimate).unwrap();
    assert!(!line.contains("Another model"), "{line}");
    // Back to plain: its own speed again, not fast94's newer one.
    form.set(Field::Model, "plain");
    let out = s.update(form_is(form));
    let line = said(&out, Line::Estimate).unwrap();
    assert!(line.contains("steps of `plain`"), "{line}");
}
