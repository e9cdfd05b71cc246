//! The plot module on a `<canvas>`: plotters-canvas draws, and the heatmap's 45° labels, which
//! plotters cannot turn, are painted here with the 2D context's own rotation.
//!
//! Each chart is drawn for the box the page shows it in: its bitmap is that CSS box times
//! `devicePixelRatio`, and the context is scaled so that the plot module lays out and writes
//! in CSS pixels. Text keeps its size whatever the width, and is sharp on a 2× screen (a fixed
//! bitmap shrunk or stretched by CSS made labels 5 px high at 1024 px, and blurred them on
//! Retina screens). The page draws the charts again when their box or the ratio changes.

use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use super::WebError;
use super::canvas_text::CanvasText;
use crate::data::{IMAGE_BYTES, IMAGE_SIDE};
use crate::eval::{ConfidenceHistogram, ConfusionMatrix, Normalization};
use crate::plot::measured::Measured;
use crate::plot::{
    AngledLabel, CurveRun, HeatmapLayout, Metric, TextAnchor, draw_confidence, draw_confusion,
    draw_difference, draw_metric,
};

/// A canvas whose bitmap fits its box, with its context drawing in CSS pixels.
struct Fitted {
    context: CanvasRenderingContext2d,
    /// The drawing's size in CSS pixels.
    size: (u32, u32),
}

/// The canvas's content box (inside its border) in CSS pixels, or `None` while it is not
/// laid out (hidden).
fn content_box(canvas: &HtmlCanvasElement) -> Option<(f64, f64)> {
    let rect = canvas.get_bounding_client_rect();
    // The border: the canvas has no padding and no scroll bar.
    let border_x = (canvas.offset_width() - canvas.client_width()) as f64;
    let border_y = (canvas.offset_height() - canvas.client_height()) as f64;
    let (w, h) = (rect.width() - border_x, rect.height() - border_y);
    (w >= 1.0 && h >= 1.0).then_some((w, h))
}

fn device_pixel_ratio() -> f64 {
    web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .filter(|r| r.is_finite() && *r > 0.0)
        .unwrap_or(1.0)
}

/// What a canvas is drawn for: its box in CSS pixels, the screen's pixel ratio, and the
/// bitmap they make.
struct BoxAtRatio {
    css: (f64, f64),
    ratio: f64,
    bitmap: (u32, u32),
}

/// `canvas`'s box at the screen's ratio (`None` while hidden).
fn box_at_ratio(canvas: &HtmlCanvasElement) -> Option<BoxAtRatio> {
    let (w, h) = content_box(canvas)?;
    let ratio = device_pixel_ratio();
    Some(BoxAtRatio {
        css: (w, h),
        ratio,
        bitmap: ((w * ratio).round() as u32, (h * ratio).round() as u32),
    })
}

/// Whether `canvas`'s bitmap was drawn for its box as it is now (a hidden canvas does).
pub fn fits_its_box(canvas: &HtmlCanvasElement) -> bool {
    box_at_ratio(canvas).is_none_or(|b| b.bitmap == (canvas.width(), canvas.height()))
}

/// Sizes `canvas`'s bitmap for its box at the screen's pixel ratio and scales its context to
/// CSS pixels. A canvas that is not laid out keeps its bitmap, drawn at ratio 1.
fn fit(canvas: &HtmlCanvasElement) -> Result<Fitted, WebError> {
    let (ratio, size) = match box_at_ratio(canvas) {
        Some(BoxAtRatio { css, ratio, bitmap }) => {
            // Setting a size clears the bitmap even when it is the same: only when it changed.
            if canvas.width() != bitmap.0 {
                canvas.set_width(bitmap.0);
            }
            if canvas.height() != bitmap.1 {
                canvas.set_height(bitmap.1);
            }
            (ratio, (css.0.round() as u32, css.1.round() as u32))
        }
        None => (1.0, (canvas.width(), canvas.height())),
    };
    let context = context(canvas)?;
    context
        .set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0)
        .map_err(|e| WebError::js("scaling the canvas", e))?;
    Ok(Fitted { context, size })
}

/// plotters on a canvas, measuring its text with the canvas (see `canvas_text`).
type MeasuredCanvas = Measured<CanvasBackend, CanvasText>;

/// plotters on `canvas`, fitted to its box.
fn backend(canvas: &HtmlCanvasElement) -> Result<MeasuredCanvas, WebError> {
    let Fitted { context, size } = fit(canvas)?;
    let inner = CanvasBackend::with_canvas_object(canvas.clone()).ok_or_else(|| WebError::Js {
        context: "drawing a chart".into(),
        message: "the canvas has no 2D context".into(),
    })?;
    Ok(Measured::with_size(inner, CanvasText(context), size))
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

/// Text measured as the page draws it, for charts drawn elsewhere (a report's SVG): on a
/// canvas of its own, never shown.
pub fn text_measure() -> Result<CanvasText, WebError> {
    let canvas: HtmlCanvasElement = super::dom::document()
        .create_element("canvas")
        .map_err(|e| WebError::js("measuring text", e))?
        .unchecked_into();
    Ok(CanvasText(context(&canvas)?))
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
    let Fitted { context: ctx, size } = fit(canvas)?;
    let (w, h) = (size.0 as f64, size.1 as f64);
    ctx.set_fill_style_str("#ffffff");
    ctx.fill_rect(0.0, 0.0, w, h);
    ctx.set_fill_style_str("#666666");
    ctx.set_font("15px sans-serif");
    ctx.set_text_align("center");
    ctx.set_text_baseline("middle");
    ctx.fill_text(text, w / 2.0, h / 2.0)
        .map_err(|e| WebError::js("painting a message", e))
}

/// A frame around one cell (the keyboard or hover selection), on a matrix just painted (its
/// context still scaled to CSS pixels).
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
