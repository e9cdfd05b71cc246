//! The one-step self-check run before training on a GPU: the same training step, from the same
//! weights and batch, on the GPU and on the CPU backend must agree. A driver or shader-compiler
//! bug shows up here as a mismatch or a NaN instead of as a run that quietly learns nothing.

use burn::module::Module;
use burn::store::RecordError;
use burn::tensor::{Device, ExecutionError, TensorData, Transaction};

use super::parallel::{Keep, loss_function, step};
use crate::data::{ImageSet, images_to_tensor, labels_to_tensor};
use crate::model::{Architecture, Cnn, VectorLayer};
use crate::optim::OptimizerKind;

/// How far apart the two backends' numbers are, relative to their size.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParityReport {
    #[serde(with = "crate::serde_float")]
    pub loss_reference: f64,
    #[serde(with = "crate::serde_float")]
    pub loss_candidate: f64,
    /// Largest |candidate − reference| / max|reference| over the logits, the loss and the
    /// output layer's weights after one Adadelta step.
    #[serde(with = "crate::serde_float")]
    pub max_relative_difference: f64,
    pub non_finite: bool,
}

impl ParityReport {
    /// float32 kernels that sum in different orders differ around 1e-6 relative; 1e-3 leaves
    /// room for that and still catches a wrong kernel.
    pub const TOLERANCE: f64 = 1e-3;

    pub fn agrees(&self) -> bool {
        !self.non_finite && self.max_relative_difference <= Self::TOLERANCE
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ParityError {
    #[error("copying the weights to the device under test failed: {0}")]
    Weights(#[from] RecordError),
    #[error("the device failed during the self-check: {0}")]
    Device(#[from] ExecutionError),
}

/// One training step of the plain model (no dropout, so both sides compute the same thing) on
/// `reference` (the CPU backend) and on `candidate` from identical weights and `batch`. Both
/// devices must have autodiff on. Only the candidate is read asynchronously, so this runs on
/// WebGPU in the browser.
pub async fn step_parity(
    reference: &Device,
    candidate: &Device,
    batch: &ImageSet,
    seed: u64,
) -> Result<ParityReport, ParityError> {
    reference.seed(seed);
    let model = Cnn::new(&Architecture::Plain.into(), reference);
    // Records are plain host data: uploading them needs no read from the candidate device.
    let copy = Cnn::new(&Architecture::Plain.into(), candidate)
        .try_load_record(model.clone().into_record())?;
    let indices: Vec<usize> = (0..batch.len()).collect();
    let a = one_step(model, batch, &indices, reference)
        .execute_async()
        .await?;
    let b = one_step(copy, batch, &indices, candidate)
        .execute_async()
        .await?;
    let values = |d: &TensorData| crate::backend::read_f64(d);
    let mut worst = 0.0f64;
    let mut non_finite = false;
    for (x, y) in a.iter().zip(&b) {
        let (x, y) = (values(x), values(y));
        non_finite |= x.iter().chain(&y).any(|v| !v.is_finite());
        let scale = x.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
        let diff = x
            .iter()
            .zip(&y)
            .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
        worst = worst.max(diff / scale);
    }
    Ok(ParityReport {
        loss_reference: values(&a[1])[0],
        loss_candidate: values(&b[1])[0],
        max_relative_difference: if worst.is_nan() { f64::INFINITY } else { worst },
        non_finite,
    })
}

/// Logits, loss and the output layer's weights after one Adadelta step, queued for reading.
fn one_step(model: Cnn, batch: &ImageSet, indices: &[usize], device: &Device) -> Transaction {
    let shard = (
        images_to_tensor(batch, indices, device),
        labels_to_tensor(batch, indices, device),
    );
    let step = step(&model, &loss_function(0.0, device), shard, Keep::Logits);
    let kind = OptimizerKind::Adadelta;
    let stepped = kind.init(&model).step(kind.default_lr(), model, step.grads);
    let reads = Transaction::default()
        .register(step.logits.expect("kept"))
        .register(step.loss);
    match stepped.vector_layers.last() {
        Some(VectorLayer::DenseLogits(dense)) => reads.register(dense.weight.val().detach()),
        _ => reads,
    }
}
