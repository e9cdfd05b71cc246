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
//! [`AngledLabel`]s for the caller to paint: [`render`] does it for SVG and PNG, the web layer
//! for the canvas.

mod confidence;
mod curves;
mod heatmap;
mod labels;
mod legend;
mod palette;
#[cfg(not(target_arch = "wasm32"))]
pub mod render;

pub use confidence::draw_confidence;
pub use curves::{CurveRun, Metric, RunningPoint, draw_curves, draw_metric};
pub use heatmap::{HeatmapLayout, cell_tooltip, draw_confusion, draw_difference};
pub use labels::{AngledLabel, TextAnchor, escape_xml};
pub use palette::{Rgb, run_colour};

use plotters::drawing::DrawingAreaErrorKind;

/// A drawing error of backend `DB`.
pub type DrawError<E> = DrawingAreaErrorKind<E>;
