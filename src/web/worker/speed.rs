//! Timing the form's model on this device before any run has: a warm-up step and a few
//! seconds of steps on random images, on the device a run would use.

use std::rc::Rc;

use super::{Outbox, WebGpu, device_for};
use crate::train::{RandomSteps, SpeedBudget, measure_speed};
use crate::web::device::{DeviceDecision, decide};
use crate::web::protocol::{Event, SpeedRequest};

pub async fn measure(
    outbox: &Outbox,
    request: SpeedRequest,
    webgpu: Option<Rc<WebGpu>>,
    problem: Option<String>,
) {
    let adapter = webgpu.as_ref().map(|gpu| &gpu.adapter);
    let decision = decide(request.backend, adapter, problem.as_deref());
    if let DeviceDecision::Refuse(message) = decision {
        return outbox.post(&Event::SpeedFailed { message });
    }
    let (backend, device) = device_for(&decision, webgpu.as_ref());
    let mut steps = RandomSteps::new(
        &request.model,
        request.optimizer,
        request.batch_size,
        &device,
    );
    let event = match measure_speed(&mut steps, SpeedBudget::QUICK).await {
        Ok(sample) => Event::SpeedMeasured { backend, sample },
        Err(error) => Event::SpeedFailed {
            message: format!("the device failed while timing training steps: {error}"),
        },
    };
    outbox.post(&event);
}
