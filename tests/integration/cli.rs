//! The command line end to end: train on a small generated archive, check the run folder,
//! re-evaluate the saved weights, and bad input.

use crate::common;

use std::process::Command;

use cifar_lab::eval::RunMetrics;
use cifar_lab::history::History;
use cifar_lab::train::RunConfig;

fn cifar_lab(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cifar-lab"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn train_then_evaluate_from_an_archive() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("cifar-10-binary.tar.gz");
    std::fs::write(&archive, common::official_tar_gz(&common::files(16, 40))).unwrap();
    let out = tmp.path().join("run");
    let (ok, stdout, stderr) = cifar_lab(&[
        "train",
        "--data",
        archive.to_str().unwrap(),
        "--model",
        "plain",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--subset",
        "64",
        "--flip",
        "--translate",
        "2",
        "--shards",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("Total params: 1,626,442"), "{stdout}");
    assert!(
        stdout.contains("flipped and shifted by up to 2 px"),
        "{stdout}"
    );
    assert!(stdout.contains("(batch 16 in 2 parts, "), "{stdout}");
    assert!(
        stdout.contains("Train on 64 samples, validate on 12 samples"),
        "{stdout}"
    );
    assert!(stdout.contains("epoch 2 - "), "{stdout}");
    assert!(stdout.contains("macro avg"), "{stdout}");
    assert!(stdout.contains("Diagnosis: "), "{stdout}");

    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();
    let history = History::from_json(&read("history.json")).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(History::from_csv(&read("history.csv")).unwrap().len(), 2);
    let metrics: RunMetrics = serde_json::from_str(&read("metrics.json")).unwrap();
    assert_eq!(metrics.confusion.total(), 12);
    assert!((metrics.accuracy - history.last().unwrap().val_acc).abs() < 1e-12);
    let confusion = read("confusion.csv");
    assert!(confusion.starts_with("true\\predicted,airplane,automobile"));
    assert_eq!(confusion.lines().count(), 11);
    let config: RunConfig = serde_json::from_str(&read("config.json")).unwrap();
    assert_eq!((config.train_samples, config.val_samples), (64, 12));
    let augment = config.train.augment;
    assert!(augment.flip && augment.translate == 2, "{augment:?}");
    assert_eq!(
        config.train.shards, 2,
        "the batches were computed in two parts"
    );
    assert!(out.join("model.bpk").exists());
    let report = read("report.html");
    assert!(report.starts_with("<!doctype html>"));
    assert!(report.contains("<svg") && report.contains("Diagnosis:"));
    assert!(
        !report.contains("<script") && !report.contains("src=\"http"),
        "self-contained"
    );

    // A report comparing three runs (the same one under two names, and a third folder named
    // like the first): each section and chart file has a name of its own.
    let twin = tmp.path().join("twin");
    let namesake = tmp.path().join("other").join("run");
    for dir in [&twin, &namesake] {
        std::fs::create_dir_all(dir).unwrap();
        for name in ["history.json", "metrics.json", "config.json"] {
            std::fs::copy(out.join(name), dir.join(name)).unwrap();
        }
    }
    let both = tmp.path().join("both.html");
    let (ok, stdout, stderr) = cifar_lab(&[
        "report",
        out.to_str().unwrap(),
        twin.to_str().unwrap(),
        namesake.to_str().unwrap(),
        "--out",
        both.to_str().unwrap(),
        "--png",
        tmp.path().join("charts").to_str().unwrap(),
    ]);
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let both = std::fs::read_to_string(both).unwrap();
    let tmp_name = tmp.path().file_name().unwrap().to_str().unwrap();
    let first = format!("{tmp_name}/run");
    // Every run is on the curves, each with its best validation accuracy.
    for name in [first.as_str(), "twin", "other/run"] {
        assert!(both.contains(&format!("{name} · best 0.")), "{name}");
        assert!(both.contains(&format!("<h2>Run {name}</h2>")), "{name}");
    }
    let first_png = format!("{}-confusion.png", cifar_lab::report::file_stem(&first));
    for png in [
        "curves.png",
        &first_png,
        "twin-confusion.png",
        "other_run-confusion.png",
    ] {
        let bytes = std::fs::read(tmp.path().join("charts").join(png)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{png} is a PNG");
    }

    // Re-evaluate on the whole test batch (40 images) with the model recorded in the weights.
    let (ok, stdout, stderr) = cifar_lab(&[
        "evaluate",
        "--data",
        archive.to_str().unwrap(),
        "--weights",
        out.join("model.bpk").to_str().unwrap(),
    ]);
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("`plain` on the 40 test images: accuracy"),
        "{stdout}"
    );

    // The same weights for PyTorch (model.safetensors, model.py) evaluate alike, to the
    // last bit of every logit.
    let python = read("model.py");
    assert!(python.contains("class Net(nn.Sequential):"), "{python}");
    assert!(python.contains("MODEL = \"plain\""), "{python}");
    let logits = |weights: &str| {
        let csv = tmp.path().join(format!("{weights}.csv"));
        let (ok, stdout, stderr) = cifar_lab(&[
            "evaluate",
            "--data",
            archive.to_str().unwrap(),
            "--weights",
            out.join(weights).to_str().unwrap(),
            "--logits",
            csv.to_str().unwrap(),
        ]);
        assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
        let accuracy = stdout.lines().next().unwrap().to_string();
        (accuracy, std::fs::read_to_string(csv).unwrap())
    };
    let (bpk, safetensors) = (logits("model.bpk"), logits("model.safetensors"));
    assert_eq!(bpk, safetensors);
    assert!(
        bpk.1.starts_with("image,label,airplane,automobile,"),
        "{}",
        bpk.1
    );
    assert_eq!(bpk.1.lines().count(), 41, "a header and 40 images");

    // Weights of one model offered as another's.
    let (ok, _, stderr) = cifar_lab(&[
        "evaluate",
        "--data",
        archive.to_str().unwrap(),
        "--weights",
        out.join("model.bpk").to_str().unwrap(),
        "--model",
        "deeper",
    ]);
    assert!(!ok);
    assert!(
        stderr.contains("are for the `plain` model, not `deeper`"),
        "{stderr}"
    );
}

#[test]
fn bad_data_gives_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = common::files(4, 4);
    files[2].1.truncate(5000);
    common::write_dir(tmp.path(), &files);
    let (ok, _, stderr) = cifar_lab(&[
        "train",
        "--data",
        tmp.path().to_str().unwrap(),
        "--out",
        tmp.path().join("run").to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("data_batch_3.bin"), "{stderr}");
    assert!(
        stderr.contains("not a whole number of 3,073-byte CIFAR-10 records"),
        "{stderr}"
    );

    let (ok, _, stderr) = cifar_lab(&["train", "--data", "x", "--model", "resnet", "--out", "y"]);
    assert!(!ok);
    assert!(stderr.contains("unknown model `resnet`"), "{stderr}");
}

#[test]
fn report_of_a_missing_run_names_the_file() {
    let (ok, _, stderr) = cifar_lab(&["report", "/no/such/run", "--out", "/tmp/x.html"]);
    assert!(!ok);
    assert!(stderr.contains("/no/such/run/history.json"), "{stderr}");
}

/// A `metrics.json` whose parts disagree (edited by hand, or damaged) is refused in words,
/// naming the file and what is wrong, instead of panicking in the charts.
#[test]
fn report_of_damaged_metrics_names_what_is_wrong() {
    use cifar_lab::data::ClassNames;
    use cifar_lab::eval::{ConfusionMatrix, Evaluation};
    let confusion = ConfusionMatrix::from_labels(10, &[3, 3, 1], &[3, 5, 1]);
    let evaluation = Evaluation {
        loss: 0.9,
        accuracy: confusion.accuracy(),
        predictions: vec![3, 5, 1],
        confidence: vec![0.9, 0.6, 0.7],
        probabilities: vec![0.1; 30],
        confusion,
    };
    let metrics = RunMetrics::new(&evaluation, &History::default(), &ClassNames::default());
    let good: serde_json::Value = serde_json::from_str(&metrics.to_json()).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    type Change = fn(&mut serde_json::Value);
    let changes: [(&str, Change); 3] = [
        ("found 3", |v| {
            v["classes"] = serde_json::json!(["a", "b", "c"])
        }),
        ("names class 99 → 5", |v| {
            v["top_confusions"][0]["truth"] = 99.into()
        }),
        ("row 2 of the confusion matrix has 11 counts", |v| {
            v["confusion"]["counts"][1]
                .as_array_mut()
                .unwrap()
                .push(7.into())
        }),
    ];
    for (i, (expected, change)) in changes.into_iter().enumerate() {
        let run = tmp.path().join(format!("run{i}"));
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(run.join("history.json"), History::default().to_json()).unwrap();
        let mut metrics = good.clone();
        change(&mut metrics);
        std::fs::write(run.join("metrics.json"), metrics.to_string()).unwrap();
        let out = tmp.path().join("report.html");
        let status = Command::new(env!("CARGO_BIN_EXE_cifar-lab"))
            .args([
                "report",
                run.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&status.stderr);
        assert_eq!(status.status.code(), Some(1), "{expected}: {stderr}");
        assert!(
            stderr.contains(&format!("run{i}/metrics.json")) && stderr.contains(expected),
            "{stderr}"
        );
        assert!(!out.exists());
    }
}

#[test]
fn summary_prints_keras_style() {
    let (ok, stdout, _) = cifar_lab(&["summary", "--model", "deeper"]);
    assert!(ok);
    assert!(stdout.contains("Total params: 1,250,858"), "{stdout}");
    assert!(stdout.contains("conv2d_3 (Conv2D)"), "{stdout}");
}

/// A layer list on the command line: trained, recorded in config.json and in the weights
/// (evaluated again without naming it), and refused, naming the layer, before --out exists.
#[test]
fn your_own_model_trains_and_evaluates() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::write_dir(&data, &common::files(16, 16));
    let out = tmp.path().join("run");
    let layers = "conv 8 3 same gelu, batchnorm, maxpool 2, flatten, dense 10";
    let data = data.to_str().unwrap();
    let train = |model: &str, out: &str| {
        let args = ["train", "--data", data, "--model", model, "--epochs", "1"];
        cifar_lab(&[&args[..], &["--batch-size", "8", "--out", out]].concat())
    };
    let (ok, stdout, stderr) = train(layers, out.to_str().unwrap());
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("Model: \"custom\""), "{stdout}");
    assert!(
        stdout.contains("batch_normalization (BatchNormalization)"),
        "{stdout}"
    );
    // 3·3·3·8 + 8 = 224; 2·8 + 2·8 = 32; 16·16·8 · 10 + 10 = 20,490.
    assert!(stdout.contains("Total params: 20,746"), "{stdout}");
    assert!(stdout.contains("Non-trainable params: 16"), "{stdout}");
    let config: RunConfig =
        serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(config.train.model.to_string(), layers);
    assert_eq!(config.train.epochs, 1);

    let weights = out.join("model.bpk");
    let args = [
        "evaluate",
        "--data",
        data,
        "--weights",
        weights.to_str().unwrap(),
    ];
    std::fs::remove_file(out.join("config.json")).unwrap();
    let (ok, stdout, stderr) = cifar_lab(&args);
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(
        stdout.contains("`custom` on the 16 test images"),
        "{stdout}"
    );

    let never = tmp.path().join("never");
    let (ok, _, stderr) = train(
        "conv 8 3, maxpool 64, flatten, dense 10",
        never.to_str().unwrap(),
    );
    assert!(!ok);
    assert!(
        stderr.contains("layer 2 `maxpool 64`: a 64×64 pool does not fit the 30×30 image here"),
        "{stderr}"
    );
    assert!(!never.exists());
}

/// A weights file may record a model that `train` refuses at any batch (a kernel of 501 unfolds
/// each image into 3 GB of scratch memory per thread): `evaluate` refuses it in the same words
/// before it runs, instead of running out of memory (12 GB asked for `conv 1 1001 same`).
#[test]
fn weights_of_a_model_too_wide_to_run_are_refused_as_training_is() {
    use cifar_lab::model::{Cnn, ModelSpec, save_weights};
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::write_dir(&data, &common::files(16, 16));
    let data = data.to_str().unwrap();
    let layers = "conv 1 501 same, flatten, dense 10";
    let spec = ModelSpec::parse(layers).unwrap();
    let weights = tmp.path().join("wide.bpk");
    let model = {
        // Drawn from the backend's one random generator, as other tests' models are.
        let _turn = common::take_turn();
        Cnn::new(&spec, &burn::tensor::Device::flex())
    };
    save_weights(&model, &spec, &weights).unwrap();
    let why = "layer 1 `conv 1 501 same`: the CPU convolution unfolds each image into";

    let out = tmp.path().join("run");
    let args = ["train", "--data", data, "--model", layers, "--epochs", "1"];
    let (ok, _, stderr) = cifar_lab(
        &[
            &args[..],
            &["--batch-size", "8", "--out", out.to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(!ok && stderr.contains(why), "{stderr}");

    let weights = weights.to_str().unwrap();
    let args = [
        "evaluate",
        "--data",
        data,
        "--weights",
        weights,
        "--batch-size",
        "8",
    ];
    let (ok, stdout, stderr) = cifar_lab(&args);
    assert!(!ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stderr.contains(&format!("{weights}: {why}")), "{stderr}");
}

/// A FIFO (or a device) given where a file belongs is refused at once, read or written: every
/// one of these waited for ever for the other end of the pipe.
#[test]
fn a_fifo_given_as_a_file_is_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo = fifo.to_str().unwrap();
    let data = tmp.path().join("data");
    common::write_dir(&data, &common::files(16, 16));
    let data = data.to_str().unwrap();
    let run = tmp.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("history.json"), "[]").unwrap();
    let piped_run = tmp.path().join("piped");
    std::fs::create_dir_all(&piped_run).unwrap();
    std::os::unix::fs::symlink(fifo, piped_run.join("history.json")).unwrap();
    let run = run.to_str().unwrap();
    let dist = tmp.path().join("dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(dist.join("index.html"), "<!doctype html>").unwrap();
    let dist = dist.to_str().unwrap();
    let out = tmp.path().join("out").to_str().unwrap().to_owned();
    let cases: [&[&str]; 6] = [
        &["train", "--data", fifo, "--epochs", "1", "--out", &out],
        &["evaluate", "--data", data, "--weights", fifo],
        &["serve", "--dist", dist, "--data", fifo, "--port", "0"],
        &["report", piped_run.to_str().unwrap(), "--out", &out],
        &["report", run, "--out", fifo],
        &["report", run, "--out", "/dev/null"],
    ];
    for args in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_cifar-lab"))
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > std::time::Duration::from_secs(30) {
                child.kill().unwrap();
                panic!("{args:?} waited on the FIFO");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!status.success(), "{args:?}");
        assert!(
            stderr.contains("not a regular file (a folder, a pipe or a device)"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn bench_prints_json_and_a_table_of_every_model() {
    let small = [
        "--batch-size",
        "2",
        "--warmup",
        "1",
        "--steps",
        "1",
        "--runs",
        "1",
    ];
    let mut args = vec!["bench", "--model", "dropout", "--backend", "flex", "--json"];
    args.extend(small);
    let (ok, stdout, stderr) = cifar_lab(&args);
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let result: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(result["model"], "dropout");
    assert_eq!(result["backend"], "flex");
    assert!(
        result["images_per_second"].as_f64().unwrap() > 0.0,
        "{result}"
    );
    assert!(
        result["first_step_seconds"].as_f64().unwrap() > 0.0,
        "{result}"
    );

    // --all, with a peer's line added: one row per model (all five) and backend, ratios to flex.
    let tmp = tempfile::tempdir().unwrap();
    let peers = tmp.path().join("peers.jsonl");
    let peer = r#"{"model":"plain","backend":"Other 1.0","batch_size":2,"first_step_seconds":1.0,"images_per_second":1e9,"peak_rss_mib":null}"#;
    std::fs::write(&peers, format!("{peer}\nnot json\n")).unwrap();
    let table = tmp.path().join("table.md");
    let mut args = vec![
        "bench",
        "--all",
        "--skip-wgpu",
        "--peers",
        peers.to_str().unwrap(),
    ];
    args.extend(["--markdown", table.to_str().unwrap()]);
    args.extend(small);
    let (ok, stdout, stderr) = cifar_lab(&args);
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let table = std::fs::read_to_string(table).unwrap();
    assert_eq!(table.trim(), stdout.trim());
    let rows: Vec<&str> = table.lines().skip(2).collect();
    assert_eq!(rows.len(), 6, "{table}");
    for model in ["plain", "dropout", "deeper", "deeper-bn", "fast94"] {
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("| {model} | flex | ")) && r.contains(" | 1.00 | ")),
            "{table}"
        );
    }
    assert!(
        rows[1].starts_with("| plain | Other 1.0 | 1000000000 |"),
        "{table}"
    );
}

/// `--out` is never overwritten by accident: settings are checked before it is touched, a
/// folder holding a run needs --force (which removes only that run's files), and a folder of
/// other files is refused outright.
#[test]
fn the_run_folder_is_protected() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::write_dir(&data, &common::files(8, 8));
    let out = tmp.path().join("run");
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "--data",
            data.to_str().unwrap(),
            "--batch-size",
            "16",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        if !args.contains(&"--epochs") {
            args.extend(["--epochs", "1"]);
        }
        cifar_lab(&args)
    };
    let (ok, stdout, stderr) = train(&[]);
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let config = std::fs::read_to_string(out.join("config.json")).unwrap();

    // Bad settings: refused before anything is written, even with --force.
    let (ok, _, stderr) = train(&["--epochs", "0", "--force"]);
    assert!(!ok);
    assert!(stderr.contains("must all be positive"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("config.json")).unwrap(),
        config
    );

    // A second run into the same folder.
    let (ok, _, stderr) = train(&["--seed", "7"]);
    assert!(!ok);
    assert!(
        stderr.contains("holds another run") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("config.json")).unwrap(),
        config
    );
    let (ok, stdout, stderr) = train(&["--seed", "7", "--force"]);
    assert!(ok, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let replaced: RunConfig =
        serde_json::from_str(&std::fs::read_to_string(out.join("config.json")).unwrap()).unwrap();
    assert_eq!(replaced.train.seed, 7);
    assert!(
        std::fs::read_dir(&out).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".partial")),
        "no temporary files are left"
    );

    // A folder with someone else's files.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let (ok, _, stderr) = train(&["--force"]);
    assert!(!ok);
    assert!(stderr.contains("not a run's"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
}

/// The history is on disk after every epoch: a run killed in the middle keeps what it did.
#[test]
fn a_killed_run_keeps_its_completed_epochs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::write_dir(&data, &common::files(8, 8));
    let out = tmp.path().join("run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cifar-lab"))
        .args([
            "train",
            "--data",
            data.to_str().unwrap(),
            "--epochs",
            "1000",
        ])
        .args(["--batch-size", "16", "--out", out.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let history = out.join("history.json");
    let started = std::time::Instant::now();
    while !history.exists() {
        assert!(
            started.elapsed().as_secs() < 120,
            "no history after two minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = History::from_json(&std::fs::read_to_string(&history).unwrap()).unwrap();
    assert!(
        !kept.is_empty() && kept.len() < 1000,
        "{} epochs",
        kept.len()
    );
    assert!(
        !out.join("model.bpk").exists(),
        "killed before the end: no weights yet"
    );
}
