//! Text measured by a canvas's own `measureText`, for the charts drawn on it and for the SVG
//! charts of a report written in the page.
//!
//! On wasm, plotters measures text by adding a `<span>` to the page and setting its `style`
//! attribute. Under the server's `style-src 'self'` policy the browser refuses that attribute
//! (a console error at every chart redraw) and the span is measured in the page's default
//! font, so legends and captions were laid out with wrong widths. The canvas's own
//! `measureText` needs no DOM and no style attribute, and measures the font that `draw_text`
//! then paints with.

use web_sys::CanvasRenderingContext2d;

use crate::plot::measured::{Font, TextMeasure};

pub struct CanvasText(pub CanvasRenderingContext2d);

impl TextMeasure for CanvasText {
    fn measure(&self, text: &str, font: Font<'_>) -> (u32, u32) {
        let context = &self.0;
        context.save();
        context.set_font(&font.css());
        let metrics = context.measure_text(text);
        context.restore();
        let (width, height) = match metrics {
            // The font's box, as a span's offsetHeight gave; older engines lack it.
            Ok(m) => (
                m.width(),
                m.font_bounding_box_ascent() + m.font_bounding_box_descent(),
            ),
            // measureText only throws for a font string it cannot parse: a rough size.
            Err(_) => (text.chars().count() as f64 * font.size * 0.55, 0.0),
        };
        let height = if height > 0.0 {
            height
        } else {
            font.size * 1.2
        };
        (width.ceil() as u32, height.ceil() as u32)
    }
}
