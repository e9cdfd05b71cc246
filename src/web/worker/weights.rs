//! Weights in and out of the worker: a file's weights evaluated on the validation set without
//! training (then kept like a run's model), and a kept model's weights saved.

use std::rc::Rc;

use burn::tensor::Device;
use wasm_bindgen_futures::JsFuture;

use std::cell::RefCell;

use super::kept::{KeptModel, keep};
use super::{Outbox, Worker, js_message};
use crate::data::{Cifar10, Splits};
use crate::eval::RunMetrics;
use crate::eval::evaluate;
use crate::history::History;
use crate::model::weights_to_bytes;
use crate::model::{MAX_PARAMS, MAX_WEIGHTS_FILE_BYTES, check_evaluation, weights_from_bytes_any};
use crate::web::protocol::{Event, WeightsFile};

/// Images a batch when a file's weights are evaluated (and checked to fit, as training is).
const EVALUATION_BATCH: usize = 128;

/// `Request::LoadWeights`: the weights in `file` evaluated on the device a run on `backend`
/// would use (the CPU where WebGPU would be refused: evaluating needs no WebGPU), then kept
/// like a trained run's model.
pub(super) async fn answer_load(
    worker: &Rc<RefCell<Worker>>,
    outbox: &Outbox,
    file: Option<web_sys::File>,
    request: WeightsFile,
) {
    let (data, gpu) = {
        let w = worker.borrow();
        (w.data.clone(), w.gpu.clone())
    };
    let Some(data) = data else {
        let message = "load the data set before evaluating weights".to_string();
        return outbox.post(&Event::Refused { message });
    };
    let Some(file) = file else {
        let message = "the weights file did not reach the worker".to_string();
        return outbox.post(&Event::Refused { message });
    };
    worker.borrow_mut().busy = Some("evaluating weights");
    let (_, device) = gpu.device_for(&gpu.choose(request.backend));
    let loaded = evaluate_file(&data, &file, &request, &device).await;
    let run = request.run;
    worker.borrow_mut().busy = None;
    match loaded {
        Ok(trained) => {
            outbox.post(&Event::Evaluated {
                run: run.clone(),
                model: trained.spec.clone(),
                val_images: trained.validation.len(),
                metrics: RunMetrics::new(&trained.evaluation, &History::default(), &data.classes),
                confidence: trained.confidence(),
            });
            keep(worker, outbox, run, trained);
        }
        Err(message) => outbox.post(&Event::Refused { message }),
    }
}

/// `Request::SaveWeights`: a kept run's weights, as a burnpack file's bytes.
pub(super) async fn answer_save(worker: &Rc<RefCell<Worker>>, outbox: &Outbox, run: String) {
    let trained = worker.borrow_mut().models.get(&run).cloned();
    let Some(trained) = trained else {
        let message = format!("the model of `{run}` is not in this session any more");
        return outbox.post(&Event::Refused { message });
    };
    match weights_to_bytes(&trained.model, &trained.spec).await {
        Ok(bytes) => outbox.post_with_bytes(
            &Event::Weights {
                run,
                model: trained.spec.clone(),
            },
            &bytes,
        ),
        Err(error) => outbox.post(&Event::Refused {
            message: error.to_string(),
        }),
    }
}

/// Reads `file` (refusing one far larger than any model's weights), finds which
/// model its weights fit (`request.model` first) and evaluates them. Errors are the
/// page's message.
async fn evaluate_file(
    data: &Rc<Cifar10>,
    file: &web_sys::File,
    request: &WeightsFile,
    device: &Device,
) -> Result<KeptModel, String> {
    let file_name = &request.file_name;
    let size = file.size() as u64;
    if size > MAX_WEIGHTS_FILE_BYTES {
        return Err(format!(
            "{file_name}: {size} bytes is more than the weights of the largest model cifar-lab \
             trains ({MAX_PARAMS} parameters, {MAX_WEIGHTS_FILE_BYTES} bytes); pick the .bpk or .safetensors \
             file of a model cifar-lab can train"
        ));
    }
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| format!("{file_name}: could not be read ({})", js_message(&e)))?;
    let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
    let (spec, model) = weights_from_bytes_any(&request.model, file_name, bytes, device)
        .map_err(|e| e.to_string())?;
    let splits = Splits::new(&data.train, &data.test, request.data, request.seed)
        .map_err(|e| e.to_string())?;
    check_evaluation(file_name, &spec, EVALUATION_BATCH).map_err(|e| e.to_string())?;
    let evaluation = evaluate(&model, &splits.validation, EVALUATION_BATCH, device)
        .await
        .map_err(|e| format!("evaluating {file_name} failed on the device: {e}"))?;
    let validation = splits
        .validation_picked
        .ok_or_else(|| format!("{file_name}: the validation images were not found"))?;
    Ok(KeptModel {
        device: device.clone(),
        tta: false,
        model,
        spec,
        data: data.clone(),
        validation,
        evaluation,
    })
}
