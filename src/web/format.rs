//! The words and numbers the page shows, kept apart from the DOM so they are tested natively.

use crate::backend::BackendKind;
use crate::data::{DataSpec, ValidationSource};
use crate::model::group_thousands;
use crate::train::{BatchProgress, GpuWork, ParityReport};
use crate::web::protocol::Stage;

/// Keras' progress line: `Epoch 3/8 · 23,040/50,000 · 41 s · 1,250 img/s · loss 0.98 · acc 0.66`.
pub fn progress_line(p: &BatchProgress) -> String {
    format!(
        "Epoch {}/{} · {}/{} · {} · {} img/s · loss {:.4} · acc {:.4}",
        p.epoch,
        p.epochs,
        group_thousands(p.samples_done),
        group_thousands(p.samples_total),
        duration(p.elapsed),
        group_thousands(p.images_per_second().round() as usize),
        p.loss,
        p.acc
    )
}

/// How long a run has left, as a progress line ends: minutes are all an estimate can promise.
pub fn time_left(seconds: f64) -> String {
    match seconds {
        s if s < 60.0 => "under a minute left".into(),
        s if s < 3600.0 => format!("about {} min left", (s / 60.0).round()),
        s => format!("about {} left", duration((s / 60.0).round() * 60.0)),
    }
}

/// "passed (relative difference 3.1e-7, CPU loss 2.3026, WebGPU loss 2.3026)".
pub fn self_check_line(report: Option<ParityReport>, problem: Option<String>) -> String {
    match (report, problem) {
        (Some(r), _) => format!(
            "{} (relative difference {:.1e}, CPU loss {:.4}, WebGPU loss {:.4}{})",
            if r.agrees() { "passed" } else { "FAILED" },
            r.max_relative_difference,
            r.loss_reference,
            r.loss_candidate,
            if r.non_finite {
                ", NaN or infinite values"
            } else {
                ""
            }
        ),
        (None, Some(problem)) => format!("could not run: {problem}"),
        (None, None) => "not run".into(),
    }
}

/// The progress line while there is no progress to show yet.
pub fn stage_line(stage: Stage) -> &'static str {
    match stage {
        Stage::SelfCheck => {
            "Checking WebGPU against the CPU: compiling GPU kernels (a minute or more on a \
             software adapter)…"
        }
        Stage::FirstBatch {
            backend: BackendKind::Wgpu,
        } => "First batch on WebGPU: compiling the remaining GPU kernels…",
        Stage::FirstBatch {
            backend: BackendKind::Flex,
        } => "First batch on the CPU…",
    }
}

/// `41 s`, `2 min 05 s`, `1 h 02 min`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
    }
}

/// `12.3 / 162.6 MB · 8.1 MB/s`, or without the total while sizes are unknown.
pub fn download_line(loaded: u64, total: Option<u64>, seconds: f64) -> String {
    let mb = |b: u64| b as f64 / 1e6;
    let rate = if seconds > 0.0 {
        mb(loaded) / seconds
    } else {
        0.0
    };
    match total {
        Some(t) => format!("{:.1} / {:.1} MB · {rate:.1} MB/s", mb(loaded), mb(t)),
        None => format!("{:.1} MB · {rate:.1} MB/s", mb(loaded)),
    }
}

/// A download about to be tried again: `status` is the busy server's answer, `None` no answer.
pub fn retry_line(file: &str, status: Option<u16>, seconds: f64) -> String {
    let why = match status {
        Some(status) => format!("the server is busy (HTTP {status})"),
        None => "no answer from the server".to_string(),
    };
    format!("{file}: {why}, retrying in {seconds:.0} s…")
}

/// `212 MB`: whole megabytes, as a memory size is read at a glance.
pub fn megabytes(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// `4 B`, `36.9 kB`, `1.6 MB`, `2.31 GB`: a size, to three figures.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    let (value, unit) = match n {
        n if n < 1e3 => return format!("{n:.0} B"),
        n if n < 1e6 => (n / 1e3, "kB"),
        n if n < 1e9 => (n / 1e6, "MB"),
        n => (n / 1e9, "GB"),
    };
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {unit}")
}

/// What one training step asks of the GPU, for the Compute panel: `plain (batch 128): 123
/// dispatches and 4 buffers per step, 1.57 MB written and 8 B read back; 85 pipelines
/// compiled for the first step, none after the second; 120 MB of GPU memory`.
pub fn gpu_work_line(model: &str, batch: usize, work: &GpuWork) -> String {
    let step = work.per_step();
    let later = match work.later_pipelines() {
        0 => "none".to_string(),
        n => group_thousands(n as usize),
    };
    format!(
        "{model} (batch {batch}): {} and {} per step, {} written and {} read back; {} compiled \
         for the first step, {} for the second, {later} after it; {} of GPU memory",
        match step.dispatches {
            1 => "1 dispatch".to_string(),
            n => format!("{} dispatches", group_thousands(n as usize)),
        },
        count(step.buffers as usize, "new buffer"),
        bytes(step.bytes_written),
        bytes(step.bytes_read),
        count(work.first_step.pipelines as usize, "pipeline"),
        group_thousands(work.second_step.pipelines as usize),
        bytes(step.live_bytes),
    )
}

/// The run's default name: model and a counter, `plain #2`.
pub fn run_name(model: &str, taken: &[String]) -> String {
    (1..)
        .map(|i| {
            if i == 1 {
                model.to_string()
            } else {
                format!("{model} #{i}")
            }
        })
        .find(|name| !taken.contains(name))
        .expect("an unbounded range always finds a free name")
}

/// The base URL of the data folder: `?data=` when given, else `data/cifar-10-batches-bin/`
/// next to the page. Always ends in `/` so file names join onto it.
pub fn data_base(query_value: Option<&str>) -> String {
    let base = query_value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .unwrap_or(DEFAULT_DATA_BASE);
    if base.ends_with('/') {
        base.to_string()
    } else {
        format!("{base}/")
    }
}

pub const DEFAULT_DATA_BASE: &str = "data/cifar-10-batches-bin/";

/// `1 run`, `3 runs`, `1,024 images`.
/// The CPU device of a run in `workers` WebAssembly workers.
pub fn cpu_workers_label(workers: usize) -> String {
    match workers {
        1 => "CPU (flex WebAssembly, one worker)".into(),
        n => format!("CPU (flex WebAssembly, {n} workers, a core each)"),
    }
}

pub fn count(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{} {noun}{s}", group_thousands(n))
}

/// A message's text in pieces, `true` for a piece that was between backticks: the page shows
/// those as code rather than as raw Markdown. An unmatched backtick is kept as text.
pub fn code_spans(text: &str) -> Vec<(bool, &str)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let Some(close) = rest[open + 1..].find('`') else {
            break;
        };
        if open > 0 {
            pieces.push((false, &rest[..open]));
        }
        pieces.push((true, &rest[open + 1..open + 1 + close]));
        rest = &rest[open + 2 + close..];
    }
    if !rest.is_empty() {
        pieces.push((false, rest));
    }
    pieces
}

/// The validation set a run of these settings evaluates on, as the form says it beside its
/// Validation field and the matrix in its title: `200 of the 10,000 test images`.
pub fn validation_size(data: DataSpec) -> String {
    let (_, images) = data.cifar10_sizes();
    match data.validation {
        ValidationSource::TestBatch if images < TEST_IMAGES => format!(
            "{} of the {} test images",
            group_thousands(images),
            group_thousands(TEST_IMAGES)
        ),
        ValidationSource::TestBatch => {
            format!("the {} test images", group_thousands(images))
        }
        ValidationSource::HeldOut(_) => {
            format!("{} held-out training images", group_thousands(images))
        }
    }
}

/// CIFAR-10's test batch, one batch file.
const TEST_IMAGES: usize = crate::data::IMAGES_PER_BATCH;

/// The images a run validated on, as it counted them (a data set smaller than CIFAR-10's
/// gives fewer than the form planned): `200 test images`, `1,000 held-out images`.
pub fn validated_on(images: usize, validation: ValidationSource) -> String {
    let kind = match validation {
        ValidationSource::TestBatch => "test",
        ValidationSource::HeldOut(_) => "held-out",
    };
    format!("{} {kind} images", group_thousands(images))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_say_what_the_wait_is_for() {
        assert!(stage_line(Stage::SelfCheck).contains("compiling GPU kernels"));
        let gpu = stage_line(Stage::FirstBatch {
            backend: BackendKind::Wgpu,
        });
        assert!(gpu.contains("WebGPU") && gpu.contains("compiling"));
        assert!(
            stage_line(Stage::FirstBatch {
                backend: BackendKind::Flex
            })
            .contains("CPU")
        );
    }

    #[test]
    fn memory_reads_in_megabytes() {
        assert_eq!(megabytes(0), "0 MB");
        assert_eq!(megabytes(211_812_352), "212 MB");
    }

    #[test]
    fn backticks_become_code_pieces() {
        assert_eq!(
            code_spans("about `plain`'s work"),
            vec![(false, "about "), (true, "plain"), (false, "'s work")]
        );
        assert_eq!(code_spans("`a``b`"), vec![(true, "a"), (true, "b")]);
        assert_eq!(code_spans("no code"), vec![(false, "no code")]);
        assert_eq!(code_spans("one ` alone"), vec![(false, "one ` alone")]);
        assert!(code_spans("").is_empty());
    }

    #[test]
    fn sizes_and_a_steps_gpu_work_in_words() {
        assert_eq!(bytes(8), "8 B");
        assert_eq!(bytes(36_912), "36.9 kB");
        assert_eq!(bytes(1_572_864), "1.57 MB");
        assert_eq!(bytes(120_000_000), "120 MB");
        let counts = |dispatches, buffers, pipelines, live_bytes| crate::train::GpuCounts {
            dispatches,
            buffers,
            pipelines,
            live_bytes,
            bytes_written: 1_572_864 * dispatches / 100,
            bytes_read: 8 * dispatches / 100,
            ..Default::default()
        };
        let work = GpuWork {
            first_step: counts(150, 90, 85, 1),
            second_step: counts(100, 3, 2, 1),
            later: counts(300, 0, 0, 120_000_000),
            later_steps: 3,
            last_step: counts(100, 0, 0, 120_000_000),
        };
        assert_eq!(
            gpu_work_line("plain", 128, &work),
            "plain (batch 128): 100 dispatches and 0 new buffers per step, 1.57 MB written and \
             8 B read back; 85 pipelines compiled for the first step, 2 for the second, none \
             after it; 120 MB of GPU memory"
        );
    }

    #[test]
    fn counted_nouns_and_validation_sizes() {
        assert_eq!(count(1, "run"), "1 run");
        assert_eq!(count(3, "run"), "3 runs");
        assert_eq!(count(1024, "image"), "1,024 images");
        assert_eq!(
            validation_size(DataSpec {
                subset: Some(1_000),
                validation: ValidationSource::TestBatch
            }),
            "200 of the 10,000 test images"
        );
        assert_eq!(
            validation_size(DataSpec::TUTORIAL),
            "the 10,000 test images"
        );
        assert_eq!(
            validation_size(DataSpec {
                subset: Some(5_000),
                validation: ValidationSource::HeldOut(0.2)
            }),
            "1,000 held-out training images"
        );
        assert_eq!(
            validated_on(100, ValidationSource::TestBatch),
            "100 test images"
        );
    }

    #[test]
    fn progress_line_reads_like_keras() {
        let p = BatchProgress {
            epoch: 3,
            epochs: 8,
            batch: 180,
            batches: 391,
            samples_done: 23_040,
            samples_total: 50_000,
            elapsed: 41.2,
            loss: 0.98,
            acc: 0.66,
        };
        assert_eq!(
            progress_line(&p),
            "Epoch 3/8 · 23,040/50,000 · 41 s · 559 img/s · loss 0.9800 · acc 0.6600"
        );
    }

    #[test]
    fn time_left_is_in_minutes() {
        assert_eq!(time_left(20.0), "under a minute left");
        assert_eq!(time_left(150.0), "about 3 min left");
        assert_eq!(time_left(3600.0 * 6.5 + 20.0), "about 6 h 30 min left");
    }

    #[test]
    fn durations() {
        assert_eq!(duration(0.4), "0 s");
        assert_eq!(duration(125.0), "2 min 05 s");
        assert_eq!(duration(3720.0), "1 h 02 min");
    }

    #[test]
    fn download_lines() {
        assert_eq!(
            download_line(12_300_000, Some(162_600_000), 1.5),
            "12.3 / 162.6 MB · 8.2 MB/s"
        );
        assert_eq!(download_line(0, None, 0.0), "0.0 MB · 0.0 MB/s");
    }

    #[test]
    fn run_names_count_up() {
        assert_eq!(run_name("plain", &[]), "plain");
        let taken = vec!["plain".to_string(), "plain #2".to_string()];
        assert_eq!(run_name("plain", &taken), "plain #3");
    }

    #[test]
    fn data_base_ends_with_slash() {
        assert_eq!(data_base(None), DEFAULT_DATA_BASE);
        assert_eq!(data_base(Some("  ")), DEFAULT_DATA_BASE);
        assert_eq!(
            data_base(Some("https://x.org/cifar")),
            "https://x.org/cifar/"
        );
    }
}
