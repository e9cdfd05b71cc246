//! What a training step asks of the GPU, counted at the WebGPU API (`www/gpu_meter.js` wraps
//! `createComputePipeline*`, `dispatchWorkgroups*`, `createBuffer`, `writeBuffer`,
//! `mapAsync`, … in the worker, and under Deno for `scripts/gpu-bench`). On a real GPU each
//! dispatch costs tens of microseconds and each pipeline a shader compilation before the first
//! step, so these counts decide the speed and the wait; they are the same on a software adapter
//! as on a GPU, so they can be measured and held in tests anywhere.

use serde::{Deserialize, Serialize};

/// Running totals since the meter was installed (or, from [`GpuCounts::since`], the work
/// between two readings). `live_bytes` is a level, not a total: the GPU memory held in buffers
/// (created minus destroyed) at the later reading.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GpuCounts {
    /// Compute pipelines created: each is a shader compiled by the browser's WebGPU.
    pub pipelines: u64,
    pub shader_modules: u64,
    /// `dispatchWorkgroups` and `dispatchWorkgroupsIndirect` calls: kernel launches.
    pub dispatches: u64,
    pub submits: u64,
    pub buffers: u64,
    /// Bytes of the buffers created.
    pub buffer_bytes: u64,
    /// `queue.writeBuffer` calls and their bytes: uploads from the CPU.
    pub writes: u64,
    pub bytes_written: u64,
    /// `mapAsync` for reading and the bytes mapped: read-backs to the CPU.
    pub reads: u64,
    pub bytes_read: u64,
    /// Bytes in buffers that exist (created, not destroyed).
    pub live_bytes: u64,
}

impl GpuCounts {
    /// The work done from `earlier` to `self` (both readings of the same meter).
    pub fn since(&self, earlier: &GpuCounts) -> GpuCounts {
        GpuCounts {
            pipelines: self.pipelines.saturating_sub(earlier.pipelines),
            shader_modules: self.shader_modules.saturating_sub(earlier.shader_modules),
            dispatches: self.dispatches.saturating_sub(earlier.dispatches),
            submits: self.submits.saturating_sub(earlier.submits),
            buffers: self.buffers.saturating_sub(earlier.buffers),
            buffer_bytes: self.buffer_bytes.saturating_sub(earlier.buffer_bytes),
            writes: self.writes.saturating_sub(earlier.writes),
            bytes_written: self.bytes_written.saturating_sub(earlier.bytes_written),
            reads: self.reads.saturating_sub(earlier.reads),
            bytes_read: self.bytes_read.saturating_sub(earlier.bytes_read),
            live_bytes: self.live_bytes,
        }
    }

    /// The sum of two stretches of work (`live_bytes`: the later one's).
    fn plus(&self, later: &GpuCounts) -> GpuCounts {
        GpuCounts {
            pipelines: self.pipelines + later.pipelines,
            shader_modules: self.shader_modules + later.shader_modules,
            dispatches: self.dispatches + later.dispatches,
            submits: self.submits + later.submits,
            buffers: self.buffers + later.buffers,
            buffer_bytes: self.buffer_bytes + later.buffer_bytes,
            writes: self.writes + later.writes,
            bytes_written: self.bytes_written + later.bytes_written,
            reads: self.reads + later.reads,
            bytes_read: self.bytes_read + later.bytes_read,
            live_bytes: later.live_bytes,
        }
    }
}

/// Reads a meter's running totals.
pub type ReadMeter<'a> = &'a dyn Fn() -> GpuCounts;

/// Cuts a meter's totals into steps: started before the model is built, so that the kernels
/// its initialisation compiles count towards the first step's wait.
pub struct StepMeter<'a> {
    read: ReadMeter<'a>,
    last: GpuCounts,
    steps: Vec<GpuCounts>,
}

impl<'a> StepMeter<'a> {
    pub fn start(read: ReadMeter<'a>) -> Self {
        Self {
            last: read(),
            read,
            steps: Vec::new(),
        }
    }

    /// Ends a step: the work since the previous one ended (or since the start).
    pub fn step_done(&mut self) {
        let now = (self.read)();
        self.steps.push(now.since(&self.last));
        self.last = now;
    }

    /// Each step's work so far, in order.
    pub fn steps(&self) -> &[GpuCounts] {
        &self.steps
    }

    pub fn work(&self) -> Option<GpuWork> {
        GpuWork::from_steps(&self.steps)
    }
}

/// A training step's GPU work: the first step (with the model's creation), the second, the
/// steps after it together, and the last one (steady state: the same work every step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GpuWork {
    /// From creating the model to the end of the first step: `pipelines` is what is compiled
    /// before training shows its first batch.
    pub first_step: GpuCounts,
    pub second_step: GpuCounts,
    /// All the steps after the second, summed; `later_steps` of them.
    pub later: GpuCounts,
    pub later_steps: u64,
    /// The last step: what every step costs once nothing is new.
    pub last_step: GpuCounts,
}

impl GpuWork {
    /// From each step's counts, in order; `None` without a step after the second.
    pub fn from_steps(steps: &[GpuCounts]) -> Option<GpuWork> {
        let [first, second, rest @ ..] = steps else {
            return None;
        };
        let (last, earlier) = rest.split_last()?;
        let later = earlier
            .iter()
            .rev()
            .fold(*last, |sum, step| step.plus(&sum));
        Some(GpuWork {
            first_step: *first,
            second_step: *second,
            later,
            later_steps: rest.len() as u64,
            last_step: *last,
        })
    }

    /// One step's work in steady state (`live_bytes`: the GPU memory held after it).
    pub fn per_step(&self) -> GpuCounts {
        self.last_step
    }

    /// Pipelines created after the second step: a steady step should compile nothing.
    pub fn later_pipelines(&self) -> u64 {
        self.later.pipelines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn counts(dispatches: u64, pipelines: u64, live_bytes: u64) -> GpuCounts {
        GpuCounts {
            dispatches,
            pipelines,
            live_bytes,
            ..GpuCounts::default()
        }
    }

    #[test]
    fn steps_are_cut_from_running_totals() {
        // A fake meter: the totals after the model, then after each of five steps.
        let totals = [
            counts(0, 0, 0),
            counts(150, 40, 100),
            counts(250, 42, 120),
            counts(350, 42, 120),
            counts(450, 42, 130),
            counts(550, 42, 130),
        ];
        let at = Cell::new(0);
        let read = || {
            let t = totals[at.get()];
            at.set(at.get() + 1);
            t
        };
        let mut meter = StepMeter::start(&read);
        for _ in 0..5 {
            meter.step_done();
        }
        let work = meter.work().unwrap();
        assert_eq!(work.first_step, counts(150, 40, 100));
        assert_eq!(work.second_step, counts(100, 2, 120));
        assert_eq!(work.later_steps, 3);
        assert_eq!(work.later, counts(300, 0, 130));
        assert_eq!(work.per_step(), counts(100, 0, 130));
        assert_eq!(work.later_pipelines(), 0);
    }

    #[test]
    fn two_steps_have_no_steady_state() {
        assert_eq!(GpuWork::from_steps(&[counts(1, 1, 0); 2]), None);
        let work = GpuWork::from_steps(&[counts(9, 1, 0), counts(5, 0, 0), counts(4, 1, 0)]);
        assert_eq!(work.unwrap().later_pipelines(), 1);
    }
}
