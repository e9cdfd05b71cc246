//! The report as one self-contained HTML document: inline SVG charts, no external assets.

use std::fmt::Write;

use super::{RunSummary, numbered};
use crate::backend::BackendKind;
use crate::eval::Normalization;
use crate::history::{EPOCH_COLUMNS, EpochColumn};
use crate::plot::escape_xml as escape;
use crate::plot::measured::TextMeasure;
use crate::plot::svg::svg;
use crate::plot::{CurveRun, RenderError, draw_confusion, draw_curves};

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1180px;
padding:0 1rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2.5rem;border-bottom:1px solid #ddd}
h3{font-size:1.05rem;margin-bottom:.4rem}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:.3rem 0 1rem}
th,td{padding:.2rem .7rem;text-align:right;border-bottom:1px solid #eee}
th:first-child,td:first-child{text-align:left}
.matrices{display:flex;flex-wrap:wrap;gap:1rem}
.diagnosis{background:#f3f6fb;border-left:4px solid #0072b2;padding:.5rem .8rem}
svg{max-width:100%;height:auto}
";

fn number(v: f64) -> String {
    format!("{v:.3}")
}

/// The whole report as one HTML document, its charts' text measured by `text` (the embedded
/// font natively, the canvas in the page).
pub fn report_html(runs: &[RunSummary], text: &dyn TextMeasure) -> Result<String, RenderError> {
    let mut out = String::new();
    // Sections, legend entries and the title tell every run apart, whatever it was called.
    let names = numbered(runs.iter().map(|r| r.name.clone()).collect());
    let runs: Vec<RunSummary> = runs
        .iter()
        .zip(&names)
        .map(|(run, name)| RunSummary {
            name: name.clone(),
            ..run.clone()
        })
        .collect();
    let runs = runs.as_slice();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>cifar-lab report: {}</title><style>{STYLE}</style></head><body>\n\
         <h1>cifar-lab report</h1>\n",
        escape(&names.join(", "))
    );

    out.push_str(
        "<table><tr><th>run</th><th>model</th><th>epochs</th><th>final val acc</th>\
                  <th>best val acc (epoch)</th><th>final train acc</th></tr>\n",
    );
    for run in runs {
        let model = run
            .config
            .as_ref()
            .map(|c| c.train.model.name())
            .unwrap_or("?");
        let last = run.history.last();
        let best = run.history.best();
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{model}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&run.name),
            run.history.len(),
            last.map(|e| number(e.val_acc)).unwrap_or_default(),
            best.map(|e| format!("{} ({})", number(e.val_acc), e.epoch))
                .unwrap_or_default(),
            last.map(|e| number(e.acc)).unwrap_or_default(),
        );
    }
    out.push_str("</table>\n<h2>Accuracy and loss</h2>\n");
    let curves: Vec<CurveRun<'_>> = runs.iter().map(RunSummary::curves).collect();
    out.push_str(&svg(1100, 430, text, |area| {
        draw_curves(area, &curves).map(|_| vec![])
    })?);

    for run in runs {
        let _ = writeln!(out, "<h2>Run {}</h2>", escape(&run.name));
        match &run.metrics {
            None => out.push_str("<p>No epoch finished, so there is nothing to evaluate.</p>\n"),
            Some(m) => {
                let classes = m.classes.as_slice();
                let _ = writeln!(
                    out,
                    "<p class=\"diagnosis\"><strong>Diagnosis:</strong> {}</p>",
                    escape(&m.diagnosis.summary)
                );
                out.push_str("<div class=\"matrices\">\n");
                for (mode, title) in [
                    (Normalization::Counts, "confusion matrix (counts)"),
                    (
                        Normalization::Recall,
                        "confusion matrix (recall: share of each true class)",
                    ),
                ] {
                    let chart = svg(540, 520, text, |area| {
                        draw_confusion(area, &m.confusion, classes, mode, title)
                            .map(|layout| layout.angled_labels)
                    })?;
                    out.push_str(&chart);
                }
                out.push_str(
                    "</div>\n<h3>Per class</h3>\n<table><tr><th>class</th><th>precision</th>\
                              <th>recall</th><th>f1-score</th><th>support</th></tr>\n",
                );
                for (name, c) in classes.iter().zip(&m.report.per_class) {
                    let _ = writeln!(
                        out,
                        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(name),
                        number(c.precision),
                        number(c.recall),
                        number(c.f1),
                        c.support
                    );
                }
                let total = m.report.macro_avg.support;
                let _ = writeln!(
                    out,
                    "<tr><th>accuracy</th><td></td><td></td><td>{}</td><td>{total}</td></tr>",
                    number(m.report.accuracy)
                );
                for (label, a) in [
                    ("macro avg", &m.report.macro_avg),
                    ("weighted avg", &m.report.weighted_avg),
                ] {
                    let _ = writeln!(
                        out,
                        "<tr><th>{label}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        number(a.precision),
                        number(a.recall),
                        number(a.f1),
                        a.support
                    );
                }
                out.push_str("</table>\n<h3>Most confused (true → predicted)</h3>\n<ol>\n");
                for pair in &m.top_confusions {
                    let _ = writeln!(
                        out,
                        "<li>{} → {}: {} ({:.1}% of {})</li>",
                        escape(&classes[pair.truth]),
                        escape(&classes[pair.predicted]),
                        pair.count,
                        pair.share_of_truth * 100.0,
                        escape(&classes[pair.truth])
                    );
                }
                out.push_str("</ol>\n");
            }
        }
        out.push_str("<h3>History</h3>\n<table><tr>");
        for column in EPOCH_COLUMNS {
            let _ = write!(out, "<th>{}</th>", column.title());
        }
        out.push_str("</tr>\n");
        for e in &run.history.epochs {
            out.push_str("<tr>");
            for column in EPOCH_COLUMNS {
                let cell = match column {
                    EpochColumn::Epoch => e.epoch.to_string(),
                    EpochColumn::Seconds => format!("{:.0} s", e.seconds),
                    metric => number(metric.value(e)),
                };
                let _ = write!(out, "<td>{cell}</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
        if let Some(c) = &run.config {
            let t = &c.train;
            let validation = match c.data.validation {
                crate::data::ValidationSource::TestBatch => "test batch".to_string(),
                crate::data::ValidationSource::HeldOut(f) => {
                    format!("held-out {:.0}% of training", f * 100.0)
                }
            };
            let rows = [
                ("model", t.model.to_string()),
                ("epochs", t.epochs.to_string()),
                ("batch size", t.batch_size.to_string()),
                ("optimizer", format!("{} (lr {})", t.optimizer, t.lr)),
                ("seed", t.seed.to_string()),
                ("training images", c.train_samples.to_string()),
                (
                    "validation",
                    format!("{validation}, {} images", c.val_samples),
                ),
                (
                    "backend",
                    c.backend
                        .map_or("not recorded", BackendKind::name)
                        .to_string(),
                ),
            ];
            out.push_str("<h3>Settings</h3>\n<table>\n");
            for (k, v) in rows {
                let _ = writeln!(out, "<tr><td>{k}</td><td>{}</td></tr>", escape(&v));
            }
            out.push_str("</table>\n");
        }
    }
    out.push_str("</body></html>\n");
    Ok(out)
}
