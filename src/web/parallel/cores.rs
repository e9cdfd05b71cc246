//! How many WebAssembly workers train a run on the CPU: the form's choice, and what *Auto*
//! makes of the machine the browser describes.

use serde::{Deserialize, Serialize};

/// The most workers the form offers (`#cpu-workers`).
pub const MAX_CPU_WORKERS: usize = 16;

/// Memory a worker is counted with when the browser tells the device's memory: the
/// module, its model and a shard's activations, with room (a `plain` worker peaks near 200 MB).
const GB_PER_WORKER: f64 = 0.5;

/// How many workers train a run on the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CpuWorkers {
    /// As many as the machine offers (see [`Machine::auto_workers`]).
    #[default]
    Auto,
    Count(usize),
}

impl CpuWorkers {
    /// The form's value: `auto` (or empty, as links made before the field) or 1 to
    /// [`MAX_CPU_WORKERS`].
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "auto" | "" => Ok(Self::Auto),
            n => match n.parse::<usize>() {
                Ok(n) if (1..=MAX_CPU_WORKERS).contains(&n) => Ok(Self::Count(n)),
                _ => Err(format!("`{n}` is not auto or 1 to {MAX_CPU_WORKERS}")),
            },
        }
    }

    /// The workers on `machine`.
    pub fn count(self, machine: Machine) -> usize {
        match self {
            Self::Auto => machine.auto_workers(),
            Self::Count(n) => n.clamp(1, MAX_CPU_WORKERS),
        }
    }
}

/// What the browser says about the machine.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Machine {
    /// `navigator.hardwareConcurrency`: logical cores.
    pub cores: Option<usize>,
    /// `navigator.deviceMemory` (Chromium only; rounded, at most 8): gigabytes.
    pub memory_gb: Option<f64>,
    /// The engine reports cores in buckets (see [`reports_cores_in_buckets`]).
    pub cores_in_buckets: bool,
}

/// Whether the browser of `user_agent` runs WebKit, which says 4 cores for any machine under
/// 8 and 8 for any above, against fingerprinting (Safari, and every browser on iOS; WebKitGTK
/// said 4 on a 2-core machine). Chromium's agents also name AppleWebKit, with Chrome after it.
pub fn reports_cores_in_buckets(user_agent: &str) -> bool {
    user_agent.contains("AppleWebKit/") && !user_agent.contains("Chrome/")
}

/// Workers when WebKit's "4" stands for anything from 1 to 7 cores: two train 1.6–1.9× faster
/// than one even on 2 cores (docs/BENCHMARKS.md, every core in the page), and leave a machine
/// with more cores room for the page.
const WORKERS_UNDER_EIGHT_IN_BUCKETS: usize = 2;

impl Machine {
    /// A worker on every core, no more than the memory holds, at least one. The page stays
    /// responsive with every core training: on 2 cores, two workers against one left a hover's
    /// answer within a frame and no frame dropped (`benches/responsiveness.rs`,
    /// docs/BENCHMARKS.md). WebKit's "4" is read as [`WORKERS_UNDER_EIGHT_IN_BUCKETS`].
    pub fn auto_workers(self) -> usize {
        let cores = match self.cores {
            Some(n) if self.cores_in_buckets && n < 8 => WORKERS_UNDER_EIGHT_IN_BUCKETS,
            n => n.unwrap_or(1),
        };
        let memory = self
            .memory_gb
            .filter(|gb| gb.is_finite() && *gb > 0.0)
            .map_or(usize::MAX, |gb| (gb / GB_PER_WORKER) as usize);
        cores.min(memory).clamp(1, MAX_CPU_WORKERS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_takes_every_core_the_memory_holds() {
        let machine = |cores, memory_gb| Machine {
            cores,
            memory_gb,
            cores_in_buckets: false,
        };
        assert_eq!(machine(Some(8), None).auto_workers(), 8);
        assert_eq!(machine(Some(2), None).auto_workers(), 2);
        assert_eq!(machine(Some(1), None).auto_workers(), 1);
        assert_eq!(machine(Some(0), None).auto_workers(), 1);
        assert_eq!(machine(None, None).auto_workers(), 1);
        assert_eq!(machine(Some(64), Some(8.0)).auto_workers(), MAX_CPU_WORKERS);
        assert_eq!(machine(Some(16), Some(2.0)).auto_workers(), 4);
        assert_eq!(machine(Some(16), Some(0.25)).auto_workers(), 1);
        assert_eq!(machine(Some(4), Some(f64::NAN)).auto_workers(), 4);
    }

    #[test]
    fn webkits_four_cores_mean_two_workers() {
        let safari = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/18.1 Safari/605.1.15";
        let webkitgtk = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64) AppleWebKit/605.1.15 \
                         (KHTML, like Gecko) Version/18.0 Safari/605.1.15";
        let chromium = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                        Chrome/131.0.0.0 Safari/537.36";
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert!(reports_cores_in_buckets(safari));
        assert!(reports_cores_in_buckets(webkitgtk));
        assert!(!reports_cores_in_buckets(chromium));
        assert!(!reports_cores_in_buckets(firefox));
        let webkit = |cores| Machine {
            cores: Some(cores),
            memory_gb: None,
            cores_in_buckets: true,
        };
        // WebKitGTK on a 2-core machine said 4: Auto was 3 workers.
        assert_eq!(webkit(4).auto_workers(), 2);
        assert_eq!(webkit(2).auto_workers(), 2);
        assert_eq!(webkit(8).auto_workers(), 8);
    }

    #[test]
    fn the_form_offers_auto_and_one_to_the_maximum() {
        assert_eq!(CpuWorkers::parse("auto"), Ok(CpuWorkers::Auto));
        assert_eq!(CpuWorkers::parse(""), Ok(CpuWorkers::Auto));
        assert_eq!(CpuWorkers::parse(" 3 "), Ok(CpuWorkers::Count(3)));
        for bad in ["0", "17", "two", "-1"] {
            let error = CpuWorkers::parse(bad).unwrap_err();
            assert!(error.contains("not auto or 1 to 16"), "{error}");
        }
        let eight = Machine {
            cores: Some(8),
            ..Machine::default()
        };
        assert_eq!(CpuWorkers::Count(3).count(eight), 3);
        assert_eq!(CpuWorkers::Auto.count(eight), 8);
    }
}
