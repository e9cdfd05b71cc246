//! Drawing the app's state: the history table, the charts, the confusion matrix and its
//! tables. Runs of the session are kept here with everything the page has been told.

use super::App;
use crate::eval::{ConfidenceHistogram, RunMetrics};
use crate::plot::{CurveRun, Metric, RunningPoint, cell_tooltip};
use crate::train::{BatchProgress, EpochRecord, History, TrainConfig};
use crate::web::canvas;
use crate::web::dom::{self, element, row};
use crate::web::format;
use crate::web::protocol::RunEnding;
use crate::web::saved::{Origin, SavedRun};

/// One run, as the page knows it: of this session, or restored from the browser's storage.
pub struct RunView {
    pub name: String,
    pub origin: Origin,
    pub config: TrainConfig,
    pub history: History,
    pub running: Option<RunningPoint>,
    pub metrics: Option<RunMetrics>,
    pub confidence: Option<ConfidenceHistogram>,
    pub ending: Option<RunEnding>,
    /// Restored from storage: the worker has no model for it.
    pub restored: bool,
    pub weights_bytes: Option<usize>,
}

impl RunView {
    pub fn new(name: String, config: TrainConfig) -> Self {
        Self {
            name,
            origin: Origin::Trained,
            config,
            history: History::default(),
            running: None,
            metrics: None,
            confidence: None,
            ending: None,
            restored: false,
            weights_bytes: None,
        }
    }

    pub fn restored(saved: SavedRun) -> Self {
        Self {
            name: saved.name,
            origin: saved.origin,
            config: saved.config,
            history: saved.history,
            running: None,
            metrics: saved.metrics,
            confidence: saved.confidence,
            ending: saved.ending,
            restored: true,
            weights_bytes: saved.weights_bytes,
        }
    }

    pub fn saved(&self) -> SavedRun {
        SavedRun {
            name: self.name.clone(),
            origin: self.origin.clone(),
            config: self.config.clone(),
            history: self.history.clone(),
            metrics: self.metrics.clone(),
            confidence: self.confidence.clone(),
            ending: self.ending.clone(),
            weights_bytes: self.weights_bytes,
        }
    }

    /// The running training point: epoch `e` at fraction f sits at x = e − 1 + f.
    pub fn progress(&mut self, p: &BatchProgress) {
        let fraction = p.samples_done as f64 / p.samples_total.max(1) as f64;
        self.running = Some(RunningPoint {
            position: (p.epoch - 1) as f64 + fraction,
            acc: p.acc,
            loss: p.loss,
        });
    }

    pub fn epoch(
        &mut self,
        record: EpochRecord,
        metrics: RunMetrics,
        confidence: ConfidenceHistogram,
    ) {
        self.history.push(record);
        self.metrics = Some(metrics);
        self.confidence = Some(confidence);
        self.running = None;
    }

    pub fn end(&mut self, ending: RunEnding) {
        self.running = None;
        self.ending = Some(ending);
    }
}

impl App {
    pub(super) fn show_history(&self) {
        dom::clear(&self.el.history_body);
        let Some(run) = self.running.or(self.runs.len().checked_sub(1)) else {
            return;
        };
        let view = &self.runs[run];
        let c = &view.config;
        dom::set_text(
            &self.el.history_run,
            &format!(
                "{} ({}, {} lr {}, batch {}, seed {})",
                view.name, c.model, c.optimizer, c.lr, c.batch_size, c.seed
            ),
        );
        for e in &view.history.epochs {
            let cells = [
                e.epoch.to_string(),
                format!("{:.4}", e.loss),
                format!("{:.4}", e.acc),
                format!("{:.4}", e.val_loss),
                format!("{:.4}", e.val_acc),
                format::duration(e.seconds),
            ];
            let _ = self.el.history_body.append_child(&row(&cells, true));
        }
    }

    /// Lists the runs in the run pickers: the matrix shows the newest, the difference
    /// compares the newest (B) with the one before (A).
    pub(super) fn show_run_in_selector(&self) {
        let newest = self.runs.len() as i32 - 1;
        for (select, chosen) in [
            (&self.el.matrix_run, newest),
            (&self.el.diff_a, (newest - 1).max(0)),
            (&self.el.diff_b, newest),
        ] {
            dom::clear(select);
            for (i, run) in self.runs.iter().enumerate() {
                let option = element("option", &run.name);
                let _ = option.set_attribute("value", &i.to_string());
                let _ = select.append_child(&option);
            }
            select.set_selected_index(chosen);
        }
    }

    /// Run B − run A, when both have a matrix and are different runs.
    pub(super) fn draw_difference(&self) {
        let pick = |s: &web_sys::HtmlSelectElement| {
            usize::try_from(s.selected_index())
                .ok()
                .and_then(|i| self.runs.get(i).map(|r| (i, r)))
        };
        let canvas = &self.el.diff_canvas;
        let painted = match (pick(&self.el.diff_a), pick(&self.el.diff_b)) {
            (Some((i, a)), Some((j, b))) if i != j => match (&a.metrics, &b.metrics) {
                (Some(ma), Some(mb)) => {
                    let title = format!("{} − {}", b.name, a.name);
                    canvas::paint_difference(
                        canvas,
                        &ma.confusion,
                        &mb.confusion,
                        &self.classes,
                        &title,
                    )
                    .map(drop)
                }
                _ => canvas::paint_message(canvas, "Both runs need a finished epoch."),
            },
            _ => canvas::paint_message(canvas, "Train two runs to compare them here."),
        };
        if let Err(error) = painted {
            self.run_error(&error.to_string());
        }
    }

    pub(super) fn draw_curves(&self) {
        let runs: Vec<CurveRun<'_>> = self
            .runs
            .iter()
            .map(|r| CurveRun {
                name: &r.name,
                history: &r.history,
                running: r.running,
            })
            .collect();
        for (canvas, metric) in [
            (&self.el.acc_canvas, Metric::Accuracy),
            (&self.el.loss_canvas, Metric::Loss),
        ] {
            if let Err(error) = canvas::paint_curves(canvas, &runs, metric) {
                self.run_error(&error.to_string());
            }
        }
    }

    pub(super) fn shown_run(&self) -> Option<&RunView> {
        let index = self.el.matrix_run.selected_index();
        usize::try_from(index).ok().and_then(|i| self.runs.get(i))
    }

    /// The chosen run's confusion matrix, per-class table, top confusions and diagnosis.
    pub(super) fn draw_matrix(&mut self) {
        let Some((name, epochs, confidence, metrics)) = self.shown_run().and_then(|r| {
            let m = r.metrics.clone()?;
            Some((r.name.clone(), r.history.len(), r.confidence.clone(), m))
        }) else {
            dom::set_text(&self.el.diagnosis, "No epochs yet.");
            let message = "The confusion matrix appears after the first epoch.";
            let _ = canvas::paint_message(&self.el.matrix_canvas, message);
            let message = "The confidence histogram appears after the first epoch.";
            let _ = canvas::paint_message(&self.el.confidence_canvas, message);
            return;
        };
        let title = match epochs {
            0 => name.clone(),
            n => format!("{name} · epoch {n}"),
        };
        let names = &self.classes;
        match canvas::paint_confusion(
            &self.el.matrix_canvas,
            &metrics.confusion,
            names,
            self.matrix_mode,
            &title,
        ) {
            Ok(layout) => {
                if let Some((t, p)) = self.selected {
                    let _ = canvas::outline_cell(&self.el.matrix_canvas, &layout, t, p);
                }
                self.layout = Some(layout);
            }
            Err(error) => self.run_error(&error.to_string()),
        }
        dom::set_text(&self.el.diagnosis, &metrics.diagnosis.summary);
        dom::clear(&self.el.report_body);
        for (class, m) in metrics.report.per_class.iter().enumerate() {
            let cells = [
                names.get(class).cloned().unwrap_or_default(),
                format!("{:.2}", m.precision),
                format!("{:.2}", m.recall),
                format!("{:.2}", m.f1),
                m.support.to_string(),
            ];
            let _ = self.el.report_body.append_child(&row(&cells, true));
        }
        let avg = &metrics.report.macro_avg;
        let cells = [
            "macro avg".to_string(),
            format!("{:.2}", avg.precision),
            format!("{:.2}", avg.recall),
            format!("{:.2}", avg.f1),
            avg.support.to_string(),
        ];
        let _ = self.el.report_body.append_child(&row(&cells, true));
        dom::clear(&self.el.top_confusions);
        for pair in &metrics.top_confusions {
            let text = cell_tooltip(&metrics.confusion, names, pair.truth, pair.predicted);
            let _ = self.el.top_confusions.append_child(&element("li", &text));
        }
        if let Some(histogram) = &confidence {
            let title = format!("{name}: top predicted probability");
            let painted = canvas::paint_confidence(&self.el.confidence_canvas, histogram, &title);
            if let Err(error) = painted {
                self.run_error(&error.to_string());
            }
            let (right, wrong) = histogram.means();
            dom::set_text(
                &self.el.confidence_means,
                &format!(
                    "Mean top probability: {right:.2} on right answers, {wrong:.2} on wrong ones."
                ),
            );
        }
    }

    /// The matrix cell under a point given in CSS pixels of the canvas.
    pub(super) fn cell_under(&self, x: i32, y: i32) -> Option<(usize, usize)> {
        let canvas = &self.el.matrix_canvas;
        let scale = canvas.width() as f64 / canvas.client_width().max(1) as f64;
        let (px, py) = ((x as f64 * scale) as i32, (y as f64 * scale) as i32);
        self.layout.as_ref().and_then(|l| l.cell_at(px, py))
    }

    /// The tooltip for the cell under the mouse (offsets in CSS pixels of the canvas).
    pub(super) fn hover(&self, x: i32, y: i32) {
        let cell = self.cell_under(x, y);
        match (cell, self.shown_run().and_then(|r| r.metrics.as_ref())) {
            (Some((t, p)), Some(metrics)) => {
                let text = cell_tooltip(&metrics.confusion, &self.classes, t, p);
                self.show_tooltip(&text, x + 14, y + 14);
            }
            _ => self.el.matrix_tooltip.set_hidden(true),
        }
    }

    fn show_tooltip(&self, text: &str, x: i32, y: i32) {
        let tip = &self.el.matrix_tooltip;
        dom::set_text(tip, text);
        let style = tip.style();
        let _ = style.set_property("left", &format!("{x}px"));
        let _ = style.set_property("top", &format!("{y}px"));
        tip.set_hidden(false);
        dom::set_text(&self.el.matrix_cell, text);
    }

    /// Arrow keys on the focused matrix move a selected cell and read it out.
    pub(super) fn move_selection(&mut self, (dt, dp): (i32, i32)) {
        let n = self.classes.len() as i32;
        let (t, p) = self.selected.map_or((0, 0), |(t, p)| {
            (
                (t as i32 + dt).clamp(0, n - 1) as usize,
                (p as i32 + dp).clamp(0, n - 1) as usize,
            )
        });
        self.selected = Some((t, p));
        self.draw_matrix();
        let canvas = &self.el.matrix_canvas;
        let scale = canvas.client_width().max(1) as f64 / canvas.width() as f64;
        if let (Some(layout), Some(metrics)) = (
            self.layout.as_ref(),
            self.shown_run().and_then(|r| r.metrics.as_ref()),
        ) {
            let (cx, cy) = layout.cell_centre(t, p);
            let text = cell_tooltip(&metrics.confusion, &self.classes, t, p);
            self.show_tooltip(
                &text,
                (cx as f64 * scale) as i32 + 14,
                (cy as f64 * scale) as i32 + 14,
            );
        }
    }
}
