//! How long a full redraw of the live charts takes (the web page redraws after every epoch):
//! 4 runs × 15 epochs of curves and a 10×10 confusion matrix at 600×450, into a bitmap and
//! into SVG. Run with `cargo bench --bench charts`.

use std::time::Instant;

use cifar_lab::data::ClassNames;
use cifar_lab::eval::{ConfusionMatrix, Normalization};
use cifar_lab::history::{EpochRecord, History};
use cifar_lab::plot::render::{bitmap, svg};
use cifar_lab::plot::{CurveRun, draw_confusion, draw_curves};

fn main() {
    let histories: Vec<History> = (0..4)
        .map(|r| History {
            epochs: (1..=15)
                .map(|e| EpochRecord {
                    epoch: e,
                    loss: 2.0 / e as f64,
                    acc: 0.4 + 0.03 * e as f64 + 0.01 * r as f64,
                    val_loss: 1.5 / e as f64 + 0.2,
                    val_acc: 0.45 + 0.02 * e as f64,
                    seconds: 5.0,
                    us_per_sample: 100.0,
                    lr: 1.0,
                })
                .collect(),
        })
        .collect();
    let names = ["plain", "dropout", "deeper", "plain 2"];
    let runs: Vec<CurveRun<'_>> = histories
        .iter()
        .zip(names)
        .map(|(history, name)| CurveRun {
            name,
            history,
            running: None,
        })
        .collect();
    let mut matrix = ConfusionMatrix::new(10);
    for t in 0..10 {
        for p in 0..10 {
            matrix.counts[t][p] = if t == p {
                700
            } else {
                ((t * 13 + p * 7) % 60) as u64
            };
        }
    }
    let classes = ClassNames::default().0;

    let time = |label: &str, mut draw: Box<dyn FnMut()>| {
        draw(); // first use registers the font
        let n = 30;
        let started = Instant::now();
        for _ in 0..n {
            draw();
        }
        let ms = started.elapsed().as_secs_f64() * 1e3 / n as f64;
        println!("{label}: {ms:.2} ms per redraw");
    };
    time(
        "curves, 4 runs × 15 epochs, 600×450 bitmap",
        Box::new(|| {
            bitmap(600, 450, |a| draw_curves(a, &runs).map(|_| vec![])).unwrap();
        }),
    );
    time(
        "curves, 4 runs × 15 epochs, 600×450 SVG",
        Box::new(|| {
            svg(600, 450, |a| draw_curves(a, &runs).map(|_| vec![])).unwrap();
        }),
    );
    time(
        "confusion matrix, 600×450 bitmap",
        Box::new(|| {
            bitmap(600, 450, |a| {
                draw_confusion(a, &matrix, &classes, Normalization::Counts, "c")
                    .map(|l| l.angled_labels)
            })
            .unwrap();
        }),
    );
}
