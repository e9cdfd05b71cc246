use plotters::coord::Shift;
use plotters::prelude::*;

use super::DrawError;
use super::curves::draw_empty_state;
use super::palette::run_colour;
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
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0f64..1.0, 0.0..(top * 1.15).max(0.05))?;
    chart
        .configure_mesh()
        .x_desc("top predicted probability")
        .y_desc("share of the answers")
        .x_labels(11)
        .x_label_formatter(&|x| format!("{x:.1}"))
        .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 14))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    let width = 1.0 / histogram.bins().max(1) as f64;
    let groups = [
        ("right answers", &right, run_colour(0), 0.0),
        ("wrong answers", &wrong, run_colour(3), 0.5),
    ];
    for (label, values, colour, offset) in groups {
        let bars = values.iter().enumerate().map(move |(i, &v)| {
            let x0 = (i as f64 + offset) * width;
            Rectangle::new([(x0, 0.0), (x0 + width / 2.0, v)], colour.filled())
        });
        chart
            .draw_series(bars)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(200, 200, 200))
        .label_font(("sans-serif", 13))
        .draw()?;
    if histogram
        .right
        .iter()
        .chain(&histogram.wrong)
        .all(|&c| c == 0)
    {
        draw_empty_state(area, "no answers yet")?;
    }
    Ok(())
}
