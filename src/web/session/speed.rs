//! How long the form's run would take here: the speed a run measured on this device, or a
//! few training steps timed on request (Measure speed), turned into minutes for whatever the
//! form holds.

use super::{Command, Line, Session};
use crate::backend::BackendKind;
use crate::model::{ModelSpec, training_flops};
use crate::train::SpeedSample;
use crate::web::device::{self, Place};
use crate::web::estimate::{self, CPU_TIMING_BATCH, Measured, Speed};
use crate::web::form::FormValues;
use crate::web::format;
use crate::web::parallel::{CpuWorkers, Machine};
use crate::web::protocol::{Request, SpeedRequest, TrainRequest};

/// How fast this device trains, as far as this session has seen.
#[derive(Debug, Clone, Default)]
pub(super) struct SpeedPart {
    /// Each place's speed on each model, from its latest run or timing in this session
    /// (newest last): four CPU workers are not one.
    speeds: Vec<(Place, Speed)>,
    /// The model being timed by Measure speed.
    pub(super) timing: Option<ModelSpec>,
    /// The running run's name, place, model and training work per image, once it has
    /// started.
    pub(super) measuring: Option<(String, Place, String, f64)>,
    /// The machine, as the browser describes it: how many workers *Auto* means.
    pub(super) machine: Machine,
}

impl Session {
    /// The machine the page runs on (the page says so as it opens).
    pub fn set_machine(&mut self, machine: Machine) {
        self.speed.machine = machine;
    }

    /// Where the worker would train the form's run. A refused WebGPU run is timed as if it
    /// had WebGPU.
    fn place_for(&self, request: &TrainRequest) -> Place {
        let workers = request.workers.count(self.speed.machine);
        device::place(request.backend, self.worker.webgpu.as_ref(), workers)
    }

    /// The form's run timed at the speed its backend measured, or why it cannot be yet.
    pub(super) fn say_estimate(&self, out: &mut Vec<Command>) {
        let Some(request) = self
            .form
            .values
            .as_ref()
            .and_then(|f| f.to_request(String::new()).ok())
        else {
            return out.push(Command::Say(Line::Estimate, String::new()));
        };
        let place = self.place_for(&request);
        let model = request.config.model.to_string();
        // This model's own speed here, else the latest of another model at this place.
        let at_place = || self.speed.speeds.iter().rev().filter(|(p, _)| *p == place);
        let speed = at_place()
            .find(|(_, s)| s.model == model)
            .or_else(|| at_place().next())
            .map(|s| &s.1);
        let text = estimate::estimate_line(&request, speed, &place_name(place));
        out.push(Command::Say(Line::Estimate, text));
    }

    /// Measure speed: time the form's model on the device its run would use.
    pub(super) fn measure_speed(&mut self, form: &FormValues, out: &mut Vec<Command>) {
        if !self.controls().measure {
            return;
        }
        let request = match form.to_request(String::new()) {
            Ok(request) => request,
            Err(error) => return out.push(Command::Say(Line::Estimate, error.to_string())),
        };
        let place = self.place_for(&request);
        let backend = place.0;
        let config = request.config;
        let batch_size = match backend {
            // As many images a worker as one worker is timed on.
            BackendKind::Flex => config.batch_size.min(CPU_TIMING_BATCH * place.1),
            BackendKind::Wgpu => config.batch_size,
        };
        let text = format!(
            "Timing `{}` on this device ({}): one warm-up step{}, then a few seconds of steps \
             on {batch_size} random images…",
            config.model,
            place_name(place),
            match backend {
                BackendKind::Wgpu => " (it compiles the GPU kernels)",
                BackendKind::Flex => "",
            }
        );
        out.push(Command::Say(Line::Estimate, text));
        self.speed.timing = Some(config.model.clone());
        out.push(Command::Post(Request::MeasureSpeed(SpeedRequest {
            model: config.model,
            optimizer: config.optimizer,
            batch_size,
            backend: request.backend,
            workers: CpuWorkers::Count(place.1),
        })));
    }

    pub(super) fn speed_measured(
        &mut self,
        place: Place,
        sample: SpeedSample,
        out: &mut Vec<Command>,
    ) {
        let Some(model) = self.speed.timing.take() else {
            return;
        };
        let work = training_flops(&model);
        let measured = Measured::Steps {
            steps: sample.steps,
            batch: sample.batch_size,
        };
        let flops = sample.images_per_second * work;
        if let Some(gpu) = &sample.gpu {
            let text = format::gpu_work_line(&model.to_string(), sample.batch_size, gpu);
            out.push(Command::Say(Line::GpuWork, text));
        }
        self.remember_speed(place, model.to_string(), flops, measured);
        self.say_estimate(out);
    }

    /// The worker could not time the model (or refused to while busy).
    pub(super) fn speed_failed(&mut self, message: &str, out: &mut Vec<Command>) {
        self.speed.timing = None;
        let text = format!("Could not measure this device's speed: {message}.");
        out.push(Command::Say(Line::Estimate, text));
    }

    /// A running run's images per second, as this backend's speed in FLOP/s.
    pub(super) fn measured(&mut self, run: &str, images_per_second: f64) {
        let Some((_, place, model, flops)) = self.speed.measuring.as_ref().filter(|m| m.0 == run)
        else {
            return;
        };
        let (place, model) = (*place, model.clone());
        self.remember_speed(place, model, images_per_second * flops, Measured::InRun);
    }

    /// The latest speed of `model` at `place` (newest last).
    fn remember_speed(
        &mut self,
        place: Place,
        model: String,
        flops_per_second: f64,
        how: Measured,
    ) {
        if !flops_per_second.is_finite() || flops_per_second <= 0.0 {
            return;
        }
        self.speed
            .speeds
            .retain(|(p, s)| !(*p == place && s.model == model));
        let speed = Speed {
            flops_per_second,
            model,
            measured: how,
        };
        self.speed.speeds.push((place, speed));
    }
}

/// A place as the page names it: "WebGPU", "CPU", "CPU, 3 workers".
pub(super) fn place_name((backend, workers): Place) -> String {
    match workers {
        1 => device_name(backend).to_string(),
        n => format!("{}, {n} workers", device_name(backend)),
    }
}

/// The backend as the page names it.
pub(super) fn device_name(backend: BackendKind) -> &'static str {
    match backend {
        BackendKind::Wgpu => "WebGPU",
        BackendKind::Flex => "CPU",
    }
}
