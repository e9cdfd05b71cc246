//! Timing the form's model on this device before any run has: a warm-up step and a few
//! seconds of steps on random images, on the device a run would use.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::{Outbox, Worker};
use crate::backend::BackendKind;
use crate::train::{RandomSteps, SpeedBudget, StepMeter, measure_speed, measure_speed_in_shards};
use crate::web::device::DeviceDecision;
use crate::web::device::webgpu::Gpu;
use crate::web::js::gpu_meter;
use crate::web::parallel::{HELPER_SCRIPT, Helpers, Machine};
use crate::web::protocol::{Event, SpeedRequest};

/// `Request::MeasureSpeed`: times the form's model where a run of it would train.
pub(super) async fn answer(worker: &Rc<RefCell<Worker>>, outbox: &Outbox, request: SpeedRequest) {
    let gpu = worker.borrow().gpu.clone();
    worker.borrow_mut().busy = Some("timing this device");
    let decision = gpu.choose(request.backend);
    measure(outbox, request, decision, &gpu).await;
    worker.borrow_mut().busy = None;
}

/// Times `request`'s model on the device `decision` names in `gpu`'s worker.
async fn measure(outbox: &Outbox, request: SpeedRequest, decision: DeviceDecision, gpu: &Gpu) {
    if let DeviceDecision::Refuse(message) = decision {
        return outbox.post(&Event::SpeedFailed { message });
    }
    let (backend, device) = gpu.device_for(&decision);
    // On WebGPU each step's work is counted too (shown under Compute).
    let read = gpu_meter::read;
    let mut meter = (backend == BackendKind::Wgpu).then(|| StepMeter::start(&read));
    // Counted, at least five steps: the third still compiles a few fused kernels, and the
    // steady state (the last step) is what a run pays per batch.
    let budget = match meter {
        Some(_) => SpeedBudget {
            min_steps: 4,
            ..SpeedBudget::QUICK
        },
        None => SpeedBudget::QUICK,
    };
    let mut steps = RandomSteps::new(
        &request.model,
        request.optimizer,
        request.batch_size,
        &device,
    );
    // The CPU is timed with the workers a run would have (WebGPU trains in one).
    let workers = match backend {
        BackendKind::Flex => request.workers.count(Machine::default()),
        BackendKind::Wgpu => 1,
    };
    let timed = if workers > 1 {
        let memory = Rc::new(Cell::new(0));
        match Helpers::start(HELPER_SCRIPT, workers - 1, &request.model, 0.0, 0, memory).await {
            Ok(mut helpers) => {
                measure_speed_in_shards(&mut steps, budget, meter.as_mut(), &mut helpers).await
            }
            Err(error) => Err(error),
        }
    } else {
        measure_speed(&mut steps, budget, meter.as_mut()).await
    };
    let event = match timed {
        Ok(sample) => Event::SpeedMeasured {
            backend,
            sample,
            workers,
        },
        Err(error) => Event::SpeedFailed {
            message: format!("timing training steps failed: {error}"),
        },
    };
    outbox.post(&event);
}
