//! Charts as SVG text, on the host and in the page alike: plotters' SVG backend, with text
//! measured by the caller (see `measured`) and the labels plotters cannot turn added as
//! `<text>` elements.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::RenderError;
use super::labels::AngledLabel;
use super::measured::{Measured, TextMeasure};

/// The drawing area of an SVG chart whose text `M` measures.
pub type SvgArea<'a, M> = DrawingArea<Measured<SVGBackend<'a>, M>, Shift>;

/// Draws into a `width`×`height` SVG. `draw` returns the labels plotters cannot draw (tilted
/// ones), which are added as `<text>` elements.
pub fn svg<M: TextMeasure, E: std::fmt::Display>(
    width: u32,
    height: u32,
    measure: M,
    draw: impl FnOnce(&SvgArea<'_, M>) -> Result<Vec<AngledLabel>, E>,
) -> Result<String, RenderError> {
    let mut out = String::new();
    let labels = {
        let backend = SVGBackend::with_string(&mut out, (width, height));
        let area = Measured::new(backend, measure).into_drawing_area();
        let labels = draw(&area).map_err(RenderError::draw)?;
        area.present().map_err(RenderError::draw)?;
        labels
    };
    if !labels.is_empty() {
        let extra: String = labels.iter().map(|l| l.to_svg() + "\n").collect();
        let end = out.rfind("</svg>").unwrap_or(out.len());
        out.insert_str(end, &extra);
    }
    Ok(out)
}
