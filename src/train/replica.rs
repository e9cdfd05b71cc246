//! Data parallelism's other side: the parts of a batch the loop hands to helpers. The loop
//! (the lead) owns the data, the optimizer and the model; each step it sends every helper
//! the model as it is now ([`ModelState`]) and a shard of the batch ([`ShardBatch`]), computes
//! its own shard meanwhile, and combines the helpers' gradients with its own (a parameter
//! server: the model is one model, updated once a step, as PyTorch's DDP keeps the first
//! replica's buffers). A helper ([`ShardWorker`]) is a pure function of what it is sent, plus
//! its dropout stream, so a run is reproducible for a given number of workers.
//!
//! Where the helpers run is a [`ShardPool`]: [`InProcess`] computes them one after another on
//! the loop's own device (the CLI's `--shards`, and the tests); the browser's lead worker has
//! one of WebAssembly workers, each its own instance on its own core.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, ExecutionError, Int, Tensor, TensorData, Transaction};

use super::shard::{GradientLayout, ShardError, ShardGradients};
use crate::data::{IMAGE_BYTES, batch_shape};
use crate::model::{Cnn, ModelSpec};

/// Every float tensor of a model in the order the model visits them (the same for every
/// model built from the same spec), and whether each trains.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelState {
    pub values: Vec<f32>,
    pub trainable: Vec<bool>,
}

/// A helper's shard of a batch: its images as the model reads them (NCHW, in [0, 1],
/// augmented) and their labels.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardBatch {
    pub images: Vec<f32>,
    pub labels: Vec<u8>,
}

/// What a helper sends back: its shard's mean-loss gradients and its part of the batch's
/// running loss and accuracy.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardResult {
    pub gradients: ShardGradients,
    /// The shard's loss summed over its images.
    pub loss_sum: f64,
    /// Its images the model classified right.
    pub correct: usize,
}

impl ModelState {
    /// The model's values, read back at once.
    pub async fn read(model: &Cnn) -> Result<Self, ExecutionError> {
        #[derive(Default)]
        struct Read {
            pieces: Vec<Tensor<1>>,
            trainable: Vec<bool>,
        }
        impl ModuleVisitor for Read {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let tensor = param.val();
                self.trainable.push(tensor.is_require_grad());
                self.pieces.push(tensor.inner().flatten(0, D - 1));
            }
        }
        let mut read = Read::default();
        model.visit(&mut read);
        let data = Transaction::default()
            .register(Tensor::cat(read.pieces, 0))
            .execute_async()
            .await?;
        let values = data
            .into_iter()
            .next()
            .expect("one tensor registered")
            .try_into_vec_as::<f32>()
            .expect("float parameters convert to f32");
        Ok(Self {
            values,
            trainable: read.trainable,
        })
    }

    /// `model` (built from the same spec) with these values and the same tensors training.
    pub fn apply(&self, model: Cnn, device: &Device) -> Result<Cnn, ShardError> {
        struct Set<'a> {
            state: &'a ModelState,
            at: usize,
            tensor: usize,
            inner: Device,
            fits: bool,
        }
        impl ModuleMapper for Set<'_> {
            fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
                let (id, tensor, mapper) = param.consume();
                let shape = tensor.shape();
                let end = self.at + shape.num_elements();
                let (Some(values), Some(&trains)) = (
                    self.state.values.get(self.at..end),
                    self.state.trainable.get(self.tensor),
                ) else {
                    self.fits = false;
                    return Param::from_mapped_value(id, tensor, mapper);
                };
                self.at = end;
                self.tensor += 1;
                let data = TensorData::new(values.to_vec(), shape);
                let value = Tensor::from_inner(Tensor::from_data(data, &self.inner));
                Param::from_mapped_value(id, value.set_require_grad(trains), mapper)
            }
        }
        let mut set = Set {
            state: self,
            at: 0,
            tensor: 0,
            inner: device.clone().inner(),
            fits: true,
        };
        let model = model.map(&mut set);
        if !set.fits || set.at != self.values.len() || set.tensor != self.trainable.len() {
            return Err(ShardError::State {
                values: self.values.len(),
                tensors: self.trainable.len(),
            });
        }
        Ok(model)
    }
}

impl ShardBatch {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

/// The loss every part of a step uses: cross-entropy, label-smoothed where the recipe says.
pub fn loss_function(label_smoothing: f64, device: &Device) -> CrossEntropyLoss {
    CrossEntropyLossConfig::new()
        .with_smoothing((label_smoothing > 0.0).then_some(label_smoothing as f32))
        .init(device)
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

    /// Forward and backward on `batch` with the model `state` describes.
    pub async fn step(
        &mut self,
        state: &ModelState,
        batch: &ShardBatch,
    ) -> Result<ShardResult, ShardError> {
        let images = batch.len();
        if images == 0 || batch.images.len() != images * IMAGE_BYTES {
            return Err(ShardError::Batch {
                values: batch.images.len(),
                labels: images,
            });
        }
        let model = self.model.take().expect("a step puts the model back");
        let model = state.apply(model, &self.device)?;
        let device = &self.device;
        let input = Tensor::from_data(
            TensorData::new(batch.images.clone(), batch_shape(images)),
            device,
        );
        let labels: Vec<i64> = batch.labels.iter().map(|&l| i64::from(l)).collect();
        let targets = Tensor::<1, Int>::from_data(TensorData::new(labels, [images]), device);
        let logits = model.forward(input);
        let loss = self.loss.forward(logits.clone(), targets.clone());
        let correct = logits.detach().argmax(1).flatten::<1>(0, 1).equal(targets);
        let loss_sum = loss.clone().detach().mul_scalar(images as f64);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let layout = GradientLayout::of(&model);
        let reads = Transaction::default()
            .register(Tensor::from_inner(layout.flat(&grads, device)))
            .register(loss_sum)
            .register(correct.int().sum());
        self.model = Some(model);
        let data = reads
            .execute_async()
            .await
            .map_err(|error| ShardError::Device(error.to_string()))?;
        let [values, loss_sum, correct] = <[TensorData; 3]>::try_from(data)
            .unwrap_or_else(|_| unreachable!("three tensors registered"));
        Ok(ShardResult {
            gradients: ShardGradients {
                values: values
                    .try_into_vec_as::<f32>()
                    .expect("float gradients convert to f32"),
                images,
            },
            loss_sum: crate::backend::read_f64(&loss_sum)[0],
            correct: crate::backend::read_f64(&correct)[0] as usize,
        })
    }
}

/// Why a step's parts could not be computed.
#[derive(Debug, thiserror::Error)]
pub enum PartsError {
    #[error(transparent)]
    Device(#[from] ExecutionError),
    #[error(transparent)]
    Shard(#[from] ShardError),
}

/// A step's gradient over the whole batch, its loss summed over the batch's images, and its
/// right answers (the sums still on the device).
pub struct StepGradients {
    pub grads: GradientsParams,
    pub loss_sum: Tensor<1>,
    pub correct: Tensor<1, Int>,
}

/// One step's gradient: `others` (if any) handed to `pool`'s helpers with the model as it is,
/// the loop's own part (`images`, `targets`) computed meanwhile, and the parts combined. With
/// no others it is the plain step: the same tensor operations as ever.
#[allow(clippy::too_many_arguments)]
pub async fn gradients_in_parts(
    model: &Cnn,
    loss_fn: &CrossEntropyLoss,
    images: Tensor<4>,
    targets: Tensor<1, Int>,
    others: Vec<ShardBatch>,
    pool: &mut impl ShardPool,
    device: &Device,
) -> Result<StepGradients, PartsError> {
    let helped = !others.is_empty();
    if helped {
        let state = ModelState::read(model).await?;
        pool.send(state, others)?;
    }
    let own = targets.dims()[0];
    let logits = model.forward(images);
    let loss = loss_fn.forward(logits.clone(), targets.clone());
    let correct = logits.detach().argmax(1).flatten::<1>(0, 1).equal(targets);
    let mut loss_sum = loss.clone().detach().mul_scalar(own as f64);
    let mut correct = correct.int().sum();
    let mut grads = GradientsParams::from_grads(loss.backward(), model);
    if helped {
        // The layout of what trains now (airbench's whitening bias stops training).
        let layout = GradientLayout::of(model);
        let values = layout.flatten(&grads, device).await;
        let helpers = pool.receive().await?;
        let mut parts = vec![ShardGradients {
            values: values?,
            images: own,
        }];
        let (mut helped_loss, mut helped_correct) = (0.0, 0);
        for result in helpers {
            helped_loss += result.loss_sum;
            helped_correct += result.correct as i64;
            parts.push(result.gradients);
        }
        let combined = layout.combine(&parts)?;
        grads = layout.unflatten(&combined, device)?;
        loss_sum =
            loss_sum + Tensor::from_data(TensorData::new(vec![helped_loss as f32], [1]), device);
        correct = correct + Tensor::from_data(TensorData::new(vec![helped_correct], [1]), device);
    }
    Ok(StepGradients {
        grads,
        loss_sum,
        correct,
    })
}

/// Where the parts of a batch beyond the loop's own are computed.
#[allow(async_fn_in_trait)]
pub trait ShardPool {
    /// Helpers besides the loop: a batch is split into up to `helpers() + 1` parts.
    fn helpers(&self) -> usize;

    /// Hands helper `i` part `i` (there may be fewer parts than helpers), with the model as
    /// it is now. Returns at once: the loop computes its own part meanwhile.
    fn send(&mut self, state: ModelState, parts: Vec<ShardBatch>) -> Result<(), ShardError>;

    /// The results of the parts sent, in the order sent.
    async fn receive(&mut self) -> Result<Vec<ShardResult>, ShardError>;
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

    fn send(&mut self, state: ModelState, parts: Vec<ShardBatch>) -> Result<(), ShardError> {
        if parts.len() > self.workers.len() {
            return Err(ShardError::TooManyParts {
                parts: parts.len(),
                helpers: self.workers.len(),
            });
        }
        self.sent = Some((state, parts));
        Ok(())
    }

    async fn receive(&mut self) -> Result<Vec<ShardResult>, ShardError> {
        let (state, parts) = self.sent.take().ok_or(ShardError::NoShards)?;
        let mut results = Vec::with_capacity(parts.len());
        for (worker, part) in self.workers.iter_mut().zip(&parts) {
            results.push(worker.step(&state, part).await?);
        }
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use futures_lite::future::block_on;

    use super::*;
    use crate::data::{Augment, augmented_values, synthetic};
    use crate::model::Architecture;
    use crate::train::Recipe;

    /// A helper built from the spec and given the lead's state holds the lead's model: the
    /// same values, the same tensors training (airbench's frozen ones included), so the
    /// same gradient layout.
    #[test]
    fn a_helper_given_the_state_has_the_leads_model() {
        let device = Device::flex().autodiff();
        let spec = ModelSpec::parse(
            "whiten 2, conv 8 3 same, batchnorm, gelu, maxpool 2, flatten, dense 10",
        )
        .unwrap();
        let set = synthetic::banded(6, 2);
        let lead = Recipe::airbench()
            .prepare(Cnn::new(&spec, &device), &set)
            .with_whitening_bias_frozen();
        let state = block_on(ModelState::read(&lead)).unwrap();
        let helper = state.apply(Cnn::new(&spec, &device), &device).unwrap();
        assert_eq!(block_on(ModelState::read(&helper)).unwrap(), state);
        assert_eq!(
            GradientLayout::of(&helper).shapes(),
            GradientLayout::of(&lead).shapes()
        );
        assert!(state.trainable.contains(&false) && state.trainable.contains(&true));
        let other = ModelSpec::parse("conv 4 3 relu, flatten, dense 10").unwrap();
        let refused = state.apply(Cnn::new(&other, &device), &device);
        assert!(matches!(refused, Err(ShardError::State { .. })));
    }

    /// A helper's gradient and loss are the loop's own for the same images.
    #[test]
    fn a_helper_computes_what_the_loop_would() {
        let device = Device::flex().autodiff();
        let spec = Architecture::Plain.into();
        let model = Cnn::new(&spec, &device);
        let set = synthetic::banded(5, 4);
        let indices: Vec<usize> = (0..5).collect();
        let batch = ShardBatch {
            images: augmented_values(&set, &indices, Augment::default(), 1, 1),
            labels: set.labels.clone(),
        };
        let mut pool = InProcess::new(1, &spec, 0.0, &device);
        let state = block_on(ModelState::read(&model)).unwrap();
        pool.send(state, vec![batch.clone()]).unwrap();
        let helped = block_on(pool.receive()).unwrap().remove(0);

        let loss_fn = loss_function(0.0, &device);
        let logits = model.forward(crate::data::images_to_tensor(&set, &indices, &device));
        let targets = crate::data::labels_to_tensor(&set, &indices, &device);
        let loss = loss_fn.forward(logits, targets);
        let own_loss = crate::backend::read_f64(&loss.clone().into_data())[0];
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let layout = GradientLayout::of(&model);
        let own = block_on(layout.flatten(&grads, &device)).unwrap();
        assert_eq!(helped.gradients.images, 5);
        assert!(
            (helped.loss_sum - own_loss * 5.0).abs() < 1e-4,
            "{helped:?}"
        );
        let worst = own
            .iter()
            .zip(&helped.gradients.values)
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
