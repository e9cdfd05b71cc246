//! "About N minutes on this device": a run's arithmetic divided by the speed this device
//! measured this session, by Measure speed (a few timed steps) or by an earlier run's first
//! batches. Before either has, the line says so and gives the model's work relative to the
//! tutorial's `plain`, never a guessed time.

use crate::model::{Architecture, ModelSpec, forward_flops, group_thousands, training_flops};
use crate::train::{BatchProgress, RunConfig, TrainConfig};
use crate::web::format;
use crate::web::protocol::TrainRequest;

/// The floating-point operations of the whole run: training, every epoch's validation, and
/// the extra five views of the last one under test-time augmentation.
pub fn run_flops(request: &TrainRequest) -> f64 {
    let config = &request.config;
    let (train, val) = request.data.cifar10_sizes();
    work_left(
        config,
        train as f64 * config.epochs as f64,
        val,
        config.epochs,
    )
}

/// Training `train_images` more images, and validating on `val` images after each of the
/// last `evaluations` epochs (the last with its extra views).
fn work_left(config: &TrainConfig, train_images: f64, val: usize, evaluations: usize) -> f64 {
    let views = if config.recipe.tta && evaluations > 0 {
        5.0
    } else {
        0.0
    };
    let validations = val as f64 * (evaluations as f64 + views);
    train_images * training_flops(&config.model) + validations * forward_flops(&config.model)
}

/// Seconds until a running run ends, at its current epoch's pace: the rest of its training
/// and its validations. None until the pace is known.
pub fn seconds_left(config: &RunConfig, progress: &BatchProgress) -> Option<f64> {
    let train = &config.train;
    let speed = progress.images_per_second() * training_flops(&train.model);
    // The run's sizes come with its start.
    if config.train_samples == 0 || !(speed.is_finite() && speed > 0.0) {
        return None;
    }
    let epochs_after = train.epochs.saturating_sub(progress.epoch);
    let in_epoch = progress.samples_total.saturating_sub(progress.samples_done);
    let images = (in_epoch + epochs_after * config.train_samples) as f64;
    let work = work_left(train, images, config.val_samples, epochs_after + 1);
    Some(work / speed)
}

/// A device's speed in FLOP/s on one model, and how it was measured. Models differ in how
/// well they use a device (fast94's batch norms and small maps run at other FLOP/s than
/// plain's dense layer), so a speed says which model it was measured on.
#[derive(Debug, Clone, PartialEq)]
pub struct Speed {
    pub flops_per_second: f64,
    /// The model it was measured on, as `ModelSpec` displays it.
    pub model: String,
    pub measured: Measured,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Measured {
    /// By the latest run of the model on this device in this session, over its batches so
    /// far.
    InRun,
    /// By timing `steps` training steps on `batch` random images.
    Steps { steps: usize, batch: usize },
}

/// Training images a speed measurement on the CPU uses at most: natively, single-threaded,
/// `fast94` trains at 101 img/s in batches of 64 and 98 in batches of 1,024, but at 84 in
/// batches of 16. A GPU is timed at the run's own batch size, which its speed depends on.
pub const CPU_TIMING_BATCH: usize = 64;

/// The line under the form. `speed` was measured on `device` (e.g. "WebGPU").
pub fn estimate_line(request: &TrainRequest, speed: Option<&Speed>, device: &str) -> String {
    let model = &request.config.model;
    match speed {
        Some(speed) if speed.flops_per_second > 0.0 => {
            let rate = speed.flops_per_second / 1e9;
            let measured_on = &speed.model;
            let how = match &speed.measured {
                Measured::InRun => format!(
                    "at the {rate:.1} GFLOP/s a run of `{measured_on}` reached here this session"
                ),
                Measured::Steps { steps, batch } => format!(
                    "at the {rate:.1} GFLOP/s measured just now ({steps} steps of \
                     `{measured_on}` on {} images)",
                    group_thousands(*batch)
                ),
            };
            let other = if *measured_on == model.to_string() {
                ""
            } else {
                " Another model's speed: press Measure speed to time this one."
            };
            format!(
                "About {} on this device ({device}), {how}.{other}",
                rounded(run_flops(request) / speed.flops_per_second)
            )
        }
        _ => {
            let plain = training_flops(&ModelSpec::preset(Architecture::Plain));
            let ratio = training_flops(model) / plain;
            format!(
                "Time on this device ({device}): not measured yet. Measure speed times a few \
                 training steps of this model (seconds); any run also measures it in its first \
                 batches. This model is {} `plain`'s work per image.",
                if ratio >= 1.05 {
                    format!("{ratio:.1}×")
                } else if ratio <= 0.95 {
                    format!("{:.0} % of", ratio * 100.0)
                } else {
                    "about".into()
                }
            )
        }
    }
}

/// Minutes above a minute, rounded to what an estimate can promise.
fn rounded(seconds: f64) -> String {
    match seconds {
        s if s < 60.0 => "a minute or less".into(),
        s if s < 3600.0 => format!("{} minutes", (s / 60.0).round().max(1.0)),
        s => format!(
            "{} ({})",
            format::duration((s / 300.0).round() * 300.0),
            "±20 %"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{DataSpec, ValidationSource};
    use crate::web::protocol::BackendChoice;

    fn request(config: TrainConfig, subset: Option<usize>) -> TrainRequest {
        TrainRequest {
            run: "r".into(),
            config,
            backend: BackendChoice::Cpu,
            data: DataSpec {
                subset,
                validation: ValidationSource::TestBatch,
            },
            workers: Default::default(),
        }
    }

    #[test]
    fn a_measured_speed_gives_minutes_and_none_gives_the_work_ratio() {
        let fast = request(TrainConfig::fast94(), None);
        let flops = run_flops(&fast);
        // Training dominates: 50,000 × 10 epochs × its training work, plus validation.
        let training = 50_000.0 * 10.0 * training_flops(&TrainConfig::fast94().model);
        assert!(flops > training && flops < 1.1 * training);
        let in_run = |flops_per_second| Speed {
            flops_per_second,
            model: "fast94".into(),
            measured: Measured::InRun,
        };
        // A device that does the run in 30 minutes.
        let line = estimate_line(&fast, Some(&in_run(flops / 1800.0)), "CPU");
        assert!(
            line.starts_with("About 30 minutes on this device (CPU)"),
            "{line}"
        );
        assert!(
            line.ends_with("a run of `fast94` reached here this session."),
            "{line}"
        );
        let timed = Speed {
            flops_per_second: flops / 7300.0,
            model: "fast94".into(),
            measured: Measured::Steps {
                steps: 4,
                batch: 1024,
            },
        };
        let line = estimate_line(&fast, Some(&timed), "WebGPU");
        assert!(line.starts_with("About 2 h 00 min (±20 %)"), "{line}");
        assert!(
            line.ends_with("measured just now (4 steps of `fast94` on 1,024 images)."),
            "{line}"
        );
        let line = estimate_line(&fast, None, "CPU");
        assert!(line.contains("not measured yet"), "{line}");
        assert!(line.contains("× `plain`'s work"), "{line}");
        let plain = request(TrainConfig::tutorial(Architecture::Plain), None);
        assert!(estimate_line(&plain, None, "CPU").contains("about `plain`'s work"));
    }

    #[test]
    fn another_models_speed_is_named_as_such() {
        let fast = request(TrainConfig::fast94(), None);
        let plains = Speed {
            flops_per_second: 1e10,
            model: "plain".into(),
            measured: Measured::InRun,
        };
        let line = estimate_line(&fast, Some(&plains), "CPU");
        assert!(line.contains("a run of `plain` reached"), "{line}");
        assert!(
            line.ends_with("Another model's speed: press Measure speed to time this one."),
            "{line}"
        );
    }

    #[test]
    fn the_time_left_counts_the_rest_of_the_training_and_the_validations() {
        let request = request(TrainConfig::fast94(), None);
        let config = RunConfig {
            train: request.config.clone(),
            train_samples: 50_000,
            val_samples: 10_000,
            data: DataSpec::TUTORIAL,
            backend: Some(crate::backend::BackendKind::Flex),
        };
        let at = |epoch, samples_done: usize| BatchProgress {
            epoch,
            epochs: 10,
            batch: 1,
            batches: 49,
            samples_done,
            samples_total: 50_000,
            // 100 images a second.
            elapsed: samples_done as f64 / 100.0,
            loss: 1.0,
            acc: 0.5,
        };
        let speed = 100.0 * training_flops(&config.train.model);
        // One image in: the whole run but that image.
        let left = seconds_left(&config, &at(1, 1)).unwrap();
        let whole = run_flops(&request) / speed;
        assert!((left - (whole - 0.01)).abs() < 1e-6, "{left} vs {whole}");
        // The last epoch's training done: its validation with the five extra views is left.
        let left = seconds_left(&config, &at(10, 50_000)).unwrap();
        let validation = 6.0 * 10_000.0 * forward_flops(&config.train.model) / speed;
        assert!((left - validation).abs() < 1e-6, "{left} vs {validation}");
        // No pace yet.
        assert_eq!(seconds_left(&config, &at(1, 0)), None);
    }
}
