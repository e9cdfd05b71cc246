//! Where the shards of a batch beyond the lead's own are computed: the [`ShardPool`] trait,
//! a pool's worker ([`ShardWorker`]), and [`InProcess`], a pool on the loop's own device.

use burn::nn::loss::CrossEntropyLoss;
use burn::tensor::{Device, Tensor, TensorData, Transaction};

use super::{GradientLayout, ModelState, ShardBatch, ShardError, ShardGradients};
use super::{Keep, loss_function, step};
use crate::model::{Cnn, ModelSpec};

/// Where the shards of a batch beyond the loop's own are computed.
#[allow(async_fn_in_trait)]
pub trait ShardPool {
    /// Helpers besides the loop: a batch is split into up to `helpers() + 1` shards.
    fn helpers(&self) -> usize;

    /// Hands helper `i` shard `i` (there may be fewer shards than helpers), with the model as
    /// it is now. Returns at once: the loop computes its own shard meanwhile.
    fn send(&mut self, state: ModelState, shards: Vec<ShardBatch>) -> Result<(), ShardError>;

    /// The shards' gradients, in the order sent.
    async fn receive(&mut self) -> Result<Vec<ShardGradients>, ShardError>;

    /// The refusal of `shards` shards for this pool's helpers, if there are too many.
    fn check_count(&self, shards: usize) -> Result<(), ShardError> {
        match shards > self.helpers() {
            true => Err(ShardError::TooManyShards {
                shards,
                helpers: self.helpers(),
            }),
            false => Ok(()),
        }
    }
}

/// A helper: its own copy of the model (the lead's values are set into it every step), the
/// run's loss, and the device it computes on.
pub struct ShardWorker {
    model: Option<Cnn>,
    loss: CrossEntropyLoss,
    device: Device,
}

impl ShardWorker {
    /// `device` must have autodiff on.
    pub fn new(spec: &ModelSpec, label_smoothing: f64, device: &Device) -> Self {
        Self {
            model: Some(Cnn::new(spec, device)),
            loss: loss_function(label_smoothing, device),
            device: device.clone(),
        }
    }

    /// [`step`] on `batch` with the model `state` describes, read back at once.
    pub async fn step(
        &mut self,
        state: &ModelState,
        batch: &ShardBatch,
    ) -> Result<ShardGradients, ShardError> {
        if !batch.is_whole() {
            return Err(ShardError::Batch {
                values: batch.images.len(),
                labels: batch.len(),
            });
        }
        let model = self.model.take().expect("a step puts the model back");
        let model = state.apply(model, &self.device)?;
        let shard = batch.clone().into_tensors(&self.device);
        let computed = step(&model, &self.loss, shard, Keep::Logits);
        let layout = GradientLayout::of(&model);
        let reads = Transaction::default()
            .register(Tensor::from_inner(
                layout.flat(&computed.grads, &self.device),
            ))
            .register(computed.loss_sum())
            .register(computed.correct());
        self.model = Some(model);
        let data = reads.execute_async().await?;
        let [values, loss_sum, correct] = <[TensorData; 3]>::try_from(data)
            .unwrap_or_else(|_| unreachable!("three tensors registered"));
        Ok(ShardGradients {
            values: values
                .try_into_vec_as::<f32>()
                .expect("float gradients convert to f32"),
            images: batch.len(),
            loss_sum: crate::backend::read_f64(&loss_sum)[0],
            correct: crate::backend::read_f64(&correct)[0] as usize,
        })
    }
}

/// Helpers on the loop's own device, one after another: the same arithmetic as workers on
/// other cores, without their speed. The default has none.
#[derive(Default)]
pub struct InProcess {
    workers: Vec<ShardWorker>,
    sent: Option<(ModelState, Vec<ShardBatch>)>,
}

impl InProcess {
    pub fn new(helpers: usize, spec: &ModelSpec, label_smoothing: f64, device: &Device) -> Self {
        Self {
            workers: (0..helpers)
                .map(|_| ShardWorker::new(spec, label_smoothing, device))
                .collect(),
            sent: None,
        }
    }
}

impl ShardPool for InProcess {
    fn helpers(&self) -> usize {
        self.workers.len()
    }

    fn send(&mut self, state: ModelState, shards: Vec<ShardBatch>) -> Result<(), ShardError> {
        self.check_count(shards.len())?;
        self.sent = Some((state, shards));
        Ok(())
    }

    async fn receive(&mut self) -> Result<Vec<ShardGradients>, ShardError> {
        let (state, shards) = self.sent.take().ok_or(ShardError::NoShards)?;
        let mut results = Vec::with_capacity(shards.len());
        for (worker, shard) in self.workers.iter_mut().zip(&shards) {
            results.push(worker.step(&state, shard).await?);
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use futures_lite::future::block_on;

    use super::*;
    use crate::data::{Augment, synthetic};
    use crate::model::Architecture;

    /// A helper's gradient and loss are the loop's own for the same images.
    #[test]
    fn a_helper_computes_what_the_loop_would() {
        let device = Device::flex().autodiff();
        let spec = Architecture::Plain.into();
        let model = Cnn::new(&spec, &device);
        let set = synthetic::banded(5, 4);
        let indices: Vec<usize> = (0..5).collect();
        let batch = ShardBatch::of(&set, &indices, Augment::default(), 1, 1);
        let mut pool = InProcess::new(1, &spec, 0.0, &device);
        let state = block_on(ModelState::read(&model)).unwrap();
        pool.send(state, vec![batch.clone()]).unwrap();
        let helped = block_on(pool.receive()).unwrap().remove(0);

        let own = step(
            &model,
            &loss_function(0.0, &device),
            batch.clone().into_tensors(&device),
            Keep::Loss,
        );
        let own_loss = crate::backend::read_f64(&own.loss.clone().into_data())[0];
        let layout = GradientLayout::of(&model);
        let own = block_on(layout.flatten(&own.grads, &device)).unwrap();
        assert_eq!(helped.images, 5);
        assert!(
            (helped.loss_sum - own_loss * 5.0).abs() < 1e-4,
            "{helped:?}"
        );
        let worst = own
            .iter()
            .zip(&helped.values)
            .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(worst < 1e-6, "off by {worst}");

        let short = ShardBatch {
            images: vec![0.0; 7],
            labels: vec![1],
        };
        let mut worker = ShardWorker::new(&spec, 0.0, &device);
        let state = block_on(ModelState::read(&model)).unwrap();
        assert!(matches!(
            block_on(worker.step(&state, &short)),
            Err(ShardError::Batch { .. })
        ));
    }
}
