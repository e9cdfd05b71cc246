//! Browser tests, run by `wasm-pack test --headless --chrome -- --test browser` in headless
//! Chromium, whose WebGPU runs on SwiftShader (a software adapter: real WebGPU, CPU speed).

#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use cifar_lab::data::{
    ARCHIVE_DIR, BatchFile, Cifar10, DataError, Splits, TEST_BATCH, TRAIN_BATCHES, encode_records,
    images_to_tensor, synthetic,
};
use cifar_lab::eval::{ConfusionMatrix, Normalization};
use cifar_lab::history::{EpochRecord, History};
use cifar_lab::model::{Architecture, Cnn, ModelSpec, weights_from_bytes, weights_to_bytes};
use cifar_lab::optim::OptimizerKind;
use cifar_lab::plot::{CurveRun, Metric};
use cifar_lab::train::{
    CancelToken, NoObserver, ParityReport, RandomSteps, RunEnd, SpeedBudget, StepMeter,
    TrainConfig, measure_speed, step_parity, train,
};
use cifar_lab::web::device::webgpu::{WebGpu, device_lost, open_webgpu};
use cifar_lab::web::js::canvas::{paint_confusion, paint_curves};
use cifar_lab::web::js::{envelope, gpu_meter};
use cifar_lab::web::protocol::{AdapterInfo, Event, Request};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::{console_log, wasm_bindgen_test, wasm_bindgen_test_configure};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, MessageChannel, MessageEvent};

wasm_bindgen_test_configure!(run_in_browser);

#[path = "browser/helpers.rs"]
mod helpers;
#[path = "browser/store.rs"]
mod store;

/// A `plain` step's work on WebGPU at most, as measured with burn's fusion on (unfused: 198
/// dispatches, 103 pipelines; docs/BENCHMARKS.md), and the first step that creates nothing.
const PLAIN_DISPATCHES: u64 = 66;
const PLAIN_FIRST_PIPELINES: u64 = 56;
const PLAIN_STEADY_FROM: usize = 4;

thread_local! {
    /// burn registers a WebGPU runtime once per page, so the tests share one.
    static GPU: RefCell<Option<Rc<WebGpu>>> = const { RefCell::new(None) };
}

async fn gpu() -> Rc<WebGpu> {
    if let Some(gpu) = GPU.with(|g| g.borrow().clone()) {
        return gpu;
    }
    let gpu = Rc::new(
        open_webgpu()
            .await
            .expect("headless Chromium with --enable-unsafe-webgpu offers WebGPU"),
    );
    GPU.with(|g| *g.borrow_mut() = Some(gpu.clone()));
    gpu
}

#[wasm_bindgen_test]
async fn webgpu_opens_and_names_its_adapter() {
    let gpu = gpu().await;
    console_log!("WebGPU adapter: {}", gpu.adapter.label());
    assert_ne!(
        gpu.adapter,
        AdapterInfo::default(),
        "the browser described its adapter"
    );
    assert!(!gpu.adapter.label().is_empty());
}

/// Calls `object.method()` and awaits the promise it returns.
async fn call_async(object: &JsValue, method: &str) -> JsValue {
    let function: js_sys::Function = js_sys::Reflect::get(object, &method.into())
        .unwrap()
        .unchecked_into();
    let promise: js_sys::Promise = function.call0(object).unwrap().unchecked_into();
    JsFuture::from(promise).await.unwrap()
}

/// `GPUDevice.lost` is what the worker watches; a device of its own, straight from the
/// browser, is destroyed here, so the other tests' device stays usable.
#[wasm_bindgen_test]
async fn a_lost_gpu_device_is_noticed_and_named() {
    let navigator = js_sys::Reflect::get(&js_sys::global(), &"navigator".into()).unwrap();
    let gpu = js_sys::Reflect::get(&navigator, &"gpu".into()).unwrap();
    let adapter = call_async(&gpu, "requestAdapter").await;
    let device = call_async(&adapter, "requestDevice").await;
    let destroy: js_sys::Function = js_sys::Reflect::get(&device, &"destroy".into())
        .unwrap()
        .unchecked_into();
    destroy.call0(&device).unwrap();
    let why = device_lost(&device).await;
    assert!(why.starts_with("the GPU device was closed"), "{why}");
}

#[wasm_bindgen_test]
async fn one_training_step_on_webgpu_matches_the_cpu_backend() {
    let gpu = gpu().await;
    let batch = synthetic::banded(8, 3);
    let report: ParityReport = step_parity(&Device::flex().autodiff(), &gpu.device, &batch, 11)
        .await
        .expect("the self-check runs");
    console_log!("parity: {report:?}");
    assert!(report.agrees(), "{report:?}");
    assert!(report.loss_candidate.is_finite() && report.loss_candidate > 0.0);
}

/// The browser's download path: weights read from WebGPU asynchronously, packed as
/// burnpack, loaded back onto WebGPU: the same outputs, bit for bit.
#[wasm_bindgen_test]
async fn weights_saved_on_webgpu_load_back_with_identical_outputs() {
    let gpu = gpu().await;
    let device = &gpu.device;
    device.seed(5);
    let model = Cnn::new(&Architecture::Plain.into(), device);
    let bytes = weights_to_bytes(&model, &Architecture::Plain.into())
        .await
        .expect("saving reads the weights asynchronously");
    let loaded =
        weights_from_bytes(&Architecture::Plain.into(), "plain.bpk", bytes, device).unwrap();
    let batch = synthetic::banded(4, 8);
    let indices: Vec<usize> = (0..batch.len()).collect();
    let logits = |m: &Cnn| m.forward(images_to_tensor(&batch, &indices, device));
    let a = logits(&model).into_data_async().await.unwrap();
    let b = logits(&loaded).into_data_async().await.unwrap();
    let (a, b) = (
        a.try_to_vec::<f32>().unwrap(),
        b.try_to_vec::<f32>().unwrap(),
    );
    assert_eq!(a.len(), 40);
    assert_eq!(a, b);
    let error = weights_from_bytes(
        &Architecture::Plain.into(),
        "junk.bpk",
        b"junk".to_vec(),
        device,
    );
    assert!(error.is_err());
}

/// fast94's parts on WebGPU, through the training loop itself: the whitening and identity
/// filters set on the device, Nesterov's two groups, lookahead (8 steps: a pull at the fifth,
/// the average at the end) and the six-view evaluation.
#[wasm_bindgen_test]
async fn the_fast_recipe_trains_on_webgpu() {
    let gpu = gpu().await;
    let device = gpu.device.clone().autodiff();
    let splits = Splits {
        train: synthetic::banded(64, 1),
        validation: synthetic::banded(16, 2),
        validation_picked: None,
    };
    let model = ModelSpec::parse(
        "whiten 2, gelu, conv 8 3 same, maxpool 2, batchnorm, gelu, maxpool 3, flatten, \
         dense 10, rescale 0.111",
    )
    .unwrap();
    let config = TrainConfig {
        model: model.clone(),
        epochs: 1,
        batch_size: 8,
        // fast94's peak rate is for batches of 1,024; batches of 8 diverge with it.
        lr: 0.05,
        ..TrainConfig::fast94()
    };
    device.seed(3);
    let cnn = Cnn::new(&model, &device);
    let outcome = train(
        &config,
        cnn,
        &splits,
        &device,
        &mut NoObserver,
        &CancelToken::new(),
    )
    .await;
    assert!(
        matches!(outcome.end, RunEnd::Completed),
        "{:?}",
        outcome.end
    );
    let record = &outcome.history.epochs[0];
    console_log!("fast recipe on WebGPU: {record:?}");
    assert!(record.loss.is_finite() && record.val_loss.is_finite());
}

/// A `plain` step's work on WebGPU, counted at the API (www/gpu_meter.js): what it is today
/// may only shrink. On a real GPU every dispatch costs tens of microseconds and every pipeline
/// a shader compilation, so these counts, not a software adapter's times, are what the
/// WebGPU path is held to (docs/BENCHMARKS.md, "GPU work per step").
#[wasm_bindgen_test]
async fn a_plain_step_on_webgpu_does_no_more_gpu_work_than_before() {
    assert!(gpu_meter::install(), "WebGPU is there to count");
    let gpu = gpu().await;
    let read = gpu_meter::read;
    let mut meter = StepMeter::start(&read);
    let plain = Architecture::Plain.into();
    let mut steps = RandomSteps::new(&plain, OptimizerKind::Adadelta, 16, &gpu.device);
    let budget = SpeedBudget {
        seconds: 0.0,
        min_steps: 5,
        max_steps: 5,
    };
    let sample = measure_speed(&mut steps, budget, Some(&mut meter))
        .await
        .unwrap();
    for (i, step) in meter.steps().iter().enumerate() {
        console_log!("plain, batch 16, step {}: {step:?}", i + 1);
    }
    let work = sample.gpu.expect("six steps counted");
    assert_eq!(work.later_steps, 4);
    let step = work.per_step();
    assert!(
        step.dispatches <= PLAIN_DISPATCHES,
        "{} dispatches per step",
        step.dispatches
    );
    assert!(
        step.reads <= 1,
        "one read-back per step (the loss): {step:?}"
    );
    assert!(
        work.first_step.pipelines <= PLAIN_FIRST_PIPELINES,
        "{} pipelines before the first step",
        work.first_step.pipelines
    );
    // From the fourth step on, nothing new: no pipeline, no buffer, no upload.
    for (i, later) in meter.steps().iter().enumerate().skip(PLAIN_STEADY_FROM - 1) {
        let churn = (later.pipelines, later.buffers, later.writes);
        assert_eq!(churn, (0, 0, 0), "step {}: {later:?}", i + 1);
    }
}

/// Measure speed's timing, with the asynchronous reads WebGPU needs, on both of the page's
/// backends.
#[wasm_bindgen_test]
async fn training_steps_are_timed_on_webgpu_and_in_webassembly() {
    let gpu = gpu().await;
    let model = ModelSpec::parse("conv 4 3 relu, maxpool 2, flatten, dense 10").unwrap();
    let budget = SpeedBudget {
        seconds: 0.0,
        min_steps: 2,
        max_steps: 10,
    };
    for device in [gpu.device.clone().autodiff(), Device::flex().autodiff()] {
        let mut steps = RandomSteps::new(&model, OptimizerKind::Adadelta, 4, &device);
        let sample = measure_speed(&mut steps, budget, None).await.unwrap();
        console_log!("timed: {sample:?}");
        assert_eq!((sample.steps, sample.batch_size), (2, 4));
        assert!(sample.images_per_second.is_finite() && sample.images_per_second > 0.0);
    }
}

fn dataset_files(per_batch: usize) -> Vec<(String, Vec<u8>)> {
    TRAIN_BATCHES
        .iter()
        .chain([&TEST_BATCH])
        .enumerate()
        .map(|(i, name)| {
            let set = synthetic::banded(per_batch, i as u64);
            (name.to_string(), encode_records(&set.labels, &set.pixels))
        })
        .collect()
}

#[wasm_bindgen_test]
fn batches_and_the_archive_parse_in_wasm() {
    let files = dataset_files(20);
    let set = Cifar10::from_files(
        "https://example.org/data/",
        files.iter().map(|(n, b)| BatchFile { name: n, bytes: b }),
    )
    .unwrap();
    assert_eq!((set.train.len(), set.test.len()), (100, 20));
    assert_eq!(set.train.labels[..3], synthetic::banded(20, 0).labels[..3]);

    let archive = {
        use std::io::Write;
        let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut tar = tar::Builder::new(gz);
        for (name, bytes) in &files {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            let path = format!("{ARCHIVE_DIR}/{name}");
            tar.append_data(&mut header, path, bytes.as_slice())
                .unwrap();
        }
        let mut gz = tar.into_inner().unwrap();
        gz.flush().unwrap();
        gz.finish().unwrap()
    };
    let from_archive = Cifar10::from_archive("picked.tar.gz", archive.as_slice()).unwrap();
    assert_eq!(from_archive.train, set.train);

    let mut truncated = files.clone();
    truncated[1].1.truncate(3073 * 5 + 100);
    let error = Cifar10::from_files(
        "https://example.org/data/",
        truncated
            .iter()
            .map(|(n, b)| BatchFile { name: n, bytes: b }),
    )
    .unwrap_err();
    assert!(matches!(error, DataError::BadLength { .. }), "{error:?}");
    assert!(error.to_string().contains("data_batch_2.bin"), "{error}");
}

fn canvas(width: u32, height: u32) -> HtmlCanvasElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = document.create_element("canvas").unwrap().unchecked_into();
    canvas.set_width(width);
    canvas.set_height(height);
    document.body().unwrap().append_child(&canvas).unwrap();
    canvas
}

/// Pixels of `canvas` inside the rectangle that are neither white nor transparent.
fn inked(canvas: &HtmlCanvasElement, x: f64, y: f64, w: f64, h: f64) -> usize {
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    let data = ctx.get_image_data(x, y, w, h).unwrap().data();
    data.chunks(4)
        .filter(|p| p[3] > 0 && (p[0] < 200 || p[1] < 200 || p[2] < 200))
        .count()
}

#[wasm_bindgen_test]
fn charts_paint_their_canvases() {
    let mut history = History::default();
    for epoch in 1..=3 {
        let e = epoch as f64;
        history.push(EpochRecord {
            epoch,
            loss: 1.5 - 0.3 * e,
            acc: 0.45 + 0.1 * e,
            val_loss: 1.4 - 0.2 * e,
            val_acc: 0.5 + 0.05 * e,
            seconds: 10.0,
            us_per_sample: 100.0,
            lr: 1.0,
        });
    }
    let curves = canvas(560, 380);
    let runs = [CurveRun {
        name: "plain",
        history: &history,
        running: None,
    }];
    let blank = inked(&curves, 0.0, 0.0, 560.0, 380.0);
    paint_curves(&curves, &runs, Metric::Accuracy).unwrap();
    let painted = inked(&curves, 0.0, 0.0, 560.0, 380.0);
    assert_eq!(blank, 0, "a new canvas is blank");
    assert!(painted > 2_000, "the curve chart inked {painted} pixels");

    let names: Vec<String> = ["cat", "dog", "ship"].map(String::from).to_vec();
    let matrix = ConfusionMatrix::from_labels(3, &[0, 0, 1, 1, 2, 2], &[0, 1, 1, 1, 2, 0]);
    let heatmap = canvas(620, 560);
    let layout = paint_confusion(&heatmap, &matrix, &names, Normalization::Recall, "test").unwrap();
    // The darkest cell (dog → dog, recall 1.0) is filled.
    let (x0, y0, x1, y1) = layout.cell_bounds(1, 1);
    let cell_area = ((x1 - x0) * (y1 - y0)) as usize;
    let filled = inked(
        &heatmap,
        x0 as f64,
        y0 as f64,
        (x1 - x0) as f64,
        (y1 - y0) as f64,
    );
    assert!(filled > cell_area / 2, "{filled} of {cell_area} pixels");
    // The 45° column labels, which the canvas layer paints itself, are there.
    let label = &layout.angled_labels[0];
    let ink = inked(&heatmap, label.x as f64 - 30.0, label.y as f64, 30.0, 30.0);
    assert!(ink > 10, "the first angled label inked {ink} pixels");
    assert_eq!(
        layout.cell_at(layout.cell_centre(2, 0).0, layout.cell_centre(2, 0).1),
        Some((2, 0))
    );
}

/// cifar-lab's envelopes (a request with the archive's `File`, an event with weights' bytes,
/// transferred) survive the browser's structured clone through a real message channel.
#[wasm_bindgen_test]
async fn worker_messages_survive_a_message_channel() {
    let channel = MessageChannel::new().unwrap();
    let received = Rc::new(RefCell::new(Vec::new()));
    let (done, resolve) = {
        let mut resolve = None;
        let promise = js_sys::Promise::new(&mut |r, _| resolve = Some(r));
        (promise, resolve.unwrap())
    };
    let sink = received.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |m: MessageEvent| {
        sink.borrow_mut().push(m.data());
        if sink.borrow().len() == 2 {
            resolve.call0(&wasm_bindgen::JsValue::NULL).unwrap();
        }
    });
    channel
        .port2()
        .set_onmessage(Some(on_message.as_ref().unchecked_ref()));

    let request = Request::LoadArchive {
        name: "cifar-10-binary.tar.gz".into(),
    };
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(&b"archive bytes"[..]));
    let file = web_sys::File::new_with_u8_array_sequence(&parts, "cifar-10-binary.tar.gz").unwrap();
    let packed = envelope::pack_request(&request, Some(&file));
    channel.port1().post_message(&packed).unwrap();
    let event = Event::Weights {
        run: "plain #2".into(),
        model: Architecture::Plain.into(),
    };
    let weights = vec![7u8; 1000];
    let (packed, transfer) = envelope::pack_event(&event, Some(&weights));
    channel
        .port1()
        .post_message_with_transferable(&packed, &transfer)
        .unwrap();
    JsFuture::from(done).await.unwrap();

    let got = received.borrow().clone();
    let (unpacked, file) = envelope::unpack_request(&got[0]).unwrap();
    assert_eq!(unpacked, request);
    let text = JsFuture::from(file.expect("the file came along").text())
        .await
        .unwrap();
    assert_eq!(text.as_string().unwrap(), "archive bytes");
    let (unpacked, bytes) = envelope::unpack_event(&got[1]).unwrap();
    assert_eq!(unpacked, event);
    assert_eq!(bytes.as_deref(), Some(&weights[..]));
    // Plain text is not an envelope; an unknown event is refused, not guessed at.
    assert!(envelope::unpack_event(&"{}".into()).is_err());
    let (junk, _) = envelope::pack_event(&Event::Ready, None);
    js_sys::Reflect::set(
        &junk,
        &"json".into(),
        &"{\"type\":\"no_such_event\"}".into(),
    )
    .unwrap();
    assert!(envelope::unpack_event(&junk).is_err());
}
