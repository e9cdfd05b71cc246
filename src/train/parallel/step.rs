//! The training step's arithmetic, written once: a shard's forward, loss and backward
//! ([`step`]), and the lead's step over a whole batch with the other shards computed
//! elsewhere ([`step_in_shards`]). The loop, the helpers, Measure speed, `bench` and the GPU
//! self-check all step through here.

use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::{GradientLayout, ModelState, ShardBatch, ShardError, ShardPool};
use crate::model::Cnn;

/// The loss every shard of a step uses: cross-entropy, label-smoothed where the recipe says.
pub fn loss_function(label_smoothing: f64, device: &Device) -> CrossEntropyLoss {
    CrossEntropyLossConfig::new()
        .with_smoothing((label_smoothing > 0.0).then_some(label_smoothing as f32))
        .init(device)
}

/// What a step keeps of its forward pass besides the loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The logits, to count the right answers (training) or compare them (the self-check).
    Logits,
    /// The loss alone (a timed step): it holds nothing a plain training step does not, so
    /// Measure speed times, and counts the GPU work of, exactly that step.
    Loss,
}

/// A step's gradients with its loss and right answers, the tensors still on the device (so
/// nothing waits for it until they are read).
pub struct Step {
    /// The mean-loss gradient over every image of the step.
    pub grads: GradientsParams,
    /// The mean loss of the images computed here.
    pub loss: Tensor<1>,
    /// Their logits, where the step kept them ([`Keep::Logits`]).
    pub logits: Option<Tensor<2>>,
    targets: Tensor<1, Int>,
    /// What other workers' shards added: their loss summed over their images, their right
    /// answers.
    others: Option<(f64, usize)>,
}

/// Forward, loss and backward of `model` on `images` and their `targets`, keeping `keep`.
pub fn step(
    model: &Cnn,
    loss_fn: &CrossEntropyLoss,
    (images, targets): (Tensor<4>, Tensor<1, Int>),
    keep: Keep,
) -> Step {
    let logits = model.forward(images);
    let (loss, logits) = match keep {
        Keep::Logits => (
            loss_fn.forward(logits.clone(), targets.clone()),
            Some(logits.detach()),
        ),
        Keep::Loss => (loss_fn.forward(logits, targets.clone()), None),
    };
    let grads = GradientsParams::from_grads(loss.backward(), model);
    Step {
        grads,
        loss: loss.detach(),
        logits,
        targets,
        others: None,
    }
}

impl Step {
    /// The images computed here.
    pub fn images(&self) -> usize {
        self.targets.dims()[0]
    }

    /// The loss summed over every image of the step.
    pub fn loss_sum(&self) -> Tensor<1> {
        let own = self.loss.clone().mul_scalar(self.images() as f64);
        match self.others {
            None => own,
            Some((loss_sum, _)) => own + self.scalar(loss_sum as f32),
        }
    }

    /// The step's images the model classified right (of a step that kept its logits).
    pub fn correct(&self) -> Tensor<1, Int> {
        let own = self
            .logits
            .clone()
            .expect("a step that counts right answers keeps its logits")
            .argmax(1)
            .flatten::<1>(0, 1)
            .equal(self.targets.clone())
            .int()
            .sum();
        match self.others {
            None => own,
            Some((_, correct)) => {
                let data = TensorData::new(vec![correct as i64], [1]);
                own + Tensor::from_data(data, &self.targets.device())
            }
        }
    }

    fn scalar(&self, value: f32) -> Tensor<1> {
        Tensor::from_data(TensorData::new(vec![value], [1]), &self.loss.device())
    }
}

/// The lead's step over a whole batch: `others` (if any) handed to `pool` with the model as it
/// is, the lead's `own` shard (images, targets) computed meanwhile, and the shards' gradients
/// combined. With no others it is [`step`] alone: the same tensor operations.
pub async fn step_in_shards(
    model: &Cnn,
    loss_fn: &CrossEntropyLoss,
    own: (Tensor<4>, Tensor<1, Int>),
    others: Vec<ShardBatch>,
    pool: &mut impl ShardPool,
    device: &Device,
) -> Result<Step, ShardError> {
    if others.is_empty() {
        return Ok(step(model, loss_fn, own, Keep::Logits));
    }
    pool.send(ModelState::read(model).await?, others)?;
    let mut own = step(model, loss_fn, own, Keep::Logits);
    // The layout of what trains now (airbench's whitening bias stops training).
    let layout = GradientLayout::of(model);
    let values = layout.flatten(&own.grads, device).await?;
    let helped = pool.receive().await?;
    let shards = std::iter::once((values.as_slice(), own.images()))
        .chain(helped.iter().map(|h| (h.values.as_slice(), h.images)));
    own.grads = layout.unflatten(&layout.combine(shards)?, device)?;
    own.others = Some(
        helped
            .iter()
            .fold((0.0, 0), |(l, c), h| (l + h.loss_sum, c + h.correct)),
    );
    Ok(own)
}
