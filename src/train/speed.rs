//! How fast a device trains a model: full training steps (forward, backward, optimizer) on
//! random images, timed after one warm-up step that compiles the kernels and allocates.
//! `cifar-lab bench` reports it; the page times a run from it before any run has measured the
//! device ("about N minutes on this device").

use burn::nn::loss::CrossEntropyLoss;
use burn::optim::ModuleOptimizer;
use burn::tensor::{Device, Int, Tensor};
use web_time::Instant;

use super::gpu_work::{GpuWork, StepMeter};
use super::parallel::{
    InProcess, Keep, ShardBatch, ShardError, ShardPool, loss_function, shards, step, step_in_shards,
};
use crate::data::{IMAGE_BYTES, NUM_CLASSES, SeededRng};
use crate::model::{Cnn, ModelSpec};
use crate::optim::OptimizerKind;

/// Training steps of one model on one fixed batch of random images and labels.
pub struct RandomSteps {
    network: Option<Cnn>,
    optimizer: ModuleOptimizer,
    lr: f64,
    loss_fn: CrossEntropyLoss,
    images: Tensor<4>,
    labels: Tensor<1, Int>,
    /// The batch as the host has it, for helpers' shards.
    batch: ShardBatch,
}

impl RandomSteps {
    /// `device` must have autodiff on. The learning rate is the optimizer's default: the
    /// numbers are never looked at, only the time they take.
    pub fn new(
        model: &ModelSpec,
        optimizer: OptimizerKind,
        batch_size: usize,
        device: &Device,
    ) -> Self {
        let network = Cnn::new(model, device);
        let mut rng = SeededRng::new(batch_size as u64);
        let batch = ShardBatch {
            images: (0..batch_size * IMAGE_BYTES)
                .map(|_| (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32)
                .collect(),
            labels: (0..batch_size)
                .map(|_| rng.below(NUM_CLASSES) as u8)
                .collect(),
        };
        let (images, labels) = batch.clone().into_tensors(device);
        Self {
            optimizer: optimizer.init(&network),
            network: Some(network),
            lr: optimizer.default_lr(),
            loss_fn: loss_function(0.0, device),
            images,
            labels,
            batch,
        }
    }

    pub fn batch_size(&self) -> usize {
        self.batch.len()
    }

    /// One step with the batch in `pool.helpers() + 1` shards, the loop's own first (as
    /// `train_in_shards` steps); its loss, still on the device (without helpers, [`Self::step`]).
    pub async fn step_in_shards(
        &mut self,
        pool: &mut impl ShardPool,
    ) -> Result<Tensor<1>, ShardError> {
        // Without helpers, the plain step: no running totals, so no more GPU work than it.
        if pool.helpers() == 0 {
            return Ok(self.step());
        }
        let network = self
            .network
            .take()
            .expect("a step always puts the network back");
        let split = shards(self.batch_size(), pool.helpers() + 1);
        let own = split[0].clone();
        let others = split[1..]
            .iter()
            .map(|range| self.batch.slice(range.clone()))
            .collect();
        let own = match split.len() {
            1 => (self.images.clone(), self.labels.clone()),
            _ => (
                self.images.clone().slice([own.clone()]),
                self.labels.clone().slice([own]),
            ),
        };
        let device = self.images.device();
        let computed = step_in_shards(&network, &self.loss_fn, own, others, pool, &device).await;
        match computed {
            Ok(step) => {
                let loss_sum = step.loss_sum();
                self.network = Some(self.optimizer.step(self.lr, network, step.grads));
                Ok(loss_sum)
            }
            Err(error) => {
                self.network = Some(network);
                Err(error)
            }
        }
    }

    /// One step; its loss, still on the device. Reading the loss back waits for the whole
    /// step, the optimizer's update included: the device runs its queue in order.
    pub fn step(&mut self) -> Tensor<1> {
        let network = self
            .network
            .take()
            .expect("a step always puts the network back");
        let batch = (self.images.clone(), self.labels.clone());
        let step = step(&network, &self.loss_fn, batch, Keep::Loss);
        self.network = Some(self.optimizer.step(self.lr, network, step.grads));
        step.loss
    }
}

/// What [`measure_speed`] found.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpeedSample {
    /// What the steps asked of the GPU, where a meter counted it (WebGPU in the browser).
    #[serde(default)]
    pub gpu: Option<Box<GpuWork>>,
    pub batch_size: usize,
    /// Timed steps, after the warm-up.
    pub steps: usize,
    /// The warm-up step: kernel compilation and first allocations included.
    pub first_step_seconds: f64,
    pub images_per_second: f64,
}

/// How long [`measure_speed`] times steps for, after its warm-up step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpeedBudget {
    pub seconds: f64,
    pub min_steps: usize,
    pub max_steps: usize,
}

impl SpeedBudget {
    /// A few seconds: enough steps that one slow step does not decide the speed.
    pub const QUICK: Self = Self {
        seconds: 3.0,
        min_steps: 2,
        max_steps: 50,
    };
}

/// One warm-up step, then steps until `budget` is spent, waiting for the device after each
/// (an asynchronous read, so this runs on WebGPU in the browser). With a `meter` (started
/// before `steps` built its model), each step's GPU work is counted too.
pub async fn measure_speed(
    steps: &mut RandomSteps,
    budget: SpeedBudget,
    meter: Option<&mut StepMeter<'_>>,
) -> Result<SpeedSample, ShardError> {
    measure_speed_in_shards(steps, budget, meter, &mut InProcess::default()).await
}

/// As [`measure_speed`], each step's batch in shards, the others computed by `pool`'s helpers.
pub async fn measure_speed_in_shards(
    steps: &mut RandomSteps,
    budget: SpeedBudget,
    mut meter: Option<&mut StepMeter<'_>>,
    pool: &mut impl ShardPool,
) -> Result<SpeedSample, ShardError> {
    let started = Instant::now();
    steps.step_in_shards(pool).await?.into_data_async().await?;
    let first_step_seconds = started.elapsed().as_secs_f64();
    if let Some(meter) = meter.as_deref_mut() {
        meter.step_done();
    }
    let timed = Instant::now();
    let mut done = 0;
    while done < budget.max_steps.max(1)
        && (done < budget.min_steps.max(1) || timed.elapsed().as_secs_f64() < budget.seconds)
    {
        steps.step_in_shards(pool).await?.into_data_async().await?;
        if let Some(meter) = meter.as_deref_mut() {
            meter.step_done();
        }
        done += 1;
    }
    let seconds = timed.elapsed().as_secs_f64();
    Ok(SpeedSample {
        gpu: meter.and_then(|meter| meter.work()).map(Box::new),
        batch_size: steps.batch_size(),
        steps: done,
        first_step_seconds,
        images_per_second: (done * steps.batch_size()) as f64 / seconds.max(1e-9),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Architecture;
    use futures_lite::future::block_on;

    fn budget(seconds: f64, min_steps: usize, max_steps: usize) -> SpeedBudget {
        SpeedBudget {
            seconds,
            min_steps,
            max_steps,
        }
    }

    fn scalar(loss: Tensor<1>) -> f64 {
        crate::backend::read_f64(&loss.into_data())[0]
    }

    #[test]
    fn a_step_trains_the_network() {
        let device = Device::flex().autodiff();
        device.seed(3);
        let mut steps =
            RandomSteps::new(&Architecture::Plain.into(), OptimizerKind::Sgd, 8, &device);
        let first = scalar(steps.step());
        let mut last = first;
        for _ in 0..10 {
            last = scalar(steps.step());
        }
        // Ten SGD steps on one fixed batch fit it better.
        assert!(first.is_finite() && last < first, "{first} → {last}");
    }

    #[test]
    fn the_budget_bounds_the_timed_steps() {
        let device = Device::flex().autodiff();
        let spec = ModelSpec::parse("conv 4 3 relu, flatten, dense 10").unwrap();
        let mut steps = RandomSteps::new(&spec, OptimizerKind::Adadelta, 4, &device);
        // No time to spend: the minimum number of steps.
        let sample = block_on(measure_speed(&mut steps, budget(0.0, 3, 50), None)).unwrap();
        assert_eq!((sample.steps, sample.batch_size), (3, 4));
        assert!(sample.images_per_second > 0.0 && sample.first_step_seconds > 0.0);
        // All the time in the world: the maximum.
        let sample = block_on(measure_speed(&mut steps, budget(1e9, 1, 5), None)).unwrap();
        assert_eq!(sample.steps, 5);
    }
}
