//! The fast recipe's parts: the whitening layer, airbench's initialisation, Nesterov's two
//! groups, lookahead, test-time augmentation, and a short run with all of them.

use crate::common::take_turn;
use burn::module::Param;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use cifar_lab::data::{ImageSet, Splits, images_to_tensor, labels_to_tensor, synthetic};
use cifar_lab::eval::evaluate_views;
use cifar_lab::model::{Architecture, Cnn, ImageLayer, ModelSpec, Summary};
use cifar_lab::optim::{MOMENTUM, OptimizerKind, SHIFT_LR_SCALE};
use cifar_lab::train::{CancelToken, Lookahead, NoObserver, Recipe, RunEnd, TrainConfig, train};
use futures_lite::future::block_on;

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
    for layer in &cnn.image_layers {
        if let ImageLayer::BatchNorm(norm) = layer {
            assert_eq!(
                norm.momentum, 0.4,
                "airbench's running averages move faster"
            );
        }
    }

    // PyTorch's initialisation: no biases (frozen zeros), weights within ±1/√fan-in.
    let bias = conv.bias.as_ref().unwrap().val();
    assert!(!bias.is_require_grad());
    assert!(values(bias).iter().all(|b| *b == 0.0));
    let cifar_lab::model::VectorLayer::DenseLogits(dense) = &cnn.vector_layers[0] else {
        panic!("the output layer")
    };
    let w = values(dense.weight.val());
    let [fan_in, _] = dense.weight.dims();
    let bound = 1.0 / (fan_in as f32).sqrt();
    assert!(w.iter().all(|v| v.abs() <= bound), "fan-in bound");
    assert!(
        w.iter().any(|v| v.abs() > bound / 2.0),
        "and not far inside it"
    );
    assert!(!dense.bias.as_ref().unwrap().val().is_require_grad());
    // The whitening bias trains for three epochs, then freezes.
    let bias_trains = |cnn: &Cnn| {
        whiten_layer(cnn)
            .bias
            .as_ref()
            .unwrap()
            .val()
            .is_require_grad()
    };
    assert!(bias_trains(&cnn));
    let recipe = Recipe::airbench();
    let cnn = recipe.start_epoch(cnn, 3);
    assert!(bias_trains(&cnn));
    assert!(!bias_trains(&recipe.start_epoch(cnn, 4)));
}

#[test]
fn the_summary_counts_what_the_prepared_model_trains() {
    let _turn = take_turn();
    let device = Device::flex().autodiff();
    let spec = ModelSpec::parse(SMALL).unwrap();
    let summary = Summary::new(&spec);
    let fresh = model(SMALL, &device);
    let trained_by_spec = summary.total_params - summary.non_trainable_params;

    let cnn = Recipe::airbench().prepare(fresh, &synthetic::banded(64, 3));
    // airbench trains the convolutions' and the dense layer's weights, the whitening bias
    // and the batch norms' shifts: no conv/dense biases, no batch-norm scales.
    // (The dense layer reads 5×5×8: block 1's 15² pooled by 3.)
    let weights = 24 * 8 * 9 + 8 * 8 * 9 + 5 * 5 * 8 * 10;
    let trained = weights + 24 + 2 * 8;
    assert_eq!(cnn.trainable_params(), trained);
    let frozen = 2 * 8 + 10 + 2 * 8;
    assert_eq!(
        trained_by_spec,
        trained + frozen,
        "the spec alone trains those too"
    );
    let summary = summary.with_trainable(cnn.trainable_params());
    assert_eq!(summary.total_params - summary.non_trainable_params, trained);
    assert!(summary.to_string().contains("Trainable params: 4,344"));

    // Without a recipe, the model trains what the spec says.
    let plain = ModelSpec::preset(Architecture::Plain);
    let summary = Summary::new(&plain);
    assert_eq!(
        Cnn::new(&plain, &device).trainable_params(),
        summary.total_params - summary.non_trainable_params
    );
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
    // Before any pull, finishing leaves the model as it is.
    let first = lookahead.finish(first);
    assert_eq!(values(first.vector_layers_weight()), start);
    // The first pull only records the average (the weights stay).
    let first = lookahead.after_step(first, 5, 100);
    assert_eq!(values(first.vector_layers_weight()), start);
    // An optimizer step moves the weights (the parameters keep their ids).
    let indices: Vec<usize> = (0..16).collect();
    let mut optimizer = OptimizerKind::Sgd.init(&first);
    let mut sgd_step = |cnn: Cnn| {
        let logits = cnn.forward(images_to_tensor(&set, &indices, &device));
        let loss = CrossEntropyLossConfig::new()
            .init(&device)
            .forward(logits, labels_to_tensor(&set, &indices, &device));
        let grads = GradientsParams::from_grads(loss.backward(), &cnn);
        optimizer.step(0.5, cnn, grads)
    };
    let moved = sgd_step(first);
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
    // A step after the last pull is dropped when training ends: the model is the average.
    let before = values(pulled.vector_layers_weight());
    let stepped = lookahead.after_step(sgd_step(pulled), 51, 100);
    assert_ne!(values(stepped.vector_layers_weight()), before);
    let last = lookahead.finish(stepped);
    for (p, want) in values(last.vector_layers_weight()).iter().zip(&expected) {
        assert!((*p as f64 - want).abs() < 1e-6, "{p} vs {want}");
    }
}

#[test]
fn lookahead_averages_the_batch_norms_running_statistics() {
    let _turn = take_turn();
    let device = Device::flex().autodiff();
    // Momentum 1: the running mean is the last batch's mean.
    let cnn = model("conv 4 3 same, batchnorm, flatten, dense 10", &device).with_norm_momentum(1.0);
    let batch_mean = |cnn: &Cnn, images: &ImageSet| -> Vec<f32> {
        let ImageLayer::ConvLinear(conv) = &cnn.image_layers[0] else {
            panic!("a convolution first")
        };
        let indices: Vec<usize> = (0..images.len()).collect();
        let x = conv.forward(images_to_tensor(images, &indices, &device));
        values(x.swap_dims(0, 1).flatten::<2>(1, 3).mean_dim(1))
    };
    let running_mean = |cnn: &Cnn| -> Vec<f32> {
        let ImageLayer::BatchNorm(norm) = &cnn.image_layers[1] else {
            panic!("a batch norm second")
        };
        values(norm.running_mean.value())
    };
    let (a, b) = (synthetic::banded(16, 1), synthetic::banded(16, 2));
    let mut lookahead = Lookahead::default();
    let all: Vec<usize> = (0..16).collect();
    let _ = cnn.forward(images_to_tensor(&a, &all, &device));
    let cnn = lookahead.after_step(cnn, 5, 100);
    let mean_a = batch_mean(&cnn, &a);
    assert_close(&running_mean(&cnn), &mean_a);
    // The next batch's statistics are still pending in burn when the pull comes: it folds
    // them in before averaging.
    let _ = cnn.forward(images_to_tensor(&b, &all, &device));
    let cnn = lookahead.after_step(cnn, 10, 100);
    let mean_b = batch_mean(&cnn, &b);
    let decay = Lookahead::decay(10, 100) as f32;
    let want: Vec<f32> = mean_a
        .iter()
        .zip(&mean_b)
        .map(|(a, b)| a * decay + b * (1.0 - decay))
        .collect();
    assert_close(&running_mean(&cnn), &want);
}

fn assert_close(got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-5, "{got:?} vs {want:?}");
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
        epochs: 5,
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
    // 15 steps; each epoch records the rate of its last step (index 2, 5, 8, … of 15).
    let schedule = config.recipe.schedule;
    let lrs: Vec<f64> = outcome.history.epochs.iter().map(|e| e.lr).collect();
    let want: Vec<f64> = [2, 5, 8, 11, 14]
        .map(|step| config.lr * schedule.factor(step, 15))
        .to_vec();
    assert_eq!(lrs, want);
    let trained = outcome.evaluated.unwrap().model;
    let prepared = Recipe::airbench().prepare(model(SMALL, &device), &splits.train);
    assert_eq!(
        values(whiten_layer(&trained).weight.val()),
        values(whiten_layer(&prepared).weight.val()),
        "the whitening filters never train"
    );
    let bias = |cnn: &Cnn| whiten_layer(cnn).bias.as_ref().unwrap().val();
    assert!(
        !bias(&trained).is_require_grad(),
        "the whitening bias froze"
    );
    assert_ne!(
        values(bias(&trained)),
        values(bias(&prepared)),
        "after training"
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
