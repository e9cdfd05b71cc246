//! Charts rendered to SVG and PNG on the host, checked for real content.

use cifar_lab::data::ClassNames;
use cifar_lab::eval::{ConfusionMatrix, Normalization};
use cifar_lab::history::{EpochRecord, History};
use cifar_lab::plot::render::{bitmap, svg};
use cifar_lab::plot::{CurveRun, HeatmapLayout, draw_confusion, draw_curves, draw_difference};

fn history(epochs: usize, offset: f64) -> History {
    History {
        epochs: (1..=epochs)
            .map(|e| EpochRecord {
                epoch: e,
                loss: 1.5 / e as f64,
                acc: 0.5 + 0.05 * e as f64 - offset,
                val_loss: 1.2 / e as f64 + 0.1,
                val_acc: 0.55 + 0.02 * e as f64 - offset,
                seconds: 10.0,
                us_per_sample: 100.0,
                lr: 1.0,
            })
            .collect(),
    }
}

/// `(x, y, content)` of every `<text>` element, with any `transform`.
fn texts(svg: &str) -> Vec<(f64, f64, String, Option<String>)> {
    let attr = |tag: &str, name: &str| {
        let key = format!(" {name}=\"");
        tag.find(&key).map(|i| {
            let rest = &tag[i + key.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
    };
    svg.match_indices("<text")
        .map(|(i, _)| {
            let tag_end = i + svg[i..].find('>').unwrap();
            let tag = &svg[i..tag_end];
            let close = tag_end + svg[tag_end..].find("</text>").unwrap();
            let content = svg[tag_end + 1..close].trim().to_string();
            let x = attr(tag, "x").unwrap().parse().unwrap();
            let y = attr(tag, "y").unwrap().parse().unwrap();
            (x, y, content, attr(tag, "transform"))
        })
        .collect()
}

fn matrix(seed: u64) -> ConfusionMatrix {
    let mut m = ConfusionMatrix::new(10);
    for t in 0..10 {
        for p in 0..10 {
            m.counts[t][p] = if t == p {
                600 + 17 * t as u64
            } else {
                (t * 7 + p * 3 + seed as usize) as u64 % 40
            };
        }
    }
    m
}

#[test]
fn curves_label_every_series_and_use_whole_epochs() {
    let (a, b) = (history(8, 0.0), history(11, 0.05));
    let runs = [
        CurveRun {
            name: "plain",
            history: &a,
            running: None,
        },
        CurveRun {
            name: "dropout",
            history: &b,
            running: None,
        },
    ];
    let out = svg(1000, 420, |area| draw_curves(area, &runs).map(|_| vec![])).unwrap();
    let all = texts(&out);
    let contents: Vec<String> = all.iter().map(|t| t.2.clone()).collect();
    let count = |label: &str| contents.iter().filter(|c| *c == label).count();
    // The line styles are explained once per chart (accuracy and loss), each run named once
    // per chart, with its best validation accuracy on the accuracy chart.
    for key in ["validation", "training", "best"] {
        assert_eq!(count(key), 2, "{key}");
    }
    for label in [
        "plain · best 0.710",
        "dropout · best 0.720",
        "plain",
        "dropout",
    ] {
        assert_eq!(count(label), 1, "{label}");
    }
    for axis in ["epoch", "accuracy", "loss"] {
        assert!(contents.iter().any(|c| c == axis), "axis label {axis}");
    }
    // The epoch ticks of the accuracy chart: the texts on the row of the "1" tick.
    let one = all
        .iter()
        .find(|t| t.2 == "1" && t.0 < 500.0)
        .expect("a tick for epoch 1");
    let ticks: Vec<&str> = all
        .iter()
        .filter(|t| (t.1 - one.1).abs() < 1.0 && t.0 < 500.0 && t.2 != "epoch")
        .map(|t| t.2.as_str())
        .collect();
    assert_eq!(ticks, (1..=11).map(|e| e.to_string()).collect::<Vec<_>>());
    // Lines are 3 px wide.
    assert!(out.contains(r#"stroke-width="3""#));
}

/// The legend sits between the caption and the plot, in as many rows as it needs: with six
/// runs, a legend box inside the plot would cover the curves.
#[test]
fn a_crowded_legend_wraps_above_the_plot() {
    let names: Vec<String> = (0..6)
        .map(|i| format!("deeper-bn-augmented #{i}"))
        .collect();
    let histories: Vec<History> = (0..6).map(|i| history(15, 0.01 * i as f64)).collect();
    let runs: Vec<CurveRun<'_>> = names
        .iter()
        .zip(&histories)
        .map(|(name, history)| CurveRun {
            name,
            history,
            running: None,
        })
        .collect();
    let out = svg(1100, 430, |area| draw_curves(area, &runs).map(|_| vec![])).unwrap();
    let all = texts(&out);
    let accuracy: Vec<_> = all.iter().filter(|t| t.0 < 550.0).collect();
    let legend: Vec<_> = accuracy
        .iter()
        .filter(|t| t.2.starts_with("deeper-bn-augmented #") || t.2 == "validation")
        .collect();
    assert_eq!(legend.len(), 7);
    let rows: std::collections::BTreeSet<i64> = legend.iter().map(|t| t.1 as i64).collect();
    assert!(rows.len() >= 2, "one row for 7 entries in 550 px: {rows:?}");
    // The plot's top edge is where the highest y tick is drawn.
    let top = accuracy
        .iter()
        .filter(|t| t.2.contains('.') && t.2.parse::<f64>().is_ok())
        .map(|t| t.1)
        .min_by(f64::total_cmp)
        .expect("the top y tick");
    for t in &legend {
        assert!(
            t.1 + 6.0 < top,
            "{} at y {} inside the plot (top {top})",
            t.2,
            t.1
        );
    }
    let caption = accuracy.iter().find(|t| t.2 == "accuracy" && t.3.is_none());
    assert!(caption.expect("the caption").1 < legend[0].1);
}

#[test]
fn empty_and_single_epoch_histories_render() {
    let empty = History::default();
    let one = history(1, 0.0);
    for h in [&empty, &one] {
        let runs = [CurveRun {
            name: "x",
            history: h,
            running: None,
        }];
        let out = svg(600, 450, |area| draw_curves(area, &runs).map(|_| vec![])).unwrap();
        assert!(out.contains("<svg"));
        assert_eq!(out.contains("no epochs yet"), h.is_empty());
    }
    let none: [CurveRun<'_>; 0] = [];
    svg(600, 450, |area| draw_curves(area, &none).map(|_| vec![])).unwrap();
}

/// A stored run may hold any finite number (a diverged run's loss of 1e308, a file edited by
/// hand): its chart is drawn, in time, with ticks. An infinite axis range once sent plotters'
/// tick search into an endless loop, freezing `report` and the page's tab.
#[test]
fn enormous_numbers_are_drawn_in_time() {
    let mut h = history(3, 0.0);
    h.epochs[1].loss = 1.7e308;
    h.epochs[1].val_loss = f64::MAX;
    h.epochs[2].acc = -1e308;
    h.epochs[2].val_acc = 1e308;
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runs = [CurveRun {
            name: "diverged",
            history: &h,
            running: None,
        }];
        let out = svg(1000, 420, |area| draw_curves(area, &runs).map(|_| vec![])).unwrap();
        let _ = done.send(out);
    });
    let out = finished
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("drawn within a minute");
    let labels: Vec<String> = texts(&out).into_iter().map(|t| t.2).collect();
    assert!(labels.iter().any(|l| l == "loss"), "{labels:?}");
    // The loss axis has ticks beyond its 0.
    let ticks = labels.iter().filter(|l| l.parse::<f64>().is_ok()).count();
    assert!(ticks >= 6, "{labels:?}");
}

fn heatmap_svg(m: &ConfusionMatrix, mode: Normalization) -> (String, HeatmapLayout) {
    let names = ClassNames::default().0;
    let mut layout = None;
    let out = svg(600, 560, |area| {
        draw_confusion(area, m, &names, mode, "confusion").map(|l| {
            let labels = l.angled_labels.clone();
            layout = Some(l);
            labels
        })
    })
    .unwrap();
    (out, layout.unwrap())
}

#[test]
fn heatmap_has_every_label_cell_and_count() {
    let m = matrix(0);
    let (out, layout) = heatmap_svg(&m, Normalization::Counts);
    let texts = texts(&out);
    for name in ClassNames::default().0 {
        let with_name: Vec<_> = texts.iter().filter(|t| t.2 == name).collect();
        assert_eq!(
            with_name.len(),
            2,
            "{name}: row label and tilted column label"
        );
        let tilted = with_name
            .iter()
            .filter(|t| t.3.as_deref().is_some_and(|r| r.starts_with("rotate(-45")))
            .count();
        assert_eq!(tilted, 1, "{name}: the predicted-axis label is tilted 45°");
    }
    // 100 cells, each a rectangle of the layout's cell size at its place, with its count at
    // its centre.
    let cell = layout.cell.round() as i64;
    let rects = out.matches("<rect").count();
    assert!(rects >= 100);
    let mut cells = 0;
    for t in 0..10 {
        for p in 0..10 {
            let (x0, y0, x1, y1) = layout.cell_bounds(t, p);
            assert!(((x1 - x0) as i64 - cell).abs() <= 1);
            let rect = format!(
                r#"<rect x="{x0}" y="{y0}" width="{}" height="{}""#,
                x1 - x0,
                y1 - y0
            );
            if out.contains(&rect) {
                cells += 1;
            }
            let (cx, cy) = layout.cell_centre(t, p);
            let count = m.counts[t][p].to_string();
            assert!(
                texts.iter().any(|(x, y, c, _)| *c == count
                    && (*x - cx as f64).abs() < 1.0
                    && (*y - cy as f64).abs() < 12.0),
                "count {count} at cell ({t}, {p})"
            );
        }
    }
    assert_eq!(cells, 100);
}

/// A matrix in a small box (a 1024-px window, a phone) keeps its text readable: the values
/// that would not fit their cells at 11 px are left to the tooltip, never shrunk below it.
#[test]
fn a_small_matrix_leaves_out_values_rather_than_shrink_them() {
    let names = ClassNames::default().0;
    let m = matrix(0);
    let draw = |width, height| {
        let mut layout = None;
        let out = svg(width, height, |area| {
            draw_confusion(area, &m, &names, Normalization::Counts, "confusion").map(|l| {
                let labels = l.angled_labels.clone();
                layout = Some(l);
                labels
            })
        })
        .unwrap();
        (out, layout.unwrap())
    };
    // The sizes `value` is written at, in pixels (plotters writes SVG font sizes over 1.24).
    let font_size = |svg: &str, value: &str| -> Vec<f64> {
        svg.match_indices("<text")
            .filter_map(|(i, _)| {
                let tag_end = i + svg[i..].find('>').unwrap();
                let close = tag_end + svg[tag_end..].find("</text>").unwrap();
                if svg[tag_end + 1..close].trim() != value {
                    return None;
                }
                let tag = &svg[i..tag_end];
                let at = tag.find("font-size=\"")? + "font-size=\"".len();
                let size: f64 = tag[at..].split('"').next()?.parse().ok()?;
                Some(size * 1.24)
            })
            .collect()
    };
    // 329×297 CSS px: the matrix's box at 1024 px wide before the layout stacked it.
    let (small, layout) = draw(329, 297);
    assert!(layout.cell < 20.0, "cell {}", layout.cell);
    let diagonal = m.counts[0][0].to_string();
    assert!(
        font_size(&small, &diagonal).is_empty(),
        "{diagonal} drawn in a {:.0}-px cell",
        layout.cell
    );
    // Roomy: every value, none below 11 px.
    let (large, layout) = draw(700, 632);
    assert!(layout.cell > 40.0);
    let sizes = font_size(&large, &diagonal);
    assert!(
        !sizes.is_empty() && sizes.iter().all(|s| *s >= 10.99),
        "{sizes:?}"
    );
}

#[test]
fn recall_and_precision_modes_show_shares() {
    let m = matrix(0);
    let (out, _) = heatmap_svg(&m, Normalization::Recall);
    // As percentages, as the mode's label says ("recall (row %)"), not as 0.82.
    let expected = format!("{:.0}%", m.value(0, 0, Normalization::Recall) * 100.0);
    assert!(texts(&out).iter().any(|t| t.2 == expected), "{expected}");
    assert!(
        texts(&out).iter().any(|t| t.2 == "100%"),
        "the colour bar's top"
    );
    let (out, _) = heatmap_svg(&m, Normalization::Precision);
    let expected = format!("{:.0}%", m.value(3, 1, Normalization::Precision) * 100.0);
    assert!(texts(&out).iter().any(|t| t.2 == expected), "{expected}");
}

#[test]
fn pixel_to_cell_round_trips_on_a_drawn_heatmap() {
    let (_, layout) = heatmap_svg(&matrix(0), Normalization::Counts);
    for t in 0..10 {
        for p in 0..10 {
            let (x, y) = layout.cell_centre(t, p);
            assert_eq!(layout.cell_at(x, y), Some((t, p)));
        }
    }
    assert_eq!(layout.cell_at(0, 0), None);
}

#[test]
fn difference_matrix_shows_signed_changes() {
    let a = matrix(0);
    let mut b = a.clone();
    b.counts[3][5] += 12;
    b.counts[3][3] -= 12;
    let names = ClassNames::default().0;
    let out = svg(600, 560, |area| {
        draw_difference(area, &a, &b, &names, "B − A").map(|l| l.angled_labels)
    })
    .unwrap();
    let contents: Vec<String> = texts(&out).into_iter().map(|t| t.2).collect();
    assert!(contents.contains(&"+12".to_string()));
    assert!(contents.contains(&"−12".to_string()));
    assert!(contents.iter().any(|c| c == "better") && contents.iter().any(|c| c == "worse"));
}

#[test]
fn bitmaps_are_painted_and_differ_between_matrices() {
    let names = ClassNames::default().0;
    let render = |m: &ConfusionMatrix| {
        bitmap(500, 480, |area| {
            draw_confusion(area, m, &names, Normalization::Counts, "c").map(|l| l.angled_labels)
        })
        .unwrap()
    };
    let a = render(&matrix(0));
    let b = render(&matrix(5));
    let non_white = a.chunks(3).filter(|px| px != &[255, 255, 255]).count();
    assert!(non_white > 500 * 480 / 5, "painted: {non_white} pixels");
    assert_ne!(a, b);
    // Tilted labels were painted below the grid: dark pixels in the bottom band.
    let bottom_band = &a[(420 * 500 * 3)..];
    assert!(bottom_band.chunks(3).any(|px| px[0] < 100));

    let h = history(15, 0.0);
    let runs = [CurveRun {
        name: "p",
        history: &h,
        running: None,
    }; 4];
    let curves = bitmap(600, 450, |area| draw_curves(area, &runs).map(|_| vec![])).unwrap();
    assert!(curves.chunks(3).any(|px| px != [255, 255, 255]));
}
