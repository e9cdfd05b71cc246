//! The plot module on a `<canvas>`: plotters-canvas draws, and the heatmap's 45° labels, which
//! plotters cannot turn, are painted here with the 2D context's own rotation.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::WebError;
use super::measured_canvas::MeasuredCanvas;
use crate::data::{IMAGE_BYTES, IMAGE_SIDE};
use crate::eval::{ConfidenceHistogram, ConfusionMatrix, Normalization};
use crate::plot::{
    AngledLabel, CurveRun, HeatmapLayout, Metric, TextAnchor, draw_confidence, draw_confusion,
    draw_difference, draw_metric,
};

/// plotters on `canvas`, measuring its text with the canvas (see `measured_canvas`).
fn backend(canvas: &HtmlCanvasElement) -> Result<MeasuredCanvas, WebError> {
    let inner = CanvasBackend::with_canvas_object(canvas.clone()).ok_or_else(|| WebError::Js {
        context: "drawing a chart".into(),
        message: "the canvas has no 2D context".into(),
    })?;
    Ok(MeasuredCanvas::new(inner, context(canvas)?))
}

fn draw_failed(error: impl std::fmt::Display) -> WebError {
    WebError::Js {
        context: "drawing a chart".into(),
        message: error.to_string(),
    }
}

/// One metric of every run, as the report draws it.
pub fn paint_curves(
    canvas: &HtmlCanvasElement,
    runs: &[CurveRun<'_>],
    metric: Metric,
) -> Result<(), WebError> {
    let area = backend(canvas)?.into_drawing_area();
    draw_metric(&area, runs, metric).map_err(draw_failed)?;
    area.present().map_err(draw_failed)
}

type CanvasArea = DrawingArea<MeasuredCanvas, plotters::coord::Shift>;
type CanvasDrawError = crate::plot::DrawError<<MeasuredCanvas as DrawingBackend>::ErrorType>;

/// Draws a heatmap with `draw`, then paints its 45° labels, which plotters cannot.
fn paint_heatmap(
    canvas: &HtmlCanvasElement,
    draw: impl FnOnce(&CanvasArea) -> Result<HeatmapLayout, CanvasDrawError>,
) -> Result<HeatmapLayout, WebError> {
    let area = backend(canvas)?.into_drawing_area();
    let layout = draw(&area).map_err(draw_failed)?;
    area.present().map_err(draw_failed)?;
    paint_angled(canvas, &layout.angled_labels)?;
    Ok(layout)
}

/// The confusion matrix, returning where its cells are for hover and clicks.
pub fn paint_confusion(
    canvas: &HtmlCanvasElement,
    matrix: &ConfusionMatrix,
    names: &[String],
    mode: Normalization,
    title: &str,
) -> Result<HeatmapLayout, WebError> {
    paint_heatmap(canvas, |area| {
        draw_confusion(area, matrix, names, mode, title)
    })
}

/// Run B − run A cell by cell (what B fixed, and what it made worse).
pub fn paint_difference(
    canvas: &HtmlCanvasElement,
    a: &ConfusionMatrix,
    b: &ConfusionMatrix,
    names: &[String],
    title: &str,
) -> Result<HeatmapLayout, WebError> {
    paint_heatmap(canvas, |area| draw_difference(area, a, b, names, title))
}

/// The confidence histogram of right and wrong answers.
pub fn paint_confidence(
    canvas: &HtmlCanvasElement,
    histogram: &ConfidenceHistogram,
    title: &str,
) -> Result<(), WebError> {
    let area = backend(canvas)?.into_drawing_area();
    draw_confidence(&area, histogram, title).map_err(draw_failed)?;
    area.present().map_err(draw_failed)
}

/// One CIFAR-10 image (CHW bytes, as stored) on a canvas of its own size.
pub fn paint_image(canvas: &HtmlCanvasElement, chw: &[u8]) -> Result<(), WebError> {
    let plane = IMAGE_BYTES / 3;
    if chw.len() != IMAGE_BYTES {
        return Err(WebError::Js {
            context: "drawing an image".into(),
            message: format!("{} bytes instead of {IMAGE_BYTES}", chw.len()),
        });
    }
    let rgba: Vec<u8> = (0..plane)
        .flat_map(|i| [chw[i], chw[plane + i], chw[2 * plane + i], 255])
        .collect();
    let side = IMAGE_SIDE as u32;
    let image = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
        wasm_bindgen::Clamped(&rgba),
        side,
        side,
    )
    .map_err(|e| WebError::js("drawing an image", e))?;
    canvas.set_width(side);
    canvas.set_height(side);
    context(canvas)?
        .put_image_data(&image, 0.0, 0.0)
        .map_err(|e| WebError::js("drawing an image", e))
}

/// A blank canvas with one line of grey text: the empty state of a chart.
pub fn paint_message(canvas: &HtmlCanvasElement, text: &str) -> Result<(), WebError> {
    let ctx = context(canvas)?;
    let (w, h) = (canvas.width() as f64, canvas.height() as f64);
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, w, h);
    ctx.set_fill_style_str("#666666");
    ctx.set_font("15px sans-serif");
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    ctx.fill_text(text, w / 2.0, h / 2.0)
        .map_err(|e| WebError::js("painting a message", e))
}

/// A frame around one cell (the keyboard or hover selection).
pub fn outline_cell(
    canvas: &HtmlCanvasElement,
    layout: &HeatmapLayout,
    truth: usize,
    predicted: usize,
) -> Result<(), WebError> {
    let ctx = context(canvas)?;
    let (x0, y0, x1, y1) = layout.cell_bounds(truth, predicted);
    ctx.set_stroke_style_str("#d55e00");
    ctx.set_line_width(3.0);
    ctx.stroke_rect(
        x0 as f64 + 1.5,
        y0 as f64 + 1.5,
        (x1 - x0) as f64 - 3.0,
        (y1 - y0) as f64 - 3.0,
    );
    Ok(())
}

fn context(canvas: &HtmlCanvasElement) -> Result<CanvasRenderingContext2d, WebError> {
    canvas
        .get_context("2d")
        .map_err(|e| WebError::js("getting the canvas context", e))?
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
        .ok_or_else(|| WebError::Js {
            context: "drawing a chart".into(),
            message: "the canvas has no 2D context".into(),
        })
}

fn paint_angled(canvas: &HtmlCanvasElement, labels: &[AngledLabel]) -> Result<(), WebError> {
    let ctx = context(canvas)?;
    for label in labels {
        ctx.save();
        let painted = (|| {
            ctx.translate(label.x as f64, label.y as f64)?;
            // The canvas turns clockwise for positive angles; labels count counter-clockwise.
            ctx.rotate(-label.degrees.to_radians())?;
            ctx.set_font(&format!("{}px sans-serif", label.font_size));
            ctx.set_fill_style_str("#000000");
            ctx.set_text_baseline("middle");
            ctx.set_text_align(match label.anchor {
                TextAnchor::Start => "start",
                TextAnchor::End => "end",
            });
            ctx.fill_text(&label.text, 0.0, 0.0)
        })();
        ctx.restore();
        painted.map_err(|e| WebError::js("painting a label", e))?;
    }
    Ok(())
}
