//! How long the form's run would take here (a part of the session): the speed a run measured
//! on this device, or a few training steps timed on request (Measure speed), turned into
//! minutes for whatever the form holds.

use super::{Command, Line, Session};
use crate::backend::BackendKind;
use crate::model::{ModelSpec, training_flops};
use crate::train::SpeedSample;
use crate::web::device::{self, Place};
use crate::web::estimate::{self, CPU_TIMING_BATCH, Measured, Speed};
use crate::web::form::FormValues;
use crate::web::format;
use crate::web::parallel::{CpuWorkers, Machine};
use crate::web::protocol::AdapterInfo;
use crate::web::protocol::{Request, SpeedRequest, TrainRequest};

/// How fast this device trains, as far as this session has seen: a part of the session with
/// its own state and [`SpeedPart::update`].
#[derive(Debug, Clone, Default)]
pub(super) struct SpeedPart {
    /// Each place's speed on each model, from its latest run or timing in this session
    /// (newest last): four CPU workers are not one.
    speeds: Vec<(Place, Speed)>,
    /// The model being timed by Measure speed.
    timing: Option<ModelSpec>,
    /// The running run's name, place, model and training work per image, once it has
    /// started.
    measuring: Option<(String, Place, String, f64)>,
    /// The machine, as the browser describes it: how many workers *Auto* means.
    machine: Machine,
}

/// What happens to the device's speeds.
pub(super) enum SpeedMsg {
    /// The page described the machine.
    Machine(Machine),
    /// Measure speed was pressed (and is allowed): time the form's run (`request`).
    Measure(TrainRequest),
    /// The worker timed the model at `place`.
    Measured { place: Place, sample: SpeedSample },
    /// The worker could not time the model (or refused to while busy).
    Failed(String),
    /// A run started at `place`: its images per second are this place's speed too.
    RunStarted {
        run: String,
        place: Place,
        model: ModelSpec,
    },
    /// A run's images per second.
    RunRate { run: String, images_per_second: f64 },
    /// The worker restarted: a timing under way will not answer.
    WorkerLost,
    /// Say the form's estimate again (the form, the adapter or a speed changed).
    Estimate,
}

/// What the speed part reads of the rest of the session.
pub(super) struct SpeedContext<'a> {
    /// The form's run, where the form is valid.
    pub request: Option<TrainRequest>,
    /// The WebGPU adapter the worker reported.
    pub adapter: Option<&'a AdapterInfo>,
}

impl SpeedPart {
    pub(super) fn update(&mut self, msg: SpeedMsg, context: &SpeedContext) -> Vec<Command> {
        let mut out = Vec::new();
        match msg {
            SpeedMsg::Machine(machine) => self.machine = machine,
            SpeedMsg::Measure(request) => self.measure(request, context, &mut out),
            SpeedMsg::Measured { place, sample } => {
                let Some(model) = self.timing.take() else {
                    return out;
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
                self.remember(place, model.to_string(), flops, measured);
                self.say_estimate(context, &mut out);
            }
            SpeedMsg::Failed(message) => {
                self.timing = None;
                let text = format!("Could not measure this device's speed: {message}.");
                out.push(Command::Say(Line::Estimate, text));
            }
            SpeedMsg::RunStarted { run, place, model } => {
                let work = training_flops(&model);
                self.measuring = Some((run, place, model.to_string(), work));
            }
            SpeedMsg::RunRate {
                run,
                images_per_second,
            } => {
                let Some((_, place, model, flops)) = self.measuring.as_ref().filter(|m| m.0 == run)
                else {
                    return out;
                };
                let (place, model, flops) = (*place, model.clone(), *flops);
                self.remember(place, model, images_per_second * flops, Measured::InRun);
            }
            SpeedMsg::WorkerLost => self.timing = None,
            SpeedMsg::Estimate => self.say_estimate(context, &mut out),
        }
        out
    }

    /// Measure speed is timing a model.
    pub(super) fn timing(&self) -> bool {
        self.timing.is_some()
    }

    /// The machine the page runs on.
    pub(super) fn machine(&self) -> Machine {
        self.machine
    }

    /// Where the worker would train `request`.
    fn place_for(&self, request: &TrainRequest, context: &SpeedContext) -> Place {
        let workers = request.workers.count(self.machine);
        device::place(request.backend, context.adapter, workers)
    }

    /// The form's run timed at the speed its backend measured, or why it cannot be yet.
    fn say_estimate(&self, context: &SpeedContext, out: &mut Vec<Command>) {
        let Some(request) = &context.request else {
            return out.push(Command::Say(Line::Estimate, String::new()));
        };
        let place = self.place_for(request, context);
        let model = request.config.model.to_string();
        // This model's own speed here, else the latest of another model at this place.
        let at_place = || self.speeds.iter().rev().filter(|(p, _)| *p == place);
        let speed = at_place()
            .find(|(_, s)| s.model == model)
            .or_else(|| at_place().next())
            .map(|s| &s.1);
        let text = estimate::estimate_line(request, speed, &place_name(place));
        out.push(Command::Say(Line::Estimate, text));
    }

    /// Measure speed: time the form's model on the device its run would use.
    fn measure(&mut self, request: TrainRequest, context: &SpeedContext, out: &mut Vec<Command>) {
        let place = self.place_for(&request, context);
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
        self.timing = Some(config.model.clone());
        out.push(Command::Post(Request::MeasureSpeed(SpeedRequest {
            model: config.model,
            optimizer: config.optimizer,
            batch_size,
            backend: request.backend,
            workers: CpuWorkers::Count(place.1),
        })));
    }

    /// The latest speed of `model` at `place` (newest last).
    fn remember(&mut self, place: Place, model: String, flops_per_second: f64, how: Measured) {
        if !flops_per_second.is_finite() || flops_per_second <= 0.0 {
            return;
        }
        self.speeds
            .retain(|(p, s)| !(*p == place && s.model == model));
        let speed = Speed {
            flops_per_second,
            model,
            measured: how,
        };
        self.speeds.push((place, speed));
    }
}

impl Session {
    /// The machine the page runs on (the page says so as it opens).
    pub fn set_machine(&mut self, machine: Machine) {
        self.update_speed(SpeedMsg::Machine(machine), &mut Vec::new());
    }

    /// Hands the speed part `msg`, with the form's run and the worker's adapter.
    pub(super) fn update_speed(&mut self, msg: SpeedMsg, out: &mut Vec<Command>) {
        let context = SpeedContext {
            request: self
                .form
                .values()
                .and_then(|f| f.to_request(String::new()).ok()),
            adapter: self.worker.webgpu(),
        };
        out.extend(self.speed.update(msg, &context));
    }

    /// The form's estimate, said again.
    pub(super) fn say_estimate(&mut self, out: &mut Vec<Command>) {
        self.update_speed(SpeedMsg::Estimate, out);
    }

    /// Measure speed was pressed.
    pub(super) fn measure_speed(&mut self, form: &FormValues, out: &mut Vec<Command>) {
        if !self.controls().measure {
            return;
        }
        match form.to_request(String::new()) {
            Ok(request) => self.update_speed(SpeedMsg::Measure(request), out),
            Err(error) => out.push(Command::Say(Line::Estimate, error.to_string())),
        }
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
