//! The models (shapes, parameter counts, init, dropout, batch norm's modes) and Adadelta against values
//! worked by hand.

use crate::common::take_turn;
use burn::module::{Module, Param};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use cifar_lab::model::{
    Architecture, Cnn, ModelSpec, Summary, WeightsError, weights_from_bytes_any, weights_to_bytes,
};
use cifar_lab::optim::AdadeltaConfig;

fn device() -> Device {
    Device::flex().autodiff()
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_into_vec_as::<f32>().unwrap()
}

#[test]
fn parameter_counts_are_the_tutorials() {
    let _turn = take_turn();
    let device = device();
    let expected = [
        (Architecture::Plain, 1_626_442),
        (Architecture::Dropout, 1_626_442),
        (Architecture::Deeper, 1_250_858),
    ];
    for (arch, params) in expected {
        let model = Cnn::new(&arch.into(), &device);
        assert_eq!(model.num_params(), params, "{arch}");
        assert_eq!(Summary::new(&arch.into()).total_params, params, "{arch}");
    }
}

#[test]
fn every_model_maps_images_to_ten_logits() {
    let _turn = take_turn();
    let device = device();
    for arch in Architecture::ALL {
        let model = Cnn::new(&arch.into(), &device);
        let out = model.forward(Tensor::zeros([3, 3, 32, 32], &device));
        assert_eq!(out.dims(), [3, 10], "{arch}");
    }
}

#[test]
fn keras_init_glorot_kernels_and_zero_biases() {
    let _turn = take_turn();
    let device = device();
    device.seed(1);
    let model = Cnn::new(&Architecture::Plain.into(), &device);
    let cifar_lab::model::ImageLayer::Conv(conv) = &model.image_layers[1] else {
        panic!("second layer is a convolution");
    };
    // fan_in = 3·3·32, fan_out = 3·3·64: limit √(6/(288+576)).
    let limit = (6.0f32 / (288.0 + 576.0)).sqrt();
    let w = values(conv.weight.val());
    assert_eq!(w.len(), 64 * 32 * 9);
    assert!(w.iter().all(|v| v.abs() <= limit));
    let max = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(max > 0.9 * limit, "uniform over the whole range, max {max}");
    assert!(
        values(conv.bias.as_ref().unwrap().val())
            .iter()
            .all(|&b| b == 0.0)
    );
}

#[test]
fn dropout_is_active_only_in_training() {
    let _turn = take_turn();
    let device = device();
    device.seed(3);
    let model = Cnn::new(&Architecture::Dropout.into(), &device);
    let input = Tensor::<4>::ones([2, 3, 32, 32], &device).mul_scalar(0.5);
    let train_a = values(model.forward(input.clone()));
    let train_b = values(model.forward(input.clone()));
    assert_ne!(train_a, train_b, "training passes drop different units");

    let valid = model.valid();
    let input =
        Tensor::<4>::ones([2, 3, 32, 32], &device.clone().without_autodiff()).mul_scalar(0.5);
    assert_eq!(
        values(valid.forward(input.clone())),
        values(valid.forward(input))
    );

    // The plain model has no dropout: training passes agree.
    let plain = Cnn::new(&Architecture::Plain.into(), &device);
    let input = Tensor::<4>::ones([2, 3, 32, 32], &device);
    assert_eq!(
        values(plain.forward(input.clone())),
        values(plain.forward(input))
    );
}

/// Batch norm normalises over the batch while training (so an image's output depends on its
/// batch-mates) and with its running statistics when evaluating (so it does not), and a
/// training pass moves those statistics by the momentum.
#[test]
fn batch_norm_has_a_training_and_an_evaluation_mode() {
    let _turn = take_turn();
    let device = device();
    device.seed(4);
    let spec = ModelSpec::parse(
        "conv 4 3 same, batchnorm, gelu, maxpool 4, flatten, dense 16, bn, relu, dense 10",
    )
    .unwrap();
    let model = Cnn::new(&spec, &device);
    let batch = Tensor::<4>::random([6, 3, 32, 32], Distribution::Default, &device);
    let first = |out: Tensor<2>| values(out.slice([0..1, 0..10]));
    let alone = first(model.forward(batch.clone().slice([0..1, 0..3, 0..32, 0..32])));
    let together = first(model.forward(batch.clone().slice([0..3, 0..3, 0..32, 0..32])));
    assert_ne!(alone, together, "training: the batch's statistics");

    let cifar_lab::model::ImageLayer::BatchNorm(norm) = &model.image_layers[1] else {
        panic!("the second layer is the batch norm");
    };
    let mean = values(norm.running_mean.value());
    assert!(mean.iter().all(|m| m.abs() > 0.0), "moved from 0: {mean:?}");

    let valid = model.valid();
    let batch = Tensor::<4>::from_data(batch.into_data(), &device.clone().without_autodiff());
    let alone = first(valid.forward(batch.clone().slice([0..1, 0..3, 0..32, 0..32])));
    let together = first(valid.forward(batch.slice([0..3, 0..3, 0..32, 0..32])));
    let close = alone
        .iter()
        .zip(&together)
        .all(|(a, b)| (a - b).abs() < 1e-5);
    assert!(
        close,
        "evaluation: the running statistics, {alone:?} vs {together:?}"
    );
}

#[test]
fn seed_fixes_initial_weights() {
    let _turn = take_turn();
    let device = device();
    let weights = |seed| {
        device.seed(seed);
        let m = Cnn::new(&Architecture::Plain.into(), &device);
        let cifar_lab::model::VectorLayer::DenseLogits(d) = &m.vector_layers[1] else {
            panic!("last layer is the output");
        };
        values(d.weight.val())
    };
    assert_eq!(weights(5), weights(5));
    assert_ne!(weights(5), weights(6));
}

/// One parameter vector `w`; loss = Σ cᵢ·wᵢ²/2, so the gradient is cᵢ·wᵢ.
#[derive(Module, Debug)]
struct Quadratic {
    w: Param<Tensor<1>>,
}

#[test]
fn adadelta_matches_hand_computed_steps() {
    let _turn = take_turn();
    let device = device();
    let c = [1.0f64, 4.0, 0.5];
    let mut model = Quadratic {
        w: Param::from_tensor(Tensor::from_data(
            TensorData::from([1.0f32, -2.0, 3.0]),
            &device,
        )),
    };
    let mut optim = AdadeltaConfig::default().init();
    let coeffs = Tensor::<1>::from_data(TensorData::from([1.0f32, 4.0, 0.5]), &device);

    // Keras' update, worked in f64 step by step:
    // a ← ρa + (1−ρ)g²; u = g·√(d+ε)/√(a+ε); w ← w − lr·u; d ← ρd + (1−ρ)u²
    let (rho, eps, lr) = (0.95f64, 1e-7f64, 1.0f64);
    let mut w = [1.0f64, -2.0, 3.0];
    let (mut a, mut d) = ([0.0f64; 3], [0.0f64; 3]);
    for step in 0..4 {
        let loss = (model.w.val().square() * coeffs.clone())
            .sum()
            .mul_scalar(0.5);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(lr, model, grads);
        for i in 0..3 {
            let g = c[i] * w[i];
            a[i] = rho * a[i] + (1.0 - rho) * g * g;
            let u = g * (d[i] + eps).sqrt() / (a[i] + eps).sqrt();
            w[i] -= lr * u;
            d[i] = rho * d[i] + (1.0 - rho) * u * u;
        }
        let got = values(model.w.val());
        for i in 0..3 {
            assert!(
                (got[i] as f64 - w[i]).abs() < 1e-6,
                "step {step}, w[{i}]: {} vs {}",
                got[i],
                w[i]
            );
        }
    }
    // The first step is √ε/√((1−ρ)+ε/g²) ≈ 0.0014142 whatever the gradient's size — Adadelta's
    // unit-free first move; check it literally for w[0] (g = 1).
    let first = (1e-7f64).sqrt() / (0.05f64 + 1e-7).sqrt();
    assert!((first - 0.001_414_21).abs() < 1e-8);
}

#[test]
fn adadelta_state_survives_a_byte_round_trip() {
    let _turn = take_turn();
    let device = device();
    let coeffs = Tensor::<1>::from_data(TensorData::from([2.0f32, 1.0]), &device);
    let grads = |m: &Quadratic| {
        let loss = (m.w.val().square() * coeffs.clone()).sum();
        GradientsParams::from_grads(loss.backward(), m)
    };
    let mut model = Quadratic {
        w: Param::from_tensor(Tensor::from_data(TensorData::from([0.5f32, -1.5]), &device)),
    };
    let mut original = AdadeltaConfig::default().init();
    for _ in 0..3 {
        let g = grads(&model);
        model = original.step(1.0, model, g);
    }
    let bytes = original.into_bytes().unwrap();
    let mut restored = AdadeltaConfig::default().init().from_bytes(bytes).unwrap();
    let a = original.step(1.0, model.clone(), grads(&model));
    let b = restored.step(1.0, model.clone(), grads(&model));
    assert_eq!(values(a.w.val()), values(b.w.val()));
    // A fresh optimizer (no state) moves differently: the state mattered.
    let c = AdadeltaConfig::default()
        .init()
        .step(1.0, model.clone(), grads(&model));
    assert_ne!(values(a.w.val()), values(c.w.val()));
}

/// Weights of an unknown model are parsed once and land in the architecture they fit;
/// junk and another network's weights get the message that says so.
#[test]
fn weights_find_their_architecture() {
    let _turn = take_turn();
    let device = Device::flex();
    let deeper = Cnn::new(&Architecture::Deeper.into(), &device);
    let bytes =
        futures_lite::future::block_on(weights_to_bytes(&deeper, &Architecture::Deeper.into()))
            .unwrap();
    let (found, loaded) =
        weights_from_bytes_any(&Architecture::Plain.into(), "d.bpk", bytes.clone(), &device)
            .unwrap();
    assert_eq!(found, Architecture::Deeper.into());
    let image = Tensor::<4>::zeros([1, 3, 32, 32], &device);
    let same =
        |a: &Cnn, b: &Cnn| values(a.forward(image.clone())) == values(b.forward(image.clone()));
    assert!(same(&loaded, &deeper));
    // Plain's weights offered as dropout's: their layer names say plain.
    let plain = Cnn::new(&Architecture::Plain.into(), &device);
    let bytes =
        futures_lite::future::block_on(weights_to_bytes(&plain, &Architecture::Plain.into()))
            .unwrap();
    let (found, _) =
        weights_from_bytes_any(&Architecture::Dropout.into(), "p.bpk", bytes, &device).unwrap();
    assert_eq!(found, Architecture::Plain.into());
    let junk = weights_from_bytes_any(
        &Architecture::Plain.into(),
        "junk.bpk",
        b"junk".to_vec(),
        &device,
    );
    assert!(matches!(junk, Err(WeightsError::Unrecognised { .. })));
}
