//! "About N minutes on this device": a run's arithmetic divided by the speed this device
//! measured in an earlier run of the session. Before any run has measured it, the line says
//! so and gives the model's work relative to the tutorial's `plain`, never a guessed time.

use crate::data::ValidationSource;
use crate::model::{Architecture, ModelSpec, forward_flops, group_thousands, training_flops};
use crate::web::format;
use crate::web::protocol::TrainRequest;

/// CIFAR-10's sizes: the training batches and the test batch.
const TRAIN_IMAGES: usize = 50_000;
const TEST_IMAGES: usize = 10_000;

/// Training and validation images of a run, as `Splits::new` will make them.
pub fn run_sizes(subset: Option<usize>, validation: ValidationSource) -> (usize, usize) {
    let pool = subset.unwrap_or(TRAIN_IMAGES).min(TRAIN_IMAGES);
    match validation {
        ValidationSource::HeldOut(fraction) => {
            let held = (pool as f64 * fraction).round() as usize;
            (pool - held, held)
        }
        ValidationSource::TestBatch => {
            let val = subset.map_or(TEST_IMAGES, |n| (n / 5).min(TEST_IMAGES));
            (pool, val)
        }
    }
}

/// The floating-point operations of the whole run: training, every epoch's validation, and
/// the extra five views of the last one under test-time augmentation.
pub fn run_flops(request: &TrainRequest) -> f64 {
    let config = &request.config;
    let (train, val) = run_sizes(request.subset, request.validation);
    let epochs = config.epochs as f64;
    let views = if config.recipe.tta { 5.0 } else { 0.0 };
    let forward = forward_flops(&config.model);
    train as f64 * epochs * training_flops(&config.model) + val as f64 * (epochs + views) * forward
}

/// A device's speed in FLOP/s, and how it was measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Speed {
    pub flops_per_second: f64,
    pub measured: Measured,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Measured {
    /// By the latest run on this device in this session, over its batches so far.
    InRun,
    /// By timing `steps` training steps of `model` on `batch` random images.
    Steps {
        model: String,
        steps: usize,
        batch: usize,
    },
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
            let how = match &speed.measured {
                Measured::InRun => {
                    format!("at the {rate:.1} GFLOP/s it measured in this session's last run here")
                }
                Measured::Steps {
                    model,
                    steps,
                    batch,
                } => format!(
                    "at the {rate:.1} GFLOP/s measured just now ({steps} steps of `{model}` on \
                     {} images)",
                    group_thousands(*batch)
                ),
            };
            format!(
                "About {} on this device ({device}), {how}.",
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
    use crate::train::TrainConfig;
    use crate::web::protocol::BackendChoice;

    fn request(config: TrainConfig, subset: Option<usize>) -> TrainRequest {
        TrainRequest {
            run: "r".into(),
            config,
            backend: BackendChoice::Cpu,
            subset,
            validation: ValidationSource::TestBatch,
        }
    }

    #[test]
    fn sizes_follow_the_splits_rules() {
        assert_eq!(
            run_sizes(None, ValidationSource::TestBatch),
            (50_000, 10_000)
        );
        assert_eq!(
            run_sizes(Some(5_000), ValidationSource::TestBatch),
            (5_000, 1_000)
        );
        assert_eq!(
            run_sizes(None, ValidationSource::HeldOut(0.1)),
            (45_000, 5_000)
        );
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
            measured: Measured::InRun,
        };
        // A device that does the run in 30 minutes.
        let line = estimate_line(&fast, Some(&in_run(flops / 1800.0)), "CPU");
        assert!(
            line.starts_with("About 30 minutes on this device (CPU)"),
            "{line}"
        );
        assert!(line.ends_with("in this session's last run here."), "{line}");
        let timed = Speed {
            flops_per_second: flops / 7300.0,
            measured: Measured::Steps {
                model: "fast94".into(),
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
}
