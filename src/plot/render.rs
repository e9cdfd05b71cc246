//! Rendering charts to SVG text and PNG bytes on the host, with the embedded font.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::labels::{AngledLabel, TextAnchor};
use super::measured::{Font, TextMeasure};
use super::svg::SvgArea;

/// DejaVu Sans cut down to Latin-1 and a few symbols (see assets/fonts/README.md).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-subset.ttf");

pub use super::RenderError;

/// plotters measures (and, in bitmaps, draws) text with a registered font.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let registered = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
        // Only a broken build could ship a font that does not parse; the chart tests catch it.
        assert!(registered.is_ok(), "the embedded font parses");
    });
}

/// Text measured with the embedded font, as plotters draws it into bitmaps.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedFont;

impl TextMeasure for EmbeddedFont {
    fn measure(&self, text: &str, font: Font<'_>) -> (u32, u32) {
        register_font();
        let desc = FontDesc::new(FontFamily::from(font.family), font.size, font.style.into());
        match desc.layout_box(text) {
            Ok(((x0, y0), (x1, y1))) => ((x1 - x0).max(0) as u32, (y1 - y0).max(0) as u32),
            // Only a font that failed to parse; the chart tests catch it.
            Err(_) => (0, 0),
        }
    }
}

/// Draws into a `width`×`height` SVG, its text measured with the embedded font. `draw`
/// returns the labels plotters cannot draw (tilted ones), which are added as `<text>`
/// elements.
pub fn svg<E: std::fmt::Display>(
    width: u32,
    height: u32,
    draw: impl FnOnce(&SvgArea<'_, EmbeddedFont>) -> Result<Vec<AngledLabel>, E>,
) -> Result<String, RenderError> {
    super::svg::svg(width, height, EmbeddedFont, draw)
}

/// Draws into a `width`×`height` RGB bitmap and encodes it as PNG.
pub fn png<E: std::fmt::Display>(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<Vec<AngledLabel>, E>,
) -> Result<Vec<u8>, RenderError> {
    let pixels = bitmap(width, height, draw)?;
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(bytes)
}

/// Draws into a `width`×`height` RGB buffer (3 bytes a pixel, row-major).
pub fn bitmap<E: std::fmt::Display>(
    width: u32,
    height: u32,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<Vec<AngledLabel>, E>,
) -> Result<Vec<u8>, RenderError> {
    register_font();
    let mut pixels = vec![255u8; (width * height * 3) as usize];
    let labels = {
        let area = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        let labels = draw(&area).map_err(RenderError::draw)?;
        area.present().map_err(RenderError::draw)?;
        labels
    };
    for label in &labels {
        paint_label(&mut pixels, width, height, label);
    }
    Ok(pixels)
}

/// Rasterises the text upright, then samples it rotated (inverse mapping with bilinear
/// filtering, so the turned glyphs have no holes) and blends it in black.
fn paint_label(pixels: &mut [u8], width: u32, height: u32, label: &AngledLabel) {
    let font = FontDesc::new(FontFamily::SansSerif, label.font_size, FontStyle::Normal);
    let Ok(((_, _), (text_w, _))) = font.layout_box(&label.text) else {
        return;
    };
    let pad = label.font_size.ceil() as i32;
    let (buf_w, buf_h) = (text_w + 2 * pad, 3 * pad);
    let mut coverage = vec![0f32; (buf_w * buf_h) as usize];
    let drawn = font.draw(&label.text, (pad, pad), |x, y, a| {
        if (0..buf_w).contains(&x) && (0..buf_h).contains(&y) {
            let c = &mut coverage[(y * buf_w + x) as usize];
            *c = c.max(a);
        }
        Ok::<(), ()>(())
    });
    if !matches!(drawn, Ok(Ok(()))) {
        return;
    }
    // Anchor: the text's start or end, at its ink's vertical middle.
    let rows = (0..buf_h).filter(|&y| (0..buf_w).any(|x| coverage[(y * buf_w + x) as usize] > 0.0));
    let (top, bottom) = rows.fold((buf_h, 0), |(lo, hi), y| (lo.min(y), hi.max(y)));
    let anchor_x = match label.anchor {
        TextAnchor::Start => pad as f64,
        TextAnchor::End => (pad + text_w) as f64,
    };
    let anchor_y = (top + bottom) as f64 / 2.0;
    let sample = |sx: f64, sy: f64| {
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let at = |x: f64, y: f64| {
            let (x, y) = (x as i32, y as i32);
            if (0..buf_w).contains(&x) && (0..buf_h).contains(&y) {
                coverage[(y * buf_w + x) as usize] as f64
            } else {
                0.0
            }
        };
        at(x0, y0) * (1.0 - fx) * (1.0 - fy)
            + at(x0 + 1.0, y0) * fx * (1.0 - fy)
            + at(x0, y0 + 1.0) * (1.0 - fx) * fy
            + at(x0 + 1.0, y0 + 1.0) * fx * fy
    };
    let (sin, cos) = label.degrees.to_radians().sin_cos();
    let reach = buf_w + buf_h;
    for dy in -reach..=reach {
        for dx in -reach..=reach {
            let (px, py) = (label.x + dx, label.y + dy);
            if px < 0 || py < 0 || px >= width as i32 || py >= height as i32 {
                continue;
            }
            // Undo a counter-clockwise turn on screen (y grows downwards).
            let (u, v) = (dx as f64, dy as f64);
            let sx = anchor_x + u * cos - v * sin;
            let sy = anchor_y + u * sin + v * cos;
            let a = sample(sx, sy);
            if a > 0.0 {
                let i = ((py as u32 * width + px as u32) * 3) as usize;
                for c in &mut pixels[i..i + 3] {
                    *c = (*c as f64 * (1.0 - a.min(1.0))).round() as u8;
                }
            }
        }
    }
}
