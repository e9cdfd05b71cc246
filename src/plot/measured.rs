//! A plotters backend with text measured by the caller's [`TextMeasure`], and optionally a
//! size of the caller's: the charts lay out legends, captions and tick labels by their text's
//! size, which plotters would otherwise measure with its own font code (on wasm, a `<span>`
//! added to the page: refused under the server's `style-src 'self'`, measured in the wrong
//! font, and impossible where there is no page).
//!
//! Natively the embedded font measures (`render`); in the page, the canvas's `measureText`,
//! for the charts on a `<canvas>` and for the SVG of a report written there alike.

use plotters::prelude::DrawingBackend;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// A font as plotters names it: family (`sans-serif`), style (`normal`, `bold`…) and size in
/// pixels.
#[derive(Debug, Clone, Copy)]
pub struct Font<'a> {
    pub family: &'a str,
    pub style: &'a str,
    pub size: f64,
}

impl Font<'_> {
    /// As CSS writes it, and as plotters-canvas draws with it: `normal 13px sans-serif`.
    pub fn css(&self) -> String {
        format!("{} {}px {}", self.style, self.size, self.family)
    }
}

/// Measures a line of text as it will be drawn: its width and height in pixels.
pub trait TextMeasure {
    fn measure(&self, text: &str, font: Font<'_>) -> (u32, u32);
}

impl<M: TextMeasure + ?Sized> TextMeasure for &M {
    fn measure(&self, text: &str, font: Font<'_>) -> (u32, u32) {
        (**self).measure(text, font)
    }
}

/// `inner`, with text measured by `measure` and, when given, laid out in `size` rather than
/// the backend's own (a canvas drawn in CSS pixels on a bitmap scaled by the pixel ratio).
pub struct Measured<B, M> {
    inner: B,
    measure: M,
    size: Option<(u32, u32)>,
}

impl<B: DrawingBackend, M: TextMeasure> Measured<B, M> {
    pub fn new(inner: B, measure: M) -> Self {
        Self {
            inner,
            measure,
            size: None,
        }
    }

    pub fn with_size(inner: B, measure: M, size: (u32, u32)) -> Self {
        Self {
            inner,
            measure,
            size: Some(size),
        }
    }
}

type Drawn<E> = Result<(), DrawingErrorKind<E>>;

impl<B: DrawingBackend, M: TextMeasure> DrawingBackend for Measured<B, M> {
    type ErrorType = B::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.size.unwrap_or_else(|| self.inner.get_size())
    }

    fn ensure_prepared(&mut self) -> Drawn<B::ErrorType> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Drawn<B::ErrorType> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn<B::ErrorType> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Drawn<B::ErrorType> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn<B::ErrorType> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Drawn<B::ErrorType> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Drawn<B::ErrorType> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Drawn<B::ErrorType> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Drawn<B::ErrorType> {
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), DrawingErrorKind<B::ErrorType>> {
        let (family, font_style) = (style.family(), style.style());
        let font = Font {
            family: family.as_str(),
            style: font_style.as_str(),
            size: style.size(),
        };
        Ok(self.measure.measure(text, font))
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Drawn<B::ErrorType> {
        self.inner.blit_bitmap(pos, size, src)
    }
}
