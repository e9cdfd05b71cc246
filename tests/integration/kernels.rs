//! The CPU kernels (src/kernels/) against burn's own ops on the same backend: the same
//! outputs and the same gradients, for the shapes the models use and for the odd ones.

use crate::common::take_turn;
use burn::module::Module;
use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{DropoutConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Distribution, Tensor};
use cifar_lab::kernels::{
    AdadeltaStep, adadelta_step, batch_norm, conv2d_linear, conv2d_relu, dropout, gelu, max_pool2d,
};

fn device() -> Device {
    let device = Device::flex().autodiff();
    device.seed(11);
    device
}

fn assert_close<const D: usize>(what: &str, a: Tensor<D>, b: Tensor<D>) {
    let (a, b) = (
        a.into_data().try_to_vec::<f32>().unwrap(),
        b.into_data().try_to_vec::<f32>().unwrap(),
    );
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert!(
            (x - y).abs() <= 1e-4 * scale,
            "{what}[{i}]: {x} vs {y} (scale {scale})"
        );
    }
}

#[test]
fn fused_convolution_matches_burns_convolution_with_and_without_relu_with_gradients() {
    let _turn = take_turn();
    let cases = [
        // (batch, channels in, side, filters, kernel, padding): the models' layers and odd
        // shapes.
        (4, 3, 32, 32, 3, PaddingConfig2d::Valid),
        (3, 32, 30, 64, 3, PaddingConfig2d::Valid),
        (2, 32, 15, 64, 3, PaddingConfig2d::Same),
        // fast94's whitening (2×2) and its small late maps.
        (3, 3, 32, 24, 2, PaddingConfig2d::Valid),
        (2, 24, 31, 16, 3, PaddingConfig2d::Same),
        (3, 16, 7, 16, 3, PaddingConfig2d::Same),
        (3, 16, 3, 16, 3, PaddingConfig2d::Same),
        (2, 5, 7, 3, 3, PaddingConfig2d::Explicit(2, 1, 2, 1)),
        // Uneven padding: handed to burn's ops, still through the fused op's backward.
        (2, 2, 6, 3, 3, PaddingConfig2d::Explicit(1, 0, 2, 1)),
    ];
    for (batch, channels, side, filters, kernel, padding) in cases {
        let device = device();
        let mut conv = Conv2dConfig::new([channels, filters], [kernel, kernel])
            .with_padding(padding.clone())
            .init(&device);
        // A non-zero bias, so that its gradient and the ReLU's mask both matter.
        conv.bias = Some(burn::module::Param::from_tensor(Tensor::random(
            [filters],
            Distribution::Uniform(-0.1, 0.1),
            &device,
        )));
        let x = Tensor::<4>::random(
            [batch, channels, side, side],
            Distribution::Uniform(-1.0, 1.0),
            &device,
        )
        .require_grad();
        // A loss that weighs every output differently.
        let weights = Tensor::<4>::random(
            conv.forward(x.clone()).dims(),
            Distribution::Uniform(0.0, 1.0),
            &device,
        );
        let run = |fused: bool, with_relu: bool| {
            let y = match (fused, with_relu) {
                (true, true) => conv2d_relu(&conv, x.clone()),
                (true, false) => conv2d_linear(&conv, x.clone()),
                (false, true) => relu(conv.forward(x.clone())),
                (false, false) => conv.forward(x.clone()),
            };
            let grads = (y.clone() * weights.clone()).sum().backward();
            let bias = conv.bias.as_ref().unwrap().val();
            (
                y,
                x.grad(&grads).unwrap(),
                conv.weight.val().grad(&grads).unwrap(),
                bias.grad(&grads).unwrap(),
            )
        };
        for with_relu in [true, false] {
            let (y, dx, dw, db) = run(true, with_relu);
            let (y_ref, dx_ref, dw_ref, db_ref) = run(false, with_relu);
            let case = format!(
                "{batch}×{channels}×{side}² → {filters} of {kernel}², {padding:?}, {with_relu}"
            );
            assert_close(&format!("output, {case}"), y, y_ref);
            assert_close(&format!("input gradient, {case}"), dx, dx_ref);
            assert_close(&format!("weight gradient, {case}"), dw, dw_ref);
            assert_close(&format!("bias gradient, {case}"), db, db_ref);
        }
    }
}

#[test]
fn pooling_matches_burns_max_pool_with_gradients() {
    let _turn = take_turn();
    for (side, size) in [(28, 2), (15, 2), (9, 3), (31, 2), (7, 2), (3, 3), (4, 3)] {
        let device = device();
        let pool = MaxPool2dConfig::new([size, size])
            .with_strides([size, size])
            .init();
        let x = Tensor::<4>::random(
            [3, 4, side, side],
            Distribution::Uniform(-1.0, 1.0),
            &device,
        )
        .require_grad();
        let weights = Tensor::<4>::random(
            [3, 4, side / size, side / size],
            Distribution::Uniform(0.0, 1.0),
            &device,
        );
        let run = |ours: bool| {
            let y = if ours {
                max_pool2d(&pool, x.clone())
            } else {
                pool.forward(x.clone())
            };
            let grads = (y.clone() * weights.clone()).sum().backward();
            (y, x.grad(&grads).unwrap())
        };
        let (y, dx) = run(true);
        let (y_ref, dx_ref) = run(false);
        assert_close(&format!("pooled {side}² by {size}"), y, y_ref);
        assert_close(&format!("pooling gradient {side}² by {size}"), dx, dx_ref);
    }
}

#[test]
fn dropout_keeps_its_share_scaled_and_passes_the_gradient_through_the_same_mask() {
    let _turn = take_turn();
    let device = device();
    let layer = DropoutConfig::new(0.25).init();
    let x = Tensor::<2>::ones([64, 512], &device).require_grad();
    let y = dropout(&layer, x.clone());
    let grads = y.clone().sum().backward();
    let (y, dx) = (
        y.into_data().try_to_vec::<f32>().unwrap(),
        x.grad(&grads)
            .unwrap()
            .into_data()
            .try_to_vec::<f32>()
            .unwrap(),
    );
    let kept = y.iter().filter(|&&v| v != 0.0).count() as f64 / y.len() as f64;
    assert!((kept - 0.75).abs() < 0.01, "kept {kept}");
    assert!(y.iter().all(|&v| v == 0.0 || (v - 1.0 / 0.75).abs() < 1e-6));
    // y = x · mask, so dy/dx is the mask itself.
    assert_eq!(y, dx);

    // The device's seed fixes the mask; evaluation (no autodiff) passes the input through.
    let mask = |seed| {
        device.seed(seed);
        dropout(&layer, Tensor::<2>::ones([8, 64], &device))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap()
    };
    assert_eq!(mask(3), mask(3));
    assert_ne!(mask(3), mask(4));
    let plain = Tensor::<2>::ones([8, 64], &Device::flex());
    assert_eq!(
        dropout(&layer, plain.clone()).into_data(),
        plain.into_data()
    );
}

/// The batch norms of `deeper-bn` and `fast94`, differentiated as one op: the output and
/// gradients must be those of the formula written out in elementary ops.
#[test]
fn batch_norm_training_matches_its_formula_with_gradients() {
    let _turn = take_turn();
    let device = device();
    let norm = burn::nn::BatchNormConfig::new(6).init(&device);
    let x =
        Tensor::<4>::random([4, 6, 5, 5], Distribution::Uniform(-2.0, 3.0), &device).require_grad();
    let weights = Tensor::<4>::random([4, 6, 5, 5], Distribution::Uniform(0.0, 1.0), &device);
    let shift = Tensor::<1>::random([6], Distribution::Uniform(-0.5, 0.5), &device).require_grad();
    let run = |ours: bool| {
        let y = if ours {
            batch_norm(&norm, x.clone()) + shift.clone().reshape([1, 6, 1, 1])
        } else {
            let per_channel = |t: Tensor<4>| t.swap_dims(0, 1).flatten::<2>(1, 3).mean_dim(1);
            let mean = per_channel(x.clone()).reshape([1, 6, 1, 1]);
            let centred = x.clone() - mean;
            let var = per_channel(centred.clone().powi_scalar(2)).reshape([1, 6, 1, 1]);
            centred / (var + norm.epsilon).sqrt() + shift.clone().reshape([1, 6, 1, 1])
        };
        let grads = (y.clone() * weights.clone()).sum().backward();
        (y, x.grad(&grads).unwrap(), shift.grad(&grads).unwrap())
    };
    let (y, dx, ds) = run(true);
    let (y_ref, dx_ref, ds_ref) = run(false);
    assert_close("batch norm output", y, y_ref);
    assert_close("batch norm input gradient", dx, dx_ref);
    assert_close("shift gradient", ds, ds_ref);
}

/// The fused batch norm against burn's layer: output, the gradients of the input, gamma and
/// beta, the running statistics it leaves, and evaluation with them, for image maps (fast94's
/// and deeper-bn's shapes) and for the dense layers' `[batch, features]`.
#[test]
fn fused_batch_norm_matches_burns_layer_in_training_and_evaluation() {
    let _turn = take_turn();
    fn check<const D: usize>(shape: [usize; D]) {
        let device = device();
        let channels = shape[1];
        // Non-trivial gamma and beta, so that both gradients and the affine matter.
        let values =
            |low, high| Tensor::<1>::random([channels], Distribution::Uniform(low, high), &device);
        let (gamma, beta) = (values(0.5, 1.5), values(-0.5, 0.5));
        let fresh = || {
            let mut norm = burn::nn::BatchNormConfig::new(channels)
                .with_momentum(0.4)
                .init(&device);
            norm.gamma = burn::module::Param::from_tensor(gamma.clone());
            norm.beta = burn::module::Param::from_tensor(beta.clone());
            norm
        };
        let x =
            Tensor::<D>::random(shape, Distribution::Uniform(-2.0, 3.0), &device).require_grad();
        let weights = Tensor::<D>::random(shape, Distribution::Uniform(0.0, 1.0), &device);
        let run = |ours: bool| {
            let norm = fresh();
            let y = if ours {
                batch_norm(&norm, x.clone())
            } else {
                norm.forward(x.clone())
            };
            let grads = (y.clone() * weights.clone()).sum().backward();
            let grad = |t: Tensor<1>| t.grad(&grads).unwrap();
            let eval_x = x.clone().inner();
            let eval = if ours {
                batch_norm(&norm.valid(), eval_x)
            } else {
                norm.valid().forward(eval_x)
            };
            (
                y,
                x.grad(&grads).unwrap(),
                grad(norm.gamma.val()),
                grad(norm.beta.val()),
                norm.running_mean.value(),
                norm.running_var.value(),
                eval,
            )
        };
        let ours = run(true);
        let theirs = run(false);
        let case = format!("{shape:?}");
        assert_close(&format!("output, {case}"), ours.0, theirs.0);
        assert_close(&format!("input gradient, {case}"), ours.1, theirs.1);
        assert_close(&format!("gamma gradient, {case}"), ours.2, theirs.2);
        assert_close(&format!("beta gradient, {case}"), ours.3, theirs.3);
        assert_close(&format!("running mean, {case}"), ours.4, theirs.4);
        assert_close(&format!("running variance, {case}"), ours.5, theirs.5);
        assert_close(&format!("evaluation, {case}"), ours.6, theirs.6);
    }
    check([8, 16, 15, 15]);
    check([4, 24, 31, 31]);
    check([5, 7, 3, 3]);
    check([16, 32]);
}

/// The vectorised GELU against burn's (libm's erf) on the same backend, with its gradient.
#[test]
fn gelu_matches_burns_with_gradient() {
    let _turn = take_turn();
    let device = device();
    let x =
        Tensor::<4>::random([3, 8, 9, 9], Distribution::Uniform(-6.0, 6.0), &device).require_grad();
    let weights = Tensor::<4>::random([3, 8, 9, 9], Distribution::Uniform(-1.0, 1.0), &device);
    let run = |ours: bool| {
        let y = if ours {
            gelu(x.clone())
        } else {
            burn::tensor::activation::gelu(x.clone())
        };
        let grads = (y.clone() * weights.clone()).sum().backward();
        (y, x.grad(&grads).unwrap())
    };
    let (y, dx) = run(true);
    let (y_ref, dx_ref) = run(false);
    assert_close("gelu", y, y_ref);
    assert_close("gelu gradient", dx, dx_ref);
}

/// Adadelta's one-pass update gives what burn's element-wise ops give, bit for bit, step after
/// step, and leaves a tensor that shares the parameter's buffer as it was.
#[test]
fn adadelta_in_one_pass_rounds_as_burns_ops() {
    let _turn = take_turn();
    let device = Device::flex();
    device.seed(5);
    let settings = AdadeltaStep {
        lr: 0.7,
        rho: 0.95,
        epsilon: 1e-7,
    };
    let AdadeltaStep { lr, rho, epsilon } = settings;
    // The formula as the optimizer wrote it in burn's ops before the extension.
    let reference = |p: Tensor<2>, g: Tensor<2>, a: Tensor<2>, d: Tensor<2>| {
        let a = a.mul_scalar(rho) + g.clone().square().mul_scalar(1.0 - rho);
        let u = g * d.clone().add_scalar(epsilon).sqrt() / a.clone().add_scalar(epsilon).sqrt();
        let d = d.mul_scalar(rho) + u.clone().square().mul_scalar(1.0 - rho);
        (p - u.mul_scalar(lr), a, d)
    };
    let random =
        |scale: f64| Tensor::<2>::random([70, 300], Distribution::Uniform(-scale, scale), &device);
    let start = random(1.0);
    let before = start.clone().into_data();
    let zeros = start.zeros_like();
    let (mut ours, mut theirs) = (
        (start.clone(), zeros.clone(), zeros.clone()),
        (start.clone(), zeros.clone(), zeros),
    );
    for step in 0..4 {
        let grad = random(10f64.powi(step - 2));
        ours = adadelta_step(ours.0, grad.clone(), ours.1, ours.2, settings);
        theirs = reference(theirs.0, grad, theirs.1, theirs.2);
        for (what, a, b) in [
            ("parameter", &ours.0, &theirs.0),
            ("squared gradients", &ours.1, &theirs.1),
            ("squared updates", &ours.2, &theirs.2),
        ] {
            assert_eq!(
                a.clone().into_data().try_to_vec::<f32>().unwrap(),
                b.clone().into_data().try_to_vec::<f32>().unwrap(),
                "step {step}: {what}"
            );
        }
    }
    assert_eq!(
        start.into_data(),
        before,
        "the shared tensor kept its values"
    );
}
