//! A shard's gradients as one flat `f32` array (what a helper sends back, a single
//! read-back), and the shards' arrays combined into the whole batch's gradient, which the
//! lead then applies with one optimizer step.
//!
//! The loss is a mean over its images, so the batch's gradient is the shards' gradients
//! weighted by their share of the batch: `g = Σ (nᵢ / n) · gᵢ`. It is exact up to float
//! rounding for models without batch norm, whose statistics are per shard.

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, ExecutionError, Shape, Tensor, TensorData};

use super::ShardError;
use crate::model::Cnn;

/// Where each trainable parameter's gradient sits in a shard's flat array: the model's
/// parameters that train, in the order the model visits them (the same in every worker that
/// holds the same model).
#[derive(Debug, Clone, PartialEq)]
pub struct GradientLayout {
    params: Vec<(ParamId, Vec<usize>)>,
    len: usize,
}

/// A shard's part of a step as it leaves its worker: its mean-loss gradients as one flat
/// array (in the model's [`GradientLayout`]), its images, and its loss and right answers.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardGradients {
    pub values: Vec<f32>,
    pub images: usize,
    /// The shard's loss summed over its images.
    pub loss_sum: f64,
    /// Its images the model classified right.
    pub correct: usize,
}

impl GradientLayout {
    pub fn of(model: &Cnn) -> Self {
        #[derive(Default)]
        struct Trainable(Vec<(ParamId, Vec<usize>)>);
        impl ModuleVisitor for Trainable {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let tensor = param.val();
                if tensor.is_require_grad() {
                    self.0.push((param.id, tensor.dims().to_vec()));
                }
            }
        }
        let mut trainable = Trainable::default();
        model.visit(&mut trainable);
        let len = trainable
            .0
            .iter()
            .map(|(_, s)| s.iter().product::<usize>())
            .sum();
        Self {
            params: trainable.0,
            len,
        }
    }

    /// Values in a flat array: the model's trainable parameter count.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The trainable parameters' shapes, in order (their ids differ from model to model).
    pub fn shapes(&self) -> Vec<&[usize]> {
        self.params
            .iter()
            .map(|(_, shape)| shape.as_slice())
            .collect()
    }

    /// `grads` as one flat array in this layout (zeros for a parameter without a gradient),
    /// read back once.
    pub async fn flatten(
        &self,
        grads: &GradientsParams,
        device: &Device,
    ) -> Result<Vec<f32>, ExecutionError> {
        if self.params.is_empty() {
            return Ok(Vec::new());
        }
        let data = self.flat(grads, device).into_data_async().await?;
        Ok(data
            .try_into_vec_as::<f32>()
            .expect("float gradients convert to f32"))
    }

    /// `grads` as one flat tensor in this layout, not yet read back (a layout without
    /// parameters gives an empty tensor).
    pub fn flat(&self, grads: &GradientsParams, device: &Device) -> Tensor<1> {
        let inner = device.clone().inner();
        let pieces: Vec<Tensor<1>> = self
            .params
            .iter()
            .map(|(id, shape)| {
                let numel = shape.iter().product::<usize>();
                flat_grad(grads, *id, shape.len()).unwrap_or_else(|| Tensor::zeros([numel], &inner))
            })
            .collect();
        if pieces.is_empty() {
            return Tensor::zeros([0], &inner);
        }
        Tensor::cat(pieces, 0)
    }

    /// A flat array in this layout as gradients to hand the optimizer, on `device`.
    pub fn unflatten(&self, flat: &[f32], device: &Device) -> Result<GradientsParams, ShardError> {
        if flat.len() != self.len {
            return Err(ShardError::Length {
                got: flat.len(),
                expected: self.len,
            });
        }
        let inner = device.clone().inner();
        let mut grads = GradientsParams::new();
        let mut start = 0;
        for (id, shape) in &self.params {
            let numel = shape.iter().product::<usize>();
            let values = flat[start..start + numel].to_vec();
            start += numel;
            let tensor = Tensor::<1>::from_data(TensorData::new(values, [numel]), &inner);
            register(&mut grads, *id, tensor, shape);
        }
        Ok(grads)
    }

    /// The whole batch's mean-loss gradient from its shards' flat arrays and image counts
    /// (each weighted by its share of the images), summed in the order given: every worker
    /// combining the same shards gets the same bits.
    pub fn combine<'a>(
        &self,
        shards: impl IntoIterator<Item = (&'a [f32], usize)> + Clone,
    ) -> Result<Vec<f32>, ShardError> {
        let images: usize = shards.clone().into_iter().map(|(_, n)| n).sum();
        if images == 0 {
            return Err(ShardError::NoShards);
        }
        let mut total = vec![0.0f32; self.len];
        for (values, count) in shards {
            if values.len() != self.len {
                return Err(ShardError::Length {
                    got: values.len(),
                    expected: self.len,
                });
            }
            let weight = count as f32 / images as f32;
            for (sum, value) in total.iter_mut().zip(values) {
                *sum += weight * value;
            }
        }
        Ok(total)
    }
}

/// A parameter's gradient flattened, whatever its rank.
fn flat_grad(grads: &GradientsParams, id: ParamId, rank: usize) -> Option<Tensor<1>> {
    match rank {
        1 => grads.get::<1>(id),
        2 => grads.get::<2>(id).map(|g| g.flatten(0, 1)),
        3 => grads.get::<3>(id).map(|g| g.flatten(0, 2)),
        4 => grads.get::<4>(id).map(|g| g.flatten(0, 3)),
        _ => None,
    }
}

/// `flat` shaped as the parameter and registered as its gradient.
fn register(grads: &mut GradientsParams, id: ParamId, flat: Tensor<1>, shape: &[usize]) {
    let shape = Shape::from(shape.to_vec());
    match shape.num_dims() {
        1 => grads.register::<1>(id, flat),
        2 => grads.register::<2>(id, flat.reshape(shape)),
        3 => grads.register::<3>(id, flat.reshape(shape)),
        4 => grads.register::<4>(id, flat.reshape(shape)),
        rank => unreachable!("cifar-lab's layers have parameters of rank 1 to 4, not {rank}"),
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use futures_lite::future::block_on;

    use super::*;
    use crate::data::{ImageSet, images_to_tensor, labels_to_tensor, synthetic};
    use crate::model::ModelSpec;
    use crate::optim::OptimizerKind;
    use crate::train::parallel::{Keep, loss_function, shards, step};

    /// A model without dropout or batch norm: its batch gradient is its shards' exactly.
    fn model(device: &Device) -> Cnn {
        let spec = ModelSpec::parse("conv 4 3 relu, maxpool 2, conv 6 3 relu, flatten, dense 10");
        Cnn::new(&spec.unwrap(), device)
    }

    fn grads(
        model: &Cnn,
        set: &ImageSet,
        images: Range<usize>,
        device: &Device,
    ) -> GradientsParams {
        let indices: Vec<usize> = images.collect();
        let shard = (
            images_to_tensor(set, &indices, device),
            labels_to_tensor(set, &indices, device),
        );
        step(model, &loss_function(0.0, device), shard, Keep::Loss).grads
    }

    fn values(model: &Cnn) -> Vec<f32> {
        #[derive(Default)]
        struct Values(Vec<f32>);
        impl ModuleVisitor for Values {
            fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
                let data = param.val().into_data();
                self.0.extend(data.try_into_vec_as::<f32>().unwrap());
            }
        }
        let mut values = Values::default();
        model.visit(&mut values);
        values.0
    }

    fn assert_close(a: &[f32], b: &[f32], what: &str) {
        assert_eq!(a.len(), b.len(), "{what}");
        let scale = a.iter().fold(0f32, |m, v| m.max(v.abs()));
        let worst = a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
        assert!(
            worst <= 1e-5 * scale.max(1.0),
            "{what}: off by {worst} (largest {scale})"
        );
    }

    /// What every worker applies is what one worker would have computed for the whole batch.
    #[test]
    fn the_shards_gradients_combine_into_the_batchs() {
        let device = Device::flex().autodiff();
        let model = model(&device);
        let layout = GradientLayout::of(&model);
        assert_eq!(layout.len(), model.trainable_params());
        let set = synthetic::banded(13, 3);
        let whole = block_on(layout.flatten(&grads(&model, &set, 0..13, &device), &device));
        let whole = whole.unwrap();
        assert!(whole.iter().any(|g| *g != 0.0), "a gradient to compare");
        for workers in [1, 2, 3, 4] {
            let shard_grads: Vec<(Vec<f32>, usize)> = shards(13, workers)
                .into_iter()
                .map(|range| {
                    let grads = grads(&model, &set, range.clone(), &device);
                    (
                        block_on(layout.flatten(&grads, &device)).unwrap(),
                        range.len(),
                    )
                })
                .collect();
            let combined = layout
                .combine(shard_grads.iter().map(|(v, n)| (v.as_slice(), *n)))
                .unwrap();
            assert_close(&combined, &whole, &format!("{workers} workers"));
        }
    }

    /// The flat array carries everything the optimizer needs: a step with it is the step
    /// with the gradients themselves.
    #[test]
    fn a_step_from_the_flat_array_is_the_same_step() {
        let device = Device::flex().autodiff();
        let model = model(&device);
        let layout = GradientLayout::of(&model);
        let set = synthetic::banded(8, 4);
        let direct = grads(&model, &set, 0..8, &device);
        let flat = block_on(layout.flatten(&direct, &device)).unwrap();
        let rebuilt = layout.unflatten(&flat, &device).unwrap();
        let mut a = OptimizerKind::Adadelta.init(&model);
        let mut b = OptimizerKind::Adadelta.init(&model);
        let stepped = a.step(1.0, model.clone(), direct);
        let from_flat = b.step(1.0, model.clone(), rebuilt);
        assert_ne!(
            values(&stepped),
            values(&model),
            "the step changed the model"
        );
        assert_close(&values(&from_flat), &values(&stepped), "after one step");
    }

    #[test]
    fn wrong_lengths_and_no_shards_are_refused() {
        let device = Device::flex().autodiff();
        let layout = GradientLayout::of(&model(&device));
        let short = vec![0.0; layout.len() - 1];
        let refused = layout.combine([(short.as_slice(), 4)]);
        assert!(
            matches!(refused, Err(ShardError::Length { got, expected })
                if got == layout.len() - 1 && expected == layout.len()),
            "{refused:?}"
        );
        assert!(layout.unflatten(&short, &device).is_err());
        let none: [(&[f32], usize); 0] = [];
        assert!(matches!(layout.combine(none), Err(ShardError::NoShards)));
    }
}
