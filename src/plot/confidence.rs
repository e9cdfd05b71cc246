//! The confidence histogram as a chart.

use plotters::coord::Shift;
use plotters::prelude::*;

use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::curves::draw_empty_state;
use super::frame::{self, MARGIN, Y_LABEL_AREA};
use super::legend::{Entry, Legend, Swatch};
use super::palette::run_colour;
use super::{DrawError, labels_that_fit};
use crate::eval::ConfidenceHistogram;

/// The confidence histogram: for each bin of top probability, the share of right answers
/// (blue, left half of the bin) and of wrong answers (orange, right half), each as a share of
/// its own group so a small group of mistakes stays visible.
pub fn draw_confidence<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    histogram: &ConfidenceHistogram,
    title: &str,
) -> Result<(), DrawError<DB::ErrorType>> {
    area.fill(&WHITE)?;
    let shares = |counts: &[u64]| {
        let total = counts.iter().sum::<u64>().max(1) as f64;
        counts.iter().map(|&c| c as f64 / total).collect::<Vec<_>>()
    };
    let (right, wrong) = (shares(&histogram.right), shares(&histogram.wrong));
    let top = right.iter().chain(&wrong).fold(0.0f64, |m, &v| m.max(v));
    // The caption, then the legend in a row of its own: a legend box inside the plot covered
    // the bars of a model unsure of its answers, which stand at the left, where it was.
    let (width, _) = area.dim_in_pixel();
    let (caption, rest) = area.split_vertically(30);
    let style = ("sans-serif", 18)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Center, VPos::Center));
    caption.draw(&Text::new(title, (width as i32 / 2, 18), style))?;
    let (right_colour, wrong_colour) = (run_colour(0), run_colour(3));
    let entries = vec![vec![
        Entry::new(Swatch::Solid(right_colour), "right answers"),
        Entry::new(Swatch::Solid(wrong_colour), "wrong answers"),
    ]];
    let legend = Legend::layout(
        &rest,
        entries,
        (MARGIN + Y_LABEL_AREA) as i32,
        width as i32 - MARGIN as i32,
        rest.dim_in_pixel().1 / 3,
    )?;
    let (legend_area, plot) = rest.split_vertically(legend.height());
    legend.draw(&legend_area)?;
    let (grid_w, grid_h) = frame::grid_size(&plot);
    let mut chart =
        frame::builder(&plot).build_cartesian_2d(0.0f64..1.0, 0.0..(top * 1.15).max(0.05))?;
    chart
        .configure_mesh()
        .x_desc("top predicted probability")
        .y_desc("share of the answers")
        .x_labels(labels_that_fit(grid_w, 34, 11))
        .y_labels(labels_that_fit(grid_h, 22, 10))
        .x_label_formatter(&|x| format!("{x:.1}"))
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    let bin = 1.0 / histogram.bins().max(1) as f64;
    for (values, colour, offset) in [(&right, right_colour, 0.0), (&wrong, wrong_colour, 0.5)] {
        let bars = values.iter().enumerate().map(move |(i, &v)| {
            let x0 = (i as f64 + offset) * bin;
            Rectangle::new([(x0, 0.0), (x0 + bin / 2.0, v)], colour.filled())
        });
        chart.draw_series(bars)?;
    }
    if histogram
        .right
        .iter()
        .chain(&histogram.wrong)
        .all(|&c| c == 0)
    {
        draw_empty_state(&plot, "no answers yet")?;
    }
    Ok(())
}
