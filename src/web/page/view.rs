//! Drawing the session's runs: the history table, the run pickers, the curves, the confusion
//! matrix with its tables and tooltips, and the difference of two runs' matrices.

use super::App;
use crate::eval::Normalization;
use crate::history::{EPOCH_COLUMNS, EpochColumn};
use crate::plot::{CurveRun, Metric, cell_tooltip};
use crate::web::format;
use crate::web::js::canvas;
use crate::web::js::dom::{self, element, row};
use crate::web::session::RunView;

/// How far right of and below its point the matrix tooltip stands, in CSS pixels.
const TIP_OFFSET: i32 = 14;

impl App {
    pub(super) fn show_history(&self) {
        dom::clear(&self.el.history_body);
        let Some(view) = self.session.history_run() else {
            return;
        };
        let saved = &view.saved;
        let settings = match &saved.config {
            Some(config) => {
                let c = &config.train;
                format!(
                    "{}, {} lr {}, batch {}, seed {}",
                    c.model, c.optimizer, c.lr, c.batch_size, c.seed
                )
            }
            None => format!("{}, weights from a file", saved.model),
        };
        dom::set_text(
            &self.el.history_run,
            &format!("{} ({settings})", saved.name),
        );
        for e in &saved.history.epochs {
            let cells = EPOCH_COLUMNS.map(|column| match column {
                EpochColumn::Epoch => e.epoch.to_string(),
                EpochColumn::Seconds => format::duration(e.seconds),
                metric => format!("{:.4}", metric.value(e)),
            });
            let _ = self.el.history_body.append_child(&row(&cells, true));
        }
    }

    /// Lists the runs in the run pickers: the matrix shows the newest, the difference
    /// compares the newest (B) with the one before (A).
    pub(super) fn show_run_in_selector(&self) {
        let runs = self.session.runs();
        let newest = runs.len() as i32 - 1;
        for (select, chosen) in [
            (&self.el.matrix_run, newest),
            (&self.el.diff_a, (newest - 1).max(0)),
            (&self.el.diff_b, newest),
        ] {
            dom::clear(select);
            for (i, run) in runs.iter().enumerate() {
                let option = element("option", run.name());
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
                .and_then(|i| self.session.runs().get(i).map(|r| (i, &r.saved)))
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
                        self.session.classes(),
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
            .session
            .runs()
            .iter()
            .map(|r| CurveRun {
                name: &r.saved.name,
                history: &r.saved.history,
                running: r.live,
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
        usize::try_from(index)
            .ok()
            .and_then(|i| self.session.runs().get(i))
    }

    /// The chosen run's confusion matrix, per-class table, top confusions and diagnosis.
    pub(super) fn draw_matrix(&mut self) {
        let Some((name, epochs, confidence, metrics, validation)) =
            self.shown_run().and_then(|r| {
                let r = &r.saved;
                let m = r.metrics.clone()?;
                // Which images the matrix counts, as the run counted them.
                let validation = r
                    .config
                    .as_ref()
                    .filter(|c| c.val_samples > 0)
                    .map(|c| format::validated_on(c.val_samples, c.data.validation));
                let epochs = r.history.len();
                Some((r.name.clone(), epochs, r.confidence.clone(), m, validation))
            })
        else {
            dom::set_text(&self.el.diagnosis, "No epochs yet.");
            let message = "The confusion matrix appears after the first epoch.";
            let _ = canvas::paint_message(&self.el.matrix_canvas, message);
            let message = "The confidence histogram appears after the first epoch.";
            let _ = canvas::paint_message(&self.el.confidence_canvas, message);
            return;
        };
        let mut title = match epochs {
            0 => name.clone(),
            n => format!("{name} · epoch {n}"),
        };
        if let Some(validation) = validation {
            title = format!("{title} · {validation}");
        }
        let names = self.session.classes();
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
            let (t, p) = (pair.truth, pair.predicted);
            let text = cell_tooltip(&metrics.confusion, names, t, p, Normalization::Counts);
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

    /// The matrix cell under a point given in CSS pixels of the canvas (the matrix is laid
    /// out in them: web/js/canvas.rs).
    pub(super) fn cell_under(&self, x: i32, y: i32) -> Option<(usize, usize)> {
        self.layout.as_ref().and_then(|l| l.cell_at(x, y))
    }

    /// The tooltip for the cell under the mouse (offsets in CSS pixels of the canvas).
    pub(super) fn hover(&self, x: i32, y: i32) {
        let cell = self.cell_under(x, y);
        match (
            cell,
            self.shown_run().and_then(|r| r.saved.metrics.as_ref()),
        ) {
            (Some((t, p)), Some(metrics)) => {
                let names = self.session.classes();
                let text = cell_tooltip(&metrics.confusion, names, t, p, self.matrix_mode);
                self.show_tooltip(&text, x + TIP_OFFSET, y + TIP_OFFSET);
            }
            _ => self.el.matrix_tooltip.set_hidden(true),
        }
    }

    fn show_tooltip(&self, text: &str, x: i32, y: i32) {
        let tip = &self.el.matrix_tooltip;
        dom::set_text(tip, text);
        tip.set_hidden(false);
        // The point it is about (the pointer, or the keyboard cell's centre), in CSS pixels of
        // the canvas, for scripts and tests: the box itself may stand left of it.
        let _ = tip.set_attribute("data-x", &(x - TIP_OFFSET).to_string());
        let _ = tip.set_attribute("data-y", &(y - TIP_OFFSET).to_string());
        // Left of the point where it would stick out of the matrix (and the page).
        let room = self.el.matrix_canvas.client_width();
        let width = tip.offset_width();
        let x = if x + width > room {
            (x - 2 * TIP_OFFSET - width).max(0)
        } else {
            x
        };
        let style = tip.style();
        let _ = style.set_property("left", &format!("{x}px"));
        let _ = style.set_property("top", &format!("{y}px"));
        dom::set_text(&self.el.matrix_cell, text);
    }

    /// Arrow keys on the focused matrix move a selected cell and read it out.
    pub(super) fn move_selection(&mut self, (dt, dp): (i32, i32)) {
        let n = self.session.classes().len() as i32;
        let (t, p) = self.selected.map_or((0, 0), |(t, p)| {
            (
                (t as i32 + dt).clamp(0, n - 1) as usize,
                (p as i32 + dp).clamp(0, n - 1) as usize,
            )
        });
        self.selected = Some((t, p));
        self.draw_matrix();
        if let (Some(layout), Some(metrics)) = (
            self.layout.as_ref(),
            self.shown_run().and_then(|r| r.saved.metrics.as_ref()),
        ) {
            let (cx, cy) = layout.cell_centre(t, p);
            let names = self.session.classes();
            let text = cell_tooltip(&metrics.confusion, names, t, p, self.matrix_mode);
            self.show_tooltip(&text, cx + TIP_OFFSET, cy + TIP_OFFSET);
        }
    }
}
