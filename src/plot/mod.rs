//! Charts, drawn once with plotters and generic over its `DrawingBackend`: the browser paints
//! them on a `<canvas>`, the host writes SVG (for reports) and PNG.
//!
//! - [`draw_curves`]: training vs validation accuracy and loss per epoch, any number of runs.
//! - [`draw_confusion`]: the confusion matrix as a heatmap, in counts, recall or precision,
//!   with a [`HeatmapLayout`] that maps pixels back to cells for tooltips and clicks.
//! - [`draw_difference`]: run B − run A, cell by cell, on a diverging scale.
//! - [`draw_confidence`]: how sure the model was of its right and of its wrong answers.
//!
//! plotters turns text by right angles only, so the heatmap's 45° labels come back as
//! [`AngledLabel`]s for the caller to paint: [`svg`] adds them to SVG, [`render`] to PNG, the
//! web layer to the canvas. Text is measured by the caller ([`measured`]): natively with the
//! embedded font ([`render`]), in the page by the canvas.

mod confidence;
mod curves;
mod frame;
mod heatmap;
mod labels;
mod legend;
pub mod measured;
mod palette;
#[cfg(not(target_arch = "wasm32"))]
pub mod render;
pub mod svg;

pub use confidence::draw_confidence;
pub use curves::{CurveRun, Metric, RunningPoint, draw_curves, draw_metric};
pub use heatmap::{HeatmapLayout, cell_tooltip, draw_confusion, draw_difference};
pub use labels::{AngledLabel, TextAnchor, escape_xml};
pub use palette::{Rgb, run_colour};

use plotters::drawing::DrawingAreaErrorKind;

/// A drawing error of backend `DB`.
pub type DrawError<E> = DrawingAreaErrorKind<E>;

/// How many tick labels an axis `pixels` long holds, one per `spacing` pixels (closer, the
/// 13-px labels run into each other in a small chart): 2 to `most`.
pub(crate) fn labels_that_fit(pixels: u32, spacing: u32, most: usize) -> usize {
    ((pixels / spacing.max(1)) as usize).clamp(2, most.max(2))
}

/// A chart that could not be rendered to SVG or PNG.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("drawing the chart failed: {0}")]
    Draw(String),
    #[cfg(not(target_arch = "wasm32"))]
    #[error("encoding the PNG failed: {0}")]
    Png(#[from] png::EncodingError),
}

impl RenderError {
    pub(crate) fn draw(error: impl std::fmt::Display) -> Self {
        Self::Draw(error.to_string())
    }
}
