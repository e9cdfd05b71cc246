//! The model as a helper is sent it every step: every float tensor's values in the order the
//! model visits them, and which of them train.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Device, ExecutionError, Tensor, TensorData, Transaction};

use super::ShardError;
use crate::model::Cnn;

/// Every float tensor of a model in the order the model visits them (the same for every
/// model built from the same spec), and whether each trains.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelState {
    pub values: Vec<f32>,
    pub trainable: Vec<bool>,
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

#[cfg(test)]
mod tests {
    use futures_lite::future::block_on;

    use super::*;
    use crate::data::synthetic;
    use crate::model::ModelSpec;
    use crate::train::Recipe;
    use crate::train::parallel::GradientLayout;

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
}
