//! Times training steps (forward, backward, optimizer) on random data and reports the median
//! images per second, the time to the first step and the peak memory: the numbers
//! performance work moves. `--all` measures every model on every backend, each in a fresh
//! process (so the peak memory is that run's), and prints one Markdown table.

use std::process::Command;
use std::time::Instant;

use cifar_lab::backend::BackendKind;
use cifar_lab::data::{read_regular, write_regular};
use cifar_lab::model::{Architecture, ModelSpec};
use cifar_lab::report::RUN_FILE_LIMIT;
use cifar_lab::train::RandomSteps;
use futures_lite::future::block_on;
use serde::{Deserialize, Serialize};

use super::CliError;
use super::args::BenchArgs;

/// One model on one backend.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchResult {
    /// A preset's name or a layer list.
    pub model: ModelSpec,
    /// `flex`, `wgpu`, or a peer framework's name and version.
    pub backend: String,
    pub batch_size: usize,
    /// Device opened and model built → first training step finished (kernel compilation,
    /// autotuning and allocation included).
    pub first_step_seconds: f64,
    /// Median over the timed runs.
    pub images_per_second: f64,
    /// The process's peak resident memory, where the OS tells it (Linux); for the page, the
    /// worker's WebAssembly memory.
    pub peak_rss_mib: Option<f64>,
    /// What the first step is made of, in order (`["device", 0.4]`, `["self-check", 31.0]`…),
    /// where it was measured.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub first_step_parts: Vec<(String, f64)>,
}

pub fn run(args: BenchArgs) -> Result<(), CliError> {
    if args.all {
        return run_all(&args);
    }
    let result = measure(&args, args.model.clone(), args.backend, !args.json)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&result).expect("plain data serializes")
        );
    } else {
        println!("median: {:.1} img/s", result.images_per_second);
    }
    Ok(())
}

fn measure(
    args: &BenchArgs,
    model: ModelSpec,
    backend: BackendKind,
    verbose: bool,
) -> Result<BenchResult, CliError> {
    let say = |line: String| {
        if verbose {
            println!("{line}");
        }
    };
    let started = Instant::now();
    let device = block_on(backend.init())?;
    let opened_seconds = started.elapsed().as_secs_f64();
    device.seed(0);
    let n = args.batch_size;
    let mut steps = RandomSteps::new(&model, args.optimizer, n, &device);
    let mut step = || drop(steps.step());
    say(format!(
        "bench: `{model}` on {backend}, batch {n}, {} warm-up steps, {} runs of {} steps",
        args.warmup, args.runs, args.steps
    ));
    step();
    device.sync()?;
    let first_step_seconds = started.elapsed().as_secs_f64();
    say(format!("  first step: {first_step_seconds:.2}s"));
    for _ in 1..args.warmup {
        step();
    }
    device.sync()?;
    let mut rates = Vec::new();
    for run in 1..=args.runs.max(1) {
        let started = Instant::now();
        for _ in 0..args.steps.max(1) {
            step();
        }
        device.sync()?;
        let seconds = started.elapsed().as_secs_f64();
        let rate = (args.steps.max(1) * n) as f64 / seconds;
        say(format!(
            "  run {run}: {rate:.1} img/s ({:.0} ms/batch)",
            seconds * 1e3 / args.steps.max(1) as f64
        ));
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    Ok(BenchResult {
        model,
        backend: backend.name().into(),
        batch_size: n,
        first_step_seconds,
        images_per_second: rates[rates.len() / 2],
        peak_rss_mib: peak_rss_mib(),
        first_step_parts: vec![
            ("device".into(), opened_seconds),
            // Model built, kernels compiled (and tuned), the step run.
            ("step".into(), first_step_seconds - opened_seconds),
        ],
    })
}

/// `VmHWM` from `/proc/self/status`: the most memory this process has held.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn run_all(args: &BenchArgs) -> Result<(), CliError> {
    let exe = std::env::current_exe().map_err(|source| CliError::Io {
        path: "the running executable".into(),
        source,
    })?;
    let backends: &[BackendKind] = if args.skip_wgpu {
        &[BackendKind::Flex]
    } else {
        &[BackendKind::Flex, BackendKind::Wgpu]
    };
    let mut rows = Vec::new();
    for &backend in backends {
        // On wgpu the tutorial's three: without a GPU (lavapipe) `fast94` alone would take
        // longer than all the rest.
        let models: &[Architecture] = match backend {
            BackendKind::Flex => &Architecture::ALL,
            _ => &Architecture::TUTORIAL,
        };
        for &model in models {
            eprintln!("bench: {model} on {backend}…");
            let output = Command::new(&exe)
                .args(["bench", "--json", "--model", model.name(), "--backend"])
                .arg(backend.name())
                .args(["--batch-size", &args.batch_size.to_string()])
                .args(["--warmup", &args.warmup.to_string()])
                .args(["--steps", &args.steps.to_string()])
                .args(["--runs", &args.runs.to_string()])
                .args(["--optimizer", args.optimizer.name()])
                .output()
                .map_err(|source| CliError::Io {
                    path: exe.display().to_string(),
                    source,
                })?;
            let stdout = String::from_utf8_lossy(&output.stdout);
            let parsed = stdout
                .lines()
                .rev()
                .find_map(|l| serde_json::from_str(l).ok());
            rows.push(match parsed {
                Some(result) => Row::Measured(result),
                None => Row::Failed {
                    model,
                    backend,
                    why: last_error_line(&output.stderr),
                },
            });
        }
    }
    if let Some(path) = &args.peers {
        let bytes = read_regular(path, RUN_FILE_LIMIT)?;
        let text = String::from_utf8_lossy(&bytes);
        rows.extend(
            text.lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .map(Row::Measured),
        );
    }
    let table = markdown_table(&rows);
    println!("{table}");
    if let Some(path) = &args.markdown {
        write_regular(path, table.as_bytes())?;
    }
    Ok(())
}

/// The line of a failed run's standard error that says why (`error: …`), or its last line.
fn last_error_line(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines
        .iter()
        .find(|l| l.starts_with("error:"))
        .or(lines.last())
        .map(|l| l.to_string())
        .unwrap_or_else(|| "no output".into())
}

pub enum Row {
    Measured(BenchResult),
    Failed {
        model: Architecture,
        backend: BackendKind,
        why: String,
    },
}

impl Row {
    fn is_of(&self, model: Architecture) -> bool {
        match self {
            Row::Measured(r) => r.model.as_preset() == Some(model),
            Row::Failed { model: m, .. } => *m == model,
        }
    }
}

/// `0.30` alone, or with its parts where the first step is slow enough for them to matter:
/// `41.2 (device 0.4 · self-check 30.1 · step 10.7)`.
fn first_step(r: &BenchResult) -> String {
    let total = format!("{:.2}", r.first_step_seconds);
    if r.first_step_seconds < 1.0 || r.first_step_parts.is_empty() {
        return total;
    }
    let parts: Vec<String> = r
        .first_step_parts
        .iter()
        .map(|(name, seconds)| format!("{name} {seconds:.1}"))
        .collect();
    format!("{total} ({})", parts.join(" · "))
}

/// One table, grouped by model; each speed also as a ratio to cifar-lab's CPU backend on the
/// same model, the number that survives a noisy machine.
pub fn markdown_table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| model | backend | img/s (median) | × flex | first step (s) | peak memory (MiB) |\n\
         |---|---|---:|---:|---:|---:|\n",
    );
    for model in Architecture::ALL {
        let rows: Vec<&Row> = rows.iter().filter(|r| r.is_of(model)).collect();
        let flex = rows.iter().find_map(|r| match r {
            Row::Measured(r) if r.backend == BackendKind::Flex.name() => Some(r.images_per_second),
            _ => None,
        });
        for row in rows {
            out += &match row {
                Row::Measured(r) => format!(
                    "| {model} | {} | {:.0} | {} | {} | {} |\n",
                    r.backend,
                    r.images_per_second,
                    flex.map_or("–".into(), |f| format!("{:.2}", r.images_per_second / f)),
                    first_step(r),
                    r.peak_rss_mib.map_or("–".into(), |m| format!("{m:.0}")),
                ),
                Row::Failed { backend, why, .. } => {
                    format!("| {model} | {backend} | failed: {why} | – | – | – |\n")
                }
            };
        }
    }
    out
}
