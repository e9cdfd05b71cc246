//! The frame around the grid of the curves and of the confidence histogram: the margins and
//! the areas for tick labels and axis titles, in pixels, and so the grid's size.

use plotters::coord::Shift;
use plotters::prelude::*;

pub const MARGIN: u32 = 12;
const MARGIN_TOP: u32 = 4;
const X_LABEL_AREA: u32 = 40;
pub const Y_LABEL_AREA: u32 = 55;

/// A chart on `plot` in the frame.
pub fn builder<'a, 'b, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(plot);
    builder
        .margin(MARGIN)
        .margin_top(MARGIN_TOP)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(Y_LABEL_AREA);
    builder
}

/// The grid's width and height inside `plot`, for the tick labels that fit along them.
pub fn grid_size<DB: DrawingBackend>(plot: &DrawingArea<DB, Shift>) -> (u32, u32) {
    let (w, h) = plot.dim_in_pixel();
    (
        w.saturating_sub(2 * MARGIN + Y_LABEL_AREA),
        h.saturating_sub(MARGIN + MARGIN_TOP + X_LABEL_AREA),
    )
}
