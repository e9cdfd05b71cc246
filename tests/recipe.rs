//! The fast recipe's parts: the whitening layer, airbench's initialisation, Nesterov's two
//! groups, lookahead, test-time augmentation, and a short run with all of them.

#![cfg(not(target_arch = "wasm32"))]

use std::sync::Mutex;

use burn::module::Param;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use cifar_lab::data::{ImageSet, Splits, images_to_tensor, labels_to_tensor, synthetic};
use cifar_lab::eval::evaluate_views;
use cifar_lab::model::{Architecture, Cnn, ImageLayer, ModelSpec};
use cifar_lab::optim::{MOMENTUM, OptimizerKind, SHIFT_LR_SCALE};
use cifar_lab::train::{CancelToken, Lookahead, NoObserver, Recipe, RunEnd, TrainConfig, train};
use futures_lite::future::block_on;

// The flex backend's random generator is global: tests that initialise models take turns.
static SEEDED: Mutex<()> = Mutex::new(());

fn take_turn() -> std::sync::MutexGuard<'static, ()> {
    SEEDED.lock().unwrap_or_else(|e| e.into_inner())
}

/// fast94's shape, narrow enough to train in a test.
const SMALL: &str = "whiten 2, gelu, conv 8 3 same, maxpool 2, batchnorm, gelu, \
                     conv 8 3 same, batchnorm, gelu, maxpool 3, flatten, dense 10, rescale 0.111";

fn model(text: &str, device: &Device) -> Cnn {
    device.seed(7);
    Cnn::new(&ModelSpec::parse(text).unwrap(), device)
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.into_data().try_to_vec::<f32>().unwrap()
}

fn whiten_layer(cnn: &Cnn) -> &burn::nn::conv::Conv2d {
    match &cnn.image_layers[0] {
        ImageLayer::Whiten(conv) => conv,
        _ => panic!("the first layer whitens"),
    }
}

fn first_conv(cnn: &Cnn) -> &burn::nn::conv::Conv2d {
    match &cnn.image_layers[2] {
        ImageLayer::ConvLinear(conv) => conv,
        _ => panic!("a convolution without activation follows the whitening"),
    }
}

#[test]
fn fast94_is_airbenchs_network() {
    let spec = ModelSpec::preset(Architecture::Fast94);
    let shapes = spec.shapes();
    assert_eq!(
        shapes[0].output,
        vec![31, 31, 24],
        "24 whitening filters of 2×2"
    );
    assert_eq!(shapes.last().unwrap().output, vec![10]);
    let params: usize = shapes.iter().map(|s| s.trainable + s.non_trainable).sum();
    assert_eq!(params, 1_976_258);
    assert!(
        spec.layer_text()
            .starts_with("whiten 2, gelu, conv 64 3 same, maxpool 2")
    );
    // The text form reads back to the same layers.
    assert_eq!(
        ModelSpec::parse(&spec.layer_text()).unwrap().layers(),
        spec.layers()
    );
    // A batch of 1,024 fits the activation cap.
    spec.check_batch(1024).unwrap();
}

#[test]
fn whitening_must_read_the_image_and_rescaling_needs_a_factor() {
    let error = ModelSpec::parse("conv 8 3, whiten 2, flatten, dense 10").unwrap_err();
    assert!(error.to_string().contains("layer 2 `whiten 2`"), "{error}");
    assert!(error.to_string().contains("first layer"), "{error}");
    let error = ModelSpec::parse("whiten 9, flatten, dense 10").unwrap_err();
    assert!(error.to_string().contains("1 to 4 pixels"), "{error}");
    let error = ModelSpec::parse("flatten, dense 10, rescale 0").unwrap_err();
    assert!(error.to_string().contains("not a factor"), "{error}");
    // Only a rescaling may follow the output layer.
    ModelSpec::parse("flatten, dense 10, rescale 0.5").unwrap();
    let error = ModelSpec::parse("flatten, dense 10, relu").unwrap_err();
    assert!(
        error.to_string().contains("only a `rescale` may follow"),
        "{error}"
    );
}

#[test]
fn preparation_whitens_starts_with_identity_filters_and_fixes_norm_scales() {
    let _turn = take_turn();
    let device = Device::flex().autodiff();
    let train_set = synthetic::banded(64, 3);
    let cnn = Recipe::airbench().prepare(model(SMALL, &device), &train_set);

    let whiten = whiten_layer(&cnn);
    assert!(
        !whiten.weight.val().is_require_grad(),
        "whitening filters are frozen"
    );
    let w = values(whiten.weight.val());
    let half = w.len() / 2;
    assert!(w[..half].iter().zip(&w[half..]).all(|(a, b)| *a == -*b));

    // Block 1's convolution: 24 inputs, 8 filters, so all 8 start as the identity.
    let conv = first_conv(&cnn);
    let [outputs, inputs, k, _] = conv.weight.dims();
    let w = values(conv.weight.val());
    for o in 0..outputs {
        for i in 0..inputs {
            for tap in 0..k * k {
                let want = if i == o && tap == k * k / 2 { 1.0 } else { 0.0 };
                assert_eq!(w[((o * inputs) + i) * k * k + tap], want);
            }
        }
    }
    assert!(
        conv.weight.val().is_require_grad(),
        "the identity start still trains"
    );

    for layer in &cnn.image_layers {
        if let ImageLayer::BatchNorm(norm) = layer {
            assert!(!norm.gamma.val().is_require_grad());
            assert!(norm.beta.val().is_require_grad());
        }
    }
    assert_eq!(cnn.norm_shifts().len(), 2);
}

#[test]
fn nesterov_steps_the_norm_shifts_64_times_faster() {
    let _turn = take_turn();
    let device = Device::flex().autodiff();
    let set = synthetic::banded(16, 4);
    let cnn = model("conv 4 3, batchnorm, relu, flatten, dense 10", &device);
    let indices: Vec<usize> = (0..16).collect();
    let logits = cnn.forward(images_to_tensor(&set, &indices, &device));
    let loss = CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits, labels_to_tensor(&set, &indices, &device));
    let grads = GradientsParams::from_grads(loss.backward(), &cnn);
    let shift = cnn.norm_shifts()[0].clone();
    let dense_bias = match &cnn.vector_layers[0] {
        cifar_lab::model::VectorLayer::DenseLogits(dense) => dense.bias.clone().unwrap(),
        _ => panic!("dense output"),
    };
    let grad_of = |p: &Param<Tensor<1>>| values(grads.get::<1>(p.id).unwrap());
    let (shift_grad, bias_grad) = (grad_of(&shift), grad_of(&dense_bias));

    let lr = 0.01;
    let kind = OptimizerKind::Nesterov;
    let stepped = kind.init(&cnn).step(lr, cnn, grads);
    let new_shift = values(stepped.norm_shifts()[0].val());
    let new_bias = match &stepped.vector_layers[0] {
        cifar_lab::model::VectorLayer::DenseLogits(dense) => {
            values(dense.bias.clone().unwrap().val())
        }
        _ => unreachable!(),
    };
    // First Nesterov step from zero weights: Δ = −lr · scale · (1 + μ) · g (decay is nil on 0).
    for (g, w) in shift_grad.iter().zip(&new_shift) {
        let want = -lr * SHIFT_LR_SCALE * (1.0 + MOMENTUM) * *g as f64;
        assert!(
            (*w as f64 - want).abs() < 1e-6 * (1.0 + want.abs()),
            "{w} vs {want}"
        );
    }
    for (g, w) in bias_grad.iter().zip(&new_bias) {
        let want = -lr * (1.0 + MOMENTUM) * *g as f64;
        assert!(
            (*w as f64 - want).abs() < 1e-6 * (1.0 + want.abs()),
            "{w} vs {want}"
        );
    }
}

#[test]
fn lookahead_pulls_the_weights_toward_their_average() {
    let _turn = take_turn();
    let device = Device::flex().autodiff();
    let set = synthetic::banded(16, 4);
    let first = model("flatten, dense 10", &device);
    let start = values(first.vector_layers_weight());
    let mut lookahead = Lookahead::default();
    // The first pull only records the average (the weights stay).
    let first = lookahead.after_step(first, 5, 100);
    assert_eq!(values(first.vector_layers_weight()), start);
    // An optimizer step moves the weights (the parameters keep their ids).
    let indices: Vec<usize> = (0..16).collect();
    let logits = first.forward(images_to_tensor(&set, &indices, &device));
    let loss = CrossEntropyLossConfig::new()
        .init(&device)
        .forward(logits, labels_to_tensor(&set, &indices, &device));
    let grads = GradientsParams::from_grads(loss.backward(), &first);
    let moved = OptimizerKind::Sgd.init(&first).step(0.5, first, grads);
    let target = values(moved.vector_layers_weight());
    assert_ne!(target, start);
    // Not a pull step: nothing changes.
    let moved = lookahead.after_step(moved, 49, 100);
    assert_eq!(values(moved.vector_layers_weight()), target);
    let decay = Lookahead::decay(50, 100);
    let pulled = lookahead.after_step(moved, 50, 100);
    let expected: Vec<f64> = start
        .iter()
        .zip(&target)
        .map(|(s, t)| *s as f64 * decay + *t as f64 * (1.0 - decay))
        .collect();
    for (p, want) in values(pulled.vector_layers_weight()).iter().zip(&expected) {
        assert!((*p as f64 - want).abs() < 1e-6, "{p} vs {want}");
    }
    // After the last step the weights are the average, which is where they already are.
    let last = lookahead.after_step(pulled, 100, 100);
    for (p, want) in values(last.vector_layers_weight()).iter().zip(&expected) {
        assert!((*p as f64 - want).abs() < 1e-6, "{p} vs {want}");
    }
}

trait DenseWeight {
    fn vector_layers_weight(&self) -> Tensor<2>;
}

impl DenseWeight for Cnn {
    fn vector_layers_weight(&self) -> Tensor<2> {
        match &self.vector_layers[0] {
            cifar_lab::model::VectorLayer::DenseLogits(dense) => dense.weight.val(),
            _ => panic!("a dense layer"),
        }
    }
}

/// Images of one colour each: every test-time view of them is the same image.
fn uniform_images(n: usize) -> ImageSet {
    let banded = synthetic::banded(n, 5);
    let mut pixels = Vec::new();
    for i in 0..n {
        pixels.extend(std::iter::repeat_n(banded.image(i)[0], 3 * 32 * 32));
    }
    ImageSet {
        labels: banded.labels,
        pixels,
    }
}

#[test]
fn test_time_views_of_a_uniform_image_agree_with_the_image() {
    let _turn = take_turn();
    let device = Device::flex();
    let cnn = model("conv 4 3 relu, maxpool 2, flatten, dense 10", &device);
    let uniform = uniform_images(12);
    let plain = block_on(evaluate_views(&cnn, &uniform, 5, &device, false)).unwrap();
    let tta = block_on(evaluate_views(&cnn, &uniform, 5, &device, true)).unwrap();
    assert_eq!(plain.predictions, tta.predictions);
    for (a, b) in plain.probabilities.iter().zip(&tta.probabilities) {
        assert!((a - b).abs() < 1e-5);
    }
    // Real images look different shifted and mirrored: the views change the scores.
    let varied = synthetic::banded(12, 6);
    let plain = block_on(evaluate_views(&cnn, &varied, 5, &device, false)).unwrap();
    let tta = block_on(evaluate_views(&cnn, &varied, 5, &device, true)).unwrap();
    assert_ne!(plain.probabilities, tta.probabilities);
}

#[test]
fn a_short_fast_recipe_run_follows_its_schedule_and_keeps_the_whitening() {
    let _turn = take_turn();
    let device = Device::flex().autodiff();
    let splits = Splits {
        train: synthetic::banded(96, 1),
        validation: synthetic::banded(24, 2),
        validation_picked: None,
    };
    let config = TrainConfig {
        model: ModelSpec::parse(SMALL).unwrap(),
        epochs: 3,
        batch_size: 32,
        ..TrainConfig::fast94()
    };
    let run = || {
        let cnn = model(SMALL, &device);
        block_on(train(
            &config,
            cnn,
            &splits,
            &device,
            &mut NoObserver,
            &CancelToken::new(),
        ))
    };
    let outcome = run();
    assert!(
        matches!(outcome.end, RunEnd::Completed),
        "{:?}",
        outcome.end
    );
    // 9 steps; each epoch records the rate of its last step (index 2, 5, 8 of 9).
    let schedule = config.recipe.schedule;
    let lrs: Vec<f64> = outcome.history.epochs.iter().map(|e| e.lr).collect();
    let want: Vec<f64> = [2, 5, 8]
        .map(|step| config.lr * schedule.factor(step, 9))
        .to_vec();
    assert_eq!(lrs, want);
    let trained = outcome.evaluated.unwrap().model;
    let prepared = Recipe::airbench().prepare(model(SMALL, &device), &splits.train);
    assert_eq!(
        values(whiten_layer(&trained).weight.val()),
        values(whiten_layer(&prepared).weight.val()),
        "the whitening filters never train"
    );
    // Seeded: the same run again gives the same history (but for the timings).
    let scores = |h: &cifar_lab::history::History| -> Vec<[f64; 5]> {
        h.epochs
            .iter()
            .map(|e| [e.loss, e.acc, e.val_loss, e.val_acc, e.lr])
            .collect()
    };
    assert_eq!(scores(&run().history), scores(&outcome.history));
}
