//! Training and validation curves of any number of runs, one chart a metric.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::frame::{self, MARGIN, Y_LABEL_AREA};
use super::legend::{Entry, Legend, Swatch, style_key};
use super::{DrawError, labels_that_fit, run_colour};
use crate::history::{EpochRecord, History};

/// One run's curves on a chart.
#[derive(Debug, Clone, Copy)]
pub struct CurveRun<'a> {
    pub name: &'a str,
    pub history: &'a History,
    /// The epoch under way: its position in epochs (e.g. 3.4 = 40% through epoch 4 counts as
    /// 3.4) and its running training accuracy and loss, drawn as the training curve's tip.
    pub running: Option<RunningPoint>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunningPoint {
    pub position: f64,
    pub acc: f64,
    pub loss: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Accuracy,
    Loss,
}

impl Metric {
    fn label(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Loss => "loss",
        }
    }

    fn training(self, e: &EpochRecord) -> f64 {
        match self {
            Metric::Accuracy => e.acc,
            Metric::Loss => e.loss,
        }
    }

    fn validation(self, e: &EpochRecord) -> f64 {
        match self {
            Metric::Accuracy => e.val_acc,
            Metric::Loss => e.val_loss,
        }
    }

    fn running(self, p: &RunningPoint) -> f64 {
        match self {
            Metric::Accuracy => p.acc,
            Metric::Loss => p.loss,
        }
    }
}

/// A chart's empty state: one grey line in the middle of `area`.
pub(super) fn draw_empty_state<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
) -> Result<(), DrawError<DB::ErrorType>> {
    let (w, h) = area.dim_in_pixel();
    let style = ("sans-serif", 15)
        .into_font()
        .color(&RGBColor(110, 110, 110))
        .pos(Pos::new(HPos::Center, VPos::Center));
    area.draw(&Text::new(text, (w as i32 / 2, h as i32 / 2), style))
}

/// Accuracy on the left half of `area`, loss on the right.
pub fn draw_curves<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    runs: &[CurveRun<'_>],
) -> Result<(), DrawError<DB::ErrorType>> {
    let (width, _) = area.dim_in_pixel();
    let (left, right) = area.split_horizontally(width / 2);
    draw_metric(&left, runs, Metric::Accuracy)?;
    draw_metric(&right, runs, Metric::Loss)
}

/// Accuracy a model reaches by guessing among CIFAR-10's ten classes, drawn on the accuracy
/// chart as a floor to read the curves against.
const CHANCE: f64 = 0.1;

/// The y range: accuracy fits the data and the chance line, with a little air, on a 0.05
/// grid within 0–1 (a run at 0.07–0.23 fills the plot instead of its bottom fifth); loss from
/// 0 to a bit above the highest.
fn y_range(runs: &[CurveRun<'_>], metric: Metric) -> (f64, f64) {
    let values = runs.iter().flat_map(|r| {
        let epochs = r.history.epochs.iter();
        epochs
            .flat_map(move |e| [metric.training(e), metric.validation(e)])
            .chain(r.running.map(|p| metric.running(&p)))
            .filter(|v| v.is_finite())
    });
    match metric {
        Metric::Accuracy => {
            let (lowest, highest) =
                values.fold((CHANCE, CHANCE), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let step = 0.05;
            let low = (((lowest - 0.02) / step + 1e-9).floor() * step).max(0.0);
            let high = (((highest + 0.02) / step - 1e-9).ceil() * step).min(1.05);
            (low, high.max(low + 2.0 * step))
        }
        Metric::Loss => {
            // Finite whatever the numbers (a diverged run's 1e308 × 1.1 is not): on an
            // infinite range plotters' tick search never returns.
            let high = values.fold(0.0f64, f64::max).min(f64::MAX / 2.0);
            (0.0, if high > 0.0 { high * 1.1 } else { 1.0 })
        }
    }
}

/// Tick labels with as many decimals as the range needs to tell them apart.
fn tick_label(span: f64) -> impl Fn(&f64) -> String {
    let decimals = if span < 0.5 { 2 } else { 1 };
    move |y: &f64| format!("{y:.decimals$}")
}

const CAPTION_HEIGHT: u32 = 34;

/// One metric of every run: training dashed and lighter, validation solid, points marked, the
/// best-validation epoch ringed; the legend in rows between the caption and the plot.
pub fn draw_metric<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    runs: &[CurveRun<'_>],
    metric: Metric,
) -> Result<(), DrawError<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let running_epochs = runs
        .iter()
        .filter_map(|r| r.running.map(|p| p.position.ceil() as usize));
    let epochs = runs
        .iter()
        .map(|r| r.history.len())
        .chain(running_epochs)
        .max()
        .unwrap_or(0);
    let (width, _) = area.dim_in_pixel();
    let (caption, rest) = area.split_vertically(CAPTION_HEIGHT);
    let style = ("sans-serif", 18)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    let middle = (CAPTION_HEIGHT + MARGIN) as i32 / 2;
    caption.draw(&Text::new(
        metric.label(),
        (width as i32 / 2, middle),
        style,
    ))?;
    let legend = Legend::layout(
        &rest,
        legend_entries(runs, metric),
        (MARGIN + Y_LABEL_AREA) as i32,
        width.saturating_sub(MARGIN) as i32,
        // Most of the chart stays the plot's, however many runs there are.
        rest.dim_in_pixel().1 * 2 / 5,
    )?;
    let (legend_area, plot) = rest.split_vertically(legend.height());
    legend.draw(&legend_area)?;

    let (y_low, y_high) = y_range(runs, metric);
    let (grid_w, grid_h) = frame::grid_size(&plot);
    let mut chart = frame::builder(&plot)
        .build_cartesian_2d(0.5f64..(epochs.max(1) as f64 + 0.5), y_low..y_high)?;
    // Epochs are whole numbers: label only the integer ticks, from 1.
    let epoch_label = |x: &f64| {
        let whole = x.round();
        if (x - whole).abs() < 1e-6 && whole >= 1.0 {
            format!("{whole}")
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(metric.label())
        .x_labels(labels_that_fit(grid_w, 28, epochs.clamp(1, 15)))
        .y_labels(labels_that_fit(grid_h, 22, 10))
        .x_label_formatter(&epoch_label)
        .y_label_formatter(&tick_label(y_high - y_low))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;

    if epochs == 0 {
        return draw_empty_state(&plot, "no epochs yet");
    }
    if metric == Metric::Accuracy {
        let x_end = epochs as f64 + 0.5;
        let grey = RGBColor(150, 150, 150);
        chart.draw_series(DashedLineSeries::new(
            [(0.5, CHANCE), (x_end, CHANCE)],
            4,
            4,
            grey.stroke_width(1),
        ))?;
        let label = ("sans-serif", 12)
            .into_font()
            .color(&grey)
            .pos(Pos::new(HPos::Right, VPos::Bottom));
        chart.draw_series(std::iter::once(Text::new("chance", (x_end, CHANCE), label)))?;
    }

    for (index, run) in runs.iter().enumerate() {
        let colour = run_colour(index);
        let light = colour.mix(0.6);
        let training: Vec<(f64, f64)> = run
            .history
            .epochs
            .iter()
            .map(|e| (e.epoch as f64, metric.training(e)))
            .chain(run.running.map(|p| (p.position, metric.running(&p))))
            .collect();
        let validation: Vec<(f64, f64)> = run
            .history
            .epochs
            .iter()
            .map(|e| (e.epoch as f64, metric.validation(e)))
            .collect();

        chart.draw_series(DashedLineSeries::new(
            training.clone(),
            10,
            6,
            light.stroke_width(3),
        ))?;
        chart.draw_series(
            training
                .iter()
                .take(run.history.len())
                .map(|&p| Circle::new(p, 4, light.stroke_width(2))),
        )?;
        chart.draw_series(LineSeries::new(validation.clone(), colour.stroke_width(3)))?;
        chart.draw_series(
            validation
                .iter()
                .map(|&p| Circle::new(p, 4, colour.filled())),
        )?;
        if let Some(best) = run.history.best() {
            let point = (best.epoch as f64, metric.validation(best));
            chart.draw_series(std::iter::once(Circle::new(
                point,
                9,
                colour.stroke_width(2),
            )))?;
        }
    }
    Ok(())
}

/// The line styles on a row, then one entry per run: on the accuracy chart with its best
/// validation accuracy, which labels on the plot would hide under each other once runs end
/// close.
fn legend_entries(runs: &[CurveRun<'_>], metric: Metric) -> Vec<Vec<Entry>> {
    if runs.is_empty() {
        return Vec::new();
    }
    let named = runs.iter().enumerate().map(|(index, run)| {
        let label = match (metric, run.history.best()) {
            (Metric::Accuracy, Some(best)) => format!("{} · best {:.3}", run.name, best.val_acc),
            _ => run.name.to_string(),
        };
        Entry::new(Swatch::Solid(run_colour(index)), label)
    });
    vec![style_key().to_vec(), named.collect()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(points: &[(f64, f64)]) -> History {
        History::from_accuracies(points)
    }

    fn close(a: (f64, f64), b: (f64, f64)) -> bool {
        (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9
    }

    #[test]
    fn the_accuracy_range_fits_the_data_and_the_chance_line() {
        let h = history(&[(0.5, 0.6), (0.9, 0.7)]);
        let run = |h| CurveRun {
            name: "a",
            history: h,
            running: None,
        };
        // Down to the chance line at 0.1, up to just above 0.9.
        let range = y_range(&[run(&h)], Metric::Accuracy);
        assert!(close(range, (0.05, 0.95)), "{range:?}");
        // A model near chance fills the plot, not its bottom fifth.
        let low = history(&[(0.07, 0.12), (0.2, 0.23)]);
        let range = y_range(&[run(&low)], Metric::Accuracy);
        assert!(close(range, (0.05, 0.25)), "{range:?}");
        // A perfect training accuracy keeps a little air above it.
        let top = history(&[(1.0, 0.8)]);
        assert!(close(y_range(&[run(&top)], Metric::Accuracy), (0.05, 1.05)));
        assert_eq!(tick_label(0.2)(&0.15), "0.15");
        assert_eq!(tick_label(0.9)(&0.5), "0.5");
        let (lo, hi) = y_range(&[run(&h)], Metric::Loss);
        assert_eq!(lo, 0.0);
        assert!((hi - 1.5 * 1.1).abs() < 1e-9);
        assert_eq!(y_range(&[], Metric::Loss), (0.0, 1.0));
    }
}
